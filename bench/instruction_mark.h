/* Marks in the instruction stream for the instruction_marks QEMU plugin
 * (bench/qemu-plugin/instruction_marks.c): each is the RISC-V hint
 * `slti zero, zero, ID`, which does nothing on any RISC-V core, and makes
 * the plugin write down every hart's retired-instruction count. The
 * benchmark script subtracts the counts of two marks. */
#ifndef BRIGADE_BENCH_INSTRUCTION_MARK_H
#define BRIGADE_BENCH_INSTRUCTION_MARK_H

#if !defined(__riscv)
#error "instruction marks are RISC-V hints; the plugin decodes RISC-V only"
#endif

/* "memory": the mark stays where it is written relative to the work it
 * brackets. */
#define BENCH_MARK(id) __asm__ volatile("slti zero, zero, %0" : : "i"(id) : "memory")

enum bench_mark {
  MARK_FORKJOIN_START = 1, /* scale_bench: a measured fork-join begins */
  MARK_FORKJOIN_END,       /* ... and has joined */
  MARK_HANDOFF_START,      /* irq_bench: a repetition of cross-core hand-offs begins */
  MARK_HANDOFF_END,
  MARK_UART_START, /* irq_bench: a repetition of UART bytes begins */
  MARK_UART_END,
  MARK_SPREAD_BURST,           /* spread_bench: a burst of spawns begins */
  MARK_SPREAD_FIRST_ELSEWHERE, /* ... and its first task starts on another core */
};

#endif
