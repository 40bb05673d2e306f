/* A kernel/ file that reaches up into sched/: check-layers.sh must reject it. */
#include <brigade/task.h>
