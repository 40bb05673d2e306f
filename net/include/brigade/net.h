/**
 * @file net.h
 * @brief The network as tasks see it: bring the board's network device up
 *        under lwIP (IPv4, TCP, UDP, ICMP echo, DHCP with a static
 *        fallback). Built only on boards whose board.cmake sets
 *        BRIGADE_HAS_NETDEV; an image that uses it links brigade_net.
 *
 * Blocking is parking: lwIP's tcpip thread is a brigade task and every
 * wait inside lwIP is on brigade's channels and mutexes (net/sys_arch.c).
 */
#ifndef BRIGADE_NET_H
#define BRIGADE_NET_H

#include <stdbool.h>
#include <stdint.h>

/** An IPv4 address, most significant byte first: {10, 0, 2, 15}. */
struct net_ipv4 {
  uint8_t b[4];
};

/** How net_start gets an address. */
struct net_config {
  bool dhcp;                  /**< ask a DHCP server first */
  uint64_t dhcp_wait_ns;      /**< how long to wait for a lease before using
                                   the static address (0: do not wait; DHCP
                                   is started and stopped, the static
                                   address always taken) */
  struct net_ipv4 ip, netmask, gateway; /**< the static address */
};

/** DHCP for up to 30 s, then QEMU user networking's fixed address. */
#define NET_CONFIG_DEFAULT                                                        \
  {.dhcp = true, .dhcp_wait_ns = 30ull * 1000 * 1000 * 1000,                      \
   .ip = {{10, 0, 2, 15}}, .netmask = {{255, 255, 255, 0}}, .gateway = {{10, 0, 2, 2}}}

/** The interface's address once up. */
struct net_address {
  struct net_ipv4 ip, netmask, gateway;
  bool from_dhcp; /**< a DHCP lease (false: the static fallback) */
};

/**
 * @brief Start lwIP on the board's network device and give it an address:
 *        a DHCP lease, or the static one when no lease comes within
 *        cfg->dhcp_wait_ns (or cfg->dhcp is false). Parks until then.
 *        Starts lwIP's tcpip task and one receive task for the device.
 * @param out  the address taken (may be NULL)
 * @retval 0         up
 * @retval -ENODEV   the board has no network device (QEMU started without one)
 * @retval -EALREADY started before
 * @retval -EINVAL   @p cfg is NULL
 * @retval -ENOMEM   no memory for lwIP's tasks or mailboxes
 */
int net_start(const struct net_config *cfg, struct net_address *out);

/* ---- blocking sockets (TCP) ------------------------------------------------
 *
 * A socket is a small non-negative number, as a POSIX descriptor: a call on
 * a number that is not an open socket (never opened, or closed) returns
 * -EBADF rather than touching freed memory. Every call that waits parks
 * the calling task (never spins) until it can go on or task_now_ns()
 * reaches its deadline (NET_NO_DEADLINE: no limit; a deadline already past
 * still does what needs no wait). Any task on any core may use any socket;
 * calls on one socket are taken one at a time (a second caller parks until
 * the first returns), so a read without a deadline holds off a write on the
 * same socket: give reads a deadline where one task reads and another
 * writes. Errors are negative errno values; a connection reset by the peer
 * frees its lwIP state at once and its socket only answers -ECONNRESET
 * until closed. */

/** A deadline that never passes. */
#define NET_NO_DEADLINE UINT64_MAX
/** Most sockets open at once: 1024 (8 KiB of socket table) unless the
 *  build says otherwise with CMake's BRIGADE_NET_MAX_SOCKETS, which
 *  defines this for net/ and for every image that links brigade_net. */
#ifndef NET_MAX_SOCKETS
#define NET_MAX_SOCKETS 1024
#endif

/** The most connections a listener holds for net_accept (its backlog). */
#define NET_LISTEN_BACKLOG_MAX 64

/**
 * @brief A socket listening for TCP connections on @p port (any address),
 *        with up to @p backlog (1 to NET_LISTEN_BACKLOG_MAX) connections
 *        waiting for net_accept; a SYN beyond them is dropped, and the
 *        peer sends it again.
 * @return the socket, or -EADDRINUSE, -EMFILE (NET_MAX_SOCKETS open),
 *         -ENOMEM, -ENETDOWN (net_start has not run), -EINVAL (port 0, or
 *         a backlog out of range)
 */
int net_listen(uint16_t port, int backlog);

/**
 * @brief The next connection to @p listener, parking until one comes.
 * @return the connection's socket, or -ETIMEDOUT, -EBADF, -EINVAL (not a
 *         listening socket), -EMFILE, -ENOMEM
 */
int net_accept(int listener, uint64_t deadline_ns);

/**
 * @brief A TCP connection to @p ip : @p port, parking until it is set up.
 * @return the socket, or -ECONNREFUSED, -ETIMEDOUT (the deadline passed;
 *         the attempt is abandoned), -EHOSTUNREACH, -EMFILE, -ENOMEM,
 *         -ENETDOWN, -EINVAL (port 0)
 */
int net_connect(struct net_ipv4 ip, uint16_t port, uint64_t deadline_ns);

/**
 * @brief Up to @p cap received bytes into @p buf, parking until at least
 *        one is there.
 * @return bytes read (> 0); 0 when the peer has closed its side (and on
 *         every read after) or this side was shut for reading; -ETIMEDOUT
 *         (nothing came before the deadline), -ECONNRESET, -EBADF, -EINVAL
 *         (@p buf NULL or @p cap 0, or a listening socket)
 */
long net_read(int sock, void *buf, size_t cap, uint64_t deadline_ns);

/**
 * @brief Send all @p len bytes of @p buf (copied), parking while the
 *        connection's send buffer is full.
 * @return @p len; the bytes taken when the deadline passed after some
 *         were; -ETIMEDOUT (none were), -EPIPE (this side was shut for
 *         writing), -ECONNRESET, -EBADF, -EINVAL (@p buf NULL, a listening
 *         socket)
 */
long net_write(int sock, const void *buf, size_t len, uint64_t deadline_ns);

/** net_shutdown's @p how. */
enum net_shut { NET_SHUT_RD = 1, NET_SHUT_WR = 2, NET_SHUT_RDWR = 3 };

/**
 * @brief Close one or both directions: NET_SHUT_WR sends FIN (the peer
 *        reads end of stream) while reads go on; NET_SHUT_RD makes reads
 *        return 0. The socket stays open until net_close.
 * @return 0, -EBADF, -EINVAL (bad @p how, a listening socket), -ENOTCONN
 */
int net_shutdown(int sock, enum net_shut how);

/**
 * @brief Close @p sock: its number is free at once; the connection is
 *        closed (FIN) and everything it held is freed. Waits for a call in
 *        progress on the same socket to return first.
 * @return 0, -EBADF
 */
int net_close(int sock);

/** Sockets open now (for tests and diagnostics). */
unsigned net_sockets_open(void);

/** lwIP's TCP connections: open (any state from SYN to LAST_ACK, with no
 *  socket or with one) and in TIME_WAIT (for tests and diagnostics). */
void net_tcp_connections(unsigned *open, unsigned *time_wait);

#endif
