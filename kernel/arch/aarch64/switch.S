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
 */
#define FRAME (20 * 8)

	.section .text
	.balign 4
	.global arch_switch
arch_switch:
	sub	sp, sp, #FRAME
	stp	x19, x20, [sp, #0 * 8]
	stp	x21, x22, [sp, #2 * 8]
	stp	x23, x24, [sp, #4 * 8]
	stp	x25, x26, [sp, #6 * 8]
	stp	x27, x28, [sp, #8 * 8]
	stp	x29, x30, [sp, #10 * 8]
	stp	d8, d9, [sp, #12 * 8]
	stp	d10, d11, [sp, #14 * 8]
	stp	d12, d13, [sp, #16 * 8]
	stp	d14, d15, [sp, #18 * 8]
	mov	x9, sp
	stlr	x9, [x0]

	mov	sp, x1
	ldp	x19, x20, [sp, #0 * 8]
	ldp	x21, x22, [sp, #2 * 8]
	ldp	x23, x24, [sp, #4 * 8]
	ldp	x25, x26, [sp, #6 * 8]
	ldp	x27, x28, [sp, #8 * 8]
	ldp	x29, x30, [sp, #10 * 8]
	ldp	d8, d9, [sp, #12 * 8]
	ldp	d10, d11, [sp, #14 * 8]
	ldp	d12, d13, [sp, #16 * 8]
	ldp	d14, d15, [sp, #18 * 8]
	add	sp, sp, #FRAME
	mov	x0, x2
	ret

/* First "return" of a new task: arch_init_stack put the entry in x19 and its
 * argument in x20; x0 holds the arg of the arch_switch that started us. */
	.global arch_task_trampoline
arch_task_trampoline:
	mov	x1, x0
	mov	x0, x20
	mov	x29, #0			/* end of backtraces */
	mov	x30, #0
	br	x19
