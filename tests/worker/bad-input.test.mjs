// Bad input loses nothing (brief, non-negotiable 5; issue "Bad input"): every invalid
// report, consume, check, customer and catalog is a 4xx with a stable code and a message
// and path naming the field, and leaves every stored counter, history total, idempotency
// key, customer and catalog exactly as it was. Each rejection below is followed by
// reading the whole stored state back through the API and comparing it with before.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, customer, uniqueId, DEV_KEY, BINDINGS } from "./helpers.mjs";

const CATALOG = {
  features: [
    { id: "calls", type: "metered", meter: "incremental" },
    { id: "seats", type: "metered", meter: "fluctuating" },
    { id: "sso", type: "boolean" },
    { id: "storage-gb", type: "numeric" },
    { id: "tokens", type: "metered", meter: "incremental" },
  ],
  plans: [
    {
      id: "pro",
      entitlements: [
        { featureId: "calls", usageLimit: 1000, resetPeriod: "month", resetAnchor: "calendar" },
        { featureId: "seats", usageLimit: 5 },
        { featureId: "sso" },
        { featureId: "storage-gb", value: 100 },
        { featureId: "tokens", isUnlimited: true, resetPeriod: "day", resetAnchor: "calendar" },
      ],
    },
  ],
};

const NOW = "2026-03-10T10:00:00Z";
let w, api, id, other;
before(async () => {
  w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
  api = client(w.url, DEV_KEY);
  assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
  id = uniqueId("bad");
  other = uniqueId("bad-other");
  for (const c of [id, other]) {
    assert.equal((await api.put(`/v1/customers/${c}`, customer(c, "pro"), { "x-test-now": NOW })).status, 201);
  }
  // Some state worth losing: counters, history, a remembered key.
  const at = { "x-test-now": NOW };
  assert.equal((await api.post("/v1/usage", { customerId: id, featureId: "calls", value: 7, idempotencyKey: "k-1" }, at)).status, 200);
  assert.equal((await api.post("/v1/usage", { customerId: id, featureId: "seats", value: 2, updateBehavior: "set" }, at)).status, 200);
  assert.equal((await api.post("/v1/usage", { customerId: other, featureId: "calls", value: 1 }, at)).status, 200);
});
after(async () => w?.stop());

/** Everything stored that a request could touch, read back through the API. */
async function everything() {
  const at = { "x-test-now": NOW };
  const reads = await Promise.all([
    api.get("/v1/catalog"),
    ...[id, other].flatMap((c) => [api.get(`/v1/customers/${c}`, at), api.get(`/v1/customers/${c}/usage`, at)]),
    // A retry of the remembered key still answers 7: the key survived.
    api.post("/v1/usage", { customerId: id, featureId: "calls", value: 7, idempotencyKey: "k-1" }, at),
  ]);
  for (const r of reads) assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(reads.at(-1).body.currentUsage, 7);
  return JSON.stringify(reads.map((r) => r.body));
}

async function rejects(name, send, status, code, path) {
  const before = await everything();
  const r = await send();
  assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body?.error?.code, code, `${name}: ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body.error.message, "string");
  assert.ok(r.body.error.message.length > 0);
  if (path !== undefined) {
    assert.ok(
      r.body.error.details?.some((d) => d.path === path),
      `${name}: expected a detail at \`${path}\`, got ${JSON.stringify(r.body.error.details)}`,
    );
  }
  assert.equal(await everything(), before, `${name}: stored state changed`);
}

const at = { "x-test-now": NOW };
const report = (body) => () => api.post("/v1/usage", body, at);
const check = (body) => () => api.post("/v1/check", body, at);

test("invalid reports are 422 invalid_usage at their field and store nothing", async () => {
  const base = { customerId: id, featureId: "calls", value: 1 };
  const cases = [
    ["unknown feature", { ...base, featureId: "nope" }, "featureId"],
    ["boolean feature", { ...base, featureId: "sso" }, "featureId"],
    ["numeric feature", { ...base, featureId: "storage-gb" }, "featureId"],
    ["missing value", { customerId: id, featureId: "calls" }, "value"],
    ["value as a string", { ...base, value: "1" }, "value"],
    ["1e308", { ...base, value: 1e308 }, "value"],
    ["2^53", { ...base, value: 2 ** 53 }, "value"],
    ["-2^53", { ...base, value: -(2 ** 53) }, "value"],
    ["negative set", { ...base, value: -1, updateBehavior: "set" }, "value"],
    ["unknown behavior", { ...base, updateBehavior: "increment" }, "updateBehavior"],
    ["bad timestamp", { ...base, timestamp: "yesterday" }, "timestamp"],
    ["timestamp 301 s ahead", { ...base, timestamp: "2026-03-10T10:05:01Z" }, "timestamp"],
    ["unknown field", { ...base, amount: 3 }, "amount"],
    ["empty idempotency key", { ...base, idempotencyKey: "" }, "idempotencyKey"],
    ["long idempotency key", { ...base, idempotencyKey: "k".repeat(256) }, "idempotencyKey"],
    ["missing customerId", { featureId: "calls", value: 1 }, "customerId"],
    ["counter past 2^53-1", { ...base, value: 2 ** 53 - 1 }, "value"],
  ];
  for (const [name, body, path] of cases) {
    await rejects(name, report(body), 422, "invalid_usage", path);
  }
});

test("a batch with one bad item stores nothing, its path names the item and field", async () => {
  const good = { customerId: id, featureId: "calls", value: 1 };
  await rejects("one customer, bad third item", report([good, good, { ...good, value: "x" }, good]), 422, "invalid_usage", "[2].value");
  await rejects("one customer, second item overflows", report([good, { ...good, value: 2 ** 53 - 1 }]), 422, "invalid_usage", "[1].value");
  await rejects(
    "several customers, one bad feature",
    report([good, { customerId: other, featureId: "calls", value: 1 }, { customerId: other, featureId: "sso", value: 1 }]),
    422,
    "invalid_usage",
    "[2].featureId",
  );
  await rejects("not a report", report([good, 5]), 422, "invalid_usage", "[1]");
  await rejects("a later item conflicts with a key", report([good, { ...good, value: 8, idempotencyKey: "k-1" }]), 409, "idempotency_conflict", "[1].idempotencyKey");
  await rejects("same key twice in a batch, other payload", report([{ ...good, idempotencyKey: "new" }, { ...good, value: 2, idempotencyKey: "new" }]), 409, "idempotency_conflict", "[1].idempotencyKey");
  // The rejected batch remembered no key: the key is free for another payload.
  const free = await api.post("/v1/usage", { ...good, value: 3, idempotencyKey: "new" }, at);
  assert.equal(free.status, 200, JSON.stringify(free.body));
});

test("invalid consumes and checks are 422 invalid_usage and count nothing", async () => {
  const base = { customerId: id, featureId: "calls", consume: true };
  for (const [name, body, path] of [
    ["negative", { ...base, requestedUsage: -1 }, "requestedUsage"],
    ["1e308", { ...base, requestedUsage: 1e308 }, "requestedUsage"],
    ["2^53", { ...base, requestedUsage: 2 ** 53 }, "requestedUsage"],
    ["a string", { ...base, requestedUsage: "3" }, "requestedUsage"],
    ["consume not a boolean", { ...base, consume: "yes" }, "consume"],
    ["unknown field", { ...base, amount: 1 }, "amount"],
    ["no featureId", { customerId: id, consume: true }, "featureId"],
    ["plain check, negative", { customerId: id, featureId: "calls", requestedUsage: -1 }, "requestedUsage"],
  ]) {
    await rejects(name, check(body), 422, "invalid_usage", path);
  }
  await rejects("conflicting consume key", check({ ...base, requestedUsage: 1, idempotencyKey: "k-1" }), 409, "idempotency_conflict", "idempotencyKey");
});

test("an allowed consume that would pass 2^53-1 is refused whole", async () => {
  // Unlimited: the decision allows anything; the bound of the counter still holds.
  const set = await api.post("/v1/usage", { customerId: id, featureId: "tokens", value: 2 ** 53 - 1, updateBehavior: "set" }, at);
  assert.equal(set.status, 200, JSON.stringify(set.body));
  await rejects("consume past the bound", check({ customerId: id, featureId: "tokens", requestedUsage: 1, consume: true }), 422, "invalid_usage", "requestedUsage");
  await rejects("report past the bound", report({ customerId: id, featureId: "tokens", value: 1 }), 422, "invalid_usage", "value");
});

test("malformed bodies are 400, oversized ones 413, and change nothing", async () => {
  await rejects("not JSON", () => api.post("/v1/usage", "{not json", at), 400, "malformed_json");
  await rejects("a number", () => api.post("/v1/usage", "5", at), 422, "invalid_usage", "");
  await rejects("check not JSON", () => api.post("/v1/check", "[", at), 400, "malformed_json");
  const huge = JSON.stringify({ customerId: id, featureId: "calls", value: 1, pad: "x".repeat(1024 * 1024) });
  await rejects("too large", () => api.post("/v1/usage", huge, at), 413, "body_too_large");
});

test("invalid customers and catalogs are 422 and replace nothing", async () => {
  await rejects(
    "unknown plan",
    () => api.put(`/v1/customers/${id}`, { id, subscriptions: [{ id: "s", planId: "gold", status: "active", startDate: NOW }] }, at),
    422,
    "invalid_customer",
    "subscriptions[0].planId",
  );
  await rejects(
    "promotion expiring at its start",
    () => api.put(`/v1/customers/${id}`, { id, promotionalEntitlements: [{ featureId: "sso", startDate: NOW, expiresAt: NOW }] }, at),
    422,
    "invalid_customer",
    "promotionalEntitlements[0].expiresAt",
  );
  await rejects("usage in a customer PUT", () => api.put(`/v1/customers/${id}`, { id, usage: [] }, at), 422, "invalid_customer", "usage");
  await rejects(
    "catalog with a cycle",
    () => api.put("/v1/catalog", { features: [], plans: [{ id: "a", parentPlanId: "b" }, { id: "b", parentPlanId: "a" }] }),
    422,
    "invalid_catalog",
  );
  await rejects(
    "catalog entitlement of an unknown feature",
    () => api.put("/v1/catalog", { features: [], plans: [{ id: "a", entitlements: [{ featureId: "ghost" }] }] }),
    422,
    "invalid_catalog",
    "plans[0].entitlements[0].featureId",
  );
});

test("with the test clock on, a malformed x-test-now is 400 and changes nothing", async () => {
  await rejects(
    "bad x-test-now",
    () => api.post("/v1/usage", { customerId: id, featureId: "calls", value: 1 }, { "x-test-now": "tomorrow" }),
    400,
    "invalid_test_now",
  );
});
