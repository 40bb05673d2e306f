/**
 * @file semihosting.h
 * @brief Semihosting: requests from the board to the machine it runs under
 *        (QEMU started with -semihosting, or a debugger that serves them).
 *
 * The operations and their parameter blocks are ARM's semihosting
 * specification; RISC-V's semihosting reuses them unchanged, so only the
 * instruction that makes the call is the arch's
 * (kernel/arch/<arch>/semihosting.c): HLT #0xf000 on AArch64, the
 * uncompressed "slli x0, x0, 0x1f; ebreak; srai x0, x0, 7" on RISC-V.
 *
 * Rule: asking is always safe. Without a host the instruction is an
 * ordinary trap (undefined instruction on AArch64, breakpoint on RISC-V,
 * which OpenSBI hands to S-mode); the arch's trap handler recognises it at
 * the call's own address and makes the call return SEMIHOSTING_NO_HOST, so
 * the caller can report it. The one exception is hardware with a debugger
 * attached that does not serve semihosting: it halts at the call, as at
 * any breakpoint.
 */
#ifndef BRIGADE_SEMIHOSTING_H
#define BRIGADE_SEMIHOSTING_H

/** The operations brigade uses (the specification's numbers). */
enum semihosting_op {
  SEMIHOSTING_SYS_OPEN = 0x01,          /**< block: name, mode, name length -> handle or -1 */
  SEMIHOSTING_SYS_CLOSE = 0x02,         /**< block: handle -> 0 or -1 */
  SEMIHOSTING_SYS_WRITE = 0x05,         /**< block: handle, buffer, length -> bytes NOT written */
  SEMIHOSTING_SYS_ERRNO = 0x13,         /**< no block -> the host's errno of the last call */
  SEMIHOSTING_SYS_EXIT_EXTENDED = 0x20, /**< block: reason, code; returns only without a host */
};

/** SYS_OPEN's mode 4: "w", create or truncate for writing. */
#define SEMIHOSTING_OPEN_WRITE 4

/**
 * What semihosting_call returns when nobody served it (no host). None of
 * the operations above returns it: they return -1 or a value >= 0.
 */
#define SEMIHOSTING_NO_HOST (-2L)

/**
 * @brief Make semihosting request @p op with parameter block @p block
 *        (machine words, as the operation says). Any core, any context;
 *        the host serves it before the call returns.
 * @return the host's answer, or SEMIHOSTING_NO_HOST.
 */
long semihosting_call(enum semihosting_op op, void *block);

#endif
