/* A UART shell on brigade: each command runs in the shell's task or spawns
 * tasks of its own, while the shell's task parks on the UART between
 * keystrokes (see docs/DESIGN.md, "Interrupt parking"). */
#include <stdio.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/sched.h>

#include "commands.h"
#include "line_editor.h"

int main(void) {
  static struct line_editor ed;
  sched_accounting_start(); /* ps and top show CPU time */
  printf("brigade shell on %s, %u cores. Type help for commands.\n", board_name, cpu_count());
  for (;;) {
    fflush(stdout);
    enum line_result r = line_read(&ed, "brigade> ");
    if (r == LINE_EOF)
      return 0;
    if (r == LINE_CANCELLED)
      continue;
    if (r == LINE_TOO_LONG) {
      printf("error: line too long (%zu characters; at most %d); ignored\n",
             (size_t)LINE_MAX_CHARS + ed.dropped, LINE_MAX_CHARS);
      continue;
    }
    char *argv[COMMAND_MAX_ARGS];
    int argc = command_split(ed.line, argv);
    if (argc < 0) {
      printf("error: more than %d words\n", COMMAND_MAX_ARGS);
      continue;
    }
    if (argc == 0)
      continue;
    int code = command_run(&ed, argc, argv);
    if (code >= 0) {
      printf("bye\n");
      fflush(stdout);
      return code;
    }
  }
}
