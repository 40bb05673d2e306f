# Derive an apt source entry for another component of the machine's own
# Debian archive (sourced by scripts/setup.sh). brigade names no archive:
# the entry copies the URI and signing key of the source this machine
# already uses for its release suite, from /etc/apt/sources.list(.d/*.list)
# (one-line format) or /etc/apt/sources.list.d/*.sources (deb822, Debian 12).
#
# BRIGADE_APT_ETC replaces /etc/apt (for testing the parser on other files).
#
#   debian_release_source          print "URI<TAB>SIGNED-BY" of the release suite
#   debian_component_enabled C T   true when a source of type T (deb, deb-src)
#                                  already serves component C of the release
#   debian_component_stanza C T    print a deb822 stanza adding component C, type T

debian_codename() {
  (. /etc/os-release && echo "${VERSION_CODENAME:-}")
}

# Every enabled source as lines "TYPE<TAB>URI<TAB>SUITE<TAB>COMPONENTS<TAB>SIGNED-BY".
debian_sources_list() {
  local f
  for f in ${BRIGADE_APT_ETC:-/etc/apt}/sources.list ${BRIGADE_APT_ETC:-/etc/apt}/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '
      /^[[:space:]]*(#|$)/ { next }
      {
        type = $1; i = 2; signed = ""
        if ($2 ~ /^\[/) {          # [ option=value ... ]
          for (; i <= NF; i++) {
            o = $i; gsub(/[\[\]]/, "", o)
            if (o ~ /^signed-by=/) { sub(/^signed-by=/, "", o); signed = o }
            if ($i ~ /\]$/) { i++; break }
          }
        }
        uri = $i; suite = $(i + 1); comps = ""
        for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
        print type "\t" uri "\t" suite "\t" comps "\t" signed
      }' "$f"
  done
  for f in ${BRIGADE_APT_ETC:-/etc/apt}/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush(   t, u, s, nt, nu, ns, a, b, c) {
        if (enabled != "no" && types != "") {
          nt = split(types, t, " "); nu = split(uris, u, " "); ns = split(suites, s, " ")
          for (a = 1; a <= nt; a++) for (b = 1; b <= nu; b++) for (c = 1; c <= ns; c++)
            print t[a] "\t" u[b] "\t" s[c] "\t" comps "\t" signed
        }
        types = uris = suites = comps = signed = enabled = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      /^[A-Za-z-]+:/ {
        key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^[[:space:]]+/, "")
        if (key == "types") types = $0
        else if (key == "uris") uris = $0
        else if (key == "suites") suites = $0
        else if (key == "components") comps = $0
        else if (key == "signed-by") signed = $0
        else if (key == "enabled") enabled = tolower($0)
      }
      END { flush() }' "$f"
  done
}

debian_release_source() {
  local codename
  codename=$(debian_codename)
  [ -n "$codename" ] || return 1
  debian_sources_list | awk -F'\t' -v s="$codename" \
    '$1 == "deb" && $3 == s && (" " $4 " ") ~ / main / { print $2 "\t" $5; exit }' | grep .
}

debian_component_enabled() {
  local codename
  codename=$(debian_codename)
  debian_sources_list | awk -F'\t' -v s="$codename" -v c="$1" -v t="$2" \
    '$1 == t && $3 == s && (" " $4 " ") ~ (" " c " ") { found = 1 } END { exit !found }'
}

debian_component_stanza() {
  local component=$1 type=$2 line uri signed
  line=$(debian_release_source) || return 1
  uri=${line%%$'\t'*}
  signed=${line#*$'\t'}
  printf 'Types: %s\nURIs: %s\nSuites: %s\nComponents: %s\n' "$type" "$uri" "$(debian_codename)" "$component"
  [ -z "$signed" ] || printf 'Signed-By: %s\n' "$signed"
}
