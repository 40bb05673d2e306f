/* A TCP echo server: one task per connection, each parked in net_read
 * until its peer sends, on whichever core is free.
 *
 *   port 7  echo: everything read is written back, until the peer closes
 *           (then the task closes its side too) or resets the connection
 *   port 8  control, one line per connection: "stats" answers
 *           "heap BYTES stack_pool BYTES sockets N tcp N time_wait N"
 *           (malloc's bytes in use, libc_heap_in_use(); the part of them
 *           that is task stacks kept for reuse, sched_stack_cache_bytes();
 *           sockets open, this connection's own
 *           included; lwIP's TCP connections, and those in TIME_WAIT),
 *           "quit" ends the program; the client closes first
 *
 * Started with QEMU user networking it takes a DHCP lease (or falls back
 * to 10.0.2.15); tests/net/net_session.py drives it from the host through
 * forwarded ports. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/libc.h>
#include <brigade/net.h>
#include <brigade/sched.h>
#include <brigade/task.h>

#define ECHO_PORT 7
#define CONTROL_PORT 8
#define SECONDS (1000ull * 1000 * 1000)

static struct chan *quit;

static void echo_connection(void *arg) {
  int sock = (int)(intptr_t)arg;
  char buf[2048];
  for (;;) {
    long n = net_read(sock, buf, sizeof buf, NET_NO_DEADLINE);
    if (n <= 0)
      break; /* 0: the peer closed its side; < 0: reset */
    if (net_write(sock, buf, (size_t)n, NET_NO_DEADLINE) != n)
      break;
  }
  net_close(sock);
}

/* Accept on @p listener forever, a task per connection running @p serve. */
static void accept_loop(int listener, void (*serve)(void *), const char *name) {
  for (;;) {
    int sock = net_accept(listener, NET_NO_DEADLINE);
    if (sock < 0) {
      printf("echo: accept failed: %d\n", sock);
      task_sleep_ns(SECONDS / 10); /* out of sockets or memory: let some go first */
      continue;
    }
    struct task_attr attr = TASK_ATTR_INIT;
    attr.name = name;
    if (task_spawn(NULL, serve, (void *)(intptr_t)sock, &attr) != 0)
      net_close(sock);
  }
}

static void echo_acceptor(void *arg) { accept_loop((int)(intptr_t)arg, echo_connection, "echo"); }

static void control_connection(void *arg) {
  int sock = (int)(intptr_t)arg;
  char line[64];
  size_t len = 0;
  while (len < sizeof line - 1 && (len == 0 || line[len - 1] != '\n')) {
    long n = net_read(sock, line + len, sizeof line - 1 - len, task_now_ns() + 10 * SECONDS);
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  line[len] = 0;
  char reply[128];
  if (strncmp(line, "stats", 5) == 0) {
    unsigned tcp, time_wait;
    net_tcp_connections(&tcp, &time_wait);
    uint64_t stack_pool = sched_stack_cache_bytes();
    snprintf(reply, sizeof reply, "heap %lu stack_pool %lu sockets %u tcp %u time_wait %u\n",
             (unsigned long)libc_heap_in_use(), (unsigned long)stack_pool, net_sockets_open(), tcp,
             time_wait);
  } else if (strncmp(line, "quit", 4) == 0) {
    snprintf(reply, sizeof reply, "bye\n");
  } else {
    snprintf(reply, sizeof reply, "unknown command\n");
  }
  net_write(sock, reply, strlen(reply), task_now_ns() + 10 * SECONDS);
  /* The client closes first: the side that closes first keeps the
   * connection in TIME_WAIT for two minutes, and here that would be heap in
   * use that a stats reading counts. */
  while (net_read(sock, line, sizeof line, task_now_ns() + 10 * SECONDS) > 0)
    continue;
  net_close(sock);
  if (strncmp(line, "quit", 4) == 0)
    chan_send(quit, NULL);
}

static void control_acceptor(void *arg) {
  accept_loop((int)(intptr_t)arg, control_connection, "echo control");
}

int main(void) {
  struct net_config cfg = NET_CONFIG_DEFAULT;
  int err = net_start(&cfg, NULL);
  if (err) {
    printf("echo: no network (%d)%s\n", err,
           err == -ENODEV ? ": QEMU needs -netdev user,id=n0 -device virtio-net-device,netdev=n0 "
                            "-global virtio-mmio.force-legacy=false" : "");
    return 1;
  }
  quit = chan_make(0, 1, "echo quit");
  int echo = net_listen(ECHO_PORT, 64);
  int control = net_listen(CONTROL_PORT, 4);
  if (quit == NULL || echo < 0 || control < 0) {
    printf("echo: cannot listen (%d, %d)\n", echo, control);
    return 1;
  }
  task_spawn(NULL, echo_acceptor, (void *)(intptr_t)echo, NULL);
  task_spawn(NULL, control_acceptor, (void *)(intptr_t)control, NULL);
  printf("echo: listening on %d (echo) and %d (control)\n", ECHO_PORT, CONTROL_PORT);
  chan_recv(quit, NULL);
  printf("echo: quit\n");
  return 0;
}
