/* lwIP's operating-system layer (lwIP's sys.h, "sys_arch") on brigade's
 * own primitives, so that a task waiting on the network parks like any
 * other waiting task and lwIP's tcpip thread is an ordinary task:
 *
 *   semaphore  a one-slot channel of empty values: signal = try-send (a
 *              binary semaphore: signalling a full one changes nothing,
 *              which is all lwIP asks of it), wait = receive, and a wait
 *              with a timeout = chan_select with that timeout
 *   mutex      a brigade mutex
 *   mailbox    a channel of pointers with the mailbox's capacity: post =
 *              send (parks while full), trypost = try-send, fetch = receive
 *              or chan_select with a timeout
 *   thread     a task
 *   protect    SYS_ARCH_PROTECT's short critical sections (pbuf reference
 *              counts and the like): one spinlock with interrupts masked,
 *              re-entrant on the core that holds it, as lwIP requires
 *
 * Every object is allocated from the heap and freed by its *_free. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include <brigade/arch.h>
#include <brigade/chan.h>
#include <brigade/kprintf.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "lwip/sys.h"

#define NS_PER_MS (1000ull * 1000)

void sys_init(void) {}

u32_t sys_now(void) { return (u32_t)(task_now_ns() / NS_PER_MS); }

/* The milliseconds since @p start_ns, for lwIP's "time spent waiting". */
static u32_t ms_since(uint64_t start_ns) {
  return (u32_t)((task_now_ns() - start_ns) / NS_PER_MS);
}

/* Receive one value from @p c into @p elem, waiting at most @p timeout_ms
 * (0: no limit). Returns the milliseconds waited or SYS_ARCH_TIMEOUT. */
static u32_t chan_receive_within(struct chan *c, void *elem, u32_t timeout_ms) {
  uint64_t start = task_now_ns();
  if (timeout_ms == 0) {
    chan_recv(c, elem);
    return ms_since(start);
  }
  struct chan_case rx = {.chan = c, .dir = CHAN_RECV, .elem = elem};
  if (chan_select(&rx, 1, false, (int64_t)timeout_ms * (int64_t)NS_PER_MS) == CHAN_SELECT_TIMEOUT)
    return SYS_ARCH_TIMEOUT;
  return ms_since(start);
}

/* ---- semaphores -------------------------------------------------------- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count) {
  LWIP_ASSERT("sys_sem_new: brigade's lwIP semaphores are binary", count <= 1);
  *sem = chan_make(0, 1, "lwip sem");
  if (*sem == NULL)
    return ERR_MEM;
  if (count)
    chan_try_send(*sem, NULL);
  return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem) {
  /* Already signalled: a binary semaphore stays signalled once. */
  (void)chan_try_send(*sem, NULL);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms) {
  return chan_receive_within(*sem, NULL, timeout_ms);
}

void sys_sem_free(sys_sem_t *sem) {
  chan_free(*sem);
  *sem = NULL;
}

/* ---- mutexes ----------------------------------------------------------- */

err_t sys_mutex_new(sys_mutex_t *mutex) {
  struct mutex *m = malloc(sizeof *m);
  if (m == NULL)
    return ERR_MEM;
  *m = (struct mutex)MUTEX_INIT;
  *mutex = m;
  return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *mutex) { mutex_lock(*mutex); }

void sys_mutex_unlock(sys_mutex_t *mutex) { mutex_unlock(*mutex); }

void sys_mutex_free(sys_mutex_t *mutex) {
  free(*mutex);
  *mutex = NULL;
}

/* ---- mailboxes --------------------------------------------------------- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size) {
  /* lwIP asks for size 0 where it leaves the size to the port. */
  *mbox = chan_make(sizeof(void *), size > 0 ? (size_t)size : 16, "lwip mbox");
  return *mbox ? ERR_OK : ERR_MEM;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg) { chan_send(*mbox, &msg); }

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg) {
  return chan_try_send(*mbox, &msg) ? ERR_OK : ERR_MEM;
}

/* chan_try_send only takes the channel's spinlock with interrupts masked
 * and readies a waiter: an interrupt handler may call it. */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg) {
  return sys_mbox_trypost(mbox, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms) {
  void *got = NULL;
  u32_t waited = chan_receive_within(*mbox, &got, timeout_ms);
  if (msg && waited != SYS_ARCH_TIMEOUT)
    *msg = got;
  return waited;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg) {
  void *got = NULL;
  if (chan_try_recv(*mbox, &got) != CHAN_TRY_RECEIVED)
    return SYS_MBOX_EMPTY;
  if (msg)
    *msg = got;
  return 0;
}

void sys_mbox_free(sys_mbox_t *mbox) {
  chan_free(*mbox);
  *mbox = NULL;
}

/* ---- threads ----------------------------------------------------------- */

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize,
                            int prio) {
  (void)prio; /* brigade's tasks have no priorities */
  struct task_attr attr = TASK_ATTR_INIT;
  attr.name = name;
  attr.stack_size = stacksize > TASK_STACK_MIN ? (size_t)stacksize : TASK_STACK_DEFAULT;
  task_t *t = NULL;
  int err = task_spawn(&t, fn, arg, &attr);
  if (err)
    panic("lwIP could not start its task \"%s\": %s", name,
          err == -ENOMEM ? "out of memory" : "bad attributes");
  return t;
}

/* ---- SYS_ARCH_PROTECT -------------------------------------------------- */

static spinlock_t protect_lock = SPINLOCK_INIT("lwip protect");
/* The core holding protect_lock, or -1. Only the holder writes its own
 * index here, and only while it holds the lock, so a core that reads its
 * own index knows it holds the lock (nesting); any other value, however
 * stale, means "not this core". Relaxed atomics suffice: the lock's own
 * acquire/release orders the protected data. */
static int protect_owner = -1;
static unsigned protect_depth; /* nesting depth, touched only by the owner */

sys_prot_t sys_arch_protect(void) {
  /* Interrupts masked first: the task cannot move to another core while
   * it holds the lock, and no interrupt on this core can spin on it. */
  unsigned long flags = arch_irq_save();
  int me = (int)task_core();
  if (__atomic_load_n(&protect_owner, __ATOMIC_RELAXED) != me) {
    spin_lock_raw(&protect_lock);
    __atomic_store_n(&protect_owner, me, __ATOMIC_RELAXED);
  }
  protect_depth++;
  return flags;
}

void sys_arch_unprotect(sys_prot_t flags) {
  if (--protect_depth == 0) {
    __atomic_store_n(&protect_owner, -1, __ATOMIC_RELAXED);
    spin_unlock_raw(&protect_lock);
  }
  arch_irq_restore(flags);
}

/* ---- what arch/cc.h declares ------------------------------------------- */

void brigade_lwip_diag(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kvprintf(fmt, ap);
  va_end(ap);
}

void brigade_lwip_assert(const char *what, const char *file, int line) {
  panic("lwIP assertion failed: %s (%s:%d)", what, file, line);
}

/* xorshift64*, seeded from the clock on first use and stirred by it on
 * every call: lwIP wants numbers no peer can guess from the last ones
 * (TCP initial sequence numbers, DHCP transaction ids, local ports), not
 * cryptographic ones. */
uint32_t brigade_lwip_rand(void) {
  static uint64_t state;
  uint64_t s = __atomic_load_n(&state, __ATOMIC_RELAXED);
  s ^= task_now_ns() | 1;
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  __atomic_store_n(&state, s, __ATOMIC_RELAXED);
  return (uint32_t)((s * 0x2545F4914F6CDD1Dull) >> 32);
}
