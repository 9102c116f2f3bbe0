// The audit log on workerd (issue 12): every write through the API (catalog, customer,
// usage `set`, credit grants, tokens minted) is recorded with its time, environment, the
// key's identity (never the key), the endpoint and what changed; usage deltas, consumes
// and rejected writes record nothing; GET /v1/audit pages newest first, filters by
// customer, refuses bad queries, customer tokens and wrong keys, and shows an
// environment nothing of another.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startWorker, client, uniqueId, DEV_KEY, STAGING_KEY, CATALOG } from "./helpers.mjs";

const credits = {
  ...CATALOG,
  features: [...CATALOG.features, { id: "ai-credits", type: "credit", units: "credit" }],
};

let w, api, staging;
before(async () => {
  w = await startWorker();
  api = client(w.url, DEV_KEY);
  staging = client(w.url, STAGING_KEY);
});
after(async () => w?.stop());

const keyId = (key) => `sha256:${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;

async function page(query = "", who = api) {
  const r = await who.get(`/v1/audit${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test("catalog PUTs are recorded with a diff summary against the version they replace", async () => {
  const first = await api.put("/v1/catalog", CATALOG);
  assert.equal(first.status, 200);
  const second = await api.put("/v1/catalog", credits);
  assert.equal(second.status, 200);
  const { entries } = await page("?limit=2");
  const [newest, older] = entries;
  assert.equal(newest.action, "catalog.put");
  assert.equal(newest.endpoint, "PUT /v1/catalog");
  assert.equal(newest.environment, "development");
  assert.equal(newest.actor, keyId(DEV_KEY));
  assert.equal(newest.customerId, undefined);
  assert.equal(newest.changes.catalogVersion, second.body.catalogVersion);
  assert.equal(newest.changes.previousVersion, first.body.catalogVersion);
  assert.deepEqual(newest.changes.fields, { features: { added: { ids: ["ai-credits"] } } });
  assert.equal(older.changes.catalogVersion, first.body.catalogVersion);
  assert.ok(Number(newest.id) > Number(older.id));
  assert.ok(Math.abs(Date.parse(newest.at) - Date.now()) < 60_000, newest.at);
  // A rejected catalog records nothing.
  const bad = await api.put("/v1/catalog", { features: [{ id: "x", type: "nope" }] });
  assert.equal(bad.status, 422);
  assert.equal((await page("?limit=1")).entries[0].id, newest.id);
});

test("customer writes: create, replace, usage set, credit grant and token mint, never the token", async () => {
  const id = uniqueId("audit");
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: [{ id: "s1", planId: "free", status: "active", startDate: "2026-01-01T00:00:00Z" }] })).status, 201);
  const replaced = {
    id,
    subscriptions: [{ id: "s2", planId: "pro", status: "active", startDate: "2026-01-01T00:00:00Z" }],
    archived: true,
  };
  assert.equal((await api.put(`/v1/customers/${id}`, replaced)).status, 200);
  // A delta and a consume are counted usage, not audited; a set is.
  assert.equal((await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 5 })).status, 200);
  assert.equal((await api.post("/v1/check", { customerId: id, featureId: "api-calls", requestedUsage: 1, consume: true })).status, 200);
  assert.equal((await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 2, updateBehavior: "set" })).status, 200);
  const grant = await api.post("/v1/credits/grants", { customerId: id, featureId: "ai-credits", amount: 40, category: "promotional", id: "g1" });
  assert.equal(grant.status, 201, JSON.stringify(grant.body));
  const token = await api.post(`/v1/customers/${id}/tokens`, { ttlSeconds: 600 });
  assert.equal(token.status, 200);
  // Rejected writes record nothing: a customer that does not fit, a bad report.
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: [{ id: "s3", planId: "nope", status: "active", startDate: "2026-01-01T00:00:00Z" }] })).status, 422);
  assert.equal((await api.post("/v1/usage", { customerId: id, featureId: "sso", value: 1, updateBehavior: "set" })).status, 422);

  const { entries } = await page(`?customerId=${encodeURIComponent(id)}`);
  assert.deepEqual(
    entries.map((e) => e.action),
    ["token.mint", "credits.grant", "usage.set", "customer.put", "customer.put"],
  );
  const [mint, granted, set, replace, create] = entries;
  for (const e of entries) {
    assert.equal(e.customerId, id);
    assert.equal(e.actor, keyId(DEV_KEY));
  }
  assert.equal(create.changes.created, true);
  assert.deepEqual(create.changes.fields.subscriptions, { added: { ids: ["s1"] } });
  assert.equal(replace.changes.created, false);
  assert.deepEqual(replace.changes.fields.subscriptions, { added: { ids: ["s2"] }, removed: { ids: ["s1"] } });
  assert.deepEqual(replace.changes.fields.archived, { from: false, to: true });
  assert.equal(set.endpoint, "POST /v1/usage");
  assert.deepEqual(set.changes.reports.map((r) => [r.featureId, r.value, r.updateBehavior]), [["seats", 2, "set"]]);
  assert.equal(granted.changes.grant.id, "g1");
  assert.equal(granted.changes.grant.amount, 40);
  assert.equal(mint.endpoint, "POST /v1/customers/{id}/tokens");
  assert.equal(mint.changes.expiresAt, token.body.expiresAt);
  const text = JSON.stringify(entries);
  assert.ok(!text.includes(token.body.token), "the token is never recorded");
  assert.ok(!text.includes(DEV_KEY), "the key is never recorded");
});

test("pages newest first with a cursor, and the customer filter keeps only that customer", async () => {
  const id = uniqueId("paged");
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: [] })).status, 201);
  for (let i = 0; i < 4; i++) {
    assert.equal((await api.post(`/v1/customers/${id}/tokens`, {})).status, 200);
  }
  const seen = [];
  let cursor = "";
  for (;;) {
    const p = await page(`?customerId=${id}&limit=2${cursor ? `&cursor=${p_next(cursor)}` : ""}`);
    seen.push(...p.entries);
    assert.ok(p.entries.length <= 2);
    if (!p.cursor) break;
    cursor = p.cursor;
  }
  assert.equal(seen.length, 5);
  assert.deepEqual(seen.map((e) => e.action), ["token.mint", "token.mint", "token.mint", "token.mint", "customer.put"]);
  const ids = seen.map((e) => Number(e.id));
  assert.deepEqual([...ids].sort((a, b) => b - a), ids, "newest first");
  assert.equal(new Set(ids).size, ids.length, "no entry twice across pages");
  // Unfiltered, the environment's log also holds other customers' and the catalog's entries.
  const all = await page("?limit=200");
  assert.ok(all.entries.some((e) => e.customerId && e.customerId !== id));
  assert.ok(all.entries.some((e) => e.action === "catalog.put"));
});
const p_next = (c) => encodeURIComponent(c);

test("bad queries, customer tokens, wrong keys and another environment get nothing", async () => {
  for (const q of ["?limit=0", "?limit=201", "?limit=x", "?cursor=abc", "?cursor=0", "?color=red", "?limit=1&limit=2", "?customerId="]) {
    const r = await api.get(`/v1/audit${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, "invalid_query", q);
    assert.ok(r.body.error.details[0].path, q);
  }
  const id = uniqueId("tok");
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: [] })).status, 201);
  const { token } = (await api.post(`/v1/customers/${id}/tokens`, {})).body;
  const asCustomer = await client(w.url, token).get("/v1/audit");
  assert.equal(asCustomer.status, 403);
  assert.equal(asCustomer.body.error.code, "server_key_required");
  const wrong = await client(w.url, "sk_wrong").get("/v1/audit");
  assert.equal(wrong.status, 401);
  assert.equal((await client(w.url, null).get("/v1/audit")).status, 401);
  assert.equal((await api.post("/v1/audit", {})).status, 405);
  // Staging sees none of development's entries, and its own are its own.
  assert.deepEqual((await page("", staging)).entries, []);
  assert.equal((await staging.put("/v1/catalog", CATALOG)).status, 200);
  const [mine] = (await page("", staging)).entries;
  assert.equal(mine.environment, "staging");
  assert.equal(mine.actor, keyId(STAGING_KEY));
  assert.notEqual(mine.actor, keyId(DEV_KEY));
});

test("GET /v1/environment names the key's environment and identity, and only for a server key", async () => {
  const dev = await api.get("/v1/environment");
  assert.equal(dev.status, 200);
  assert.deepEqual(dev.body, { environment: "development", keyId: keyId(DEV_KEY) });
  assert.deepEqual((await staging.get("/v1/environment")).body, { environment: "staging", keyId: keyId(STAGING_KEY) });
  assert.equal((await client(w.url, "sk_wrong").get("/v1/environment")).status, 401);
  const id = uniqueId("env");
  const { token } = (await api.post(`/v1/customers/${id}/tokens`, {})).body;
  assert.equal((await client(w.url, token).get("/v1/environment")).status, 403);
});


test("a replayed idempotency key records nothing again (a retried set or grant is one write)", async () => {
  assert.equal((await api.put("/v1/catalog", credits)).status, 200);
  const id = uniqueId("replay");
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: [{ id: "s1", planId: "pro", status: "active", startDate: "2026-01-01T00:00:00Z" }] })).status, 201);
  const grant = { customerId: id, featureId: "ai-credits", amount: 40, category: "paid", idempotencyKey: "grant-once" };
  const set = { customerId: id, featureId: "seats", value: 2, updateBehavior: "set", idempotencyKey: "set-once" };
  for (let i = 0; i < 2; i++) {
    assert.equal((await api.post("/v1/credits/grants", grant)).status, 201);
    assert.equal((await api.post("/v1/usage", set)).status, 200);
  }
  const { entries } = await page(`?customerId=${encodeURIComponent(id)}`);
  assert.deepEqual(entries.map((e) => e.action), ["usage.set", "credits.grant", "customer.put"]);
});
