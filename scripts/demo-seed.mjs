// Seeds a running Worker with the demo data of www/demo/ over its HTTP API, with the
// development server key (the Worker itself never seeds). Used by scripts/dev.sh and by
// the end-to-end tests, so both start the demo the same way.
//
//   node scripts/demo-seed.mjs http://127.0.0.1:8787/
//
// Idempotent: the catalog is PUT when missing or different from www/demo/catalog.json;
// each demo customer is PUT (with a little starting usage) when missing; the trial is
// PUT on every start, so it always ends TRIAL_MINUTES after the seeding.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The development server key of `.dev.vars`. */
export const DEV_KEY = "sk_dev_local";
/** How long the demo trial has left right after seeding. */
export const TRIAL_MINUTES = 10;
/** How long the credit customer's paid top-up has left right after seeding. */
export const TOP_UP_MINUTES = 15;

/** Usage given to a demo customer when it is created, so the bars start part full. */
export const STARTING_USAGE = {
  "demo-free": [["api-calls", 612], ["exports", 3], ["seats", 2, "set"]],
  "demo-pro": [["api-calls", 41_250], ["ai-tokens", 12_400], ["exports", 7], ["seats", 9, "set"], ["reports", 4], ["dashboards", 3, "set"]],
  "demo-enterprise": [["api-calls", 212_000], ["ai-tokens", 1_800_000], ["seats", 140, "set"]],
  "demo-trial": [["api-calls", 1_200], ["ai-tokens", 4_100], ["seats", 4, "set"]],
  // 20 images at 5 credits: drawn in burn order, the welcome grant (priority 5) first.
  "demo-credits": [["image-gen", 20]],
};

export function demoCatalog() {
  return JSON.parse(readFileSync(`${root}www/demo/catalog.json`, "utf8"));
}

/**
 * The demo customers, the placeholders filled in relative to `now`: the trial's dates,
 * and the credit customer's subscription start (40 days ago, so it is in its second
 * monthly period) and its paid top-up, which expires TOP_UP_MINUTES after the seeding
 * and gets a new id on every start (a new grant, not the spent one).
 */
export function demoCustomers(now = new Date()) {
  const start = new Date(now.getTime() - 14 * 86_400_000);
  const end = new Date(now.getTime() + TRIAL_MINUTES * 60_000);
  const iso = (d) => `${d.toISOString().slice(0, 19)}Z`;
  const text = readFileSync(`${root}www/demo/customers.json`, "utf8")
    .replaceAll("__TRIAL_START__", iso(start))
    .replaceAll("__TRIAL_END__", iso(end))
    .replaceAll("__CREDIT_START__", iso(new Date(now.getTime() - 40 * 86_400_000)))
    .replaceAll("__TOP_UP_END__", iso(new Date(now.getTime() + TOP_UP_MINUTES * 60_000)))
    .replaceAll("__TOP_UP_ID__", `top-up-${now.getTime()}`);
  return JSON.parse(text);
}

/** JSON with sorted keys, to compare a stored catalog with the file. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Seeds the Worker at `url`. Returns what it did, e.g. `{ catalog: "created",
 * customers: { "demo-free": "kept", "demo-trial": "replaced", ... } }`.
 */
export async function seedDemo(url, { key = DEV_KEY, now = new Date(), log = () => {} } = {}) {
  const base = url.replace(/\/+$/, "");
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => null);
    return { status: res.status, body: data };
  };
  const must = (res, what) => {
    if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  const done = { catalog: "kept", customers: {} };
  const catalog = demoCatalog();
  const current = await call("GET", "/v1/catalog");
  if (current.status === 404 || (current.status === 200 && canonical(current.body.catalog) !== canonical(catalog))) {
    const put = must(await call("PUT", "/v1/catalog", catalog), "PUT /v1/catalog");
    done.catalog = current.status === 404 ? "created" : "replaced";
    log(`catalog ${done.catalog} (version ${put.body.catalogVersion})`);
  } else {
    must(current, "GET /v1/catalog");
  }

  for (const customer of demoCustomers(now)) {
    const id = customer.id;
    const path = `/v1/customers/${encodeURIComponent(id)}`;
    const existing = await call("GET", path);
    const isTrial = customer.subscriptions.some((s) => s.status === "inTrial");
    // Customers with instants relative to the seeding are PUT again on every start.
    const refresh = isTrial || (customer.creditGrants ?? []).some((g) => g.expiresAt);
    if (existing.status === 200 && !refresh) {
      done.customers[id] = "kept";
      continue;
    }
    if (existing.status !== 404) must(existing, `GET ${path}`);
    must(await call("PUT", path, customer), `PUT ${path}`);
    if (existing.status === 404) {
      const reports = (STARTING_USAGE[id] ?? []).map(([featureId, value, updateBehavior = "delta"]) => ({
        customerId: id,
        featureId,
        value,
        updateBehavior,
      }));
      if (reports.length) must(await call("POST", "/v1/usage", reports), "POST /v1/usage");
      done.customers[id] = "created";
    } else {
      done.customers[id] = "replaced";
    }
    const when = isTrial ? ` (trial ends in ${TRIAL_MINUTES} minutes)` : refresh ? ` (top-up expires in ${TOP_UP_MINUTES} minutes)` : "";
    log(`customer ${id} ${done.customers[id]}${when}`);
  }
  return done;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.argv[2] ?? "http://127.0.0.1:8787/";
  seedDemo(url, { log: (m) => console.log(`[seed] ${m}`) }).catch((e) => {
    console.error(`[seed] failed: ${e.message}`);
    process.exit(1);
  });
}
