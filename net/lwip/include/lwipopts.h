/* lwIP's configuration for brigade (docs/NETWORK.md says why each choice).
 * Changing anything here changes the cache key scripts/build-lwip.sh builds
 * lwIP under, so lwIP is rebuilt, never linked stale. */
#ifndef BRIGADE_LWIPOPTS_H
#define BRIGADE_LWIPOPTS_H

/* An operating system underneath: lwIP's tcpip thread is a brigade task and
 * its semaphores, mutexes and mailboxes are brigade's (net/sys_arch.c), so
 * a task waiting on the network parks. */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
/* Callers of the sequential (netconn) API take the core lock, a brigade
 * mutex, and run lwIP's code themselves instead of handing every call to
 * the tcpip task and waiting: the core stays one-at-a-time, the hand-off
 * and its two context switches are gone. Received frames still go through
 * the tcpip task's mailbox. */
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0

/* Memory from brigade's heap (newlib's malloc, task-safe), not from static
 * pools: nothing is reserved up front, connection counts are bounded by the
 * heap, and the heap's use tells whether a connection left anything behind. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEMP_NUM_TCP_PCB 512
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_NETCONN 520
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE 64

/* IPv4 only: TCP, UDP, ICMP (echo answered by lwIP itself), DHCP client. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
/* No ARP probe of an offered address before taking it (a second at boot,
 * and the offer comes from the one host on the link that hands them out). */
#define DHCP_DOES_ARP_CHECK 0

/* TCP: a full-size segment per frame, room for eight in flight each way. */
#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 64
#define LWIP_TCP_KEEPALIVE 1

/* The sequential API (netconn) under brigade's blocking socket calls
 * (net/socket.c); lwIP's BSD sockets are not built. */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
/* Per-call deadlines: receive and accept wait with a timeout, and so does
 * a write (netconn's recv_timeout and send_timeout). */
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVBUF 0
#define LWIP_SO_LINGER 0
#define LWIP_NETCONN_FULLDUPLEX 0
#define LWIP_NETCONN_SEM_PER_THREAD 0

/* The tcpip task and its mailboxes. */
#define TCPIP_THREAD_NAME "lwip tcpip"
#define TCPIP_THREAD_STACKSIZE (16 * 1024)
#define TCPIP_THREAD_PRIO 0
#define TCPIP_MBOX_SIZE 256
#define DEFAULT_THREAD_STACKSIZE (16 * 1024)
#define DEFAULT_RAW_RECVMBOX_SIZE 16
#define DEFAULT_UDP_RECVMBOX_SIZE 32
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_ACCEPTMBOX_SIZE 64

/* Packets to the interface's own address loop back inside lwIP (through
 * the tcpip task), so an image can connect to itself. */
#define LWIP_NETIF_LOOPBACK 1

/* The interface tells net/net.c when DHCP has bound an address. */
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_HOSTNAME 1

/* virtio-net offloads no checksums: lwIP computes and checks them all. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0

#define LWIP_STATS 0
#define LWIP_DEBUG 0

#endif
