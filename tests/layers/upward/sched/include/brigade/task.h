/* Stands for sched/'s public task.h in check-layers.sh's self-test. */
