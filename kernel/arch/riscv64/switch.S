/* void *arch_switch(void **save_sp, void *next_sp, void *arg)
 *
 * A voluntary switch is a function call, so only the callee-saved registers
 * (ra, s0-s11, fs0-fs11) need saving; the caller already treats the rest as
 * clobbered. They go on the outgoing stack, and the stack pointer is then
 * published in *save_sp. Whoever resumes this context reads *save_sp with
 * acquire ordering; the fence below makes every store of the save visible
 * first, so no core can resume a half-saved context.
 */
#define FRAME (26 * 8)

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
	/* Release: the saves above happen-before the store that publishes them. */
	fence	rw, w
	sd	sp, 0(a0)

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
	/* The loads above set sstatus.FS to Dirty; Clean now says "nothing
	 * but this task's fs0-fs11 since it was switched in", which lets
	 * trap_entry.S skip f0-f31 while the task does no FP (the rule is
	 * argued there). Dirty is 3, Clean 2: clear bit 13. */
	lui	t0, 2			/* 1 << 13 */
	csrc	sstatus, t0
	addi	sp, sp, FRAME
	mv	a0, a2
	ret

/* First "return" of a new task: arch_init_stack put the entry in s0 and its
 * argument in s1; a0 holds the arg of the arch_switch that started us. */
	.global arch_task_trampoline
arch_task_trampoline:
	mv	a1, a0
	mv	a0, s1
	mv	ra, zero		/* end of backtraces */
	jr	s0
