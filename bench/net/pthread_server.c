/* The thread-per-connection side of the server benchmark
 * (scripts/bench-net.sh): the classic C server, one POSIX thread per
 * connection (default attributes: glibc's 8 MiB stacks, reserved, touched
 * only as used), each blocked in read() while its connection is idle. The
 * same protocol as bench/net/server.c on brigade: every request up to its
 * blank line is answered with "hello\n", keep-alive.
 *
 *   pthread_server PORT     listens on 127.0.0.1:PORT
 *
 * When a thread cannot be made the connection is closed and the first
 * failure is printed with the count of threads then running. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX 256

static const char hello[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
static atomic_int running;

static int write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static void *connection(void *arg) {
  int fd = (int)(intptr_t)arg;
  char request[REQUEST_MAX];
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, request + len, sizeof request - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
    request[len] = 0;
    char *end = strstr(request, "\r\n\r\n");
    if (end == NULL) {
      if (len == sizeof request - 1)
        break; /* longer than any request the load generator sends */
      continue;
    }
    if (write_all(fd, hello, sizeof hello - 1) != 0)
      break;
    end += 4;
    len -= (size_t)(end - request);
    memmove(request, end, len);
  }
  close(fd);
  atomic_fetch_sub(&running, 1);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pthread_server PORT\n");
    return 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(argv[1])),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(listener, 4096) != 0) {
    perror("pthread_server: listen");
    return 1;
  }
  printf("server: listening on 127.0.0.1:%s\n", argv[1]);
  fflush(stdout);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int reported = 0;
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
      if (!reported++)
        fprintf(stderr, "pthread_server: accept: %s with %d threads running\n", strerror(errno),
                atomic_load(&running));
      usleep(100 * 1000);
      continue;
    }
    atomic_fetch_add(&running, 1);
    pthread_t t;
    int err = pthread_create(&t, &attr, connection, (void *)(intptr_t)fd);
    if (err != 0) {
      atomic_fetch_sub(&running, 1);
      if (!reported++)
        fprintf(stderr, "pthread_server: pthread_create: %s with %d threads running\n",
                strerror(err), atomic_load(&running));
      close(fd);
    }
  }
}
