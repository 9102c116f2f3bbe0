// The auth matrix: server keys per environment, customer tokens (HMAC-SHA256, bound to
// environment + customer + expiry, read-only), and a Worker without keys refusing all.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import WebSocket from "ws";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, STAGING_KEY, TOKEN_SECRET } from "./helpers.mjs";

let w, api, id, other, token;
before(async () => {
  w = await startWorker();
  api = client(w.url, DEV_KEY);
  await api.put("/v1/catalog", CATALOG);
  id = uniqueId();
  other = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  await api.put(`/v1/customers/${other}`, customer(other));
  token = (await api.post(`/v1/customers/${id}/tokens`, {})).body.token;
});
after(async () => w?.stop());

/** Signs claims the way docs/worker.md documents it (what a forger without the secret cannot do). */
function sign(claims, secret = TOKEN_SECRET) {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const sig = createHmac("sha256", secret).update(`eet1.${payload}`).digest("base64url");
  return `eet1.${payload}.${sig}`;
}

const code = (r) => r.body?.error?.code;

test("no credentials: 401 on every authenticated route", async () => {
  const anon = client(w.url);
  for (const [m, p, b] of [
    ["GET", "/v1/catalog"], ["PUT", "/v1/catalog", CATALOG], ["GET", `/v1/customers/${id}`],
    ["PUT", `/v1/customers/${id}`, customer(id)], ["POST", `/v1/customers/${id}/tokens`, {}],
    ["POST", "/v1/usage", { customerId: id, featureId: "seats", value: 1 }],
    ["POST", "/v1/check", { customerId: id, featureId: "sso" }], ["GET", `/v1/customers/${id}/snapshot`],
  ]) {
    const r = await anon.call(m, p, b);
    assert.equal(r.status, 401, `${m} ${p}`);
    assert.equal(code(r), "missing_credentials");
  }
});

test("wrong key and malformed header: 401", async () => {
  const r = await client(w.url, "sk_dev_locaX").get("/v1/catalog");
  assert.equal(r.status, 401);
  assert.equal(code(r), "invalid_credentials");
  const basic = await client(w.url).get("/v1/catalog", { authorization: "Basic abc" });
  assert.equal(basic.status, 401);
});

test("another environment's key sees nothing of this one", async () => {
  const st = client(w.url, STAGING_KEY);
  assert.equal((await st.get(`/v1/customers/${id}`)).status, 404);
  const c = await st.post("/v1/check", { customerId: id, featureId: "sso" });
  assert.equal(c.body.accessDeniedReason, "CustomerNotFound");
  const u = await st.post("/v1/usage", { customerId: id, featureId: "seats", value: 1 });
  assert.equal(u.status, 404);
  assert.equal((await api.post("/v1/check", { customerId: id, featureId: "seats" })).body.currentUsage, 0);
  assert.equal((await st.get("/v1/catalog")).status, 404, "staging has no catalog of its own yet");
  const put = await st.put(`/v1/customers/${id}`, customer(id));
  assert.equal(put.status, 409);
  assert.equal(code(put), "catalog_not_found");
});

test("a staging token cannot read the development customer of the same id", async () => {
  const t = sign({ env: "staging", sub: id, exp: Math.floor(Date.now() / 1000) + 60 });
  const r = await client(w.url, t).get(`/v1/customers/${id}/snapshot`);
  assert.equal(r.status, 404, "staging has no such customer: development is not reachable");
});

test("token: reads its customer's snapshot, not another customer's", async () => {
  const mine = await client(w.url, token).get(`/v1/customers/${id}/snapshot`);
  assert.equal(mine.status, 200);
  const theirs = await client(w.url, token).get(`/v1/customers/${other}/snapshot`);
  assert.equal(theirs.status, 403);
  assert.equal(code(theirs), "token_not_for_customer");
});

test("token on server-only routes: 403", async () => {
  const t = client(w.url, token);
  for (const [m, p, b] of [
    ["GET", "/v1/catalog"], ["PUT", "/v1/catalog", CATALOG], ["GET", `/v1/customers/${id}`],
    ["PUT", `/v1/customers/${id}`, customer(id)], ["POST", `/v1/customers/${id}/tokens`, {}],
    ["POST", "/v1/usage", { customerId: id, featureId: "seats", value: 1 }],
    ["POST", "/v1/check", { customerId: id, featureId: "sso", consume: true }],
  ]) {
    const r = await t.call(m, p, b);
    assert.equal(r.status, 403, `${m} ${p}`);
    assert.equal(code(r), "server_key_required");
  }
});

test("tampered token: 401", async () => {
  const [prefix, payload, sig] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: other })).toString("base64url");
  for (const bad of [
    `${prefix}.${forged}.${sig}`,
    `${prefix}.${payload}.${sig.slice(0, -2)}AA`,
    sign({ ...claims, sub: other }, "some-other-secret-of-enough-length"),
    "eet1.garbage",
  ]) {
    const r = await client(w.url, bad).get(`/v1/customers/${other}/snapshot`);
    assert.equal(r.status, 401, bad);
    assert.equal(code(r), "invalid_token");
  }
});

test("expired token: 401 token_expired", async () => {
  const t = sign({ env: "development", sub: id, exp: Math.floor(Date.now() / 1000) - 1 });
  const r = await client(w.url, t).get(`/v1/customers/${id}/snapshot`);
  assert.equal(r.status, 401);
  assert.equal(code(r), "token_expired");
  const ok = sign({ env: "development", sub: id, exp: Math.floor(Date.now() / 1000) + 30 });
  assert.equal((await client(w.url, ok).get(`/v1/customers/${id}/snapshot`)).status, 200);
});

test("live: ?token= accepted for its customer, refused for another or tampered", async () => {
  const base = w.url.replace(/^http/, "ws");
  const open = (path) =>
    new Promise((resolve) => {
      const ws = new WebSocket(new URL(path, base));
      ws.on("open", () => { ws.close(); resolve(101); });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      ws.on("error", () => {});
    });
  assert.equal(await open(`v1/customers/${id}/live?token=${token}`), 101);
  assert.equal(await open(`v1/customers/${other}/live?token=${token}`), 403);
  assert.equal(await open(`v1/customers/${id}/live?token=${token}x`), 401);
  assert.equal(await open(`v1/customers/${id}/live`), 401);
});

test("no SERVER_KEYS/TOKEN_SECRET configured: every authenticated call refused", async () => {
  const bare = await startWorker({ bindings: {} });
  try {
    const withKey = await client(bare.url, DEV_KEY).get("/v1/catalog");
    assert.equal(withKey.status, 500);
    assert.equal(code(withKey), "auth_not_configured");
    const anon = await client(bare.url).put("/v1/catalog", CATALOG);
    assert.equal(anon.status, 500);
    assert.equal(code(anon), "auth_not_configured");
    const tok = await client(bare.url, token).get(`/v1/customers/${id}/snapshot`);
    assert.equal(tok.status, 500);
    assert.equal((await client(bare.url).get("/v1/health")).status, 200);
  } finally {
    await bare.stop();
  }
});
