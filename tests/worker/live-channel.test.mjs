// The live channel's rules on real workerd: ping/pong auto-response, the token in the
// Sec-WebSocket-Protocol, token expiry closing the socket (4001), the per-customer cap
// (429 before the upgrade), the server closing silent sockets (4002), and the npm
// client's reactions (heartbeat, renewal after expiry, polling past the cap).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, BINDINGS, loadPkg, nextMessage } from "./helpers.mjs";

const CAP = 64; // live::MAX_CLIENTS

let w, api, pkg;
before(async () => {
  w = await startWorker();
  api = client(w.url, DEV_KEY);
  await api.put("/v1/catalog", CATALOG);
  pkg = await loadPkg();
});
after(async () => w?.stop());

const wsBase = (url) => url.replace(/^http/, "ws");

async function newCustomer(a = api) {
  const id = uniqueId("live");
  assert.equal((await a.put(`/v1/customers/${id}`, customer(id))).status, 201);
  return id;
}

async function mint(id, ttlSeconds, a = api) {
  const r = await a.post(`/v1/customers/${id}/tokens`, ttlSeconds ? { ttlSeconds } : {});
  assert.equal(r.status, 200);
  return r.body;
}

/**
 * Opens a socket; resolves `{ ws, first, protocolHeader }` once open, or
 * `{ status, body }` when the upgrade is refused.
 */
function open(url, { protocols, headers } = {}) {
  const ws = new WebSocket(url, protocols, { headers });
  const first = nextMessage(ws, (_d, bin) => bin, 5000);
  first.catch(() => {});
  return new Promise((resolve, reject) => {
    let protocolHeader;
    ws.on("upgrade", (res) => {
      protocolHeader = res.headers["sec-websocket-protocol"];
    });
    ws.on("open", () => resolve({ ws, first, protocolHeader }));
    ws.on("unexpected-response", (req, res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null });
      });
    });
    ws.on("error", (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

const closed = (ws) => new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));

// The runtime sends a server's close frame at once but may keep the TCP connection until
// the object hibernates (Miniflare: 10 s idle), and only then does `ws` emit `close`: the
// notice and the CLOSING state are timed, the close code is awaited.
const CLOSE_LAG_MS = 25_000;
const textMessage = (ws, text, ms) => nextMessage(ws, (d, bin) => !bin && d.toString() === text, ms);

async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("the token in the subprotocol authenticates; the answer names only edge-entitlements", async () => {
  const id = await newCustomer();
  const { token } = await mint(id);
  const url = `${wsBase(w.url)}v1/customers/${id}/live`;
  const ok = await open(url, { protocols: ["edge-entitlements", `token.${token}`] });
  assert.ok(ok.ws, `refused: ${ok.status}`);
  try {
    assert.equal(ok.protocolHeader, "edge-entitlements");
    assert.equal(ok.ws.protocol, "edge-entitlements");
    const first = await ok.first;
    const c = new pkg.EntitlementsClient();
    assert.equal(c.applySnapshot(new Uint8Array(first.data)), true);
    assert.equal(c.snapshotInfo.customerId, id);
  } finally {
    ok.ws.close();
  }

  const bad = await open(url, { protocols: ["edge-entitlements", `token.${token.slice(0, -2)}xx`] });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error.code, "invalid_token");
  const other = await newCustomer();
  const foreign = await open(`${wsBase(w.url)}v1/customers/${other}/live`, { protocols: ["edge-entitlements", `token.${token}`] });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.body.error.code, "token_not_for_customer");
  const lone = await open(url, { protocols: [`token.${token}`] });
  assert.equal(lone.status, 400);
  assert.equal(lone.body.error.code, "invalid_subprotocol");
  // Old clients: ?token= still works, and the plain protocol with a header credential too.
  const legacy = await open(`${url}?token=${token}`);
  assert.ok(legacy.ws, `legacy refused: ${legacy.status}`);
  legacy.ws.close();
  const plain = await open(url, { protocols: ["edge-entitlements"], headers: { authorization: `Bearer ${DEV_KEY}` } });
  assert.equal(plain.protocolHeader, "edge-entitlements");
  plain.ws.close();
});

test("ping is answered pong by the runtime's auto-response", async () => {
  const id = await newCustomer();
  const { token } = await mint(id);
  const { ws, first } = await open(`${wsBase(w.url)}v1/customers/${id}/live`, { protocols: ["edge-entitlements", `token.${token}`] });
  try {
    await first;
    for (let i = 0; i < 3; i++) {
      const pong = nextMessage(ws, (_d, bin) => !bin, 2000);
      ws.send("ping");
      assert.equal((await pong).data.toString(), "pong");
    }
  } finally {
    ws.close();
  }
});

test("a socket opened with a token is closed with 4001 at the token's expiry; a server-key socket stays", { timeout: 60_000 }, async () => {
  const id = await newCustomer();
  const { token, expiresAt } = await mint(id, 2);
  const url = `${wsBase(w.url)}v1/customers/${id}/live`;
  const tokenSocket = await open(url, { protocols: ["edge-entitlements", `token.${token}`] });
  const serverSocket = await open(url, { headers: { authorization: `Bearer ${DEV_KEY}` } });
  assert.ok(tokenSocket.ws && serverSocket.ws);
  try {
    await tokenSocket.first;
    await serverSocket.first;
    const done = closed(tokenSocket.ws);
    const notice = await textMessage(tokenSocket.ws, "token-expired", 5000);
    const at = Date.now();
    const expiry = Date.parse(expiresAt);
    assert.ok(at >= expiry - 50 && at <= expiry + 2000, `notice ${at - expiry} ms from the expiry`);
    await until(() => tokenSocket.ws.readyState === WebSocket.CLOSING || tokenSocket.ws.readyState === WebSocket.CLOSED, 500, "the close frame");
    assert.ok(notice);
    assert.equal(serverSocket.ws.readyState, WebSocket.OPEN);
    const pushed = nextMessage(serverSocket.ws, (_d, bin) => bin, 2000);
    await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 3 });
    await pushed;
    // The expired token no longer opens a socket.
    const again = await open(url, { protocols: ["edge-entitlements", `token.${token}`] });
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, "token_expired");
    serverSocket.ws.close();
    const { code, reason } = await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error("no close event")), CLOSE_LAG_MS))]);
    assert.equal(code, 4001);
    assert.equal(reason, "token expired");
  } finally {
    serverSocket.ws.close();
  }
});

test(`the ${CAP + 1}th connection of one customer gets 429 too_many_connections; the first ${CAP} stay open`, { timeout: 60_000 }, async () => {
  const id = await newCustomer();
  const url = `${wsBase(w.url)}v1/customers/${id}/live`;
  const headers = { authorization: `Bearer ${DEV_KEY}` };
  const sockets = [];
  try {
    for (let i = 0; i < CAP; i++) {
      const s = await open(url, { headers });
      assert.ok(s.ws, `connection ${i + 1} refused: ${s.status}`);
      sockets.push(s.ws);
    }
    const over = await open(url, { headers });
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, "too_many_connections");
    assert.match(over.body.error.message, /64/);
    // All of the first ones are still open: each answers a ping.
    await Promise.all(
      sockets.map((ws) => {
        assert.equal(ws.readyState, WebSocket.OPEN);
        const pong = nextMessage(ws, (_d, bin) => !bin, 3000);
        ws.send("ping");
        return pong;
      }),
    );

    // Past the cap, connect() follows by polling with If-None-Match.
    const statuses = [];
    const seen = [];
    const live = await pkg.EntitlementsClient.connect({
      url: w.url,
      customerId: id,
      token: (await mint(id)).token,
      WebSocket,
      fetch: async (u, init) => {
        const res = await fetch(u, init);
        seen.push(res.status);
        return res;
      },
      storage: null,
      pollIntervalMs: 100,
      minBackoffMs: 5000,
      maxBackoffMs: 5000,
      onStatus: (s) => statuses.push(s),
    });
    try {
      await until(() => statuses.includes("reconnecting"), 3000, "the refused upgrade");
      const before = live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage;
      await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 5 });
      await until(() => live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage === before + 5, 3000, "the polled change");
      assert.ok(seen.includes(304), `polled with If-None-Match: ${seen.join(",")}`);
      assert.ok(!statuses.includes("live"), `statuses: ${statuses.join(",")}`);
    } finally {
      live.close();
    }

    // One closes: a new connection fits again.
    const gone = closed(sockets[0]);
    sockets[0].close();
    await gone;
    await until(async () => {
      const s = await open(url, { headers });
      if (s.ws) {
        sockets[0] = s.ws;
        return true;
      }
      assert.equal(s.status, 429);
      return false;
    }, 3000, "a free slot");
  } finally {
    for (const ws of sockets) ws.close();
  }
});

test("connect() sends the token as a subprotocol, never in the URL, and renews it after a 4001 close", { timeout: 30_000 }, async () => {
  const id = await newCustomer();
  const opened = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      opened.push({ url: String(url), protocols });
    }
  }
  let minted = 0;
  const statuses = [];
  const live = await pkg.EntitlementsClient.connect({
    url: w.url,
    customerId: id,
    token: async () => {
      minted += 1;
      return (await mint(id, 2)).token;
    },
    WebSocket: RecordingWebSocket,
    storage: null,
    minBackoffMs: 5000, // a reconnect within the test's time must be the immediate one after 4001
    maxBackoffMs: 5000,
    pollIntervalMs: 60_000,
    onStatus: (s) => statuses.push(s),
  });
  try {
    await until(() => live.connectionStatus === "live", 5000, "the live status");
    assert.equal(opened.length, 1);
    await until(() => opened.length >= 2, 5000, "a reconnect after the token expired");
    await until(() => live.connectionStatus === "live", 3000, "live again");
    assert.ok(statuses.includes("reconnecting"), `statuses: ${statuses.join(",")}`);
    assert.ok(minted >= 3, `tokens minted: ${minted}`);
    for (const o of opened) {
      assert.doesNotMatch(o.url, /token/i, "no token in the URL");
      assert.equal(o.protocols[0], "edge-entitlements");
      assert.match(o.protocols[1], /^token\.eet1\./);
    }
    assert.notEqual(opened[0].protocols[1], opened[1].protocols[1], "a fresh token");
    const before = live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage;
    await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 2 });
    await until(() => live.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage === before + 2, 2000, "a push on the new socket");
  } finally {
    live.close();
  }
});

test("connect() pings; a socket that stops answering (half-open) is replaced", { timeout: 30_000 }, async () => {
  const id = await newCustomer();
  const { token } = await mint(id);
  const sockets = [];
  let pongs = 0;
  // The first socket goes deaf after opening, as a half-open connection would: nothing
  // it receives reaches the client any more.
  class FlakyWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.deaf = sockets.length === 0;
      sockets.push(this);
    }
    set onmessage(fn) {
      super.onmessage = (event) => {
        if (event.data === "pong") pongs += 1;
        if (this.deaf && this.readyState === WebSocket.OPEN && this.heardFirst) return;
        this.heardFirst = true;
        fn(event);
      };
    }
    get onmessage() {
      return super.onmessage;
    }
  }
  const live = await pkg.EntitlementsClient.connect({
    url: w.url,
    customerId: id,
    token,
    WebSocket: FlakyWebSocket,
    storage: null,
    heartbeatIntervalMs: 200,
    heartbeatTimeoutMs: 300,
    minBackoffMs: 50,
    maxBackoffMs: 100,
    pollIntervalMs: 60_000,
  });
  try {
    await until(() => sockets.length >= 2, 3000, "the half-open socket replaced");
    await until(() => live.connectionStatus === "live", 3000, "live again");
    // The healthy socket keeps getting pongs and is not replaced.
    const count = sockets.length;
    const pongsBefore = pongs;
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(sockets.length, count, "no reconnect while pongs arrive");
    assert.ok(pongs - pongsBefore >= 3, `pongs: ${pongs - pongsBefore}`);
    assert.equal(live.connectionStatus, "live");
  } finally {
    live.close();
  }
});

test("the server closes a socket silent for two heartbeat intervals with 4002", { timeout: 60_000 }, async () => {
  const hb = await startWorker({ bindings: { ...BINDINGS, LIVE_HEARTBEAT_SECONDS: "1" } });
  try {
    const a = client(hb.url, DEV_KEY);
    await a.put("/v1/catalog", CATALOG);
    const id = await newCustomer(a);
    const url = `${wsBase(hb.url)}v1/customers/${id}/live`;
    const headers = { authorization: `Bearer ${DEV_KEY}` };
    const silent = await open(url, { headers });
    const pinging = await open(url, { headers });
    const openedAt = Date.now();
    const timer = setInterval(() => pinging.ws.send("ping"), 300);
    const done = closed(silent.ws);
    try {
      await textMessage(silent.ws, "no-heartbeat", 5000);
      const at = Date.now();
      assert.ok(at - openedAt >= 1900 && at - openedAt <= 4000, `notice after ${at - openedAt} ms`);
      await until(() => silent.ws.readyState !== WebSocket.OPEN, 500, "the close frame");
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(pinging.ws.readyState, WebSocket.OPEN, "the pinging socket stays");
    } finally {
      clearInterval(timer);
      pinging.ws.close();
    }
    const { code, reason } = await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error("no close event")), CLOSE_LAG_MS))]);
    assert.equal(code, 4002);
    assert.equal(reason, "no heartbeat");
  } finally {
    await hb.stop();
  }
});

test("`refresh` answers at most once a second per socket", async () => {
  const id = await newCustomer();
  const { token } = await mint(id);
  const s = await open(`${wsBase(w.url)}v1/customers/${id}/live`, { protocols: ["edge-entitlements", `token.${token}`] });
  try {
    await s.first;
    let snapshots = 0;
    s.ws.on("message", (_d, bin) => {
      if (bin) snapshots += 1;
    });
    for (let i = 0; i < 5; i++) s.ws.send("refresh");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(snapshots, 1, "five refreshes within a second get one snapshot");
    await new Promise((r) => setTimeout(r, 700));
    s.ws.send("refresh");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(snapshots, 2, "a refresh a second later is answered");
  } finally {
    s.ws.close();
  }
});
