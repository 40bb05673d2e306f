/* lwIP's operating-system types for brigade (lwIP includes it as
 * "arch/sys_arch.h"): every one is a pointer to an object net/sys_arch.c
 * makes on brigade's primitives, so this header needs none of brigade's
 * headers (see arch/cc.h).
 *
 *   sys_sem_t    a one-slot channel of events (a binary semaphore with a
 *                timed wait: chan_select with a timeout)
 *   sys_mutex_t  a brigade mutex (struct mutex)
 *   sys_mbox_t   a channel of pointers of the mailbox's size
 *   sys_thread_t a brigade task
 *
 * A NULL pointer is an invalid (never made, or freed) object. */
#ifndef BRIGADE_LWIP_ARCH_SYS_ARCH_H
#define BRIGADE_LWIP_ARCH_SYS_ARCH_H

struct chan;
struct mutex;
struct task;

typedef struct chan *sys_sem_t;
typedef struct mutex *sys_mutex_t;
typedef struct chan *sys_mbox_t;
typedef struct task *sys_thread_t;

#define SYS_SEM_NULL NULL
#define SYS_MBOX_NULL NULL

#define sys_sem_valid(s) (*(s) != NULL)
#define sys_sem_set_invalid(s) (*(s) = NULL)
#define sys_mutex_valid(m) (*(m) != NULL)
#define sys_mutex_set_invalid(m) (*(m) = NULL)
#define sys_mbox_valid(mb) (*(mb) != NULL)
#define sys_mbox_set_invalid(mb) (*(mb) = NULL)

/* SYS_ARCH_PROTECT: the interrupt mask token of the core that holds the
 * protection lock (see sys_arch_protect in net/sys_arch.c). */
typedef unsigned long sys_prot_t;

#endif
