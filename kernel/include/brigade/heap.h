/**
 * @file heap.h
 * @brief The region newlib's malloc grows into through _sbrk.
 */
#ifndef BRIGADE_HEAP_H
#define BRIGADE_HEAP_H

#include <stddef.h>
#include <stdint.h>

/** @brief Let the heap grow from the linker's __heap_start up to @p limit (exclusive). */
void heap_init(uintptr_t limit);

/** @brief Bytes handed to malloc so far and the most it can ever get. */
void heap_usage(size_t *used, size_t *capacity);

#endif
