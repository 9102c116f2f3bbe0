// Credits (SEMANTICS section 7) through the npm package: the offline proof (a grant that
// expires and a plan grant that refills with its capped carry, both at the exact instant
// from one snapshot, the client's clock moved past each boundary), local draws of
// recordUsage on a priced feature until the next snapshot, and credit pools in
// getEntitlements.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSnapshot, EntitlementsClient } from "./load.mjs";

const catalog = {
  features: [
    { id: "ai-credits", type: "credit", units: "credit", unitsPlural: "credits" },
    { id: "image-gen", type: "metered", meter: "incremental", units: "image", creditCost: { creditId: "ai-credits", perUnit: 5 } },
    { id: "summaries", type: "metered", meter: "incremental", creditCost: { creditId: "ai-credits", perUnit: 0.1 } },
    { id: "sso", type: "boolean" },
  ],
  plans: [
    {
      id: "pro",
      entitlements: [
        { featureId: "ai-credits", amount: 1000, resetPeriod: "month", rollover: { maxAmount: 500 } },
        { featureId: "sso" },
      ],
    },
  ],
};

const customer = {
  id: "acme",
  subscriptions: [{ id: "sub-pro", planId: "pro", status: "active", startDate: "2026-01-31T10:00:00Z" }],
  creditGrants: [
    { id: "promo", featureId: "ai-credits", amount: 200, effectiveAt: "2026-02-01T00:00:00Z", expiresAt: "2026-02-20T00:00:00Z", category: "promotional" },
  ],
  creditUsage: [
    { grantId: "promo", used: 50 },
    { featureId: "ai-credits", subscriptionId: "sub-pro", periodStart: "2026-01-31T10:00:00Z", used: 700 },
  ],
};

function clientAt(issued) {
  let now = Date.parse(issued);
  const client = new EntitlementsClient({ now: () => new Date(now) });
  client.applySnapshot(buildSnapshot(catalog, customer, { environment: "test", version: 1, now: new Date(now) }));
  return { client, at: (iso) => (now = Date.parse(iso)) };
}

test("offline: the grant expires at its expiresAt and the plan grant refills with its capped carry, from one snapshot", () => {
  const { client, at } = clientAt("2026-02-10T00:00:00Z");
  const balance = () => client.getCreditEntitlement({ featureId: "ai-credits" }).balance;
  at("2026-02-19T23:59:59.999Z");
  assert.equal(balance(), 450, "300 of the plan grant and 150 of the promotion");
  const before = client.getCreditEntitlement({ featureId: "ai-credits" });
  assert.deepEqual(before.grants.map((g) => g.id), ["promo", "plan:sub-pro"]);
  assert.ok(before.nextExpiry instanceof Date);
  assert.equal(before.nextExpiry.toISOString(), "2026-02-20T00:00:00.000Z");
  at("2026-02-20T00:00:00Z");
  assert.equal(balance(), 300, "the promotion's remainder is gone at its expiresAt");
  at("2026-02-28T09:59:59.999Z");
  assert.equal(balance(), 300);
  at("2026-02-28T10:00:00Z");
  assert.equal(balance(), 1300, "1000 fresh and 300 carried, under the cap");
  at("2026-03-31T10:00:00Z");
  assert.equal(balance(), 1500, "an idle period: the carry reaches the cap of 500");
  // The metered shape of a priced feature follows the same clock.
  const m = client.getMeteredEntitlement({ featureId: "image-gen", options: { requestedUsage: 300 } });
  assert.deepEqual(
    { hasAccess: m.hasAccess, creditId: m.creditId, cost: m.cost, balance: m.balance, isUnlimited: m.isUnlimited },
    { hasAccess: true, creditId: "ai-credits", cost: 1500, balance: 1500, isUnlimited: false },
  );
  const denied = client.getMeteredEntitlement({ featureId: "image-gen", options: { requestedUsage: 301 } });
  assert.equal(denied.accessDeniedReason, "InsufficientCredits");
  assert.equal(denied.usageLimit, undefined);
});

test("recordUsage on a priced feature draws locally in burn order, at most the balance, until the next snapshot", () => {
  const { client, at } = clientAt("2026-02-10T00:00:00Z");
  at("2026-02-10T00:00:00Z");
  const r = client.recordUsage("image-gen", 30); // 150 credits: the promotion first (it expires first)
  assert.deepEqual(r, { currentUsage: 30, creditsDrawn: 150, creditsUncovered: 0 });
  let c = client.getCreditEntitlement({ featureId: "ai-credits", options: { requestedUsage: 300 } });
  assert.equal(c.balance, 300);
  assert.deepEqual(c.draws, [{ grantId: "plan:sub-pro", amount: 300 }]);
  // The grants are those after the local draw, shared between results and frozen.
  assert.deepEqual(c.grants.map((g) => [g.id, g.remaining]), [["promo", 0], ["plan:sub-pro", 300]]);
  assert.equal(client.getCreditEntitlement({ featureId: "ai-credits" }).grants, c.grants);
  assert.ok(Object.isFrozen(c.grants) && Object.isFrozen(c.grants[0]));
  assert.throws(() => c.grants[0].effectiveAt.setTime(0), TypeError);
  // 3 summaries at 0.1: exactly 0.3, no binary rounding.
  assert.deepEqual(client.recordUsage("summaries", 3), { currentUsage: 3, creditsDrawn: 0.3, creditsUncovered: 0 });
  assert.equal(client.getCreditEntitlement({ featureId: "ai-credits" }).balance, 299.7);
  // More than the balance: it counts in full and draws what is left.
  assert.deepEqual(client.recordUsage("image-gen", 100), { currentUsage: 130, creditsDrawn: 299.7, creditsUncovered: 200.3 });
  c = client.getCreditEntitlement({ featureId: "image-gen", options: { requestedUsage: 1 } });
  assert.equal(c.accessDeniedReason, "InsufficientCredits");
  assert.equal(c.balance, 0);
  // A metered feature not priced in credits reports no credits.
  assert.throws(() => client.recordUsage("sso", 1), (e) => e.code === "invalid_usage");
  // The next snapshot replaces the local draws.
  client.applySnapshot(buildSnapshot(catalog, customer, { environment: "test", version: 2, now: new Date("2026-02-10T00:00:00Z") }));
  assert.equal(client.getCreditEntitlement({ featureId: "ai-credits" }).balance, 450);
});

test("getEntitlements lists each pool with a grant in force as a credit result; other kinds of check of a pool answer the fallback", () => {
  const { client, at } = clientAt("2026-02-10T00:00:00Z");
  at("2026-02-10T00:00:00Z");
  const all = client.getEntitlements();
  assert.deepEqual(all.map((e) => e.feature.id), ["ai-credits", "sso"]);
  const pool = all[0];
  assert.deepEqual(pool, client.getCreditEntitlement({ featureId: "ai-credits" }));
  assert.equal(pool.grants[1].effectiveAt.toISOString(), "2026-01-31T10:00:00.000Z");
  assert.equal(pool.grants[1].source, "plan");
  assert.equal(pool.grants[1].category, undefined);
  const wrong = client.getMeteredEntitlement({ featureId: "ai-credits", options: { fallback: { hasAccess: true } } });
  assert.deepEqual(wrong, { hasAccess: true, isFallback: true, feature: pool.feature });
  assert.equal(client.getCreditEntitlement({ featureId: "sso" }).isFallback, true);
  assert.equal(client.getCreditEntitlement({ featureId: "ai-credits", options: { requestedUsage: -1 } }).isFallback, true);
  assert.equal(client.getCreditEntitlement({ featureId: "nope" }).accessDeniedReason, "FeatureNotFound");
  const empty = new EntitlementsClient({ entitlementsFallback: { "ai-credits": { hasAccess: true } } });
  assert.deepEqual(empty.getCreditEntitlement({ featureId: "ai-credits" }), { hasAccess: true, isFallback: true });
});
