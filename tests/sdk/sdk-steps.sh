# The steps every SDK check takes, sourced by tests/sdk/check-*-app.sh:
# install the SDK from a board's build directory into a fresh work folder,
# and configure and build an application folder against it. Each step
# prints what it does, and on failure shows its log and ends the check
# through the caller's fail().

# install_sdk BUILD_DIR WORK_DIR: WORK_DIR emptied, the SDK installed into
# WORK_DIR/sdk.
install_sdk() {
  rm -rf "$2"
  mkdir -p "$2"
  echo "== install the SDK into $2/sdk"
  cmake --install "$1" --prefix "$2/sdk" >"$2/install.log" 2>&1 ||
    { cat "$2/install.log"; fail "cmake --install $1 (is the build complete?)"; }
}

# build_app APP_DIR SDK_DIR [CMAKE ARGS...]: APP_DIR configured into
# APP_DIR/build against the SDK (no toolchain file given: the SDK's
# brigade-config.cmake brings the board's), then built.
build_app() {
  local app=$1 sdk=$2
  shift 2
  echo "== configure $app against the SDK (no toolchain file given)"
  cmake -S "$app" -B "$app/build" -DCMAKE_PREFIX_PATH="$sdk" "$@" \
    >"$app/configure.log" 2>&1 || { cat "$app/configure.log"; fail "configuring $app"; }
  echo "== build $app"
  cmake --build "$app/build" >"$app/build.log" 2>&1 || { cat "$app/build.log"; fail "building $app"; }
}

# expect_made DIR FILE...: each FILE made, not empty, in DIR.
expect_made() {
  local dir=$1
  shift
  for f in "$@"; do
    [ -s "$dir/$f" ] || fail "$dir/$f was not made"
    echo "   made $f"
  done
}
