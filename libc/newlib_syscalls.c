/* The system calls newlib expects from its host, implemented on bare metal.
 * Files other than the console do not exist: those calls fail with an errno
 * that says so rather than pretending to work. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>

#include <brigade/arch.h>
#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/panic.h>

static int is_console(int fd) { return fd >= 0 && fd <= 2; }

int _write(int fd, const void *buf, size_t n) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  console_write(buf, n);
  return (int)n;
}

int _read(int fd, void *buf, size_t n) {
  if (fd != 0) {
    errno = EBADF;
    return -1;
  }
  /* Waits for the first byte (a task parks on the UART), then takes what
   * else has arrived: a terminal in raw mode. */
  return (int)console_read(buf, n);
}

void _exit(int code) {
  console_flush(); /* the last lines may still sit in the transmit ring */
  board_exit(code);
}

int _fstat(int fd, struct stat *st) {
  if (!is_console(fd)) {
    errno = EBADF;
    return -1;
  }
  *st = (struct stat){.st_mode = S_IFCHR};
  return 0;
}

int _isatty(int fd) {
  if (is_console(fd))
    return 1;
  errno = EBADF;
  return 0;
}

int _close(int fd) {
  if (is_console(fd))
    return 0;
  errno = EBADF;
  return -1;
}

off_t _lseek(int fd, off_t off, int whence) {
  (void)off;
  (void)whence;
  errno = is_console(fd) ? ESPIPE : EBADF;
  return -1;
}

int _open(const char *path, int flags, int mode) {
  (void)path;
  (void)flags;
  (void)mode;
  errno = ENOSYS; /* no file system */
  return -1;
}

int _getpid(void) { return 1; }

int _kill(int pid, int sig) {
  if (pid != 1) {
    errno = ESRCH;
    return -1;
  }
  /* abort() and raise() end here: there is no process to signal, only the
   * machine to stop, so say which signal stopped it. */
  panic("signal %d%s raised (abort() or raise())", sig, sig == SIGABRT ? " (SIGABRT)" : "");
}

int _gettimeofday(struct timeval *tv, void *tz) {
  (void)tz;
  uint64_t t = arch_now_ticks(), hz = arch_tick_hz();
  if (!tv)
    return 0;
  if (hz == 0) {
    errno = EAGAIN; /* the timer rate is not known yet (very early boot) */
    return -1;
  }
  tv->tv_sec = (time_t)(t / hz);
  tv->tv_usec = (suseconds_t)((t % hz) * 1000000 / hz);
  return 0;
}

clock_t _times(struct tms *buf) {
  (void)buf;
  errno = ENOSYS;
  return (clock_t)-1;
}

int _unlink(const char *path) {
  (void)path;
  errno = ENOSYS;
  return -1;
}

int _link(const char *old, const char *new) {
  (void)old;
  (void)new;
  errno = ENOSYS;
  return -1;
}

int _stat(const char *path, struct stat *st) {
  (void)path;
  (void)st;
  errno = ENOSYS;
  return -1;
}

int _fork(void) {
  errno = ENOSYS;
  return -1;
}

int _wait(int *status) {
  (void)status;
  errno = ENOSYS;
  return -1;
}

int _execve(const char *name, char *const argv[], char *const env[]) {
  (void)name;
  (void)argv;
  (void)env;
  errno = ENOSYS;
  return -1;
}
