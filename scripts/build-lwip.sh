#!/usr/bin/env bash
# Build lwIP once per (version, compiler, flags, brigade's port headers)
# into the cache beside newlib's, and print the library's path on stdout.
#
#   scripts/build-lwip.sh CC PORT_INCLUDE_DIR NEWLIB_INCLUDE_DIR CFLAGS...
#
# The source comes from scripts/fetch-lwip.sh (Debian's source package,
# fetched once). What is built: lwIP's core, IPv4, the sequential API and
# the Ethernet layer, compiled against brigade's port headers (lwipopts.h,
# arch/cc.h, arch/sys_arch.h in PORT_INCLUDE_DIR). The key hashes the
# compiler, the flags and those headers' contents, so changing any of them
# builds a fresh copy instead of silently reusing a stale one. brigade's
# sys_arch and netif (net/) are compiled with the runtime, not here.
set -euo pipefail

cc="${1:?usage: build-lwip.sh CC PORT_INCLUDE_DIR NEWLIB_INCLUDE_DIR CFLAGS...}"
port="${2:?}"
newlib_include="${3:?}"
shift 3
cflags=("$@")
version=2.1.3
cache="${BRIGADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/brigade}"

src=$("$(dirname "$0")/fetch-lwip.sh")
target=$("$cc" -dumpmachine)
headers_hash=$(cd "$port" && find . -name '*.h' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
key_text="$version|$target|$(basename "$cc")|${cflags[*]}|$headers_hash"
key=$(printf '%s' "$key_text" | sha256sum | cut -c1-12)
prefix="$cache/lwip-$version-$target-$key"

# Two builds at once (two clones, or a build beside the test command) take
# turns: the second finds the first one's copy complete instead of
# deleting it half installed.
mkdir -p "$cache"
exec 9>"$prefix.lock"
flock 9
if [ ! -f "$prefix/.complete" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/brigade-lwip-build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "build-lwip.sh: building lwIP $version for $target into $prefix" >&2
  sources=("$src"/src/core/*.c "$src"/src/core/ipv4/*.c "$src"/src/api/*.c "$src"/src/netif/ethernet.c)
  objects=()
  for s in "${sources[@]}"; do
    o="$work/$(basename "$(dirname "$s")")_$(basename "${s%.c}").o"
    "$cc" "${cflags[@]}" -I"$port" -I"$src/src/include" -isystem "$newlib_include" \
      -c "$s" -o "$o" 2>"$work/cc.log" || { cat "$work/cc.log" >&2; exit 1; }
    objects+=("$o")
  done
  rm -rf "$prefix"
  mkdir -p "$prefix/lib"
  "${cc%gcc}ar" rcs "$prefix/lib/liblwip.a" "${objects[@]}"
  cp -r "$src/src/include" "$prefix/include"
  printf '%s\n' "$key_text" >"$prefix/.complete"
fi
echo "$prefix"
