#!/usr/bin/env bash
# The README's test command: install what is missing, build newlib into the
# cache if absent, then configure, build and test every board's presets.
# Ends with one line "N passed, M failed" over all presets.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

# The boards are the folders board/<name>/ with a board.cmake. Each has a
# workflow preset of its name, and its variants (host-asan, host-tsan) are
# workflow presets named <board>-<variant>; config.presets_match_boards
# keeps CMakePresets.json in step with board/.
if [ -n "${BRIGADE_TEST_PRESETS:-}" ]; then
  presets=(${BRIGADE_TEST_PRESETS})
else
  workflows=$(cmake --list-presets=workflow | sed -n 's/^  "\([^"]*\)".*/\1/p')
  presets=()
  for board_cmake in board/*/board.cmake; do
    board=$(basename "$(dirname "$board_cmake")")
    found=
    for w in $workflows; do
      if [ "$w" = "$board" ] || [[ "$w" == "$board"-* && ! -f "board/$w/board.cmake" ]]; then
        presets+=("$w")
        found=1
      fi
    done
    if [ -z "$found" ]; then
      echo "test.sh: board $board has no workflow preset in CMakePresets.json"
      exit 1
    fi
  done
fi
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
