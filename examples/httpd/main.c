/* A small HTTP/1.0 server: one task per connection, parked in net_read
 * until the request comes, on whichever core is free.
 *
 *   GET /        a page naming the task and core that served it
 *   GET /stats   heap in use, sockets open, lwIP's TCP connections (text)
 *   GET /quit    ends the program (for tests and the demo)
 *   anything else: 404; a request not complete within 10 s: dropped
 *
 * The server sends its answer and shuts its side; the client closes first,
 * so the server's side of the connection is freed at once rather than
 * kept two minutes in TIME_WAIT. scripts/demo.sh httpd forwards
 * 127.0.0.1:8080 to it. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/net.h>
#include <brigade/task.h>

#define HTTP_PORT 80
#define SECONDS (1000ull * 1000 * 1000)

static struct chan *quit;

/* Read until the blank line that ends a request's head; false if it never
 * came (peer closed, reset, too long, or 10 s passed). */
static bool read_request(int sock, char *buf, size_t cap) {
  uint64_t deadline = task_now_ns() + 10 * SECONDS;
  size_t len = 0;
  while (len < cap - 1) {
    long n = net_read(sock, buf + len, cap - 1 - len, deadline);
    if (n <= 0)
      return false;
    len += (size_t)n;
    buf[len] = 0;
    if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
      return true;
  }
  return false;
}

static void respond(int sock, const char *status, const char *type, const char *body) {
  char head[160];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %u\r\n"
                   "Connection: close\r\n\r\n",
                   status, type, (unsigned)strlen(body));
  uint64_t deadline = task_now_ns() + 10 * SECONDS;
  if (net_write(sock, head, (size_t)n, deadline) == n)
    net_write(sock, body, strlen(body), deadline);
}

static void serve(void *arg) {
  int sock = (int)(intptr_t)arg;
  char req[1024], body[256];
  bool quitting = false;
  if (read_request(sock, req, sizeof req)) {
    if (strncmp(req, "GET / ", 6) == 0) {
      snprintf(body, sizeof body,
               "<!DOCTYPE html><title>brigade</title><h1>brigade</h1>"
               "<p>Served by task %u on core %u.</p>\n",
               (unsigned)task_id(task_current()), task_core());
      respond(sock, "200 OK", "text/html", body);
    } else if (strncmp(req, "GET /stats ", 11) == 0) {
      struct mallinfo mi = mallinfo();
      unsigned tcp, time_wait;
      net_tcp_connections(&tcp, &time_wait);
      snprintf(body, sizeof body, "heap %lu sockets %u tcp %u time_wait %u\n",
               (unsigned long)mi.uordblks, net_sockets_open(), tcp, time_wait);
      respond(sock, "200 OK", "text/plain", body);
    } else if (strncmp(req, "GET /quit ", 10) == 0) {
      respond(sock, "200 OK", "text/plain", "bye\n");
      quitting = true;
    } else {
      respond(sock, "404 Not Found", "text/plain", "not found\n");
    }
    net_shutdown(sock, NET_SHUT_WR);
    /* Until the client closes (see the top), or 10 s. */
    while (net_read(sock, req, sizeof req, task_now_ns() + 10 * SECONDS) > 0)
      continue;
  }
  net_close(sock);
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
  printf("httpd: listening on %d\n", HTTP_PORT);
  chan_recv(quit, NULL);
  printf("httpd: quit\n");
  return 0;
}
