#!/usr/bin/env bash
# End-to-end tests (run by `npm test`): EntitlementsClient.connect() against `wrangler
# dev` (push, restart on the same state, polling fallback), and the demo page in Debian's
# Chromium through playwright-core (never `npx playwright install`). Each suite starts the
# demo as `npm run dev` does, on a free port of 127.0.0.1 with a temporary state folder.
# Screenshots: test-output/.
#
#   scripts/test-e2e.sh                      build pkg/, build/, target/www, then the suites
#   E2E_SKIP_BUILD=1 scripts/test-e2e.sh     reuse what is built
set -euo pipefail
cd "$(dirname "$0")/.."
echo "### end to end: connect() on wrangler dev, the demo page in Chromium" >&2
if [ -z "${E2E_SKIP_BUILD:-}" ]; then
  [ -f pkg/index.js ] || bash scripts/build-pkg.sh >/dev/null
  [ -f build/index.js ] || bash scripts/build-worker.sh >/dev/null
fi
bash scripts/build-www.sh
[ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ] || bash scripts/setup.sh browsers
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
mkdir -p test-output
node --test --test-concurrency=1 tests/e2e/
