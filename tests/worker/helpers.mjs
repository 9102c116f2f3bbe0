// Shared helpers of the Worker integration tests: the built Worker (build/) on real
// workerd, through Miniflare from npm (no mocks of KV or Durable Objects).
import { Miniflare } from "miniflare";
import { mkdtempSync, rmSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));

// The documented development defaults (.dev.vars).
export const DEV_KEY = "sk_dev_local";
export const STAGING_KEY = "sk_test_local";
export const TOKEN_SECRET = "dev-token-secret-not-for-production-0123456789";
export const BINDINGS = {
  SERVER_KEYS: `development:${DEV_KEY},staging:${STAGING_KEY}`,
  TOKEN_SECRET,
};

export function tempDir(prefix = "ee-worker-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts the built Worker on workerd; returns `{ mf, url, stop }` (url ends with `/`). */
export async function startWorker({ persistDir, bindings = BINDINGS } = {}) {
  if (!existsSync(join(root, "build/index.js"))) throw new Error("build/index.js missing: run scripts/build-worker.sh");
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(root, "build/index.js"),
    modulesRoot: join(root, "build"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-26",
    kvNamespaces: ["CATALOGS"],
    durableObjects: {
      CUSTOMERS: { className: "CustomerObject", useSQLite: true },
      ENVIRONMENTS: { className: "EnvironmentObject", useSQLite: true },
    },
    bindings,
    host: "127.0.0.1",
    port: 0,
    ...(persistDir ? { kvPersist: join(persistDir, "kv"), durableObjectsPersist: join(persistDir, "do") } : {}),
  });
  const url = (await mf.ready).toString();
  return { mf, url, stop: () => mf.dispose() };
}

/** A small HTTP client for one base URL and credential. */
export function client(url, key) {
  const call = async (method, path, body, headers = {}) => {
    const h = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    let payload;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] = "application/json";
    }
    const res = await fetch(new URL(path.replace(/^\//, ""), url), { method, headers: h, body: payload });
    const type = res.headers.get("content-type") || "";
    let data = null;
    if (type.includes("application/json")) data = await res.json();
    else if (res.status !== 304) data = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: data };
  };
  return {
    get: (p, h) => call("GET", p, undefined, h),
    put: (p, b, h) => call("PUT", p, b, h),
    post: (p, b, h) => call("POST", p, b, h),
    call,
  };
}

/** The catalog used by the tests. */
export const CATALOG = {
  features: [
    { id: "sso", type: "boolean", displayName: "Single sign-on" },
    { id: "retention-days", type: "numeric", units: "day", unitsPlural: "days" },
    { id: "api-calls", type: "metered", meter: "incremental", units: "call" },
    { id: "seats", type: "metered", meter: "fluctuating", units: "seat" },
    { id: "credits", type: "metered", meter: "incremental" },
  ],
  products: [{ id: "app" }],
  plans: [
    {
      id: "free",
      productId: "app",
      entitlements: [
        { featureId: "api-calls", usageLimit: 1000, resetPeriod: "month" },
        { featureId: "retention-days", value: 7 },
        { featureId: "seats", usageLimit: 3 },
        { featureId: "credits", usageLimit: 100 },
      ],
    },
    { id: "pro", productId: "app", parentPlanId: "free", entitlements: [{ featureId: "sso" }] },
  ],
  addons: [],
};

/** A customer state (no usage) on `planId`. */
export function customer(id, planId = "pro") {
  return {
    id,
    subscriptions: [{ id: "sub-1", planId, status: "active", startDate: "2026-01-01T00:00:00Z" }],
    promotionalEntitlements: [],
  };
}

let seq = 0;
/** A customer id unique within the test run. */
export function uniqueId(prefix = "cust") {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

/**
 * The npm package from pkg/ (built by scripts/test-worker.sh when missing, or `npm run
 * build:pkg`). Throws when it is not built: a suite that decodes with it must not pass
 * without it.
 */
export async function loadPkg() {
  const index = join(root, "pkg/index.js");
  const wasm = join(root, "pkg/edge_entitlements_bg.wasm");
  if (!existsSync(index) || !existsSync(wasm)) {
    throw new Error("pkg/ is not built (pkg/index.js, pkg/edge_entitlements_bg.wasm): run scripts/build-pkg.sh");
  }
  const pkg = await import(index);
  pkg.initSync({ module: readFileSync(wasm) });
  return pkg;
}

/** Resolves with the first message satisfying `pred` on a `ws` WebSocket, or rejects after `ms`. */
export function nextMessage(ws, pred = () => true, ms = 2000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off("message", on);
      reject(new Error(`no matching WebSocket message within ${ms} ms`));
    }, ms);
    const on = (data, isBinary) => {
      if (!pred(data, isBinary)) return;
      clearTimeout(timer);
      ws.off("message", on);
      resolve({ data, isBinary, at: performance.now() });
    };
    ws.on("message", on);
  });
}

/**
 * Calls an operation of the environment object of `environment` directly (test set-up
 * only, e.g. to drop a live registration as a lost notice would); returns its JSON.
 */
export async function envObject(mf, environment, method, path, body) {
  const ns = await mf.getDurableObjectNamespace("ENVIRONMENTS");
  const stub = ns.get(ns.idFromName(environment));
  const res = await stub.fetch(`https://environment-object.internal${path}`, {
    method,
    headers: { "x-ee-env": environment, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (res.status !== 200) throw new Error(`environment object ${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}
