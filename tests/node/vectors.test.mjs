// Every spec vector in tests/vectors/ through the package's public JS API: the snapshot
// is built with buildSnapshot (one day before the case's `now`, as tests/vectors.rs
// does), applied with applySnapshot, and checked with the kind's method at `now`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSnapshot, validateCatalog, EntitlementsClient, EntitlementsError, vectors, mismatch } from "./load.mjs";

const DAY = 86_400_000;
const METHOD = { boolean: "getBooleanEntitlement", numeric: "getNumericEntitlement", metered: "getMeteredEntitlement", credit: "getCreditEntitlement" };

function decide(v, c) {
  const now = Date.parse(c.now);
  const bytes = buildSnapshot(v.catalog, v.customer, { environment: "test", version: 1, catalogVersion: 1, now: new Date(now - DAY) });
  const client = new EntitlementsClient({ now: () => new Date(now) });
  assert.equal(client.applySnapshot(bytes), true);
  const method = METHOD[c.check.kind];
  assert.ok(method, `unknown check kind ${c.check.kind}`);
  const options = {};
  if (c.check.requestedUsage !== undefined) options.requestedUsage = c.check.requestedUsage;
  if (c.check.fallback != null) options.fallback = c.check.fallback;
  return client[method]({ featureId: c.check.featureId, options });
}

const all = vectors();
test("tests/vectors is not empty", () => assert.ok(all.length > 0));

for (const { file, vector: v } of all) {
  test(`${file}: ${v.description}`, async (t) => {
    if (v.expectError) {
      const run = () => {
        validateCatalog(v.catalog);
        if (!v.customer) throw new Error("catalog was accepted");
        buildSnapshot(v.catalog, v.customer, { environment: "test", version: 1, now: new Date(0) });
      };
      assert.throws(run, (e) => {
        assert.ok(e instanceof EntitlementsError, `not an EntitlementsError: ${e}`);
        assert.equal(e.code, v.expectError.code, e.message);
        if (v.expectError.path) assert.ok(e.details.some((d) => d.path === v.expectError.path), JSON.stringify(e.details));
        return true;
      });
      return;
    }
    assert.ok(v.customer, "a vector without customer and error is a server-side check; none expected here");
    assert.ok(v.cases.length > 0, "vector has no cases");
    for (const c of v.cases) {
      await t.test(c.description, () => {
        const got = decide(v, c);
        const m = mismatch(c.expect, got);
        assert.equal(m, null, `${m}\n got ${JSON.stringify(got)}`);
      });
    }
  });
}
