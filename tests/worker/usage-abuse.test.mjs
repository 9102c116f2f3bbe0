// HTTP-level probes of POST /v1/usage and POST /v1/check (from attacking the write path):
// odd JSON, sizes, ids, keys, concurrency, multi-customer batches. Every rejected
// request is checked to leave the customer state and its history as they were.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId } from "./helpers.mjs";

let w, api;
before(async () => {
  w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
  api = client(w.url, DEV_KEY);
  assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
});
after(async () => w?.stop());

const T = { "x-test-now": "2026-03-10T00:00:00Z" };
const enc = encodeURIComponent;
async function fresh(id = uniqueId("atk")) {
  const r = await api.put(`/v1/customers/${enc(id)}`, customer(id), T);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return id;
}
async function stored(id) {
  const [s, h] = await Promise.all([api.get(`/v1/customers/${enc(id)}`, T), api.get(`/v1/customers/${enc(id)}/usage`, T)]);
  assert.equal(s.status, 200);
  assert.equal(h.status, 200);
  return { usage: s.body.usage, rows: h.body.rows };
}
const report = (id, extra) => ({ customerId: id, featureId: "api-calls", value: 1, ...extra });

test("odd JSON types and shapes are 422 invalid_usage (or 400 for bad JSON) and change nothing", async () => {
  const id = await fresh();
  await api.post("/v1/usage", report(id, { value: 5 }), T);
  const before = await stored(id);
  const cases = [
    [report(id, { value: { a: 1 } }), 422, "value"],
    [report(id, { value: [1] }), 422, "value"],
    [report(id, { value: true }), 422, "value"],
    [report(id, { value: "1" }), 422, "value"],
    [report(id, { value: null }), 422, "value"],
    [report(id, { featureId: ["api-calls"] }), 422, "featureId"],
    [report(id, { featureId: "sso" }), 422, "featureId"],
    [report(id, { featureId: "retention-days" }), 422, "featureId"],
    [report(id, { updateBehavior: "DELTA" }), 422, "updateBehavior"],
    [report(id, { updateBehavior: "increment" }), 422, "updateBehavior"],
    [report(id, { idempotencyKey: 5 }), 422, "idempotencyKey"],
    [report(id, { idempotencyKey: "" }), 422, "idempotencyKey"],
    [report(id, { idempotencyKey: "k".repeat(256) }), 422, "idempotencyKey"],
    [report(id, { timestamp: 1773100800000 }), 422, "timestamp"],
    [report(id, { timestamp: "2026-03-10" }), 422, "timestamp"],
    [report(id, { timestamp: "2026-03-09T24:00:00Z" }), 422, "timestamp"],
    [report(id, { timestamp: "2026-03-09T23:59:60Z" }), 422, "timestamp"],
    [report(id, { timestamp: "2026-02-30T00:00:00Z" }), 422, "timestamp"],
    [report(id, { timestamp: "2026-03-10T00:05:00.001Z" }), 422, "timestamp"],
    [report(id, { value: -1, updateBehavior: "set" }), 422, "value"],
    [report(id, { value: 9007199254740992 }), 422, "value"],
    [report(id, { amount: 1 }), 422, "amount"],
    [[report(id), report(id, { value: 1e308 })], 422, "[1].value"],
    [[report(id), 7], 422, "[1]"],
    ["null", 422, ""],
    ['"x"', 422, ""],
    ["", 400, null],
    ["{", 400, null],
    ["[".repeat(5000) + "]".repeat(5000), 400, null],
    [`{"customerId":"${id}","featureId":"api-calls","value":1,"idempotencyKey":"\\ud800"}`, 400, null],
  ];
  for (const [body, status, path] of cases) {
    const r = await api.post("/v1/usage", body, T);
    const what = typeof body === "string" ? body.slice(0, 60) : JSON.stringify(body).slice(0, 120);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    if (path !== null) {
      assert.equal(r.body.error.code, "invalid_usage", what);
      assert.equal(r.body.error.details?.[0]?.path, path, what);
    }
  }
  const checks = [
    [{ customerId: id, featureId: "api-calls", requestedUsage: -1, consume: true }, "requestedUsage"],
    [{ customerId: id, featureId: "api-calls", requestedUsage: "1", consume: true }, "requestedUsage"],
    [{ customerId: id, featureId: "api-calls", requestedUsage: 9007199254740992, consume: true }, "requestedUsage"],
    [{ customerId: id, featureId: "api-calls", requestedUsage: 1, consume: "true" }, "consume"],
    [{ customerId: id, featureId: "api-calls", requestedUsage: 1, consume: 1 }, "consume"],
    [{ customerId: id, featureId: 5, consume: true }, "featureId"],
    [{ customerId: id, consume: true }, "featureId"],
    [{ customerId: 5, featureId: "api-calls" }, "customerId"],
    [{ customerId: "", featureId: "api-calls" }, "customerId"],
    [{ customerId: "a\u0000b", featureId: "api-calls" }, "customerId"],
    [{ customerId: id, featureId: "api-calls", value: 1 }, "value"],
  ];
  for (const [body, path] of checks) {
    const r = await api.post("/v1/check", body, T);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.body.error.details?.[0]?.path, path, JSON.stringify(body));
  }
  assert.deepEqual(await stored(id), before);
});

test("-0, 1e-400 and duplicate JSON members (the last wins, as JSON.parse does)", async () => {
  const id = await fresh();
  const post = (text) => api.post("/v1/usage", text, T);
  assert.equal((await post(`{"customerId":"${id}","featureId":"api-calls","value":-0}`)).body.currentUsage, 0);
  assert.equal((await post(`{"customerId":"${id}","featureId":"api-calls","value":1e-400}`)).body.currentUsage, 0);
  assert.equal((await post(`{"customerId":"${id}","featureId":"api-calls","value":-0.0,"updateBehavior":"set"}`)).body.currentUsage, 0);
  assert.equal((await post(`{"customerId":"${id}","featureId":"api-calls","value":1,"value":2}`)).body.currentUsage, 2);
  assert.equal((await post(`{"customerId":"nobody","featureId":"api-calls","value":1,"customerId":"${id}"}`)).body.currentUsage, 3);
  const c = await api.post("/v1/check", `{"customerId":"${id}","featureId":"api-calls","requestedUsage":-0,"consume":true}`, T);
  assert.equal(c.status, 200);
  assert.equal(c.body.hasAccess, true);
  assert.equal((await stored(id)).usage[0].currentUsage, 3);
});

test("batch size: 1000 apply, 1001 are refused whole, [] answers []", async () => {
  const id = await fresh();
  const big = Array.from({ length: 1000 }, (_, i) => report(id, { idempotencyKey: `b${i}` }));
  const ok = await api.post("/v1/usage", big, T);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.length, 1000);
  assert.equal(ok.body[999].currentUsage, 1000);
  const before = await stored(id);
  const over = await api.post("/v1/usage", [...big.map((r) => ({ ...r, idempotencyKey: `x${r.idempotencyKey}` })), report(id)], T);
  assert.equal(over.status, 422);
  assert.deepEqual(await stored(id), before);
  const empty = await api.post("/v1/usage", [], T);
  assert.deepEqual([empty.status, empty.body], [200, []]);
});

test("idempotency keys are compared byte for byte (NUL, case, unicode)", async () => {
  const id = await fresh();
  const keys = ["k\u0000a", "k\u0000b", "k", "K", "é", "e\u0301", "🔑".repeat(63)];
  let n = 0;
  for (const k of keys) {
    n += 1;
    const r = await api.post("/v1/usage", report(id, { idempotencyKey: k }), T);
    assert.equal(r.status, 200, `${JSON.stringify(k)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.currentUsage, n, JSON.stringify(k));
  }
  for (const k of keys) {
    const r = await api.post("/v1/usage", report(id, { idempotencyKey: k, value: 2 }), T);
    assert.equal(r.status, 409, JSON.stringify(k));
  }
  assert.equal((await stored(id)).usage[0].currentUsage, keys.length);
});

test("unicode, slash and 256-byte customer ids reach the same customer by path and by body", async () => {
  for (const id of [`été-${uniqueId()}`, `x/y?z#%2F ${uniqueId()}`, "é".repeat(128)]) {
    await fresh(id);
    const r = await api.post("/v1/usage", report(id, { value: 2 }), T);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const c = await api.post("/v1/check", { customerId: id, featureId: "api-calls", requestedUsage: 1, consume: true }, T);
    assert.equal(c.body.currentUsage, 2);
    const s = await stored(id);
    assert.equal(s.usage[0].currentUsage, 3);
    assert.equal(s.rows[0].total, 3);
    const nfd = await api.post("/v1/usage", report(id.normalize("NFD"), { value: 2 }), T);
    if (id.normalize("NFD") !== id) assert.equal(nfd.status, Buffer.byteLength(id.normalize("NFD")) > 256 ? 422 : 404);
  }
  const tooLong = await api.post("/v1/usage", report("é".repeat(128) + "a"), T);
  assert.equal(tooLong.status, 422);
});

test("concurrent reports with one key and different values: exactly one applies", async () => {
  const id = await fresh();
  const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => api.post("/v1/usage", report(id, { value: i + 1, idempotencyKey: "same" }), T)));
  const ok = rs.filter((r) => r.status === 200);
  assert.equal(ok.length, 1);
  assert.equal(rs.filter((r) => r.status === 409).length, 29);
  const s = await stored(id);
  assert.equal(s.usage[0].currentUsage, ok[0].body.currentUsage);
  assert.equal(s.rows[0].total, ok[0].body.currentUsage);
  // the same payload concurrently: every one gets the first answer, counted once
  const same = await Promise.all(Array.from({ length: 20 }, () => api.post("/v1/usage", report(id, { value: 7, idempotencyKey: "same-2" }), T)));
  assert.deepEqual([...new Set(same.map((r) => r.status))], [200]);
  assert.equal(new Set(same.map((r) => JSON.stringify(r.body))).size, 1);
  assert.equal((await stored(id)).usage[0].currentUsage, ok[0].body.currentUsage + 7);
});

test("concurrent consumes with keys never pass a hard limit and count each key once", async () => {
  const id = await fresh();
  const rs = await Promise.all(Array.from({ length: 60 }, (_, i) =>
    api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 3, consume: true, idempotencyKey: `c${i % 45}` }, T)));
  const allowedKeys = new Set(rs.filter((r) => r.body.hasAccess).map((_, i) => i));
  assert.ok(allowedKeys.size > 0);
  const s = await stored(id);
  assert.equal(s.usage[0].currentUsage, 99);
  // retries of each key give its first answer
  const again = await Promise.all(Array.from({ length: 45 }, (_, i) =>
    api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 3, consume: true, idempotencyKey: `c${i}` }, T)));
  assert.equal(again.filter((r) => r.body.hasAccess).length, 33);
  assert.deepEqual(await stored(id), s);
});

test("multi-customer batches: an invalid item stops all; an unknown customer or a conflict fails only its items", async () => {
  const a = await fresh();
  const b = await fresh();
  const ghost = `ghost-${a}`;
  const before = [await stored(a), await stored(b)];
  const bad = await api.post("/v1/usage", [report(a), report(b, { value: 1e308 })], T);
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.details[0].path, "[1].value");
  assert.deepEqual([await stored(a), await stored(b)], before);
  const mixed = await api.post("/v1/usage", [report(a), report(ghost), report(b), report(a)], T);
  assert.equal(mixed.status, 200);
  assert.equal(mixed.body[0].currentUsage, 1);
  assert.equal(mixed.body[1].error.code, "customer_not_found");
  assert.equal(mixed.body[2].currentUsage, 1);
  assert.equal(mixed.body[3].currentUsage, 2);
  await api.post("/v1/usage", report(b, { idempotencyKey: "kb" }), T);
  const conflict = await api.post("/v1/usage", [report(a), report(b, { value: 5 }), report(b, { value: 2, idempotencyKey: "kb" })], T);
  assert.equal(conflict.status, 200);
  assert.equal(conflict.body[0].currentUsage, 3);
  assert.equal(conflict.body[1].error.code, "idempotency_conflict");
  assert.equal(conflict.body[2].error.code, "idempotency_conflict");
  assert.equal((await stored(b)).usage[0].currentUsage, 2, "b's rejected items stored nothing");
  const single = await api.post("/v1/usage", report(ghost), T);
  assert.equal(single.status, 404);
  assert.equal((await api.get(`/v1/customers/${enc(ghost)}`, T)).status, 404);
});

test("a consume for an unknown customer stores no key: the key is new once the customer exists", async () => {
  const id = uniqueId("later");
  const body = { customerId: id, featureId: "api-calls", requestedUsage: 4, consume: true, idempotencyKey: "early" };
  const first = await api.post("/v1/check", body, T);
  assert.deepEqual([first.status, first.body.accessDeniedReason], [200, "CustomerNotFound"]);
  assert.equal((await api.get(`/v1/customers/${enc(id)}/usage`, T)).status, 404);
  await fresh(id);
  const second = await api.post("/v1/check", body, T);
  assert.equal(second.body.hasAccess, true);
  assert.equal((await stored(id)).usage[0].currentUsage, 4);
});

test("other methods on the write routes are 405, never 5xx", async () => {
  const raw = (method, path) => new Promise((resolve) => {
    const u = new URL(path, w.url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers: { authorization: `Bearer ${DEV_KEY}` } }, (r) => {
      r.resume();
      r.on("end", () => resolve(r.statusCode));
    });
    req.setTimeout(5000, () => { req.destroy(); resolve("timeout"); });
    req.on("error", (e) => resolve(e.message));
    req.end();
  });
  for (const m of ["GET", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"]) {
    assert.equal(await raw(m, "/v1/usage"), 405, `${m} /v1/usage`);
    assert.equal(await raw(m === "GET" ? "DELETE" : m, "/v1/check"), 405, `${m} /v1/check`);
  }
  assert.equal(await raw("POST", "/v1/customers/x/usage"), 405);
});
