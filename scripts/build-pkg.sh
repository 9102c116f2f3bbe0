#!/usr/bin/env bash
# Builds the npm package `edge-entitlements` into pkg/ (wasm-pack --target web), so the
# same files load in browsers (`await init()`) and Node (`initSync({ module: bytes })`).
# Two entries, two wasm modules: `edge-entitlements` (index.js: everything, feature
# `wasm-build`) and `edge-entitlements/client` (client.js: checks, local usage and
# connect(), feature `wasm`, what a browser that only checks downloads).
#
#   scripts/build-pkg.sh            release build + wasm-opt (npm binaryen)
#   PKG_DEV=1 scripts/build-pkg.sh  debug build, no wasm-opt (faster)
set -euo pipefail
cd "$(dirname "$0")/.."

# wasm-opt from npm binaryen (Debian's is too old; wasm-pack would try GitHub without one).
export PATH="$PWD/node_modules/.bin:$PATH"
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run npm install (binaryen)" >&2; exit 1; }
command -v wasm-pack >/dev/null || { echo "wasm-pack missing: run scripts/setup.sh wasm" >&2; exit 1; }

# Own target dir and size-tuned profile: the Worker build shares target/ and its own flags.
export CARGO_TARGET_DIR="${PKG_TARGET_DIR:-$PWD/target/npm}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${PKG_OPT_LEVEL:-z}"
export CARGO_PROFILE_RELEASE_PANIC=abort

# wasm-opt is run here rather than by wasm-pack, to choose its flags without
# touching the shared Cargo.toml metadata.
mode=(--release)
[ -n "${PKG_DEV:-}" ] && mode=(--dev)
rm -rf pkg target/pkg-client
optimize() { # wasm file
  [ -n "${PKG_DEV:-}" ] && return 0
  # --converge repeats -Oz while it still shrinks; then --flatten --rereloop rebuilds the
  # control flow of the big readers and two more -Oz shrink it again; --strip-producers
  # and --strip-target-features drop custom sections no runtime reads.
  # shellcheck disable=SC2086
  wasm-opt ${PKG_WASM_OPT:--Oz --converge --flatten --rereloop -Oz -Oz --strip-producers --strip-target-features} --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$1" "$1"
}
wasm-pack build "${mode[@]}" --no-opt --target web --out-dir pkg --out-name edge_entitlements --no-pack . -- --features wasm-build
optimize pkg/edge_entitlements_bg.wasm
wasm-pack build "${mode[@]}" --no-opt --target web --out-dir target/pkg-client --out-name edge_entitlements_client --no-pack . -- --features wasm
optimize target/pkg-client/edge_entitlements_client_bg.wasm

client=$(cd pkg && ls snippets/*/js/client.js)
[ -n "$client" ] || { echo "pkg/snippets/*/js/client.js not found" >&2; exit 1; }
# The client entry's module gets its own copy of the snippet (its own `bind` state), so
# that a page importing both entries keeps each module's engines on their own memory.
client_snippet="snippets/client/js/client.js"
mkdir -p "pkg/$(dirname "$client_snippet")"
cp "target/pkg-client/$(cd target/pkg-client && ls snippets/*/js/client.js)" "pkg/$client_snippet"
for f in edge_entitlements_client.js edge_entitlements_client.d.ts edge_entitlements_client_bg.wasm edge_entitlements_client_bg.wasm.d.ts; do
  cp "target/pkg-client/$f" "pkg/$f"
done
sed -i "s#\./snippets/[^\"']*/js/client\.js#./${client_snippet}#g" pkg/edge_entitlements_client.js
grep -q "$client_snippet" pkg/edge_entitlements_client.js || { echo "client glue does not import its snippet" >&2; exit 1; }
sed "s#__CLIENT__#${client}#g" npm/index.js > pkg/index.js
sed "s#__CLIENT__#${client_snippet}#g" npm/client.js > pkg/client.js
cp npm/index.d.ts pkg/index.d.ts
cp npm/client.d.ts pkg/client.d.ts
# The declarations of the inputs, generated from the Rust types' JSON Schema.
cargo run --quiet --example json_schema --features schema > target/schema.json
node scripts/schema-to-ts.mjs target/schema.json pkg/schema.d.ts
cp js/live.js pkg/live.js
# The server client and the React bindings: plain JS, no wasm of their own (the React
# entry imports the client entry; the server entry imports nothing).
for f in server.js server.d.ts react.js react.d.ts; do cp "npm/$f" "pkg/$f"; done
cp npm/README.md pkg/README.md
rm -f pkg/.gitignore

# Minify what a browser downloads (about 5 KB of the gzipped total) with esbuild from
# node_modules (wrangler's dependency). Each file keeps its exports. The client snippet,
# which defines the public classes and functions, keeps their names with --keep-names
# (`EntitlementsClient.name`, `validateCatalog.name`); the other files go without it
# (0.45 KB less gzipped): index.js and live.js define nothing public by name, and
# index.js gives the glue's two public functions (`initSync`, `init`) their names back.
# A source map with the full readable source (sourcesContent) ships next to each, so
# the package stays readable and debuggable. PKG_DEV=1 skips this.
if [ -z "${PKG_DEV:-}" ]; then
  command -v esbuild >/dev/null || { echo "esbuild missing: run npm install" >&2; exit 1; }
  for js in pkg/edge_entitlements.js pkg/edge_entitlements_client.js pkg/index.js pkg/client.js pkg/live.js "pkg/$client" "pkg/$client_snippet"; do
    banner=()
    # wasm-bindgen's hint for Deno, a comment that minification would drop.
    [ "$js" = pkg/edge_entitlements.js ] && banner=(--banner:js='/* @ts-self-types="./edge_entitlements.d.ts" */')
    [ "$js" = pkg/edge_entitlements_client.js ] && banner=(--banner:js='/* @ts-self-types="./edge_entitlements_client.d.ts" */')
    names=(--keep-names)
    case "$js" in pkg/index.js | pkg/client.js | pkg/live.js | pkg/edge_entitlements.js | pkg/edge_entitlements_client.js) names=() ;; esac
    esbuild "$js" --minify "${names[@]}" --format=esm --sourcemap "${banner[@]}" \
      --outfile="$js.min" --log-level=warning
    mv "$js.min" "$js"
    sed -i 's#sourceMappingURL=\(.*\)\.min\.map#sourceMappingURL=\1.map#' "$js"
    mv "$js.min.map" "$js.map"
  done
fi

node - "$client" <<'NODE'
const fs = require("fs");
const cargo = fs.readFileSync("Cargo.toml", "utf8");
const field = (name) => (cargo.match(new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m")) || [])[1];
const pkg = {
  name: "edge-entitlements",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  repository: { type: "git", url: field("repository") },
  keywords: ["entitlements", "feature-flags", "billing", "wasm", "edge"],
  type: "module",
  main: "index.js",
  module: "index.js",
  types: "index.d.ts",
  exports: {
    ".": { types: "./index.d.ts", default: "./index.js" },
    "./client": { types: "./client.d.ts", default: "./client.js" },
    "./server": { types: "./server.d.ts", default: "./server.js" },
    "./react": { types: "./react.d.ts", default: "./react.js" },
    "./edge_entitlements_bg.wasm": "./edge_entitlements_bg.wasm",
    "./edge_entitlements_client_bg.wasm": "./edge_entitlements_client_bg.wasm",
    "./package.json": "./package.json",
  },
  files: [
    "index.js",
    "index.d.ts",
    "schema.d.ts",
    "client.js",
    "client.d.ts",
    "live.js",
    "server.js",
    "server.d.ts",
    "react.js",
    "react.d.ts",
    "edge_entitlements.js",
    "edge_entitlements.d.ts",
    "edge_entitlements_bg.wasm",
    "edge_entitlements_bg.wasm.d.ts",
    "edge_entitlements_client.js",
    "edge_entitlements_client.d.ts",
    "edge_entitlements_client_bg.wasm",
    "edge_entitlements_client_bg.wasm.d.ts",
    "snippets/",
    "*.js.map",
    "README.md",
  ],
  sideEffects: ["./index.js", "./client.js", "./live.js", "./snippets/*"],
  // React only for the `edge-entitlements/react` entry; the other entries import none.
  peerDependencies: { react: "^18.0.0 || ^19.0.0" },
  peerDependenciesMeta: { react: { optional: true } },
};
fs.writeFileSync("pkg/package.json", JSON.stringify(pkg, null, 2) + "\n");
NODE

ls -l pkg
