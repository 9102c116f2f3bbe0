#!/usr/bin/env bash
# Load benchmark of the Worker on 127.0.0.1 (autocannon from npm): requests/s and p50/p99
# for a check, a check+consume on one customer and over 100 customers, a usage report and
# a snapshot, under `wrangler dev` and Miniflare; then what the usage ledger stores per
# report (tests/worker/bench-storage.mjs).
#
#   scripts/bench-worker.sh [seconds per scenario (10)] [connections (10)]
#   WORKER_SKIP_BUILD=1 scripts/bench-worker.sh     reuse build/
#   BENCH_TARGETS=miniflare scripts/bench-worker.sh  one target only
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${WORKER_SKIP_BUILD:-}" ] || bash scripts/build-worker.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
node tests/worker/bench.mjs "$@"
node tests/worker/bench-storage.mjs
