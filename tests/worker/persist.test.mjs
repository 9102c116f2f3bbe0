// Stopping and restarting workerd on the same persisted state loses nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, tempDir, removeDir } from "./helpers.mjs";

test("catalog, customer, counters and idempotency keys survive a restart", async () => {
  const dir = tempDir();
  const id = uniqueId();
  let w = await startWorker({ persistDir: dir });
  try {
    let api = client(w.url, DEV_KEY);
    await api.put("/v1/catalog", CATALOG);
    const v = (await api.put("/v1/catalog", CATALOG)).body.catalogVersion;
    await api.put(`/v1/customers/${id}`, customer(id));
    await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 11, idempotencyKey: "once" });
    await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 2, updateBehavior: "set" });
    const etag = (await api.get(`/v1/customers/${id}/snapshot`)).headers.get("etag");
    const before = (await api.get(`/v1/customers/${id}`)).body;
    await w.stop();

    w = await startWorker({ persistDir: dir });
    api = client(w.url, DEV_KEY);
    assert.equal((await api.get("/v1/catalog")).body.catalogVersion, v);
    assert.deepEqual((await api.get(`/v1/customers/${id}`)).body, before);
    const retry = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 11, idempotencyKey: "once" });
    assert.equal(retry.body.currentUsage, 11, "the idempotency key survived");
    assert.equal((await api.post("/v1/check", { customerId: id, featureId: "api-calls" })).body.currentUsage, 11);
    assert.equal((await api.get(`/v1/customers/${id}/snapshot`, { "if-none-match": etag })).status, 304);
    const next = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 });
    assert.equal(next.body.currentUsage, 12);
  } finally {
    await w.stop();
    removeDir(dir);
  }
});
