/* A fixture for check-layers.sh: sched/ naming the arch's part of struct cpu. */
uint64_t last = this_cpu()->arch.device_irq_instret;
