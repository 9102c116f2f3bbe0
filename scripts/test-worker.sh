#!/usr/bin/env bash
# Builds the Worker, then runs the Node integration tests of tests/worker/ against it on
# real workerd (Miniflare for most suites, `wrangler dev` for one; only 127.0.0.1), and
# checks that `wrangler deploy --dry-run` bundles it. `openapi.test.mjs` fuzzes the API with
# schemathesis from its OpenAPI document.
#
#   scripts/test-worker.sh                                   build + every suite + dry run
#   WORKER_SKIP_BUILD=1 scripts/test-worker.sh [files...]    reuse build/, chosen suites
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${WORKER_SKIP_BUILD:-}" ] || bash scripts/build-worker.sh
# The suites decode what the Worker sends with the npm package (tests/worker/vectors.test.mjs
# evaluates every vector that way) and drive its connect(): build it when it is missing or
# older than its sources (a stale pkg/ would test yesterday's client).
if [ ! -f pkg/index.js ] || [ ! -f pkg/edge_entitlements_bg.wasm ] \
  || [ -n "$(find src js npm Cargo.toml Cargo.lock -newer pkg/edge_entitlements_bg.wasm -print -quit)" ]; then
  bash scripts/build-pkg.sh
fi
if [ $# -eq 0 ]; then
  echo "== cargo clippy (feature worker, wasm32)"
  cargo clippy --features worker --target wasm32-unknown-unknown -- -D warnings
  echo "== cargo test (features worker, schema: auth, tokens, names, routes, the OpenAPI document)"
  cargo test --features worker,schema --lib worker::
fi
# tests/worker/openapi.test.mjs runs schemathesis and openapi-spec-validator from target/venv.
bash scripts/setup.sh python
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
if [ $# -gt 0 ]; then files=("$@"); else files=(tests/worker/*.test.mjs); fi
node --test --test-concurrency=1 "${files[@]}"

if [ $# -eq 0 ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  # build/ is fresh: skip wrangler.toml's [build] command (EE_SKIP_WORKER_BUILD).
  log=$(EE_SKIP_WORKER_BUILD=1 node_modules/.bin/wrangler deploy --dry-run --outdir "$out" 2>&1) || { echo "$log" >&2; exit 1; }
  echo "$log" | grep -E "Total Upload" || { echo "$log" >&2; echo "dry run printed no bundle size" >&2; exit 1; }
fi
