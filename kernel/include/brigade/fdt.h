/**
 * @file fdt.h
 * @brief A small, bounds-checked reader for flattened device trees (DTB).
 *
 * It walks the structure block once and reports nodes and properties to a
 * visitor; it allocates nothing, so it works before the heap exists.
 * Every offset is checked against the blob's own size: a corrupt or
 * truncated blob yields an error code, never a read out of bounds. The
 * caller promises only that the first 8 bytes (magic and size) and then the
 * totalsize bytes the header claims are readable; a claim beyond
 * FDT_MAX_SIZE is refused before anything past the size is read.
 */
#ifndef BRIGADE_FDT_H
#define BRIGADE_FDT_H

#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_DEPTH 16
/** Largest blob accepted: firmware trees are tens of KiB; Linux's arm64 limit is 2 MiB too. */
#define FDT_MAX_SIZE (2u << 20)

enum fdt_event { FDT_NODE_BEGIN, FDT_PROP, FDT_NODE_END };

enum fdt_error {
  FDT_OK = 0,
  FDT_ERR_NULL = -1,      /**< no blob */
  FDT_ERR_MAGIC = -2,     /**< not a DTB (bad magic) */
  FDT_ERR_VERSION = -3,   /**< older than version 16 */
  FDT_ERR_TRUNCATED = -4, /**< an offset or length runs past the blob */
  FDT_ERR_BADSTRUCT = -5, /**< unknown token or unbalanced nodes */
  FDT_ERR_DEPTH = -6,     /**< nested deeper than FDT_MAX_DEPTH */
  FDT_ERR_SIZE = -7,      /**< totalsize below the header's 40 bytes or above FDT_MAX_SIZE */
};

struct fdt_visit {
  enum fdt_event event;
  int depth;                     /**< root node is depth 0 */
  const char *const *path;       /**< node names from the root, path[depth] = this node */
  const char *prop;              /**< property name (FDT_PROP) */
  const void *value;             /**< property value, big-endian (FDT_PROP) */
  uint32_t len;                  /**< value length in bytes (FDT_PROP) */
  uint32_t address_cells;        /**< #address-cells that applies to this node's reg */
  uint32_t size_cells;           /**< #size-cells that applies to this node's reg */
};

/** @brief Return non-zero from a visitor to stop the walk early. */
typedef int (*fdt_visitor)(const struct fdt_visit *v, void *ctx);

/** @brief Check the header; on success store the blob's total size. */
int fdt_check(const void *blob, uint32_t *total_size);

/** @brief Walk every node and property in order. */
int fdt_walk(const void *blob, fdt_visitor visit, void *ctx);

/** @brief Text for an fdt_error. */
const char *fdt_strerror(int err);

/** @brief Read a big-endian number of @p cells 32-bit cells (1 or 2). */
uint64_t fdt_read_cells(const void *p, uint32_t cells);

/** @brief Node name without its unit address: "cpu@3" -> compares as "cpu". */
int fdt_node_is(const char *node_name, const char *base);

/** @brief Whether the visited property (FDT_PROP) is called @p name. */
int fdt_prop_is(const struct fdt_visit *v, const char *name);

/** @brief Whether the visited property, a list of NUL-terminated strings
 *  (such as "compatible"), holds @p want as one of its entries. */
int fdt_string_list_has(const struct fdt_visit *v, const char *want);

#endif
