/* lwIP's compiler and platform port for brigade (lwIP includes it as
 * "arch/cc.h"). It and the other headers in net/lwip/include are all lwIP's
 * code is compiled against (scripts/build-lwip.sh hashes them into the
 * cache key), so they name only newlib's headers and functions that
 * net/sys_arch.c defines, never brigade's own headers. */
#ifndef BRIGADE_LWIP_ARCH_CC_H
#define BRIGADE_LWIP_ARCH_CC_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Both architectures brigade runs lwIP on (RV64, AArch64) are little-endian. */
#define BYTE_ORDER LITTLE_ENDIAN

/* newlib's ssize_t (lwIP would otherwise make its own, an int). */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

/* errno values come from newlib, not from lwIP's own list. */
#define LWIP_ERRNO_STDINCLUDE 1

/* Diagnostics go to the kernel console; a failed lwIP assertion is a panic
 * that names it (both defined in net/sys_arch.c). */
void brigade_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void brigade_lwip_assert(const char *what, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_DIAG(x) do { brigade_lwip_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) brigade_lwip_assert((x), __FILE__, __LINE__)

/* DHCP transaction ids, TCP initial sequence numbers and local ports. */
uint32_t brigade_lwip_rand(void);
#define LWIP_RAND() brigade_lwip_rand()

#endif
