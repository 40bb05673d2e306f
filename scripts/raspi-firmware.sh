#!/usr/bin/env bash
# The Raspberry Pi boot firmware (bootcode.bin, start.elf, fixup.dat,
# start4.elf, fixup4.dat) from Debian's raspi-firmware package, unpacked
# once per package version into the cache; prints the directory holding
# the files on stdout.
#
#   scripts/raspi-firmware.sh
#
# The package is downloaded and unpacked, never installed: its maintainer
# scripts and kernel hooks copy firmware and kernels into /boot/firmware,
# which on a machine that is not a Pi is someone else's boot partition.
# apt must know the package: scripts/setup.sh enables the archive's
# non-free-firmware component for that.
set -euo pipefail

cache="${BRIGADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/brigade}"
files=(bootcode.bin start.elf fixup.dat start4.elf fixup4.dat)

version=$(apt-cache policy raspi-firmware 2>/dev/null | awk '/Candidate:/ { print $2 }')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  echo "raspi-firmware.sh: apt knows no raspi-firmware package: run scripts/setup.sh (as root)," \
       "which enables the non-free-firmware component of this machine's Debian archive" >&2
  exit 1
fi
dir="$cache/raspi-firmware-${version//[:~]/_}"
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  work=$(mktemp -d "$cache/raspi-firmware.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -q "raspi-firmware=$version" >&2)
  dpkg-deb -x "$work"/raspi-firmware_*.deb "$work/root"
  for f in "${files[@]}"; do
    src=$(find "$work/root" -name "$f" -type f | head -n1)
    [ -n "$src" ] || { echo "raspi-firmware.sh: raspi-firmware $version has no $f" >&2; exit 1; }
    cp "$src" "$dir/$f"
  done
  echo "$version" >"$dir/.complete"
fi
echo "$dir"
