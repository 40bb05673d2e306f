/* The boot arguments (QEMU's -append, the firmware's /chosen/bootargs, or
 * BRIGADE_ARGS on the host): words of the form key=value, separated by
 * spaces. */
#include <string.h>

#include <brigade/machine.h>

const char *bootarg(const char *key) {
  const char *args = machine.bootargs;
  size_t n = strlen(key);
  for (const char *p = args; p && (p = strstr(p, key)); p += n)
    if ((p == args || p[-1] == ' ') && p[n] == '=')
      return p + n + 1;
  return NULL;
}
