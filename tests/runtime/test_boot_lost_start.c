/* Boot when the firmware loses a hart_start: the first SBI hart_start of every
 * secondary sends the hart down the cold-boot path (_start with the device
 * tree), as OpenSBI 1.0/1.1 does now and then on a loaded host. The hart finds
 * the boot claimed and stops itself; the boot core must notice the stopped
 * hart, start it again, and bring every core online. */
#include <stdbool.h>

#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/task.h>

#include "test.h"

#define MAX_CORES 64

/* Written by the boot core before any secondary runs; read by main, which
 * runs after start_secondaries has seen every core report in (acquire). */
static bool start_lost[MAX_CORES];
static unsigned starts_lost;

bool sbi_lose_hart_start_for_test(const struct cpu *cpu);

bool sbi_lose_hart_start_for_test(const struct cpu *cpu) {
  if (cpu->index >= MAX_CORES || start_lost[cpu->index])
    return false;
  start_lost[cpu->index] = true;
  starts_lost++;
  return true;
}

static void count_core(void *arg) { __atomic_fetch_add((unsigned *)arg, 1, __ATOMIC_RELAXED); }

/* The boot core is whichever hart won the firmware's lottery (on sifive_u
 * often not core 0): every core but that one had its start lost, once. */
TEST(the_first_start_of_every_secondary_was_lost) {
  EXPECT_EQ(starts_lost, cpu_count() - 1);
  unsigned cores_lost = 0;
  for (unsigned i = 0; i < cpu_count() && i < MAX_CORES; i++)
    cores_lost += start_lost[i];
  EXPECT_EQ(cores_lost, cpu_count() - 1);
}

TEST(every_core_is_online_after_its_start_was_lost) {
  unsigned usable = 0;
  for (unsigned i = 0; i < machine.ncores; i++)
    usable += machine.cores[i].usable;
  EXPECT_EQ(cpu_count(), usable);
  for (unsigned i = 0; i < cpu_count(); i++)
    EXPECT_EQ(cpu_get(i)->online, 1);
}

TEST(every_core_runs_tasks_after_its_start_was_lost) {
  unsigned calls = 0;
  smp_call_all(count_core, &calls);
  EXPECT_EQ(__atomic_load_n(&calls, __ATOMIC_RELAXED), cpu_count());
}
