/**
 * @file chan.h
 * @brief Channels and select, as in Go: tasks hand values to each other
 *        through a typed-by-size queue, blocking when it is full or empty.
 *
 *   struct chan *c = chan_make(sizeof(int), 0, "results");  // unbuffered
 *   // producer task:                 // consumer task:
 *   int v = 42;                       int v;
 *   chan_send(c, &v);                 while (chan_recv(c, &v)) use(v);
 *   chan_close(c);
 *
 * An unbuffered channel (capacity 0) is a rendezvous: a send returns once a
 * receiver has the value. A buffered one holds up to its capacity. Values
 * are copied (elem_size bytes) in and out; a waiting partner gets the value
 * copied straight into its own variable, never through the buffer.
 *
 * Misuse that Go turns into a run-time panic panics here too, with the
 * channel's name and address and the calling task's id and name: sending
 * on a closed channel, closing a closed channel, closing a NULL channel.
 * Go blocks forever on a send or receive on a nil channel; brigade panics
 * instead, because on bare metal a task silently stuck for ever is much
 * harder to find than a report, and a NULL channel outside select is
 * always a bug (usually a failed or forgotten chan_make).
 *
 * Blocking calls are for task context only. No call here takes a global
 * lock: each channel has its own spinlock.
 */
#ifndef BRIGADE_CHAN_H
#define BRIGADE_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chan;

/**
 * @brief Create a channel of @p capacity elements of @p elem_size bytes.
 *
 * @param elem_size  bytes per value; 0 is allowed (a channel of events)
 * @param capacity   0 for an unbuffered (synchronous) channel
 * @param name       shown in panic reports; not copied, must outlive the
 *                   channel; may be NULL
 * @return the channel, or NULL when there is not enough memory (or
 *         elem_size * capacity does not fit in a size_t)
 */
struct chan *chan_make(size_t elem_size, size_t capacity, const char *name);

/**
 * @brief Free a channel. No task may use it any more: none blocked on it,
 *        none still inside a select that names it. A task found still
 *        waiting on it is reported with a panic (it would wake on freed
 *        memory). chan_free(NULL) does nothing. Closing first is not
 *        required.
 */
void chan_free(struct chan *c);

/**
 * @brief Send the value at @p elem (elem_size bytes). Blocks until a
 *        receiver takes it (unbuffered) or there is room in the buffer.
 *
 * Panics when the channel is closed, or is closed while this task waits,
 * and when @p c is NULL.
 */
void chan_send(struct chan *c, const void *elem);

/**
 * @brief Receive a value into @p elem (may be NULL to drop it). Blocks until
 *        a value is there or the channel is closed.
 *
 * @retval true   a value was received
 * @retval false  the channel is closed and empty; @p elem is zeroed (Go's
 *                zero value and ok == false)
 *
 * Panics when @p c is NULL.
 */
bool chan_recv(struct chan *c, void *elem);

/**
 * @brief Close the channel: no more sends. Values already buffered can still
 *        be received; after them every receive returns false at once.
 *
 * Every task blocked receiving wakes and gets false; every task blocked
 * sending wakes and panics ("send on closed channel"), as in Go. Panics
 * when the channel is already closed or @p c is NULL.
 */
void chan_close(struct chan *c);

/** @brief Values buffered now (0 for NULL and for unbuffered channels). */
size_t chan_len(struct chan *c);

/** @brief Buffer capacity given to chan_make (0 for NULL). */
size_t chan_cap(struct chan *c);

/**
 * @brief Send without blocking: Go's select with one send case and a default.
 * @return true if the value was taken (by a waiting receiver or into the
 *         buffer), false if the send would have blocked.
 *
 * Panics when the channel is closed or @p c is NULL.
 */
bool chan_try_send(struct chan *c, const void *elem);

/** Outcome of chan_try_recv. */
enum chan_try {
  CHAN_TRY_RECEIVED,    /**< a value was copied out */
  CHAN_TRY_WOULD_BLOCK, /**< nothing there and the channel is open */
  CHAN_TRY_CLOSED,      /**< closed and empty; the element was zeroed */
};

/**
 * @brief Receive without blocking into @p elem (may be NULL).
 *
 * Panics when @p c is NULL.
 */
enum chan_try chan_try_recv(struct chan *c, void *elem);

/* ---- select ----------------------------------------------------------- */

/** Direction of a select case. */
enum chan_dir {
  CHAN_SEND,
  CHAN_RECV,
};

/**
 * @brief One case of a select.
 *
 * A case whose @c chan is NULL is never ready, as a nil channel in a Go
 * select: set it to NULL to switch a case off without reshaping the array.
 */
struct chan_case {
  struct chan *chan; /**< the channel, or NULL for a case that never fires */
  enum chan_dir dir;
  void *elem;        /**< CHAN_SEND: the value to send; CHAN_RECV: where to
                          store the value (may be NULL to drop it) */
  bool ok;           /**< out, set on the case that fired: for CHAN_RECV,
                          true if a value came, false if the channel is
                          closed (elem zeroed); for CHAN_SEND, true */
};

/** chan_select's result when @p has_default was set and no case was ready. */
#define CHAN_SELECT_DEFAULT (-1)
/** chan_select's result when the timeout passed before any case was ready. */
#define CHAN_SELECT_TIMEOUT (-2)
/** timeout_ns for a select that waits as long as it takes. */
#define CHAN_NO_TIMEOUT ((int64_t)-1)
/** Most cases one select may have: select keeps about 50 bytes per case
 *  (its waiting record, poll order and lock order) on the caller's stack. */
#define CHAN_SELECT_MAX_CASES 64

/**
 * @brief Wait until one of @p n cases can proceed, do it, and return its
 *        index, as Go's select statement.
 *
 * When several cases are ready, one is chosen uniformly at random, so no
 * channel can starve another. Exactly one case fires: its value moves and
 * nothing happens on the others.
 *
 * @param has_default  don't wait: return CHAN_SELECT_DEFAULT at once when
 *                     no case is ready (Go's default clause)
 * @param timeout_ns   give up after this many nanoseconds and return
 *                     CHAN_SELECT_TIMEOUT; never earlier. 0 means poll once;
 *                     negative (CHAN_NO_TIMEOUT) means no timeout.
 * @return the index of the case that fired, CHAN_SELECT_DEFAULT or
 *         CHAN_SELECT_TIMEOUT
 *
 * A send case on a closed channel panics, as in Go, when it is chosen. A
 * select that could never return (no non-NULL case, no default, no
 * timeout) panics rather than block forever, and so does one with more
 * than CHAN_SELECT_MAX_CASES cases.
 */
int chan_select(struct chan_case *cases, size_t n, bool has_default, int64_t timeout_ns);

#endif
