# Sourced by the bench-*.sh scripts: put one script's generated figures into
# docs/BENCHMARKS.md without touching the analysis around them.
#
#   bench_doc_write DOC SECTION BEGIN END GENERATED [top]
#
# GENERATED (which starts with the BEGIN marker line and ends with the END
# one) replaces what lies between the markers if DOC has them; otherwise it
# goes right under the SECTION heading if DOC has that; otherwise SECTION
# and GENERATED are added at the end of DOC, or right under its title with
# "top". A missing DOC is created with a title.
bench_doc_write() {
  local doc=$1 section=$2 begin=$3 end=$4 generated=$5 where=${6:-end}
  if [ ! -f "$doc" ]; then
    printf '# Benchmarks\n\n%s\n\n%s\n' "$section" "$generated" >"$doc"
    return
  fi
  if grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc"; then
    GENERATED="$generated" awk -v begin="$begin" -v end="$end" '
      $0 == begin { print ENVIRON["GENERATED"]; skipping = 1; next }
      $0 == end { skipping = 0; next }
      !skipping { print }
    ' "$doc" >"$doc.tmp"
  elif grep -qxF "$section" "$doc"; then
    GENERATED="$generated" awk -v section="$section" '
      { print }
      $0 == section { print ""; print ENVIRON["GENERATED"] }
    ' "$doc" >"$doc.tmp"
  elif [ "$where" = top ]; then
    GENERATED="$generated" awk -v section="$section" '
      { print }
      NR == 1 { print ""; print section; print ""; print ENVIRON["GENERATED"] }
    ' "$doc" >"$doc.tmp"
  else
    cp "$doc" "$doc.tmp"
    printf '\n%s\n\n%s\n' "$section" "$generated" >>"$doc.tmp"
  fi
  mv "$doc.tmp" "$doc"
}

# The bare-metal scripts' section: when, on what, the command and the QEMU
# line, then TABLES, between the markers.
#
#   bench_doc_write_qemu DOC SECTION BEGIN END QEMU_BINARY COMMAND QEMU_LINE TABLES
bench_doc_write_qemu() {
  local doc=$1 section=$2 begin=$3 end=$4 qemu=$5 command=$6 qemu_line=$7 tables=$8
  local generated
  generated=$(
    echo "$begin"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on an $(uname -m) host with $("$qemu" --version | head -n 1)."
    echo "Command: \`$command\`, which runs"
    echo
    echo "    $qemu_line"
    echo
    echo "$tables"
    echo
    echo "$end"
  )
  bench_doc_write "$doc" "$section" "$begin" "$end" "$generated"
}
