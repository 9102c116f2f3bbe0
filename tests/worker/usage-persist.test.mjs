// Counters, history and idempotency keys survive a restart of workerd (persisted SQLite),
// and the test clock's key expiry still applies after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId, tempDir, removeDir } from "./helpers.mjs";

test("a restart keeps counters, history totals and keys; a key still expires 24 h after its request", async () => {
  const dir = tempDir();
  const bindings = { ...BINDINGS, TEST_CLOCK: "true" };
  const id = uniqueId("persist");
  const at = (t) => ({ "x-test-now": t });
  let w = await startWorker({ persistDir: dir, bindings });
  try {
    let api = client(w.url, DEV_KEY);
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
    assert.equal((await api.put(`/v1/customers/${id}`, customer(id), at("2026-03-10T00:00:00Z"))).status, 201);
    const first = await api.post("/v1/usage", [
      { customerId: id, featureId: "api-calls", value: 5, idempotencyKey: "p1" },
      { customerId: id, featureId: "api-calls", value: 2, timestamp: "2026-02-20T00:00:00Z" },
    ], at("2026-03-10T00:00:00Z"));
    assert.equal(first.status, 200);
    const consume = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 100, consume: true, idempotencyKey: "p2" }, at("2026-03-10T00:00:00Z"));
    assert.equal(consume.body.hasAccess, true);
    const before = [(await api.get(`/v1/customers/${id}`)).body, (await api.get(`/v1/customers/${id}/usage`, at("2026-03-10T00:00:00Z"))).body];
    await w.stop();
    w = await startWorker({ persistDir: dir, bindings });
    api = client(w.url, DEV_KEY);
    const after = [(await api.get(`/v1/customers/${id}`)).body, (await api.get(`/v1/customers/${id}/usage`, at("2026-03-10T00:00:00Z"))).body];
    assert.deepEqual(after, before);
    const replay = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 5, idempotencyKey: "p1" }, at("2026-03-10T23:59:59.999Z"));
    assert.deepEqual(replay.body, first.body[0]);
    const replayConsume = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 100, consume: true, idempotencyKey: "p2" }, at("2026-03-10T12:00:00Z"));
    assert.deepEqual(replayConsume.body, consume.body);
    const denied = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 100, consume: true, idempotencyKey: "p3" }, at("2026-03-10T12:00:00Z"));
    assert.equal(denied.body.hasAccess, false);
    const fresh = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 6, idempotencyKey: "p1" }, at("2026-03-11T00:00:00Z"));
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.currentUsage, 11);
    const rows = (await api.get(`/v1/customers/${id}/usage?featureId=api-calls`, at("2026-03-11T00:00:00Z"))).body.rows;
    assert.deepEqual(rows.map((r) => [r.periodStart, r.total]), [["2026-02-01T00:00:00Z", 2], ["2026-03-01T00:00:00Z", 11]]);
  } finally {
    await w.stop();
    removeDir(dir);
  }
});
