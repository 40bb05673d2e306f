/* lwIP up on the board's device (tests/net/net_session.py drives it from
 * the host): net_start takes a DHCP lease from QEMU's user network (or,
 * with "net=static" on the command line, skips DHCP for the static
 * fallback, and with "net=dhcp-timeout" gives DHCP no time so the fallback
 * is what a missing lease leads to), then a UDP echo on port 7 answers the
 * host through a forwarded port until a datagram "quit" arrives. Every
 * answer went through lwIP's ARP, IPv4 and UDP on brigade's tasks. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <brigade/machine.h>
#include <brigade/net.h>

#include "lwip/api.h"

int main(void) {
  struct net_config cfg = NET_CONFIG_DEFAULT;
  const char *mode = bootarg("net");
  if (mode && strcmp(mode, "static") == 0)
    cfg.dhcp = false;
  if (mode && strcmp(mode, "dhcp-timeout") == 0)
    cfg.dhcp_wait_ns = 0;
  struct net_address a;
  int err = net_start(&cfg, &a);
  if (err) {
    printf("net_start failed: %d\n", err);
    return 1;
  }
  printf("address %u.%u.%u.%u from %s\n", a.ip.b[0], a.ip.b[1], a.ip.b[2], a.ip.b[3],
         a.from_dhcp ? "dhcp" : "static");

  struct netconn *conn = netconn_new(NETCONN_UDP);
  if (conn == NULL || netconn_bind(conn, IP4_ADDR_ANY, 7) != ERR_OK) {
    printf("could not bind UDP port 7\n");
    return 1;
  }
  printf("udp echo listening on 7\n");
  unsigned echoed = 0;
  for (;;) {
    struct netbuf *buf;
    if (netconn_recv(conn, &buf) != ERR_OK)
      continue;
    char head[5] = {0};
    netbuf_copy(buf, head, 4);
    bool quit = netbuf_len(buf) == 4 && memcmp(head, "quit", 4) == 0;
    if (!quit) {
      /* Back to where it came from: the netbuf holds the sender's address. */
      if (netconn_sendto(conn, buf, netbuf_fromaddr(buf), netbuf_fromport(buf)) == ERR_OK)
        echoed++;
    }
    netbuf_delete(buf);
    if (quit)
      break;
  }
  netconn_delete(conn);
  printf("echoed %u datagrams\n", echoed);
  return 0;
}
