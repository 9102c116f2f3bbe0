// Stopping and restarting workerd on the same persisted state loses nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, tempDir, removeDir, loadPkg } from "./helpers.mjs";

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
    const rows = (await api.get(`/v1/customers/${id}/usage?featureId=api-calls`)).body.rows;
    assert.equal(rows.reduce((n, r) => n + r.total, 0), 12, "history survived the restart");
  } finally {
    await w.stop();
    removeDir(dir);
  }
});

test("snapshot versions strictly increase across changes, catalog changes and restarts", async () => {
  const pkg = await loadPkg();
  assert.ok(pkg, "pkg/ must be built (scripts/test-worker.sh builds it)");
  const dir = tempDir();
  const id = uniqueId();
  let w = await startWorker({ persistDir: dir });
  const client_ = new pkg.EntitlementsClient();
  const versions = [];
  const etags = [];
  const take = async (api) => {
    const r = await api.get(`/v1/customers/${id}/snapshot`);
    assert.equal(r.status, 200);
    etags.push(r.headers.get("etag"));
    assert.equal(client_.applySnapshot(r.body), true, "a client never refuses the newer snapshot");
    versions.push(client_.snapshotInfo.version);
  };
  try {
    let api = client(w.url, DEV_KEY);
    await api.put("/v1/catalog", CATALOG);
    await api.put(`/v1/customers/${id}`, customer(id));
    await take(api);
    await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 });
    await take(api);
    await api.put("/v1/catalog", CATALOG);
    await take(api);
    await api.put(`/v1/customers/${id}`, customer(id, "free"));
    await take(api);
    await w.stop();
    w = await startWorker({ persistDir: dir });
    api = client(w.url, DEV_KEY);
    await take(api);
    await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 });
    await take(api);
    await api.put("/v1/catalog", CATALOG);
    await take(api);
  } finally {
    await w.stop();
    removeDir(dir);
  }
  // After the restart nothing changed until the next write: that one version repeats,
  // with the same content (304-able); every change makes it strictly larger.
  assert.equal(versions[4], versions[3]);
  for (const i of [1, 2, 3, 5, 6]) assert.ok(versions[i] > versions[i - 1], `versions ${versions}`);
  assert.equal(new Set(etags).size, 6, `etags ${etags}`);
});
