// The environment object (one per environment) on real workerd: catalog versions under
// concurrent PUTs, the published KV pointer, the customer registry and its listing,
// isolation between environments, and numbering across a restart on persisted state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, CATALOG, customer, DEV_KEY, STAGING_KEY, TOKEN_SECRET, tempDir, removeDir } from "./helpers.mjs";

// Each test works in environments of its own, so the tests do not see each other.
const KEYS = {
  development: DEV_KEY,
  staging: STAGING_KEY,
  race: "sk_race",
  listing: "sk_listing",
  legacy: "sk_legacy",
  restart: "sk_restart",
};
const BINDINGS = {
  SERVER_KEYS: Object.entries(KEYS).map(([env, key]) => `${env}:${key}`).join(","),
  TOKEN_SECRET,
};

let w;
before(async () => {
  w = await startWorker({ bindings: BINDINGS });
});
after(async () => w?.stop());

/** CATALOG with the free plan's api-calls limit set to `limit` (tells versions apart). */
function catalogWith(limit) {
  const c = structuredClone(CATALOG);
  c.plans[0].entitlements[0].usageLimit = limit;
  return c;
}
const limitOf = (catalog) => catalog.plans[0].entitlements[0].usageLimit;

test("50 concurrent PUT /v1/catalog get 50 distinct versions; GET and the KV pointer give the highest", async () => {
  const api = client(w.url, KEYS.race);
  const puts = await Promise.all(Array.from({ length: 50 }, (_, i) => api.put("/v1/catalog", catalogWith(1000 + i))));
  for (const r of puts) assert.equal(r.status, 200, JSON.stringify(r.body));
  const versions = puts.map((r) => r.body.catalogVersion);
  assert.equal(new Set(versions).size, 50, `versions: ${versions.join(",")}`);
  // A fresh environment and no failed write: exactly 1..50.
  assert.deepEqual([...versions].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));

  const max = Math.max(...versions);
  const limitOfMax = 1000 + versions.indexOf(max);
  const got = await api.get("/v1/catalog");
  assert.equal(got.status, 200);
  assert.equal(got.body.catalogVersion, max);
  assert.equal(limitOf(got.body.catalog), limitOfMax, "GET answers the body of the highest version");

  const kv = await w.mf.getKVNamespace("CATALOGS");
  assert.equal(await kv.get("race/catalog/current"), String(max), "the KV pointer ends at the highest version");
  // Every version's immutable body holds the catalog of the PUT that got it.
  for (const [i, v] of versions.entries()) {
    assert.equal(limitOf(JSON.parse(await kv.get(`race/catalog/v${v}`))), 1000 + i, `body of v${v}`);
  }

  // A customer object reads the pointer: a customer PUT now is checked against the highest version.
  await api.put("/v1/customers/c1", customer("c1", "free"));
  const check = await api.post("/v1/check", { customerId: "c1", featureId: "api-calls" });
  assert.equal(check.body.usageLimit, limitOfMax);

  const next = await api.put("/v1/catalog", catalogWith(7));
  assert.equal(next.body.catalogVersion, 51);
  assert.equal(await kv.get("race/catalog/current"), "51");
});

test("a rejected catalog takes no version", async () => {
  const api = client(w.url, KEYS.race);
  const before = (await api.get("/v1/catalog")).body.catalogVersion;
  const bad = await api.put("/v1/catalog", { features: [{ id: "x", type: "nope" }] });
  assert.equal(bad.status, 422);
  assert.equal((await api.get("/v1/catalog")).body.catalogVersion, before);
  assert.equal((await api.put("/v1/catalog", CATALOG)).body.catalogVersion, before + 1);
});

test("environments are isolated: staging sees none of development's catalogs or customers", async () => {
  const dev = client(w.url, KEYS.development);
  const staging = client(w.url, KEYS.staging);
  assert.equal((await dev.put("/v1/catalog", catalogWith(4242))).status, 200);
  assert.equal((await dev.put("/v1/customers/dev-only", customer("dev-only"))).status, 201);
  const listed = await dev.get("/v1/customers");
  assert.deepEqual(listed.body.customers.map((c) => c.id), ["dev-only"]);

  const catalog = await staging.get("/v1/catalog");
  assert.equal(catalog.status, 404);
  assert.equal(catalog.body.error.code, "catalog_not_found");
  assert.deepEqual((await staging.get("/v1/customers")).body, { customers: [] });
  assert.equal((await staging.get("/v1/customers/dev-only")).status, 404);
  // Staging numbers its own catalogs from 1.
  assert.equal((await staging.put("/v1/catalog", CATALOG)).body.catalogVersion, 1);
  assert.equal(limitOf((await dev.get("/v1/catalog")).body.catalog), 4242);
});

test("GET /v1/customers: prefix, cursor and limit page through the registry by id", async () => {
  const api = client(w.url, KEYS.listing);
  await api.put("/v1/catalog", CATALOG);
  const ids = ["acme-3", "acme-1", "beta-1", "acme-5", "acme-2", "acme-4", "ac", "b"];
  for (const id of ids) assert.equal((await api.put(`/v1/customers/${id}`, customer(id))).status, 201);
  // A customer that does not validate is not registered (an error path stores nothing).
  const rejected = await api.put("/v1/customers/acme-bad", customer("acme-bad", "no-such-plan"));
  assert.equal(rejected.status, 422);

  const all = await api.get("/v1/customers");
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.customers.map((c) => c.id), [...ids].sort());
  assert.equal(all.body.cursor, undefined, "no cursor on the last page");
  for (const c of all.body.customers) {
    assert.match(c.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(c.updatedAt, c.createdAt);
  }

  const pages = [];
  let cursor;
  do {
    const q = new URLSearchParams({ prefix: "acme-", limit: "2", ...(cursor ? { cursor } : {}) });
    const page = await api.get(`/v1/customers?${q}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    pages.push(page.body.customers.map((c) => c.id));
    cursor = page.body.cursor;
  } while (cursor);
  assert.deepEqual(pages, [["acme-1", "acme-2"], ["acme-3", "acme-4"], ["acme-5"]]);
  assert.deepEqual((await api.get("/v1/customers?prefix=zz")).body, { customers: [] });

  // A second PUT keeps createdAt and moves updatedAt.
  const first = all.body.customers.find((c) => c.id === "b");
  await new Promise((r) => setTimeout(r, 20));
  await api.put("/v1/customers/b", customer("b", "free"));
  const again = (await api.get("/v1/customers?prefix=b&limit=1")).body.customers;
  assert.equal(again[0].id, "b");
  assert.equal(again[0].createdAt, first.createdAt);
  assert.ok(Date.parse(again[0].updatedAt) > Date.parse(first.updatedAt));

  for (const [query, path] of [
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=ten", "limit"],
    ["limit=1&limit=2", "limit"],
    ["cursor=%40%40", "cursor"],
    ["order=id", "order"],
  ]) {
    const bad = await api.get(`/v1/customers?${query}`);
    assert.equal(bad.status, 400, query);
    assert.equal(bad.body.error.code, "invalid_query");
    assert.equal(bad.body.error.details[0].path, path, query);
  }
  assert.equal((await api.get("/v1/customers?limit=1000")).status, 200);
  assert.equal((await client(w.url).get("/v1/customers")).status, 401);
  const token = (await api.post("/v1/customers/acme-1/tokens", {})).body.token;
  const asCustomer = await client(w.url, token).get("/v1/customers");
  assert.equal(asCustomer.status, 403);
  assert.equal(asCustomer.body.error.code, "server_key_required");
  assert.equal((await api.post("/v1/customers", {})).status, 405);
});

test("an environment with a catalog stored before the environment object carries on from it", async () => {
  const kv = await w.mf.getKVNamespace("CATALOGS");
  await kv.put("legacy/catalog/v7", JSON.stringify(catalogWith(77)));
  await kv.put("legacy/catalog/current", "7");
  const api = client(w.url, KEYS.legacy);
  const got = await api.get("/v1/catalog");
  assert.equal(got.body.catalogVersion, 7);
  assert.equal(limitOf(got.body.catalog), 77);
  assert.equal((await api.put("/v1/catalog", CATALOG)).body.catalogVersion, 8);
  assert.equal(await kv.get("legacy/catalog/current"), "8");
});

test("after a restart on persisted state, the next PUT gets the highest version + 1", async () => {
  const dir = tempDir();
  let r = await startWorker({ persistDir: dir, bindings: BINDINGS });
  try {
    let api = client(r.url, KEYS.restart);
    const versions = (await Promise.all([1, 2, 3].map((i) => api.put("/v1/catalog", catalogWith(i))))).map((x) => x.body.catalogVersion);
    assert.deepEqual([...versions].sort(), [1, 2, 3]);
    await api.put("/v1/customers/kept", customer("kept"));
    await r.stop();

    r = await startWorker({ persistDir: dir, bindings: BINDINGS });
    api = client(r.url, KEYS.restart);
    assert.equal((await api.get("/v1/catalog")).body.catalogVersion, 3);
    assert.equal((await api.put("/v1/catalog", catalogWith(4))).body.catalogVersion, 4);
    assert.equal(limitOf((await api.get("/v1/catalog")).body.catalog), 4);
    const kv = await r.mf.getKVNamespace("CATALOGS");
    assert.equal(await kv.get("restart/catalog/current"), "4");
    assert.deepEqual((await api.get("/v1/customers")).body.customers.map((c) => c.id), ["kept"]);
  } finally {
    await r.stop();
    removeDir(dir);
  }
});
