/* Reading one command line from the console with the editing a serial
 * terminal user expects: echo, backspace, ^U, ^C, CR, LF or CR LF. */
#ifndef SHELL_LINE_EDITOR_H
#define SHELL_LINE_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_MAX_CHARS 255

enum line_result {
  LINE_OK,        /**< a line is in line_editor.line */
  LINE_TOO_LONG,  /**< the line did not fit; line_editor.dropped says by how much */
  LINE_CANCELLED, /**< ^C */
  LINE_EOF,       /**< the input ended */
};

struct line_editor {
  char line[LINE_MAX_CHARS + 1];
  size_t len;
  size_t dropped; /**< characters past LINE_MAX_CHARS in the last line */
  /* bytes read from the console but not consumed yet */
  uint8_t in[256];
  size_t in_pos, in_len;
  bool last_was_cr; /**< swallow the LF of a CR LF pair */
};

/** @brief Print @p prompt, then read and edit one line. */
enum line_result line_read(struct line_editor *ed, const char *prompt);

/** @brief The next raw input byte, unedited and unechoed (waits for it); -1 at end of input. */
int line_raw_byte(struct line_editor *ed);

#endif
