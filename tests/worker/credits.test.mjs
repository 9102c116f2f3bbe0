// Credits through the Worker on workerd (SEMANTICS section 7, API section 3): atomic draws
// under concurrency, idempotent retries, POST /v1/credits/grants and its rejections (with
// nothing stored, read back), GET /v1/customers/{id}/credits, reports drawing with the
// uncovered part kept, the customer PUT keeping or replacing grants, a grant pushed to a
// live client at once, and the pool entries written at a period start (before a write)
// and at a winner change (by the object's alarm, on the Worker's real clock).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startWorker, client, uniqueId, DEV_KEY, BINDINGS, loadPkg, nextMessage } from "./helpers.mjs";

const CATALOG = {
  features: [
    { id: "ai-credits", type: "credit", units: "credit", unitsPlural: "credits" },
    { id: "image-gen", type: "metered", meter: "incremental", units: "image", creditCost: { creditId: "ai-credits", perUnit: 5 } },
    { id: "sso", type: "boolean" },
  ],
  plans: [
    { id: "pro", entitlements: [{ featureId: "ai-credits", amount: 100, resetPeriod: "month", rollover: { maxAmount: 50 } }, { featureId: "sso" }] },
    { id: "team", entitlements: [{ featureId: "ai-credits", amount: 300, resetPeriod: "month", rollover: { maxAmount: 100 } }] },
    { id: "basic", entitlements: [{ featureId: "sso" }] },
  ],
};

const START = "2026-01-31T10:00:00Z";
const sub = (id, planId, extra = {}) => ({ id, planId, status: "active", startDate: START, ...extra });

let w, api, pkg;
before(async () => {
  w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
  api = client(w.url, DEV_KEY);
  assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
  pkg = await loadPkg();
});
after(async () => w?.stop());

async function newCustomer(subscriptions = [sub("s1", "pro")], extra = {}) {
  const id = uniqueId("cred");
  const r = await api.put(`/v1/customers/${id}`, { id, subscriptions, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return id;
}

const pools = async (id, now) => (await api.get(`/v1/customers/${id}/credits`, now ? { "x-test-now": now } : {})).body.pools;

test("300 concurrent consumes of 1 credit against a balance of 100 allow exactly 100 and leave 0", async () => {
  const id = await newCustomer();
  const results = await Promise.all(
    Array.from({ length: 300 }, () => api.post("/v1/check", { customerId: id, featureId: "ai-credits", requestedUsage: 1, consume: true })),
  );
  assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
  const allowed = results.filter((r) => r.body.hasAccess);
  assert.equal(allowed.length, 100);
  assert.ok(results.filter((r) => !r.body.hasAccess).every((r) => r.body.accessDeniedReason === "InsufficientCredits"));
  assert.ok(allowed.every((r) => r.body.draws.length === 1 && r.body.draws[0].amount === 1));
  const [pool] = await pools(id);
  assert.equal(pool.balance, 0);
  const check = await api.post("/v1/check", { customerId: id, featureId: "ai-credits" });
  assert.equal(check.body.balance, 0);
});

test("twenty concurrent retries of one idempotency key draw once and answer alike", async () => {
  const id = await newCustomer();
  const key = uniqueId("k");
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      api.post("/v1/check", { customerId: id, featureId: "image-gen", requestedUsage: 3, consume: true, idempotencyKey: key }),
    ),
  );
  assert.ok(results.every((r) => r.status === 200 && r.body.hasAccess));
  for (const r of results) assert.deepEqual(r.body, results[0].body);
  assert.equal(results[0].body.cost, 15);
  assert.deepEqual(results[0].body.draws, [{ grantId: "plan:s1", amount: 15 }]);
  assert.equal((await pools(id))[0].balance, 85);
  const state = await api.get(`/v1/customers/${id}`);
  assert.equal(state.body.usage.find((u) => u.featureId === "image-gen").currentUsage, 3, "the priced feature's usage is counted once");
  assert.equal(state.body.creditUsage.length, 1);
  assert.equal(state.body.creditUsage[0].used, 15);
});

test("POST /v1/credits/grants: stored, idempotent, 409 on a held id, and every rejection stores nothing", async () => {
  const id = await newCustomer();
  const grant = { customerId: id, featureId: "ai-credits", amount: 25.5, category: "paid", expiresAt: "2030-01-01T00:00:00Z", idempotencyKey: uniqueId("g") };
  const first = await api.post("/v1/credits/grants", grant);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.amount, 25.5);
  assert.equal(first.body.priority, 10);
  assert.ok(first.body.id.length > 0, "an id is made when absent");
  assert.ok(Math.abs(Date.parse(first.body.effectiveAt) - Date.now()) < 60_000, "effectiveAt defaults to now");
  const again = await api.post("/v1/credits/grants", grant);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body, "a repeated key adds once");
  const conflict = await api.post("/v1/credits/grants", { ...grant, amount: 1 });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.body.error.code, "idempotency_conflict");
  const held = await api.post("/v1/credits/grants", { customerId: id, featureId: "ai-credits", amount: 1, category: "paid", id: first.body.id });
  assert.equal(held.status, 409);
  assert.equal(held.body.error.code, "credit_grant_exists");

  const before = await api.get(`/v1/customers/${id}`);
  assert.equal(before.body.creditGrants.length, 1);
  const bad = [
    [{ amount: -1 }, "amount"],
    [{ amount: 0.1234567 }, "amount"],
    [{ featureId: "image-gen" }, "featureId"],
    [{ featureId: "nope" }, "featureId"],
    [{ category: "gift" }, "category"],
    [{ effectiveAt: "2026-02-01T00:00:00Z", expiresAt: "2026-02-01T00:00:00Z" }, "expiresAt"],
    [{ priority: -2 }, "priority"],
    [{ priority: 1.5 }, "priority"],
    [{ id: "plan:s1" }, "id"],
    [{ id: "" }, "id"],
    [{ extra: true }, "extra"],
  ];
  for (const [over, path] of bad) {
    const r = await api.post("/v1/credits/grants", { customerId: id, featureId: "ai-credits", amount: 5, category: "promotional", ...over });
    assert.equal(r.status, 422, `${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, "invalid_customer");
    assert.ok(r.body.error.details.some((d) => d.path === path), `${JSON.stringify(over)}: ${JSON.stringify(r.body.error.details)}`);
  }
  const missing = await api.post("/v1/credits/grants", { customerId: id, featureId: "ai-credits", amount: 5 });
  assert.equal(missing.status, 422, "category is required");
  const nobody = await api.post("/v1/credits/grants", { customerId: uniqueId("nobody"), featureId: "ai-credits", amount: 5, category: "paid" });
  assert.equal(nobody.status, 404);
  const after = await api.get(`/v1/customers/${id}`);
  assert.deepEqual(after.body, before.body, "no rejected grant changed the stored customer");
  assert.equal((await pools(id))[0].balance, 125.5);
});

test("GET /v1/customers/{id}/credits: grants in force in burn order, then grants not yet in force; uncovered use per pool", async () => {
  const id = await newCustomer();
  const now = "2026-02-10T00:00:00Z";
  const post = (g) => api.post("/v1/credits/grants", { customerId: id, featureId: "ai-credits", ...g }, { "x-test-now": now });
  assert.equal((await post({ id: "later", amount: 7, category: "paid", effectiveAt: "2026-03-01T00:00:00Z" })).status, 201);
  assert.equal((await post({ id: "promo", amount: 20, category: "promotional", expiresAt: "2026-02-20T00:00:00Z" })).status, 201);
  // 10 images cost 50: 20 from the promotion (it expires first), 30 from the plan grant.
  const r = await api.post("/v1/usage", { customerId: id, featureId: "image-gen", value: 10 }, { "x-test-now": now });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.creditsDrawn, r.body.creditsUncovered], [50, 0]);
  // 30 more cost 150 against 70 left: 70 drawn, 80 uncovered, never refused.
  const over = await api.post("/v1/usage", { customerId: id, featureId: "image-gen", value: 30 }, { "x-test-now": now });
  assert.equal(over.status, 200, JSON.stringify(over.body));
  assert.deepEqual([over.body.currentUsage, over.body.creditsDrawn, over.body.creditsUncovered], [40, 70, 80]);
  const [pool] = await pools(id, now);
  assert.equal(pool.creditId, "ai-credits");
  assert.equal(pool.balance, 0);
  assert.equal(pool.uncovered, 80);
  assert.deepEqual(pool.grants.map((g) => [g.id, g.remaining]), [["promo", 0], ["plan:s1", 0], ["later", 7]]);
  assert.equal(pool.nextExpiry, undefined, "no grant in force has anything left");
  // A negative delta and a set change the counter only.
  const back = await api.post("/v1/usage", { customerId: id, featureId: "image-gen", value: -5 }, { "x-test-now": now });
  assert.equal(back.body.creditsDrawn, undefined);
  assert.equal((await pools(id, now))[0].uncovered, 80);
});

test("a customer PUT without creditGrants keeps them; with it, replaces them and drops the ledger entries of those removed; creditUsage is refused", async () => {
  const id = await newCustomer([sub("s1", "pro")], { creditGrants: [{ id: "a", featureId: "ai-credits", amount: 10, effectiveAt: START, category: "paid" }] });
  // Every write at one instant of the first period (a write in a later period would
  // start that period's pool entry, as the next test shows).
  const at = { "x-test-now": "2026-02-10T00:00:00Z" };
  // Draw the plan grant and grant `a` (priority 1 first).
  await api.put(`/v1/customers/${id}`, { id, subscriptions: [sub("s1", "pro")], creditGrants: [{ id: "a", featureId: "ai-credits", amount: 10, effectiveAt: START, priority: 1, category: "paid" }] }, at);
  const c = await api.post("/v1/check", { customerId: id, featureId: "ai-credits", requestedUsage: 15, consume: true }, at);
  assert.deepEqual(c.body.draws, [{ grantId: "a", amount: 10 }, { grantId: "plan:s1", amount: 5 }]);
  const kept = await api.put(`/v1/customers/${id}`, { id, subscriptions: [sub("s1", "pro")] }, at);
  assert.equal(kept.status, 200);
  let state = (await api.get(`/v1/customers/${id}`)).body;
  assert.deepEqual(state.creditGrants.map((g) => g.id), ["a"]);
  assert.ok(state.creditUsage.some((e) => e.grantId === "a"));
  const replaced = await api.put(`/v1/customers/${id}`, { id, subscriptions: [sub("s1", "pro")], creditGrants: [{ id: "b", featureId: "ai-credits", amount: 3, effectiveAt: START, category: "promotional" }] }, at);
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  state = (await api.get(`/v1/customers/${id}`)).body;
  assert.deepEqual(state.creditGrants.map((g) => g.id), ["b"]);
  assert.ok(!state.creditUsage.some((e) => e.grantId === "a"), "the removed grant's entry is dropped");
  assert.ok(state.creditUsage.some((e) => e.subscriptionId === "s1" && e.used === 5), "the pool entry stays");
  const refused = await api.put(`/v1/customers/${id}`, { id, subscriptions: [sub("s1", "pro")], creditUsage: [] }, at);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.details[0].path, "creditUsage");
  const invalid = await api.put(`/v1/customers/${id}`, { id, subscriptions: [sub("s1", "pro")], creditGrants: [{ id: "c", featureId: "ai-credits", amount: -1, effectiveAt: START, category: "paid" }] }, at);
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.error.code, "invalid_customer");
  assert.ok(invalid.body.error.details.some((d) => d.path === "creditGrants[0].amount"));
  assert.deepEqual((await api.get(`/v1/customers/${id}`)).body, state, "the rejected PUT stored nothing");
});

test("the first draw of a new period writes its entry with the capped carry; a new winner starts without one", async () => {
  const id = await newCustomer();
  const at = (t) => ({ "x-test-now": t });
  await api.post("/v1/check", { customerId: id, featureId: "ai-credits", requestedUsage: 70, consume: true }, at("2026-02-10T00:00:00Z"));
  // Next period: 100 fresh and 30 carried (under the cap of 50).
  const next = await api.post("/v1/check", { customerId: id, featureId: "ai-credits", requestedUsage: 1, consume: true }, at("2026-03-05T00:00:00Z"));
  assert.equal(next.body.balance, 130);
  let entry = (await api.get(`/v1/customers/${id}`)).body.creditUsage.find((e) => e.subscriptionId === "s1");
  assert.equal(Date.parse(entry.periodStart), Date.parse("2026-02-28T10:00:00Z"));
  assert.deepEqual([entry.carried, entry.used], [30, 1]);
  // A plan change to a new subscription: it wins the pool and starts at 300 without a carry.
  const put = await api.put(`/v1/customers/${id}`, { id, subscriptions: [sub("s1", "pro"), sub("s2", "team")] }, at("2026-03-06T00:00:00Z"));
  assert.equal(put.status, 200);
  entry = (await api.get(`/v1/customers/${id}`)).body.creditUsage.find((e) => e.subscriptionId === "s2");
  assert.ok(entry, "the winner change wrote the new winner's entry");
  assert.equal(entry.used, 0);
  assert.equal(entry.carried, undefined);
  const check = await api.post("/v1/check", { customerId: id, featureId: "ai-credits" }, at("2026-03-06T00:00:00Z"));
  assert.equal(check.body.balance, 300);
});

test("the object's alarm writes the new winner's entry when the former winner ends, on the Worker's clock", async () => {
  // Real instants: the `team` subscription ends 3 s from now; `pro` then wins the pool.
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const id = uniqueId("alarm");
  const subs = [
    { id: "p", planId: "pro", status: "active", startDate: iso(now - 86_400_000) },
    { id: "t", planId: "team", status: "active", startDate: iso(now - 86_400_000), endDate: iso(now + 3000) },
  ];
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: subs })).status, 201);
  let state = (await api.get(`/v1/customers/${id}`)).body;
  assert.ok(!state.creditUsage.some((e) => e.subscriptionId === "p"), "pro does not win yet");
  const deadline = Date.now() + 15_000;
  let entry;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    state = (await api.get(`/v1/customers/${id}`)).body;
    entry = state.creditUsage.find((e) => e.subscriptionId === "p");
    if (entry) break;
  }
  assert.ok(entry, `no entry for the new winner after the former ended: ${JSON.stringify(state.creditUsage)}`);
  assert.equal(entry.used, 0);
  assert.equal(entry.carried, undefined, "a new winner starts without a carry");
});

test("a grant reaches a connected client at once", async () => {
  const id = await newCustomer();
  const token = (await api.post(`/v1/customers/${id}/tokens`, {})).body.token;
  const ws = new WebSocket(new URL(`v1/customers/${id}/live?token=${token}`, w.url.replace(/^http/, "ws")));
  const first = nextMessage(ws, (_d, bin) => bin, 5000);
  await new Promise((resolve, reject) => {
    ws.on("open", resolve);
    ws.on("error", reject);
  });
  try {
    await first;
    const pushed = nextMessage(ws, (_d, bin) => bin, 2000);
    const r = await api.post("/v1/credits/grants", { customerId: id, featureId: "ai-credits", amount: 40, category: "promotional" });
    assert.equal(r.status, 201);
    const msg = await pushed;
    const c = new pkg.EntitlementsClient();
    assert.equal(c.applySnapshot(new Uint8Array(msg.data)), true);
    const credit = c.getCreditEntitlement({ featureId: "ai-credits" });
    assert.equal(credit.balance, 140);
    assert.ok(credit.grants.some((g) => g.id === r.body.id));
  } finally {
    ws.close();
  }
});

test("a customer PUT validates the grants it gives, whatever their feature", async () => {
  const id = await newCustomer();
  const before = (await api.get(`/v1/customers/${id}`)).body;
  const r = await api.put(`/v1/customers/${id}`, {
    id,
    subscriptions: [sub("s1", "pro")],
    creditGrants: [{ id: "plan:x", featureId: "sso", amount: -5, effectiveAt: START, category: "paid" }],
  });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, "invalid_customer");
  for (const path of ["creditGrants[0].id", "creditGrants[0].featureId", "creditGrants[0].amount"]) {
    assert.ok(r.body.error.details.some((d) => d.path === path), `${path}: ${JSON.stringify(r.body.error.details)}`);
  }
  assert.deepEqual((await api.get(`/v1/customers/${id}`)).body, before, "nothing stored");
});

test("a catalog that drops a pool hides its ledger without erasing it; the pool comes back as it was", async () => {
  const withSms = {
    features: [...CATALOG.features, { id: "sms-credits", type: "credit" }],
    plans: [...CATALOG.plans, { id: "sms", entitlements: [{ featureId: "sms-credits", amount: 10 }] }],
  };
  const withoutAi = {
    features: withSms.features.filter((f) => f.id !== "ai-credits" && f.id !== "image-gen"),
    plans: withSms.plans.map((p) => ({ ...p, entitlements: p.entitlements.filter((e) => e.featureId !== "ai-credits") })),
  };
  try {
    assert.equal((await api.put("/v1/catalog", withSms)).status, 200);
    const id = await newCustomer([sub("s1", "pro"), sub("m1", "sms")], {
      creditGrants: [{ id: "g", featureId: "ai-credits", amount: 100, effectiveAt: START, priority: 1, category: "paid" }],
    });
    const spent = await api.post("/v1/check", { customerId: id, featureId: "ai-credits", requestedUsage: 100, consume: true });
    assert.deepEqual(spent.body.draws, [{ grantId: "g", amount: 100 }]);
    assert.equal((await api.put("/v1/catalog", withoutAi)).status, 200);
    const other = await api.post("/v1/check", { customerId: id, featureId: "sms-credits", requestedUsage: 1, consume: true });
    assert.equal(other.body.hasAccess, true, JSON.stringify(other.body));
    // A grant id the customer holds, hidden by the catalog, is still taken.
    const again = await api.post("/v1/credits/grants", { customerId: id, featureId: "sms-credits", amount: 1, category: "paid", id: "g" });
    assert.equal(again.status, 409);
    assert.equal((await api.put("/v1/catalog", withSms)).status, 200);
    const state = (await api.get(`/v1/customers/${id}`)).body;
    assert.ok(state.creditUsage.some((e) => e.grantId === "g" && e.used === 100), JSON.stringify(state.creditUsage));
    const [ai] = await pools(id);
    assert.equal(ai.grants.find((g) => g.id === "g").remaining, 0, "spent credits never come back");
  } finally {
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
  }
});
