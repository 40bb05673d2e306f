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
 * task's mailbox without waiting (TCPIP_MBOX_SIZE messages). When that is
 * full the receive task keeps the frame and waits for the tcpip task to
 * take some: a frame is never dropped in here. Dropping looked harmless
 * because TCP sends data again, but a RST or a FIN is sent once: losing
 * a reset left the server's task parked in a read for ever, its socket
 * open (net_tcp_echo under load). While the receive task waits the
 * device's receive queue fills and the device (QEMU's network queue)
 * holds further frames, so the back-pressure reaches the sender. */
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

/* How long the receive task parks before offering a frame the tcpip
 * task's full mailbox refused: about the time that task takes to work
 * through a few dozen frames. */
#define INPUT_RETRY_NS (1000ull * 1000)

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
    /* The tcpip task's mailbox is full: park a moment (its task runs,
     * here or on another core) and offer the frame again. */
    while (netif->input(p, netif) != ERR_OK)
      task_sleep_ns(INPUT_RETRY_NS);
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
