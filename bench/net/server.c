/* The server half of the network benchmark (scripts/bench-net.sh): a
 * small HTTP/1.1 server on port 80, one task per connection, each parked
 * in net_read while its connection is idle. The same load generator
 * (bench/net/go/loadgen) drives it, a Go net/http server and a
 * thread-per-connection C server (bench/net/pthread_server.c).
 *
 *   port 80  every GET answered with "hello\n", keep-alive
 *   port 81  every GET answered with one line of counters (below): the
 *            heap as malloc sees it, measured here, inside the image
 *
 * -append arguments: stack=BYTES (each connection task's stack, default
 * CONN_STACK_DEFAULT), reserve=BYTES (heap kept free: a connection that
 * would eat into it is closed at once, before a task is spawned, so the
 * server says "full" instead of running out of memory inside lwIP; see
 * room()).
 *
 * The counters: heap_in_use (libc_heap_in_use(): bytes malloc'd and not
 * freed, malloc's own headers included), heap_free (the heap region
 * malloc has not taken yet), sockets, tcp, time_wait, refused (connections
 * closed for want of heap), stack_deepest (the most stack any connection
 * task that has ended used, found by painting its stack at start),
 * stack_free (stack slots of ended tasks kept for reuse: heap in use, but
 * not by a connection; given back when the heap runs short), and the
 * parts one connection is made of, measured at boot by allocating each a
 * few times: task (a parked task with its stack), reent (the newlib state
 * a task gets at its first malloc or free, or errno: a connection task
 * gets one because lwIP's buffers are malloc'd and freed on it), tcp_pcb,
 * netconn, recvmbox (the netconn's receive mailbox, a channel). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/heap.h>
#include <brigade/libc.h>
#include <brigade/machine.h>
#include <brigade/net.h>
#include <brigade/panic.h>
#include <brigade/stack_slot.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "lwip/memp.h"
#include "lwip/opt.h"
#include "lwip/tcpip.h"
#include "task_internal.h" /* struct task: the stack's bounds, for painting */

#define HTTP_PORT 80
#define STATS_PORT 81
/* A connection task's stack. The deepest any used in this benchmark's runs
 * was 3488 bytes (stack_deepest; the write path, where lwIP's output puts a
 * whole frame on the stack); an interrupt taken there pushes its frame on
 * the same stack, hence the room above it. 4 KiB worked but left 600 bytes. */
#define CONN_STACK_DEFAULT 5120
#define HEAP_RESERVE_DEFAULT (1024 * 1024)
#define REQUEST_MAX 256
#define STACK_PAINT 0xa5
/* Left unpainted below the painting frame: the frame of memset itself. */
#define PAINT_MARGIN 256
/* Samples of each part: enough that what a few of them share (a slab of
 * task structs, a page table for the stack slots) is a small share. */
#define PART_SAMPLES 256

static size_t conn_stack = CONN_STACK_DEFAULT;
static size_t heap_reserve = HEAP_RESERVE_DEFAULT;
static unsigned refused;
static size_t stack_deepest;
static struct {
  long task, reent, tcp_pcb, netconn, recvmbox;
} part_bytes;

/* What malloc can still hand out in one piece for sure: the heap region it
 * has not taken yet. (Its free chunks, mallinfo's fordblks, are left out:
 * they may be too small for a stack; counting them let a run go on until a
 * connection task found no stack at its first run, a panic.) */
static size_t heap_free(void) {
  size_t sbrked, capacity;
  heap_usage(&sbrked, &capacity);
  return capacity - sbrked;
}

/* Stack slots of ended tasks on the shared free list, kept mapped for the
 * next task of their size (kernel/stack_slot_paging.c). */
static size_t stack_free(void) {
#if ARCH_HAS_STACK_SLOTS
  return stack_slot_bytes_free();
#else
  return 0;
#endif
}

/* Room for one more connection: the heap malloc has not taken yet, plus
 * the stack slots that ended connection tasks left (a new connection task
 * takes one of them, as they are all its size, and a slot the heap needs
 * back is given back when a new one cannot be carved). Without the slots,
 * a server that once held as many connections as fit refused every
 * connection after they had all closed: their stacks stay as free slots,
 * and the heap never had more than the reserve left untaken again. */
static size_t room(void) { return heap_free() + stack_free(); }

static size_t arg_size(const char *key, size_t otherwise) {
  const char *v = bootarg(key);
  return v ? strtoul(v, NULL, 0) : otherwise;
}

/* ---- the stack's deepest use ------------------------------------------- */

/* Fill the calling task's stack below this frame with STACK_PAINT (the
 * lowest word is the scheduler's canary and is left alone). */
static void stack_paint(void) {
  struct task *t = task_current();
  uint8_t *low = (uint8_t *)t->stack + sizeof(uint64_t);
  uint8_t *below_me = (uint8_t *)__builtin_frame_address(0) - PAINT_MARGIN;
  if (below_me > low)
    memset(low, STACK_PAINT, (size_t)(below_me - low));
}

/* Bytes of the calling task's stack ever used: from its top down to the
 * lowest byte no longer painted. */
static size_t stack_used(void) {
  struct task *t = task_current();
  const uint8_t *low = (const uint8_t *)t->stack + sizeof(uint64_t);
  const uint8_t *top = (const uint8_t *)t->stack + t->stack_size;
  const uint8_t *p = low;
  while (p < top && *p == STACK_PAINT)
    p++;
  return (size_t)(top - p);
}

static void stack_record(size_t used) {
  size_t seen = __atomic_load_n(&stack_deepest, __ATOMIC_RELAXED);
  while (used > seen &&
         !__atomic_compare_exchange_n(&stack_deepest, &seen, used, false, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED))
    continue;
}

/* ---- the parts of a connection, measured ----------------------------------- */

struct parked_sample {
  struct chan *touch, *release;
  struct waitgroup running, touched, ended;
};

static void parked_task(void *arg) {
  struct parked_sample *s = arg;
  waitgroup_done(&s->running); /* its stack is in use from here on */
  chan_recv(s->touch, NULL);
  errno = 0; /* errno lives in the task's struct _reent: this makes it */
  waitgroup_done(&s->touched);
  chan_recv(s->release, NULL);
  waitgroup_done(&s->ended);
}

/* Heap per parked task with the connection's stack, and per task's newlib
 * state: PART_SAMPLES tasks spawned and run until they park (a task gets
 * its stack when it first runs), the heap's growth per task; then each
 * told to touch errno and park again, the growth per task again; then
 * released. Only this task reads the heap meanwhile (its own newlib state
 * exists already), and handing a parked task a message allocates
 * nothing. */
static void measure_task_bytes(void) {
  struct parked_sample s = {chan_make(0, 0, "bench touch"), chan_make(0, 0, "bench release"),
                            WAITGROUP_INIT, WAITGROUP_INIT, WAITGROUP_INIT};
  struct task_attr attr = TASK_ATTR_INIT;
  attr.stack_size = conn_stack;
  waitgroup_add(&s.running, PART_SAMPLES);
  waitgroup_add(&s.touched, PART_SAMPLES);
  waitgroup_add(&s.ended, PART_SAMPLES);
  size_t before = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    if (task_spawn(NULL, parked_task, &s, &attr) != 0)
      panic("server: no memory for %d tasks at boot", PART_SAMPLES);
  waitgroup_wait(&s.running);
  size_t parked = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    chan_send(s.touch, NULL);
  waitgroup_wait(&s.touched);
  size_t touched = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    chan_send(s.release, NULL);
  waitgroup_wait(&s.ended);
  chan_free(s.touch);
  chan_free(s.release);
  part_bytes.task = (long)(parked - before) / PART_SAMPLES;
  part_bytes.reent = (long)(touched - parked) / PART_SAMPLES;
}

/* Heap per lwIP pool element of @p type (MEMP_MEM_MALLOC: each is a malloc). */
static long measure_memp_bytes(memp_t type) {
  void *p[PART_SAMPLES];
  LOCK_TCPIP_CORE();
  size_t before = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    p[i] = memp_malloc(type);
  size_t after = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    if (p[i])
      memp_free(type, p[i]);
  UNLOCK_TCPIP_CORE();
  return (long)(after - before) / PART_SAMPLES;
}

/* Heap per TCP receive mailbox: net/sys_arch.c's sys_mbox_new makes a
 * channel of DEFAULT_TCP_RECVMBOX_SIZE pointers. */
static long measure_recvmbox_bytes(void) {
  struct chan *c[PART_SAMPLES];
  size_t before = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    c[i] = chan_make(sizeof(void *), DEFAULT_TCP_RECVMBOX_SIZE, "lwip mbox");
  size_t after = libc_heap_in_use();
  for (int i = 0; i < PART_SAMPLES; i++)
    chan_free(c[i]);
  return (long)(after - before) / PART_SAMPLES;
}

/* ---- HTTP ------------------------------------------------------------------ */

static const char hello[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";

static int stats_reply(char *out, size_t cap) {
  unsigned tcp, time_wait;
  net_tcp_connections(&tcp, &time_wait);
  char body[384];
  int n = snprintf(body, sizeof body,
                   "heap_in_use %lu heap_free %lu stack_free %lu sockets %u tcp %u time_wait %u "
                   "refused %u stack_size %lu stack_deepest %lu task %ld reent %ld tcp_pcb %ld "
                   "netconn %ld recvmbox %ld\n",
                   (unsigned long)libc_heap_in_use(), (unsigned long)heap_free(),
                   (unsigned long)stack_free(), net_sockets_open(), tcp, time_wait,
                   __atomic_load_n(&refused, __ATOMIC_RELAXED), (unsigned long)conn_stack,
                   (unsigned long)__atomic_load_n(&stack_deepest, __ATOMIC_RELAXED),
                   part_bytes.task, part_bytes.reent, part_bytes.tcp_pcb, part_bytes.netconn,
                   part_bytes.recvmbox);
  return snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
                  n, body);
}

/* Serve requests on @p sock until the peer closes it: read up to the end
 * of the header block, answer, read the next. Requests have no body. */
static void connection(void *arg) {
  int sock = (int)(intptr_t)arg;
  stack_paint();
  char request[REQUEST_MAX];
  size_t len = 0;
  for (;;) {
    long n = net_read(sock, request + len, sizeof request - 1 - len, NET_NO_DEADLINE);
    if (n <= 0)
      break; /* closed by the peer, or reset */
    len += (size_t)n;
    request[len] = 0;
    char *end = strstr(request, "\r\n\r\n");
    if (end == NULL) {
      if (len == sizeof request - 1)
        break; /* a request this server never sends itself: too long */
      continue;
    }
    long w = net_write(sock, hello, sizeof hello - 1, NET_NO_DEADLINE);
    if (w != (long)sizeof hello - 1)
      break;
    /* Whatever came after this request's header block starts the next. */
    end += 4;
    len -= (size_t)(end - request);
    memmove(request, end, len);
  }
  net_close(sock);
  stack_record(stack_used());
}

/* The stats port: GET requests answered with the counters, keep-alive,
 * on a task with the default stack (printf needs more than a connection
 * task has). */
static void stats_connection(void *arg) {
  int sock = (int)(intptr_t)arg;
  char request[REQUEST_MAX];
  size_t len = 0;
  for (;;) {
    long n = net_read(sock, request + len, sizeof request - 1 - len, NET_NO_DEADLINE);
    if (n <= 0)
      break;
    len += (size_t)n;
    request[len] = 0;
    char *end = strstr(request, "\r\n\r\n");
    if (end == NULL) {
      if (len == sizeof request - 1)
        break;
      continue;
    }
    char reply[640];
    int r = stats_reply(reply, sizeof reply);
    if (net_write(sock, reply, (size_t)r, NET_NO_DEADLINE) != r)
      break;
    end += 4;
    len -= (size_t)(end - request);
    memmove(request, end, len);
  }
  net_close(sock);
}

static void stats_acceptor(void *arg) {
  int listener = (int)(intptr_t)arg;
  struct task_attr attr = TASK_ATTR_INIT;
  attr.name = "stats";
  for (;;) {
    int sock = net_accept(listener, NET_NO_DEADLINE);
    if (sock >= 0 && task_spawn(NULL, stats_connection, (void *)(intptr_t)sock, &attr) != 0)
      net_close(sock);
  }
}

static void acceptor(void *arg) {
  int listener = (int)(intptr_t)arg;
  struct task_attr attr = TASK_ATTR_INIT;
  attr.name = "connection";
  attr.stack_size = conn_stack;
  for (;;) {
    int sock = net_accept(listener, NET_NO_DEADLINE);
    if (sock < 0) {
      printf("server: accept failed: %d\n", sock);
      task_sleep_ns(100ull * 1000 * 1000);
      continue;
    }
    if (room() < heap_reserve) {
      if (__atomic_fetch_add(&refused, 1, __ATOMIC_RELAXED) == 0)
        printf("server: full: %lu bytes of heap left, %lu in free stack slots, %u sockets open; "
               "closing new connections\n",
               (unsigned long)heap_free(), (unsigned long)stack_free(), net_sockets_open());
      net_close(sock);
      continue;
    }
    if (task_spawn(NULL, connection, (void *)(intptr_t)sock, &attr) != 0) {
      printf("server: no task for a connection\n");
      net_close(sock);
    }
  }
}

int main(void) {
  conn_stack = arg_size("stack", CONN_STACK_DEFAULT);
  heap_reserve = arg_size("reserve", HEAP_RESERVE_DEFAULT);
  struct net_config cfg = NET_CONFIG_DEFAULT;
  cfg.dhcp = false; /* QEMU user networking's fixed address, at once */
  int err = net_start(&cfg, NULL);
  if (err) {
    printf("server: no network (%d)\n", err);
    return 1;
  }
  measure_task_bytes();
  part_bytes.tcp_pcb = measure_memp_bytes(MEMP_TCP_PCB);
  part_bytes.netconn = measure_memp_bytes(MEMP_NETCONN);
  part_bytes.recvmbox = measure_recvmbox_bytes();
  /* The backlog no larger than lwIP's accept mailbox: a connection beyond
   * the mailbox would be aborted, one beyond the backlog is not answered
   * and its SYN is sent again. */
  int listener = net_listen(HTTP_PORT, NET_LISTEN_BACKLOG_MAX);
  int stats = net_listen(STATS_PORT, 4);
  if (listener < 0 || stats < 0) {
    printf("server: cannot listen (%d, %d)\n", listener, stats);
    return 1;
  }
  task_spawn(NULL, stats_acceptor, (void *)(intptr_t)stats, NULL);
  size_t sbrked, capacity;
  heap_usage(&sbrked, &capacity);
  (void)sbrked;
  printf("server: listening on %d (stats on %d); connection stacks %lu bytes; heap %lu KiB in all, %lu KiB free; "
         "%d sockets at most\n",
         HTTP_PORT, STATS_PORT, (unsigned long)conn_stack, (unsigned long)(capacity / 1024),
         (unsigned long)(heap_free() / 1024), NET_MAX_SOCKETS);
  acceptor((void *)(intptr_t)listener);
  return 0;
}
