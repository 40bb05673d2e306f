#include "line_editor.h"

#include <string.h>
#include <unistd.h>

#define CTRL(c) ((c) & 0x1f)
#define DEL 0x7f

static void out(const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDOUT_FILENO, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

int line_raw_byte(struct line_editor *ed) {
  if (ed->in_pos == ed->in_len) {
    /* read() parks this task on the UART until bytes arrive, then returns
     * all that came: one wake-up per burst, not per byte. */
    ssize_t got = read(STDIN_FILENO, ed->in, sizeof ed->in);
    if (got <= 0)
      return -1;
    ed->in_pos = 0;
    ed->in_len = (size_t)got;
  }
  return ed->in[ed->in_pos++];
}

enum line_result line_read(struct line_editor *ed, const char *prompt) {
  ed->len = 0;
  ed->dropped = 0;
  out(prompt, strlen(prompt));
  /* Echo is batched: everything decided from one burst of input goes out in
   * one write, which matters when a whole script is pasted. */
  char echo[64];
  size_t echo_len = 0;
#define FLUSH_ECHO()                                                                               \
  do {                                                                                             \
    out(echo, echo_len);                                                                           \
    echo_len = 0;                                                                                  \
  } while (0)
#define ECHO(str, n)                                                                               \
  do {                                                                                             \
    if (echo_len + (n) > sizeof echo)                                                              \
      FLUSH_ECHO();                                                                                \
    memcpy(echo + echo_len, (str), (n));                                                           \
    echo_len += (n);                                                                               \
  } while (0)

  for (;;) {
    if (ed->in_pos == ed->in_len)
      FLUSH_ECHO(); /* about to wait for input: show what was typed so far */
    int c = line_raw_byte(ed);
    if (c < 0) {
      FLUSH_ECHO();
      return LINE_EOF;
    }
    bool was_cr = ed->last_was_cr;
    ed->last_was_cr = (c == '\r');
    if (c == '\n' && was_cr)
      continue; /* second half of CR LF */
    if (c == '\r' || c == '\n') {
      ECHO("\n", 1);
      FLUSH_ECHO();
      ed->line[ed->len] = '\0';
      return ed->dropped ? LINE_TOO_LONG : LINE_OK;
    }
    if (c == '\b' || c == DEL) {
      if (ed->dropped) {
        ed->dropped--;
      } else if (ed->len > 0) {
        ed->len--;
        ECHO("\b \b", 3);
      }
      continue;
    }
    if (c == CTRL('U')) {
      while (ed->len > 0) {
        ed->len--;
        ECHO("\b \b", 3);
      }
      ed->dropped = 0;
      continue;
    }
    if (c == CTRL('C')) {
      ECHO("^C\n", 3);
      FLUSH_ECHO();
      return LINE_CANCELLED;
    }
    if (c < 0x20 || c > 0x7e)
      continue; /* other control bytes and non-ASCII: ignored, not stored */
    if (ed->len == LINE_MAX_CHARS) {
      ed->dropped++; /* counted, not stored or echoed: reported at the end of the line */
      continue;
    }
    ed->line[ed->len++] = (char)c;
    char ch = (char)c;
    ECHO(&ch, 1);
  }
#undef ECHO
#undef FLUSH_ECHO
}
