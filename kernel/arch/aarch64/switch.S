/* void *arch_switch(void **save_sp, void *next_sp, void *arg)
 *
 * A voluntary switch is a function call, so only what AAPCS64 makes
 * callee-saved needs saving: x19-x28, the frame pointer x29, the link
 * register x30 and the low halves of v8-v15 (d8-d15); the caller already
 * treats the rest as clobbered. They go on the outgoing stack, and the stack
 * pointer is then published in *save_sp with a store-release: whoever
 * resumes this context reads *save_sp with acquire ordering, so no core can
 * resume a half-saved context (the release orders every store of the save
 * before it).
 *
 * d8-d15, with FPCR (the rounding mode) and FPSR (the accrued exception
 * flags), are saved only for a task that has FP state, which
 * CPACR_EL1.FPEN tells: a task starts with FP/SIMD access off
 * (arch_init_stack), and its first FP or SIMD instruction traps;
 * trap_entry.S turns access on, starts the task's FPCR and FPSR at their
 * defaults and retries it. The frame keeps CPACR_EL1 as it was at the
 * switch-out, and the switch-in puts it back, so a task that once used FP
 * keeps access on and its FP state saved at every switch, and a task that
 * never did pays no FP save or load. Access goes off again only when a
 * switch brings in a task without: an isb then makes sure that task's first
 * FP instruction traps (instead of running untracked on the registers of
 * the task before). What trap_entry.S relies on follows: access off at a
 * trap means the interrupted context holds no FP value.
 */
#include "sysreg.h"

#define FRAME (24 * 8)
#define FRAME_FPCR (20 * 8)	/* and FPSR at word 21 */
#define FRAME_CPACR (22 * 8)	/* CPACR_EL1 at the switch-out; word 23 pads */

.macro save_general
	stp	x19, x20, [sp, #0 * 8]
	stp	x21, x22, [sp, #2 * 8]
	stp	x23, x24, [sp, #4 * 8]
	stp	x25, x26, [sp, #6 * 8]
	stp	x27, x28, [sp, #8 * 8]
	stp	x29, x30, [sp, #10 * 8]
.endm

/* Take the incoming frame and load its general registers; leaves the
 * incoming frame's CPACR_EL1 in x10. */
.macro load_general
	mov	sp, x1
	ldp	x19, x20, [sp, #0 * 8]
	ldp	x21, x22, [sp, #2 * 8]
	ldp	x23, x24, [sp, #4 * 8]
	ldp	x25, x26, [sp, #6 * 8]
	ldp	x27, x28, [sp, #8 * 8]
	ldp	x29, x30, [sp, #10 * 8]
	ldr	x10, [sp, #FRAME_CPACR]
.endm

/* Publish the outgoing frame, then load the incoming one. */
.macro publish_and_load_general
	mov	x10, sp
	stlr	x10, [x0]		/* release: every store of the save before it */
	load_general
.endm

	.section .text
	.balign 4
	.global arch_switch
arch_switch:
	sub	sp, sp, #FRAME
	save_general
	mrs	x9, cpacr_el1
	str	x9, [sp, #FRAME_CPACR]
	tbnz	x9, #CPACR_FPEN_EL1_BIT, .Lout_has_fp
	publish_and_load_general
.Lin_after_no_fp_out:
	tbnz	x10, #CPACR_FPEN_EL1_BIT, .Lin_has_fp_access_off
.Ldone:
	add	sp, sp, #FRAME
	mov	x0, x2
	ret

	/* The outgoing task has FP state. */
.Lout_has_fp:
	stp	d8, d9, [sp, #12 * 8]
	stp	d10, d11, [sp, #14 * 8]
	stp	d12, d13, [sp, #16 * 8]
	stp	d14, d15, [sp, #18 * 8]
	mrs	x11, fpcr
	mrs	x12, fpsr
	stp	x11, x12, [sp, #FRAME_FPCR]
	publish_and_load_general
.Lin_after_fp_out:
	tbnz	x10, #CPACR_FPEN_EL1_BIT, .Lload_fp
	msr	cpacr_el1, x10		/* access off for a task without FP state */
	isb
	b	.Ldone

	/* The incoming task has FP state, the outgoing one had none. */
.Lin_has_fp_access_off:
	msr	cpacr_el1, x10
	isb				/* the loads below must see access on */
.Lload_fp:
	ldp	d8, d9, [sp, #12 * 8]
	ldp	d10, d11, [sp, #14 * 8]
	ldp	d12, d13, [sp, #16 * 8]
	ldp	d14, d15, [sp, #18 * 8]
	ldp	x11, x12, [sp, #FRAME_FPCR]
	msr	fpcr, x11
	msr	fpsr, x12
	b	.Ldone

/* void aarch64_switch_final(void **save_sp, void *next_sp, void *arg)
 *
 * arch_switch_final: the switch away from a task that has exited. Nothing
 * will resume it, so nothing of it is saved and *save_sp is not written:
 * it stays NULL, as claim_next left it when the task began to run, and
 * nothing waits on it (no queue holds an exited task). No ordering is
 * lost with the publish either: what the task wrote before it exited is
 * read on this core by the scheduler that frees it, in program order, and
 * by other cores only through the synchronization of whatever it used
 * (a waitgroup, a channel). The switch-in only needs to know whether FP
 * access was on, to turn it off for an incoming task without: the exited
 * task's FP registers are dropped, not saved. */
	.global aarch64_switch_final
aarch64_switch_final:
	mrs	x9, cpacr_el1
	load_general
	tbnz	x9, #CPACR_FPEN_EL1_BIT, .Lin_after_fp_out
	b	.Lin_after_no_fp_out

/* First "return" of a new task: arch_init_stack put the entry in x19 and its
 * argument in x20; x0 holds the arg of the arch_switch that started us. */
	.global arch_task_trampoline
arch_task_trampoline:
	mov	x1, x0
	mov	x0, x20
	mov	x29, #0			/* end of backtraces */
	mov	x30, #0
	br	x19
