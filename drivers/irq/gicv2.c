#include "gicv2.h"

/* Distributor (GIC architecture spec v2, IHI 0048B, 4.3) */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00
#define GICD_CPENDSGIR 0xf10

/* CPU interface (4.4) */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define PRIORITY_DEFAULT 0xa0 /* every interrupt equal; below PMR 0xf0 so all are signalled */

static inline volatile uint32_t *dist(const struct gicv2 *g, unsigned off) {
  return (volatile uint32_t *)(g->dist + off);
}

static inline volatile uint32_t *cpuif(const struct gicv2 *g, unsigned off) {
  return (volatile uint32_t *)(g->cpu + off);
}

void gicv2_init(const struct gicv2 *g) {
  *dist(g, GICD_CTLR) = 0;
  unsigned lines = 32 * ((*dist(g, GICD_TYPER) & 0x1f) + 1);
  for (unsigned id = 32; id < lines; id += 32) {
    *dist(g, GICD_ICENABLER + id / 8) = ~0u;
    *dist(g, GICD_ICPENDR + id / 8) = ~0u;
  }
  for (unsigned id = 32; id < lines; id += 4) {
    *dist(g, GICD_IPRIORITYR + id) = PRIORITY_DEFAULT * 0x01010101u;
    *dist(g, GICD_ITARGETSR + id) = 0x01010101u; /* CPU interface 0: the boot core */
  }
  *dist(g, GICD_CTLR) = 1;
}

uint8_t gicv2_cpu_init(const struct gicv2 *g) {
  /* SGIs and PPIs (ids 0-31) are banked: each core sets up its own. */
  *dist(g, GICD_ICENABLER) = ~0u;
  *dist(g, GICD_ICPENDR) = ~0u;
  for (unsigned id = 0; id < 32; id += 4)
    *dist(g, GICD_IPRIORITYR + id) = PRIORITY_DEFAULT * 0x01010101u;
  *cpuif(g, GICC_PMR) = 0xf0;
  *cpuif(g, GICC_BPR) = 0;
  *cpuif(g, GICC_CTLR) = 1;
  /* The first ITARGETSR bytes read as the calling core's own interface,
   * except on a GIC with one CPU interface, where they read as zero (and
   * targets do not matter): that one is interface 0. */
  uint8_t self = (uint8_t)(*dist(g, GICD_ITARGETSR) & 0xff);
  return self ? self : 1;
}

void gicv2_enable(const struct gicv2 *g, unsigned id) {
  *dist(g, GICD_ISENABLER + 4 * (id / 32)) = 1u << (id % 32);
}

void gicv2_route(const struct gicv2 *g, unsigned id, uint8_t targets) {
  volatile uint8_t *target = (volatile uint8_t *)(g->dist + GICD_ITARGETSR + id);
  *target = targets;
  /* Two bits per interrupt; the upper one set means edge-triggered. */
  *dist(g, GICD_ICFGR + 4 * (id / 16)) &= ~(2u << (2 * (id % 16)));
  gicv2_enable(g, id);
}

uint32_t gicv2_acknowledge(const struct gicv2 *g) { return *cpuif(g, GICC_IAR); }

void gicv2_end(const struct gicv2 *g, uint32_t iar) { *cpuif(g, GICC_EOIR) = iar; }

void gicv2_send_sgi(const struct gicv2 *g, uint8_t targets, unsigned sgi) {
  /* The wake-up must not overtake the stores that published the work. */
  __asm__ volatile("dsb ishst" ::: "memory");
  *dist(g, GICD_SGIR) = ((uint32_t)targets << 16) | (sgi & 0xf);
}

void gicv2_clear_sgi(const struct gicv2 *g, unsigned sgi) {
  /* One byte per SGI, one bit per sending core: clear them all. */
  *dist(g, GICD_CPENDSGIR + (sgi & ~3u)) = 0xffu << (8 * (sgi % 4));
}
