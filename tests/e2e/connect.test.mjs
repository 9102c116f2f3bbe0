// EntitlementsClient.connect() against `wrangler dev` (real workerd): the live push,
// reconnection after the Worker restarts on the same persisted state, and the polling
// fallback with If-None-Match when no WebSocket can be opened.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { client, DEV_KEY, loadPkg } from "../worker/helpers.mjs";
import { startDemo } from "./demo-server.mjs";

let pkg;
let demo;

before(async () => {
  pkg = await loadPkg();
  assert.ok(pkg, "pkg/ is built (npm run build:pkg)");
  demo = await startDemo();
});

after(async () => {
  await demo?.stop();
});

/** Resolves when `pred()` holds, polling every 20 ms; rejects after `ms`. */
async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const usageOf = (live, featureId) => live.getMeteredEntitlement({ featureId }).currentUsage;

async function token(id) {
  const res = await client(demo.url, DEV_KEY).post(`/v1/customers/${id}/tokens`, { ttlSeconds: 600 });
  assert.equal(res.status, 200);
  return res.body.token;
}

test("connect: snapshot, then usage pushed; reconnects after wrangler dev restarts", { timeout: 240_000 }, async (t) => {
  const id = "demo-pro";
  const statuses = [];
  // A token function: called before each request and reconnect, so tokens can be renewed.
  let tokensMinted = 0;
  const live = await pkg.EntitlementsClient.connect({
    url: demo.url,
    customerId: id,
    token: async () => {
      tokensMinted += 1;
      return token(id);
    },
    WebSocket,
    storage: null,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
    pollIntervalMs: 60_000, // the WebSocket, not polling, must carry the change
    onStatus: (s) => statuses.push(s),
  });
  try {
    assert.equal(live.snapshotInfo.customerId, id);
    assert.equal(live.snapshotInfo.environment, "development");
    await until(() => live.connectionStatus === "live", 10_000, "the live status");
    const before = usageOf(live, "exports");

    const api = () => client(demo.url, DEV_KEY);
    const t0 = performance.now();
    assert.equal((await api().post("/v1/usage", { customerId: id, featureId: "exports", value: 2 })).status, 200);
    await until(() => usageOf(live, "exports") === before + 2, 5000, "the pushed usage");
    t.diagnostic(`usage report pushed to connect() after ${(performance.now() - t0).toFixed(0)} ms`);

    await demo.stopServer();
    await until(() => live.connectionStatus === "reconnecting", 10_000, "the reconnecting status");
    // Answers go on from the snapshot held while the Worker is down.
    assert.equal(usageOf(live, "exports"), before + 2);
    assert.equal(live.getBooleanEntitlement({ featureId: "sso" }).hasAccess, true);

    const mintedBeforeRestart = tokensMinted;
    const restartedAt = performance.now();
    await demo.startServer();
    await until(() => live.connectionStatus === "live", 30_000, "the reconnection");
    t.diagnostic(`reconnected ${(performance.now() - restartedAt).toFixed(0)} ms after the restart began`);
    // The persisted state survived the restart, and a change made now is pushed.
    assert.equal(usageOf(live, "exports"), before + 2);
    const versionBefore = live.snapshotInfo.version;
    const consumed = await api().post("/v1/check", { customerId: id, featureId: "exports", requestedUsage: 3, consume: true });
    assert.equal(consumed.body.hasAccess, true);
    await until(() => usageOf(live, "exports") === before + 5, 5000, "the change made after the restart");
    assert.ok(live.snapshotInfo.version > versionBefore);
    assert.deepEqual(statuses.slice(0, 1), ["live"]);
    assert.ok(statuses.includes("reconnecting"));
    assert.equal(statuses.at(-1), "live");
    assert.ok(tokensMinted > mintedBeforeRestart, "the reconnect asked the token function again");
  } finally {
    live.close();
  }
  assert.equal(live.connectionStatus, "closed");
});

test("connect: without a WebSocket it polls with If-None-Match (304s) and picks up a change", { timeout: 60_000 }, async () => {
  const id = "demo-free";
  const seen = [];
  const countingFetch = async (url, init) => {
    const res = await fetch(url, init);
    seen.push({ status: res.status, ifNoneMatch: init?.headers?.["If-None-Match"] ?? null, etag: res.headers.get("etag") });
    return res;
  };
  class FailingWebSocket {
    constructor() {
      throw new Error("WebSocket unavailable");
    }
  }
  const storage = new Map();
  const live = await pkg.EntitlementsClient.connect({
    url: demo.url,
    customerId: id,
    token: await token(id),
    WebSocket: FailingWebSocket,
    fetch: countingFetch,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) },
    pollIntervalMs: 200,
    minBackoffMs: 50,
    maxBackoffMs: 200,
  });
  try {
    assert.equal(seen[0].status, 200);
    assert.equal(seen[0].etag, `"${live.snapshotInfo.version}"`, "the ETag is the snapshot version");
    assert.notEqual(live.connectionStatus, "live");
    await until(() => seen.some((s) => s.status === 304), 5000, "a 304 answer");
    assert.ok(seen.filter((s) => s.status === 304).every((s) => s.ifNoneMatch === `"${live.snapshotInfo.version}"`));

    const before = usageOf(live, "api-calls");
    const res = await client(demo.url, DEV_KEY).post("/v1/usage", { customerId: id, featureId: "api-calls", value: 5 });
    assert.equal(res.status, 200);
    await until(() => usageOf(live, "api-calls") === before + 5, 5000, "the polled change");
    const fetches = seen.length;
    assert.ok(seen.slice(1).some((s) => s.status === 200), "a 200 after the change");
    assert.ok(fetches >= 3, `fetches: ${fetches}`);
    // The last snapshot is persisted, so a new client answers before the network does.
    assert.equal(storage.size, 1);
    const offlineStart = await pkg.EntitlementsClient.connect({
      url: "http://127.0.0.1:9/", // nothing listens there
      customerId: id,
      token: "unused",
      WebSocket: FailingWebSocket,
      storage: { getItem: () => [...storage.values()][0], setItem() {} },
      pollIntervalMs: 60_000,
      maxBackoffMs: 60_000,
    });
    assert.equal(usageOf(offlineStart, "api-calls"), before + 5);
    offlineStart.close();
  } finally {
    live.close();
  }
});

test("connect: a wrong token is refused at once", { timeout: 30_000 }, async () => {
  await assert.rejects(
    pkg.EntitlementsClient.connect({ url: demo.url, customerId: "demo-free", token: "eet1.bad.token", WebSocket, storage: null }),
    (e) => e.status === 401,
  );
});
