#!/usr/bin/env bash
# scripts/lib/debian-sources.sh on apt configurations made up for the test
# (BRIGADE_APT_ETC): the one-line format with options, deb822 with several
# suites and a disabled stanza, and a machine with no source for its
# release. The derived non-free-firmware and deb-src (lwIP) entries must copy the release
# suite's URI and key, never a -updates or -security one.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib/debian-sources.sh"
codename=$(debian_codename)
[ -n "$codename" ] || { echo "check-debian-sources.sh: no VERSION_CODENAME in /etc/os-release"; exit 2; }
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then echo "  ok   $what"; passed=$((passed + 1)); else echo "  FAIL $what"; failed=$((failed + 1)); fi; }
work=$(mktemp -d "${TMPDIR:-/tmp}/brigade-apt.XXXXXX")
trap 'rm -rf "$work"' EXIT
export BRIGADE_APT_ETC

echo "== one-line sources.list"
BRIGADE_APT_ETC=$work/oneline
mkdir -p "$BRIGADE_APT_ETC/sources.list.d"
cat >"$BRIGADE_APT_ETC/sources.list" <<LIST
# a comment
deb http://updates.invalid/debian $codename-updates main
deb [arch=amd64 signed-by=/keys/release.gpg] http://release.invalid/debian $codename main contrib
LIST
stanza=$(debian_component_stanza non-free-firmware deb)
echo "$stanza" | sed 's/^/  /'
check "URI of the release suite" grep -qx "URIs: http://release.invalid/debian" <<<"$stanza"
check "its signed-by key" grep -qx "Signed-By: /keys/release.gpg" <<<"$stanza"
check "suite $codename, component non-free-firmware" \
  eval 'grep -qx "Suites: $codename" <<<"$stanza" && grep -qx "Components: non-free-firmware" <<<"$stanza"'
check "contrib counts as enabled" debian_component_enabled contrib deb
check "non-free-firmware does not" eval '! debian_component_enabled non-free-firmware deb'
# lwIP's source package (scripts/fetch-lwip.sh) needs deb-src for main.
check "deb-src main is not enabled by a deb line" eval '! debian_component_enabled main deb-src'
src_stanza=$(debian_component_stanza main deb-src)
check "the derived deb-src entry: release URI, main" \
  eval 'grep -qx "Types: deb-src" <<<"$src_stanza" && grep -qx "URIs: http://release.invalid/debian" <<<"$src_stanza" && grep -qx "Components: main" <<<"$src_stanza"'

echo "== deb822 .sources"
BRIGADE_APT_ETC=$work/deb822
mkdir -p "$BRIGADE_APT_ETC/sources.list.d"
cat >"$BRIGADE_APT_ETC/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: http://off.invalid/debian
Suites: $codename
Components: main non-free-firmware
Enabled: no

Types: deb deb-src
URIs: http://release.invalid/debian
Suites: $codename-security $codename
Components: main
Signed-By: /keys/archive.gpg
SOURCES
stanza=$(debian_component_stanza non-free-firmware deb-src)
echo "$stanza" | sed 's/^/  /'
check "URI and key of the enabled stanza" \
  eval 'grep -qx "URIs: http://release.invalid/debian" <<<"$stanza" && grep -qx "Signed-By: /keys/archive.gpg" <<<"$stanza"'
check "type deb-src as asked" grep -qx "Types: deb-src" <<<"$stanza"
check "a disabled stanza enables nothing" eval '! debian_component_enabled non-free-firmware deb'
check "deb-src main is enabled" debian_component_enabled main deb-src

echo "== no source for the release"
BRIGADE_APT_ETC=$work/none
mkdir -p "$BRIGADE_APT_ETC/sources.list.d"
echo "deb http://other.invalid/debian not-$codename main" >"$BRIGADE_APT_ETC/sources.list"
check "no stanza is derived" eval '! debian_component_stanza non-free-firmware deb >/dev/null'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
