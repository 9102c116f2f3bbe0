// Disagreements where the contract's text is arguable (attack branch). Marked `todo`: they
// run and report, but do not fail the suite until the contract is settled.
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

// SEMANTICS 6: a report is rejected with invalid_usage when "value is not a finite number";
// `1e400` is well-formed JSON (RFC 8259 grammar) and JSON.parse reads it as Infinity. The
// Worker answers 400 malformed_json. (SCENARIOS.md says non-finite inputs "cannot be written".)
test("value 1e400 / requestedUsage 1e400 are 422 invalid_usage, not 400 malformed_json", { todo: "contract: is 1e400 malformed JSON or a non-finite value?" }, async () => {
  const id = uniqueId("disp");
  await api.put(`/v1/customers/${id}`, customer(id), T);
  const r = await api.post("/v1/usage", `{"customerId":"${id}","featureId":"api-calls","value":1e400}`, T);
  const c = await api.post("/v1/check", `{"customerId":"${id}","featureId":"api-calls","requestedUsage":1e400,"consume":true}`, T);
  assert.deepEqual([r.status, r.body.error.code, c.status, c.body.error.code], [422, "invalid_usage", 422, "invalid_usage"]);
});

// SEMANTICS 2: a customer state referencing an unknown plan is an error "for that customer
// state"; section 6: "An archived customer's reports are counted (the usage happened)". After a
// catalog PUT that drops the customer's plan, reports are refused with 409 and the usage is lost.
test("reports still count after a catalog change drops the customer's plan", { todo: "contract silent: catalog PUT does not check stored customers" }, async () => {
  const id = uniqueId("disp");
  await api.put(`/v1/customers/${id}`, customer(id), T);
  const cat = structuredClone(CATALOG);
  cat.plans = cat.plans.filter((p) => p.id !== "pro");
  assert.equal((await api.put("/v1/catalog", cat)).status, 200);
  try {
    const r = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 3 }, T);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  } finally {
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
  }
});

// RFC 3339 section 5.6 requires "T" (or "t") between date and time; the Worker also takes a space.
test("a timestamp with a space instead of T is not an RFC 3339 instant", { todo: "RFC 3339 allows a space only as an application choice (NOTE in 5.6)" }, async () => {
  const id = uniqueId("disp");
  await api.put(`/v1/customers/${id}`, customer(id), T);
  const r = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1, timestamp: "2026-03-09 00:00:00Z" }, T);
  assert.equal(r.status, 422);
});
