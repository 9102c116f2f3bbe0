// The server entry, `edge-entitlements/server`, is plain JS with no import at all (so it
// runs wherever fetch does, without wasm), its declarations import types only, and no
// wasm entry reaches it (so it never lands in a browser bundle). Imports are read with
// TypeScript's own pre-processor (static, `export ... from`, dynamic `import()`,
// `require`), not a regex over the text. Its behaviour against the Worker is
// tests/worker/server-client.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import ts from "typescript";

const pkg = new URL("../../pkg/", import.meta.url);
const read = (f) => readFileSync(new URL(f, pkg), "utf8");

/** Every module specifier `file` names (static, re-export, dynamic, require). */
function importsOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

test("pkg/server.js imports nothing and exports the client and its error", async () => {
  assert.deepEqual(importsOf(read("server.js")), []);
  const server = await import(new URL("server.js", pkg));
  assert.deepEqual(Object.keys(server).sort(), ["EntitlementsError", "EntitlementsServer"]);
  const e = new server.EntitlementsError("m", { status: 422, code: "invalid_usage", details: [{ path: "value", message: "m" }] });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "EntitlementsError");
  assert.equal(e.path, "value");
});

test("pkg/server.d.ts imports types only", () => {
  const source = ts.createSourceFile("server.d.ts", read("server.d.ts"), ts.ScriptTarget.ES2022, true);
  const imports = source.statements.filter((s) => ts.isImportDeclaration(s));
  assert.ok(imports.length > 0);
  for (const s of imports) assert.ok(s.importClause?.isTypeOnly, `not type-only: ${s.getText(source)}`);
  for (const s of source.statements.filter((s) => ts.isExportDeclaration(s))) {
    assert.ok(s.isTypeOnly, `not type-only: ${s.getText(source)}`);
  }
});

test("no module the wasm entries load reaches server.js", () => {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(read(file))) {
      if (!spec.startsWith(".")) continue;
      const next = new URL(spec, new URL(file, pkg)).pathname.slice(new URL(pkg).pathname.length);
      if (next.endsWith(".js") && existsSync(new URL(next, pkg))) walk(next);
    }
  };
  walk("index.js");
  walk("client.js");
  assert.ok(seen.has("live.js") || [...seen].some((f) => f.startsWith("snippets/")), `the walk found the entries' modules: ${[...seen]}`);
  assert.ok(!seen.has("server.js"), `server.js is reached: ${[...seen]}`);
  for (const f of seen) assert.ok(!/server/.test(importsOf(read(f)).join(" ")), `${f} names a server module`);
});
