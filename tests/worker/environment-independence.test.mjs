// No check, consume, report, history read or snapshot waits on the environment object
// (issue 8: an environment's throughput grows with its customers, each object running
// where it is used). Proved by taking the environment object down (the test-only var
// TEST_ENVIRONMENT_OBJECT_DOWN, set by nothing that ships) on a Worker restarted over
// persisted state: every customer-path request still answers; only the environment's
// own operations (catalog writes, the customer list) fail, with 503.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, BINDINGS, tempDir, removeDir } from "./helpers.mjs";

test("customers are served while the environment object is down", async () => {
  const dir = tempDir();
  const ids = Array.from({ length: 10 }, () => uniqueId("indep"));
  let w = await startWorker({ persistDir: dir });
  try {
    let api = client(w.url, DEV_KEY);
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
    for (const id of ids) assert.equal((await api.put(`/v1/customers/${id}`, customer(id))).status, 201);
    await w.stop();

    w = await startWorker({ persistDir: dir, bindings: { ...BINDINGS, TEST_ENVIRONMENT_OBJECT_DOWN: "true" } });
    api = client(w.url, DEV_KEY);
    // The environment's own operations fail...
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 503);
    assert.equal((await api.get("/v1/customers")).status, 503);
    // ...and every customer-path request is answered, concurrently across customers.
    const consumes = await Promise.all(
      ids.flatMap((id) => Array.from({ length: 5 }, () => api.post("/v1/check", { customerId: id, featureId: "api-calls", requestedUsage: 1, consume: true }))),
    );
    assert.ok(consumes.every((r) => r.status === 200 && r.body.hasAccess), JSON.stringify(consumes.find((r) => r.status !== 200)?.body));
    for (const id of ids) {
      const report = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 2 });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal(report.body.currentUsage, 7);
      assert.equal((await api.post("/v1/check", { customerId: id, featureId: "sso" })).body.hasAccess, true);
      assert.equal((await api.get(`/v1/customers/${id}/snapshot`)).status, 200);
      assert.equal((await api.get(`/v1/customers/${id}/usage`)).status, 200);
    }
    // A customer PUT is stored; its registration in the list waits for the next PUT.
    assert.equal((await api.put(`/v1/customers/${ids[0]}`, customer(ids[0], "free"))).status, 200);
  } finally {
    await w.stop();
    removeDir(dir);
  }
});
