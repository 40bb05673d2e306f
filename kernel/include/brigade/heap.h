/**
 * @file heap.h
 * @brief The region newlib's malloc grows into through _sbrk.
 */
#ifndef BRIGADE_HEAP_H
#define BRIGADE_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/**
 * @brief Let the heap grow from the end of the image (the linker's
 *        __heap_start) up to the end of @p m's RAM, or up to the device tree
 *        the firmware left in RAM, so that it stays readable. Boot, once.
 */
void heap_init(const struct machine *m);

/** @brief Bytes handed to malloc so far and the most it can ever get. */
void heap_usage(size_t *used, size_t *capacity);

#endif
