/* Every trap (exception or interrupt) in S-mode enters here.
 *
 * brigade runs only in S-mode. Where the frame goes depends on the kind:
 *
 * - An interrupt's frame goes on the interrupted stack (a task's, or a
 *   core's boot stack). The handler may switch to another task
 *   (preemption), and the interrupted task's every register must go with
 *   it, to be resumed possibly on another core: so the frame must live on
 *   the task's own stack, not on anything per core.
 * - An exception's frame (a fault, a breakpoint, an illegal instruction)
 *   goes on this core's exception stack (struct cpu's exception_stack_top,
 *   through tp). A task that faults because its stack is exhausted is then
 *   reported, instead of faulting again on its own frame for ever. The
 *   exception handlers never switch tasks and never unmask interrupts
 *   (trap.c), so the frame is consumed on the core that made it, before
 *   another exception of this core can want the stack.
 *
 * Invariants the entry relies on:
 * - Interrupts are masked from trap entry to sret (the hardware clears
 *   sstatus.SIE and nothing in between sets it), so only an exception can
 *   arrive inside this code or the handlers.
 * - Between "csrw sscratch, t0" and the "csrr t0, sscratch" that takes the
 *   interrupted t0 back, nothing can fault: the interrupt path touches only
 *   CSRs and the core's struct cpu; the exception path loads from the
 *   struct cpu and stores to its exception stack, all always mapped. So a
 *   nested exception never finds sscratch holding a value it would
 *   overwrite. After it, the interrupt path's stores to the interrupted
 *   stack may fault (a growable task stack): the CSRs it needs are already
 *   in the struct cpu, which the nested exception leaves alone.
 * - A nested exception (inside a handler already running on the exception
 *   stack, or inside a panic report) finds sp within EXC_STACK_SIZE below
 *   the top, and puts its frame below sp instead of at the top, so the
 *   outer frame survives. A panic inside a panic report stops the machine
 *   (kernel/panic.c), so nesting stays a few frames deep.
 *
 * The interrupt path costs seven instructions more than a frame pushed
 * unconditionally (csrw, csrr, the branch, csrr, and three stores to the
 * struct cpu that keep the CSRs safe from a growth fault, below).
 * All integer registers are saved, not just caller-saved ones.
 *
 * FP registers: f0-f31 are saved only when sstatus.FS is Dirty, and
 * restored only when the frame's sstatus says they were; fcsr always.
 * The rule that makes skipping them safe: FS is Dirty as soon as anything
 * writes an FP register, and arch_switch sets it to Clean after loading
 * the incoming task's fs0-fs11, or to Initial for a task that has no FP
 * state and so gets none loaded (switch.S). So FS not Dirty at a trap means
 * the interrupted code has written no FP register since it was last
 * switched in. At that point (the return of a call to arch_switch) its
 * only live FP values were fs0-fs11, and nothing has changed them since;
 * a handler preserves them (they are callee-saved), and a handler that
 * switches tasks gets them back from the task's switch frame when it is
 * switched in again. The caller-saved f registers hold nothing of it. So
 * a task that uses no FP costs no FP saving at an interrupt.
 */
#include "trap_frame.h"

#define SSTATUS_FS_SHIFT 13 /* sstatus.FS, bits 14:13: 3 is Dirty (csr.h) */

/* t0 := the top of this core's exception stack: its struct cpu's (tp)
 * exception_stack_top, or the static early stack while tp is 0 (the boot
 * hart before kernel_boot sets it) or the field is still NULL. */
.macro exception_stack_top
	beqz	tp, 1f
	ld	t0, CPU_EXCEPTION_STACK_TOP(tp)
	bnez	t0, 2f
1:	la	t0, early_exception_stack + EXC_STACK_SIZE
2:
.endm

	.section .text
	.balign 4
	.global trap_entry
trap_entry:
	csrw	sscratch, t0
	csrr	t0, scause
	bgez	t0, .Lexception		/* the interrupt bit is bit 63 */
	/* An interrupt: its frame goes on the interrupted stack, which may be
	 * a task's growable stack (kernel/stack_slot_paging.c), so any store below
	 * can take a page fault that maps one more page and returns here. That
	 * nested trap overwrites sepc, sstatus, scause, stval and sscratch
	 * (its sret even sets sstatus.SPP to U): so the CSRs this frame needs
	 * are copied first to the core's struct cpu (tp; always mapped,
	 * interrupts stay masked, and an exception never writes there), and
	 * sscratch is read back before the first store to the stack. */
	sd	t0, CPU_IRQ_SCAUSE(tp)
	csrr	t0, sepc
	sd	t0, CPU_IRQ_SEPC(tp)
	csrr	t0, sstatus
	sd	t0, CPU_IRQ_SSTATUS(tp)
	csrr	t0, sscratch
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_X(5)(sp)		/* the first store that may fault */
	addi	t0, sp, TF_SIZE
	sd	t0, TF_X(2)(sp)		/* the interrupted sp */
	ld	t0, CPU_IRQ_SEPC(tp)
	sd	t0, TF_SEPC(sp)
	ld	t0, CPU_IRQ_SSTATUS(tp)
	sd	t0, TF_SSTATUS(sp)
	ld	t0, CPU_IRQ_SCAUSE(tp)
	sd	t0, TF_SCAUSE(sp)
	sd	zero, TF_STVAL(sp)	/* meaningless for an interrupt */
.Lsave:	/* sp is the frame, x2, x5 and the CSRs are saved in it */
	sd	x1, TF_X(1)(sp)
	sd	x3, TF_X(3)(sp)
	sd	x4, TF_X(4)(sp)
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
	/* f0-f31 only when sstatus.FS is Dirty (see "FP registers" above). */
	ld	t1, TF_SSTATUS(sp)
	srli	t1, t1, SSTATUS_FS_SHIFT
	andi	t1, t1, 3
	xori	t1, t1, 3
	bnez	t1, .Lfp_saved
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
.Lfp_saved:
	frcsr	t0
	sd	t0, TF_FCSR(sp)

	mv	a0, sp
	call	trap_dispatch

	/* The handler may have switched tasks and come back on another core:
	 * everything is reloaded from this frame except tp (the core pointer
	 * belongs to whichever core runs us now) and gp (constant). */
	ld	t0, TF_FCSR(sp)
	fscsr	t0
	ld	t0, TF_SSTATUS(sp)	/* as at entry: FS Dirty means f0-f31 were saved */
	srli	t0, t0, SSTATUS_FS_SHIFT
	andi	t0, t0, 3
	xori	t0, t0, 3
	bnez	t0, .Lfp_restored
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
.Lfp_restored:
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
	ld	sp, TF_X(2)(sp)		/* last: back to the interrupted stack */
	sret

.Lexception:
	/* t0 = scause (the frame reads it again), the interrupted t0 is in
	 * sscratch, sp is the interrupted sp. Already on the exception stack
	 * (top - sp < EXC_STACK_SIZE, unsigned)? Then this is a nested
	 * exception: the frame goes below sp. Otherwise at the top. */
	exception_stack_top
	sub	t0, t0, sp
	srli	t0, t0, EXC_STACK_SHIFT
	beqz	t0, .Lnested
	exception_stack_top
	addi	t0, t0, -TF_SIZE
	sd	sp, TF_X(2)(t0)		/* the interrupted sp */
	mv	sp, t0
	j	.Lsaved_sp
.Lnested:
	addi	sp, sp, -TF_SIZE
	addi	t0, sp, TF_SIZE
	sd	t0, TF_X(2)(sp)
.Lsaved_sp:
	/* On the exception stack nothing can fault: the CSRs are read here. */
	csrr	t0, sscratch
	sd	t0, TF_X(5)(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	j	.Lsave

	/* Exceptions before the boot hart's struct cpu has a stack of its own
	 * (and on a secondary hart, none: boot gives each one its stack before
	 * starting it). */
	.section .bss
	.balign 16
early_exception_stack:
	.skip	EXC_STACK_SIZE
