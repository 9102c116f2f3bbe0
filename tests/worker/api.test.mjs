// Every endpoint of API section 3, and the bad-input paths (400/413/422) changing nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startWorker, client, CATALOG, customer, uniqueId, DEV_KEY, STAGING_KEY, tempDir, removeDir } from "./helpers.mjs";

let w, dir, api, staging;
before(async () => {
  dir = tempDir();
  w = await startWorker({ persistDir: dir });
  api = client(w.url, DEV_KEY);
  staging = client(w.url, STAGING_KEY);
  const r = await api.put("/v1/catalog", CATALOG);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => {
  await w?.stop();
  removeDir(dir);
});

test("GET /v1/health needs no credentials", async () => {
  const r = await client(w.url).get("/v1/health");
  assert.equal(r.status, 200);
  assert.equal(r.body.status, "ok");
});

test("unknown routes are 404 and wrong methods 405, with the error body", async () => {
  const r = await api.get("/v1/nope");
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, "not_found");
  const m = await api.call("DELETE", "/v1/catalog");
  assert.equal(m.status, 405);
  assert.equal(m.body.error.code, "method_not_allowed");
});

test("PUT /v1/catalog bumps catalogVersion; GET returns it", async () => {
  const before = await api.get("/v1/catalog");
  assert.equal(before.status, 200);
  const v = before.body.catalogVersion;
  assert.deepEqual(before.body.catalog, CATALOG);
  const put = await api.put("/v1/catalog", CATALOG);
  assert.equal(put.status, 200);
  assert.equal(put.body.catalogVersion, v + 1);
  const after = await api.get("/v1/catalog");
  assert.equal(after.body.catalogVersion, v + 1);
});

test("an invalid catalog is 422 with every violation and stores nothing", async () => {
  const before = await api.get("/v1/catalog");
  const bad = {
    features: [{ id: "x", type: "metered", meter: "incremental" }],
    plans: [
      { id: "p", parentPlanId: "ghost", entitlements: [{ featureId: "nope" }] },
      { id: "p", entitlements: [{ featureId: "x", value: 3 }] },
    ],
  };
  const r = await api.put("/v1/catalog", bad);
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, "invalid_catalog");
  assert.ok(Array.isArray(r.body.error.details) && r.body.error.details.length >= 2, JSON.stringify(r.body));
  for (const d of r.body.error.details) assert.equal(typeof d.path, "string");
  const after = await api.get("/v1/catalog");
  assert.deepEqual(after.body, before.body);
});

test("malformed JSON is 400 and a body past 1 MiB is 413; nothing changes", async () => {
  const before = await api.get("/v1/catalog");
  const r = await api.put("/v1/catalog", "{ not json");
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, "malformed_json");
  const big = JSON.stringify({ ...CATALOG, products: [{ id: "app", description: "x".repeat(1024 * 1024 + 10) }] });
  const t = await api.put("/v1/catalog", big);
  assert.equal(t.status, 413);
  assert.equal(t.body.error.code, "body_too_large");
  const after = await api.get("/v1/catalog");
  assert.deepEqual(after.body, before.body);

  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 5 });
  const s0 = await api.get(`/v1/customers/${id}`);
  assert.equal((await api.post("/v1/usage", "[{")).status, 400);
  assert.equal((await api.put(`/v1/customers/${id}`, "nope")).status, 400);
  assert.equal((await api.post("/v1/check", "{")).status, 400);
  const huge = "[" + Array(200000).fill(JSON.stringify({ customerId: id, featureId: "api-calls", value: 1 })).join(",") + "]";
  assert.equal((await api.post("/v1/usage", huge)).status, 413);
  assert.deepEqual((await api.get(`/v1/customers/${id}`)).body, s0.body);
});

test("PUT/GET customer: 201 then 200, path id wins, usage kept, 422 changes nothing", async () => {
  const id = uniqueId();
  const { id: _omit, ...noId } = customer(id);
  const created = await api.put(`/v1/customers/${id}`, noId);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.id, id);
  const u = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 7, updateBehavior: "delta" });
  assert.equal(u.status, 200);
  assert.equal(u.body.currentUsage, 7);
  assert.ok(u.body.usagePeriodStart && u.body.usagePeriodEnd);

  const replaced = await api.put(`/v1/customers/${id}`, customer(id, "free"));
  assert.equal(replaced.status, 200);
  const got = await api.get(`/v1/customers/${id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.subscriptions[0].planId, "free");
  assert.equal(got.body.usage.find((x) => x.featureId === "api-calls").currentUsage, 7, "usage kept across PUT");

  const otherId = await api.put(`/v1/customers/${id}`, customer("someone-else"));
  assert.equal(otherId.status, 422);
  assert.equal(otherId.body.error.details[0].path, "id");
  const withUsage = await api.put(`/v1/customers/${id}`, { ...customer(id), usage: [] });
  assert.equal(withUsage.status, 422);
  const unfit = await api.put(`/v1/customers/${id}`, {
    id,
    subscriptions: [
      { id: "a", planId: "gold", status: "active", startDate: "2026-01-01T00:00:00Z" },
      { id: "b", planId: "pro", status: "active", startDate: "2026-01-01T00:00:00Z", addons: [{ addonId: "ghost" }] },
    ],
  });
  assert.equal(unfit.status, 422);
  assert.equal(unfit.body.error.code, "invalid_customer");
  assert.ok(unfit.body.error.details.length >= 2, JSON.stringify(unfit.body));
  const shape = await api.put(`/v1/customers/${id}`, { id, subscriptions: "no" });
  assert.equal(shape.status, 422);
  assert.deepEqual((await api.get(`/v1/customers/${id}`)).body, got.body, "rejected writes changed nothing");

  const missing = await api.get(`/v1/customers/${uniqueId("ghost")}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, "customer_not_found");
});

test("POST /v1/check: decisions, CustomerNotFound, consume adds only when allowed", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const sso = await api.post("/v1/check", { customerId: id, featureId: "sso" });
  assert.equal(sso.status, 200);
  assert.equal(sso.body.hasAccess, true);
  const ret = await api.post("/v1/check", { customerId: id, featureId: "retention-days" });
  assert.equal(ret.body.value, 7);
  const unknown = await api.post("/v1/check", { customerId: uniqueId("nobody"), featureId: "sso" });
  assert.equal(unknown.status, 200);
  assert.equal(unknown.body.hasAccess, false);
  assert.equal(unknown.body.accessDeniedReason, "CustomerNotFound");
  const nf = await api.post("/v1/check", { customerId: id, featureId: "nope" });
  assert.equal(nf.body.accessDeniedReason, "FeatureNotFound");

  const c1 = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 60, consume: true });
  assert.equal(c1.body.hasAccess, true);
  const c2 = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: 60, consume: true });
  assert.equal(c2.body.hasAccess, false);
  assert.equal(c2.body.accessDeniedReason, "RequestedUsageExceedingLimit");
  const peek = await api.post("/v1/check", { customerId: id, featureId: "credits" });
  assert.equal(peek.body.currentUsage, 60, "a denied consume consumed nothing");
  assert.equal(peek.body.usageLimit, 100);

  const bad = await api.post("/v1/check", { customerId: id, featureId: "credits", requestedUsage: -1 });
  assert.equal(bad.status, 422);
  const typo = await api.post("/v1/check", { customerId: id, featureID: "credits" });
  assert.equal(typo.status, 422);
});

test("POST /v1/usage: set, batches across customers, late reports, idempotency", async () => {
  const id = uniqueId();
  const id2 = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  await api.put(`/v1/customers/${id2}`, customer(id2));
  const set = await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 2, updateBehavior: "set" });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, { currentUsage: 2 });
  // A batch naming several customers: each customer's items apply together; an unknown
  // customer's items carry its error at their index.
  const batch = await api.post("/v1/usage", [
    { customerId: id, featureId: "seats", value: 1 },
    { customerId: id2, featureId: "api-calls", value: 3 },
    { customerId: uniqueId("nobody"), featureId: "api-calls", value: 1 },
  ]);
  assert.equal(batch.status, 200, JSON.stringify(batch.body));
  assert.equal(batch.body.length, 3);
  assert.equal(batch.body[0].currentUsage, 3);
  assert.equal(batch.body[1].currentUsage, 3);
  assert.equal(batch.body[2].error.code, "customer_not_found");

  // A report dated in an earlier period (40 days ago, on the real clock) is late:
  // history only, the counter stays.
  const then = new Date(Date.now() - 40 * 86_400_000);
  const past = await api.post("/v1/usage", { customerId: id2, featureId: "api-calls", value: 50, timestamp: then.toISOString() });
  assert.equal(past.status, 200, JSON.stringify(past.body));
  assert.equal(past.body.currentUsage, 3);
  const at = encodeURIComponent(then.toISOString());
  const justAfter = encodeURIComponent(new Date(then.getTime() + 1).toISOString());
  const history = await api.get(`/v1/customers/${id2}/usage?featureId=api-calls&from=${at}&to=${justAfter}`);
  assert.equal(history.status, 200);
  assert.equal(history.body.rows.length, 1, JSON.stringify(history.body));
  const [row] = history.body.rows;
  assert.equal(row.total, 50);
  assert.ok(Date.parse(row.periodStart) <= then.getTime() && then.getTime() < Date.parse(row.periodEnd), JSON.stringify(row));

  const key = uniqueId("key");
  const a = await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 1, idempotencyKey: key });
  const b = await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 1, idempotencyKey: key });
  assert.deepEqual(b.body, a.body);
  assert.equal(a.body.currentUsage, 4);
  const conflict = await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 2, idempotencyKey: key });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.body.error.code, "idempotency_conflict");
  assert.equal(conflict.body.error.details[0].path, "idempotencyKey");
  // The same key on a consume is the same namespace: a conflict too.
  const asConsume = await api.post("/v1/check", { customerId: id, featureId: "seats", consume: true, idempotencyKey: key });
  assert.equal(asConsume.status, 409);
  const seats = await api.post("/v1/check", { customerId: id, featureId: "seats" });
  assert.equal(seats.body.currentUsage, 4, "neither conflict counted");
  const unknown = await api.post("/v1/usage", { customerId: uniqueId("nobody"), featureId: "seats", value: 1 });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, "customer_not_found");
});

test("GET /v1/customers/{id}/usage: bad queries are 400, unknown customers 404", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  for (const q of ["from=yesterday", "to=2026-13-01T00:00:00Z", "feature=api-calls"]) {
    const r = await api.get(`/v1/customers/${id}/usage?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, "invalid_query", q);
  }
  const none = await api.get(`/v1/customers/${uniqueId("nobody")}/usage`);
  assert.equal(none.status, 404);
  const empty = await api.get(`/v1/customers/${id}/usage`);
  assert.deepEqual(empty.body, { rows: [] });
});

test("snapshot: postcard bytes by default, JSON on Accept, ETag/304, version grows", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const bin = await api.get(`/v1/customers/${id}/snapshot`);
  assert.equal(bin.status, 200);
  assert.equal(bin.headers.get("content-type"), "application/octet-stream");
  assert.equal(Buffer.from(bin.body.slice(0, 4)).toString(), "EEsn");
  const etag = bin.headers.get("etag");
  assert.match(etag, /^"\d+"$/);
  const json = await api.get(`/v1/customers/${id}/snapshot`, { accept: "application/json" });
  assert.equal(json.status, 200);
  assert.equal(json.body.info.customerId, id);
  assert.equal(json.body.info.environment, "development");
  assert.equal(`"${json.body.info.version}"`, etag);
  const not = await api.get(`/v1/customers/${id}/snapshot`, { "if-none-match": etag });
  assert.equal(not.status, 304);
  assert.equal(not.headers.get("etag"), etag);
  await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 });
  const fresh = await api.get(`/v1/customers/${id}/snapshot`, { "if-none-match": etag });
  assert.equal(fresh.status, 200);
  const v2 = Number(JSON.parse(fresh.headers.get("etag")));
  assert.ok(v2 > Number(JSON.parse(etag)));
  await api.put("/v1/catalog", CATALOG);
  const v3 = Number(JSON.parse((await api.get(`/v1/customers/${id}/snapshot`)).headers.get("etag")));
  assert.ok(v3 > v2, "a catalog change raises the version");
  assert.equal((await api.get(`/v1/customers/${uniqueId("ghost")}/snapshot`)).status, 404);
});

test("tokens: minted, read-only, capped", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const r = await api.post(`/v1/customers/${id}/tokens`, { ttlSeconds: 10_000_000 });
  assert.equal(r.status, 200);
  assert.match(r.body.token, /^eet1\./);
  const exp = Date.parse(r.body.expiresAt);
  assert.ok(exp <= Date.now() + 86_400_000 + 2000, "ttl capped at 24 h");
  const d = await api.post(`/v1/customers/${id}/tokens`);
  assert.equal(d.status, 200);
  assert.ok(Math.abs(Date.parse(d.body.expiresAt) - Date.now() - 3_600_000) < 5000, "default 1 h");
  const snap = await client(w.url, r.body.token).get(`/v1/customers/${id}/snapshot`, { accept: "application/json" });
  assert.equal(snap.status, 200);
  assert.equal((await api.post(`/v1/customers/${id}/tokens`, { ttlSeconds: 0 })).status, 422);
});

test("environments are isolated: same customer id, separate catalogs and counters", async () => {
  const id = uniqueId("shared");
  // Each environment has its own catalog: a feature only staging's catalog has is not
  // in development's.
  const stagingCatalog = structuredClone(CATALOG);
  stagingCatalog.features.push({ id: "staging-only", type: "boolean" });
  assert.equal((await staging.put("/v1/catalog", stagingCatalog)).status, 200);
  const ids = async (c) => (await c.get("/v1/catalog")).body.catalog.features.map((f) => f.id);
  assert.ok((await ids(staging)).includes("staging-only"));
  assert.ok(!(await ids(api)).includes("staging-only"));
  assert.equal((await staging.put("/v1/catalog", CATALOG)).status, 200);
  await api.put(`/v1/customers/${id}`, customer(id));
  assert.equal((await staging.get(`/v1/customers/${id}`)).status, 404);
  await staging.put(`/v1/customers/${id}`, customer(id));
  await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 2, updateBehavior: "set" });
  const s = await staging.post("/v1/check", { customerId: id, featureId: "seats" });
  assert.equal(s.body.currentUsage, 0);
  const d = await api.post("/v1/check", { customerId: id, featureId: "seats" });
  assert.equal(d.body.currentUsage, 2);
  const snap = await staging.get(`/v1/customers/${id}/snapshot`, { accept: "application/json" });
  assert.equal(snap.body.info.environment, "staging");
});

test("CORS: preflight answered, snapshot readable cross-origin with its ETag exposed", async () => {
  const pre = await fetch(new URL("v1/customers/x/snapshot", w.url), {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  assert.match(pre.headers.get("access-control-allow-headers"), /authorization/);
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const r = await api.get(`/v1/customers/${id}/snapshot`, { origin: "https://app.example" });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.equal(r.headers.get("access-control-expose-headers"), "etag");
  assert.match(r.headers.get("etag"), /^"\d+"$/);
});

test("GET /v1/customers/{id} leaves absent fields out (no nulls)", async () => {
  const id = uniqueId("absent");
  assert.equal((await api.put(`/v1/customers/${id}`, customer(id))).status, 201);
  const r = await api.get(`/v1/customers/${id}`);
  assert.equal(r.status, 200);
  const nulls = [];
  const walk = (v, path) => {
    if (v === null) nulls.push(path);
    else if (typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(r.body, "");
  assert.deepEqual(nulls, [], JSON.stringify(r.body));
  assert.equal(r.body.subscriptions[0].startDate, "2026-01-01T00:00:00Z");
  assert.equal("endDate" in r.body.subscriptions[0], false);
});

test("the test clock is off without TEST_CLOCK: x-test-now is ignored, and .dev.vars never sets it", async () => {
  const id = uniqueId();
  await api.put(`/v1/customers/${id}`, customer(id));
  const r = await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 }, { "x-test-now": "2020-06-15T00:00:00Z" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // The window is the real clock's, not June 2020's.
  const start = Date.parse(r.body.usagePeriodStart);
  const end = Date.parse(r.body.usagePeriodEnd);
  assert.ok(start <= Date.now() && Date.now() < end, JSON.stringify(r.body));
  // A malformed header is not even read.
  const bad = await api.post("/v1/check", { customerId: id, featureId: "api-calls" }, { "x-test-now": "not a date" });
  assert.equal(bad.status, 200);
  const devVars = readFileSync(new URL("../../.dev.vars", import.meta.url), "utf8");
  assert.ok(!/^\s*TEST_CLOCK\s*=/m.test(devVars), ".dev.vars must not turn the test clock on");
});
