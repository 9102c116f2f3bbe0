// Bundle isolation, as a user's bundler sees the package (pkg/ installed under
// node_modules/edge-entitlements, resolved through its package.json exports; esbuild):
// an app importing only `edge-entitlements/client` gets neither React nor the server
// client nor the main entry; an app importing `edge-entitlements/react` gets React and
// the client entry, but neither the server client nor the main entry (validation and
// the snapshot encoder, with its larger wasm glue).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = `${root}target/react-bundle-check/`;

before(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}node_modules`, { recursive: true });
  symlinkSync(`${root}pkg`, `${dir}node_modules/edge-entitlements`, "dir");
});

/** Bundles `source` (an app's entry) for the browser: `{ inputs, bytes, gzip }`. */
async function bundle(name, source) {
  writeFileSync(`${dir}${name}.js`, source);
  const result = await build({
    entryPoints: [`${dir}${name}.js`],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: dir,
  });
  const code = result.outputFiles[0].contents;
  return { inputs: Object.keys(result.metafile.inputs), bytes: code.length, gzip: gzipSync(code).length };
}

const has = (inputs, pattern) => inputs.some((p) => pattern.test(p));
const REACT = /(^|\/)node_modules\/(react|react-dom|scheduler)\//;
const SERVER = /(^|\/)pkg\/server\.js$|edge-entitlements\/server\.js$/;
const MAIN = /(^|\/)(pkg|edge-entitlements)\/(index\.js|edge_entitlements\.js)$/;
const REACT_ENTRY = /(^|\/)(pkg|edge-entitlements)\/react\.js$/;
const CLIENT_ENTRY = /(^|\/)(pkg|edge-entitlements)\/client\.js$/;

test("an app importing only edge-entitlements/client: no React, no server client, no main entry", async (t) => {
  const b = await bundle(
    "client-app",
    `import init, { EntitlementsClient } from "edge-entitlements/client";
     await init();
     const live = await EntitlementsClient.connect({ url: location.origin, customerId: "acme", token: "t" });
     document.body.textContent = String(live.getBooleanEntitlement({ featureId: "sso" }).hasAccess);`,
  );
  assert.ok(has(b.inputs, CLIENT_ENTRY), b.inputs.join("\n"));
  assert.ok(!has(b.inputs, REACT), `React in the client bundle:\n${b.inputs.join("\n")}`);
  assert.ok(!has(b.inputs, REACT_ENTRY), "the React entry in the client bundle");
  assert.ok(!has(b.inputs, SERVER), "the server client in the client bundle");
  assert.ok(!has(b.inputs, MAIN), "the main entry in the client bundle");
  t.diagnostic(`client app: ${b.bytes} B minified, ${b.gzip} B gzipped (JS only; wasm apart)`);
});

test("an app importing edge-entitlements/react: React and the client entry, no server client, no main entry", async (t) => {
  const b = await bundle(
    "react-app",
    `import { createElement as h } from "react";
     import { createRoot } from "react-dom/client";
     import { EntitlementsProvider, Gate } from "edge-entitlements/react";
     createRoot(document.body).render(
       h(EntitlementsProvider, { url: location.origin, customerId: "acme", token: "t" }, h(Gate, { feature: "sso" }, "on")));`,
  );
  assert.ok(has(b.inputs, REACT_ENTRY), b.inputs.join("\n"));
  assert.ok(has(b.inputs, CLIENT_ENTRY), "the client entry");
  assert.ok(has(b.inputs, /node_modules\/react\//), "React");
  assert.ok(!has(b.inputs, SERVER), `the server client in the React bundle:\n${b.inputs.join("\n")}`);
  assert.ok(!has(b.inputs, MAIN), `the main entry in the React bundle:\n${b.inputs.join("\n")}`);
  t.diagnostic(`react app: ${b.bytes} B minified, ${b.gzip} B gzipped (with React DOM)`);
  // The bindings alone: the React app less the same app without them.
  const bare = await bundle(
    "react-bare",
    `import { createElement as h } from "react";
     import { createRoot } from "react-dom/client";
     import init, { EntitlementsClient } from "edge-entitlements/client";
     createRoot(document.body).render(h("p", null, String(init) + String(EntitlementsClient)));`,
  );
  t.diagnostic(`the bindings add ${b.gzip - bare.gzip} B gzipped over React DOM and the client entry`);
});
