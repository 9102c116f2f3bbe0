// The write-path scenarios (tests/scenarios*/, EXTRA_SCENARIOS) through the npm package's
// public API, as far as a client can express them: checks (get*Entitlement), reports that
// are a delta at `now` without an idempotency key (recordUsage), and consumes (a metered
// check, then recordUsage of the requested usage when allowed). Each file runs from a
// snapshot of its initial state, with the client's clock at each step's `at`, up to its
// first step that a client cannot make (a `set`, a timestamp, a key, a batch, a customer
// or catalog change, an expected consume error; history reads are skipped): the server runs those
// (tests/scenarios.rs, tests/worker/scenarios.test.mjs). Local usage follows the core's
// recording rule, so every answer must match.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSnapshot, EntitlementsClient, EntitlementsError, scenarios, mismatch } from "./load.mjs";

const METHOD = { boolean: "getBooleanEntitlement", numeric: "getNumericEntitlement", metered: "getMeteredEntitlement" };

/** Why a client cannot make `step`, or null when it can. */
function inexpressible(step) {
  if (step.op === "check") return null;
  if (step.op === "report") {
    if (step.items) return "a batch";
    if (step.updateBehavior && step.updateBehavior !== "delta") return `updateBehavior ${step.updateBehavior}`;
    if (step.timestamp !== undefined) return "a timestamp";
    if (step.idempotencyKey !== undefined) return "an idempotency key";
    return null;
  }
  if (step.op === "consume") {
    if (step.idempotencyKey !== undefined) return "an idempotency key";
    if (step.expect?.error) return "a consume error (checks never throw)";
    return null;
  }
  return step.op;
}

let total = 0;
for (const { file, scenario } of scenarios()) {
  test(`npm: ${file}: ${scenario.description}`, (t) => {
    let now = new Date(scenario.steps[0].at);
    const bytes = buildSnapshot(scenario.catalog, scenario.customer, { environment: "test", version: 1, now });
    const client = new EntitlementsClient({ now: () => now });
    assert.equal(client.applySnapshot(bytes), true);
    let ran = 0;
    for (const [i, step] of scenario.steps.entries()) {
      const where = `${file} step ${i} (${step.op}${step.description ? `, ${step.description}` : ""})`;
      if (step.op === "history") {
        // A read: skipping it changes nothing that follows.
        t.diagnostic(`skips step ${i}: history is read on the server`);
        continue;
      }
      const why = inexpressible(step);
      if (why) {
        t.diagnostic(`stops at step ${i}: ${why}`);
        break;
      }
      now = new Date(step.at);
      let got;
      if (step.op === "check") {
        const options = step.requestedUsage === undefined ? {} : { requestedUsage: step.requestedUsage };
        got = client[METHOD[step.kind]]({ featureId: step.featureId, options });
      } else if (step.op === "consume") {
        got = client.getMeteredEntitlement({ featureId: step.featureId, options: { requestedUsage: step.requestedUsage } });
        if (got.hasAccess && !got.isFallback) client.recordUsage(step.featureId, step.requestedUsage);
      } else {
        try {
          got = client.recordUsage(step.featureId, step.value);
        } catch (e) {
          assert.ok(e instanceof EntitlementsError, `${where}: ${e}`);
          assert.equal(e.code, step.expect?.error, `${where}: threw ${e.code}: ${e.message}`);
          ran += 1;
          continue;
        }
        assert.equal(step.expect?.error, undefined, `${where}: expected ${step.expect?.error}, got ${JSON.stringify(got)}`);
      }
      if (step.expect) {
        const m = mismatch(step.expect, got);
        assert.equal(m, null, `${where}: ${m}\n    got ${JSON.stringify(got)}`);
      }
      ran += 1;
    }
    t.diagnostic(`${ran} of ${scenario.steps.length} steps`);
    total += ran;
  });
}

test("the npm face ran a real share of the scenario steps", () => {
  // The shared files alone give 34 client-expressible steps; fewer means steps were lost.
  assert.ok(total >= 34, `only ${total} steps ran`);
});
