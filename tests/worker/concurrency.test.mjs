// Atomicity under concurrency, through HTTP on workerd: hard limits never passed,
// idempotent retries counted once, concurrent reports never lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, customer, uniqueId, DEV_KEY } from "./helpers.mjs";

const CATALOG = {
  features: [
    { id: "calls", type: "metered", meter: "incremental" },
    { id: "events", type: "metered", meter: "incremental" },
  ],
  plans: [{ id: "pro", entitlements: [{ featureId: "calls", usageLimit: 100 }, { featureId: "events", isUnlimited: true }] }],
};

let w, api;
before(async () => {
  w = await startWorker();
  api = client(w.url, DEV_KEY);
  assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
});
after(async () => w?.stop());

test("300 concurrent consumes against a limit of 100 allow exactly 100", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const results = await Promise.all(
    Array.from({ length: 300 }, () =>
      api.post("/v1/check", { customerId: id, featureId: "calls", requestedUsage: 1, consume: true }),
    ),
  );
  assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
  const allowed = results.filter((r) => r.body.hasAccess).length;
  assert.equal(allowed, 100);
  assert.ok(results.filter((r) => !r.body.hasAccess).every((r) => r.body.accessDeniedReason === "RequestedUsageExceedingLimit"));
  const state = await api.get(`/v1/customers/${id}`);
  assert.equal(state.body.usage.find((u) => u.featureId === "calls").currentUsage, 100);
  const check = await api.post("/v1/check", { customerId: id, featureId: "calls" });
  assert.equal(check.body.currentUsage, 100);
});

test("20 concurrent retries of one idempotency key count once and answer alike", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const key = uniqueId("idem");
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      api.post("/v1/usage", { customerId: id, featureId: "events", value: 5, idempotencyKey: key }),
    ),
  );
  assert.ok(results.every((r) => r.status === 200));
  for (const r of results) assert.deepEqual(r.body, results[0].body);
  assert.equal(results[0].body.currentUsage, 5);
  const check = await api.post("/v1/check", { customerId: id, featureId: "events" });
  assert.equal(check.body.currentUsage, 5);

  const ckey = uniqueId("consume");
  const consumes = await Promise.all(
    Array.from({ length: 20 }, () =>
      api.post("/v1/check", { customerId: id, featureId: "calls", requestedUsage: 3, consume: true, idempotencyKey: ckey }),
    ),
  );
  assert.ok(consumes.every((r) => r.body.hasAccess));
  assert.equal((await api.post("/v1/check", { customerId: id, featureId: "calls" })).body.currentUsage, 3);
});

test("200 concurrent distinct reports lose nothing (single and batch)", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      api.post("/v1/usage", { customerId: id, featureId: "events", value: 1, idempotencyKey: `k-${i}` }),
    ),
  );
  assert.ok(results.every((r) => r.status === 200));
  const seen = new Set(results.map((r) => r.body.currentUsage));
  assert.equal(seen.size, 200, "every report saw a distinct counter value");
  assert.equal((await api.post("/v1/check", { customerId: id, featureId: "events" })).body.currentUsage, 200);

  const batches = await Promise.all(
    Array.from({ length: 20 }, () =>
      api.post("/v1/usage", Array.from({ length: 10 }, () => ({ customerId: id, featureId: "events", value: 1 }))),
    ),
  );
  assert.ok(batches.every((r) => r.status === 200 && r.body.length === 10));
  assert.equal((await api.post("/v1/check", { customerId: id, featureId: "events" })).body.currentUsage, 400);
});
