/**
 * @file trace.h
 * @brief The execution trace: one bounded event ring per core, written by
 *        the scheduler and the interrupt path, read by `trace dump` or by
 *        GDB (`brigade trace dump`) and drawn by scripts/trace2json.py.
 *
 * Rules:
 *  - Each core writes only its own ring (struct cpu.trace), and only with
 *    interrupts masked, so a ring has exactly one writer at any moment and
 *    recording needs no atomic read-modify-write.
 *  - When a ring is full the newest event overwrites the oldest; the reader
 *    counts what it could not read as lost, never reads a torn record as
 *    valid (kernel/trace.c argues the orderings).
 *  - Off, an event site costs one load and one predictable branch
 *    (TRACE()); the arguments are evaluated only when tracing is on.
 *
 * A record is 16 bytes: the core's clock (arch_now_ticks) in the upper 56
 * bits of the first word and the kind in the lower 8, and one 64-bit
 * argument whose meaning depends on the kind (below). A task is named by
 * its id; its name and a park's wait reason are string pointers, which the
 * dump resolves to text.
 */
#ifndef BRIGADE_TRACE_H
#define BRIGADE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** What happened. The numbers are the dump format's: append, never renumber. */
enum trace_kind {
  TRACE_SPAWN = 1,  /**< arg: new task id | spawning task id << 32 (0: none) */
  TRACE_TASK_NAME,  /**< arg: const char * name of the task of the SPAWN or TASK_LIVE before */
  TRACE_RUN,        /**< arg: task id; the core runs it from now on */
  TRACE_STOP,       /**< arg: task id | enum trace_stop << 32; the core left it */
  TRACE_PARK_REASON, /**< arg: const char * wait reason of the STOP (PARKED) just before */
  TRACE_READY,      /**< arg: task id, readied by this core (inside IRQ_ENTER/EXIT: by that line) */
  TRACE_STEAL,      /**< arg: victim core | tasks taken << 32; the next RUN here is the first */
  TRACE_IRQ_ENTER,  /**< arg: device interrupt line, or TRACE_IRQ_CLASS | enum irq_class */
  TRACE_IRQ_EXIT,   /**< arg: as its IRQ_ENTER */
  TRACE_TIMER,      /**< arg: id of the task the timer is for (0: none); a timer fired */
  TRACE_IDLE_SLEEP, /**< arg: 0; the core sleeps until an interrupt */
  TRACE_IDLE_WAKE,  /**< arg: 0 */
  TRACE_IPI_SEND,   /**< arg: target core */
  TRACE_IPI_RECV,   /**< arg: 0 */
  TRACE_TASK_LIVE,  /**< arg: id of a task that existed when tracing started; a TASK_NAME follows */
  TRACE_KINDS
};

/**
 * IRQ_ENTER/EXIT of an interrupt class that has no device line (the timer,
 * the IPI): the argument is this bit | enum irq_class (<brigade/irq.h>).
 * Device lines are below IRQ_LINES, so the two never meet; the number is
 * the dump format's.
 */
#define TRACE_IRQ_CLASS (1ull << 32)

/** Why a task stopped running (TRACE_STOP). */
enum trace_stop {
  TRACE_STOP_YIELD = 1,
  TRACE_STOP_PREEMPTED,
  TRACE_STOP_PARKED, /**< a TRACE_PARK_REASON follows */
  TRACE_STOP_EXITED,
};

/** One event: 16 bytes. */
struct trace_event {
  uint64_t stamp; /**< ticks << 8 | enum trace_kind */
  uint64_t arg;
};

/** A core's ring. The core writes it; anyone may read it (trace_read). */
struct trace_ring {
  uint64_t head;  /**< events ever written: the next one goes to ev[head & mask] */
  uint64_t first; /**< head when tracing last started: older events are stale */
  uint64_t mask;  /**< capacity - 1 (a power of two) */
  struct trace_event ev[];
};

/** Nonzero while tracing is on (read by every event site). */
extern uint32_t trace_on;

/**
 * @brief Record one event (@p kind: an enum trace_kind, passed as a full
 *        register so the callee need not widen it) on the calling core;
 *        interrupts must be masked.
 */
void trace_record(uint64_t kind, uint64_t arg);

/**
 * @brief The event site: one relaxed load and a branch predicted not taken
 *        when tracing is off; @p arg is evaluated only when it is on.
 */
#define TRACE(kind, arg)                                                    \
  do {                                                                      \
    if (__builtin_expect(__atomic_load_n(&trace_on, __ATOMIC_RELAXED), 0)) \
      trace_record((kind), (uint64_t)(arg));                                \
  } while (0)

/** Default ring size in events per core (16 bytes each). */
#define TRACE_DEFAULT_EVENTS 8192u

/**
 * @brief Start tracing on every core. The first start allocates each core's
 *        ring of @p events_per_core events (rounded up to a power of two; 0
 *        for the default); later starts reuse the rings and forget what they
 *        held. @retval 0 started  @retval -ENOMEM no memory for the rings
 */
int trace_start(unsigned events_per_core);

/** @brief Stop tracing; the rings keep what they hold for trace_read. */
void trace_stop(void);

/** @brief True while tracing is on. */
bool trace_running(void);

/** What trace_read copied out of one core's ring. */
struct trace_snapshot {
  uint64_t first; /**< index of out[0] in the core's event sequence */
  uint32_t count; /**< events copied */
  uint64_t lost;  /**< events since the start that were overwritten before this read */
};

/**
 * @brief Copy core @p core's events, oldest first, into @p out (room for
 *        @p cap events; a ring's capacity is trace_capacity()). Safe while
 *        the core keeps writing: an event overwritten during the copy is
 *        dropped and counted in lost. @retval false no such core or no ring.
 */
bool trace_read(unsigned core, struct trace_event *out, uint32_t cap, struct trace_snapshot *snap);

/** @brief Events per core ring (0 before the first trace_start). */
uint32_t trace_capacity(void);

/**
 * @brief Write every core's events as the framed text dump
 *        (docs/TRACING.md: base64 lines between begin and end markers, the
 *        end marker giving the length and CRC-32) through @p write.
 * @retval 0 written  @retval -ENOMEM no memory for a ring's copy
 *         @retval -ENODATA tracing never started
 */
int trace_dump(void (*write)(const char *text, size_t len, void *ctx), void *ctx);

/**
 * @brief Write the same framed dump as trace_dump into file @p name on the
 *        machine the board runs under (<brigade/host_file.h>): through
 *        semihosting on the bare-metal boards under QEMU with -semihosting
 *        (a relative name is relative to QEMU's working directory), into
 *        the process's own file system on the host board. The file is
 *        created or truncated; on an error it may hold part of the dump.
 * @return the bytes written, or a negative errno: -ENODATA tracing never
 *         started (no file is made), -ENODEV no semihosting host (QEMU
 *         without -semihosting, hardware with no debugger), -EINVAL an
 *         empty name, -ENOMEM, or the host's reason for failing to open or
 *         write the file (-ENOENT, -EACCES, -ENOSPC, ...).
 */
long trace_dump_to_host(const char *name);

#endif
