/* Blocking TCP sockets for tasks (<brigade/net.h>) over lwIP's sequential
 * API (netconn), with the core lock taken by the calling task
 * (LWIP_TCPIP_CORE_LOCKING): every wait inside lwIP is on a brigade
 * channel or mutex (net/sys_arch.c), so it parks.
 *
 * Numbers, not pointers: the table maps a socket's number to its state,
 * so a call on a closed number finds nothing (-EBADF) instead of freed
 * memory. A call holds a reference to the state while it runs; net_close
 * takes the number out of the table at once and the last reference frees
 * the state, so a close never frees what another call still uses.
 *
 * One call at a time per socket (its `call` mutex): lwIP's netconn is not
 * safe for two tasks at once without LWIP_NETCONN_FULLDUPLEX, which needs
 * a semaphore per thread that brigade's tasks do not carry.
 *
 * Deadlines become lwIP's per-connection timeouts (in ms, rounded up) just
 * before each call; a deadline already past becomes a non-blocking call.
 * connect has no timeout in lwIP, so it is started non-blocking and the
 * caller waits for lwIP's event callback on a one-slot channel with its
 * deadline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/net.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "lwip/api.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#include "net_internal.h"

#define NS_PER_MS (1000ull * 1000)

struct net_socket {
  struct netconn *conn;
  bool listener;
  struct mutex call;          /* one call at a time (see the top) */
  uint32_t refs;              /* the table's own, plus one per call in flight; under table_lock */
  /* Guarded by `call`: */
  struct pbuf *rx;            /* received and not yet read, from rx_off on */
  size_t rx_off;
  bool rx_eof;                /* the peer closed its side, or we shut reads */
  bool tx_shut;               /* we shut writes */
  int failed;                 /* a reset or abort seen: every call answers it */
  /* While net_connect waits: the channel lwIP's event callback fills. */
  struct chan *connect_event;
  struct net_socket *next_connecting;
};

static spinlock_t table_lock = SPINLOCK_INIT("net sockets");
static struct net_socket *table[NET_MAX_SOCKETS];
static unsigned open_count;
/* Where table_insert starts looking: every slot below it was taken when
 * it was last moved up, and net_close moves it down to a slot it frees.
 * With thousands open, a new socket costs one look, not a walk past them. */
static int first_free;
/* Sockets inside net_connect, for the event callback to find by netconn. */
static struct net_socket *connecting;

unsigned net_sockets_open(void) { return __atomic_load_n(&open_count, __ATOMIC_RELAXED); }

void net_tcp_connections(unsigned *open, unsigned *time_wait) {
  unsigned a = 0, tw = 0;
  LOCK_TCPIP_CORE();
  for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
    a++;
  for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
    tw++;
  UNLOCK_TCPIP_CORE();
  *open = a;
  *time_wait = tw;
}

/* ---- the table ---------------------------------------------------------- */

static int table_insert(struct net_socket *s) {
  unsigned long flags = spin_lock_irqsave(&table_lock);
  for (int i = first_free; i < NET_MAX_SOCKETS; i++) {
    if (table[i] == NULL) {
      table[i] = s;
      s->refs = 1;
      open_count++;
      first_free = i + 1;
      spin_unlock_irqrestore(&table_lock, flags);
      return i;
    }
  }
  spin_unlock_irqrestore(&table_lock, flags);
  return -EMFILE;
}

/* The socket numbered @p n with a reference for the caller, or NULL. */
static struct net_socket *socket_get(int n) {
  if (n < 0 || n >= NET_MAX_SOCKETS)
    return NULL;
  unsigned long flags = spin_lock_irqsave(&table_lock);
  struct net_socket *s = table[n];
  if (s)
    s->refs++;
  spin_unlock_irqrestore(&table_lock, flags);
  return s;
}

static void socket_free(struct net_socket *s) {
  if (s->rx)
    pbuf_free(s->rx);
  if (s->conn)
    netconn_delete(s->conn); /* closes the connection (FIN), or aborts it if reset */
  free(s);
}

static void socket_put(struct net_socket *s) {
  unsigned long flags = spin_lock_irqsave(&table_lock);
  bool last = --s->refs == 0;
  spin_unlock_irqrestore(&table_lock, flags);
  if (last)
    socket_free(s);
}

static struct net_socket *socket_new(struct netconn *conn, bool listener) {
  struct net_socket *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->conn = conn;
  s->listener = listener;
  s->call = (struct mutex)MUTEX_INIT;
  return s;
}

/* A socket for @p conn in the table: its number, or an error with @p conn
 * deleted. */
static int socket_open(struct netconn *conn, bool listener) {
  struct net_socket *s = socket_new(conn, listener);
  if (s == NULL) {
    netconn_delete(conn);
    return -ENOMEM;
  }
  int n = table_insert(s);
  if (n < 0)
    socket_free(s);
  return n;
}

/* ---- deadlines and errors ----------------------------------------------- */

/* lwIP's timeout for a wait until @p deadline_ns: 0 (none) for
 * NET_NO_DEADLINE, else the milliseconds left rounded up, at least 1;
 * *past is set when the deadline has already passed. */
static u32_t timeout_ms(uint64_t deadline_ns, bool *past) {
  *past = false;
  if (deadline_ns == NET_NO_DEADLINE)
    return 0;
  uint64_t now = task_now_ns();
  if (now >= deadline_ns) {
    *past = true;
    return 1;
  }
  uint64_t ms = (deadline_ns - now + NS_PER_MS - 1) / NS_PER_MS;
  return ms > 0x7fffffff ? 0x7fffffff : (u32_t)ms;
}

static int errno_of(err_t e) {
  switch (e) {
  case ERR_OK: return 0;
  case ERR_MEM: case ERR_BUF: return -ENOMEM;
  case ERR_TIMEOUT: case ERR_WOULDBLOCK: return -ETIMEDOUT;
  case ERR_RTE: return -EHOSTUNREACH;
  case ERR_INPROGRESS: return -EINPROGRESS;
  case ERR_VAL: case ERR_ARG: return -EINVAL;
  case ERR_USE: return -EADDRINUSE;
  case ERR_ALREADY: return -EALREADY;
  case ERR_ISCONN: return -EISCONN;
  case ERR_CONN: return -ENOTCONN;
  case ERR_ABRT: case ERR_RST: return -ECONNRESET;
  case ERR_CLSD: return -EPIPE;
  default: return -EIO;
  }
}

/* ---- listen, accept, connect -------------------------------------------- */

/* lwIP hands an established connection to its listener's accept mailbox
 * with a try-post and resets the connection when the mailbox is full, so
 * the backlog (which bounds connections not yet accepted) must fit in it. */
_Static_assert(NET_LISTEN_BACKLOG_MAX <= DEFAULT_ACCEPTMBOX_SIZE,
               "a listener's backlog must fit in lwIP's accept mailbox");

int net_listen(uint16_t port, int backlog) {
  if (!net_is_up())
    return -ENETDOWN;
  if (port == 0 || backlog < 1 || backlog > NET_LISTEN_BACKLOG_MAX)
    return -EINVAL;
  struct netconn *conn = netconn_new(NETCONN_TCP);
  if (conn == NULL)
    return -ENOMEM;
  err_t e = netconn_bind(conn, IP4_ADDR_ANY, port);
  if (e == ERR_OK)
    e = netconn_listen_with_backlog(conn, (u8_t)backlog);
  if (e != ERR_OK) {
    netconn_delete(conn);
    return errno_of(e);
  }
  return socket_open(conn, true);
}

int net_accept(int listener, uint64_t deadline_ns) {
  struct net_socket *s = socket_get(listener);
  if (s == NULL)
    return -EBADF;
  int result;
  mutex_lock(&s->call);
  if (!s->listener) {
    result = -EINVAL;
  } else {
    bool past;
    netconn_set_recvtimeout(s->conn, (int)timeout_ms(deadline_ns, &past));
    netconn_set_nonblocking(s->conn, past);
    struct netconn *conn;
    err_t e = netconn_accept(s->conn, &conn);
    result = e == ERR_OK ? socket_open(conn, false) : errno_of(e);
  }
  mutex_unlock(&s->call);
  socket_put(s);
  return result;
}

/* lwIP's event callback for every netconn net_connect makes: while the
 * socket waits in net_connect, any event on it (connected, reset, error)
 * wakes it to look. Runs with lwIP's core lock held; never blocks. */
static void connect_events(struct netconn *conn, enum netconn_evt evt, u16_t len) {
  (void)evt;
  (void)len;
  unsigned long flags = spin_lock_irqsave(&table_lock);
  for (struct net_socket *s = connecting; s; s = s->next_connecting)
    if (s->conn == conn)
      (void)chan_try_send(s->connect_event, NULL);
  spin_unlock_irqrestore(&table_lock, flags);
}

static void connecting_remove(struct net_socket *s) {
  unsigned long flags = spin_lock_irqsave(&table_lock);
  for (struct net_socket **p = &connecting; *p; p = &(*p)->next_connecting)
    if (*p == s) {
      *p = s->next_connecting;
      break;
    }
  spin_unlock_irqrestore(&table_lock, flags);
}

int net_connect(struct net_ipv4 ip, uint16_t port, uint64_t deadline_ns) {
  if (!net_is_up())
    return -ENETDOWN;
  if (port == 0)
    return -EINVAL;
  struct netconn *conn = netconn_new_with_callback(NETCONN_TCP, connect_events);
  if (conn == NULL)
    return -ENOMEM;
  struct net_socket *s = socket_new(conn, false);
  struct chan *event = chan_make(0, 1, "net connect");
  if (s == NULL || event == NULL) {
    chan_free(event);
    free(s);
    netconn_delete(conn);
    return -ENOMEM;
  }
  s->connect_event = event;
  unsigned long flags = spin_lock_irqsave(&table_lock);
  s->next_connecting = connecting;
  connecting = s;
  spin_unlock_irqrestore(&table_lock, flags);

  ip_addr_t addr;
  IP_ADDR4(&addr, ip.b[0], ip.b[1], ip.b[2], ip.b[3]);
  netconn_set_nonblocking(conn, 1);
  err_t e = netconn_connect(conn, &addr, port);
  int result = 0;
  if (e == ERR_INPROGRESS) {
    struct chan_case ev = {.chan = event, .dir = CHAN_RECV};
    for (;;) {
      LOCK_TCPIP_CORE();
      bool still = conn->state == NETCONN_CONNECT;
      UNLOCK_TCPIP_CORE();
      if (!still) {
        e = netconn_err(conn);
        result = e == ERR_OK ? 0 : e == ERR_RST || e == ERR_ABRT ? -ECONNREFUSED : errno_of(e);
        break;
      }
      uint64_t now = task_now_ns();
      if (deadline_ns != NET_NO_DEADLINE && now >= deadline_ns) {
        result = -ETIMEDOUT;
        break;
      }
      chan_select(&ev, 1, false,
                  deadline_ns == NET_NO_DEADLINE ? CHAN_NO_TIMEOUT : (int64_t)(deadline_ns - now));
    }
  } else {
    result = errno_of(e);
  }
  connecting_remove(s);
  s->connect_event = NULL;
  chan_free(event);
  netconn_set_nonblocking(conn, 0);
  if (result) {
    socket_free(s); /* an abandoned attempt is aborted by netconn_delete */
    return result;
  }
  int n = table_insert(s);
  if (n < 0)
    socket_free(s);
  return n;
}

/* ---- read, write, shutdown, close --------------------------------------- */

long net_read(int sock, void *buf, size_t cap, uint64_t deadline_ns) {
  struct net_socket *s = socket_get(sock);
  if (s == NULL)
    return -EBADF;
  long result;
  mutex_lock(&s->call);
  if (buf == NULL || cap == 0 || s->listener) {
    result = -EINVAL;
  } else if (s->failed) {
    result = s->failed;
  } else if (s->rx == NULL && s->rx_eof) {
    result = 0;
  } else {
    if (s->rx == NULL) {
      bool past;
      netconn_set_recvtimeout(s->conn, (int)timeout_ms(deadline_ns, &past));
      struct pbuf *p = NULL;
      err_t e = netconn_recv_tcp_pbuf_flags(s->conn, &p, past ? NETCONN_DONTBLOCK : 0);
      if (e == ERR_OK) {
        s->rx = p;
        s->rx_off = 0;
      } else if (e == ERR_CLSD) {
        s->rx_eof = true;
      } else if (e == ERR_RST || e == ERR_ABRT || e == ERR_CONN) {
        s->failed = -ECONNRESET;
      } else {
        result = errno_of(e);
        goto out;
      }
    }
    if (s->failed) {
      result = s->failed;
    } else if (s->rx == NULL) {
      result = 0;
    } else {
      size_t left = s->rx->tot_len - s->rx_off;
      size_t n = cap < left ? cap : left;
      pbuf_copy_partial(s->rx, buf, (u16_t)n, (u16_t)s->rx_off);
      s->rx_off += n;
      if (s->rx_off == s->rx->tot_len) {
        pbuf_free(s->rx);
        s->rx = NULL;
      }
      result = (long)n;
    }
  }
out:
  mutex_unlock(&s->call);
  socket_put(s);
  return result;
}

long net_write(int sock, const void *buf, size_t len, uint64_t deadline_ns) {
  struct net_socket *s = socket_get(sock);
  if (s == NULL)
    return -EBADF;
  long result;
  mutex_lock(&s->call);
  if (buf == NULL || s->listener) {
    result = -EINVAL;
  } else if (s->failed) {
    result = s->failed;
  } else if (s->tx_shut) {
    result = -EPIPE;
  } else {
    bool past;
    netconn_set_sendtimeout(s->conn, (int)timeout_ms(deadline_ns, &past));
    size_t written = 0;
    err_t e = netconn_write_partly(s->conn, buf, len, NETCONN_COPY | (past ? NETCONN_DONTBLOCK : 0),
                                   &written);
    /* lwIP also reads send_timeout as the limit for closing: none left set. */
    netconn_set_sendtimeout(s->conn, 0);
    if (e == ERR_OK || ((e == ERR_WOULDBLOCK || e == ERR_TIMEOUT) && written > 0))
      result = (long)written;
    else if (e == ERR_RST || e == ERR_ABRT || e == ERR_CONN)
      result = s->failed = -ECONNRESET;
    else
      result = errno_of(e);
  }
  mutex_unlock(&s->call);
  socket_put(s);
  return result;
}

int net_shutdown(int sock, enum net_shut how) {
  struct net_socket *s = socket_get(sock);
  if (s == NULL)
    return -EBADF;
  int result;
  mutex_lock(&s->call);
  if ((how & ~NET_SHUT_RDWR) || how == 0 || s->listener) {
    result = -EINVAL;
  } else if (s->failed) {
    result = s->failed;
  } else {
    err_t e = netconn_shutdown(s->conn, (how & NET_SHUT_RD) != 0, (how & NET_SHUT_WR) != 0);
    result = errno_of(e);
    if (e == ERR_OK) {
      if (how & NET_SHUT_RD) {
        s->rx_eof = true;
        if (s->rx) {
          pbuf_free(s->rx);
          s->rx = NULL;
        }
      }
      if (how & NET_SHUT_WR)
        s->tx_shut = true;
    }
  }
  mutex_unlock(&s->call);
  socket_put(s);
  return result;
}

int net_close(int sock) {
  if (sock < 0 || sock >= NET_MAX_SOCKETS)
    return -EBADF;
  unsigned long flags = spin_lock_irqsave(&table_lock);
  struct net_socket *s = table[sock];
  if (s) {
    table[sock] = NULL;
    open_count--;
    if (sock < first_free)
      first_free = sock;
  }
  spin_unlock_irqrestore(&table_lock, flags);
  if (s == NULL)
    return -EBADF;
  /* Wait for a call in progress to return: the table's reference, dropped
   * here, may be the last, and then the state is freed. */
  mutex_lock(&s->call);
  mutex_unlock(&s->call);
  socket_put(s);
  return 0;
}
