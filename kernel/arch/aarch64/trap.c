/* Trap dispatch and panic reports for AArch64 at EL1. */
#include <stdbool.h>
#include <stddef.h>

#include <brigade/cpu.h>
#include <brigade/irq.h>
#include <brigade/panic.h>
#include <brigade/semihosting.h>
#include <brigade/stack_slot.h>

#include "aarch64.h"
#include "sysreg.h"
#include "trap_frame.h"

_Static_assert(offsetof(struct trap_frame, x[0]) == TF_X(0), "trap frame layout");
_Static_assert(offsetof(struct trap_frame, sp) == TF_SP, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, spsr) == TF_SPSR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, esr) == TF_ESR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, far) == TF_FAR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, fpcr) == TF_FPCR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, fpsr) == TF_FPSR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, cpacr) == TF_CPACR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, q[0]) == TF_Q(0), "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE && TF_SIZE % 16 == 0, "trap frame size");

/* The exception classes of ESR_EL1.EC that code at EL1 can meet. */
static const char *exception_class_name(unsigned ec) {
  switch (ec) {
  case 0x00: return "unknown reason (undefined instruction)";
  case 0x01: return "trapped WFI/WFE";
  case 0x07: return "SIMD/FP access trapped";
  case 0x0e: return "illegal execution state";
  case 0x15: return "SVC from AArch64";
  case 0x16: return "HVC from AArch64";
  case 0x17: return "SMC from AArch64";
  case 0x18: return "trapped system register access";
  case 0x20: return "instruction abort from a lower EL";
  case 0x21: return "instruction abort at EL1";
  case 0x22: return "PC alignment fault";
  case 0x24: return "data abort from a lower EL";
  case 0x25: return "data abort at EL1";
  case 0x26: return "SP alignment fault";
  case 0x2c: return "floating-point exception";
  case 0x2f: return "SError interrupt";
  case 0x30: return "breakpoint from a lower EL";
  case 0x31: return "breakpoint at EL1";
  case 0x32: return "software step from a lower EL";
  case 0x33: return "software step at EL1";
  case 0x34: return "watchpoint from a lower EL";
  case 0x35: return "watchpoint at EL1";
  case 0x3c: return "BRK instruction";
  default: return "reserved or unexpected class";
  }
}

/* For aborts, the fault status code (ISS.DFSC/IFSC) says what went wrong. */
static const char *fault_status_name(unsigned fsc) {
  switch (fsc & 0x3c) {
  case 0x00: return "address size fault";
  case 0x04: return "translation fault (unmapped)";
  case 0x08: return "access flag fault";
  case 0x0c: return "permission fault";
  case 0x10: return fsc == 0x10 ? "synchronous external abort" : "external abort on table walk";
  case 0x20: return "alignment fault";
  case 0x30: return "TLB conflict abort";
  default: return "other fault";
  }
}

static const char *kind_name(int kind) {
  switch (kind) {
  case TRAP_SYNC: return "synchronous exception";
  case TRAP_IRQ: return "IRQ";
  case TRAP_FIQ: return "FIQ";
  case TRAP_SERROR: return "SError";
  default: return "exception through an unused vector (EL0, or an interrupt on the exception stack)";
  }
}

void aarch64_dump_frame(const struct trap_frame *tf) {
  kprintf("  elr  %016lx  spsr %016lx  sp   %016lx\n", tf->elr, tf->spsr, tf->sp);
  kprintf("  esr  %016lx  far  %016lx\n", tf->esr, tf->far);
  for (int i = 0; i < 30; i += 3)
    kprintf("  x%-2d %016lx  x%-2d %016lx  x%-2d %016lx\n", i, tf->x[i], i + 1, tf->x[i + 1],
            i + 2, tf->x[i + 2]);
  kprintf("  x30 (lr) %016lx\n", tf->x[30]);
}

static void __attribute__((noreturn)) trap_panic(const struct trap_frame *tf, int kind,
                                                 const char *what) {
  unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
  if (kind == TRAP_SYNC) {
    bool abort = ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25;
    panic_begin("%s: ESR class 0x%02x (%s)%s%s at elr %p, far %p", what, ec,
                exception_class_name(ec), abort ? ", " : "",
                abort ? fault_status_name(tf->esr & 0x3f) : "", (void *)tf->elr, (void *)tf->far);
  } else {
    panic_begin("%s: %s at elr %p", what, kind_name(kind), (void *)tf->elr);
  }
  aarch64_dump_frame(tf);
  panic_end(EXIT_PANIC);
}

/* An abort at EL1 the page tables caused (translation, access flag or
 * permission fault): the report's first line names the kind of access,
 * what the map holds there, the address, the task and the pc. Other aborts
 * (alignment, external) keep the generic report. */
static bool is_mmu_abort(unsigned ec, unsigned long esr) {
  unsigned fsc = esr & 0x3c;
  return (ec == ESR_EC_IABT_SAME_EL || ec == ESR_EC_DABT_SAME_EL) &&
         (fsc == 0x04 || fsc == 0x08 || fsc == 0x0c);
}

static void __attribute__((noreturn)) mmu_abort_panic(const struct trap_frame *tf, unsigned ec) {
  enum fault_access access = ec == ESR_EC_IABT_SAME_EL      ? FAULT_FETCH
                             : tf->esr & ESR_ISS_DABT_WNR ? FAULT_STORE
                                                          : FAULT_LOAD;
  panic_begin_memory_fault(access, tf->far, tf->elr, aarch64_mmu_region(tf->far));
  kprintf("  ESR class 0x%02x (%s), %s, far %p\n", ec, exception_class_name(ec),
          fault_status_name(tf->esr & 0x3f), (void *)tf->far);
  aarch64_dump_frame(tf);
  panic_end(EXIT_PANIC);
}

/* A fault in the task-stack region outside every reservation: a task ran
 * off the bottom of its stack into the guard (kernel/stack_slot_paging.c). */
static void __attribute__((noreturn)) stack_overflow_panic(const struct trap_frame *tf,
                                                           unsigned ec) {
  stack_slot_begin_overflow_panic(tf->far, tf->elr);
  kprintf("  ESR class 0x%02x (%s), %s, far %p\n", ec, exception_class_name(ec),
          fault_status_name(tf->esr & 0x3f), (void *)tf->far);
  aarch64_dump_frame(tf);
  panic_end(EXIT_PANIC);
}

/* An IRQ's frame is on the interrupted stack; every other trap's is on this
 * core's exception stack (trap_entry.S). So the paths below other than the
 * IRQ's must neither switch tasks nor unmask interrupts: they return, or
 * panic. */
void aarch64_trap(struct trap_frame *tf, int kind) {
  if (kind == TRAP_IRQ) {
    /* For the interrupt-to-task benchmark (arch_last_device_irq_instret).
     * Recorded on every IRQ: which ones are devices only the board's
     * controller knows, and the benchmark reads it after a device
     * interrupt. */
    this_cpu()->arch.device_irq_instret = arch_instructions_retired();
    board_irq_dispatch();
    irq_exit();
    return;
  }
  if (kind == TRAP_SYNC) {
    extern char semihosting_hlt_insn[];
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    if (ec == ESR_EC_UNKNOWN && tf->elr == (unsigned long)semihosting_hlt_insn) {
      tf->x[0] = (unsigned long)SEMIHOSTING_NO_HOST; /* see semihosting.c */
      tf->elr += 4;
      return;
    }
    if (is_mmu_abort(ec, tf->esr)) {
      /* Only a data translation fault can be a stack's: an instruction
       * fetch from a stack page, or a permission fault, is reported as
       * what it is (a mapped page would otherwise be retried for ever). */
      bool translation = ec == ESR_EC_DABT_SAME_EL && (tf->esr & 0x3c) == 0x04;
      /* SPSR.I (bit 7) clear: the faulting code ran with IRQs unmasked. */
      switch (translation ? stack_slot_fault(tf->far, !(tf->spsr & (1UL << 7)))
                          : STACK_FAULT_NOT_OURS) {
      case STACK_FAULT_RETRY:
        return; /* the stack grew, or a walk raced the mapping core's DSB */
      case STACK_FAULT_OVERFLOW:
        stack_overflow_panic(tf, ec);
      case STACK_FAULT_NO_PAGE:
        stack_slot_begin_no_page_panic(tf->far, tf->elr);
        aarch64_dump_frame(tf);
        panic_end(EXIT_PANIC);
      case STACK_FAULT_NOT_OURS:
        break;
      }
      mmu_abort_panic(tf, ec);
    }
    trap_panic(tf, kind, "unexpected trap");
  }
  trap_panic(tf, kind, "unexpected exception");
}
