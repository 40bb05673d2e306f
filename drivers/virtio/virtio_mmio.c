#include "virtio_mmio.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <brigade/fdt.h>

/* Registers of the version-2 transport (virtio 1.x, section 4.2.2). */
enum {
  MMIO_MAGIC = 0x000,
  MMIO_VERSION = 0x004,
  MMIO_DEVICE_ID = 0x008,
  MMIO_DEVICE_FEATURES = 0x010,
  MMIO_DEVICE_FEATURES_SEL = 0x014,
  MMIO_DRIVER_FEATURES = 0x020,
  MMIO_DRIVER_FEATURES_SEL = 0x024,
  MMIO_QUEUE_SEL = 0x030,
  MMIO_QUEUE_NUM_MAX = 0x034,
  MMIO_QUEUE_NUM = 0x038,
  MMIO_QUEUE_READY = 0x044,
  MMIO_QUEUE_NOTIFY = 0x050,
  MMIO_INTERRUPT_STATUS = 0x060,
  MMIO_INTERRUPT_ACK = 0x064,
  MMIO_STATUS = 0x070,
  MMIO_QUEUE_DESC_LOW = 0x080,
  MMIO_QUEUE_DESC_HIGH = 0x084,
  MMIO_QUEUE_DRIVER_LOW = 0x090,
  MMIO_QUEUE_DRIVER_HIGH = 0x094,
  MMIO_QUEUE_DEVICE_LOW = 0x0a0,
  MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
  MMIO_CONFIG = 0x100,
};

/* Device status bits. */
enum {
  STATUS_ACKNOWLEDGE = 1,
  STATUS_DRIVER = 2,
  STATUS_DRIVER_OK = 4,
  STATUS_FEATURES_OK = 8,
  STATUS_FAILED = 128,
};

/* Plain volatile accesses, as in the other drivers: QEMU performs a core's
 * device accesses in program order. The one place normal memory and
 * device accesses must be ordered against each other (ring writes before
 * the notify) has its barrier in virtio_mmio_notify. */
static uint32_t mmio_read(uintptr_t base, unsigned reg) {
  return *(volatile uint32_t *)(base + reg);
}

static void mmio_write(uintptr_t base, unsigned reg, uint32_t v) {
  *(volatile uint32_t *)(base + reg) = v;
}

/* ---- the device tree ---------------------------------------------------- */

struct node_seen {
  bool virtio;
  bool has_reg;
  struct virtio_mmio_node node;
};

struct find_ctx {
  struct node_seen at[FDT_MAX_DEPTH + 1]; /* per depth: nodes nest */
  struct virtio_mmio_node *out;
  unsigned max, found;
};

static int visit(const struct fdt_visit *v, void *arg) {
  struct find_ctx *ctx = arg;
  if (v->depth < 0 || v->depth > FDT_MAX_DEPTH)
    return 0;
  struct node_seen *seen = &ctx->at[v->depth];
  switch (v->event) {
  case FDT_NODE_BEGIN:
    memset(seen, 0, sizeof *seen);
    break;
  case FDT_PROP:
    if (fdt_prop_is(v, "compatible")) {
      seen->virtio = fdt_string_list_has(v, "virtio,mmio");
    } else if (fdt_prop_is(v, "reg")) {
      uint32_t a = v->address_cells, s = v->size_cells;
      if (a >= 1 && a <= 2 && s <= 2 && v->len >= 4 * (a + s)) {
        seen->node.base = (uintptr_t)fdt_read_cells(v->value, a);
        seen->node.size = s ? fdt_read_cells((const uint8_t *)v->value + 4 * a, s) : 0;
        seen->has_reg = true;
      }
    } else if (fdt_prop_is(v, "interrupts")) {
      unsigned n = v->len / 4 < 3 ? v->len / 4 : 3;
      for (unsigned i = 0; i < n; i++)
        seen->node.irq_cells[i] = (uint32_t)fdt_read_cells((const uint8_t *)v->value + 4 * i, 1);
      seen->node.nirq_cells = n;
    }
    break;
  case FDT_NODE_END:
    if (seen->virtio && seen->has_reg) {
      if (ctx->found < ctx->max)
        ctx->out[ctx->found] = seen->node;
      ctx->found++;
    }
    break;
  }
  return 0;
}

int virtio_mmio_find(const void *dtb, struct virtio_mmio_node *out, unsigned max) {
  struct find_ctx ctx = {.out = out, .max = max}; /* under 1 KiB */
  int err = fdt_walk(dtb, visit, &ctx);
  return err ? err : (int)ctx.found;
}

/* ---- the handshake ------------------------------------------------------ */

struct virtio_mmio_id virtio_mmio_identify(uintptr_t base) {
  return (struct virtio_mmio_id){.magic = mmio_read(base, MMIO_MAGIC),
                                 .version = mmio_read(base, MMIO_VERSION),
                                 .device_id = mmio_read(base, MMIO_DEVICE_ID)};
}

static uint64_t device_features(uintptr_t base) {
  mmio_write(base, MMIO_DEVICE_FEATURES_SEL, 1);
  uint64_t high = mmio_read(base, MMIO_DEVICE_FEATURES);
  mmio_write(base, MMIO_DEVICE_FEATURES_SEL, 0);
  return high << 32 | mmio_read(base, MMIO_DEVICE_FEATURES);
}

int virtio_mmio_negotiate(uintptr_t base, uint64_t wanted, uint64_t required, uint64_t *accepted) {
  mmio_write(base, MMIO_STATUS, 0); /* reset: reads 0 once done (QEMU: at once) */
  while (mmio_read(base, MMIO_STATUS) != 0)
    ;
  mmio_write(base, MMIO_STATUS, STATUS_ACKNOWLEDGE);
  mmio_write(base, MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
  uint64_t offered = device_features(base);
  uint64_t agreed = offered & (wanted | required);
  if ((agreed & required) != required) {
    mmio_write(base, MMIO_STATUS, STATUS_FAILED);
    *accepted = offered; /* what the device had, for the caller's message */
    return -ENOTSUP;
  }
  mmio_write(base, MMIO_DRIVER_FEATURES_SEL, 1);
  mmio_write(base, MMIO_DRIVER_FEATURES, (uint32_t)(agreed >> 32));
  mmio_write(base, MMIO_DRIVER_FEATURES_SEL, 0);
  mmio_write(base, MMIO_DRIVER_FEATURES, (uint32_t)agreed);
  uint32_t status = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK;
  mmio_write(base, MMIO_STATUS, status);
  if (!(mmio_read(base, MMIO_STATUS) & STATUS_FEATURES_OK)) {
    mmio_write(base, MMIO_STATUS, STATUS_FAILED);
    *accepted = agreed;
    return -ENOTSUP;
  }
  *accepted = agreed;
  return 0;
}

int virtio_mmio_setup_queue(uintptr_t base, struct virtqueue *q, unsigned index, uint16_t size) {
  mmio_write(base, MMIO_QUEUE_SEL, index);
  uint32_t max = mmio_read(base, MMIO_QUEUE_NUM_MAX);
  if (max == 0)
    return -ENODEV;
  while (size > max)
    size /= 2;
  int err = virtqueue_init(q, index, size);
  if (err)
    return err;
  mmio_write(base, MMIO_QUEUE_NUM, size);
  uint64_t desc = (uintptr_t)q->desc, avail = (uintptr_t)q->avail_flags,
           used = (uintptr_t)q->used_flags;
  mmio_write(base, MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
  mmio_write(base, MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
  mmio_write(base, MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
  mmio_write(base, MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
  mmio_write(base, MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
  mmio_write(base, MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
  /* The zeroed rings were written before these register writes; the
   * device reads them only after QueueReady, a later device access. */
  virtqueue_barrier_before_notify();
  mmio_write(base, MMIO_QUEUE_READY, 1);
  return 0;
}

void virtio_mmio_driver_ok(uintptr_t base) {
  mmio_write(base, MMIO_STATUS,
             STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

void virtio_mmio_notify(uintptr_t base, const struct virtqueue *q) {
  virtqueue_barrier_before_notify(); /* the published ring, then the doorbell */
  mmio_write(base, MMIO_QUEUE_NOTIFY, q->index);
}

uint32_t virtio_mmio_ack_interrupt(uintptr_t base) {
  uint32_t status = mmio_read(base, MMIO_INTERRUPT_STATUS);
  if (status)
    mmio_write(base, MMIO_INTERRUPT_ACK, status);
  return status;
}

uint8_t virtio_mmio_config8(uintptr_t base, unsigned offset) {
  return *(volatile uint8_t *)(base + MMIO_CONFIG + offset);
}
