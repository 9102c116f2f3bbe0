// Numbers and keys exactly as sent (found by attacking the write path): JSON numbers are read
// correctly rounded, as JS reads them, so a value one step of double precision away from a
// limit is not taken for the limit; answers and replays show what was stored; a retried
// batch naming several customers is answered from its keys. Each test states the contract
// sentence it holds the Worker to.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId } from "./helpers.mjs";

let w, api;
before(async () => {
  w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
  api = client(w.url, DEV_KEY);
  assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
});
after(async () => w?.stop());

const T = { "x-test-now": "2026-03-10T00:00:00Z" };
async function fresh() {
  const id = uniqueId("bug");
  assert.equal((await api.put(`/v1/customers/${encodeURIComponent(id)}`, customer(id), T)).status, 201);
  return id;
}
const usageOf = async (id, f) =>
  (await api.get(`/v1/customers/${encodeURIComponent(id)}`, T)).body.usage.find((u) => u.featureId === f)?.currentUsage;

// SEMANTICS 6: "usage arithmetic (counters, history totals, the comparison with usageLimit)
// is IEEE 754 double precision, as JS numbers are"; `set` "replace[s] the counter with value";
// section 5: "metered, currentUsage + requestedUsage <= usageLimit" -> true, otherwise denied.
// The Worker parses JSON numbers with serde_json's default (not correctly rounded) float
// parser: "100.00000000000001" (JSON.stringify of the JS number just above 100) becomes 100.
test("a set of 100.00000000000001 is stored as sent, and a hard limit of 100 holds against it", async () => {
  const id = await fresh();
  const x = 100.00000000000001; // the double right after 100
  assert.ok(x > 100);
  const r = await api.post("/v1/usage", { customerId: id, featureId: "credits", value: x, updateBehavior: "set" }, T);
  assert.equal(r.status, 200);
  const check = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 0 }, T);
  assert.deepEqual(
    { answer: r.body.currentUsage, stored: await usageOf(id, "credits"), hasAccess: check.body.hasAccess },
    { answer: x, stored: x, hasAccess: false },
  );
});

test("a consume of 99.99999999999999 adds exactly that", async () => {
  const id = await fresh();
  const x = 99.99999999999999; // the double right before 100
  assert.ok(x < 100);
  const c = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: x, consume: true }, T);
  assert.equal(c.body.hasAccess, true);
  assert.equal(c.body.requestedUsage, x, "the decision echoes another requestedUsage than the one sent");
  assert.equal(await usageOf(id, "credits"), x);
});

test("a report's answer is the counter it stored (0.5 + 0.4999999999999999)", async () => {
  const id = await fresh();
  await api.post("/v1/usage", { customerId: id, featureId: "credits", value: 0.5, updateBehavior: "set" }, T);
  const r = await api.post("/v1/usage", { customerId: id, featureId: "credits", value: 0.4999999999999999 }, T);
  const expected = 0.5 + 0.4999999999999999; // 0.9999999999999999 in JS
  assert.equal(await usageOf(id, "credits"), expected, "the stored counter");
  assert.equal(r.body.currentUsage, expected, "the answer: 'the current counter after the report'");
});

// SEMANTICS 6: "A request that brings a remembered key is answered from it before anything
// else: with the same payload ... it gets the first answer and changes nothing". A retry of
// a multi-customer batch is validated against the catalog at the edge first and rejected,
// while the same retry for one customer gets its first answer.
test("a retried batch naming several customers is answered from its keys, even after its feature left the catalog", async () => {
  const a = await fresh();
  const b = await fresh();
  const batch = [
    { customerId: a, featureId: "credits", value: 1, idempotencyKey: "retry-1" },
    { customerId: b, featureId: "credits", value: 1, idempotencyKey: "retry-1" },
  ];
  const first = await api.post("/v1/usage", batch, T);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const cat2 = structuredClone(CATALOG);
  cat2.features = cat2.features.filter((f) => f.id !== "credits");
  cat2.plans[0].entitlements = cat2.plans[0].entitlements.filter((e) => e.featureId !== "credits");
  assert.equal((await api.put("/v1/catalog", cat2)).status, 200);
  try {
    // The same retry for one customer is answered from its key (proves the key is remembered).
    const one = await api.post("/v1/usage", batch[0], T);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    const retry = await api.post("/v1/usage", batch, T);
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.deepEqual(retry.body, first.body);
  } finally {
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
  }
});

// SEMANTICS 6: "with the same payload it gets the first answer and changes nothing". The
// remembered decision is stored as JSON text and read back with the same lossy parser.
test("a consume retried with its key gets the first answer, to the last bit", async () => {
  const id = await fresh();
  await api.post("/v1/usage", { customerId: id, featureId: "credits", value: 0.5, updateBehavior: "set" }, T);
  await api.post("/v1/usage", { customerId: id, featureId: "credits", value: 0.4999999999999999 }, T);
  const body = { customerId: id, featureId: "credits", requestedUsage: 0, consume: true, idempotencyKey: "c-retry" };
  const first = await api.post("/v1/check", body, T);
  const again = await api.post("/v1/check", body, T);
  assert.equal(first.status, 200);
  assert.equal(again.status, 200);
  assert.equal(first.body.currentUsage, 0.5 + 0.4999999999999999);
  assert.deepEqual(again.body, first.body);
});

// The same holds outside section 6: a customer PUT stores the number sent, and GET
// /v1/catalog answers the numbers of the catalog the checks use.
test("a customer PUT stores a promotion value of 0.9999999999999999 as sent", async () => {
  const id = uniqueId("bug");
  const c = customer(id);
  c.promotionalEntitlements = [{ featureId: "retention-days", value: 0.9999999999999999 }];
  const put = await api.put(`/v1/customers/${encodeURIComponent(id)}`, c, T);
  assert.equal(put.status, 201);
  const got = await api.get(`/v1/customers/${encodeURIComponent(id)}`, T);
  assert.equal(got.body.promotionalEntitlements[0].value, 0.9999999999999999);
});

test("GET /v1/catalog answers a numeric value of 0.9999999999999999 as sent", async () => {
  const cat = structuredClone(CATALOG);
  cat.plans[0].entitlements.find((e) => e.featureId === "retention-days").value = 0.9999999999999999;
  assert.equal((await api.put("/v1/catalog", cat)).status, 200);
  try {
    const id = await fresh();
    const check = await api.post("/v1/check", { customerId: id, featureId: "retention-days" }, T);
    assert.equal(check.body.value, 0.9999999999999999);
    const g = await api.get("/v1/catalog");
    assert.equal(g.body.catalog.plans[0].entitlements.find((e) => e.featureId === "retention-days").value, 0.9999999999999999);
  } finally {
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
  }
});
