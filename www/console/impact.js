// The impact of publishing an edited catalog: for every customer of the environment
// (paged), its state is fetched, snapshots are built under the current and the edited
// catalog by the engine, and the decisions of now are compared feature by feature.
import { allCustomerIds, getCustomer } from "./api.js";

/** What a decision grants, as one comparable number (Infinity: unlimited; null: none). */
function amount(d) {
  if (!d) return null;
  if (d.isUnlimited) return Infinity;
  if (d.feature?.type === "credit") return d.balance ?? null;
  return d.usageLimit ?? d.value ?? null;
}

function decisions(engine, catalog, state, now) {
  const bytes = engine.buildSnapshot(catalog, state, { environment: "console-preview", version: 1, now });
  const client = new engine.EntitlementsClient({ now: () => now });
  client.applySnapshot(bytes);
  return new Map(client.getEntitlements().map((d) => [d.feature?.id, d]));
}

/**
 * The changes between two decision maps: `[{ featureId, kind, from, to, reason? }]`, where
 * kind is `gained`/`lost` (access now, e.g. lost when usage is already past a lowered
 * limit) and `raised`/`lowered`/`changed` (the limit, value or balance), both when both
 * change.
 */
export function compareDecisions(before, after) {
  const changes = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id);
    const b = after.get(id);
    const hadAccess = a?.hasAccess === true;
    const hasAccess = b?.hasAccess === true;
    if (hadAccess !== hasAccess) {
      changes.push({ featureId: id, kind: hasAccess ? "gained" : "lost", from: hadAccess, to: hasAccess, reason: b?.accessDeniedReason });
    }
    const x = amount(a);
    const y = amount(b);
    if (x !== y) {
      const kind = x === null || y === null ? "changed" : y > x ? "raised" : "lowered";
      changes.push({ featureId: id, kind, from: x, to: y });
    }
  }
  return changes.sort((p, q) => p.featureId.localeCompare(q.featureId));
}

/**
 * `{ customers: n, changed: [{ customerId, changes }], unfit: [{ customerId, message }], failed }`.
 * `onProgress(done)` after each customer.
 */
export async function previewImpact(engine, currentCatalog, editedCatalog, { onProgress, concurrency = 4 } = {}) {
  const now = new Date();
  const changed = [];
  const unfit = [];
  const failed = [];
  let done = 0;
  const ids = allCustomerIds();
  const worker = async () => {
    for (;;) {
      const next = await ids.next();
      if (next.done) return;
      const customerId = next.value;
      try {
        const state = await getCustomer(customerId);
        let before = new Map();
        try {
          before = currentCatalog ? decisions(engine, currentCatalog, state, now) : new Map();
        } catch {
          // Does not fit the current catalog either: every access under the edit is new.
        }
        let after;
        try {
          after = decisions(engine, editedCatalog, state, now);
        } catch (e) {
          unfit.push({ customerId, message: e.message, details: e.details ?? [] });
          continue;
        }
        const changes = compareDecisions(before, after);
        if (changes.length) changed.push({ customerId, changes });
      } catch (e) {
        failed.push({ customerId, message: e.message });
      } finally {
        done++;
        onProgress?.(done);
      }
    }
  };
  // Workers share the id generator: an async generator queues concurrent next() calls, so
  // each id goes to one worker and pages are fetched as needed.
  const pending = [];
  for (let i = 0; i < concurrency; i++) pending.push(worker());
  await Promise.all(pending);
  const byId = (x, y) => x.customerId.localeCompare(y.customerId);
  return { customers: done, changed: changed.sort(byId), unfit: unfit.sort(byId), failed: failed.sort(byId) };
}
