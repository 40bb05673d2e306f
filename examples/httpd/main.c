/* A small HTTP/1.1 server: one task per connection, parked in net_read
 * until a request comes, on whichever core is free.
 *
 *   GET /        a page naming the task and core that served it
 *   GET /stats   the scheduler's, the network's and this server's counters,
 *                as JSON
 *   GET /quit    ends the program (for tests and the demo)
 *   HEAD of any of them: the same head, no body
 *
 * Keep-alive: a connection serves requests one after another (pipelined
 * ones too) until the client says "Connection: close" (HTTP/1.0: unless it
 * says "keep-alive"), closes, or sends nothing for IDLE_TIMEOUT_S. A
 * request's head must be complete within HEAD_TIMEOUT_S of its first byte
 * (408 otherwise) and within HTTP_MAX_HEAD bytes (413); a malformed one is
 * answered 400 (http_request.h says what that is), an unknown path 404,
 * another method 405. After a 400, 408, 413 or 501 the connection is
 * closed, since where the next request would start is unknown; the server
 * goes on serving every other connection. A request body up to MAX_BODY
 * bytes (Content-Length) is read and ignored; a longer one is 413, a
 * chunked one 501.
 *
 * When the server ends a connection it shuts its side and waits for the
 * client to close first, so its side is freed at once rather than kept two
 * minutes in TIME_WAIT; only a connection closed for idling is closed by
 * the server outright. scripts/demo.sh httpd forwards 127.0.0.1:8080 to it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/cpu.h>
#include <brigade/libc.h>
#include <brigade/net.h>
#include <brigade/netdev.h>
#include <brigade/sched.h>
#include <brigade/task.h>

#include "http_request.h"

#define HTTP_PORT 80
#define SECONDS (1000ull * 1000 * 1000)
/* How long a kept-alive connection may wait for its next request. */
#define IDLE_TIMEOUT_S 5
/* How long a request's head may take to arrive, from its first byte. */
#define HEAD_TIMEOUT_S 20
/* How long an answer may take to be sent, and a closing client to close. */
#define SEND_TIMEOUT_S 10
/* The largest request body read (and ignored). */
#define MAX_BODY 8192

static struct chan *quit;

/* This server's counters, for /stats. Plain relaxed atomic adds: each is a
 * count on its own, read without ordering against the others. */
enum counted_status { S200, S400, S404, S405, S408, S413, S501, STATUSES };
static const unsigned status_codes[STATUSES] = {200, 400, 404, 405, 408, 413, 501};
static uint64_t answered[STATUSES];
static uint64_t connections_accepted, idle_timeouts;

static void count(uint64_t *counter) { __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED); }
static uint64_t read_count(const uint64_t *counter) {
  return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* ---- an answer being built: head room, then the body -------------------- */

#define HEAD_ROOM 192

struct reply {
  char *buf;     /* HEAD_ROOM bytes for the head, then the body */
  size_t len;    /* body bytes so far */
  size_t cap;    /* body bytes the buffer holds */
  bool no_memory;
};

/* The buffer holds HEAD_ROOM + cap + 1 bytes: vsnprintf's NUL after a
 * body that fills it. */
static void reply_init(struct reply *r, size_t cap) {
  r->buf = malloc(HEAD_ROOM + cap + 1);
  r->len = 0;
  r->cap = r->buf ? cap : 0;
  r->no_memory = r->buf == NULL;
}

__attribute__((format(printf, 2, 3))) static void reply_printf(struct reply *r, const char *fmt,
                                                                ...) {
  for (;;) {
    if (r->no_memory)
      return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + HEAD_ROOM + r->len, r->cap - r->len + 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
      r->no_memory = true;
      return;
    }
    if ((size_t)n <= r->cap - r->len) {
      r->len += (size_t)n;
      return;
    }
    /* Too small: grow to twice what is needed and print again. */
    size_t cap = 2 * (r->len + (size_t)n);
    char *grown = realloc(r->buf, HEAD_ROOM + cap + 1);
    if (grown == NULL) {
      r->no_memory = true;
      return;
    }
    r->buf = grown;
    r->cap = cap;
  }
}

/* Send the head for @p status and, unless @p head_only, the body, in one
 * write (a head and a body in two small writes would wait out the
 * client's delayed ACK between them: Nagle). False if the connection
 * failed on the way. */
static bool reply_send(struct reply *r, int sock, enum counted_status status, const char *reason,
                       const char *type, bool keep_alive, bool head_only) {
  count(&answered[status]);
  if (r->no_memory) {
    free(r->buf);
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n";
    net_write(sock, busy, sizeof busy - 1, task_now_ns() + SEND_TIMEOUT_S * SECONDS);
    return false;
  }
  char head[HEAD_ROOM];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %u %s\r\nServer: brigade\r\nContent-Type: %s\r\n"
                   "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
                   status_codes[status], reason, type, r->len, keep_alive ? "keep-alive" : "close");
  if (n < 0 || n >= HEAD_ROOM) { /* cannot be with the reasons and types used here */
    free(r->buf);
    return false;
  }
  char *start = r->buf + HEAD_ROOM - n;
  memcpy(start, head, (size_t)n);
  size_t total = (size_t)n + (head_only ? 0 : r->len);
  long sent = net_write(sock, start, total, task_now_ns() + SEND_TIMEOUT_S * SECONDS);
  free(r->buf);
  return sent == (long)total;
}

/* An answer whose body is one fixed string. */
static bool reply_text(int sock, enum counted_status status, const char *reason, const char *body,
                       bool keep_alive, bool head_only) {
  struct reply r;
  reply_init(&r, strlen(body));
  reply_printf(&r, "%s", body);
  return reply_send(&r, sock, status, reason, "text/plain", keep_alive, head_only);
}

/* ---- the pages ---------------------------------------------------------- */

static void stats_json(struct reply *r) {
  unsigned cores = cpu_count();
  struct sched_stats total = {0}, s;
  reply_printf(r, "{\"uptime_ns\":%" PRIu64 ",\"heap_in_use\":%zu,\n\"scheduler\":{\"cores\":%u,"
               "\"tasks\":%u,\"per_core\":[", task_now_ns(), libc_heap_in_use(), cores,
               sched_task_usage(NULL, 0));
  for (unsigned i = 0; i < cores; i++) {
    if (!sched_stats(i, &s))
      s = (struct sched_stats){0};
    reply_printf(r, "%s\n{\"core\":%u,\"switches\":%" PRIu64 ",\"tasks_started\":%" PRIu64
                 ",\"tasks_exited\":%" PRIu64 ",\"spawns\":%" PRIu64 ",\"steals\":%" PRIu64
                 ",\"tasks_stolen\":%" PRIu64 ",\"preemptions\":%" PRIu64
                 ",\"wakeups_sent\":%" PRIu64 ",\"global_takes\":%" PRIu64
                 ",\"idle_ns\":%" PRIu64 "}",
                 i ? "," : "", i, s.switches, s.tasks_started, s.tasks_exited, s.spawns, s.steals,
                 s.tasks_stolen, s.preemptions, s.wakeups_sent, s.global_takes, s.idle_ns);
    total.switches += s.switches;
    total.tasks_started += s.tasks_started;
    total.tasks_exited += s.tasks_exited;
    total.steals += s.steals;
    total.preemptions += s.preemptions;
  }
  reply_printf(r, "],\n\"switches\":%" PRIu64 ",\"tasks_started\":%" PRIu64
               ",\"tasks_exited\":%" PRIu64 ",\"steals\":%" PRIu64 ",\"preemptions\":%" PRIu64
               "},\n", total.switches, total.tasks_started, total.tasks_exited, total.steals,
               total.preemptions);

  unsigned tcp, time_wait;
  net_tcp_connections(&tcp, &time_wait);
  struct netdev_stats d = {0};
  struct netdev *dev = board_netdev();
  if (dev)
    netdev_stats(dev, &d);
  reply_printf(r, "\"network\":{\"sockets_open\":%u,\"tcp_connections\":%u,\"time_wait\":%u,\n"
               "\"device\":{\"rx_frames\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
               ",\"rx_dropped\":%" PRIu64 ",\"tx_frames\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
               ",\"tx_queue_full_waits\":%" PRIu64 ",\"rx_waits\":%" PRIu64
               ",\"interrupts\":%" PRIu64 "}},\n",
               net_sockets_open(), tcp, time_wait, d.rx_frames, d.rx_bytes, d.rx_dropped,
               d.tx_frames, d.tx_bytes, d.tx_queue_full_waits, d.rx_waits, d.interrupts);

  reply_printf(r, "\"httpd\":{\"connections\":%" PRIu64 ",\"idle_timeouts\":%" PRIu64
               ",\"answered\":{", read_count(&connections_accepted), read_count(&idle_timeouts));
  for (unsigned i = 0; i < STATUSES; i++)
    reply_printf(r, "%s\"%u\":%" PRIu64, i ? "," : "", status_codes[i], read_count(&answered[i]));
  reply_printf(r, "}}}\n");
}

/* Answer @p req (complete, its body already consumed). False when the
 * connection is to end: an error, or @p req did not keep it alive. */
static bool answer(int sock, const struct http_request *req, bool *quitting) {
  bool head_only = strcmp(req->method, "HEAD") == 0;
  bool keep = req->keep_alive;
  if (!head_only && strcmp(req->method, "GET") != 0)
    return reply_text(sock, S405, "Method Not Allowed", "only GET and HEAD\n", keep, false) &&
           keep;
  struct reply r;
  if (strcmp(req->target, "/") == 0) {
    reply_init(&r, 256);
    reply_printf(&r,
                 "<!DOCTYPE html><title>brigade</title><h1>brigade</h1>"
                 "<p>Served by task %u on core %u.</p>\n",
                 (unsigned)task_id(task_current()), task_core());
    return reply_send(&r, sock, S200, "OK", "text/html", keep, head_only) && keep;
  }
  if (strcmp(req->target, "/stats") == 0) {
    reply_init(&r, 2048);
    stats_json(&r);
    return reply_send(&r, sock, S200, "OK", "application/json", keep, head_only) && keep;
  }
  if (strcmp(req->target, "/quit") == 0) {
    *quitting = true;
    return reply_text(sock, S200, "OK", "bye\n", false, head_only) && false;
  }
  return reply_text(sock, S404, "Not Found", "not found\n", keep, head_only) && keep;
}

/* ---- a connection ------------------------------------------------------- */

struct connection {
  int sock;
  char buf[HTTP_MAX_HEAD]; /* received and not yet used: the next request's start */
  size_t len;
};

/* Drop @p n bytes from the front of c->buf. */
static void consume(struct connection *c, size_t n) {
  memmove(c->buf, c->buf + n, c->len - n);
  c->len -= n;
}

/* Read and throw away @p n body bytes, those already in c->buf first. */
static bool skip_body(struct connection *c, uint64_t n) {
  size_t have = c->len < n ? c->len : (size_t)n;
  consume(c, have);
  n -= have;
  uint64_t deadline = task_now_ns() + HEAD_TIMEOUT_S * SECONDS;
  while (n > 0) {
    long got = net_read(c->sock, c->buf, n < sizeof c->buf ? (size_t)n : sizeof c->buf, deadline);
    if (got <= 0)
      return false;
    n -= (uint64_t)got;
  }
  return true;
}

/* The server is done with the connection: shut its side, then wait for the
 * client's close (see the top), throwing away what it still sends. */
static void finish(struct connection *c) {
  net_shutdown(c->sock, NET_SHUT_WR);
  uint64_t deadline = task_now_ns() + SEND_TIMEOUT_S * SECONDS;
  while (net_read(c->sock, c->buf, sizeof c->buf, deadline) > 0)
    continue;
}

static void serve(void *arg) {
  struct connection *c = malloc(sizeof *c);
  int sock = (int)(intptr_t)arg;
  count(&connections_accepted);
  if (c == NULL) {
    net_close(sock);
    return;
  }
  c->sock = sock;
  c->len = 0;
  bool quitting = false, idle = false;
  for (;;) {
    /* Wait for a whole head: IDLE_TIMEOUT_S for its first byte, then
     * HEAD_TIMEOUT_S from then for the rest. */
    struct http_request req;
    enum http_parse parsed = http_parse_request(c->buf, c->len, &req);
    uint64_t deadline = task_now_ns() + (c->len ? HEAD_TIMEOUT_S : IDLE_TIMEOUT_S) * SECONDS;
    long n = 0;
    while (parsed == HTTP_PARSE_INCOMPLETE) {
      n = net_read(sock, c->buf + c->len, sizeof c->buf - c->len, deadline);
      if (n <= 0)
        break;
      if (c->len == 0)
        deadline = task_now_ns() + HEAD_TIMEOUT_S * SECONDS;
      c->len += (size_t)n;
      parsed = http_parse_request(c->buf, c->len, &req);
    }
    if (parsed == HTTP_PARSE_INCOMPLETE) {
      /* Closed, reset, or the deadline passed. */
      if (n == -ETIMEDOUT && c->len == 0) {
        idle = true;
      } else if (n == -ETIMEDOUT) {
        reply_text(sock, S408, "Request Timeout", "request not complete in time\n", false, false);
        finish(c);
      }
      break;
    }
    if (parsed == HTTP_PARSE_BAD || parsed == HTTP_PARSE_TOO_LARGE) {
      char body[120];
      snprintf(body, sizeof body, "%s\n", req.error);
      if (parsed == HTTP_PARSE_BAD)
        reply_text(sock, S400, "Bad Request", body, false, false);
      else
        reply_text(sock, S413, "Content Too Large", body, false, false);
      finish(c);
      break;
    }
    consume(c, req.head_length);
    if (req.chunked) {
      reply_text(sock, S501, "Not Implemented", "chunked bodies are not served\n", false, false);
      finish(c);
      break;
    }
    if (req.body_length > MAX_BODY) {
      reply_text(sock, S413, "Content Too Large", "body over 8192 bytes\n", false, false);
      finish(c);
      break;
    }
    if (!skip_body(c, req.body_length))
      break;
    if (!answer(sock, &req, &quitting)) {
      finish(c);
      break;
    }
  }
  if (idle)
    count(&idle_timeouts); /* closed outright: no request under way to finish */
  net_close(sock);
  free(c);
  if (quitting)
    chan_send(quit, NULL);
}

static void acceptor(void *arg) {
  int listener = (int)(intptr_t)arg;
  for (;;) {
    int sock = net_accept(listener, NET_NO_DEADLINE);
    if (sock < 0) {
      printf("httpd: accept failed: %d\n", sock);
      task_sleep_ns(SECONDS / 10); /* out of sockets or memory: let some go first */
      continue;
    }
    struct task_attr attr = TASK_ATTR_INIT;
    attr.name = "httpd";
    if (task_spawn(NULL, serve, (void *)(intptr_t)sock, &attr) != 0)
      net_close(sock);
  }
}

int main(void) {
  struct net_config cfg = NET_CONFIG_DEFAULT;
  int err = net_start(&cfg, NULL);
  if (err) {
    printf("httpd: no network (%d)%s\n", err,
           err == -ENODEV ? ": QEMU needs -netdev user,id=n0 -device virtio-net-device,netdev=n0 "
                            "-global virtio-mmio.force-legacy=false" : "");
    return 1;
  }
  quit = chan_make(0, 1, "httpd quit");
  int listener = net_listen(HTTP_PORT, 64);
  if (quit == NULL || listener < 0) {
    printf("httpd: cannot listen on %d (%d)\n", HTTP_PORT, listener);
    return 1;
  }
  task_spawn(NULL, acceptor, (void *)(intptr_t)listener, NULL);
  printf("httpd: listening on %d (HTTP/1.1, keep-alive for %d s idle)\n", HTTP_PORT,
         IDLE_TIMEOUT_S);
  chan_recv(quit, NULL);
  printf("httpd: quit\n");
  return 0;
}
