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
                                   the static address */
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

#endif
