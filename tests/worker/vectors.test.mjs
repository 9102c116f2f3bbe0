// Every vector (tests/vectors, tests/vectors-credits, tests/vectors-extra, EXTRA_VECTORS) through the Worker on
// workerd: the catalog is PUT to KV, each case's customer to its Durable Object, its usage
// reported with POST /v1/usage (`set` with the test clock at the usage's `periodStart`, or
// at the case's `now` when it has none, so that it is written in the window the vector
// names: SEMANTICS section 6), and the snapshot the Worker serves is evaluated at the
// case's `now` by the npm package. Rejection vectors must be
// rejected by the API with the same error code (422), storing nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, DEV_KEY, BINDINGS, uniqueId } from "./helpers.mjs";
// The npm package from pkg/ (scripts/test-worker.sh builds it when missing) and the
// vector helpers of its Node tests.
import { vectors, mismatch, EntitlementsClient } from "../node/load.mjs";

let w, api;
before(async () => {
  w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
  api = client(w.url, DEV_KEY);
});
after(async () => {
  await w?.stop();
});

function check(c, bytes) {
  const live = new EntitlementsClient({ now: () => new Date(c.now) });
  assert.equal(live.applySnapshot(bytes), true);
  const method = { boolean: "getBooleanEntitlement", numeric: "getNumericEntitlement", credit: "getCreditEntitlement" }[c.check.kind] ?? "getMeteredEntitlement";
  const options = {};
  if (c.check.requestedUsage != null) options.requestedUsage = c.check.requestedUsage;
  if (c.check.fallback != null) options.fallback = c.check.fallback;
  return live[method]({ featureId: c.check.featureId, options });
}

/**
 * PUTs the customer of a vector under a new id (usage and credit ledger left out), posts
 * its credit grants with POST /v1/credits/grants (`postGrants`; otherwise they go in the
 * PUT), seeds its credit ledger (`creditUsage`: a PUT with the test-only
 * `x-test-seed-ledger`, the only way an API client could set `used` and `carried` of a
 * past period directly) and reports its usage.
 */
async function putCustomer(v, at, { postGrants = true } = {}) {
  const id = uniqueId("vec");
  const { usage = [], creditUsage, creditGrants, ...state } = v.customer;
  const body = postGrants || creditGrants === undefined ? { ...state, id } : { ...state, id, creditGrants };
  const put = await api.put(`/v1/customers/${id}`, body, { "x-test-now": at });
  if (put.status !== 201) return { id, put };
  for (const g of postGrants ? (creditGrants ?? []) : []) {
    const r = await api.post("/v1/credits/grants", { customerId: id, ...g }, { "x-test-now": at });
    assert.equal(r.status, 201, `grant ${g.id}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.id, g.id);
  }
  if (creditUsage !== undefined) {
    const r = await api.put(`/v1/customers/${id}`, { ...state, id, creditUsage }, { "x-test-now": at, "x-test-seed-ledger": "1" });
    assert.equal(r.status, 200, `seeding the credit ledger: ${JSON.stringify(r.body)}`);
  }
  for (const u of usage) {
    const r = await api.post(
      "/v1/usage",
      { customerId: id, featureId: u.featureId, value: u.currentUsage, updateBehavior: "set" },
      { "x-test-now": u.periodStart ?? at },
    );
    assert.equal(r.status, 200, `usage of ${u.featureId}: ${JSON.stringify(r.body)}`);
  }
  return { id, put };
}

const all = vectors();
test("there are vectors", () => assert.ok(all.length > 0));

for (const { file, vector: v } of all) {
  test(`worker: ${file}: ${v.description}`, async (t) => {
    if (v.expectError) {
      const cat = await api.put("/v1/catalog", v.catalog);
      if (cat.status === 422) {
        assert.equal(cat.body.error.code, v.expectError.code, JSON.stringify(cat.body));
        return;
      }
      assert.equal(cat.status, 200, JSON.stringify(cat.body));
      assert.ok(v.customer, `expected ${v.expectError.code}, the catalog was accepted`);
      const { id, put } = await putCustomer(v, new Date().toISOString(), { postGrants: false });
      assert.equal(put.status, 422, JSON.stringify(put.body));
      assert.equal(put.body.error.code, v.expectError.code, JSON.stringify(put.body));
      const stored = await api.get(`/v1/customers/${id}`);
      assert.equal(stored.status, 404, "a rejected customer is not stored");
      return;
    }
    const cat = await api.put("/v1/catalog", v.catalog);
    assert.equal(cat.status, 200, JSON.stringify(cat.body));
    for (const c of v.cases ?? []) {
      await t.test(c.description ?? c.check.featureId, async () => {
        if (!v.customer) {
          // A server-side check of an unknown customer.
          const r = await api.post("/v1/check", { customerId: uniqueId("nobody"), featureId: c.check.featureId });
          assert.equal(r.status, 200);
          const m = mismatch(c.expect, r.body);
          assert.equal(m, null, `${m}\n got ${JSON.stringify(r.body)}`);
          return;
        }
        const { id, put } = await putCustomer(v, c.now);
        assert.equal(put.status, 201, JSON.stringify(put.body));
        const snap = await api.get(`/v1/customers/${id}/snapshot`);
        assert.equal(snap.status, 200);
        const got = check(c, snap.body);
        const m = mismatch(c.expect, got);
        assert.equal(m, null, `${m}\n got ${JSON.stringify(got)}`);
        // Credits: the server decides the same at the case's instant (a credit check of a
        // pool and a metered check of a priced feature, the shapes POST /v1/check gives).
        const type = v.catalog.features.find((f) => f.id === c.check.featureId)?.type;
        const priced = v.catalog.features.find((f) => f.id === c.check.featureId)?.creditCost !== undefined;
        if ((c.check.kind === "credit" && type === "credit") || (c.check.kind === "metered" && priced)) {
          const r = await api.post("/v1/check", { customerId: id, featureId: c.check.featureId, requestedUsage: c.check.requestedUsage ?? 0 }, { "x-test-now": c.now });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          const ms = mismatch(c.expect, r.body);
          assert.equal(ms, null, `server: ${ms}\n got ${JSON.stringify(r.body)}`);
        }
      });
    }
  });
}
