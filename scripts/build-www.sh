#!/usr/bin/env bash
# Assembles the static assets the Worker serves (wrangler.toml [assets]) into target/www:
# the demo page (www/, with its seed data under /demo/), the npm package (pkg/, at
# /pkg/) and the React page (www/react/ bundled with React, at /react/). Cheap; run by
# scripts/dev.sh, the Worker build and the tests. Without pkg/ the page is copied alone
# (wrangler only needs the folder to exist).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/www
tmp=$(mktemp -d target/www.XXXXXX 2>/dev/null || { mkdir -p target; mktemp -d target/www.XXXXXX; })
trap 'rm -rf "$tmp"' EXIT
cp -R www/. "$tmp/"
# The console (/console): its modules bundled from node_modules (scripts/build-console.sh).
bash scripts/build-console.sh "$tmp/console"
if [ -f pkg/index.js ] && [ -f pkg/edge_entitlements_bg.wasm ]; then
  mkdir -p "$tmp/pkg"
  cp pkg/index.js pkg/client.js pkg/live.js pkg/edge_entitlements.js pkg/edge_entitlements_bg.wasm pkg/edge_entitlements_client.js pkg/edge_entitlements_client_bg.wasm "$tmp/pkg/"
  cp -R pkg/snippets "$tmp/pkg/"
  # Source maps of the minified release JS (devtools fetch them only when open).
  for map in pkg/*.js.map; do [ -f "$map" ] && cp "$map" "$tmp/pkg/"; done
else
  echo "build-www: pkg/ not built (npm run build:pkg); the page will not load without it" >&2
fi
# The React page (/react/): www/react/app.js bundled with React from node_modules and
# edge-entitlements/react from pkg/, as an app's bundler would (esbuild, wrangler's).
if [ -f pkg/react.js ] && [ -x node_modules/.bin/esbuild ]; then
  node_modules/.bin/esbuild www/react/app.js --bundle --minify --format=esm --sourcemap \
    --alias:edge-entitlements=./pkg --define:process.env.NODE_ENV='"production"' \
    --outfile="$tmp/react/app.js" --log-level=warning
else
  rm -rf "$tmp/react"
  echo "build-www: no pkg/react.js or esbuild: the React page (/react/) is left out" >&2
fi
# Swap in one step, so a running wrangler dev never sees a half-copied folder for long.
rm -rf "$out.old"
[ -d "$out" ] && mv "$out" "$out.old"
mv "$tmp" "$out"
chmod 755 "$out"
rm -rf "$out.old"
trap - EXIT
echo "build-www: $(find "$out" -type f | wc -l) files in $out" >&2
