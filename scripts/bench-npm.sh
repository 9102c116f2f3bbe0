#!/usr/bin/env bash
# Node benchmark of the npm package and what a browser downloads (gzip -9 of
# pkg/*.wasm + pkg/*.js + the client snippet).
#
#   SKIP_BUILD=1 scripts/bench-npm.sh   reuse the current pkg/
set -euo pipefail
cd "$(dirname "$0")/.."

[ -n "${SKIP_BUILD:-}" ] && [ -f pkg/edge_entitlements_bg.wasm ] || bash scripts/build-pkg.sh >&2

node benches/npm/bench.mjs

# What a browser downloads for each entry: its wasm and the JS modules it imports, each
# file gzipped on its own (as a server sends them).
gz() { local n=0 f; for f in "$@"; do n=$(( n + $(gzip -9c "$f" | wc -c) )); done; echo "$n"; }
entry() { # name wasm js...
  local name=$1 wasm=$2; shift 2
  printf 'size of %s: wasm %d bytes raw, %d gzip -9; js %d gzip -9; total %d bytes gzip -9\n' \
    "$name" "$(stat -c %s "$wasm")" "$(gz "$wasm")" "$(gz "$@")" "$(( $(gz "$wasm") + $(gz "$@") ))"
}
full_snippet=$(ls pkg/snippets/edge-entitlements-*/js/client.js)
entry "edge-entitlements/client (checks, recordUsage, connect)" pkg/edge_entitlements_client_bg.wasm \
  pkg/client.js pkg/edge_entitlements_client.js pkg/live.js pkg/snippets/client/js/client.js
entry "edge-entitlements (everything: + validateCatalog, buildSnapshot)" pkg/edge_entitlements_bg.wasm \
  pkg/index.js pkg/edge_entitlements.js pkg/live.js "$full_snippet"
# The two plain-JS entries: no wasm of their own (react imports the client entry above and
# React, which the app already bundles).
printf 'size of edge-entitlements/server: js %d bytes gzip -9 (no wasm)\n' "$(gz pkg/server.js)"
printf 'size of edge-entitlements/react: js %d bytes gzip -9, plus the client entry and React\n' "$(gz pkg/react.js)"

