/* RISC-V S-mode entry under OpenSBI.
 *
 * The boot hart arrives at _start with a0 = hart id, a1 = device tree.
 * Every other hart is started later by kernel_boot through SBI HSM at
 * _secondary_start with a0 = hart id, a1 = its struct cpu (the opaque value).
 */
/* Turn Sv39 paging on with the root riscv_mmu_build made. Uses t0.
 *
 * Ordering: the page-table walker's reads are implicit and are not ordered
 * with this hart's explicit stores by the ordinary memory model; the
 * sfence.vma before the satp write orders every store to the tables seen by
 * this hart (its own on the boot hart; on a secondary, the boot hart's,
 * which it has observed through the firmware's start handshake, below)
 * before the walks that follow. The satp write does not flush translations,
 * so the sfence.vma after it drops any a hart may hold from before (none
 * with paging off, but firmware may have left some). Every hart installs
 * the same root, identity-mapped, so the next instruction fetch is at the
 * same address whichever translation it uses. */
.macro mmu_on
	la	t0, riscv_satp
	ld	t0, 0(t0)
	sfence.vma zero, zero
	csrw	satp, t0
	sfence.vma zero, zero
.endm

	.section .text.boot, "ax"
	.global _start
_start:
	/* The first 64 bytes are a RISC-V Linux "Image" header, so U-Boot's
	 * booti can start the flat image (objcopy -O binary) on real boards
	 * (visionfive2): booti checks the magic, moves the image to RAM base
	 * + text_offset if it is elsewhere, and enters here with a0 = hart id
	 * and a1 = device tree, as OpenSBI does. Its first instruction jumps
	 * over the rest, so nothing else changes for firmware that enters the
	 * ELF directly. Layout: Documentation/riscv/boot-image-header.rst. */
	.option push
	.option norvc
	j	_image_entry		/* code0 (code1 is the pad below) */
	.balign 8
	.quad	BRIGADE_TEXT_OFFSET	/* load address - RAM base (cmake/brigade.cmake) */
	.quad	__image_end - _start	/* image_size: what booti must copy */
	.quad	0			/* flags: little endian */
	.word	2			/* header version 0.2 */
	.word	0			/* res1 */
	.quad	0			/* res2 */
	.ascii	"RISCV\0\0\0"		/* magic (deprecated, still checked) */
	.ascii	"RSC\x05"		/* magic2 */
	.word	0			/* res3 */
	.option pop
	.global _image_entry
_image_entry:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	csrw	sie, zero
	csrw	sip, zero
	/* Exactly one hart may run the boot path. A second hart arriving here
	 * while the first boots would clear .bss under it (seen as "out of
	 * memory" panics in the first few allocations of boot, now and then,
	 * with the boot core reported as hart 1). The claim lives in .data,
	 * which the clearing does not touch. A hart that loses stops itself
	 * through SBI HSM hart_stop, back into the firmware's stopped state,
	 * from which kernel_boot starts it like every other hart. A hart the
	 * boot already started lands here too when the firmware loses its
	 * start (OpenSBI 1.0/1.1 under load); the boot core sees it stopped and
	 * starts it again (board_restart_cpu_if_stopped). */
	la	t0, boot_claimed
	li	t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez	t1, _not_the_boot_hart
	la	sp, __boot_stack_top
	mv	tp, zero

	/* .bss is cleared exactly once, by the boot hart, before anything runs:
	 * secondaries are only started after kernel_boot has set up memory. */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	la	t0, trap_entry
	csrw	stvec, t0
	/* The boot hart builds the page tables once, before any other hart is
	 * started (kernel_boot starts them through SBI HSM much later), so no
	 * hart can walk a half-built table. */
	mv	s0, a0
	mv	s1, a1
	call	riscv_mmu_build
	beqz	a0, 6f
	call	riscv_mmu_failed	/* does not return */
6:	mmu_on
	mv	a0, s0
	mv	a1, s1
	call	kernel_boot		/* (hartid, dtb); does not return */
3:	wfi
	j	3b

_not_the_boot_hart:
	li	a7, 0x48534D		/* SBI HSM extension */
	li	a6, 1			/* hart_stop: does not return on success */
	ecall
5:	wfi
	j	5b

	.section .data
	.balign 4
boot_claimed:
	.word	0

	.section .text.boot, "ax"
	.global _secondary_start
_secondary_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	csrw	sie, zero
	mv	tp, a1
	ld	sp, 0(a1)		/* cpu->boot_stack_top (offset 0) */
	la	t0, trap_entry
	csrw	stvec, t0
	/* The tables were complete before the boot hart asked the firmware to
	 * start this hart: the firmware's HSM state handshake (a release by the
	 * starting hart, an acquire here before mret) carries them over, and
	 * mmu_on's first sfence.vma hands them to this hart's walker. */
	mmu_on
	mv	a0, a1
	call	kernel_secondary	/* (cpu); does not return */
4:	wfi
	j	4b
