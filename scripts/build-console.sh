#!/usr/bin/env bash
# Bundles the console (www/console/*.js, plain ES modules importing CodeMirror, jsonc-parser,
# diff and Chart.js from node_modules) with esbuild into OUT (default target/www/console):
# main.js plus one chunk per page, loaded when the page is first shown. The engine stays
# external (/pkg/index.js, served by the Worker), so its wasm is the package's own.
# Run by scripts/build-www.sh, which has copied index.html and console.css into OUT already.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/www/console}
mkdir -p "$out"
# The copied sources import bare specifiers a browser cannot resolve: only the bundle stays.
find "$out" -maxdepth 1 -name '*.js' -delete
if [ ! -x node_modules/.bin/esbuild ]; then
  echo "build-console: node_modules/.bin/esbuild missing: run scripts/setup.sh npm" >&2
  exit 1
fi
node_modules/.bin/esbuild www/console/main.js \
  --bundle --format=esm --splitting --minify --sourcemap --target=es2022 \
  --external:/pkg/* --chunk-names='chunk-[name]-[hash]' \
  --outdir="$out" --log-level=warning
