#!/usr/bin/env bash
# Node benchmark of the npm package and what a browser downloads (gzip -9 of
# pkg/*.wasm + pkg/*.js + the client snippet).
#
#   SKIP_BUILD=1 scripts/bench-npm.sh   reuse the current pkg/
set -euo pipefail
cd "$(dirname "$0")/.."

[ -n "${SKIP_BUILD:-}" ] && [ -f pkg/edge_entitlements_bg.wasm ] || bash scripts/build-pkg.sh >&2

node benches/npm/bench.mjs

size() { gzip -9c "$@" | wc -c; }
js=(pkg/*.js pkg/snippets/*/js/*.js)
wasm=$(stat -c %s pkg/edge_entitlements_bg.wasm)
printf 'size: wasm %d bytes raw, %d gzip -9; js %d gzip -9; total (pkg/*.wasm + pkg/*.js + snippets) %d bytes gzip -9\n' \
  "$wasm" "$(size pkg/edge_entitlements_bg.wasm)" "$(cat "${js[@]}" | gzip -9 | wc -c)" \
  "$(( $(size pkg/edge_entitlements_bg.wasm) + $(cat "${js[@]}" | gzip -9 | wc -c) ))"
