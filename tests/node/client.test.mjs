// EntitlementsClient, buildSnapshot and validateCatalog through the public JS API:
// fallbacks, errors, snapshot ordering, local usage, listeners, Dates, bad bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSnapshot, validateCatalog, EntitlementsClient, EntitlementsError, vector } from "./load.mjs";

const base = vector("fallbacks.json"); // pro plan (inherits free), subscription from 2026-01-31T10:00Z
const catalog = base.catalog;
const customer = base.customer;
const NOW = new Date("2026-03-15T00:00:00Z");

function snapshot(version, state = customer, now = NOW) {
  return buildSnapshot(catalog, state, { environment: "production", version, catalogVersion: 7, now });
}
function client(options = {}) {
  return new EntitlementsClient({ now: () => NOW, ...options });
}
function expectError(fn, code, path) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof EntitlementsError, `not an EntitlementsError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "EntitlementsError");
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.equal(e.path, path);
    assert.ok(Array.isArray(e.details) && e.details.length > 0);
    assert.equal(typeof e.message, "string");
    assert.ok(typeof e.stack === "string");
    return true;
  });
}

test("boolean, numeric and metered results have their shapes", () => {
  const c = client();
  assert.equal(c.applySnapshot(snapshot(1)), true);
  const sso = c.getBooleanEntitlement({ featureId: "sso" });
  assert.deepEqual(sso, { hasAccess: true, isFallback: false, feature: { id: "sso", type: "boolean", displayName: "Single sign-on" } });
  const days = c.getNumericEntitlement({ featureId: "retention-days" });
  assert.deepEqual(Object.keys(days), ["hasAccess", "isFallback", "feature", "value", "isUnlimited"]);
  assert.equal(days.value, 30);
  assert.equal(days.isUnlimited, false);
  const calls = c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 10 } });
  assert.deepEqual(Object.keys(calls), [
    "hasAccess", "isFallback", "feature", "isUnlimited", "usageLimit", "currentUsage", "requestedUsage",
    "resetPeriod", "usagePeriodAnchor", "usagePeriodStart", "usagePeriodEnd",
  ]);
  assert.equal(calls.hasAccess, true);
  assert.equal(calls.usageLimit, 50000);
  assert.equal(calls.currentUsage, 0);
  assert.equal(calls.requestedUsage, 10);
  assert.equal(calls.resetPeriod, "month");
  for (const k of ["usagePeriodAnchor", "usagePeriodStart", "usagePeriodEnd"]) assert.ok(calls[k] instanceof Date, k);
  assert.equal(calls.usagePeriodAnchor.toISOString(), "2026-01-31T10:00:00.000Z");
  assert.equal(calls.usagePeriodStart.toISOString(), "2026-02-28T10:00:00.000Z");
  assert.equal(calls.usagePeriodEnd.toISOString(), "2026-03-31T10:00:00.000Z");
  // Absent means absent, not null or undefined-valued.
  assert.ok(!("accessDeniedReason" in calls));
  assert.ok(!("value" in calls));
  assert.equal(calls.feature.unitsPlural, "calls");
  assert.ok(Object.isFrozen(calls.feature));
  // Result dates are shared within a period, so they refuse to change.
  assert.throws(() => calls.usagePeriodEnd.setTime(0), TypeError);
  assert.equal(c.getMeteredEntitlement({ featureId: "api-calls" }).usagePeriodEnd.toISOString(), "2026-03-31T10:00:00.000Z");
  assert.equal(JSON.stringify({ d: calls.usagePeriodStart }), '{"d":"2026-02-28T10:00:00.000Z"}');
});

test("denials are answers with reasons, not errors", () => {
  const c = client();
  c.applySnapshot(snapshot(1));
  assert.deepEqual(c.getBooleanEntitlement({ featureId: "nope" }), { hasAccess: false, isFallback: false, accessDeniedReason: "FeatureNotFound" });
  const audit = c.getBooleanEntitlement({ featureId: "audit-log" });
  assert.equal(audit.hasAccess, false);
  assert.equal(audit.accessDeniedReason, "NoFeatureEntitlementInSubscription");
  const over = c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 50001 } });
  assert.equal(over.hasAccess, false);
  assert.equal(over.accessDeniedReason, "RequestedUsageExceedingLimit");
  const archived = client();
  archived.applySnapshot(snapshot(1, { ...customer, archived: true }));
  assert.equal(archived.getBooleanEntitlement({ featureId: "nope" }).accessDeniedReason, "CustomerIsArchived");
  const none = client();
  none.applySnapshot(snapshot(1, { id: "acme" }));
  assert.equal(none.getBooleanEntitlement({ featureId: "sso" }).accessDeniedReason, "NoActiveSubscription");
});

test("time moves the answer: usage periods roll over from the snapshot alone", () => {
  let now = NOW;
  const c = new EntitlementsClient({ now: () => now });
  c.applySnapshot(snapshot(1, { ...customer, usage: [{ featureId: "api-calls", currentUsage: 49990, periodStart: "2026-02-28T10:00:00Z" }] }));
  assert.equal(c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 20 } }).hasAccess, false);
  now = new Date("2026-04-01T00:00:00Z");
  const next = c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 20 } });
  assert.equal(next.hasAccess, true);
  assert.equal(next.currentUsage, 0);
  assert.equal(next.usagePeriodStart.toISOString(), "2026-03-31T10:00:00.000Z");
});

test("fallbacks: per call, else the client's, else the default", () => {
  const fb = { "api-calls": { hasAccess: true, usageLimit: 3 }, sso: { hasAccess: true } };
  const c = client({ entitlementsFallback: fb });
  // No snapshot: fallback answers, no feature.
  assert.deepEqual(c.getMeteredEntitlement({ featureId: "api-calls" }), { hasAccess: true, isFallback: true, usageLimit: 3 });
  assert.deepEqual(
    c.getMeteredEntitlement({ featureId: "api-calls", options: { fallback: { hasAccess: false, usageLimit: 1, isUnlimited: false } } }),
    { hasAccess: false, isFallback: true, isUnlimited: false, usageLimit: 1 },
  );
  assert.deepEqual(c.getNumericEntitlement({ featureId: "other" }), { hasAccess: false, isFallback: true, accessDeniedReason: "Unknown" });
  assert.deepEqual(c.getNumericEntitlement({ featureId: "other", options: { fallback: { hasAccess: true, value: 9 } } }), {
    hasAccess: true, isFallback: true, value: 9,
  });
  assert.deepEqual(c.getEntitlements(), []);
  assert.equal(c.snapshotInfo, null);
  // Inherited object keys are not fallbacks.
  assert.equal(c.getBooleanEntitlement({ featureId: "constructor" }).accessDeniedReason, "Unknown");
  // With a snapshot: a wrong kind of check answers with the fallback, feature included.
  c.applySnapshot(snapshot(1));
  const wrong = c.getMeteredEntitlement({ featureId: "sso" });
  assert.equal(wrong.isFallback, true);
  assert.equal(wrong.hasAccess, true);
  assert.equal(wrong.feature.id, "sso");
  assert.deepEqual(client().getNumericEntitlement({ featureId: "sso" }), { hasAccess: false, isFallback: true, accessDeniedReason: "Unknown" });
  // An invalid requestedUsage is not an error: it answers with the fallback.
  const neg = c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: -1 } });
  assert.deepEqual({ ...neg, feature: undefined }, { hasAccess: true, isFallback: true, usageLimit: 3, feature: undefined });
  // Without any snapshot content a check never throws.
  assert.doesNotThrow(() => c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: "x" } }));
});

test("getEntitlements lists what the customer has, in catalog order", () => {
  const c = client();
  c.applySnapshot(snapshot(1));
  const all = c.getEntitlements();
  const ids = all.map((e) => e.feature.id);
  assert.deepEqual(ids, ["sso", "retention-days", "api-calls", "seats", "exports", "ai-tokens", "reports"]);
  for (const e of all) {
    const method = { boolean: "getBooleanEntitlement", numeric: "getNumericEntitlement", metered: "getMeteredEntitlement" }[e.feature.type];
    assert.deepEqual(e, c[method]({ featureId: e.feature.id }));
  }
});

test("applySnapshot: newer and equal versions apply, older ones are ignored", () => {
  const c = client();
  const seen = [];
  c.addListener((info) => seen.push(info.version));
  assert.equal(c.applySnapshot(snapshot(2)), true);
  assert.equal(c.applySnapshot(snapshot(1)), false);
  assert.equal(c.snapshotInfo.version, 2);
  assert.equal(c.applySnapshot(snapshot(2)), true);
  assert.equal(c.applySnapshot(snapshot(5).buffer), true, "an ArrayBuffer is accepted");
  assert.deepEqual(seen, [2, 2, 5]);
  // Another customer's stream is not ordered against this one.
  assert.equal(c.applySnapshot(snapshot(1, { ...customer, id: "globex" })), true);
  assert.equal(c.snapshotInfo.customerId, "globex");
});

test("snapshotInfo has Dates and the build options", () => {
  const c = client();
  c.applySnapshot(snapshot(3));
  const info = c.snapshotInfo;
  assert.deepEqual(Object.keys(info), ["customerId", "environment", "version", "catalogVersion", "issuedAt", "validUntil"]);
  assert.equal(info.customerId, "acme");
  assert.equal(info.environment, "production");
  assert.equal(info.version, 3);
  assert.equal(info.catalogVersion, 7);
  assert.ok(info.issuedAt instanceof Date && info.validUntil instanceof Date);
  assert.equal(info.issuedAt.getTime(), NOW.getTime());
  assert.ok(info.validUntil > info.issuedAt);
  info.issuedAt.setTime(0);
  assert.equal(c.snapshotInfo.issuedAt.getTime(), NOW.getTime(), "callers get their own Dates");
});

test("listeners run after each applied snapshot and can be removed", () => {
  const c = client();
  const calls = [];
  const a = (info) => calls.push(["a", info.version, c.getBooleanEntitlement({ featureId: "sso" }).hasAccess]);
  const b = (info) => calls.push(["b", info.version]);
  c.addListener(a);
  const removeB = c.addListener(b);
  c.applySnapshot(snapshot(1));
  removeB();
  c.applySnapshot(snapshot(2));
  c.removeListener(a);
  c.applySnapshot(snapshot(3));
  c.applySnapshot(snapshot(0)); // older: no call
  assert.deepEqual(calls, [["a", 1, true], ["b", 1], ["a", 2, true]]);
  assert.throws(() => c.addListener("nope"), EntitlementsError);
});

test("recordUsage counts locally until the next applied snapshot", () => {
  const c = client();
  assert.equal(c.recordUsage("api-calls", 5), null, "no snapshot: nothing to count against");
  c.applySnapshot(snapshot(1));
  const r = c.recordUsage("api-calls", 49_000);
  assert.equal(r.currentUsage, 49_000);
  assert.equal(r.usagePeriodStart.toISOString(), "2026-02-28T10:00:00.000Z");
  assert.equal(r.usagePeriodEnd.toISOString(), "2026-03-31T10:00:00.000Z");
  assert.equal(c.recordUsage("api-calls", 500).currentUsage, 49_500);
  const m = c.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 501 } });
  assert.equal(m.currentUsage, 49_500);
  assert.equal(m.hasAccess, false);
  assert.equal(c.recordUsage("api-calls", -100_000).currentUsage, 0, "never below 0");
  c.recordUsage("api-calls", 7);
  assert.equal(c.applySnapshot(snapshot(0)), false);
  assert.equal(c.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage, 7, "an ignored snapshot keeps local usage");
  c.applySnapshot(snapshot(2, { ...customer, usage: [{ featureId: "api-calls", currentUsage: 3, periodStart: "2026-02-28T10:00:00Z" }] }));
  assert.equal(c.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage, 3, "the new snapshot replaces local usage");
  const seats = c.recordUsage("seats", 2);
  assert.deepEqual(seats, { currentUsage: 2 }, "a fluctuating meter has no period");
  // The core's recording rule decides (SEMANTICS section 6): the same codes as the Worker's.
  expectError(() => c.recordUsage("sso", 1), "invalid_usage", "featureId");
  expectError(() => c.recordUsage("nope", 1), "invalid_usage", "featureId");
  expectError(() => c.recordUsage("api-calls", NaN), "invalid_usage", "amount");
  expectError(() => c.recordUsage("api-calls", 2 ** 53), "invalid_usage", "amount");
  expectError(() => c.recordUsage("api-calls", "5"), "invalid_usage", "amount");
  const before = c.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage;
  c.recordUsage("api-calls", 2 ** 53 - 1 - before);
  expectError(() => c.recordUsage("api-calls", 1), "invalid_usage", "amount");
  assert.equal(c.getMeteredEntitlement({ featureId: "api-calls" }).currentUsage, 2 ** 53 - 1, "a refused report counts nothing");
});

test("validateCatalog and buildSnapshot throw EntitlementsError with code, path and every violation", () => {
  assert.equal(validateCatalog(catalog), undefined);
  expectError(() => validateCatalog({ features: [{ id: "x", type: "nope" }] }), "invalid_catalog", "features[0].type");
  expectError(() => validateCatalog({ features: [], typo: 1 }), "invalid_catalog");
  const bad = structuredClone(catalog);
  bad.plans[1].parentPlanId = "gold";
  bad.plans[0].entitlements[0].featureId = "missing";
  assert.throws(() => validateCatalog(bad), (e) => {
    assert.equal(e.code, "invalid_catalog");
    assert.ok(e.details.length >= 2, JSON.stringify(e.details));
    assert.ok(e.details.every((d) => typeof d.path === "string" && typeof d.message === "string"));
    assert.equal(e.path, e.details[0].path);
    assert.match(e.message, /and \d+ more error/);
    return true;
  });
  expectError(() => validateCatalog(42), "invalid_catalog");
  expectError(() => validateCatalog("{not json"), "invalid_catalog");
  expectError(() => buildSnapshot(bad, customer, { environment: "p", version: 1 }), "invalid_catalog");
  expectError(() => buildSnapshot(catalog, { ...customer, subscriptions: [{ ...customer.subscriptions[0], planId: "gold" }] }, { environment: "p", version: 1 }), "invalid_customer");
  expectError(() => buildSnapshot(catalog, { id: "a", extra: 1 }, { environment: "p", version: 1 }), "invalid_customer");
  expectError(() => buildSnapshot(catalog, null, { environment: "p", version: 1 }), "invalid_customer");
  expectError(() => buildSnapshot(catalog, customer, { environment: "p", version: -1 }), "invalid_argument", "version");
  expectError(() => buildSnapshot(catalog, customer, { environment: "p", version: 1.5 }), "invalid_argument", "version");
  expectError(() => buildSnapshot(catalog, customer, { version: 1 }), "invalid_argument", "environment");
  expectError(() => buildSnapshot(catalog, customer, { environment: "p", version: 1, catalogVersion: "2" }), "invalid_argument", "catalogVersion");
  expectError(() => buildSnapshot(catalog, customer, { environment: "p", version: 1, now: new Date(NaN) }), "invalid_argument", "now");
  const bytes = buildSnapshot(catalog, customer, { environment: "p", version: 1 });
  assert.ok(bytes instanceof Uint8Array && bytes.length > 10);
});

test("corrupt, truncated, foreign and future bytes are EntitlementsErrors; the held snapshot stays", () => {
  const c = client();
  const good = snapshot(4);
  c.applySnapshot(good);
  const corrupt = good.slice();
  corrupt[corrupt.length - 3] ^= 0xff;
  expectError(() => c.applySnapshot(corrupt), "invalid_snapshot");
  expectError(() => c.applySnapshot(good.slice(0, good.length - 1)), "invalid_snapshot");
  expectError(() => c.applySnapshot(good.slice(0, 5)), "invalid_snapshot");
  expectError(() => c.applySnapshot(new Uint8Array(0)), "invalid_snapshot");
  expectError(() => c.applySnapshot(new TextEncoder().encode('{"formatVersion":1}')), "invalid_snapshot");
  expectError(() => c.applySnapshot("EEsn"), "invalid_snapshot");
  const future = good.slice();
  future[4] += 1; // format version, u16 LE after the 4 magic bytes: the next one
  expectError(() => c.applySnapshot(future), "unsupported_snapshot_version");
  // Every truncation and many single-byte flips: an error or a valid answer, never a crash.
  for (let n = 0; n < good.length; n += 7) {
    assert.throws(() => c.applySnapshot(good.slice(0, n)), EntitlementsError);
  }
  for (let i = 0; i < good.length; i += 3) {
    const flipped = good.slice();
    flipped[i] ^= 0x5a;
    assert.throws(() => c.applySnapshot(flipped), EntitlementsError, `byte ${i}`);
  }
  assert.equal(c.snapshotInfo.version, 4);
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).hasAccess, true);
});

test("a bad `now` never makes a check throw", () => {
  const c = new EntitlementsClient({ now: () => new Date(NaN) });
  c.applySnapshot(snapshot(1));
  const r = c.getBooleanEntitlement({ featureId: "sso", options: { fallback: { hasAccess: true } } });
  assert.deepEqual(r, { hasAccess: true, isFallback: true });
});

test("the next snapshot of the same catalog keeps the feature objects; a new catalog replaces them", () => {
  const c = client();
  assert.equal(c.applySnapshot(snapshot(1)), true);
  const first = c.getBooleanEntitlement({ featureId: "sso" }).feature;
  assert.equal(c.applySnapshot(snapshot(2)), true);
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).feature, first, "shared feature table, same object");

  // A new catalog version: sso renamed, a new feature added.
  const next = structuredClone(catalog);
  next.features.find((f) => f.id === "sso").displayName = "SAML single sign-on";
  next.features.push({ id: "beta-flag", type: "boolean" });
  next.plans.find((p) => p.id === "pro").entitlements.push({ featureId: "beta-flag" });
  const bytes = buildSnapshot(next, customer, { environment: "production", version: 3, catalogVersion: 8, now: NOW });
  assert.equal(c.applySnapshot(bytes), true);
  const sso = c.getBooleanEntitlement({ featureId: "sso" });
  assert.equal(sso.feature.displayName, "SAML single sign-on");
  assert.notEqual(sso.feature, first);
  assert.equal(c.getBooleanEntitlement({ featureId: "beta-flag" }).hasAccess, true);
});

test("one client follows time: answers reused within their window are recomputed past it", () => {
  // A daily calendar limit and a trial ending mid-day: the same snapshot, a moving clock.
  const cat = {
    features: [
      { id: "calls", type: "metered", meter: "incremental" },
      { id: "sso", type: "boolean" },
    ],
    plans: [{ id: "p", entitlements: [{ featureId: "calls", usageLimit: 10, resetPeriod: "day", resetAnchor: "calendar" }, { featureId: "sso" }] }],
  };
  const state = {
    id: "c",
    subscriptions: [{ id: "s", planId: "p", status: "inTrial", startDate: "2026-03-01T00:00:00Z", trialEndDate: "2026-03-03T12:00:00Z" }],
    usage: [{ featureId: "calls", currentUsage: 7, periodStart: "2026-03-02T00:00:00Z" }],
  };
  let now = Date.parse("2026-03-02T10:00:00Z");
  const c = new EntitlementsClient({ now: () => new Date(now) });
  c.applySnapshot(buildSnapshot(cat, state, { environment: "t", version: 1, now: new Date(now) }));
  const calls = (requestedUsage) => c.getMeteredEntitlement({ featureId: "calls", options: { requestedUsage } });
  assert.equal(calls(3).hasAccess, true);
  assert.equal(calls(4).hasAccess, false, "another requestedUsage is another answer");
  assert.equal(calls(3).hasAccess, true);
  const first = calls(0);
  assert.equal(calls(0).currentUsage, 7);
  assert.notEqual(calls(0), first, "each call returns its own object");
  now = Date.parse("2026-03-02T23:59:59.999Z");
  assert.equal(calls(0).currentUsage, 7);
  now = Date.parse("2026-03-03T00:00:00Z"); // the day rolled over: the usage counts 0
  assert.equal(calls(0).currentUsage, 0);
  assert.equal(calls(0).usagePeriodStart.toISOString(), "2026-03-03T00:00:00.000Z");
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).hasAccess, true);
  now = Date.parse("2026-03-03T12:00:00Z"); // the trial ended
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).accessDeniedReason, "NoActiveSubscription");
  assert.equal(calls(0).hasAccess, false);
  now = Date.parse("2026-03-03T11:59:59Z"); // a clock set back answers for its instant again
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).hasAccess, true);
  c.recordUsage("calls", 2);
  assert.equal(calls(0).currentUsage, 2, "recorded usage is seen at once");
});

test("the last and first representable instants answer (no period loop at year 9999 or 0000)", () => {
  const cat = {
    features: [{ id: "calls", type: "metered", meter: "incremental" }],
    plans: [{ id: "p", entitlements: [{ featureId: "calls", usageLimit: 10, resetPeriod: "month" }] }],
  };
  const state = { id: "c", subscriptions: [{ id: "s", planId: "p", status: "active", startDate: "0000-01-31T00:00:00Z" }] };
  for (const ms of [253402300799999, -62167219200000]) {
    const bytes = buildSnapshot(cat, state, { environment: "t", version: 1, now: ms });
    const c = new EntitlementsClient({ now: () => new Date(ms) });
    c.applySnapshot(bytes);
    assert.equal(typeof c.getMeteredEntitlement({ featureId: "calls" }).hasAccess, "boolean");
  }
});

test("nextChange: the next instant an answer changes by itself, moving on past the snapshot's validUntil", () => {
  const trial = vector("lifecycle-trial-active.json"); // pro in trial until 2026-03-20, exports daily
  let now = Date.parse("2026-03-19T12:00:00Z");
  const c = new EntitlementsClient({ now: () => new Date(now) });
  assert.equal(c.nextChange(), null, "no snapshot");
  c.applySnapshot(buildSnapshot(trial.catalog, trial.customer, { environment: "production", version: 1, now: new Date(now) }));
  assert.equal(c.snapshotInfo.validUntil.toISOString(), "2026-03-20T00:00:00.000Z");
  assert.equal(c.nextChange().toISOString(), "2026-03-20T00:00:00.000Z");
  now = Date.parse("2026-03-19T23:59:59.999Z");
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).hasAccess, true);
  assert.equal(c.nextChange().toISOString(), "2026-03-20T00:00:00.000Z");
  // Past it: nothing grants any more, nothing changes by itself.
  now = Date.parse("2026-03-20T00:00:00Z");
  assert.equal(c.getBooleanEntitlement({ featureId: "sso" }).hasAccess, false);
  assert.equal(c.nextChange(), null);
  // An active subscription: the daily period of `exports` rolls over every midnight.
  const active = { ...trial.customer, subscriptions: [{ ...trial.customer.subscriptions[0], status: "active", trialEndDate: undefined }] };
  delete active.subscriptions[0].trialEndDate;
  c.applySnapshot(buildSnapshot(trial.catalog, active, { environment: "production", version: 2, now: new Date(now) }));
  assert.equal(c.nextChange().toISOString(), "2026-03-21T00:00:00.000Z");
  now = Date.parse("2026-03-22T05:00:00Z"); // two days on, the same snapshot
  assert.equal(c.snapshotInfo.validUntil.toISOString(), "2026-03-21T00:00:00.000Z");
  assert.equal(c.nextChange().toISOString(), "2026-03-23T00:00:00.000Z");
  assert.ok(c.nextChange() !== c.nextChange(), "a fresh Date each call");
});
