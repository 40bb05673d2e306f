/* A QEMU TCG plugin that counts the instructions each vCPU retires and
 * reports the counts whenever the guest executes a mark: the RISC-V hint
 * `slti zero, zero, ID` (an instruction with no effect, reserved for hints
 * like this one). It gives the benchmarks exact per-hart instruction counts
 * where the guest's own instret cannot: QEMU 7.2 counts instructions in
 * instret only under -icount, which runs a single hart, and counts idle time
 * in it too.
 *
 *   qemu-system-riscv64 ... -plugin instruction_marks.so,out=FILE
 *
 * FILE gets one line per mark executed: "mark ID VCPU C0 C1 ... Cn-1", the
 * instructions every vCPU had retired when vCPU VCPU executed mark ID (its
 * own count exact to the instruction, the others' as of the start of the
 * block each is running, which is exact when they are idle).
 *
 * The QEMU 7.2 plugin API, declared here from its documentation because
 * Debian ships the plugin loader but not its header. Only plugin API
 * version 1 calls are used.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
  const char *target_name;
  struct {
    int min, cur;
  } version;
  bool system_emulation;
  union {
    struct {
      int smp_vcpus, max_vcpus;
    } system;
  };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
                                    void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_VCPUS 64

/* Each vCPU thread adds to its own slot only (MTTCG runs one thread per
 * vCPU), so plain adds suffice; readers of another vCPU's slot see a value
 * at most one block old. */
static volatile uint64_t retired[MAX_VCPUS];
static unsigned nvcpus;
static FILE *out;

/* The mark's encoding: slti x0, x0, imm (opcode OP-IMM, funct3 010, rd =
 * rs1 = x0). */
static bool is_mark(uint32_t insn, unsigned *id) {
  if ((insn & 0x000fffffu) != 0x00002013u)
    return false;
  *id = insn >> 20;
  return true;
}

static void on_block(unsigned int vcpu, void *ninsns) {
  if (vcpu < MAX_VCPUS)
    retired[vcpu] += (uintptr_t)ninsns;
}

/* udata packs the mark's id and how many instructions of its block come
 * after it: the block's count was added when the block began. */
static void on_mark(unsigned int vcpu, void *udata) {
  uintptr_t packed = (uintptr_t)udata;
  unsigned id = (unsigned)(packed >> 32), after = (unsigned)(packed & 0xffffffffu);
  char line[64 + 24 * MAX_VCPUS];
  int n = snprintf(line, sizeof line, "mark %u %u", id, vcpu);
  for (unsigned v = 0; v < nvcpus && n < (int)sizeof line - 24; v++)
    n += snprintf(line + n, sizeof line - (size_t)n, " %" PRIu64,
                  retired[v] - (v == vcpu ? after : 0));
  /* One fprintf per line: stdio's lock keeps lines from two vCPUs whole. */
  fprintf(out, "%s\n", line);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint32_t word;
    unsigned mark;
    if (qemu_plugin_insn_size(insn) != 4)
      continue;
    memcpy(&word, qemu_plugin_insn_data(insn), 4);
    if (is_mark(word, &mark))
      qemu_plugin_register_vcpu_insn_exec_cb(
          insn, on_mark, QEMU_PLUGIN_CB_NO_REGS,
          (void *)(((uintptr_t)mark << 32) | (uintptr_t)(n - i - 1)));
  }
}

static void flush_at_exit(qemu_plugin_id_t id, void *p) {
  (void)id;
  (void)p;
  fflush(out);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info, int argc,
                                                               char **argv) {
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "arg=", 4) == 0) /* older QEMU spelling */
      a += 4;
    if (strncmp(a, "out=", 4) == 0)
      path = a + 4;
  }
  if (!path) {
    fprintf(stderr, "instruction_marks: give the output file: -plugin ...,out=FILE\n");
    return 1;
  }
  if (!info->system_emulation || info->system.max_vcpus > MAX_VCPUS) {
    fprintf(stderr, "instruction_marks: system emulation with at most %d vCPUs only\n",
            MAX_VCPUS);
    return 1;
  }
  nvcpus = (unsigned)info->system.max_vcpus;
  out = fopen(path, "w");
  if (!out) {
    fprintf(stderr, "instruction_marks: cannot write %s\n", path);
    return 1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, flush_at_exit, NULL);
  return 0;
}
