// What the React tests share: the package loaded as a Node user loads it (both entries'
// wasm by initSync), a catalog from the spec vectors, and snapshots built locally.
import { readFileSync } from "node:fs";
import * as main from "../../pkg/index.js";
import * as clientEntry from "../../pkg/client.js";

main.initSync({ module: readFileSync(new URL("../../pkg/edge_entitlements_bg.wasm", import.meta.url)) });
clientEntry.initSync({ module: readFileSync(new URL("../../pkg/edge_entitlements_client_bg.wasm", import.meta.url)) });

export const { EntitlementsClient } = clientEntry;

/** Plans free < pro < enterprise: `sso` from pro, `audit-log` from enterprise, `api-calls` monthly. */
export const catalog = JSON.parse(readFileSync(new URL("../vectors/lifecycle-trial-active.json", import.meta.url), "utf8")).catalog;

const START = "2026-01-31T10:00:00Z";

/** A customer on `planId`, active, or in trial until `trialEnd` (a Date). */
export function customer(planId, { trialEnd } = {}) {
  const sub = { id: "sub-1", planId, status: trialEnd ? "inTrial" : "active", startDate: START };
  if (trialEnd) sub.trialEndDate = trialEnd.toISOString();
  return { id: "acme", subscriptions: [sub] };
}

/** Snapshot bytes of `state`, version `version`, built at the current time. */
export function snapshot(state, version = 1) {
  return main.buildSnapshot(catalog, state, { environment: "production", version, now: new Date() });
}
