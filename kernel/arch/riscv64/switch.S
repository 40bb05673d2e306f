/* void *arch_switch(void **save_sp, void *next_sp, void *arg)
 *
 * A voluntary switch is a function call, so only the callee-saved registers
 * (ra, s0-s11, fs0-fs11) need saving; the caller already treats the rest as
 * clobbered. They go on the outgoing stack, and the stack pointer is then
 * published in *save_sp. Whoever resumes this context reads *save_sp with
 * acquire ordering; the fence below makes every store of the save visible
 * first, so no core can resume a half-saved context.
 *
 * fs0-fs11 and fcsr (the rounding mode and the accrued exception flags)
 * are saved only for a task that has FP state, which sstatus.FS tells:
 * Initial (1) means the running task holds no FP value, Clean (2) or Dirty
 * (3) that it may (FS turns Dirty by itself at any FP register or fcsr
 * write). Frame word 25 records which, and the switch-in sets FS from it:
 * Clean after loading the task's FP state (the loads made it Dirty),
 * Initial for a task without, with fcsr back at its default (0: round to
 * nearest, no flags), so that a task's first FP instruction does not see
 * the environment of the task before. So a task that once wrote an FP
 * register keeps its FP state saved at every switch, written since or not,
 * and a task that never did pays no FP save or load. The boot sets FS to
 * Initial and fcsr to 0 (arch_forget_fp_state), and a new task's frame
 * says "no FP" (arch.c). What trap_entry.S relies on still holds: FS not
 * Dirty at a trap means no FP register changed since the task was switched
 * in.
 */
#define FRAME (28 * 8)
#define FRAME_HAS_FP (25 * 8)	/* 1: fs0-fs11 and fcsr are in this frame */
#define FRAME_FCSR (26 * 8)	/* word 27 pads */
#define SSTATUS_FS_LO (1 << 13)	/* FS bit 13 (lui operand 2) */
#define SSTATUS_FS_HI_SHIFT 14	/* FS bit 14: set for Clean and Dirty */

/* reg = 1 if the outgoing task has FP state (FS Clean or Dirty), else 0. */
.macro outgoing_has_fp reg
	csrr	\reg, sstatus
	srli	\reg, \reg, SSTATUS_FS_HI_SHIFT
	andi	\reg, \reg, 1
.endm

	.section .text
	.balign 4
	.global arch_switch
arch_switch:
	addi	sp, sp, -FRAME
	sd	ra, 0*8(sp)
	sd	s0, 1*8(sp)
	sd	s1, 2*8(sp)
	sd	s2, 3*8(sp)
	sd	s3, 4*8(sp)
	sd	s4, 5*8(sp)
	sd	s5, 6*8(sp)
	sd	s6, 7*8(sp)
	sd	s7, 8*8(sp)
	sd	s8, 9*8(sp)
	sd	s9, 10*8(sp)
	sd	s10, 11*8(sp)
	sd	s11, 12*8(sp)
	outgoing_has_fp t1
	sd	t1, FRAME_HAS_FP(sp)
	beqz	t1, .Lsaved
	fsd	fs0, 13*8(sp)
	fsd	fs1, 14*8(sp)
	fsd	fs2, 15*8(sp)
	fsd	fs3, 16*8(sp)
	fsd	fs4, 17*8(sp)
	fsd	fs5, 18*8(sp)
	fsd	fs6, 19*8(sp)
	fsd	fs7, 20*8(sp)
	fsd	fs8, 21*8(sp)
	fsd	fs9, 22*8(sp)
	fsd	fs10, 23*8(sp)
	fsd	fs11, 24*8(sp)
	frcsr	t2
	sd	t2, FRAME_FCSR(sp)
.Lsaved:
	/* Release: the saves above happen-before the store that publishes them. */
	fence	rw, w
	sd	sp, 0(a0)
.Lswitch_in:
	mv	sp, a1
	ld	ra, 0*8(sp)
	ld	s0, 1*8(sp)
	ld	s1, 2*8(sp)
	ld	s2, 3*8(sp)
	ld	s3, 4*8(sp)
	ld	s4, 5*8(sp)
	ld	s5, 6*8(sp)
	ld	s6, 7*8(sp)
	ld	s7, 8*8(sp)
	ld	s8, 9*8(sp)
	ld	s9, 10*8(sp)
	ld	s10, 11*8(sp)
	ld	s11, 12*8(sp)
	ld	t0, FRAME_HAS_FP(sp)
	bnez	t0, .Lload_fp
	/* No FP state comes in. FS is still what the save above read (nothing
	 * in between touches FP): Initial already when the outgoing task had
	 * none either, which is the common case and costs nothing more (fcsr
	 * is then 0 already). */
	beqz	t1, .Ldone
	fscsr	zero			/* the default environment; FS Dirty */
	lui	t0, SSTATUS_FS_LO >> 12
	csrs	sstatus, t0		/* Clean or Dirty -> Dirty */
	slli	t0, t0, 1
	csrc	sstatus, t0		/* Dirty -> Initial */
	j	.Ldone
.Lload_fp:
	fld	fs0, 13*8(sp)
	fld	fs1, 14*8(sp)
	fld	fs2, 15*8(sp)
	fld	fs3, 16*8(sp)
	fld	fs4, 17*8(sp)
	fld	fs5, 18*8(sp)
	fld	fs6, 19*8(sp)
	fld	fs7, 20*8(sp)
	fld	fs8, 21*8(sp)
	fld	fs9, 22*8(sp)
	fld	fs10, 23*8(sp)
	fld	fs11, 24*8(sp)
	ld	t0, FRAME_FCSR(sp)
	fscsr	t0
	/* The loads left FS Dirty; Clean says "this task's FP state, as
	 * loaded". Dirty is 3, Clean 2: clear bit 13. */
	lui	t0, SSTATUS_FS_LO >> 12
	csrc	sstatus, t0
.Ldone:
	addi	sp, sp, FRAME
	mv	a0, a2
	ret

/* void riscv_switch_final(void **save_sp, void *next_sp, void *arg)
 *
 * arch_switch_final: the switch away from a task that has exited. Nothing
 * will resume it, so nothing of it is saved and *save_sp is not written:
 * it stays NULL, as claim_next left it when the task began to run, and
 * nothing waits on it (no queue holds an exited task). No ordering is
 * lost with the publish either: what the task wrote before it exited is
 * read on this core by the scheduler that frees it, in program order, and
 * by other cores only through the synchronization of whatever it used
 * (a waitgroup, a channel). The switch-in only needs to know whether FP
 * state goes out (t1), to reset fcsr and FS for an incoming task without:
 * the exited task's FP registers are dropped, not saved. */
	.global riscv_switch_final
riscv_switch_final:
	outgoing_has_fp t1		/* .Lswitch_in reads it */
	j	.Lswitch_in

/* First "return" of a new task: arch_init_stack put the entry in s0 and its
 * argument in s1; a0 holds the arg of the arch_switch that started us. */
	.global arch_task_trampoline
arch_task_trampoline:
	mv	a1, a0
	mv	a0, s1
	mv	ra, zero		/* end of backtraces */
	jr	s0
