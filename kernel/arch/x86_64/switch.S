/* void *arch_switch_raw(void **save_sp, void *next_sp, void *arg)   (System V x86-64)
 *
 * Saves the callee-saved registers (rbx, rbp, r12-r15) and the two FP
 * control words (MXCSR, x87 CW), which the ABI also makes callee-saved, on
 * the outgoing stack, publishes the stack pointer in *save_sp, and resumes
 * next_sp. x86-64 stores are ordered after earlier stores (TSO), so the
 * plain store of the stack pointer is already a release store; the save
 * sequence is complete before it is visible.
 */
	.text
	.globl	arch_switch_raw
	.type	arch_switch_raw, @function
arch_switch_raw:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)

	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	movq	%rdx, %rax
	ret
	.size	arch_switch_raw, .-arch_switch_raw

/* First "return" of a new task: arch_init_stack left
 * host_task_first_run in r12, the task's argument in r13 and its entry in
 * r14; rax holds the arg of the switch that started us. */
	.globl	arch_task_trampoline
	.type	arch_task_trampoline, @function
arch_task_trampoline:
	xorl	%ebp, %ebp		/* end of backtraces */
	movq	%r14, %rdi
	movq	%r13, %rsi
	movq	%rax, %rdx
	callq	*%r12
	ud2
	.size	arch_task_trampoline, .-arch_task_trampoline


/* host_irq_trampoline: where the timer signal handler sends a task it
 * interrupts (Go's asyncPreempt). The handler pushed the interrupted rip
 * 128 bytes below the interrupted rsp (past the red zone, which the
 * interrupted function may be using) and pointed rip here, so this runs on
 * the task's own stack like a trap handler on bare metal: it saves every
 * register the C code may clobber, runs the interrupt (which may switch to
 * another task and come back much later, possibly on another core's
 * thread), restores them and returns to the interrupted instruction with
 * "ret $128", which also gives back the red zone.
 */
	.text
	.globl	host_irq_trampoline
	.type	host_irq_trampoline, @function
host_irq_trampoline:
	pushfq
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbp
	movq	%rsp, %rbp
	subq	$512, %rsp
	andq	$-16, %rsp
	fxsave64 (%rsp)
	cld
	callq	host_irq_entry
	fxrstor64 (%rsp)
	movq	%rbp, %rsp
	popq	%rbp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
	ret	$128
	.size	host_irq_trampoline, .-host_irq_trampoline

	.section .note.GNU-stack,"",@progbits
