#!/usr/bin/env bash
# Fetch lwIP's source once, from Debian's source package `lwip`, into the
# cache outside the clone (beside newlib's), and print the source folder.
#
#   scripts/fetch-lwip.sh
#
# apt-get source downloads the package (apt checks it against the signed
# release files); only the upstream tarball is unpacked: brigade builds
# lwIP's core itself (scripts/build-lwip.sh), so Debian's packaging is not
# needed. Nothing is downloaded when the cache already holds the source.
# apt needs a deb-src entry for the release; scripts/setup.sh adds one.
set -euo pipefail

version=2.1.3
cache="${BRIGADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/brigade}"
src="$cache/lwip-$version-src"

if [ ! -f "$src/.complete" ]; then
  command -v apt-get >/dev/null || { echo "fetch-lwip.sh: apt-get not found (brigade fetches lwIP as Debian's source package)" >&2; exit 2; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/brigade-lwip.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "fetch-lwip.sh: fetching Debian's source package lwip into $src" >&2
  (cd "$work" && apt-get source --download-only -q lwip >"$work/apt.log" 2>&1) || {
    cat "$work/apt.log" >&2
    echo "fetch-lwip.sh: apt-get source lwip failed; apt needs a deb-src entry for this" \
         "release: run scripts/setup.sh as root to add one" >&2
    exit 1
  }
  tarball=$(find "$work" -maxdepth 1 -name "lwip_$version*.orig.tar.*" | head -n1)
  if [ -z "$tarball" ]; then
    echo "fetch-lwip.sh: apt-get source lwip brought no lwip $version tarball (got:" \
         "$(cd "$work" && ls | tr '\n' ' '))" >&2
    exit 1
  fi
  mkdir -p "$work/unpack"
  tar -C "$work/unpack" -xf "$tarball"
  top=$(find "$work/unpack" -mindepth 1 -maxdepth 1 -type d | head -n1)
  [ -f "$top/src/core/tcp.c" ] || { echo "fetch-lwip.sh: $(basename "$tarball") has no src/core/tcp.c" >&2; exit 1; }
  mkdir -p "$cache"
  rm -rf "$src"
  mv "$top" "$src"
  basename "$tarball" >"$src/.complete"
fi
echo "$src"
