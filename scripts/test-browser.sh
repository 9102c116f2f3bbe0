#!/usr/bin/env bash
# The npm package's JS-facing API in headless Chromium and headless Firefox
# (wasm-bindgen-test, tests/browser.rs), every spec vector included.
#
#   scripts/test-browser.sh                 both browsers
#   BROWSERS="--chrome" scripts/test-browser.sh
set -euo pipefail
cd "$(dirname "$0")/.."

for bin in wasm-pack wasm-bindgen-test-runner chromium chromedriver firefox-esr geckodriver; do
  command -v "$bin" >/dev/null || { echo "$bin missing: run scripts/setup.sh wasm browsers" >&2; exit 1; }
done
export CARGO_TARGET_DIR="${PKG_TARGET_DIR:-$PWD/target/npm}"
export PATH="$PWD/node_modules/.bin:$PATH"


read -r -a browsers <<< "${BROWSERS:---chrome --firefox}"
for b in "${browsers[@]}"; do
  driver=()
  case "$b" in
    --chrome) driver=(--chromedriver "$(command -v chromedriver)") ;;
    --firefox) driver=(--geckodriver "$(command -v geckodriver)") ;;
  esac
  echo "== wasm-bindgen-test in headless ${b#--}" >&2
  wasm-pack test --headless "$b" "${driver[@]}" . --features wasm-build --test browser
done
