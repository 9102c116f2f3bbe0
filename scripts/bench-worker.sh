#!/usr/bin/env bash
# Load benchmark of the Worker under `wrangler dev` on 127.0.0.1 (autocannon from npm):
# requests/s and p50/p99 for check, check+consume, usage and snapshot on one customer.
#
#   scripts/bench-worker.sh [seconds per scenario (10)] [connections (10)]
#   WORKER_SKIP_BUILD=1 scripts/bench-worker.sh     reuse build/
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${WORKER_SKIP_BUILD:-}" ] || bash scripts/build-worker.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
node tests/worker/bench.mjs "$@"
