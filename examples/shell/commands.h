/* The shell's commands. Each returns the shell's exit request: -1 to keep
 * going, otherwise the code to exit the machine with. */
#ifndef SHELL_COMMANDS_H
#define SHELL_COMMANDS_H

#include "line_editor.h"

#define COMMAND_MAX_ARGS 8

/**
 * @brief Split @p line in place into words at spaces and tabs.
 * @return the number of words in @p argv, or -1 when there are more than
 *         COMMAND_MAX_ARGS.
 */
int command_split(char *line, char **argv);

/** @brief Run the command in @p argv[0] (argc >= 1). */
int command_run(struct line_editor *ed, int argc, char **argv);

#endif
