// One suite through `wrangler dev` itself (workerd, .dev.vars, wrangler.toml bindings,
// --persist-to), including a stop and restart on the same persisted state.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { client, CATALOG, customer, uniqueId, DEV_KEY, STAGING_KEY, tempDir, removeDir, nextMessage } from "./helpers.mjs";
import { startWranglerDev } from "./wrangler.mjs";

test("wrangler dev: the API end to end, persisted across a restart", { timeout: 300_000 }, async (t) => {
  const dir = tempDir("ee-wrangler-");
  let dev = await startWranglerDev({ persistDir: dir });
  try {
    let api = client(dev.url, DEV_KEY);
    const id = uniqueId();
    assert.equal((await client(dev.url).get("/v1/catalog")).status, 401);
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
    assert.equal((await api.put(`/v1/customers/${id}`, customer(id))).status, 201);
    assert.equal((await client(dev.url, STAGING_KEY).get(`/v1/customers/${id}`)).status, 404);

    const token = (await api.post(`/v1/customers/${id}/tokens`, {})).body.token;
    const ws = new WebSocket(`${dev.url.replace(/^http/, "ws")}v1/customers/${id}/live?token=${token}`);
    const first = nextMessage(ws, (_d, bin) => bin, 5000);
    await new Promise((resolve, reject) => { ws.on("open", resolve); ws.on("error", reject); });
    await first;
    const single = nextMessage(ws, (_d, bin) => bin, 2000);
    const t0 = performance.now();
    assert.equal((await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 })).status, 200);
    const latency = (await single).at - t0;
    t.diagnostic(`usage report pushed after ${latency.toFixed(1)} ms`);
    assert.ok(latency < 500, `push took ${latency} ms`);
    const pushed = nextMessage(ws, (_d, bin) => bin, 2000);
    const start = performance.now();
    const consumes = await Promise.all(
      Array.from({ length: 50 }, () => api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 3, consume: true })),
    );
    t.diagnostic(`first push under 50 concurrent consumes after ${((await pushed).at - start).toFixed(1)} ms`);
    ws.close();
    assert.equal(consumes.filter((r) => r.body.hasAccess).length, 33, "100 / 3 = 33 consumes fit");
    const etag = (await api.get(`/v1/customers/${id}/snapshot`)).headers.get("etag");
    await dev.stop();

    dev = await startWranglerDev({ persistDir: dir });
    api = client(dev.url, DEV_KEY);
    const check = await api.post("/v1/check", { customerId: id, featureId: "credits" });
    assert.equal(check.body.currentUsage, 99);
    assert.equal((await api.get(`/v1/customers/${id}/snapshot`, { "if-none-match": etag })).status, 304);
    assert.equal((await api.get("/v1/catalog")).body.catalogVersion, 1);
  } finally {
    await dev.stop();
    removeDir(dir);
  }
});
