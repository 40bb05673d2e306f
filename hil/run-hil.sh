#!/usr/bin/env bash
# The HIL runner's command line, as ctest and users call it:
#
#   hil/run-hil.sh --env ENV.yaml --junit OUT.xml [--timeout S]
#                  [--expect-failure REGEX] -- IMAGE...
#
# Runs pytest on hil/ under Debian's /usr/bin/python3 (labgrid lives there),
# one pytest test per TEST() of each image, and checks the JUnit file it
# wrote: present, with a testcase per test. Normally every test must pass.
# With --expect-failure the run must fail, and its output must match REGEX
# (the runner's own self-test: a failing image, a missing summary, a wrong
# serial port, a missing probe are all reported, by name, in bounded time).
set -u
here=$(cd "$(dirname "$0")" && pwd)
env_file= junit= timeout=120 expect_failure=
while [ $# -gt 0 ]; do
  case "$1" in
    --env) env_file="$2"; shift 2 ;;
    --junit) junit="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --expect-failure) expect_failure="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run-hil.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$env_file" ] || { echo "run-hil.sh: --env: no labgrid environment file '$env_file'" >&2; exit 2; }
[ -n "$junit" ] || { echo "run-hil.sh: --junit OUT.xml is required" >&2; exit 2; }
[ $# -gt 0 ] || { echo "run-hil.sh: no images after --" >&2; exit 2; }
python=/usr/bin/python3
"$python" -c 'import labgrid, pytest' 2>/dev/null || {
  echo "run-hil.sh: $python cannot import labgrid and pytest (Debian packages python3-labgrid python3-pytest; scripts/setup.sh installs them)" >&2
  exit 2
}
images=()
for i in "$@"; do images+=(--brigade-image "$i"); done
mkdir -p "$(dirname "$junit")"
rm -f "$junit"
log=$(mktemp "${TMPDIR:-/tmp}/brigade-hil.XXXXXX")
trap 'rm -f "$log"' EXIT
# pytest's own bound on top of the runner's per-image one.
budget=$(( (${timeout%.*} + 30) * $# + 60 ))
timeout --kill-after=5 "$budget" "$python" -m pytest -p no:cacheprovider -q -rfE \
  --rootdir "$here" "$here" --lg-env "$env_file" "${images[@]}" --brigade-timeout "$timeout" \
  --junitxml "$junit" -o junit_family=xunit2 -o junit_suite_name="brigade-$(basename "$env_file" .yaml)" \
  2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "run-hil.sh: pytest still running after ${budget}s: killed"; exit 1
fi

# What the JUnit file holds: testcases, failures + errors, skipped.
counts=$("$python" - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as e:
    print("none", e); sys.exit(0)
cases = root.iter("testcase")
n = bad = skipped = 0
for c in cases:
    n += 1
    bad += any(ch.tag in ("failure", "error") for ch in c)
    skipped += any(ch.tag == "skipped" for ch in c)
print(n, bad, skipped)
PY
)
read -r ncases nbad nskipped <<<"$counts"
if [ "$ncases" = none ]; then
  echo "run-hil.sh: no readable JUnit file at $junit (${counts#none })"; exit 1
fi
echo "run-hil.sh: $junit: $ncases testcases, $nbad failed, $nskipped skipped"
if [ -n "$expect_failure" ]; then
  if [ "$rc" = 0 ]; then echo "run-hil.sh: expected a failed run, but it passed"; exit 1; fi
  if ! grep -Eq -- "$expect_failure" "$log"; then
    echo "run-hil.sh: the run failed, but no output line matches: $expect_failure"; exit 1
  fi
  [ "$nbad" -gt 0 ] || { echo "run-hil.sh: the JUnit file records no failure"; exit 1; }
  echo "run-hil.sh: failed as expected"
  exit 0
fi
[ "$rc" = 0 ] && [ "$ncases" -gt 0 ] && [ "$nbad" = 0 ] || { echo "run-hil.sh: HIL run failed"; exit 1; }
exit 0
