/**
 * @file sifive_test.h
 * @brief QEMU's "sifive_test" finisher device: a store makes QEMU exit.
 */
#ifndef BRIGADE_SIFIVE_TEST_H
#define BRIGADE_SIFIVE_TEST_H

#include <stdint.h>

/**
 * @brief Make QEMU exit with @p code (0: 0x5555 "pass"; otherwise
 *        (code << 16) | 0x3333 "fail", which QEMU turns into exit status code).
 */
__attribute__((noreturn)) void sifive_test_exit(uintptr_t base, int code);

#endif
