#!/usr/bin/env bash
# The project's one test command (`npm test`, and what `.ci/run` runs): an idempotent
# setup of everything the suites need, then every suite in turn. Stops at the first
# failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
scripts/setup.sh all
echo "### native Rust: fmt, clippy, unit, vectors, properties, errors, fuzz regressions" >&2
scripts/test-rust.sh
echo "### npm package in Node: vectors, client, errors, TypeScript, npm pack" >&2
scripts/test-pkg.sh
echo "### npm package in headless Chromium and Firefox" >&2
scripts/test-browser.sh
echo "### Worker on workerd (Miniflare and wrangler dev)" >&2
scripts/test-worker.sh
scripts/test-e2e.sh
