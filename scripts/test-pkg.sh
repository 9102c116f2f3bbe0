#!/usr/bin/env bash
# Builds pkg/ and tests it as users get it: Node tests over the public JS API (every
# spec vector, fallbacks, errors, ordering, usage, listeners, Dates, bad bytes), the React
# bindings (jsdom, server rendering, React 18 and 19, bundle isolation), the
# TypeScript declarations against a usage file, and `npm pack` of pkg/.
#
#   SKIP_BUILD=1 scripts/test-pkg.sh   reuse the current pkg/
set -euo pipefail
cd "$(dirname "$0")/.."

[ -n "${SKIP_BUILD:-}" ] || bash scripts/build-pkg.sh

echo "== node --test tests/node/" >&2
node --test tests/node/

echo "== node --test tests/react/ (React 19, and React 18 from tests/react/react18/)" >&2
node --test tests/react/

echo "== tsc --noEmit -p tests/ts; the output declarations against the outputs" >&2
node_modules/.bin/tsc --noEmit -p tests/ts
node --test tests/ts/

echo "== npm pack pkg/ (dry run)" >&2
(cd pkg && npm pack --dry-run --json > ../target/npm-pack.json)
node -e '
const [p] = require("./target/npm-pack.json");
const files = p.files.map((f) => f.path);
for (const need of ["package.json", "README.md", "index.js", "index.d.ts", "schema.d.ts", "edge_entitlements.js", "edge_entitlements_bg.wasm", "client.js", "client.d.ts", "edge_entitlements_client.js", "edge_entitlements_client_bg.wasm", "server.js", "server.d.ts", "react.js", "react.d.ts"]) {
  if (!files.includes(need)) { console.error(`npm pack lacks ${need}`); process.exit(1); }
}
if (!files.some((f) => /^snippets\/.*\/js\/client\.js$/.test(f))) { console.error("npm pack lacks the client snippet"); process.exit(1); }
if (p.name !== "edge-entitlements") { console.error(`package name is ${p.name}`); process.exit(1); }
console.log(`npm pack: ${p.name}@${p.version}, ${files.length} files, ${p.size} bytes packed`);
'

# The package's Rust side as wasm32 sees it (lib, tests and benches), in the package's
# own target dir so that it does not invalidate the native builds.
for features in wasm wasm-build; do
  echo "== cargo clippy --all-targets --features $features --target wasm32-unknown-unknown" >&2
  CARGO_TARGET_DIR="${PKG_TARGET_DIR:-$PWD/target/npm}" \
    cargo clippy --all-targets --features "$features" --target wasm32-unknown-unknown -- -D warnings
done
