/* What newlib's malloc has handed out and not had back, for tests and
 * diagnostics that look for leaks.
 *
 * newlib 3.3's <malloc.h> declares struct mallinfo with size_t fields and
 * says it "must match the one in libc/stdlib/mallocr.c", but mallocr.c is
 * built without HAVE_USR_INCLUDE_MALLOC_H and so defines its own, with int
 * fields: mallinfo() fills 10 ints (40 bytes) while a caller compiled
 * against the header reads 10 size_t (80), and uordblks (at byte 56) is
 * whatever the caller's stack held there. This file therefore does not
 * include <malloc.h>: it declares mallinfo with the struct mallocr.c really
 * returns. */
#include <stddef.h>

#include <brigade/libc.h>

/* mallocr.c's layout (the SVID/XPG struct), field for field. */
struct newlib_mallinfo {
  int arena;    /* bytes taken from the system (sbrk) */
  int ordblks;  /* free chunks */
  int smblks;   /* unused */
  int hblks;    /* unused (no mmap) */
  int hblkhd;   /* unused (no mmap) */
  int usmblks;  /* unused */
  int fsmblks;  /* unused */
  int uordblks; /* bytes in chunks handed out, their headers included */
  int fordblks; /* bytes in free chunks */
  int keepcost; /* the top chunk, which malloc_trim could give back */
};

struct newlib_mallinfo mallinfo(void);

size_t libc_heap_in_use(void) {
  struct newlib_mallinfo mi = mallinfo();
  return (size_t)(unsigned)mi.uordblks;
}
