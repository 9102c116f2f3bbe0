// Node benchmark of the npm package (pkg/): one getMeteredEntitlement on a loaded
// 50-feature snapshot (and a boolean, a numeric and the two credit checks), and one applySnapshot of that
// snapshot; and, in the same run, the peer SDK's local metered check on the same 50
// entitlements (benches/npm/peer.mjs). Prints ns/op and the ratio.
import { readFileSync } from "node:fs";
import { initSync, EntitlementsClient, buildSnapshot } from "../../pkg/index.js";
import { startPeer } from "./peer.mjs";

initSync({ module: readFileSync(new URL("../../pkg/edge_entitlements_bg.wasm", import.meta.url)) });

const FEATURES = 50;
const features = [];
const entitlements = [];
const usage = [];
for (let i = 0; i < FEATURES; i++) {
  const id = `feature-${i}`;
  if (i % 5 === 0) {
    features.push({ id, type: "boolean", displayName: `Feature ${i}` });
    entitlements.push({ featureId: id });
  } else if (i % 5 === 1) {
    features.push({ id, type: "numeric", units: "item" });
    entitlements.push({ featureId: id, value: i });
  } else {
    features.push({ id, type: "metered", meter: "incremental", units: "call", unitsPlural: "calls" });
    entitlements.push({ featureId: id, usageLimit: 1000 * i, resetPeriod: "month" });
    usage.push({ featureId: id, currentUsage: i, periodStart: "2026-02-28T10:00:00Z" });
  }
}
const catalog = { features, plans: [{ id: "pro", entitlements }] };
const customer = {
  id: "acme",
  subscriptions: [{ id: "s1", planId: "pro", status: "active", startDate: "2026-01-31T10:00:00Z" }],
  usage,
};
const now = new Date("2026-03-15T00:00:00Z");
const bytes = buildSnapshot(catalog, customer, { environment: "production", version: 1, now });

function bench(name, iterations, fn) {
  for (let i = 0; i < Math.min(iterations, 100_000); i++) fn(i); // warm up
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  console.log(`${name}: ${best.toFixed(1)} ns/op (best of 5 x ${iterations})`);
  return best;
}

const client = new EntitlementsClient();
client.applySnapshot(bytes);
const metered = [];
for (let i = 2; i < FEATURES; i += 5) metered.push(`feature-${i}`);
const params = metered.map((featureId) => ({ featureId, options: { requestedUsage: 1 } }));
let sink = 0;
const check = client.getMeteredEntitlement({ featureId: "feature-2", options: { requestedUsage: 1 } });
if (!check.hasAccess || check.usageLimit !== 2000) throw new Error(`unexpected answer ${JSON.stringify(check)}`);

const ours = bench(`getMeteredEntitlement (${FEATURES}-feature snapshot, Date.now clock)`, 2_000_000, (i) => {
  sink += client.getMeteredEntitlement(params[i % params.length]).currentUsage;
});
const fixed = new EntitlementsClient({ now: () => now });
fixed.applySnapshot(bytes);
bench("getMeteredEntitlement (fixed `now` option)", 2_000_000, (i) => {
  sink += fixed.getMeteredEntitlement(params[i % params.length]).currentUsage;
});
bench("getBooleanEntitlement", 2_000_000, (i) => {
  sink += client.getBooleanEntitlement({ featureId: "feature-5" }).hasAccess ? 1 : 0;
});
bench("getNumericEntitlement", 2_000_000, () => {
  sink += client.getNumericEntitlement({ featureId: "feature-6" }).value;
});
// Credits (SEMANTICS section 7): a pool with a monthly plan grant with rollover and two
// one-off grants, and a feature priced in it, on their own small snapshot.
const creditCatalog = {
  features: [
    { id: "ai-credits", type: "credit", units: "credit", unitsPlural: "credits" },
    { id: "image-gen", type: "metered", meter: "incremental", units: "image", creditCost: { creditId: "ai-credits", perUnit: 5 } },
  ],
  plans: [{ id: "pro", entitlements: [{ featureId: "ai-credits", amount: 1000, resetPeriod: "month", rollover: { maxAmount: 500 } }] }],
};
const creditCustomer = {
  id: "acme",
  subscriptions: [{ id: "s1", planId: "pro", status: "active", startDate: "2026-01-31T10:00:00Z" }],
  creditGrants: [
    { id: "welcome", featureId: "ai-credits", amount: 50, effectiveAt: "2026-02-01T00:00:00Z", priority: 5, category: "promotional" },
    { id: "top-up", featureId: "ai-credits", amount: 2000, effectiveAt: "2026-02-01T00:00:00Z", expiresAt: "2026-06-01T00:00:00Z", category: "paid" },
  ],
  creditUsage: [
    { grantId: "welcome", used: 20 },
    { featureId: "ai-credits", subscriptionId: "s1", periodStart: "2026-01-31T10:00:00Z", used: 700 },
  ],
};
const credits = new EntitlementsClient({ now: () => now });
credits.applySnapshot(buildSnapshot(creditCatalog, creditCustomer, { environment: "production", version: 1, now }));
const creditCheck = credits.getCreditEntitlement({ featureId: "ai-credits", options: { requestedUsage: 100 } });
if (!creditCheck.hasAccess || creditCheck.grants.length !== 3) throw new Error(`unexpected credit answer ${JSON.stringify(creditCheck)}`);
bench("getCreditEntitlement (pool of 3 grants, with grants and draws)", 200_000, () => {
  sink += credits.getCreditEntitlement({ featureId: "ai-credits", options: { requestedUsage: 100 } }).balance;
});
bench("getMeteredEntitlement of a feature priced in credits", 2_000_000, () => {
  sink += credits.getMeteredEntitlement({ featureId: "image-gen", options: { requestedUsage: 3 } }).balance;
});
const versions = new EntitlementsClient();
const snapshots = [1, 2].map((v) => buildSnapshot(catalog, customer, { environment: "production", version: v, now }));
bench(`applySnapshot (${bytes.length} bytes)`, 5_000, (i) => {
  versions.applySnapshot(snapshots[i & 1]);
});
const peer = await startPeer(features);
const peerCheck = peer.client.getMeteredEntitlement({ featureId: "feature-2", options: { requestedUsage: 1 } });
if (!peerCheck.hasAccess || peerCheck.usageLimit !== 2000) throw new Error(`unexpected peer answer ${JSON.stringify(peerCheck)}`);
const theirs = bench("peer: Stigg JS client SDK getMeteredEntitlement (same 50 entitlements, loaded)", 200_000, (i) => {
  sink += peer.client.getMeteredEntitlement(params[i % params.length]).currentUsage;
});
peer.stop();
console.log(`ratio: ours / peer = ${(ours / theirs).toFixed(3)} (goal <= 0.1)`);
if (sink === 42) console.log("");
process.exit(0);
