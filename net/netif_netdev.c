/* An lwIP network interface over a <brigade/netdev.h> device.
 *
 * Output: lwIP hands linkoutput a frame as a chain of pbufs; it is
 * flattened onto the calling task's stack and given to netdev_send, which
 * copies it into a transmit buffer (parking while every buffer is with the
 * device). linkoutput runs with lwIP's core lock held, so one task sends
 * at a time.
 *
 * Input: one receive task per device loops on netdev_receive straight into
 * a fresh pbuf and hands it to tcpip_input, which posts it to the tcpip
 * task's mailbox without waiting (TCPIP_MBOX_SIZE messages): when that is
 * full the frame is dropped here, as a full device queue would drop it,
 * and TCP sends it again. */
#include <errno.h>
#include <string.h>

#include <brigade/netdev.h>
#include <brigade/panic.h>
#include <brigade/task.h>

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "netif_netdev.h"

static err_t netdev_linkoutput(struct netif *netif, struct pbuf *p) {
  struct netdev *dev = netif->state;
  uint8_t frame[NETDEV_MAX_FRAME];
  if (p->tot_len > sizeof frame)
    return ERR_BUF; /* lwIP never builds one larger than its MTU allows */
  u16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
  int err = netdev_send(dev, frame, len);
  return err == 0 ? ERR_OK : ERR_IF;
}

static void netdev_receive_task(void *arg) {
  struct netif *netif = arg;
  struct netdev *dev = netif->state;
  for (;;) {
    /* PBUF_RAM: one contiguous buffer the frame can be received into. */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, NETDEV_MAX_FRAME, PBUF_RAM);
    if (p == NULL) {
      /* Out of memory: wait for some to come back rather than spin. */
      task_sleep_ns(10ull * 1000 * 1000);
      continue;
    }
    long len = netdev_receive(dev, p->payload, NETDEV_MAX_FRAME, NETDEV_NO_DEADLINE);
    if (len < 0)
      panic("%s: receive failed (%ld) with a valid buffer and no deadline", dev->name, len);
    pbuf_realloc(p, (u16_t)len);
    if (netif->input(p, netif) != ERR_OK)
      pbuf_free(p); /* the tcpip task's mailbox could not take it */
  }
}

static err_t netdev_netif_init(struct netif *netif) {
  struct netdev *dev = netif->state;
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->output = etharp_output;
  netif->linkoutput = netdev_linkoutput;
  netif->mtu = NETDEV_MTU;
  netif->hwaddr_len = NETDEV_MAC_LEN;
  memcpy(netif->hwaddr, dev->mac, NETDEV_MAC_LEN);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                 NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

int netif_netdev_add(struct netif *netif, struct netdev *dev) {
  /* No address yet: DHCP or the static fallback sets it (net/net.c). */
  LOCK_TCPIP_CORE();
  struct netif *added = netif_add(netif, NULL, NULL, NULL, dev, netdev_netif_init, tcpip_input);
  if (added)
    netif_set_default(netif);
  UNLOCK_TCPIP_CORE();
  if (added == NULL)
    return -ENOMEM;
  struct task_attr attr = TASK_ATTR_INIT;
  attr.name = "net receive";
  return task_spawn(NULL, netdev_receive_task, netif, &attr);
}
