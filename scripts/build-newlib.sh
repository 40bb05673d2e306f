#!/usr/bin/env bash
# Build newlib once per (version, target, flags) into a cache outside the
# source and build trees, and print the install prefix on stdout.
#
#   scripts/build-newlib.sh riscv64|aarch64
#
# The cache lives in $BRIGADE_CACHE (default: ${XDG_CACHE_HOME:-~/.cache}/brigade).
# The key includes a hash of the exact configure line, so changing a flag
# here builds a fresh copy instead of silently reusing a stale one.
set -euo pipefail

arch="${1:?usage: build-newlib.sh riscv64|aarch64}"
tarball=/usr/src/newlib/newlib-3.3.0.tar.xz
version=3.3.0
cache="${BRIGADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/brigade}"

# __DYNAMIC_REENT__ makes newlib find its reentrancy struct through
# __getreent(), which brigade implements per core (and later per task), so
# errno and stdio buffers are never shared between cores.
common_cflags="-O2 -g -ffunction-sections -fdata-sections -D__DYNAMIC_REENT__"
configure_common=(--disable-multilib --disable-newlib-supplied-syscalls
  --enable-newlib-retargetable-locking --enable-newlib-io-c99-formats
  --enable-newlib-io-long-long --disable-nls)

case "$arch" in
  riscv64)
    target=riscv64-unknown-elf
    need_pkg=gcc-riscv64-unknown-elf
    need_cc=riscv64-unknown-elf-gcc
    cflags="$common_cflags -march=rv64gc -mabi=lp64d -mcmodel=medany"
    tools=()
    ;;
  aarch64)
    target=aarch64-none-elf
    need_pkg=gcc-aarch64-linux-gnu
    need_cc=aarch64-linux-gnu-gcc
    cflags="$common_cflags -mno-outline-atomics -mstrict-align"
    x=aarch64-linux-gnu
    tools=("CC_FOR_TARGET=$x-gcc -ffreestanding -mno-outline-atomics"
      "AR_FOR_TARGET=$x-ar" "AS_FOR_TARGET=$x-as" "LD_FOR_TARGET=$x-ld"
      "RANLIB_FOR_TARGET=$x-ranlib" "NM_FOR_TARGET=$x-nm"
      "OBJCOPY_FOR_TARGET=$x-objcopy" "STRIP_FOR_TARGET=$x-strip")
    ;;
  *) echo "build-newlib.sh: unknown arch '$arch' (known: riscv64 aarch64)" >&2; exit 2 ;;
esac

command -v "$need_cc" >/dev/null || { echo "build-newlib.sh: $need_cc not found; install the Debian package $need_pkg" >&2; exit 2; }
[ -f "$tarball" ] || { echo "build-newlib.sh: $tarball not found; install the Debian package newlib-source" >&2; exit 2; }

key_text="$version|$target|$cflags|${configure_common[*]}|${tools[*]:-}"
key=$(printf '%s' "$key_text" | sha256sum | cut -c1-12)
prefix="$cache/newlib-$version-$target-$key"

# Two builds at once (two clones, or a build beside the test command) take
# turns: the second finds the first one's copy complete instead of
# deleting it half installed.
mkdir -p "$cache"
exec 9>"$prefix.lock"
flock 9
if [ ! -f "$prefix/.complete" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/brigade-newlib.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "build-newlib.sh: building newlib $version for $target into $prefix (about a minute)" >&2
  tar -C "$work" -xf "$tarball"
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n1)
  mkdir -p "$work/build"
  rm -rf "$prefix"
  (cd "$work/build" &&
    "$src/configure" --target="$target" --prefix="$prefix" "${configure_common[@]}" \
      CFLAGS_FOR_TARGET="$cflags" "${tools[@]}" >"$work/configure.log" 2>&1 ||
      { tail -n 40 "$work/configure.log" >&2; exit 1; }
    make -j"$(nproc)" all-target-newlib >"$work/make.log" 2>&1 ||
      { tail -n 60 "$work/make.log" >&2; exit 1; }
    make install-target-newlib >"$work/install.log" 2>&1 ||
      { tail -n 40 "$work/install.log" >&2; exit 1; })
  printf '%s\n' "$key_text" >"$prefix/.complete"
fi
echo "$prefix/$target"
