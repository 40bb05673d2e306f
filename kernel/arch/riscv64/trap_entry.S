/* Every trap (exception or interrupt) in S-mode enters here.
 *
 * brigade runs only in S-mode, so the trap arrives on the interrupted code's
 * own stack (a task's or a core's boot stack) and the full frame goes there.
 * All integer and FP registers are saved, not just caller-saved ones: the
 * handler may switch to another task (preemption), and the interrupted task's
 * every register must survive until it is resumed, possibly on another core.
 */
#include "trap_frame.h"

	.section .text
	.balign 4
	.global trap_entry
trap_entry:
	addi	sp, sp, -TF_SIZE
	sd	x1, TF_X(1)(sp)
	sd	x3, TF_X(3)(sp)
	sd	x4, TF_X(4)(sp)
	sd	x5, TF_X(5)(sp)
	sd	x6, TF_X(6)(sp)
	sd	x7, TF_X(7)(sp)
	sd	x8, TF_X(8)(sp)
	sd	x9, TF_X(9)(sp)
	sd	x10, TF_X(10)(sp)
	sd	x11, TF_X(11)(sp)
	sd	x12, TF_X(12)(sp)
	sd	x13, TF_X(13)(sp)
	sd	x14, TF_X(14)(sp)
	sd	x15, TF_X(15)(sp)
	sd	x16, TF_X(16)(sp)
	sd	x17, TF_X(17)(sp)
	sd	x18, TF_X(18)(sp)
	sd	x19, TF_X(19)(sp)
	sd	x20, TF_X(20)(sp)
	sd	x21, TF_X(21)(sp)
	sd	x22, TF_X(22)(sp)
	sd	x23, TF_X(23)(sp)
	sd	x24, TF_X(24)(sp)
	sd	x25, TF_X(25)(sp)
	sd	x26, TF_X(26)(sp)
	sd	x27, TF_X(27)(sp)
	sd	x28, TF_X(28)(sp)
	sd	x29, TF_X(29)(sp)
	sd	x30, TF_X(30)(sp)
	sd	x31, TF_X(31)(sp)
	addi	t0, sp, TF_SIZE
	sd	t0, TF_X(2)(sp)		/* the interrupted sp, for reports */
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	fsd	f0, TF_F(0)(sp)
	fsd	f1, TF_F(1)(sp)
	fsd	f2, TF_F(2)(sp)
	fsd	f3, TF_F(3)(sp)
	fsd	f4, TF_F(4)(sp)
	fsd	f5, TF_F(5)(sp)
	fsd	f6, TF_F(6)(sp)
	fsd	f7, TF_F(7)(sp)
	fsd	f8, TF_F(8)(sp)
	fsd	f9, TF_F(9)(sp)
	fsd	f10, TF_F(10)(sp)
	fsd	f11, TF_F(11)(sp)
	fsd	f12, TF_F(12)(sp)
	fsd	f13, TF_F(13)(sp)
	fsd	f14, TF_F(14)(sp)
	fsd	f15, TF_F(15)(sp)
	fsd	f16, TF_F(16)(sp)
	fsd	f17, TF_F(17)(sp)
	fsd	f18, TF_F(18)(sp)
	fsd	f19, TF_F(19)(sp)
	fsd	f20, TF_F(20)(sp)
	fsd	f21, TF_F(21)(sp)
	fsd	f22, TF_F(22)(sp)
	fsd	f23, TF_F(23)(sp)
	fsd	f24, TF_F(24)(sp)
	fsd	f25, TF_F(25)(sp)
	fsd	f26, TF_F(26)(sp)
	fsd	f27, TF_F(27)(sp)
	fsd	f28, TF_F(28)(sp)
	fsd	f29, TF_F(29)(sp)
	fsd	f30, TF_F(30)(sp)
	fsd	f31, TF_F(31)(sp)
	frcsr	t0
	sd	t0, TF_FCSR(sp)

	mv	a0, sp
	call	trap_dispatch

	/* The handler may have switched tasks and come back on another core:
	 * everything is reloaded from this frame except tp (the core pointer
	 * belongs to whichever core runs us now) and gp (constant). */
	ld	t0, TF_FCSR(sp)
	fscsr	t0
	fld	f0, TF_F(0)(sp)
	fld	f1, TF_F(1)(sp)
	fld	f2, TF_F(2)(sp)
	fld	f3, TF_F(3)(sp)
	fld	f4, TF_F(4)(sp)
	fld	f5, TF_F(5)(sp)
	fld	f6, TF_F(6)(sp)
	fld	f7, TF_F(7)(sp)
	fld	f8, TF_F(8)(sp)
	fld	f9, TF_F(9)(sp)
	fld	f10, TF_F(10)(sp)
	fld	f11, TF_F(11)(sp)
	fld	f12, TF_F(12)(sp)
	fld	f13, TF_F(13)(sp)
	fld	f14, TF_F(14)(sp)
	fld	f15, TF_F(15)(sp)
	fld	f16, TF_F(16)(sp)
	fld	f17, TF_F(17)(sp)
	fld	f18, TF_F(18)(sp)
	fld	f19, TF_F(19)(sp)
	fld	f20, TF_F(20)(sp)
	fld	f21, TF_F(21)(sp)
	fld	f22, TF_F(22)(sp)
	fld	f23, TF_F(23)(sp)
	fld	f24, TF_F(24)(sp)
	fld	f25, TF_F(25)(sp)
	fld	f26, TF_F(26)(sp)
	fld	f27, TF_F(27)(sp)
	fld	f28, TF_F(28)(sp)
	fld	f29, TF_F(29)(sp)
	fld	f30, TF_F(30)(sp)
	fld	f31, TF_F(31)(sp)
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	/* Drop any load reservation, as the ISA manual asks on a preemptive
	 * switch: the handler may have switched tasks, and an lr of the task
	 * that ran meanwhile must not let the interrupted task's sc succeed
	 * (its own lr was before the trap). An sc to a word of this frame that
	 * is already consumed (sepc) clears the reservation whatever address it
	 * was on; if it succeeds it overwrites only that spent word. */
	addi	t0, sp, TF_SEPC
	sc.d	zero, zero, (t0)
	ld	x1, TF_X(1)(sp)
	ld	x5, TF_X(5)(sp)
	ld	x6, TF_X(6)(sp)
	ld	x7, TF_X(7)(sp)
	ld	x8, TF_X(8)(sp)
	ld	x9, TF_X(9)(sp)
	ld	x10, TF_X(10)(sp)
	ld	x11, TF_X(11)(sp)
	ld	x12, TF_X(12)(sp)
	ld	x13, TF_X(13)(sp)
	ld	x14, TF_X(14)(sp)
	ld	x15, TF_X(15)(sp)
	ld	x16, TF_X(16)(sp)
	ld	x17, TF_X(17)(sp)
	ld	x18, TF_X(18)(sp)
	ld	x19, TF_X(19)(sp)
	ld	x20, TF_X(20)(sp)
	ld	x21, TF_X(21)(sp)
	ld	x22, TF_X(22)(sp)
	ld	x23, TF_X(23)(sp)
	ld	x24, TF_X(24)(sp)
	ld	x25, TF_X(25)(sp)
	ld	x26, TF_X(26)(sp)
	ld	x27, TF_X(27)(sp)
	ld	x28, TF_X(28)(sp)
	ld	x29, TF_X(29)(sp)
	ld	x30, TF_X(30)(sp)
	ld	x31, TF_X(31)(sp)
	addi	sp, sp, TF_SIZE
	sret
