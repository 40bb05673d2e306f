/* What net/'s files share (private to net/). */
#ifndef BRIGADE_NET_INTERNAL_H
#define BRIGADE_NET_INTERNAL_H

#include <stdbool.h>

/* net_start has brought lwIP up (its tcpip task runs). */
bool net_is_up(void);

#endif
