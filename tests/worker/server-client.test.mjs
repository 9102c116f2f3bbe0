// The server SDK (`edge-entitlements/server`, pkg/server.js) against `wrangler dev`: every
// method, its answers checked by reading the state back, and its retry policy through a
// small proxy in front of the Worker that loses answers after the Worker committed (the
// retry must count once, by its idempotency key), answers 429 with Retry-After, and never
// sees a 4xx retried.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { inspect } from "node:util";
import { CATALOG, customer, uniqueId, DEV_KEY, tempDir, removeDir, loadPkg } from "./helpers.mjs";
import { startWranglerDev } from "./wrangler.mjs";
import { EntitlementsServer, EntitlementsError } from "../../pkg/server.js";

// The tests' catalog with a credit pool on `pro`.
const CAT = {
  ...CATALOG,
  features: [...CATALOG.features, { id: "ai-credits", type: "credit", units: "credit" }],
  plans: CATALOG.plans.map((p) =>
    p.id === "pro" ? { ...p, entitlements: [...p.entitlements, { featureId: "ai-credits", amount: 100, resetPeriod: "month" }] } : p,
  ),
};

/**
 * A proxy in front of the Worker. Each request is judged by the first rule whose `match`
 * accepts it (a rule is used `times` times, default once): `forward-then-destroy` and
 * `forward-then-503` let the Worker answer (and commit) and then lose that answer;
 * `respond` answers without the Worker, `destroy` drops the connection, `hang` never answers. Everything else is forwarded. Every request is
 * recorded with its body.
 */
function startProxy(target) {
  const seen = [];
  let rules = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const entry = { method: req.method, url: req.url, headers: req.headers, body: body.toString(), at: performance.now() };
    seen.push(entry);
    const rule = rules.find((r) => r.times > 0 && r.match(entry));
    if (rule) rule.times -= 1;
    if (rule?.action === "respond") {
      res.writeHead(rule.status, rule.headers ?? {});
      res.end(rule.body ?? "");
      return;
    }
    if (rule?.action === "hang") {
      setTimeout(() => req.socket.destroy(), 5_000); // after the client gave up
      return;
    }
    if (rule?.action === "destroy") {
      req.socket.destroy();
      return;
    }
    const headers = { ...req.headers };
    delete headers.host;
    delete headers["content-length"];
    const upstream = await fetch(new URL(req.url, target), {
      method: req.method,
      headers,
      body: body.length ? body : undefined,
    });
    const bytes = Buffer.from(await upstream.arrayBuffer());
    entry.upstreamStatus = upstream.status;
    if (rule?.action === "forward-then-destroy") {
      req.socket.destroy();
      return;
    }
    if (rule?.action === "forward-then-503") {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal_error", message: "lost on the way back" } }));
      return;
    }
    const out = {};
    for (const [k, v] of upstream.headers) if (!["content-encoding", "content-length", "transfer-encoding"].includes(k)) out[k] = v;
    res.writeHead(upstream.status, out);
    res.end(bytes);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/`,
        seen,
        /** Replaces the rules (each `{ match, action, times?, ... }`) and clears the log. */
        plan(next) {
          rules = next.map((r) => ({ times: 1, ...r }));
          seen.length = 0;
        },
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

const isPost = (path) => (e) => e.method === "POST" && e.url === path;

let dir, dev, proxy, server, direct, pkg;

before(async () => {
  dir = tempDir("ee-server-client-");
  dev = await startWranglerDev({ persistDir: dir });
  proxy = await startProxy(dev.url);
  // Small delays: the tests wait for real backoffs, not for defaults meant for production.
  server = new EntitlementsServer({ baseUrl: proxy.url, serverKey: DEV_KEY, retryBaseDelayMs: 20, retryMaxDelayMs: 200 });
  direct = new EntitlementsServer({ baseUrl: dev.url, serverKey: DEV_KEY });
  const { catalogVersion } = await direct.putCatalog(CAT);
  assert.ok(Number.isInteger(catalogVersion) && catalogVersion >= 1);
  pkg = await loadPkg();
});

after(async () => {
  await proxy?.close();
  await dev?.stop();
  if (dir) removeDir(dir);
});

async function newCustomer(prefix = "srv", plan = "pro") {
  const id = uniqueId(prefix);
  const stored = await direct.putCustomer(id, customer(id, plan));
  assert.equal(stored.id, id);
  return id;
}

const usageOf = async (id, featureId) => (await direct.getCustomer(id)).usage.find((u) => u.featureId === featureId)?.currentUsage ?? 0;

test("catalog: put, then get answers the same catalog and version", async () => {
  proxy.plan([]);
  const { catalogVersion } = await server.putCatalog(CAT);
  const got = await server.getCatalog();
  assert.equal(got.catalogVersion, catalogVersion);
  assert.deepEqual(got.catalog.features.map((f) => f.id).sort(), CAT.features.map((f) => f.id).sort());
  const err = await server.putCatalog({ ...CAT, plans: [{ id: "x", parentPlanId: "nope", entitlements: [] }] }).catch((e) => e);
  assert.ok(err instanceof EntitlementsError);
  assert.equal(err.status, 422);
  assert.equal(err.code, "invalid_catalog");
  assert.ok(err.details.some((d) => d.path.includes("parentPlanId")), JSON.stringify(err.details));
  assert.equal((await server.getCatalog()).catalogVersion, catalogVersion, "nothing stored");
});

test("customers: put, get, list by prefix page by page, iterate", async () => {
  proxy.plan([]);
  const prefix = uniqueId("list");
  const ids = [`${prefix}-a`, `${prefix}-b/c`, `${prefix}-é`];
  for (const id of ids) {
    const stored = await server.putCustomer(id, { subscriptions: customer(id).subscriptions });
    assert.equal(stored.id, id, "the path id is the customer's");
  }
  const got = await server.getCustomer(ids[1]);
  assert.equal(got.subscriptions[0].planId, "pro");
  assert.deepEqual(got.usage, []);
  await server.putCustomer(ids[1], { ...customer(ids[1], "free"), archived: true });
  assert.equal((await server.getCustomer(ids[1])).archived, true);

  const first = await server.listCustomers({ prefix, limit: 2 });
  assert.equal(first.customers.length, 2);
  assert.ok(first.customers[0].createdAt instanceof Date && !Number.isNaN(first.customers[0].createdAt.getTime()));
  assert.equal(typeof first.cursor, "string");
  const second = await server.listCustomers({ prefix, limit: 2, cursor: first.cursor });
  assert.equal(second.customers.length, 1);
  assert.equal(second.cursor, undefined);
  assert.deepEqual([...first.customers, ...second.customers].map((c) => c.id), [...ids].sort());
  const all = [];
  for await (const c of server.iterateCustomers({ prefix, limit: 1 })) all.push(c.id);
  assert.deepEqual(all, [...ids].sort());

  const missing = await server.getCustomer(`${prefix}-none`).catch((e) => e);
  assert.equal(missing.status, 404);
  assert.equal(missing.code, "customer_not_found");
});

test("usage: a report, a batch (several customers, one unknown) and the history, read back", async () => {
  proxy.plan([]);
  const id = await newCustomer();
  const other = await newCustomer();
  const answer = await server.reportUsage({ customerId: id, featureId: "api-calls", value: 5, timestamp: new Date() });
  assert.equal(answer.currentUsage, 5);
  assert.ok(answer.usagePeriodStart instanceof Date && answer.usagePeriodEnd instanceof Date);
  assert.ok(answer.usagePeriodStart.getTime() <= Date.now() && Date.now() < answer.usagePeriodEnd.getTime());
  assert.equal(await usageOf(id, "api-calls"), 5);
  const sent = JSON.parse(proxy.seen.find(isPost("/v1/usage")).body);
  assert.match(sent.idempotencyKey, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "a UUID key was generated");
  assert.match(sent.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "the Date went as RFC 3339");

  const batch = await server.reportUsageBatch([
    { customerId: id, featureId: "api-calls", value: 2 },
    { customerId: other, featureId: "seats", value: 2, updateBehavior: "set" },
    { customerId: `${id}-unknown`, featureId: "api-calls", value: 1 },
  ]);
  assert.equal(batch[0].currentUsage, 7);
  assert.equal(batch[1].currentUsage, 2);
  assert.equal(batch[2].error.code, "customer_not_found");
  assert.equal(await usageOf(id, "api-calls"), 7);
  assert.equal(await usageOf(other, "seats"), 2);
  const keys = JSON.parse(proxy.seen.filter(isPost("/v1/usage"))[1].body).map((r) => r.idempotencyKey);
  assert.equal(new Set(keys).size, 3, "one key per report");

  // A key given is sent as it is: the same key again counts once.
  const key = uniqueId("key");
  await server.reportUsage({ customerId: id, featureId: "api-calls", value: 10, idempotencyKey: key });
  const replay = await server.reportUsage({ customerId: id, featureId: "api-calls", value: 10, idempotencyKey: key });
  assert.equal(replay.currentUsage, 17);
  assert.equal(await usageOf(id, "api-calls"), 17);
  const conflict = await server.reportUsage({ customerId: id, featureId: "api-calls", value: 11, idempotencyKey: key }).catch((e) => e);
  assert.equal(conflict.status, 409);
  assert.equal(conflict.code, "idempotency_conflict");

  const history = await server.getUsageHistory(id, { featureId: "api-calls", from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) });
  assert.equal(history.rows.length, 1);
  assert.equal(history.rows[0].total, 17);
  assert.ok(history.rows[0].periodStart instanceof Date);
  const none = await server.getUsageHistory(id, { featureId: "api-calls", from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z" });
  assert.deepEqual(none.rows, []);
  const all = await server.getUsageHistory(other);
  assert.deepEqual(all.rows.map((r) => r.featureId), ["seats"]);
});

test("check reads, consume counts atomically, a denial consumes nothing", async () => {
  proxy.plan([]);
  const id = await newCustomer();
  const sso = await server.check({ customerId: id, featureId: "sso" });
  assert.equal(sso.hasAccess, true);
  assert.equal(sso.isFallback, false);
  const peek = await server.check({ customerId: id, featureId: "api-calls", requestedUsage: 10 });
  assert.equal(peek.hasAccess, true);
  assert.equal(peek.usageLimit, 1000);
  assert.ok(peek.usagePeriodEnd instanceof Date);
  assert.equal(await usageOf(id, "api-calls"), 0, "a check counts nothing");
  assert.equal(JSON.parse(proxy.seen.find(isPost("/v1/check")).body).consume, undefined);

  const used = await server.consume({ customerId: id, featureId: "api-calls", requestedUsage: 10 });
  assert.equal(used.hasAccess, true);
  assert.equal(await usageOf(id, "api-calls"), 10);
  const denied = await server.consume({ customerId: id, featureId: "api-calls", requestedUsage: 991 });
  assert.equal(denied.hasAccess, false);
  assert.equal(denied.accessDeniedReason, "RequestedUsageExceedingLimit");
  assert.equal(await usageOf(id, "api-calls"), 10, "a denied consume counts nothing");

  const nobody = await server.check({ customerId: `${id}-unknown`, featureId: "sso" });
  assert.equal(nobody.accessDeniedReason, "CustomerNotFound");
  await assert.rejects(server.check({ customerId: id, featureId: "api-calls", consume: true }), { name: "EntitlementsError", code: "invalid_argument" });
  assert.equal(await usageOf(id, "api-calls"), 10);
});

test("tokens and snapshots: bytes the package decodes, JSON, ETag and not modified", async () => {
  proxy.plan([]);
  const id = await newCustomer();
  await server.reportUsage({ customerId: id, featureId: "api-calls", value: 4 });
  const snap = await server.getSnapshot(id);
  assert.equal(snap.notModified, false);
  assert.ok(snap.snapshot instanceof Uint8Array);
  assert.equal(snap.etag, `"${snap.version}"`);
  const local = new pkg.EntitlementsClient();
  assert.equal(local.applySnapshot(snap.snapshot), true);
  assert.equal(local.snapshotInfo.customerId, id);
  assert.equal(local.snapshotInfo.version, snap.version);
  assert.equal(local.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage, 4);
  assert.match(proxy.seen.at(-1).headers.accept, /application\/octet-stream/);

  const same = await server.getSnapshot(id, { ifNoneMatch: snap.etag });
  assert.deepEqual(same, { notModified: true, etag: snap.etag, version: snap.version });
  assert.equal(proxy.seen.at(-1).headers["if-none-match"], snap.etag);
  await server.reportUsage({ customerId: id, featureId: "api-calls", value: 1 });
  const newer = await server.getSnapshot(id, { ifNoneMatch: snap.etag, format: "json" });
  assert.equal(newer.notModified, false);
  assert.ok(newer.version > snap.version);
  assert.equal(newer.snapshot.info.customerId, id);
  assert.equal(newer.snapshot.info.version, newer.version);
  assert.equal(newer.snapshot.customer.usage.find((u) => u.featureId === "api-calls").currentUsage, 5);

  const before = Date.now();
  const { token, expiresAt } = await server.mintToken(id, { ttlSeconds: 120 });
  assert.ok(expiresAt instanceof Date);
  assert.ok(Math.abs(expiresAt.getTime() - (before + 120_000)) < 5_000, `${expiresAt.toISOString()}`);
  // The token reads this customer's snapshot, and only it.
  const withToken = await fetch(new URL(`v1/customers/${encodeURIComponent(id)}/snapshot`, dev.url), { headers: { authorization: `Bearer ${token}` } });
  assert.equal(withToken.status, 200);
  const other = await newCustomer();
  const notTheirs = await fetch(new URL(`v1/customers/${encodeURIComponent(other)}/snapshot`, dev.url), { headers: { authorization: `Bearer ${token}` } });
  assert.equal(notTheirs.status, 403);
  await notTheirs.body?.cancel();
});

test("credits: a grant (Dates sent as RFC 3339) shows in the balances and the decisions", async () => {
  proxy.plan([]);
  const id = await newCustomer();
  const expiresAt = new Date(Date.now() + 30 * 86_400_000);
  const grant = await server.grantCredits({ customerId: id, featureId: "ai-credits", amount: 25, category: "promotional", expiresAt, id: "welcome" });
  assert.equal(grant.id, "welcome");
  assert.equal(grant.amount, 25);
  assert.equal(new Date(grant.expiresAt).getTime(), expiresAt.getTime());
  const { pools } = await server.getCredits(id);
  assert.equal(pools.length, 1);
  assert.equal(pools[0].creditId, "ai-credits");
  assert.equal(pools[0].balance, 125);
  assert.ok(pools[0].grants.every((g) => g.effectiveAt instanceof Date));
  assert.ok(pools[0].grants.some((g) => g.id === "welcome" && g.remaining === 25 && g.expiresAt.getTime() === expiresAt.getTime()));

  const spent = await server.consume({ customerId: id, featureId: "ai-credits", requestedUsage: 30 });
  assert.equal(spent.hasAccess, true);
  assert.equal(spent.balance, 125);
  assert.ok(spent.grants[0].effectiveAt instanceof Date);
  assert.equal((await server.getCredits(id)).pools[0].balance, 95);

  const again = await server.grantCredits({ customerId: id, featureId: "ai-credits", amount: 1, category: "paid", id: "welcome" }).catch((e) => e);
  assert.equal(again.status, 409);
  assert.equal(again.code, "credit_grant_exists");
  const bad = await server.grantCredits({ customerId: id, featureId: "ai-credits", amount: -1, category: "paid" }).catch((e) => e);
  assert.equal(bad.status, 422);
  assert.equal(bad.path, "amount");
  assert.equal((await server.getCredits(id)).pools[0].balance, 95, "nothing stored");
});

test("the audit log: a customer's writes, newest first, paged with the cursor, Dates", async () => {
  proxy.plan([]);
  const id = await newCustomer();
  await server.mintToken(id);
  await server.reportUsage({ customerId: id, featureId: "seats", value: 2, updateBehavior: "set" });
  const env = await server.getEnvironment();
  assert.equal(env.environment, "development");
  assert.match(env.keyId, /^sha256:[0-9a-f]{16}$/);
  const first = await server.getAuditLog({ customerId: id, limit: 2 });
  assert.deepEqual(first.entries.map((e) => e.action), ["usage.set", "token.mint"]);
  assert.ok(first.entries.every((e) => e.at instanceof Date && e.customerId === id && e.actor === env.keyId));
  assert.equal(typeof first.cursor, "string");
  const rest = await server.getAuditLog({ customerId: id, cursor: first.cursor });
  assert.deepEqual(rest.entries.map((e) => e.action), ["customer.put"]);
  assert.equal(rest.cursor, undefined);
  const bad = await server.getAuditLog({ limit: 0 }).catch((e) => e);
  assert.equal(bad.status, 400);
  assert.equal(bad.code, "invalid_query");
  assert.equal(bad.path, "limit");
});

test("an answer lost after the Worker committed is retried with the same key and counts once", async () => {
  const id = await newCustomer();
  // A report: the Worker counts it, the connection dies before the answer.
  proxy.plan([{ match: isPost("/v1/usage"), action: "forward-then-destroy" }]);
  const answer = await server.reportUsage({ customerId: id, featureId: "api-calls", value: 3 });
  assert.equal(answer.currentUsage, 3, "the retry answers the first answer");
  let tries = proxy.seen.filter(isPost("/v1/usage"));
  assert.equal(tries.length, 2);
  assert.equal(tries[0].upstreamStatus, 200, "the first attempt was committed");
  assert.equal(JSON.parse(tries[0].body).idempotencyKey, JSON.parse(tries[1].body).idempotencyKey);
  assert.equal(await usageOf(id, "api-calls"), 3, "counted once");

  // A consume: committed, then the answer replaced by a 503.
  proxy.plan([{ match: isPost("/v1/check"), action: "forward-then-503" }]);
  const used = await server.consume({ customerId: id, featureId: "api-calls", requestedUsage: 5 });
  assert.equal(used.hasAccess, true);
  tries = proxy.seen.filter(isPost("/v1/check"));
  assert.equal(tries.length, 2);
  assert.equal(tries[0].upstreamStatus, 200);
  assert.equal(await usageOf(id, "api-calls"), 8, "consumed once");

  // A batch: every report keeps its key across the retry.
  proxy.plan([{ match: isPost("/v1/usage"), action: "forward-then-503", times: 2 }]);
  const batch = await server.reportUsageBatch([
    { customerId: id, featureId: "api-calls", value: 1 },
    { customerId: id, featureId: "api-calls", value: 1 },
  ]);
  assert.deepEqual(batch.map((a) => a.currentUsage), [9, 10]);
  tries = proxy.seen.filter(isPost("/v1/usage"));
  assert.equal(tries.length, 3);
  assert.equal(tries[0].body, tries[2].body, "the same keys on every attempt");
  assert.equal(await usageOf(id, "api-calls"), 10, "each report counted once");

  // A credit grant: added once.
  proxy.plan([{ match: isPost("/v1/credits/grants"), action: "forward-then-destroy" }]);
  await server.grantCredits({ customerId: id, featureId: "ai-credits", amount: 7, category: "paid" });
  assert.equal(proxy.seen.filter(isPost("/v1/credits/grants")).length, 2);
  assert.equal((await server.getCredits(id)).pools[0].balance, 107, "granted once");
});

test("429 with Retry-After is waited for; a longer one than allowed is thrown at once", async () => {
  const id = await newCustomer();
  const path = `/v1/customers/${id}`;
  const tooMany = { action: "respond", status: 429, headers: { "retry-after": "1", "content-type": "application/json" }, body: JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }) };
  proxy.plan([{ match: (e) => e.url === path, ...tooMany }]);
  const got = await server.getCustomer(id);
  assert.equal(got.id, id);
  const tries = proxy.seen.filter((e) => e.url === path);
  assert.equal(tries.length, 2);
  const waited = tries[1].at - tries[0].at;
  assert.ok(waited >= 950, `waited ${waited} ms for Retry-After: 1`);

  const impatient = new EntitlementsServer({ baseUrl: proxy.url, serverKey: DEV_KEY, maxRetryAfterMs: 500 });
  proxy.plan([{ match: (e) => e.url === path, ...tooMany }]);
  const err = await impatient.getCustomer(id).catch((e) => e);
  assert.ok(err instanceof EntitlementsError);
  assert.equal(err.status, 429);
  assert.equal(err.code, "rate_limited");
  assert.equal(err.retryAfterMs, 1000);
  assert.equal(proxy.seen.length, 1);
});

test("a 4xx is never retried: 422 with its code and details path, 401 for a wrong key", async () => {
  const id = await newCustomer();
  proxy.plan([]);
  const err = await server.reportUsageBatch([
    { customerId: id, featureId: "api-calls", value: 1 },
    { customerId: id, featureId: "api-calls", value: "many" },
  ]).catch((e) => e);
  assert.ok(err instanceof EntitlementsError);
  assert.equal(err.name, "EntitlementsError");
  assert.equal(err.status, 422);
  assert.equal(err.code, "invalid_usage");
  assert.equal(err.path, "[1].value");
  assert.equal(err.details[0].path, "[1].value");
  assert.equal(err.attempts, 1);
  assert.equal(proxy.seen.length, 1, "not retried");
  assert.equal(await usageOf(id, "api-calls"), 0, "nothing stored");

  const wrongKey = "sk_wrong_key_never_logged";
  const wrong = new EntitlementsServer({ baseUrl: proxy.url, serverKey: wrongKey });
  proxy.plan([]);
  const denied = await wrong.getCatalog().catch((e) => e);
  assert.equal(denied.status, 401);
  assert.equal(denied.code, "invalid_credentials");
  assert.equal(proxy.seen.length, 1, "not retried");
  assert.equal(proxy.seen[0].headers.authorization, `Bearer ${wrongKey}`);
  // The key travels in Authorization only: never in a URL, an error or the client's printout.
  for (const e of proxy.seen) assert.ok(!e.url.includes(wrongKey));
  assert.ok(!`${denied.message} ${denied.stack} ${JSON.stringify(denied)} ${inspect(denied)}`.includes(wrongKey));
  assert.ok(!`${inspect(wrong, { showHidden: true })} ${JSON.stringify(wrong)}`.includes(wrongKey));
});

test("no answer: network_error or timeout after the last retry, the caller's abort at once, 5xx after every retry", async () => {
  proxy.plan([{ match: () => true, action: "destroy", times: 10 }]);
  const flaky = new EntitlementsServer({ baseUrl: proxy.url, serverKey: DEV_KEY, retries: 2, retryBaseDelayMs: 5 });
  const err = await flaky.getCatalog().catch((e) => e);
  assert.ok(err instanceof EntitlementsError);
  assert.equal(err.code, "network_error");
  assert.equal(err.status, 0);
  assert.equal(err.attempts, 3);
  assert.ok(err.cause, "the underlying error is kept");
  assert.equal(proxy.seen.length, 3);

  // No answer at all: each attempt times out, then `timeout`.
  proxy.plan([{ match: () => true, action: "hang", times: 10 }]);
  const slow = new EntitlementsServer({ baseUrl: proxy.url, serverKey: DEV_KEY, retries: 1, retryBaseDelayMs: 5, timeoutMs: 200 });
  const timedOut = await slow.getCatalog().catch((e) => e);
  assert.equal(timedOut.code, "timeout");
  assert.equal(timedOut.attempts, 2);
  assert.equal(proxy.seen.length, 2);

  // The caller's signal: its reason, at once, no retry.
  proxy.plan([{ match: () => true, action: "hang", times: 10 }]);
  const stop = new AbortController();
  const pending = slow.getCatalog({ signal: stop.signal }).catch((e) => e);
  setTimeout(() => stop.abort(new Error("caller gave up")), 50);
  assert.equal((await pending).message, "caller gave up");
  assert.equal(proxy.seen.length, 1);

  // 5xx until the last attempt: the Worker's error, after every retry.
  proxy.plan([{ match: () => true, action: "respond", status: 500, times: 10, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: { code: "internal_error", message: "boom" } }) }]);
  const five = await flaky.getCatalog().catch((e) => e);
  assert.equal(five.status, 500);
  assert.equal(five.code, "internal_error");
  assert.equal(five.attempts, 3);
  assert.equal(proxy.seen.length, 3);
});
