/* Host files (<brigade/host_file.h>) on the host board: the board is a
 * Linux process, so they are its own files, named as open(2) names them
 * (a relative name is relative to the process's working directory). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <brigade/host_file.h>

int host_file_open(const char *name) {
  if (!name || !*name)
    return -EINVAL;
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd < 0 ? -errno : fd;
}

int host_file_write(int handle, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(handle, p, len);
    if (n < 0 && errno == EINTR)
      continue; /* the timer signal */
    if (n <= 0)
      return n < 0 ? -errno : -EIO;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int host_file_close(int handle) { return close(handle) == 0 ? 0 : -errno; }
