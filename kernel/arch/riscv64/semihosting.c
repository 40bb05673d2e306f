/* The RISC-V semihosting call (<brigade/semihosting.h>): the operation in
 * a0, the block in a1, the answer back in a0, and the call is this exact
 * three-instruction sequence, since QEMU (and a debugger) recognises an
 * ebreak as semihosting only between these two no-op shifts:
 *
 *   slli x0, x0, 0x1f
 *   ebreak
 *   srai x0, x0, 7
 *
 * They must be uncompressed and must not straddle a page, hence
 * .option norvc and the 16-byte alignment. QEMU serves it from S-mode when
 * it runs with -semihosting. Without it the ebreak is a breakpoint
 * exception, which OpenSBI delegates to S-mode: trap.c recognises one at
 * semihosting_ebreak_insn, puts SEMIHOSTING_NO_HOST in a0 and resumes at
 * the srai, so the call returns. noinline: the label must exist exactly
 * once.
 */
#include <stdint.h>

#include <brigade/semihosting.h>

__attribute__((noinline)) long semihosting_call(enum semihosting_op op, void *block) {
  register uintptr_t a0 __asm__("a0") = op;
  register uintptr_t a1 __asm__("a1") = (uintptr_t)block;
  __asm__ volatile(".option push\n"
                   ".option norvc\n"
                   ".balign 16\n"
                   "slli x0, x0, 0x1f\n"
                   ".global semihosting_ebreak_insn\n"
                   "semihosting_ebreak_insn:\n"
                   "ebreak\n"
                   "srai x0, x0, 7\n"
                   ".option pop\n"
                   : "+r"(a0)
                   : "r"(a1)
                   : "memory");
  return (long)a0;
}
