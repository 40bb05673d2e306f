/* Host files through semihosting (<brigade/host_file.h>), for the
 * bare-metal boards: SYS_OPEN, SYS_WRITE and SYS_CLOSE, and SYS_ERRNO for
 * the host's reason when one fails. The parameter blocks are arrays of
 * machine words in memory; the asm of semihosting_call clobbers memory, so
 * they are stored before the host reads them. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <brigade/host_file.h>
#include <brigade/semihosting.h>

/* The host's errno, as the host numbers it. QEMU passes on Linux's, whose
 * common values (ENOENT, EACCES, EISDIR, ENOSPC, ...) newlib shares. */
static int host_error(void) {
  long e = semihosting_call(SEMIHOSTING_SYS_ERRNO, NULL);
  return e > 0 && e < 4096 ? (int)e : EIO;
}

int host_file_open(const char *name) {
  if (!name || !*name)
    return -EINVAL;
  uintptr_t block[3] = {(uintptr_t)name, SEMIHOSTING_OPEN_WRITE, strlen(name)};
  long handle = semihosting_call(SEMIHOSTING_SYS_OPEN, block);
  if (handle == SEMIHOSTING_NO_HOST)
    return -ENODEV;
  if (handle < 0)
    return -host_error();
  return handle <= INT_MAX ? (int)handle : -EIO;
}

int host_file_write(int handle, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    uintptr_t block[3] = {(uintptr_t)handle, (uintptr_t)p, len};
    long left = semihosting_call(SEMIHOSTING_SYS_WRITE, block);
    if (left == SEMIHOSTING_NO_HOST)
      return -ENODEV;
    /* The answer is the bytes not written: all of them (or nonsense) is a
     * failure with the host's reason, fewer a short write to go on from. */
    if (left < 0 || (size_t)left >= len)
      return -host_error();
    p += len - (size_t)left;
    len = (size_t)left;
  }
  return 0;
}

int host_file_close(int handle) {
  uintptr_t block[1] = {(uintptr_t)handle};
  long r = semihosting_call(SEMIHOSTING_SYS_CLOSE, block);
  if (r == SEMIHOSTING_NO_HOST)
    return -ENODEV;
  return r == 0 ? 0 : -host_error();
}
