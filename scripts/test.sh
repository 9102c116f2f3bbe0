#!/usr/bin/env bash
# The project's one test command (`npm test`, and what `.ci/run` runs): an idempotent
# setup of everything the suites need, then every suite in turn. Stops at the first
# failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
scripts/setup.sh all
scripts/test-rust.sh
