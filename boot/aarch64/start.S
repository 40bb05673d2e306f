/* AArch64 entry: the arm64 Image header, the drop to EL1, the MMU, and the
 * secondary-core entries.
 *
 * The image starts with the 64-byte arm64 Linux Image header, so a firmware
 * that loads Linux kernels (the Raspberry Pi firmware's kernel8.img, QEMU's
 * -kernel with a raw image) places it at RAM base + text_offset and starts
 * the boot core there with x0 = device tree (or 0), holding the other cores
 * itself (spin table or PSCI). Loaded as an ELF instead, QEMU enters _start
 * directly: on raspi3b all four cores at EL3, on virt only the first one.
 *
 * Every core ends up at EL1 on SP_EL1, with FP/SIMD usable, the vector table
 * installed, and the MMU and caches on before any C code that takes a lock
 * (kernel/arch/aarch64/mmu.c says why).
 */
#include "kernel/arch/aarch64/aarch64.h"
#include "sysreg.h"

#define SPSR_EL1H_MASKED 0x3c5 /* EL1h, D A I F masked */
#define SPSR_EL2H_MASKED 0x3c9 /* EL2h, D A I F masked */
#define SCR_EL3_VALUE 0x5b1    /* NS, RES1 (4,5), SMD, HCE, RW (EL2 and below AArch64) */
#define SCR_EL3_NO_EL2 0x4b1   /* the same without HCE, for cores with no EL2 */
#define HCR_EL2_RW (1 << 31)   /* EL1 is AArch64; nothing trapped to EL2 */
#define CPTR_EL2_RES1 0x33ff   /* and TFP clear: FP/SIMD not trapped to EL2 */
#define MAIR_VALUE 0xff00      /* attr0 Device-nGnRnE, attr1 Normal write-back (mmu.c) */
/* T0SZ=25 (39-bit VA), walks inner/outer write-back cacheable and inner
 * shareable, 4 KiB granule, TTBR1 walks disabled; IPS filled in at run time. */
#define TCR_VALUE ((25 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (0 << 14) | (1 << 23))

/* adr_l: a PC-relative address anywhere in +-4 GiB. */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

/* Leave EL3 or EL2 for EL1. Uses x0; x21 receives the EL we entered at. */
.macro drop_to_el1
	mrs	x0, CurrentEL
	lsr	x21, x0, #2
	cmp	x21, #3
	b.ne	.Lnot_el3\@
	msr	cptr_el3, xzr		/* FP/SIMD not trapped to EL3 */
	/* Entered at EL3 there was no firmware stub to set CPUECTLR_EL1.SMPEN,
	 * without which a Cortex-A53/A72 core's caches stay out of coherency
	 * (the Pi's armstub sets it before dropping to EL2). */
	mrs	x0, midr_el1
	ubfx	x0, x0, #4, #12		/* PartNum */
	cmp	x0, #0xd03		/* Cortex-A53 */
	b.eq	.Lsmpen\@
	cmp	x0, #0xd08		/* Cortex-A72 */
	b.ne	.Lsmpen_done\@
.Lsmpen\@:
	mrs	x0, s3_1_c15_c2_1	/* CPUECTLR_EL1 */
	orr	x0, x0, #(1 << 6)	/* SMPEN */
	msr	s3_1_c15_c2_1, x0
.Lsmpen_done\@:
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #8, #4		/* EL2 implemented? */
	cbz	x0, .Lel3_to_el1\@
	mov	x0, #SCR_EL3_VALUE
	msr	scr_el3, x0
	mov	x0, #SPSR_EL2H_MASKED
	msr	spsr_el3, x0
	adr	x0, .Lnot_el3\@
	msr	elr_el3, x0
	eret
.Lel3_to_el1\@:
	mov	x0, #SCR_EL3_NO_EL2
	msr	scr_el3, x0
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el3, x0
	adr	x0, .Lat_el1\@
	msr	elr_el3, x0
	eret
.Lnot_el3\@:
	mrs	x0, CurrentEL
	lsr	x0, x0, #2
	cmp	x0, #2
	b.ne	.Lat_el1\@
	mov	x0, #HCR_EL2_RW
	msr	hcr_el2, x0
	mrs	x0, cnthctl_el2
	orr	x0, x0, #3		/* EL1PCTEN, EL1PCEN: physical counter and timer at EL1 */
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #CPTR_EL2_RES1
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	mrs	x0, pmcr_el0		/* EL1 may use every PMU counter, untrapped */
	ubfx	x0, x0, #11, #5		/* PMCR_EL0.N -> MDCR_EL2.HPMN; TPM, TPMCR clear */
	msr	mdcr_el2, x0
	/* At EL1, MIDR and MPIDR read the virtual copies: make them the real ones
	 * (their reset values are UNKNOWN on hardware). */
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el2, x0
	adr	x0, .Lat_el1\@
	msr	elr_el2, x0
	eret
.Lat_el1\@:
.endm

/* EL1 state every core needs before its first C instruction. Uses x0. */
.macro el1_setup
	msr	daifset, #0xf
	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	ldr	x0, =SCTLR_EL1_RES1	/* MMU and caches off, alignment checks off */
	msr	sctlr_el1, x0
	adr_l	x0, aarch64_vectors
	msr	vbar_el1, x0
	msr	spsel, #1
	isb
.endm

/* Turn the MMU and caches on with the tables mmu_build made. Uses x0, x1.
 * No stack: a secondary core's stack lives in memory another core may have
 * cached, and is only safe to touch once this core's caches are coherent. */
.macro mmu_on
	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_VALUE
	mrs	x1, id_aa64mmfr0_el1
	ubfx	x1, x1, #0, #3		/* PARange -> TCR.IPS */
	bfi	x0, x1, #32, #3
	msr	tcr_el1, x0
	adr_l	x0, mmu_tables
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	mrs	x0, sctlr_el1
	ldr	x1, =(SCTLR_M | SCTLR_C | SCTLR_I)
	orr	x0, x0, x1
	msr	sctlr_el1, x0
	isb
.endm

	.section .text.boot, "ax"
	.global _start
_start:
	/* arm64 Image header (Linux Documentation/arch/arm64/booting.rst) */
	b	boot_entry		/* code0 */
	.word	0			/* code1 */
	.quad	__image_text_offset	/* where in RAM the loader must put us */
	.quad	__image_size		/* bytes the image needs, .bss included */
	.quad	0x2			/* little-endian, 4 KiB pages, 2 MiB aligned base */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.word	0

boot_entry:
	mov	x20, x0			/* device tree from the firmware (or 0) */
	mrs	x19, mpidr_el1
#ifdef BRIGADE_SPIN_TABLE_BASE
	/* Loaded as an ELF, every core arrives here. Cores other than 0 wait on
	 * the board's spin table as the firmware's stub would have made them,
	 * so both boot paths release them the same way (board_start_cpu). */
	and	x1, x19, #0xff
	cbz	x1, 2f
	mov	x2, #BRIGADE_SPIN_TABLE_BASE
	add	x2, x2, x1, lsl #3
1:	wfe
	ldr	x3, [x2]
	cbz	x3, 1b
	br	x3
2:
#endif
	drop_to_el1
	el1_setup
	/* SP_EL1 (selected by el1_setup) is the exception stack, the static
	 * early one until kernel_boot gives this core its own; everything else
	 * runs on SP_EL0, starting with the boot stack (trap_entry.S). */
	adr_l	x0, aarch64_early_exception_stack_top
	mov	sp, x0
	msr	spsel, #0
	adr_l	x0, __boot_stack_top
	mov	sp, x0

	/* .bss is cleared exactly once, by the boot core, before anything runs:
	 * secondaries are only started later by kernel_boot. */
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
3:	cmp	x0, x1
	b.hs	4f
	stp	xzr, xzr, [x0], #16
	b	3b
4:
	adr_l	x0, aarch64_boot_el
	str	x21, [x0]
	bl	mmu_build
	cbnz	x0, mmu_failed

	/* Whatever a loader left in the caches for our addresses is stale: our
	 * writes so far went straight to memory. Invalidate the whole image
	 * (page tables and boot stack included) before the caches come on. */
	mrs	x0, ctr_el0
	ubfx	x0, x0, #16, #4		/* DminLine: log2(words per line) */
	mov	x2, #4
	lsl	x2, x2, x0		/* bytes per line */
	adr_l	x0, __image_start
	adr_l	x1, __heap_start
	sub	x3, x2, #1
	bic	x0, x0, x3
5:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	5b
	dsb	sy

	mmu_on
	and	x0, x19, #0xffffff	/* MPIDR affinity 0-2: the hw id in the device tree */
	mov	x1, x20
	bl	kernel_boot		/* does not return */
6:	wfi
	b	6b

mmu_failed:
	bl	aarch64_mmu_failed	/* reports and exits */
7:	wfi
	b	7b

/* A secondary core started by PSCI CPU_ON: x0 = its struct cpu. */
	.section .text
	.global _secondary_start
_secondary_start:
	mov	x19, x0
	drop_to_el1
	el1_setup
	mmu_on
	mov	x0, x19
	b	secondary_common

/* A secondary core released from a spin table: nothing in registers, so it
 * finds its struct cpu by MPIDR Aff0 in aarch64_spin_cpus[], which the boot
 * core filled in before the release. */
	.global _secondary_spin_start
_secondary_spin_start:
	drop_to_el1
	el1_setup
	mmu_on
	mrs	x1, mpidr_el1
	and	x1, x1, #0xff
	cmp	x1, #AARCH64_SPIN_CORES
	b.hs	8f
	adr_l	x2, aarch64_spin_cpus
	ldr	x0, [x2, x1, lsl #3]
	cbz	x0, 8f

secondary_common:
	msr	tpidr_el1, x0
	/* SP_EL1 (selected by el1_setup) is the exception stack boot gave this
	 * core before starting it; everything else runs on SP_EL0, starting
	 * with the boot stack (trap_entry.S). */
	ldr	x1, [x0, #8]		/* cpu->exception_stack_top (offset 8) */
	mov	sp, x1
	msr	spsel, #0
	ldr	x1, [x0]		/* cpu->boot_stack_top (offset 0) */
	mov	sp, x1
	bl	kernel_secondary	/* (cpu); does not return */
8:	wfi
	b	8b
