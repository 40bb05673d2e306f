#!/usr/bin/env bash
# The README's test command: install what is missing, build newlib into the
# cache if absent, then configure, build and test every board preset.
# Ends with one line "N passed, M failed" over all presets.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

presets=(${BRIGADE_TEST_PRESETS:-qemu-virt-rv64 qemu-sifive-u visionfive2 qemu-virt-aarch64 raspi3b rpi4b host host-asan host-tsan fuzz})
total_pass=0
total_fail=0
status=0
for p in "${presets[@]}"; do
  echo "=== $p ==="
  log=$(mktemp)
  cmake --workflow --preset "$p" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # ctest's summary: "NN% tests passed, F tests failed out of T"
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "test.sh: preset $p did not reach its tests (exit status $rc)"
    total_fail=$((total_fail + 1))
    status=1
    continue
  fi
  failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
  total=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
  total_pass=$((total_pass + total - failed))
  total_fail=$((total_fail + failed))
  [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] || status=1
done
echo "${total_pass} passed, ${total_fail} failed"
exit $status
