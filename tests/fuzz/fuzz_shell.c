/* libFuzzer harness for the shell's line editor and command parser
 * (examples/shell/line_editor.c and commands.c, built without the runtime;
 * tests/fuzz/shell_runtime_shim.c stands in for it). The input is what a
 * terminal sends: the harness makes it the shell's stdin (a memory file that
 * ends where the input ends) and sends stdout to /dev/null, then runs the
 * shell's loop until the input ends, checking after every line that the
 * editor kept its promises: a line holds only printable characters and at
 * most LINE_MAX_CHARS of them, and the words split from it are non-empty,
 * free of separators and inside the line. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"
#include "line_editor.h"

/* fib's cost doubles with N and says nothing about parsing: the harness
 * still splits and checks such a line but does not run it. */
#define FIB_RUN_AT_MOST 20

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_shell: %s:%d: %s does not hold\n", __FILE__, __LINE__, #cond);         \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  int input = memfd_create("shell-input", 0);
  int null = open("/dev/null", O_WRONLY);
  if (input < 0 || null < 0 || dup2(input, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
    perror("fuzz_shell: setting up stdin and stdout");
    exit(1);
  }
  close(input);
  close(null);
  return 0;
}

static void feed_stdin(const uint8_t *data, size_t n) {
  CHECK(ftruncate(STDIN_FILENO, 0) == 0);
  size_t done = 0;
  while (done < n) {
    ssize_t w = pwrite(STDIN_FILENO, data + done, n - done, (off_t)done);
    CHECK(w > 0);
    done += (size_t)w;
  }
  CHECK(lseek(STDIN_FILENO, 0, SEEK_SET) == 0);
}

static void check_line(const struct line_editor *ed, enum line_result r) {
  CHECK(ed->in_pos <= ed->in_len && ed->in_len <= sizeof ed->in);
  CHECK(ed->len <= LINE_MAX_CHARS);
  if (r == LINE_TOO_LONG)
    CHECK(ed->dropped > 0 && ed->len == LINE_MAX_CHARS);
  if (r != LINE_OK && r != LINE_TOO_LONG)
    return;
  CHECK(ed->line[ed->len] == '\0' && strlen(ed->line) == ed->len);
  for (size_t i = 0; i < ed->len; i++)
    CHECK(ed->line[i] >= 0x20 && ed->line[i] <= 0x7e);
}

static bool runnable(int argc, char **argv) {
  return !(strcmp(argv[0], "fib") == 0 && argc == 2 && strtol(argv[1], NULL, 10) > FIB_RUN_AT_MOST);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  static struct line_editor ed;
  memset(&ed, 0, sizeof ed);
  feed_stdin(data, n);
  for (;;) {
    enum line_result r = line_read(&ed, "brigade> ");
    check_line(&ed, r);
    if (r == LINE_EOF)
      break;
    if (r != LINE_OK)
      continue;
    char line[LINE_MAX_CHARS + 1];
    memcpy(line, ed.line, ed.len + 1);
    char *argv[COMMAND_MAX_ARGS];
    int argc = command_split(line, argv);
    CHECK(argc >= -1 && argc <= COMMAND_MAX_ARGS);
    for (int i = 0; i < argc; i++) {
      CHECK(argv[i] >= line && argv[i] < line + ed.len);
      CHECK(argv[i][0] != '\0' && strpbrk(argv[i], " \t") == NULL);
      CHECK(i == 0 || argv[i] > argv[i - 1]);
    }
    if (argc > 0 && runnable(argc, argv)) {
      int code = command_run(&ed, argc, argv);
      CHECK(code >= -1 && code <= 255);
    }
  }
  fflush(stdout);
  return 0;
}
