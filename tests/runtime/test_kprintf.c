/* kprintf's formatter (kernel/kprintf.c): what the boot, the diagnostics and
 * every panic report print with. A conversion it misread once made a boot
 * diagnosis crash: "%#lx" took no argument, so the "%s" after it read the
 * hardware id as a string pointer. Each case here formats through
 * kprintf_set_output into a buffer and compares with what C's printf
 * prints for the same format; the last runs that diagnosis itself. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/kprintf.h>

#include "test.h"

static char got[256];
static size_t got_len;

static void capture(const char *buf, size_t n) {
  for (size_t i = 0; i < n && got_len < sizeof got - 1; i++)
    got[got_len++] = buf[i];
  got[got_len] = '\0';
}

static const struct kprintf_output capture_output = {capture, capture};

/* From here to kprintf_set_output(returned value), kprintf writes into got
 * alone, from empty. */
static const struct kprintf_output *capture_begin(void) {
  got_len = 0;
  got[0] = '\0';
  return kprintf_set_output(&capture_output);
}

/* kprintf's output for fmt and C's, compared; the other cores are idle and
 * nothing else prints meanwhile, so the capture holds this line alone. */
__attribute__((format(printf, 2, 3))) static void same_as_printf(int line, const char *fmt, ...) {
  char want[256];
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  vsnprintf(want, sizeof want, fmt, ap);
  const struct kprintf_output *before = capture_begin();
  kvprintf(fmt, ap2);
  kprintf_set_output(before);
  va_end(ap2);
  va_end(ap);
  if (strcmp(got, want) != 0)
    test_fail(__FILE__, line, "format \"%s\": kprintf wrote \"%s\", printf \"%s\"", fmt, got, want);
}

TEST(alternate_hex_takes_its_argument_and_prints_0x) {
  same_as_printf(__LINE__, "core %u (MPIDR %#lx): PSCI affinity state %s", 3u, 3ul, "off");
  same_as_printf(__LINE__, "[%#x]", 0x2au);
  same_as_printf(__LINE__, "[%#x]", 0u);
  same_as_printf(__LINE__, "[%#10x]", 0xbeefu);
  same_as_printf(__LINE__, "[%#010x]", 0xbeefu);
  same_as_printf(__LINE__, "[%-#10x]", 0xbeefu);
}

TEST(widths_padding_and_signs_match_printf) {
  same_as_printf(__LINE__, "[%d] [%d] [%5d] [%-5d] [%05d] [%05d]", 0, -7, -42, 42, 42, -42);
  same_as_printf(__LINE__, "[%u] [%lu] [%llu] [%zu]", 4000000000u, 123456789012ul,
                 18446744073709551615ull, (size_t)77);
  same_as_printf(__LINE__, "[%x] [%02x] [%016lx] [%llx]", 0xffu, 0x5u, 0xdeadbeeful,
                 0x123456789abcdefull);
  same_as_printf(__LINE__, "[%s] [%-9s] [%9s] [%c] [%%]", "abc", "left", "right", 'z');
  same_as_printf(__LINE__, "[%ld] [%lld]", -1234567890123l, -9ll);
}

TEST(pointers_print_as_sixteen_hex_digits) {
  /* Not C's %p (which is implementation-defined): 0x and 16 digits always. */
  const struct kprintf_output *before = capture_begin();
  kprintf("%p %p", (void *)0, (void *)0x1234);
  kprintf_set_output(before);
  EXPECT_STREQ(got, "0x0000000000000000 0x0000000000001234");
}

/* What the boot prints for a core that has not reported in: on every board
 * a line naming the core and its state, with every conversion understood
 * (kprintf prints one it does not know as it stands, '%' included). */
TEST(a_core_diagnosis_prints_one_whole_line) {
  const struct cpu *last = cpu_get(cpu_count() - 1);
  const struct kprintf_output *before = capture_begin();
  board_diagnose_cpu(last);
  kprintf_set_output(before);
  printf("    %s", got);
  char want[16];
  snprintf(want, sizeof want, "  core %u", last->index);
  EXPECT(strncmp(got, want, strlen(want)) == 0);
  EXPECT(got_len > 0 && got[got_len - 1] == '\n');
  EXPECT(strchr(got, '%') == NULL);
}
