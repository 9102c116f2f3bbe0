// The live stream: the current snapshot at once, a fresh one after each change to the
// customer and after a catalog change, decoded with the npm package (pkg/, required:
// scripts/test-worker.sh builds it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, BINDINGS, loadPkg, nextMessage, envObject } from "./helpers.mjs";

let w, api, pkg;
before(async () => {
  // A 1 s catalog watch (instead of 30 s) so that the backstop test runs quickly.
  w = await startWorker({ bindings: { ...BINDINGS, CATALOG_WATCH_SECONDS: "1" } });
  api = client(w.url, DEV_KEY);
  await api.put("/v1/catalog", CATALOG);
  pkg = await loadPkg();
});
after(async () => w?.stop());

function connect(path) {
  const ws = new WebSocket(new URL(path, w.url.replace(/^http/, "ws")));
  const first = nextMessage(ws, (_d, bin) => bin, 5000);
  return new Promise((resolve, reject) => {
    ws.on("open", () => resolve({ ws, first }));
    ws.on("error", reject);
  });
}

/** A client holding the pushed snapshot `bytes` (decoded with the npm package). */
function decoded(bytes) {
  const c = new pkg.EntitlementsClient();
  assert.equal(c.applySnapshot(new Uint8Array(bytes)), true);
  return c;
}

/** Usage of `featureId` in a pushed snapshot. */
function usageIn(bytes, featureId) {
  return decoded(bytes).getMeteredEntitlement({ featureId }).currentUsage;
}

test("usage reaches a connected client within 500 ms, decoded with the npm package", async (t) => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const token = (await api.post(`/v1/customers/${id}/tokens`, {})).body.token;
  const { ws, first } = await connect(`v1/customers/${id}/live?token=${token}`);
  try {
    const initial = await first;
    assert.equal(initial.isBinary, true);
    assert.equal(usageIn(initial.data, "api-calls"), 0);

    const pushed = nextMessage(ws, (_d, bin) => bin, 2000);
    const start = performance.now();
    const r = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 42 });
    assert.equal(r.status, 200);
    const msg = await pushed;
    const latency = msg.at - start;
    t.diagnostic(`push latency ${latency.toFixed(1)} ms (request sent to message received)`);
    assert.ok(latency < 500, `pushed after ${latency} ms`);
    assert.equal(usageIn(msg.data, "api-calls"), 42);

    const consumed = nextMessage(ws, (_d, bin) => bin, 2000);
    await api.post("/v1/check", { customerId: id, featureId: "api-calls", requestedUsage: 8, consume: true });
    assert.equal(usageIn((await consumed).data, "api-calls"), 50);

    const sub = nextMessage(ws, (_d, bin) => bin, 2000);
    await api.put(`/v1/customers/${id}`, customer(id, "free"));
    const afterSub = await sub;
    assert.equal(decoded(afterSub.data).getBooleanEntitlement({ featureId: "sso" }).hasAccess, false, "plan change pushed");
  } finally {
    ws.close();
  }
});

test("a catalog change is pushed to connected clients (registry in the environment object)", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const { ws, first } = await connect(`v1/customers/${id}/live?token=${(await api.post(`/v1/customers/${id}/tokens`, {})).body.token}`);
  try {
    await first;
    assert.ok((await envObject(w.mf, "development", "GET", "/live")).includes(id), "registered as live");
    const pushed = nextMessage(ws, (_d, bin) => bin, 2000);
    const catalog = structuredClone(CATALOG);
    catalog.plans[0].entitlements[0].usageLimit = 2000;
    const put = await api.put("/v1/catalog", catalog);
    assert.equal(put.status, 200);
    const msg = await pushed;
    const c = decoded(msg.data);
    assert.equal(c.getMeteredEntitlement({ featureId: "api-calls" }).usageLimit, 2000);
    const json = await api.get(`/v1/customers/${id}/snapshot`, { accept: "application/json" });
    assert.equal(json.body.info.catalogVersion, put.body.catalogVersion);
  } finally {
    ws.close();
    await api.put("/v1/catalog", CATALOG);
  }
});

test("a catalog change whose notice was lost still arrives through the catalog watch", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const token = (await api.post(`/v1/customers/${id}/tokens`, {})).body.token;
  const { ws, first } = await connect(`v1/customers/${id}/live?token=${token}`);
  try {
    await first;
    // Drop the registration: PUT /v1/catalog will not notify this customer's object.
    await envObject(w.mf, "development", "POST", "/live/remove", { id });
    assert.ok(!(await envObject(w.mf, "development", "GET", "/live")).includes(id));
    const pushed = nextMessage(ws, (_d, bin) => bin, 4000);
    const catalog = structuredClone(CATALOG);
    catalog.plans[0].entitlements[0].usageLimit = 3000;
    const put = await api.put("/v1/catalog", catalog);
    const msg = await pushed;
    assert.equal(decoded(msg.data).getMeteredEntitlement({ featureId: "api-calls" }).usageLimit, 3000);
    const json = await api.get(`/v1/customers/${id}/snapshot`, { accept: "application/json" });
    assert.equal(json.body.info.catalogVersion, put.body.catalogVersion);
  } finally {
    ws.close();
    await api.put("/v1/catalog", CATALOG);
  }
});

test("live needs an upgrade and an existing customer", async () => {
  const r = await api.get(`/v1/customers/${uniqueId()}/live`);
  assert.equal(r.status, 426);
  const missing = await new Promise((resolve) => {
    const ws = new WebSocket(new URL(`v1/customers/${uniqueId("ghost")}/live`, w.url.replace(/^http/, "ws")), {
      headers: { authorization: `Bearer ${DEV_KEY}` },
    });
    ws.on("open", () => { ws.close(); resolve(101); });
    ws.on("unexpected-response", (_q, res) => resolve(res.statusCode));
    ws.on("error", () => {});
  });
  assert.equal(missing, 404);
});

test("EntitlementsClient.connect (npm package) follows the Worker live", async () => {
  assert.equal(typeof pkg.EntitlementsClient.connect, "function");
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const token = (await api.post(`/v1/customers/${id}/tokens`, {})).body.token;
  const statuses = [];
  const live = await pkg.EntitlementsClient.connect({
    url: w.url,
    customerId: id,
    token,
    WebSocket,
    storage: null,
    onStatus: (s) => statuses.push(s),
  });
  try {
    assert.equal(live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage, 0);
    const deadline = Date.now() + 3000;
    while (live.connectionStatus !== "live" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(live.connectionStatus, "live", `statuses: ${statuses.join(",")}`);
    const updated = new Promise((resolve) => {
      const fn = () => {
        if (live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage === 9) {
          live.removeListener(fn);
          resolve();
        }
      };
      live.addListener(fn);
    });
    await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 9 });
    await Promise.race([updated, new Promise((_, rej) => setTimeout(() => rej(new Error("not updated within 2 s")), 2000))]);
  } finally {
    live.close();
  }
});
