#include "gicv2_board.h"

#include <brigade/board.h>
#include <brigade/cpu.h>

#include "kernel/arch/aarch64/aarch64.h"

void board_cpu_init(struct cpu *cpu) {
  aarch64_cpu_init();
  gicv2_cpu_irqs_init_core(&gicv2_board_irqs, cpu->index);
}

void board_irq_dispatch(void) { gicv2_cpu_irqs_dispatch(&gicv2_board_irqs); }

void board_send_ipi(const struct cpu *target) {
  gicv2_cpu_irqs_send_wake(&gicv2_board_irqs, target->index);
}

void board_clear_ipi(void) { gicv2_cpu_irqs_clear_wake(&gicv2_board_irqs); }
