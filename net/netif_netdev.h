/* An lwIP network interface over a <brigade/netdev.h> device (private to net/). */
#ifndef BRIGADE_NET_NETIF_NETDEV_H
#define BRIGADE_NET_NETIF_NETDEV_H

struct netif;
struct netdev;

/* Add @p netif for @p dev as lwIP's default interface, without an address,
 * and start its receive task. Task context, after tcpip_init.
 * 0, or -ENOMEM. */
int netif_netdev_add(struct netif *netif, struct netdev *dev);

#endif
