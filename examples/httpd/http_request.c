/* Parsing an HTTP/1.x request head (http_request.h says what is refused).
 * One pass over the lines of the head once its blank line has come; only
 * the request line is looked at before then, so a client sending garbage
 * is answered at once rather than at its deadline. */
#include "http_request.h"

#include <string.h>
#include <strings.h>

/* RFC 9110's tchar: what a method or a header name is made of. */
static bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte a field value may hold: visible, SP, HTAB or obs-text (>= 0x80). */
static bool is_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* One line of the head: [start, end), its CR (if any) and LF not included. */
struct line {
  const char *start, *end;
};

/* The line starting at @p p (before @p limit); false if no LF ends it. *next
 * is where the following line starts. */
static bool next_line(const char *p, const char *limit, struct line *l, const char **next) {
  const char *lf = memchr(p, '\n', (size_t)(limit - p));
  if (lf == NULL)
    return false;
  l->start = p;
  l->end = lf > p && lf[-1] == '\r' ? lf - 1 : lf;
  *next = lf + 1;
  return true;
}

static enum http_parse fail(struct http_request *out, enum http_parse why, const char *error) {
  out->error = error;
  return why;
}

static enum http_parse parse_request_line(struct line l, struct http_request *out) {
  const char *p = l.start;
  size_t n = 0;
  while (p < l.end && is_tchar((unsigned char)*p)) {
    if (n == HTTP_MAX_METHOD)
      return fail(out, HTTP_PARSE_BAD, "method too long");
    out->method[n++] = *p++;
  }
  out->method[n] = 0;
  if (n == 0 || p == l.end || *p != ' ')
    return fail(out, HTTP_PARSE_BAD, "no method, or not followed by one space");
  p++;
  if (p == l.end || *p != '/')
    return fail(out, HTTP_PARSE_BAD, "target does not start with /");
  n = 0;
  while (p < l.end && *p != ' ') {
    if ((unsigned char)*p <= 0x20 || *p == 0x7f)
      return fail(out, HTTP_PARSE_BAD, "control character in the target");
    if (n == HTTP_MAX_TARGET)
      return fail(out, HTTP_PARSE_TOO_LARGE, "target longer than HTTP_MAX_TARGET");
    out->target[n++] = *p++;
  }
  out->target[n] = 0;
  if (p == l.end)
    return fail(out, HTTP_PARSE_BAD, "no version");
  p++;
  static const char prefix[] = "HTTP/";
  size_t plen = sizeof prefix - 1;
  if ((size_t)(l.end - p) != plen + 3 || memcmp(p, prefix, plen) != 0 || p[plen + 1] != '.' ||
      p[plen] < '0' || p[plen] > '9' || p[plen + 2] < '0' || p[plen + 2] > '9')
    return fail(out, HTTP_PARSE_BAD, "version is not HTTP/d.d");
  if (p[plen] != '1')
    return fail(out, HTTP_PARSE_BAD, "not HTTP/1.x");
  out->version_minor = (unsigned)(p[plen + 2] - '0');
  return HTTP_PARSE_OK;
}

/* Does the comma-separated list [v, end) hold @p token (any case)? */
static bool list_has(const char *v, const char *end, const char *token) {
  size_t tlen = strlen(token);
  while (v < end) {
    while (v < end && (is_space(*v) || *v == ','))
      v++;
    const char *e = v;
    while (e < end && *e != ',')
      e++;
    const char *t = e;
    while (t > v && is_space(t[-1]))
      t--;
    if ((size_t)(t - v) == tlen && strncasecmp(v, token, tlen) == 0)
      return true;
    v = e;
  }
  return false;
}

static bool name_is(struct line name, const char *want) {
  size_t n = strlen(want);
  return (size_t)(name.end - name.start) == n && strncasecmp(name.start, want, n) == 0;
}

static enum http_parse parse_header(struct line l, struct http_request *out, unsigned *hosts,
                                    int *connection) {
  if (is_space(*l.start))
    return fail(out, HTTP_PARSE_BAD, "header folded onto a continuation line");
  const char *p = l.start;
  while (p < l.end && is_tchar((unsigned char)*p))
    p++;
  if (p == l.start || p == l.end || *p != ':')
    return fail(out, HTTP_PARSE_BAD, "header line is not name:value (or space before the colon)");
  struct line name = {l.start, p};
  const char *v = p + 1, *end = l.end;
  for (const char *q = v; q < end; q++)
    if (!is_value_byte((unsigned char)*q))
      return fail(out, HTTP_PARSE_BAD, "control character in a header value");
  while (v < end && is_space(*v))
    v++;
  while (end > v && is_space(end[-1]))
    end--;

  if (name_is(name, "Host")) {
    (*hosts)++;
  } else if (name_is(name, "Connection")) {
    if (list_has(v, end, "close"))
      *connection = 0;
    else if (list_has(v, end, "keep-alive") && *connection < 0)
      *connection = 1;
  } else if (name_is(name, "Transfer-Encoding")) {
    out->chunked = true;
  } else if (name_is(name, "Content-Length")) {
    uint64_t n = 0;
    if (v == end || end - v > 18)
      return fail(out, HTTP_PARSE_BAD, "Content-Length empty or too long");
    for (const char *q = v; q < end; q++) {
      if (*q < '0' || *q > '9')
        return fail(out, HTTP_PARSE_BAD, "Content-Length is not a decimal number");
      n = n * 10 + (uint64_t)(*q - '0');
    }
    if (out->has_body_length && out->body_length != n)
      return fail(out, HTTP_PARSE_BAD, "two Content-Lengths that disagree");
    out->has_body_length = true;
    out->body_length = n;
  }
  return HTTP_PARSE_OK;
}

enum http_parse http_parse_request(const char *buf, size_t len, struct http_request *out) {
  memset(out, 0, sizeof *out);
  const char *limit = buf + (len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD);
  const char *p = buf;
  /* RFC 9112 2.2: empty lines before a request line are ignored. */
  while (p < limit && (*p == '\r' || *p == '\n'))
    p++;
  struct line l;
  const char *next;
  if (!next_line(p, limit, &l, &next))
    return len >= HTTP_MAX_HEAD ? fail(out, HTTP_PARSE_TOO_LARGE, "head over HTTP_MAX_HEAD bytes")
                                : HTTP_PARSE_INCOMPLETE;
  enum http_parse r = parse_request_line(l, out);
  if (r != HTTP_PARSE_OK)
    return r;

  /* The head is complete once a line is empty; look for it before reading
   * any header, so an incomplete head costs no more than this scan. */
  const char *q = next;
  struct line h;
  const char *after;
  for (;;) {
    if (!next_line(q, limit, &h, &after))
      return len >= HTTP_MAX_HEAD ? fail(out, HTTP_PARSE_TOO_LARGE, "head over HTTP_MAX_HEAD bytes")
                                  : HTTP_PARSE_INCOMPLETE;
    if (h.start == h.end)
      break;
    q = after;
  }
  out->head_length = (size_t)(after - buf);

  unsigned headers = 0, hosts = 0;
  int connection = -1; /* -1: no Connection token that matters; 0 close; 1 keep-alive */
  for (q = next; next_line(q, limit, &h, &after) && h.start != h.end; q = after) {
    if (++headers > HTTP_MAX_HEADERS)
      return fail(out, HTTP_PARSE_TOO_LARGE, "more than HTTP_MAX_HEADERS header fields");
    r = parse_header(h, out, &hosts, &connection);
    if (r != HTTP_PARSE_OK)
      return r;
  }
  if (out->version_minor >= 1 && hosts != 1)
    return fail(out, HTTP_PARSE_BAD, "HTTP/1.1 request without exactly one Host");
  if (hosts > 1)
    return fail(out, HTTP_PARSE_BAD, "more than one Host");
  out->keep_alive = out->version_minor >= 1 ? connection != 0 : connection == 1;
  return HTTP_PARSE_OK;
}
