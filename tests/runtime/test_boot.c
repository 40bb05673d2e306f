/* Boot: every core the device tree lists comes up with its own state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/task.h>

#include "test.h"

struct seen {
  struct cpu *cpu_by_index[64];
  uint64_t hw_id_by_index[64];
  void *stack_by_index[64];
  unsigned calls;
};

static void record(void *arg) {
  struct seen *s = arg;
  struct cpu *cpu = this_cpu();
  int local;
  if (cpu->index < 64) {
    s->cpu_by_index[cpu->index] = cpu;
    s->hw_id_by_index[cpu->index] = cpu->hw_id;
    s->stack_by_index[cpu->index] = &local;
  }
  __atomic_fetch_add(&s->calls, 1, __ATOMIC_RELAXED);
}

TEST(every_usable_core_in_the_device_tree_is_online) {
  unsigned usable = 0;
  for (unsigned i = 0; i < machine.ncores; i++)
    usable += machine.cores[i].usable;
  EXPECT_EQ(cpu_count(), usable);
  EXPECT(cpu_count() >= 1);
  for (unsigned i = 0; i < cpu_count(); i++)
    EXPECT_EQ(cpu_get(i)->online, 1);
}

TEST(each_core_runs_code_with_its_own_cpu_structure) {
  struct seen *s = calloc(1, sizeof *s);
  ASSERT(s);
  smp_call_all(record, s);
  EXPECT_EQ(s->calls, cpu_count());
  /* Core i is the i-th usable hart of the device tree: skipped harts
   * (sifive_u's E51) take no core number. */
  unsigned i = 0;
  for (unsigned dt = 0; dt < machine.ncores && i < cpu_count() && i < 64; dt++) {
    if (!machine.cores[dt].usable)
      continue;
    EXPECT(s->cpu_by_index[i] == cpu_get(i));
    EXPECT_EQ(s->hw_id_by_index[i], machine.cores[dt].hw_id);
    i++;
  }
  free(s);
}

TEST(each_core_has_its_own_stack) {
  struct seen *s = calloc(1, sizeof *s);
  ASSERT(s);
  smp_call_all(record, s);
  for (unsigned i = 0; i < cpu_count() && i < 64; i++)
    for (unsigned j = i + 1; j < cpu_count() && j < 64; j++) {
      intptr_t d = (char *)s->stack_by_index[i] - (char *)s->stack_by_index[j];
      EXPECT(d > 4096 || d < -4096);
    }
  free(s);
}

TEST(hardware_ids_are_unique) {
  for (unsigned i = 0; i < cpu_count(); i++)
    for (unsigned j = i + 1; j < cpu_count(); j++)
      EXPECT_NE(cpu_get(i)->hw_id, cpu_get(j)->hw_id);
}

/* The BOARD_* values are what the board's QEMU machine describes
 * (BRIGADE_TEST_* in board/<board>/board.cmake). */
TEST(ram_size_comes_from_the_device_tree) {
  EXPECT_EQ(machine.ram_size, BOARD_RAM_SIZE);
  EXPECT_EQ(machine.ram_base, BOARD_RAM_BASE);
}

TEST(timebase_comes_from_the_device_tree) {
  EXPECT_EQ(machine.timer_hz, BOARD_TIMER_HZ);
  EXPECT_EQ(arch_tick_hz(), machine.timer_hz);
}

TEST(gettimeofday_moves_forward_at_the_timebase_rate) {
  struct timeval a, b;
  EXPECT_EQ(gettimeofday(&a, NULL), 0);
  uint64_t t0 = arch_now_ticks();
  while (arch_now_ticks() - t0 < arch_tick_hz() / 50) /* 20 ms */
    ;
  EXPECT_EQ(gettimeofday(&b, NULL), 0);
  long long us = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_usec - a.tv_usec);
  EXPECT(us >= 20000);
  EXPECT(us < 2000000);
}
