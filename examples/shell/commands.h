/* The shell's commands. Each returns the shell's exit request: -1 to keep
 * going, otherwise the code to exit the machine with. */
#ifndef SHELL_COMMANDS_H
#define SHELL_COMMANDS_H

#include "line_editor.h"

/** @brief Run the command in @p argv[0] (argc >= 1). */
int command_run(struct line_editor *ed, int argc, char **argv);

#endif
