#!/usr/bin/env bash
# Builds the Worker (feature `worker`) into build/ with worker-build, the same command
# as wrangler.toml's [build]: tools from PATH/node_modules, nothing fetched from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh worker
[ -x node_modules/.bin/esbuild ] || bash scripts/setup.sh npm
WASM_BINDGEN_BIN=$(command -v wasm-bindgen) \
WASM_OPT_BIN=$PWD/node_modules/.bin/wasm-opt \
ESBUILD_BIN=$PWD/node_modules/.bin/esbuild \
  worker-build --release --features worker
ls -l build/index.js build/index_bg.wasm 2>/dev/null || ls -lR build
# wrangler.toml's [assets] folder must exist before wrangler starts (dev, deploy).
bash scripts/build-www.sh
