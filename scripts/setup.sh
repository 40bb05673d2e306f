#!/usr/bin/env bash
# Install what brigade needs from Debian's archive, only what is missing.
# Root runs apt-get itself (after apt-get update); anyone else is told the
# exact command. Safe to run again: it does nothing when all is present.
# Extra package names given as arguments are wanted too (scripts/bench.sh
# asks for Go and gnuplot this way; CI never runs the benchmarks).
set -euo pipefail
. "$(dirname "$0")/lib/debian-sources.sh"

packages=(
  cmake make gcc libc6-dev        # CMake 3.25 and the host compiler (host board)
  libasan8 libubsan1 libtsan2     # sanitizer runtimes for host-asan, host-tsan
  gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu   # used freestanding for the AArch64 boards
  newlib-source                   # /usr/src/newlib/newlib-3.3.0.tar.xz
  qemu-system-misc qemu-system-data   # qemu-system-riscv64; OpenSBI firmware
  qemu-system-arm                 # qemu-system-aarch64 (virt, raspi3b)
  openocd                         # the boards' JTAG configurations are parsed in the tests
  device-tree-compiler            # dtc, for the device tree tests
  gdb-multiarch                   # GDB task awareness (gdb/brigade.py) and its tests
  openocd                         # board JTAG configs, checked in CI; flash and gdbserver targets
  python3-labgrid python3-pytest  # the HIL runner (hil/), under /usr/bin/python3
  xz-utils coreutils
  python3                         # tests/harness/shell_session.py drives the shell demo
  dosfstools mtools               # FAT32 SD card images for the Pi boards, without root
  clang libclang-rt-dev           # the host-fuzz preset: clang 14 and its libFuzzer/ASan/UBSan runtimes
  llvm                            # llvm-symbolizer: fuzzer and sanitizer reports name source lines
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The Pi boot firmware (scripts/raspi-firmware.sh) is in the release's
# non-free-firmware component, which a minimal Debian leaves out: add it
# beside the machine's own source for the release.
firmware_source=/etc/apt/sources.list.d/brigade-non-free-firmware.sources
need_component=no
debian_component_enabled non-free-firmware deb || need_component=yes

# lwIP (net/) is built from Debian's source package (scripts/fetch-lwip.sh
# runs apt-get source), which needs a deb-src entry for the release's main
# component: derived the same way, from the machine's own source.
lwip_source=/etc/apt/sources.list.d/brigade-deb-src.sources
need_deb_src=no
debian_component_enabled main deb-src || need_deb_src=yes

fetch_lwip() {
  "$(dirname "$0")/fetch-lwip.sh" >/dev/null
}

if [ ${#missing[@]} -eq 0 ] && [ $need_component = no ] && [ $need_deb_src = no ]; then
  fetch_lwip
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  [ ${#missing[@]} -eq 0 ] ||
    echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
  [ $need_component = no ] ||
    echo "setup.sh: apt has no source for the non-free-firmware component (Pi boot firmware)" >&2
  [ $need_deb_src = no ] ||
    echo "setup.sh: apt has no deb-src source for the main component (lwIP's source package)" >&2
  echo "setup.sh: not root; run it again as root: sudo $0" >&2
  exit 1
fi
if [ $need_component = yes ]; then
  stanza=$(debian_component_stanza non-free-firmware deb) || {
    echo "setup.sh: found no apt source for this machine's Debian release" \
         "($(debian_codename)) to derive the non-free-firmware component from" >&2
    exit 1
  }
  echo "setup.sh: adding $firmware_source:" >&2
  echo "$stanza" | sed 's/^/  /' >&2
  echo "$stanza" >"$firmware_source"
fi
if [ $need_deb_src = yes ]; then
  stanza=$(debian_component_stanza main deb-src) || {
    echo "setup.sh: found no apt source for this machine's Debian release" \
         "($(debian_codename)) to derive a deb-src entry from" >&2
    exit 1
  }
  echo "setup.sh: adding $lwip_source:" >&2
  echo "$stanza" | sed 's/^/  /' >&2
  echo "$stanza" >"$lwip_source"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing missing Debian packages: ${missing[*]}" >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
fetch_lwip
