/* The EL1 exception vector table and the common trap path.
 *
 * brigade runs only at EL1 on SP_EL1, so every exception arrives through the
 * "current EL with SP_ELx" group, on the interrupted code's own stack (a
 * task's or a core's boot stack), and the full frame goes there. Every
 * general and SIMD/FP register is saved, not just the caller-saved ones: an
 * interrupt handler may switch to another task (preemption), and the
 * interrupted task's every register must survive until it is resumed,
 * possibly on another core. ELR_EL1 and SPSR_EL1 are per core, so they are
 * saved in the frame and restored from it just before eret.
 */
#include "trap_frame.h"

/* One vector slot (128 bytes): make room for the frame, free two registers,
 * and go to the common path with the vector kind in x1. */
.macro vector kind
	.balign 0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X(0)]
	mov	x1, #\kind
	b	trap_common
.endm

	.section .text.vectors, "ax"
	.balign 0x800
	.global aarch64_vectors
aarch64_vectors:
	/* current EL with SP_EL0: brigade never runs on SP_EL0 */
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	/* current EL with SP_EL1: every trap brigade expects */
	vector TRAP_SYNC
	vector TRAP_IRQ
	vector TRAP_FIQ
	vector TRAP_SERROR
	/* lower EL, AArch64 and AArch32: there is no lower EL in use */
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR
	vector TRAP_UNEXPECTED_VECTOR

	.section .text
	.balign 4
trap_common:
	stp	x2, x3, [sp, #TF_X(2)]
	stp	x4, x5, [sp, #TF_X(4)]
	stp	x6, x7, [sp, #TF_X(6)]
	stp	x8, x9, [sp, #TF_X(8)]
	stp	x10, x11, [sp, #TF_X(10)]
	stp	x12, x13, [sp, #TF_X(12)]
	stp	x14, x15, [sp, #TF_X(14)]
	stp	x16, x17, [sp, #TF_X(16)]
	stp	x18, x19, [sp, #TF_X(18)]
	stp	x20, x21, [sp, #TF_X(20)]
	stp	x22, x23, [sp, #TF_X(22)]
	stp	x24, x25, [sp, #TF_X(24)]
	stp	x26, x27, [sp, #TF_X(26)]
	stp	x28, x29, [sp, #TF_X(28)]
	add	x2, sp, #TF_SIZE		/* the interrupted sp, for reports */
	stp	x30, x2, [sp, #TF_X(30)]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #TF_ELR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #TF_ESR]
	mrs	x2, fpcr
	mrs	x3, fpsr
	stp	x2, x3, [sp, #TF_FPCR]
	add	x2, sp, #TF_Q(0)
	stp	q0, q1, [x2, #0 * 32]
	stp	q2, q3, [x2, #1 * 32]
	stp	q4, q5, [x2, #2 * 32]
	stp	q6, q7, [x2, #3 * 32]
	stp	q8, q9, [x2, #4 * 32]
	stp	q10, q11, [x2, #5 * 32]
	stp	q12, q13, [x2, #6 * 32]
	stp	q14, q15, [x2, #7 * 32]
	stp	q16, q17, [x2, #8 * 32]
	stp	q18, q19, [x2, #9 * 32]
	stp	q20, q21, [x2, #10 * 32]
	stp	q22, q23, [x2, #11 * 32]
	stp	q24, q25, [x2, #12 * 32]
	stp	q26, q27, [x2, #13 * 32]
	stp	q28, q29, [x2, #14 * 32]
	stp	q30, q31, [x2, #15 * 32]

	mov	x0, sp
	mov	x29, #0			/* the frame chain ends here for backtraces */
	bl	aarch64_trap		/* (frame, kind) */

	/* The handler may have switched tasks and come back on another core:
	 * everything is reloaded from this frame except TPIDR_EL1 (the core
	 * pointer belongs to whichever core runs us now). */
	add	x2, sp, #TF_Q(0)
	ldp	q0, q1, [x2, #0 * 32]
	ldp	q2, q3, [x2, #1 * 32]
	ldp	q4, q5, [x2, #2 * 32]
	ldp	q6, q7, [x2, #3 * 32]
	ldp	q8, q9, [x2, #4 * 32]
	ldp	q10, q11, [x2, #5 * 32]
	ldp	q12, q13, [x2, #6 * 32]
	ldp	q14, q15, [x2, #7 * 32]
	ldp	q16, q17, [x2, #8 * 32]
	ldp	q18, q19, [x2, #9 * 32]
	ldp	q20, q21, [x2, #10 * 32]
	ldp	q22, q23, [x2, #11 * 32]
	ldp	q24, q25, [x2, #12 * 32]
	ldp	q26, q27, [x2, #13 * 32]
	ldp	q28, q29, [x2, #14 * 32]
	ldp	q30, q31, [x2, #15 * 32]
	ldp	x2, x3, [sp, #TF_FPCR]
	msr	fpcr, x2
	msr	fpsr, x3
	ldp	x2, x3, [sp, #TF_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #TF_X(0)]
	ldp	x2, x3, [sp, #TF_X(2)]
	ldp	x4, x5, [sp, #TF_X(4)]
	ldp	x6, x7, [sp, #TF_X(6)]
	ldp	x8, x9, [sp, #TF_X(8)]
	ldp	x10, x11, [sp, #TF_X(10)]
	ldp	x12, x13, [sp, #TF_X(12)]
	ldp	x14, x15, [sp, #TF_X(14)]
	ldp	x16, x17, [sp, #TF_X(16)]
	ldp	x18, x19, [sp, #TF_X(18)]
	ldp	x20, x21, [sp, #TF_X(20)]
	ldp	x22, x23, [sp, #TF_X(22)]
	ldp	x24, x25, [sp, #TF_X(24)]
	ldp	x26, x27, [sp, #TF_X(26)]
	ldp	x28, x29, [sp, #TF_X(28)]
	ldr	x30, [sp, #TF_X(30)]
	add	sp, sp, #TF_SIZE
	eret
