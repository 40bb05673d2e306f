/* An HTTP/1.x request head, parsed from the bytes a connection has
 * received so far (RFC 9112's request line and header fields), with fixed
 * limits so that no client can make the server hold more than
 * HTTP_MAX_HEAD bytes for a request.
 *
 * What is refused as malformed (HTTP_PARSE_BAD, answered 400): a request
 * line that is not `METHOD SP /target SP HTTP/d.d`, a method that is not
 * a token, a target that does not start with '/' or holds a space or a
 * control character, a header line without a colon, with white space
 * before its colon, or folded onto the next line (obsolete), a header name
 * that is not a token, a control character in a value, a Content-Length
 * that is not a decimal number or disagrees with another one, an HTTP/1.1
 * request without a Host. Lines end with CRLF or a bare LF. */
#ifndef HTTPD_HTTP_REQUEST_H
#define HTTPD_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most bytes a request head may take, request line to blank line. */
#define HTTP_MAX_HEAD 2048
/** Most header fields in one request. */
#define HTTP_MAX_HEADERS 32
/** Longest method and target kept (a longer one is answered 400 / 413). */
#define HTTP_MAX_METHOD 15
#define HTTP_MAX_TARGET 255

enum http_parse {
  HTTP_PARSE_OK,         /**< a whole head: *out is filled */
  HTTP_PARSE_INCOMPLETE, /**< no blank line yet, and under the limit: read more */
  HTTP_PARSE_BAD,        /**< malformed: answer 400 (out->error says why) */
  HTTP_PARSE_TOO_LARGE,  /**< the head, the target or the header count is over its limit: 413 */
};

struct http_request {
  char method[HTTP_MAX_METHOD + 1];
  char target[HTTP_MAX_TARGET + 1];
  unsigned version_minor;     /**< HTTP/1.<this>; other majors are refused as BAD */
  bool keep_alive;            /**< the connection stays open after the answer: HTTP/1.1
                                   unless "Connection: close"; HTTP/1.0 only with
                                   "Connection: keep-alive" */
  bool has_body_length;       /**< a Content-Length was given */
  uint64_t body_length;       /**< its value (0 without one) */
  bool chunked;               /**< a Transfer-Encoding was given (not served) */
  size_t head_length;         /**< bytes of the head, blank line included: the
                                   next request (pipelined) starts after them */
  const char *error;          /**< for BAD and TOO_LARGE: what was wrong */
};

/**
 * Parse the head at the start of @p buf (@p len bytes received so far).
 * Looks only at the first HTTP_MAX_HEAD bytes: if no blank line ends the
 * head within them the answer is HTTP_PARSE_TOO_LARGE, never a wait for
 * more. Leading empty lines (allowed before a request) are skipped.
 */
enum http_parse http_parse_request(const char *buf, size_t len, struct http_request *out);

#endif
