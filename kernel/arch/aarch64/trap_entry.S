/* The EL1 exception vector table and the common trap path.
 *
 * brigade runs at EL1 on SP_EL0 ("EL1t"): tasks, the cores' boot stacks
 * and the scheduler all use SP_EL0, which arch_switch moves from stack to
 * stack. SP_EL1 holds each core's exception stack (struct cpu's
 * exception_stack_top; the boot core starts on a static early one), and
 * the hardware selects it on every exception. So every trap arrives through
 * the "current EL with SP_EL0" group, already on the exception stack, and:
 *
 * - an IRQ goes back to SP_EL0 (msr spsel, #0: one instruction) and puts
 *   its frame on the interrupted stack. Its handler may switch to another
 *   task (preemption), and the interrupted task's every register must go
 *   with it, to be resumed possibly on another core: so the frame must live
 *   on the task's own stack, not on anything per core.
 * - a synchronous exception (a fault, a breakpoint), an FIQ or an SError
 *   keeps its frame on the exception stack. A task that faults because its
 *   stack is exhausted is then reported, instead of faulting again on its
 *   own frame. These handlers never switch tasks and never unmask
 *   interrupts (trap.c), so the frame is consumed on the core that made it.
 * - an exception inside one of those handlers (at EL1 on SP_EL1, "EL1h")
 *   arrives through the "current EL with SP_ELx" group and puts its frame
 *   below the one being handled. A panic inside a panic report stops the
 *   machine (kernel/panic.c), so nesting stays a few frames deep.
 *
 * Every general register is saved, not just the caller-saved ones, and
 * every SIMD/FP register with FPCR and FPSR when the interrupted context
 * has FP access on (CPACR_EL1.FPEN, kept per task by switch.S): with access
 * off it holds no FP value, and the frame records which (TF_CPACR). ELR_EL1
 * and SPSR_EL1 are per core, so they are saved in the frame and restored
 * from it just before eret; SPSR's mode field (EL1t) takes the interrupted
 * code back to SP_EL0.
 *
 * A task's first FP or SIMD instruction traps (ESR class 0x07): both
 * synchronous vectors turn access on and retry the instruction (eret is a
 * context synchronization event, so it sees access on), before the common
 * path and any C code. From then on the task is one with FP state. A
 * handler's own FP use on top of a context without ends at its return,
 * which turns access back off.
 */
#include "sysreg.h"
#include "trap_frame.h"

/* Each vector slot (128 bytes) makes room for the frame, frees two
 * registers, and goes to the common path with the interrupted sp in x0 and
 * the vector kind in x1. */

/* From EL1t, keeping the frame on the exception stack (SP_EL1). */
.macro on_exception_stack kind
	.balign 0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X(0)]
	.if \kind == TRAP_SYNC
	fp_access_on_first_use
	.endif
	mrs	x0, sp_el0		/* the interrupted sp */
	mov	x1, #\kind
	b	trap_common
.endm

/* In a synchronous vector, x0 and x1 saved at the frame's TF_X(0): an FP
 * access trap goes to fp_first_use; anything else falls through with x0
 * clobbered. */
.macro fp_access_on_first_use
	mrs	x0, esr_el1
	ubfx	x0, x0, #ESR_EC_SHIFT, #6
	cmp	x0, #ESR_EC_FP_ACCESS
	b.eq	fp_first_use
.endm

/* From EL1t, with the frame on the interrupted stack (SP_EL0). Interrupts
 * stay masked (PSTATE.I, set on entry) while the handler runs there; a
 * fault inside it comes back through on_exception_stack. */
.macro on_interrupted_stack kind
	.balign 0x80
	/* The interrupted stack may be a task's growable stack
	 * (kernel/stack_slot_paging.c): a store to it may take a translation fault
	 * that maps one more page and returns, and that nested exception
	 * overwrites ELR_EL1 and SPSR_EL1. So they are read into x0 and x1
	 * first (a nested exception saves and restores every register), those
	 * two kept on the exception stack meanwhile (SP_EL1, always mapped; a
	 * nested exception's frame goes below them), and put back only after
	 * the first stores to the interrupted stack. */
	stp	x0, x1, [sp, #-16]!
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	msr	spsel, #0
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_ELR]	/* the first store that may fault */
	msr	spsel, #1
	ldp	x0, x1, [sp], #16
	msr	spsel, #0
	stp	x0, x1, [sp, #TF_X(0)]
	add	x0, sp, #TF_SIZE	/* the interrupted sp */
	mov	x1, #\kind
	b	trap_common_elr_saved
.endm

/* From EL1h: inside a handler already on the exception stack; the frame
 * goes below the one being handled. */
.macro nested kind
	.balign 0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X(0)]
	.if \kind == TRAP_SYNC
	fp_access_on_first_use
	.endif
	add	x0, sp, #TF_SIZE	/* the interrupted sp */
	mov	x1, #\kind
	b	trap_common
.endm

	.section .text.vectors, "ax"
	.balign 0x800
	.global aarch64_vectors
aarch64_vectors:
	/* current EL with SP_EL0: every trap brigade expects */
	on_exception_stack TRAP_SYNC
	on_interrupted_stack TRAP_IRQ
	on_exception_stack TRAP_FIQ
	on_exception_stack TRAP_SERROR
	/* current EL with SP_EL1: inside an exception handler, whose
	 * interrupts are masked, so only a synchronous exception or an SError */
	nested TRAP_SYNC
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_SERROR
	/* lower EL, AArch64 and AArch32: there is no lower EL in use */
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR
	nested TRAP_UNEXPECTED_VECTOR

	.section .text
	.balign 4
/* An FP or SIMD instruction with access off: turn access on, start FPCR
 * and FPSR at their defaults (round to nearest, no flags: what the task
 * before left there is not this context's), and retry the instruction.
 * The frame was only room for x0 and x1; nothing else is touched. */
fp_first_use:
	mrs	x0, cpacr_el1
	orr	x0, x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	isb				/* the two writes below must see access on */
	msr	fpcr, xzr
	msr	fpsr, xzr
	ldp	x0, x1, [sp, #TF_X(0)]
	add	sp, sp, #TF_SIZE
	eret

trap_common:
	/* On the exception stack (nothing here can fault): ELR and SPSR. */
	stp	x2, x3, [sp, #TF_X(2)]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #TF_ELR]
	b	1f
trap_common_elr_saved:
	/* An IRQ on the interrupted stack: ELR and SPSR are in the frame. */
	stp	x2, x3, [sp, #TF_X(2)]
1:
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
	stp	x30, x0, [sp, #TF_X(30)]	/* x30, the interrupted sp */
	mrs	x2, esr_el1		/* for an IRQ, meaningless (a nested fault may have changed them) */
	mrs	x3, far_el1
	stp	x2, x3, [sp, #TF_ESR]
	mrs	x2, cpacr_el1
	str	x2, [sp, #TF_CPACR]
	tbz	x2, #CPACR_FPEN_EL1_BIT, 1f	/* no FP state to save */
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
1:
	mov	x0, sp
	mov	x29, #0			/* the frame chain ends here for backtraces */
	bl	aarch64_trap		/* (frame, kind) */

	/* The handler may have switched tasks and come back on another core:
	 * everything is reloaded from this frame except TPIDR_EL1 (the core
	 * pointer belongs to whichever core runs us now). FP access is on
	 * again if it was on at entry: only a switch brings in a context's
	 * access, and it brings back what that context had when it left. If
	 * it was off, a handler may have turned it on by using FP, for values
	 * that are dead now: it goes back off (the eret below synchronizes),
	 * so a handler's FP does not give the interrupted context FP state. */
	ldr	x2, [sp, #TF_CPACR]
	tbnz	x2, #CPACR_FPEN_EL1_BIT, 2f
	mrs	x3, cpacr_el1
	tbz	x3, #CPACR_FPEN_EL1_BIT, 1f
	msr	cpacr_el1, x2
	b	1f
2:
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
1:
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

	/* The boot core's exception stack until kernel_boot gives it its own
	 * (arch_exception_stack_ready); secondary cores get theirs before they
	 * start. */
	.section .bss
	.balign 16
	.skip	16 * 1024
	.global aarch64_early_exception_stack_top
aarch64_early_exception_stack_top:
