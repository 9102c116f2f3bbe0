// Every write-path scenario (tests/scenarios/, tests/scenarios-extra/, EXTRA_SCENARIOS)
// through the Worker on real workerd, with the test clock (TEST_CLOCK="true" and `x-test-now` on every request): the
// catalog is PUT, the customer PUT (under a fresh id), then each step is the HTTP request
// of SCENARIOS.md at its `at`. A step expected to fail must fail with the code's status and
// code, and must change nothing: the customer state (usage included) and its whole usage
// history are read back before and after and compared.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, client, DEV_KEY, BINDINGS, uniqueId } from "./helpers.mjs";
import { scenarios, mismatch } from "../node/load.mjs";

let w, api;
before(async () => {
  w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
  api = client(w.url, DEV_KEY);
});
after(async () => w?.stop());

const STATUS = { invalid_usage: 422, idempotency_conflict: 409 };
const REPORT_FIELDS = ["featureId", "value", "updateBehavior", "timestamp", "idempotencyKey"];

function pick(step, names) {
  const out = {};
  for (const n of names) if (step[n] !== undefined) out[n] = step[n];
  return out;
}

/** The HTTP request of one step, at `step.at`; returns `{ status, body }` with the body as SCENARIOS.md shapes it. */
async function send(step, id) {
  const at = { "x-test-now": step.at };
  switch (step.op) {
    case "report": {
      const body = step.items
        ? step.items.map((i) => ({ customerId: id, ...i }))
        : { customerId: id, ...pick(step, REPORT_FIELDS) };
      const r = await api.post("/v1/usage", body, at);
      return step.items && r.status === 200 ? { status: 200, body: { results: r.body } } : r;
    }
    case "consume":
      return api.post("/v1/check", { customerId: id, consume: true, ...pick(step, ["featureId", "requestedUsage", "idempotencyKey"]) }, at);
    case "check":
      return api.post("/v1/check", { customerId: id, ...pick(step, ["featureId", "requestedUsage"]) }, at);
    case "history": {
      const q = new URLSearchParams(pick(step, ["featureId", "from", "to"]));
      return api.get(`/v1/customers/${encodeURIComponent(id)}/usage${q.size ? `?${q}` : ""}`, at);
    }
    case "putCustomer":
      return api.put(`/v1/customers/${encodeURIComponent(id)}`, { ...step.customer, id }, at);
    case "putCatalog":
      return api.put("/v1/catalog", step.catalog, at);
    default:
      throw new Error(`unknown op ${step.op}`);
  }
}

/** Everything a rejected step must leave as it was: the state with its counters, and all history. */
async function stored(id, at) {
  const h = { "x-test-now": at };
  const [state, history] = await Promise.all([
    api.get(`/v1/customers/${encodeURIComponent(id)}`, h),
    api.get(`/v1/customers/${encodeURIComponent(id)}/usage`, h),
  ]);
  assert.equal(state.status, 200);
  assert.equal(history.status, 200);
  return JSON.stringify([state.body, history.body]);
}

/** History rows compare whole: a period field an expected row leaves out must be absent. */
function expectation(step) {
  if (step.op !== "history" || !step.expect?.rows) return step.expect;
  return { ...step.expect, rows: step.expect.rows.map((r) => ({ periodStart: null, periodEnd: null, ...r })) };
}

// Seeded scenarios need `usage` in the initial state, which the API never takes.
const all = scenarios({ seeded: false });
test("there are scenarios", () => assert.ok(all.length > 0));

for (const { file, scenario } of all) {
  test(`worker: ${file}: ${scenario.description}`, async () => {
    const id = uniqueId(`sc-${scenario.customer.id}`);
    const cat = await api.put("/v1/catalog", scenario.catalog);
    assert.equal(cat.status, 200, JSON.stringify(cat.body));
    const { usage = [], ...state } = scenario.customer;
    assert.equal(usage.length, 0, "scenarios seeding usage are not expressible through the API");
    const put = await api.put(`/v1/customers/${encodeURIComponent(id)}`, { ...state, id }, { "x-test-now": scenario.steps[0].at });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const failures = [];
    for (const [i, step] of scenario.steps.entries()) {
      const where = `${file} step ${i} (${step.op}${step.description ? `, ${step.description}` : ""})`;
      const error = step.expect?.error;
      const before = error ? await stored(id, step.at) : null;
      const r = await send(step, id);
      if (error) {
        if (r.status !== STATUS[error] || r.body?.error?.code !== error) {
          failures.push(`${where}: expected ${STATUS[error]} ${error}, got ${r.status} ${JSON.stringify(r.body)}`);
        } else if ((await stored(id, step.at)) !== before) {
          failures.push(`${where}: the rejected request changed stored state`);
        }
        continue;
      }
      if (r.status !== 200 && r.status !== 201) {
        failures.push(`${where}: ${r.status} ${JSON.stringify(r.body)}`);
        continue;
      }
      if (step.expect) {
        const m = mismatch(expectation(step), r.body);
        if (m) failures.push(`${where}: ${m}\n    got ${JSON.stringify(r.body)}`);
      }
    }
    assert.deepEqual(failures, [], `\n${failures.join("\n")}`);
  });
}
