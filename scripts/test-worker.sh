#!/usr/bin/env bash
# Builds the Worker, then runs the Node integration tests of tests/worker/ against it on
# real workerd: Miniflare for most suites, `wrangler dev` for one. Only 127.0.0.1.
#
#   scripts/test-worker.sh                 build + every suite
#   WORKER_SKIP_BUILD=1 scripts/test-worker.sh [files...]   reuse build/
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${WORKER_SKIP_BUILD:-}" ] || bash scripts/build-worker.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
if [ $# -gt 0 ]; then files=("$@"); else files=(tests/worker/*.test.mjs); fi
node --test --test-concurrency=1 "${files[@]}"
