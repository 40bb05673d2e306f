/* Bringing the network up: lwIP's tcpip task, the board's device as lwIP's
 * interface, and an address from DHCP or the static fallback. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/kprintf.h>
#include <brigade/net.h>
#include <brigade/netdev.h>
#include <brigade/task.h>

#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#include "net_internal.h"
#include "netif_netdev.h"

static uint32_t started; /* word-sized: RV64 has no byte-wide atomic swap */
static struct netif the_netif;
/* One-slot channels of events: lwIP's core is up; the interface's address
 * changed (DHCP bound a lease). Filled with chan_try_send from lwIP's
 * callbacks, which must not block. */
static struct chan *core_up, *address_changed;
/* Set once net_start has an address: sockets may be made. */
static bool up;

bool net_is_up(void) { return __atomic_load_n(&up, __ATOMIC_ACQUIRE); }

static void tcpip_core_up(void *arg) { (void)chan_try_send(core_up, NULL); }

static void netif_status_changed(struct netif *netif) {
  if (!ip4_addr_isany_val(*netif_ip4_addr(netif)))
    (void)chan_try_send(address_changed, NULL);
}

static ip4_addr_t to_lwip(struct net_ipv4 a) {
  ip4_addr_t out;
  IP4_ADDR(&out, a.b[0], a.b[1], a.b[2], a.b[3]);
  return out;
}

static struct net_ipv4 from_lwip(const ip4_addr_t *a) {
  return (struct net_ipv4){{ip4_addr1(a), ip4_addr2(a), ip4_addr3(a), ip4_addr4(a)}};
}

/* Wait until DHCP has bound a lease or @p wait_ns has passed. */
static bool dhcp_lease_within(uint64_t wait_ns) {
  struct chan_case changed = {.chan = address_changed, .dir = CHAN_RECV};
  uint64_t deadline = task_now_ns() + wait_ns;
  for (;;) {
    LOCK_TCPIP_CORE();
    bool bound = dhcp_supplied_address(&the_netif);
    UNLOCK_TCPIP_CORE();
    uint64_t now = task_now_ns();
    if (bound || now >= deadline)
      return bound;
    chan_select(&changed, 1, false, (int64_t)(deadline - now));
  }
}

int net_start(const struct net_config *cfg, struct net_address *out) {
  if (cfg == NULL)
    return -EINVAL;
  struct netdev *dev = board_netdev();
  if (dev == NULL)
    return -ENODEV;
  if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
    return -EALREADY;
  core_up = chan_make(0, 1, "net core up");
  address_changed = chan_make(0, 1, "net address");
  if (core_up == NULL || address_changed == NULL)
    return -ENOMEM;
  tcpip_init(tcpip_core_up, NULL);
  chan_recv(core_up, NULL);

  int err = netif_netdev_add(&the_netif, dev);
  if (err)
    return err;
  LOCK_TCPIP_CORE();
  netif_set_status_callback(&the_netif, netif_status_changed);
  netif_set_up(&the_netif);
  err_t dhcp_err = cfg->dhcp ? dhcp_start(&the_netif) : ERR_OK;
  UNLOCK_TCPIP_CORE();

  /* A zero wait decides without looking: a lease bound in the instant after
   * dhcp_start (QEMU answers at once, and another core runs the tcpip task)
   * would otherwise make "no time for DHCP" a race. Whatever DHCP has done
   * by the time the fallback below takes the lock is released there. */
  bool leased = cfg->dhcp && dhcp_err == ERR_OK && cfg->dhcp_wait_ns > 0 &&
                dhcp_lease_within(cfg->dhcp_wait_ns);
  if (!leased) {
    ip4_addr_t ip = to_lwip(cfg->ip), mask = to_lwip(cfg->netmask), gw = to_lwip(cfg->gateway);
    LOCK_TCPIP_CORE();
    if (cfg->dhcp)
      dhcp_release_and_stop(&the_netif); /* no lease may arrive late and replace it */
    netif_set_addr(&the_netif, &ip, &mask, &gw);
    UNLOCK_TCPIP_CORE();
  }

  LOCK_TCPIP_CORE();
  struct net_address a = {
      .ip = from_lwip(netif_ip4_addr(&the_netif)),
      .netmask = from_lwip(netif_ip4_netmask(&the_netif)),
      .gateway = from_lwip(netif_ip4_gw(&the_netif)),
      .from_dhcp = leased,
  };
  UNLOCK_TCPIP_CORE();
  kprintf("net: %s up at %u.%u.%u.%u/%u.%u.%u.%u gateway %u.%u.%u.%u (%s)\n", dev->name,
          a.ip.b[0], a.ip.b[1], a.ip.b[2], a.ip.b[3], a.netmask.b[0], a.netmask.b[1],
          a.netmask.b[2], a.netmask.b[3], a.gateway.b[0], a.gateway.b[1], a.gateway.b[2],
          a.gateway.b[3], leased ? "DHCP lease" : "static address");
  /* Release: a task that sees `up` sees lwIP's state set up above. */
  __atomic_store_n(&up, true, __ATOMIC_RELEASE);
  if (out)
    *out = a;
  return 0;
}
