/* Trap dispatch and panic reports for RISC-V S-mode. */
#include <stdbool.h>
#include <stddef.h>

#include <brigade/cpu.h>
#include <brigade/irq.h>
#include <brigade/panic.h>
#include <brigade/semihosting.h>
#include <brigade/stack_slot.h>

#include "csr.h"
#include "riscv.h"
#include "trap_frame.h"

_Static_assert(offsetof(struct trap_frame, x[1]) == TF_X(1), "trap frame layout");
_Static_assert(offsetof(struct trap_frame, sepc) == TF_SEPC, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, sstatus) == TF_SSTATUS, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, scause) == TF_SCAUSE, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, stval) == TF_STVAL, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, f[0]) == TF_F(0), "trap frame layout");
_Static_assert(offsetof(struct trap_frame, fcsr) == TF_FCSR, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE && TF_SIZE % 16 == 0, "trap frame size");
_Static_assert(offsetof(struct cpu, exception_stack_top) == CPU_EXCEPTION_STACK_TOP,
               "trap_entry.S reads the exception stack there");
_Static_assert(EXC_STACK_SIZE == ARCH_EXCEPTION_STACK_SIZE, "exception stack size");
_Static_assert(offsetof(struct cpu, arch.irq_sepc) == CPU_IRQ_SEPC &&
                   offsetof(struct cpu, arch.irq_sstatus) == CPU_IRQ_SSTATUS &&
                   offsetof(struct cpu, arch.irq_scause) == CPU_IRQ_SCAUSE,
               "trap_entry.S keeps an interrupt's CSRs there");

static const char *exception_name(unsigned long code) {
  static const char *const names[] = {
      "instruction address misaligned", "instruction access fault", "illegal instruction",
      "breakpoint", "load address misaligned", "load access fault",
      "store/AMO address misaligned", "store/AMO access fault", "environment call from U-mode",
      "environment call from S-mode", "reserved (10)", "reserved (11)",
      "instruction page fault", "load page fault", "reserved (14)", "store/AMO page fault",
  };
  return code < sizeof names / sizeof names[0] ? names[code] : "unknown exception";
}

static const char *interrupt_name(unsigned long code) {
  switch (code) {
  case IRQ_S_SOFT: return "supervisor software interrupt";
  case IRQ_S_TIMER: return "supervisor timer interrupt";
  case IRQ_S_EXT: return "supervisor external interrupt";
  default: return "unknown interrupt";
  }
}

void riscv_dump_frame(const struct trap_frame *tf) {
  static const char *const abi[32] = {
      "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
      "a1",   "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
      "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
  };
  kprintf("  sepc    %016lx  sstatus %016lx\n", tf->sepc, tf->sstatus);
  kprintf("  scause  %016lx  stval   %016lx\n", tf->scause, tf->stval);
  for (int i = 1; i < 32; i += 2) {
    if (i + 1 < 32)
      kprintf("  x%-2d %-4s %016lx  x%-2d %-4s %016lx\n", i, abi[i], tf->x[i], i + 1, abi[i + 1],
              tf->x[i + 1]);
    else
      kprintf("  x%-2d %-4s %016lx\n", i, abi[i], tf->x[i]);
  }
}

static void __attribute__((noreturn)) trap_panic(const struct trap_frame *tf, const char *what) {
  unsigned long code = tf->scause & ~SCAUSE_INTERRUPT;
  int irq = (tf->scause & SCAUSE_INTERRUPT) != 0;
  panic_begin("%s: scause %lu (%s) at sepc %p, stval %p", what, code,
              irq ? interrupt_name(code) : exception_name(code), (void *)tf->sepc,
              (void *)tf->stval);
  riscv_dump_frame(tf);
  panic_end(EXIT_PANIC);
}

/* Page faults and access faults: the MMU (mmu.c) or PMP refused an access.
 * The report's first line names the kind of access, what the map holds
 * there, the faulting address and pc, and the task, so the bug is named
 * before the register dump. */
static void __attribute__((noreturn)) fault_panic(const struct trap_frame *tf) {
  unsigned long code = tf->scause, addr = tf->stval;
  enum fault_access access =
      code == EXC_INSTRUCTION_PAGE_FAULT || code == EXC_INSTRUCTION_ACCESS_FAULT ? FAULT_FETCH
      : code == EXC_LOAD_PAGE_FAULT || code == EXC_LOAD_ACCESS_FAULT            ? FAULT_LOAD
                                                                                : FAULT_STORE;
  panic_begin_memory_fault(access, addr, tf->sepc, riscv_mmu_region(addr));
  kprintf("  scause %lu (%s), stval %p\n", code, exception_name(code), (void *)addr);
  riscv_dump_frame(tf);
  panic_end(EXIT_PANIC);
}

/* A fault in the task-stack region outside every reservation: a task ran
 * off the bottom of its stack into the guard (kernel/stack_slot_paging.c). */
static void __attribute__((noreturn)) stack_overflow_panic(const struct trap_frame *tf) {
  stack_slot_begin_overflow_panic(tf->stval, tf->sepc);
  kprintf("  scause %lu (%s), stval %p\n", tf->scause, exception_name(tf->scause),
          (void *)tf->stval);
  riscv_dump_frame(tf);
  panic_end(EXIT_PANIC);
}

static bool is_memory_fault(unsigned long scause) {
  switch (scause) {
  case EXC_INSTRUCTION_ACCESS_FAULT:
  case EXC_LOAD_ACCESS_FAULT:
  case EXC_STORE_ACCESS_FAULT:
  case EXC_INSTRUCTION_PAGE_FAULT:
  case EXC_LOAD_PAGE_FAULT:
  case EXC_STORE_PAGE_FAULT:
    return true;
  default:
    return false;
  }
}

/* Set while probing for an optional instruction: an illegal-instruction
 * trap then skips the instruction and records the fact instead of panicking. */
static volatile int probing, probe_trapped;

int riscv_sstc_usable(void) {
  probing = 1;
  probe_trapped = 0;
  unsigned long old;
  __asm__ volatile(".option push\n.option norvc\n"
                   "csrr %0, 0x14D\n"     /* stimecmp */
                   "csrw 0x14D, %0\n"
                   ".option pop"
                   : "=&r"(old)
                   :
                   : "memory");
  probing = 0;
  return !probe_trapped;
}

/* An interrupt's frame is on the interrupted stack; an exception's is on
 * this core's exception stack (trap_entry.S). So the exception paths below
 * must neither switch tasks nor unmask interrupts: they return, or panic. */
void trap_dispatch(struct trap_frame *tf) {
  if (probing && tf->scause == 2) {
    probe_trapped = 1;
    tf->sepc += 4; /* the probed instructions are never compressed */
    return;
  }
  if (tf->scause & SCAUSE_INTERRUPT) {
    enum irq_class cls;
    switch (tf->scause & ~SCAUSE_INTERRUPT) {
    case IRQ_S_SOFT:
      csr_clear(sip, SIE_SSIE); /* acknowledge before handling: a later IPI stays pending */
      cls = IRQ_IPI;
      break;
    case IRQ_S_TIMER:
      cls = IRQ_TIMER;
      break;
    case IRQ_S_EXT:
      /* For the interrupt-to-task benchmark: a csrr and a store, and only
       * on device interrupts. */
      this_cpu()->arch.device_irq_instret = arch_instructions_retired();
      cls = IRQ_EXTERNAL;
      break;
    default:
      trap_panic(tf, "unexpected interrupt");
    }
    if (!irq_run_class(cls))
      trap_panic(tf, "interrupt with no handler installed");
    irq_exit();
    return;
  }
  /* A semihosting call with no host to serve it (semihosting.c): it
   * returns SEMIHOSTING_NO_HOST and goes on after the ebreak. */
  extern char semihosting_ebreak_insn[];
  if (tf->scause == EXC_BREAKPOINT && tf->sepc == (unsigned long)semihosting_ebreak_insn) {
    tf->x[10] = (unsigned long)SEMIHOSTING_NO_HOST; /* a0 */
    tf->sepc += 4;
    return;
  }
  if (is_memory_fault(tf->scause)) {
    /* Only a load or store page fault can be a stack's: an instruction
     * fetch from a stack page is reported as what it is (the page is
     * mapped, so it would otherwise be retried for ever). */
    bool data = tf->scause == EXC_LOAD_PAGE_FAULT || tf->scause == EXC_STORE_PAGE_FAULT;
    switch (data ? stack_slot_fault(tf->stval, (tf->sstatus & SSTATUS_SPIE) != 0)
                 : STACK_FAULT_NOT_OURS) {
    case STACK_FAULT_RETRY:
      return; /* the stack grew, or a stale "invalid" this hart cached was flushed */
    case STACK_FAULT_OVERFLOW:
      stack_overflow_panic(tf);
    case STACK_FAULT_NO_PAGE:
      stack_slot_begin_no_page_panic(tf->stval, tf->sepc);
      riscv_dump_frame(tf);
      panic_end(EXIT_PANIC);
    case STACK_FAULT_NOT_OURS:
      break;
    }
    fault_panic(tf);
  }
  trap_panic(tf, "unexpected trap");
}
