#!/usr/bin/env bash
# `npm run dev`: set up (idempotent), build the npm package, the Worker and the demo
# assets, then run `wrangler dev` on 127.0.0.1 with persisted local state, seed the demo
# data over HTTP (scripts/demo-seed.mjs, with the development server key) and stay in
# the foreground until Ctrl-C, which stops wrangler's whole process group.
#
#   scripts/dev.sh [--port 8787] [--persist-to .wrangler/state] [--no-setup] [--no-build]
#
# The end-to-end tests start the demo the same way (tests/e2e/demo-server.mjs: the same
# wrangler dev flags and environment, the same seeding), on a free port and a temporary
# persist folder.
set -euo pipefail
cd "$(dirname "$0")/.."

port=8787
persist=.wrangler/state
setup=1
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --persist-to) persist=$2; shift 2 ;;
    --no-setup) setup=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "dev.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
url="http://127.0.0.1:${port}"
say() { printf '\033[1m[dev]\033[0m %s\n' "$*" >&2; }

if [ "$setup" = 1 ]; then
  # Browsers are not needed to run the demo (only its tests).
  for part in rust wasm worker npm; do bash scripts/setup.sh "$part"; done
fi
if [ "$build" = 1 ]; then
  say "building the npm package (pkg/)"
  bash scripts/build-pkg.sh >/dev/null
  say "building the Worker (build/) and the demo assets (target/www)"
  bash scripts/build-worker.sh >/dev/null
fi
bash scripts/build-www.sh

if curl -fsS -o /dev/null --max-time 2 "$url/v1/health" 2>/dev/null; then
  say "something already answers on $url: stop it first (or use --port)"
  exit 1
fi

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# build/ is fresh: skip wrangler.toml's [build] command (it would run twice on start).
export EE_SKIP_WORKER_BUILD=1
mkdir -p "$persist"
# Its own process group (npm -> node -> workerd), stopped as a whole.
setsid node_modules/.bin/wrangler dev --ip 127.0.0.1 --port "$port" --persist-to "$persist" &
pid=$!
stop() {
  trap - INT TERM EXIT
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping wrangler dev"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

for i in $(seq 600); do
  if curl -fsS -o /dev/null --max-time 2 "$url/v1/health" 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { say "wrangler dev exited"; exit 1; }
  [ "$i" -lt 600 ] || { say "wrangler dev did not answer on $url within 2 minutes"; exit 1; }
  sleep 0.2
done
node scripts/demo-seed.mjs "$url/"

cat >&2 <<EOF

  $(printf '\033[1m')edge-entitlements is running$(printf '\033[0m')
  Demo page:  $url/
  API:        $url/v1   (development server key: sk_dev_local; state in $persist)

  Try it (the page's bars move when these land):
    curl -s -H 'authorization: Bearer sk_dev_local' $url/v1/customers/demo-pro
    curl -s -H 'authorization: Bearer sk_dev_local' -H 'content-type: application/json' \\
      -d '{"customerId":"demo-pro","featureId":"api-calls","value":500}' $url/v1/usage
    curl -s -H 'authorization: Bearer sk_dev_local' -H 'content-type: application/json' \\
      -d '{"customerId":"demo-pro","featureId":"exports","requestedUsage":1,"consume":true}' $url/v1/check
    curl -s -H 'authorization: Bearer sk_dev_local' -H 'accept: application/json' \\
      $url/v1/customers/demo-pro/snapshot

  Ctrl-C stops the server.
EOF
wait "$pid"
