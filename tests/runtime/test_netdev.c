/* The network device (<brigade/netdev.h>, drivers/virtio/virtio_net.c)
 * against QEMU's user networking (slirp): the guest is 10.0.2.15, the
 * gateway 10.0.2.2 answers ARP and ping itself. Built where the board has
 * the device (BRIGADE_HAS_NETDEV) and run with BRIGADE_QEMU_NET_ARGS.
 *
 * Robust under load: every wait for the other side has a deadline of tens
 * of seconds and requests are sent again each second until it passes;
 * slirp's own traffic (IPv6 router advertisements, ARP requests for us) is
 * skipped or answered, never counted as an answer. No upper bound on any
 * wall time. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <brigade/netdev.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

#define MS (1000ull * 1000)
#define SECONDS (1000 * MS)
#define ANSWER_DEADLINE (60 * SECONDS)
#define RESEND_EVERY (1 * SECONDS)

static const uint8_t our_ip[4] = {10, 0, 2, 15};
static const uint8_t gateway_ip[4] = {10, 0, 2, 2};
/* slirp answers for its own addresses from 52:55 followed by the address. */
static const uint8_t gateway_mac[6] = {0x52, 0x55, 10, 0, 2, 2};
static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

enum { ETH_ARP = 0x0806, ETH_IPV4 = 0x0800, ETH_EXPERIMENTAL = 0x88b5 };

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type) {
  memcpy(f, dst, 6);
  memcpy(f + 6, src, 6);
  put16(f + 12, type);
}

/* An ARP packet (Ethernet, IPv4) of @p op: 1 request, 2 reply. */
static size_t arp_frame(uint8_t *f, const uint8_t *mac, uint16_t op, const uint8_t *eth_dst,
                        const uint8_t *target_mac, const uint8_t *target_ip) {
  eth_header(f, eth_dst, mac, ETH_ARP);
  uint8_t *a = f + 14;
  put16(a, 1);      /* hardware: Ethernet */
  put16(a + 2, ETH_IPV4);
  a[4] = 6;
  a[5] = 4;
  put16(a + 6, op);
  memcpy(a + 8, mac, 6);
  memcpy(a + 14, our_ip, 4);
  memcpy(a + 18, target_mac, 6);
  memcpy(a + 24, target_ip, 4);
  return 14 + 28;
}

/* Answer slirp's "who has 10.0.2.15?", as any host on the link would: it
 * asks before it sends us anything it has not heard from us. */
static void answer_if_arp_for_us(struct netdev *dev, const uint8_t *f, long len) {
  if (len < 42 || get16(f + 12) != ETH_ARP || get16(f + 20) != 1 || memcmp(f + 38, our_ip, 4))
    return;
  uint8_t reply[64];
  size_t n = arp_frame(reply, dev->mac, 2, f + 6, f + 22, f + 28);
  if (netdev_send(dev, reply, n) != 0)
    test_fail(__FILE__, __LINE__, "could not answer slirp's ARP request");
}

static bool is_arp_reply_from_gateway(const uint8_t *f, long len, const uint8_t *our_mac) {
  return len >= 42 && get16(f + 12) == ETH_ARP && get16(f + 20) == 2 &&
         memcmp(f + 28, gateway_ip, 4) == 0 && memcmp(f + 32, our_mac, 6) == 0 &&
         memcmp(f + 38, our_ip, 4) == 0;
}

static uint16_t inet_checksum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2)
    sum += get16(p + i);
  if (n & 1)
    sum += (uint32_t)p[n - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

#define PING_PAYLOAD 56

/* An ICMP echo request to the gateway, IPv4, id and seq as given. */
static size_t ping_frame(uint8_t *f, const uint8_t *mac, uint16_t id, uint16_t seq) {
  eth_header(f, gateway_mac, mac, ETH_IPV4);
  uint8_t *ip = f + 14;
  memset(ip, 0, 20);
  ip[0] = 0x45;
  put16(ip + 2, 20 + 8 + PING_PAYLOAD);
  put16(ip + 4, seq);
  ip[8] = 64; /* TTL */
  ip[9] = 1;  /* ICMP */
  memcpy(ip + 12, our_ip, 4);
  memcpy(ip + 16, gateway_ip, 4);
  put16(ip + 10, inet_checksum(ip, 20));
  uint8_t *icmp = ip + 20;
  memset(icmp, 0, 8);
  icmp[0] = 8; /* echo request */
  put16(icmp + 4, id);
  put16(icmp + 6, seq);
  for (unsigned i = 0; i < PING_PAYLOAD; i++)
    icmp[8 + i] = (uint8_t)(seq + i);
  put16(icmp + 2, inet_checksum(icmp, 8 + PING_PAYLOAD));
  return 14 + 20 + 8 + PING_PAYLOAD;
}

/* The sequence number of an echo reply from the gateway to us with id
 * @p id and the payload ping_frame put in, its checksums right; or -1. */
static int echo_reply_seq(const uint8_t *f, long len, const uint8_t *our_mac, uint16_t id) {
  if (len < 14 + 20 + 8 + PING_PAYLOAD || get16(f + 12) != ETH_IPV4 || memcmp(f, our_mac, 6))
    return -1;
  const uint8_t *ip = f + 14;
  unsigned ihl = (ip[0] & 15u) * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 1 || memcmp(ip + 12, gateway_ip, 4) ||
      memcmp(ip + 16, our_ip, 4) || inet_checksum(ip, ihl) != 0)
    return -1;
  const uint8_t *icmp = ip + ihl;
  size_t icmp_len = get16(ip + 2) - ihl;
  if (icmp[0] != 0 || get16(icmp + 4) != id || icmp_len != 8 + PING_PAYLOAD ||
      (long)(14 + ihl + icmp_len) > len || inet_checksum(icmp, icmp_len) != 0)
    return -1;
  uint16_t seq = get16(icmp + 6);
  for (unsigned i = 0; i < PING_PAYLOAD; i++)
    if (icmp[8 + i] != (uint8_t)(seq + i))
      return -1;
  return seq;
}

/* Ask for the gateway's MAC until the reply comes or the deadline passes;
 * true when it came and named @p mac_out. */
static bool resolve_gateway(struct netdev *dev, uint8_t *mac_out, unsigned *requests) {
  static uint8_t frame[NETDEV_MAX_FRAME];
  uint8_t request[64];
  static const uint8_t unknown[6];
  size_t n = arp_frame(request, dev->mac, 1, broadcast, unknown, gateway_ip);
  uint64_t give_up = task_now_ns() + ANSWER_DEADLINE;
  *requests = 0;
  while (task_now_ns() < give_up) {
    if (netdev_send(dev, request, n) != 0)
      return false;
    ++*requests;
    uint64_t resend = task_now_ns() + RESEND_EVERY;
    long len;
    while ((len = netdev_receive(dev, frame, sizeof frame, resend)) > 0) {
      answer_if_arp_for_us(dev, frame, len);
      if (is_arp_reply_from_gateway(frame, len, dev->mac)) {
        memcpy(mac_out, frame + 22, 6);
        return true;
      }
    }
    if (len != -ETIMEDOUT) {
      test_fail(__FILE__, __LINE__, "netdev_receive returned %ld", len);
      return false;
    }
  }
  return false;
}

static void print_mac(const char *what, const uint8_t *m) {
  printf("    %s %02x:%02x:%02x:%02x:%02x:%02x\n", what, m[0], m[1], m[2], m[3], m[4], m[5]);
}

TEST(the_device_has_a_unicast_mac_address) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  print_mac("device MAC", dev->mac);
  static const uint8_t zero[6];
  EXPECT(memcmp(dev->mac, zero, 6) != 0);
  EXPECT((dev->mac[0] & 1) == 0); /* not a group address */
}

/* The device interrupts for every frame it hands back (receive interrupts
 * are never switched off), but a receiver may take the frame off the used
 * ring before the handler has run: on another core, or on its own once it
 * unmasks, which a loaded host can delay. So the count is waited for, up to
 * two seconds; a device that never interrupts still fails. */
static uint64_t interrupts_once_above(struct netdev *dev, uint64_t before) {
  uint64_t give_up = task_now_ns() + 2000 * MS;
  struct netdev_stats st;
  for (;;) {
    netdev_stats(dev, &st);
    if (st.interrupts > before || task_now_ns() > give_up)
      return st.interrupts;
    task_sleep_ns(1 * MS);
  }
}

TEST(an_arp_request_for_the_gateway_gets_a_reply_with_its_mac) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  struct netdev_stats before, after;
  netdev_stats(dev, &before);
  uint8_t mac[6];
  unsigned requests;
  bool answered = resolve_gateway(dev, mac, &requests);
  ASSERT(answered);
  print_mac("10.0.2.2 is at", mac);
  printf("    after %u request(s)\n", requests);
  EXPECT(memcmp(mac, gateway_mac, 6) == 0);
  netdev_stats(dev, &after);
  EXPECT(after.rx_frames > before.rx_frames);
  EXPECT(interrupts_once_above(dev, before.interrupts) > before.interrupts);
  EXPECT_EQ(after.tx_errors, before.tx_errors);
}

/* ---- a receiver parked before its frame comes -------------------------------- */

struct parked_receiver {
  struct netdev *dev;
  bool with_deadline; /* NETDEV_NO_DEADLINE (the driver's waitq) or 60 s (its doorbell) */
  bool got_reply;     /* release-stored once the reply is in */
  long failed_with;   /* what netdev_receive returned instead, 0 if nothing */
  struct waitgroup *wg;
};

static void receive_arp_reply(void *arg) {
  struct parked_receiver *r = arg;
  static uint8_t frame[NETDEV_MAX_FRAME];
  uint64_t deadline = r->with_deadline ? task_now_ns() + ANSWER_DEADLINE : NETDEV_NO_DEADLINE;
  for (;;) {
    long len = netdev_receive(r->dev, frame, sizeof frame, deadline);
    if (len < 0) {
      r->failed_with = len;
      break;
    }
    answer_if_arp_for_us(r->dev, frame, len);
    if (is_arp_reply_from_gateway(frame, len, r->dev->mac)) {
      __atomic_store_n(&r->got_reply, true, __ATOMIC_RELEASE);
      break;
    }
  }
  waitgroup_done(r->wg);
}

/* A receiver is seen parked (its wait counted, its state TASK_PARKED)
 * before the request goes out, so only the receive interrupt can give it
 * the reply: a timeout, or nothing, fails. Requests are resent while it
 * waits (a reply may be lost on a loaded host); they do not wake it. */
static void a_parked_receiver_is_woken_by_the_reply(bool with_deadline) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  static struct waitgroup wg = WAITGROUP_INIT;
  static struct parked_receiver r;
  r = (struct parked_receiver){.dev = dev, .with_deadline = with_deadline, .wg = &wg};
  struct netdev_stats before, now;
  netdev_stats(dev, &before);
  waitgroup_add(&wg, 1);
  task_t *t = NULL;
  struct task_attr attr = {.name = "arp receiver", .pin = TASK_ANY_CORE};
  ASSERT(task_spawn(&t, receive_arp_reply, &r, &attr) == 0);
  /* Longer than the receiver's own deadline, so a receiver that is never
   * woken reports its -ETIMEDOUT before this gives up. */
  uint64_t give_up = task_now_ns() + 2 * ANSWER_DEADLINE;
  do {
    task_sleep_ns(MS);
    netdev_stats(dev, &now);
  } while (now.rx_waits == before.rx_waits && task_now_ns() < give_up);
  while (task_state(t) != TASK_PARKED && !__atomic_load_n(&r.got_reply, __ATOMIC_ACQUIRE) &&
         task_now_ns() < give_up)
    task_sleep_ns(MS);
  EXPECT(now.rx_waits > before.rx_waits);
  printf("    receiver parked %s (%llu waits so far); sending the request\n",
         with_deadline ? "with a deadline" : "without a deadline",
         (unsigned long long)(now.rx_waits - before.rx_waits));
  uint8_t request[64];
  static const uint8_t unknown[6];
  size_t n = arp_frame(request, dev->mac, 1, broadcast, unknown, gateway_ip);
  unsigned sent = 0;
  uint64_t next_send = 0;
  while (!__atomic_load_n(&r.got_reply, __ATOMIC_ACQUIRE) && r.failed_with == 0 &&
         task_now_ns() < give_up) {
    if (task_now_ns() >= next_send) {
      EXPECT_EQ(netdev_send(dev, request, n), 0);
      sent++;
      next_send = task_now_ns() + RESEND_EVERY;
    }
    task_sleep_ns(10 * MS);
  }
  EXPECT_EQ(r.failed_with, 0); /* -ETIMEDOUT: the interrupt never woke it */
  ASSERT(__atomic_load_n(&r.got_reply, __ATOMIC_ACQUIRE));
  waitgroup_wait(&wg);
  printf("    the reply woke it after %u request(s)\n", sent);
}

TEST(a_receiver_parked_without_a_deadline_is_woken_by_the_receive_interrupt) {
  a_parked_receiver_is_woken_by_the_reply(false);
}

TEST(a_receiver_parked_with_a_deadline_is_woken_by_the_receive_interrupt_before_it) {
  a_parked_receiver_is_woken_by_the_reply(true);
}

TEST(a_ping_to_the_gateway_gets_its_echo_reply) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  uint8_t mac[6];
  unsigned requests;
  ASSERT(resolve_gateway(dev, mac, &requests)); /* slirp learns our MAC from it too */
  static uint8_t frame[NETDEV_MAX_FRAME];
  uint8_t ping[NETDEV_MAX_FRAME];
  const uint16_t id = 0x6272; /* "br" */
  uint64_t give_up = task_now_ns() + ANSWER_DEADLINE;
  int answered = -1;
  uint16_t seq = 0;
  while (answered < 0 && task_now_ns() < give_up) {
    seq++;
    size_t n = ping_frame(ping, dev->mac, id, seq);
    ASSERT(netdev_send(dev, ping, n) == 0);
    uint64_t resend = task_now_ns() + RESEND_EVERY;
    long len;
    while (answered < 0 && (len = netdev_receive(dev, frame, sizeof frame, resend)) > 0) {
      answer_if_arp_for_us(dev, frame, len);
      answered = echo_reply_seq(frame, len, dev->mac, id);
    }
  }
  ASSERT(answered > 0);
  EXPECT(answered <= seq);
  printf("    echo reply for seq %d (%u request(s) sent)\n", answered, (unsigned)seq);
}

/* ---- many pings at once, many receivers: every reply comes back once ----------- */

#define BURST 200
#define BURST_RECEIVERS 4   /* even ones wait with a deadline, odd ones without */
#define BURST_ID 0x7073     /* the burst's echo id */
#define STOP_ID 0x5354      /* a reply with this id ends a receiver without a deadline */

static struct {
  struct netdev *dev;
  uint32_t replied[BURST + 1]; /* atomic (words: RV64 has no byte swap): each seq seen */
  unsigned got;               /* atomic: distinct replies */
  unsigned duplicates;        /* atomic: a reply seen twice (a frame given to two receivers) */
  unsigned stopped;           /* atomic: receivers without a deadline that have ended */
  bool done;                  /* release-stored once every reply is in (or never will be) */
} burst;

struct burst_receiver {
  bool with_deadline;
  unsigned got; /* its share; read after the waitgroup */
  struct waitgroup *wg;
};

static struct burst_receiver burst_receivers[BURST_RECEIVERS];

/* Relaxed counters and flags: each is read alone; done is release/acquire
 * only so that a receiver that sees it ends after the main task's last
 * look at the counts. */
static void receive_burst(void *arg) {
  struct burst_receiver *me = arg;
  static uint8_t frames[BURST_RECEIVERS][NETDEV_MAX_FRAME];
  uint8_t *frame = frames[me - burst_receivers];
  struct netdev *dev = burst.dev;
  for (;;) {
    uint64_t deadline = me->with_deadline ? task_now_ns() + 100 * MS : NETDEV_NO_DEADLINE;
    long len = netdev_receive(dev, frame, NETDEV_MAX_FRAME, deadline);
    if (len == -ETIMEDOUT) {
      if (__atomic_load_n(&burst.done, __ATOMIC_ACQUIRE))
        break;
      continue;
    }
    if (len < 0) {
      test_fail(__FILE__, __LINE__, "netdev_receive returned %ld", len);
      break;
    }
    answer_if_arp_for_us(dev, frame, len);
    if (echo_reply_seq(frame, len, dev->mac, STOP_ID) >= 0 && !me->with_deadline) {
      __atomic_fetch_add(&burst.stopped, 1, __ATOMIC_RELAXED);
      break;
    }
    int seq = echo_reply_seq(frame, len, dev->mac, BURST_ID);
    if (seq >= 1 && seq <= BURST) {
      if (__atomic_exchange_n(&burst.replied[seq], 1, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&burst.duplicates, 1, __ATOMIC_RELAXED);
      } else {
        __atomic_fetch_add(&burst.got, 1, __ATOMIC_RELAXED);
        me->got++;
      }
    }
    if (me->with_deadline && __atomic_load_n(&burst.done, __ATOMIC_ACQUIRE))
      break;
  }
  waitgroup_done(me->wg);
}

TEST(a_burst_of_pings_to_many_receivers_gets_every_reply_back_exactly_once) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  uint8_t mac[6];
  unsigned requests;
  ASSERT(resolve_gateway(dev, mac, &requests));
  static struct waitgroup wg = WAITGROUP_INIT;
  memset(&burst, 0, sizeof burst);
  burst.dev = dev;
  waitgroup_add(&wg, BURST_RECEIVERS);
  for (unsigned i = 0; i < BURST_RECEIVERS; i++) {
    burst_receivers[i] = (struct burst_receiver){.with_deadline = i % 2 == 0, .wg = &wg};
    task_t *t = NULL;
    struct task_attr attr = {.name = "ping receiver", .pin = TASK_ANY_CORE};
    ASSERT(task_spawn(&t, receive_burst, &burst_receivers[i], &attr) == 0);
  }
  /* Back to back: more than either queue holds, so the replies pile up
   * in the receive ring while requests wait for transmit buffers. */
  uint8_t ping[NETDEV_MAX_FRAME];
  uint64_t start = task_now_ns();
  for (uint16_t seq = 1; seq <= BURST; seq++) {
    size_t n = ping_frame(ping, dev->mac, BURST_ID, seq);
    EXPECT_EQ(netdev_send(dev, ping, n), 0);
  }
  uint64_t give_up = start + ANSWER_DEADLINE;
  while (__atomic_load_n(&burst.got, __ATOMIC_RELAXED) < BURST && task_now_ns() < give_up)
    task_sleep_ns(10 * MS);
  uint64_t took_ms = (task_now_ns() - start) / MS;
  __atomic_store_n(&burst.done, true, __ATOMIC_RELEASE);
  /* The receivers without a deadline end on a STOP reply; one with a
   * deadline may take a STOP reply first, so they are sent until both
   * have ended. */
  uint16_t stop_seq = 0;
  while (__atomic_load_n(&burst.stopped, __ATOMIC_RELAXED) < BURST_RECEIVERS / 2 &&
         task_now_ns() < give_up + ANSWER_DEADLINE) {
    size_t n = ping_frame(ping, dev->mac, STOP_ID, ++stop_seq);
    EXPECT_EQ(netdev_send(dev, ping, n), 0);
    task_sleep_ns(50 * MS);
  }
  ASSERT(__atomic_load_n(&burst.stopped, __ATOMIC_RELAXED) == BURST_RECEIVERS / 2);
  waitgroup_wait(&wg);
  printf("    %u of %u echo replies in %llu ms, shared", burst.got, BURST,
         (unsigned long long)took_ms);
  for (unsigned i = 0; i < BURST_RECEIVERS; i++)
    printf(" %u", burst_receivers[i].got);
  printf(" (receivers with, without, with, without a deadline); %u duplicates\n",
         burst.duplicates);
  EXPECT_EQ(burst.got, BURST);
  EXPECT_EQ(burst.duplicates, 0);
}

/* ---- a full transmit queue parks the sender ------------------------------------ */

#define FLOOD_SENDERS 2
#define FLOOD_ROUND 512 /* frames per sender per round: several queues' worth */
#define FLOOD_MAX_ROUNDS 40

struct flood_sender {
  struct netdev *dev;
  unsigned frames;
  unsigned failures;
  struct waitgroup *wg;
};

/* Full-size frames to an EtherType slirp ignores, broadcast: nothing
 * answers, so only the transmit side is exercised. */
static void flood(void *arg) {
  struct flood_sender *s = arg;
  uint8_t frame[NETDEV_MAX_FRAME];
  eth_header(frame, broadcast, s->dev->mac, ETH_EXPERIMENTAL);
  for (unsigned i = 0; i < s->frames; i++) {
    memset(frame + 14, (int)i, NETDEV_MTU);
    if (netdev_send(s->dev, frame, NETDEV_MAX_FRAME) != 0)
      s->failures++;
  }
  waitgroup_done(s->wg);
}

TEST(a_flood_fills_the_transmit_queue_and_every_frame_is_sent) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  static struct waitgroup wg = WAITGROUP_INIT;
  static struct flood_sender senders[FLOOD_SENDERS];
  struct netdev_stats before, after;
  netdev_stats(dev, &before);
  uint64_t sent = 0;
  unsigned rounds = 0;
  uint64_t start = task_now_ns();
  /* Rounds go on until a sender was seen to park on a full queue: a host
   * that runs the device's thread faster than this core fills the queue
   * later, never not at all. */
  do {
    waitgroup_add(&wg, FLOOD_SENDERS);
    for (unsigned i = 0; i < FLOOD_SENDERS; i++) {
      senders[i] = (struct flood_sender){.dev = dev, .frames = FLOOD_ROUND, .wg = &wg};
      task_t *t = NULL;
      struct task_attr attr = {.name = "flood", .pin = TASK_ANY_CORE};
      ASSERT(task_spawn(&t, flood, &senders[i], &attr) == 0);
    }
    waitgroup_wait(&wg);
    for (unsigned i = 0; i < FLOOD_SENDERS; i++) {
      EXPECT_EQ(senders[i].failures, 0);
      sent += senders[i].frames;
    }
    rounds++;
    netdev_stats(dev, &after);
  } while (after.tx_queue_full_waits == before.tx_queue_full_waits && rounds < FLOOD_MAX_ROUNDS);
  /* Every frame queued is taken by the device: wait for the count (no
   * upper bound but a generous one). */
  uint64_t give_up = task_now_ns() + ANSWER_DEADLINE;
  while (after.tx_frames - before.tx_frames < sent && task_now_ns() < give_up) {
    task_sleep_ns(10 * MS);
    netdev_stats(dev, &after);
  }
  uint64_t took_ms = (task_now_ns() - start) / MS;
  printf("    %llu frames in %u round(s) from %u senders; %llu completions in %llu ms; "
         "%llu waits on a full queue; %llu interrupts\n",
         (unsigned long long)sent, rounds, FLOOD_SENDERS,
         (unsigned long long)(after.tx_frames - before.tx_frames), (unsigned long long)took_ms,
         (unsigned long long)(after.tx_queue_full_waits - before.tx_queue_full_waits),
         (unsigned long long)(after.interrupts - before.interrupts));
  EXPECT(after.tx_queue_full_waits > before.tx_queue_full_waits);
  EXPECT_EQ(after.tx_frames - before.tx_frames, sent);
  EXPECT_EQ(after.tx_bytes - before.tx_bytes, sent * NETDEV_MAX_FRAME);
  EXPECT_EQ(after.tx_errors, before.tx_errors);
  EXPECT_EQ(after.tx_dropped, before.tx_dropped);
}

/* ---- bad input ---------------------------------------------------------------- */

TEST(bad_frames_and_buffers_are_refused_with_an_error) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  struct netdev_stats before, after;
  netdev_stats(dev, &before);
  static uint8_t big[NETDEV_MAX_FRAME + 1];
  eth_header(big, broadcast, dev->mac, ETH_EXPERIMENTAL);
  EXPECT_EQ(netdev_send(dev, NULL, 60), -EINVAL);
  EXPECT_EQ(netdev_send(dev, big, 0), -EINVAL);
  EXPECT_EQ(netdev_send(dev, big, NETDEV_MIN_FRAME - 1), -EINVAL);
  EXPECT_EQ(netdev_send(dev, big, NETDEV_MAX_FRAME + 1), -EMSGSIZE);
  EXPECT_EQ(netdev_send(dev, big, (size_t)-1), -EMSGSIZE);
  EXPECT_EQ(netdev_receive(dev, NULL, NETDEV_MAX_FRAME, NETDEV_NO_DEADLINE), -EINVAL);
  EXPECT_EQ(netdev_receive(dev, big, NETDEV_MAX_FRAME - 1, NETDEV_NO_DEADLINE), -EINVAL);
  netdev_stats(dev, &after);
  EXPECT_EQ(after.tx_errors - before.tx_errors, 5);
  EXPECT_EQ(after.rx_errors - before.rx_errors, 2);
  /* Nothing was queued by the refused sends. */
  EXPECT_EQ(after.tx_frames, before.tx_frames);
  printf("    5 sends and 2 receives refused, none queued\n");
}

TEST(a_receive_whose_deadline_passes_returns_etimedout_no_earlier) {
  struct netdev *dev = board_netdev();
  ASSERT(dev != NULL);
  static uint8_t frame[NETDEV_MAX_FRAME];
  /* A quiet link is not promised (slirp may speak), so frames that come
   * are taken and the wait starts again until one times out. */
  long len;
  unsigned skipped = 0;
  uint64_t start, deadline;
  do {
    start = task_now_ns();
    deadline = start + 200 * MS;
    len = netdev_receive(dev, frame, sizeof frame, deadline);
    if (len > 0) {
      answer_if_arp_for_us(dev, frame, len);
      skipped++;
    }
  } while (len > 0 && skipped < 1000);
  EXPECT_EQ(len, -ETIMEDOUT);
  uint64_t back = task_now_ns();
  EXPECT(back >= deadline);
  printf("    timed out %llu us after its deadline (%u stray frames taken first)\n",
         (unsigned long long)((back - deadline) / 1000), skipped);
  /* A deadline already past: no wait at all. */
  do
    len = netdev_receive(dev, frame, sizeof frame, 0);
  while (len > 0);
  EXPECT_EQ(len, -ETIMEDOUT);
}
