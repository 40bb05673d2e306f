#!/bin/bash
# Layers point one way: every #include in the runtime's C sources and headers
# names a header of its own layer or of one below it.
#
#   0  kernel/ (kernel/include, the arch contract, kernel/arch/<arch>)
#   1  sched/
#   2  io/, libc/
#   3  net/ (lwIP's port and brigade's socket API, over io/'s netdev.h)
#
# A public header <brigade/X.h> belongs to the layer whose include/ holds it;
# a quoted "dir/..." include belongs to dir's layer, and a bare quoted
# include to the including file's own layer. sched/ may also include only
# kernel/'s public headers, never kernel/'s private ones ("kernel/...").
#
# Usage: check-layers.sh [ROOT]   (default: the tree this script is in)
# Prints each violation as FILE:LINE: and exits 1 if there is any.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

declare -A rank=([kernel]=0 [sched]=1 [io]=2 [libc]=2 [net]=3)

layer_of_dir() { # a path's first component, if it is a layer
  local top=${1%%/*}
  [[ -n ${rank[$top]+x} ]] && echo "$top" || true
}

header_layer() { # <brigade/X.h> -> the layer whose include/ holds it
  local name=$1 dir
  for dir in "${!rank[@]}"; do
    [[ -f $dir/include/brigade/$name ]] && { echo "$dir"; return; }
  done
}

bad=0
checked=0
while IFS= read -r -d '' file; do
  own=$(layer_of_dir "$file")
  checked=$((checked + 1))
  while IFS=: read -r line text; do
    target=
    if [[ $text =~ \#[[:space:]]*include[[:space:]]*\<brigade/([^>]+)\> ]]; then
      target=$(header_layer "${BASH_REMATCH[1]}")
      what="<brigade/${BASH_REMATCH[1]}>"
    elif [[ $text =~ \#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      what="\"${BASH_REMATCH[1]}\""
      if [[ ${BASH_REMATCH[1]} == */* ]]; then
        target=$(layer_of_dir "${BASH_REMATCH[1]}")
        if [[ $own == sched && $target == kernel && ${BASH_REMATCH[1]} != kernel/include/* ]]; then
          echo "$file:$line: sched/ includes kernel/'s private $what"
          bad=1
          continue
        fi
      fi
    fi
    [[ -z $target ]] && continue
    if ((rank[$target] > rank[$own])); then
      echo "$file:$line: $own/ includes $what from $target/, a layer above it"
      bad=1
    fi
  done < <(grep -n '#[[:space:]]*include' "$file" || true)
  if [[ $file != kernel/arch/* ]]; then
    while IFS=: read -r line text; do
      echo "$file:$line: names the arch's part of a portable struct (only kernel/arch/ may)"
      bad=1
    done < <(grep -nE '(\.|->)arch\.[A-Za-z_]' "$file" || true)
  fi
done < <(find kernel sched io libc net -name '*.[chS]' -print0 2>/dev/null)

if ((checked == 0)); then
  echo "check-layers: no sources under $root/{kernel,sched,io,libc,net}" >&2
  exit 2
fi
if ((bad)); then
  echo "check-layers: includes point up a layer or portable code names an arch detail (see above)"
  exit 1
fi
echo "check-layers: $checked files, every include points down or sideways, no arch detail outside kernel/arch/"
