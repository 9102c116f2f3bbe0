// The client entry, `edge-entitlements/client`: its own wasm module (feature `wasm`, no
// validation or building), the same checks. Every vector's snapshot is built with the
// main entry and answered by the client entry, which must agree with the expectations;
// and the client entry must neither export nor load the building half.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as client from "../../pkg/client.js";
import { buildSnapshot, vectors, mismatch } from "./load.mjs";

client.initSync({ module: readFileSync(new URL("../../pkg/edge_entitlements_client_bg.wasm", import.meta.url)) });

const DAY = 86_400_000;
const METHOD = { boolean: "getBooleanEntitlement", numeric: "getNumericEntitlement", metered: "getMeteredEntitlement", credit: "getCreditEntitlement" };

test("the client entry exports checks and connect(), not validateCatalog or buildSnapshot", () => {
  assert.equal(typeof client.EntitlementsClient, "function");
  assert.equal(typeof client.EntitlementsClient.connect, "function");
  assert.equal(typeof client.EntitlementsError, "function");
  assert.equal(client.validateCatalog, undefined);
  assert.equal(client.buildSnapshot, undefined);
  const pkg = new URL("../../pkg/", import.meta.url);
  const entry = readFileSync(new URL("client.js", pkg), "utf8");
  assert.ok(!entry.includes("edge_entitlements.js"), "client.js imports the full module's glue");
  const glue = readFileSync(new URL("edge_entitlements_client.js", pkg), "utf8");
  assert.ok(!/rawBuildSnapshot|rawValidateCatalog/.test(glue), "the client module exports the building half");
  // Smaller than the full module: the building half is really left out.
  const size = (f) => readFileSync(new URL(f, pkg)).length;
  assert.ok(size("edge_entitlements_client_bg.wasm") < size("edge_entitlements_bg.wasm") * 0.8);
});

test("the client entry answers every vector as the contract says", () => {
  let cases = 0;
  for (const { file, vector: v } of vectors()) {
    if (v.expectError || !v.customer) continue;
    for (const c of v.cases) {
      const now = Date.parse(c.now);
      const bytes = buildSnapshot(v.catalog, v.customer, { environment: "test", version: 1, now: new Date(now - DAY) });
      const live = new client.EntitlementsClient({ now: () => new Date(now) });
      assert.equal(live.applySnapshot(bytes), true);
      const options = {};
      if (c.check.requestedUsage !== undefined) options.requestedUsage = c.check.requestedUsage;
      if (c.check.fallback != null) options.fallback = c.check.fallback;
      const got = live[METHOD[c.check.kind]]({ featureId: c.check.featureId, options });
      const m = mismatch(c.expect, got);
      assert.equal(m, null, `${file} \`${c.description}\`: ${m}\n got ${JSON.stringify(got)}`);
      cases += 1;
    }
  }
  assert.ok(cases >= 199, `only ${cases} cases`);
});

test("recordUsage in the client entry follows the core's rule and codes", () => {
  const v = vectors().find((x) => x.file.endsWith("/fallbacks.json")).vector;
  const now = Date.parse("2026-03-15T00:00:00Z");
  const live = new client.EntitlementsClient({ now: () => new Date(now) });
  live.applySnapshot(buildSnapshot(v.catalog, v.customer, { environment: "test", version: 1, now: new Date(now) }));
  assert.equal(live.recordUsage("api-calls", 5).currentUsage, live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage);
  assert.throws(() => live.recordUsage("api-calls", 1e308), (e) => e instanceof client.EntitlementsError && e.code === "invalid_usage");
});

test("the check layout comes from the wasm module; js/client.js refuses one that lacks a field", async () => {
  const { readdirSync } = await import("node:fs");
  const dir = readdirSync(new URL("../../pkg/snippets/", import.meta.url)).find((d) => d.startsWith("edge-entitlements-"));
  const snippet = await import(new URL(`../../pkg/snippets/${dir}/js/client.js`, import.meta.url));
  await import("./load.mjs"); // initializes the main module
  const glue = await import("../../pkg/edge_entitlements.js");
  const layout = glue.rawLayout();
  assert.equal(typeof layout.flags.hasAccess, "number");
  assert.deepEqual(layout.reasons.slice(1), [
    "CustomerNotFound", "CustomerIsArchived", "FeatureNotFound", "NoActiveSubscription",
    "NoFeatureEntitlementInSubscription", "RequestedUsageExceedingLimit", "InsufficientCredits", "Unknown",
  ]);
  snippet.useLayout(layout);
  for (const [group, name] of [["flags", "usageLimit"], ["flags", "credit"], ["slots", "end"], ["slots", "balance"], ["kinds", "metered"], ["kinds", "credit"]]) {
    const broken = structuredClone(layout);
    delete broken[group][name];
    assert.throws(() => snippet.useLayout(broken), (e) => e.code === "not_initialized" && e.message.includes(`${group}.${name}`));
  }
  snippet.useLayout(layout);
});
