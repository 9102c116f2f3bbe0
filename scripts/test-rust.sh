#!/usr/bin/env bash
# Native checks of the core: formatting, lints (no unwrap/expect/panic outside tests),
# unit tests, spec vectors, property tests, error tests, fuzz regressions, doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (core, native)"
cargo clippy --all-targets -- -D warnings
echo "== cargo test (core)"
cargo test
