// The TypeScript declarations of the package's outputs (pkg/index.d.ts) against what it
// returns: every key of every result object that every vector produces (the three
// checks, getEntitlements, snapshotInfo, recordUsage, EntitlementsError) is declared in
// its interface, and every declared key is produced by some vector. The inputs' types are
// generated from the Rust types (schema.d.ts); the outputs are checked here, so neither
// side can drift. Run by scripts/test-pkg.sh.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";
import { buildSnapshot, validateCatalog, EntitlementsClient, vectors } from "../node/load.mjs";

const source = ts.createSourceFile("index.d.ts", readFileSync(new URL("../../pkg/index.d.ts", import.meta.url), "utf8"), ts.ScriptTarget.ES2022, true);

/** The property names of an interface, its `extends` included. */
function declared(name) {
  const found = [];
  const visit = (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) found.push(node);
    if (ts.isClassDeclaration(node) && node.name?.text === name) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (found.length === 0 && name === "Error") return new Set(); // lib.d.ts: message, name, stack
  assert.equal(found.length, 1, `interface ${name} not found in index.d.ts`);
  const node = found[0];
  const names = new Set(node.members.filter((m) => m.name && (ts.isPropertySignature(m) || ts.isPropertyDeclaration(m))).map((m) => m.name.getText(source)));
  for (const clause of node.heritageClauses ?? []) {
    for (const t of clause.types) for (const n of declared(t.expression.getText(source))) names.add(n);
  }
  return names;
}

function collect() {
  const seen = { BooleanEntitlement: new Set(), NumericEntitlement: new Set(), MeteredEntitlement: new Set(), CreditEntitlement: new Set(), CreditGrantInForce: new Set(), CreditDraw: new Set(), EntitlementFeature: new Set(), SnapshotInfo: new Set(), UsageRecorded: new Set(), EntitlementsError: new Set() };
  const note = (kind, obj) => Object.keys(obj).forEach((k) => seen[kind].add(k));
  for (const { vector: v } of vectors()) {
    if (v.expectError) {
      try {
        validateCatalog(v.catalog);
        buildSnapshot(v.catalog, v.customer, { environment: "t", version: 1 });
      } catch (e) {
        note("EntitlementsError", e);
      }
      continue;
    }
    if (!v.customer) continue;
    for (const c of v.cases) {
      const now = Date.parse(c.now);
      const client = new EntitlementsClient({ now: () => new Date(now) });
      client.applySnapshot(buildSnapshot(v.catalog, v.customer, { environment: "t", version: 1, now: new Date(now - 86_400_000) }));
      note("SnapshotInfo", client.snapshotInfo);
      const options = { requestedUsage: c.check.requestedUsage, fallback: c.check.fallback };
      const kind = { boolean: "BooleanEntitlement", numeric: "NumericEntitlement", metered: "MeteredEntitlement", credit: "CreditEntitlement" }[c.check.kind];
      const method = { boolean: "getBooleanEntitlement", numeric: "getNumericEntitlement", metered: "getMeteredEntitlement", credit: "getCreditEntitlement" }[c.check.kind];
      const r = client[method]({ featureId: c.check.featureId, options });
      const noteCredit = (x) => {
        for (const g of x.grants ?? []) note("CreditGrantInForce", g);
        for (const d of x.draws ?? []) note("CreditDraw", d);
      };
      note(kind, r);
      noteCredit(r);
      if (r.feature) note("EntitlementFeature", r.feature);
      for (const e of client.getEntitlements()) {
        const k = { boolean: "BooleanEntitlement", numeric: "NumericEntitlement", metered: "MeteredEntitlement", credit: "CreditEntitlement" }[e.feature.type];
        note(k, e);
        noteCredit(e);
        note("EntitlementFeature", e.feature);
      }
      for (const f of v.catalog.features) {
        if (f.type !== "metered") continue;
        try {
          const rec = client.recordUsage(f.id, 1);
          if (rec) note("UsageRecorded", rec);
        } catch {
          // A metered feature without entitlement still records; nothing else throws here.
        }
      }
    }
  }
  return seen;
}

test("every output key is declared, and every declared key is produced", () => {
  const seen = collect();
  for (const [name, keys] of Object.entries(seen)) {
    const decl = declared(name);
    // `Error`'s own members (message, name, stack) come from lib.d.ts.
    const inherited = name === "EntitlementsError" ? new Set(["message", "stack"]) : new Set();
    for (const k of keys) assert.ok(decl.has(k) || inherited.has(k), `${name}.${k} is returned but not declared in index.d.ts`);
    for (const k of decl) assert.ok(keys.has(k) || k === "name", `${name}.${k} is declared but no vector produces it`);
  }
});
