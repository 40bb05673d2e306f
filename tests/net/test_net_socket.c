/* The socket API (<brigade/net.h>) inside one image: connections from the
 * image to itself (lwIP loops packets to its own address back), so each
 * case controls both ends. Run with the board's network device
 * (BRIGADE_QEMU_NET_ARGS). What the host drives from outside is in
 * net_session.py. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <brigade/net.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

#define MS (1000ull * 1000)
#define SECONDS (1000 * MS)
#define SOON (task_now_ns() + 30 * SECONDS) /* a deadline for what must happen */

static struct net_ipv4 self;

static void up(void) {
  struct net_config cfg = NET_CONFIG_DEFAULT;
  struct net_address a;
  int err = net_start(&cfg, &a);
  if (err == 0)
    self = a.ip;
  else if (err != -EALREADY)
    test_fail(__FILE__, __LINE__, "net_start: %d", err);
}

/* A connected pair on @p port: *client from net_connect, *server from net_accept. */
static void pair(uint16_t port, int *client, int *server) {
  int l = net_listen(port, 4);
  ASSERT(l >= 0);
  *client = net_connect(self, port, SOON);
  ASSERT(*client >= 0);
  *server = net_accept(l, SOON);
  ASSERT(*server >= 0);
  EXPECT_EQ(net_close(l), 0);
}

TEST(net_start_twice_says_already) {
  up();
  struct net_config cfg = NET_CONFIG_DEFAULT;
  EXPECT_EQ(net_start(&cfg, NULL), -EALREADY);
  EXPECT_EQ(net_start(NULL, NULL), -EINVAL);
}

TEST(data_goes_both_ways_and_close_reads_as_end_of_stream) {
  up();
  int c, s;
  pair(7001, &c, &s);
  char buf[64];
  EXPECT_EQ(net_write(c, "hello", 5, SOON), 5);
  EXPECT_EQ(net_read(s, buf, sizeof buf, SOON), 5);
  EXPECT(memcmp(buf, "hello", 5) == 0);
  EXPECT_EQ(net_write(s, "back", 4, SOON), 4);
  EXPECT_EQ(net_read(c, buf, sizeof buf, SOON), 4);
  EXPECT_EQ(net_close(c), 0);
  EXPECT_EQ(net_read(s, buf, sizeof buf, SOON), 0);
  EXPECT_EQ(net_read(s, buf, sizeof buf, SOON), 0); /* and on every read after */
  EXPECT_EQ(net_close(s), 0);
}

TEST(bad_use_gets_error_codes) {
  up();
  int c, s;
  pair(7002, &c, &s);
  char buf[8];
  EXPECT_EQ(net_read(c, NULL, 8, SOON), -EINVAL);
  EXPECT_EQ(net_read(c, buf, 0, SOON), -EINVAL);
  EXPECT_EQ(net_write(c, NULL, 8, SOON), -EINVAL);
  EXPECT_EQ(net_shutdown(c, 0), -EINVAL);
  EXPECT_EQ(net_shutdown(c, 7), -EINVAL);
  EXPECT_EQ(net_close(c), 0);
  EXPECT_EQ(net_read(c, buf, sizeof buf, SOON), -EBADF);  /* read after close */
  EXPECT_EQ(net_write(c, "x", 1, SOON), -EBADF);
  EXPECT_EQ(net_close(c), -EBADF);
  EXPECT_EQ(net_close(s), 0);
  EXPECT_EQ(net_read(-1, buf, sizeof buf, SOON), -EBADF);
  EXPECT_EQ(net_read(NET_MAX_SOCKETS, buf, sizeof buf, SOON), -EBADF);
  int l = net_listen(7003, 1);
  ASSERT(l >= 0);
  EXPECT_EQ(net_listen(7003, 1), -EADDRINUSE);
  EXPECT_EQ(net_read(l, buf, sizeof buf, SOON), -EINVAL); /* a listener has no data */
  EXPECT_EQ(net_accept(s, SOON), -EBADF);
  EXPECT_EQ(net_listen(0, 1), -EINVAL);
  EXPECT_EQ(net_listen(7009, 0), -EINVAL);
  EXPECT_EQ(net_listen(7009, NET_LISTEN_BACKLOG_MAX + 1), -EINVAL);
  EXPECT_EQ(net_connect(self, 0, SOON), -EINVAL);
  EXPECT_EQ(net_close(l), 0);
}

TEST(connect_to_a_closed_port_is_refused) {
  up();
  EXPECT_EQ(net_connect(self, 7004, SOON), -ECONNREFUSED);
}

TEST(deadlines_pass_no_earlier_than_asked) {
  up();
  int l = net_listen(7005, 1);
  ASSERT(l >= 0);
  EXPECT_EQ(net_accept(l, 0), -ETIMEDOUT); /* already past: nothing waiting */
  uint64_t start = task_now_ns();
  EXPECT_EQ(net_accept(l, start + 50 * MS), -ETIMEDOUT);
  EXPECT(task_now_ns() >= start + 50 * MS);
  int c = net_connect(self, 7005, SOON);
  ASSERT(c >= 0);
  int s = net_accept(l, SOON);
  ASSERT(s >= 0);
  char buf[8];
  EXPECT_EQ(net_read(s, buf, sizeof buf, 0), -ETIMEDOUT);
  start = task_now_ns();
  EXPECT_EQ(net_read(s, buf, sizeof buf, start + 50 * MS), -ETIMEDOUT);
  EXPECT(task_now_ns() >= start + 50 * MS);
  /* The socket still works after a timeout. */
  EXPECT_EQ(net_write(c, "ok", 2, SOON), 2);
  EXPECT_EQ(net_read(s, buf, sizeof buf, SOON), 2);
  EXPECT_EQ(net_close(c), 0);
  EXPECT_EQ(net_close(s), 0);
  EXPECT_EQ(net_close(l), 0);
}

TEST(half_close_lets_the_other_way_go_on) {
  up();
  int c, s;
  pair(7006, &c, &s);
  char buf[16];
  EXPECT_EQ(net_shutdown(c, NET_SHUT_WR), 0);
  EXPECT_EQ(net_write(c, "x", 1, SOON), -EPIPE);
  EXPECT_EQ(net_read(s, buf, sizeof buf, SOON), 0); /* the server sees our FIN */
  EXPECT_EQ(net_write(s, "after", 5, SOON), 5);    /* and may still answer */
  EXPECT_EQ(net_read(c, buf, sizeof buf, SOON), 5);
  EXPECT_EQ(net_close(s), 0);
  EXPECT_EQ(net_read(c, buf, sizeof buf, SOON), 0);
  EXPECT_EQ(net_close(c), 0);
}

/* Many tasks, each with its own connection, all parked in net_read at
 * once, then answered. */
struct worker {
  int sock;
  struct waitgroup *done;
  bool ok;
};

static void reader(void *arg) {
  struct worker *w = arg;
  uint32_t v = 0;
  w->ok = net_read(w->sock, &v, sizeof v, SOON) == sizeof v &&
          net_write(w->sock, &(uint32_t){v + 1}, sizeof v, SOON) == sizeof v;
  waitgroup_done(w->done);
}

TEST(many_tasks_park_in_read_on_their_own_sockets) {
  up();
  enum { N = 32 };
  int l = net_listen(7007, N);
  ASSERT(l >= 0);
  static int clients[N];
  static struct worker w[N];
  struct waitgroup done = WAITGROUP_INIT;
  waitgroup_add(&done, N);
  for (int i = 0; i < N; i++) {
    clients[i] = net_connect(self, 7007, SOON);
    ASSERT(clients[i] >= 0);
    w[i] = (struct worker){.sock = net_accept(l, SOON), .done = &done};
    ASSERT(w[i].sock >= 0);
    ASSERT(task_spawn(NULL, reader, &w[i], NULL) == 0);
  }
  task_sleep_ns(20 * MS); /* let them park */
  for (uint32_t i = 0; i < N; i++)
    EXPECT_EQ(net_write(clients[i], &i, sizeof i, SOON), (long)sizeof i);
  for (uint32_t i = 0; i < N; i++) {
    uint32_t v = 0;
    EXPECT_EQ(net_read(clients[i], &v, sizeof v, SOON), (long)sizeof v);
    EXPECT_EQ(v, i + 1);
  }
  waitgroup_wait(&done);
  for (int i = 0; i < N; i++) {
    EXPECT(w[i].ok);
    EXPECT_EQ(net_close(w[i].sock), 0);
    EXPECT_EQ(net_close(clients[i]), 0);
  }
  EXPECT_EQ(net_close(l), 0);
  EXPECT_EQ(net_sockets_open(), 0u);
}
