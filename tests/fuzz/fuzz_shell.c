/* libFuzzer harness for the shell's line editor and command parser
 * (examples/shell/line_editor.c and commands.c, built without the runtime;
 * tests/fuzz/shell_runtime_shim.c stands in for it). The input is what a
 * terminal sends: the harness makes it the shell's stdin (a memory file that
 * ends where the input ends) and its stdout another memory file, then runs
 * the shell's loop until the input ends, checking after every line that the
 * editor kept its promises: a line holds only printable characters and at
 * most LINE_MAX_CHARS of them; what it echoed, played on a terminal (the
 * prompt, then characters, "\b \b" erasing one), shows exactly the line it
 * returns; and the words split from it are non-empty, free of separators
 * and inside the line. */
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
  int output = memfd_create("shell-output", 0);
  if (input < 0 || output < 0 || dup2(input, STDIN_FILENO) < 0 ||
      dup2(output, STDOUT_FILENO) < 0) {
    perror("fuzz_shell: setting up stdin and stdout");
    exit(1);
  }
  close(input);
  close(output);
  return 0;
}

static off_t output_offset(void) {
  CHECK(fflush(stdout) == 0);
  off_t at = lseek(STDOUT_FILENO, 0, SEEK_CUR);
  CHECK(at >= 0);
  return at;
}

/* What a terminal shows after the shell wrote [from, to) of its output,
 * which must be the prompt and then the echo of one line. */
static void check_echo(off_t from, off_t to, const struct line_editor *ed, enum line_result r) {
  static char *out;
  static size_t room;
  static const char prompt[] = "brigade> ";
  size_t n = (size_t)(to - from);
  CHECK(n >= strlen(prompt));
  if (n > room) {
    out = realloc(out, n);
    CHECK(out);
    room = n;
  }
  CHECK(pread(STDOUT_FILENO, out, n, from) == (ssize_t)n);
  CHECK(memcmp(out, prompt, strlen(prompt)) == 0);
  const char *tail = r == LINE_CANCELLED ? "^C\n" : r == LINE_EOF ? "" : "\n";
  size_t end = n - strlen(tail);
  CHECK(end >= strlen(prompt) && memcmp(out + end, tail, strlen(tail)) == 0);
  char screen[LINE_MAX_CHARS];
  size_t shown = 0;
  for (size_t i = strlen(prompt); i < end;) {
    if (out[i] == '\b') {
      CHECK(i + 3 <= end && memcmp(out + i, "\b \b", 3) == 0 && shown > 0);
      shown--;
      i += 3;
    } else {
      CHECK(out[i] >= 0x20 && out[i] <= 0x7e && shown < LINE_MAX_CHARS);
      screen[shown++] = out[i++];
    }
  }
  /* Also after ^C or the end of input: the screen shows what was typed. */
  CHECK(shown == ed->len && memcmp(screen, ed->line, shown) == 0);
}

static void feed_stdin(const uint8_t *data, size_t n) {
  CHECK(fflush(stdout) == 0 && ftruncate(STDOUT_FILENO, 0) == 0);
  CHECK(lseek(STDOUT_FILENO, 0, SEEK_SET) == 0);
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
    off_t before = output_offset();
    enum line_result r = line_read(&ed, "brigade> ");
    check_line(&ed, r);
    check_echo(before, output_offset(), &ed, r);
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
