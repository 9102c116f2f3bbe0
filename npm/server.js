// `edge-entitlements/server`: a client of the Worker's HTTP API (spec/API.md section 3)
// for back ends on Node 20+, Workers, Deno, Bun: anything with `fetch`. Plain JS that
// imports nothing, so that it stays out of the wasm entries' bundles and they out of it.
//
// Retries (docs/decisions.md, "Server client"): network errors, 429 and 5xx are retried
// with exponential backoff and full jitter, 429/503 after their `Retry-After`. Every call
// retried is safe to repeat: reads, PUTs (the same state again), token minting (stores
// only its audit entry) and the writes that carry an idempotency key, which this client generates per
// usage report, consume and credit grant when the caller gives none. Other 4xx never retry.

/** Calls retried by default after the first attempt. */
const DEFAULT_RETRIES = 3;
/** Backoff of retry n (from 0): a random delay in [0, min(max, base * 2^n)). */
const DEFAULT_BASE_DELAY_MS = 100;
const DEFAULT_MAX_DELAY_MS = 5_000;
/** A `Retry-After` longer than this is not waited for: the 429/503 is thrown. */
const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;
/** Per attempt; 0 turns it off. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * An error of the Worker API (`status` and its stable `code`, `message`, `details`), or of
 * the call itself (`status` 0: `network_error`, `timeout`, `invalid_argument`,
 * `invalid_response`).
 */
export class EntitlementsError extends Error {
  constructor(message, { status = 0, code = "unknown", details = [], retryAfterMs, attempts, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "EntitlementsError";
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
    const path = this.details[0]?.path;
    if (typeof path === "string") this.path = path;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
    if (attempts !== undefined) this.attempts = attempts;
  }
}

const invalidArgument = (message) => new EntitlementsError(message, { code: "invalid_argument" });

/** An RFC 3339 string from a `Date` (or a string, passed as it is; the Worker judges it). */
function instant(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidArgument(`\`${name}\` is an invalid Date`);
    return value.toISOString();
  }
  throw invalidArgument(`\`${name}\` must be a Date or an RFC 3339 string`);
}

/** The RFC 3339 strings of `obj` at `keys` as `Date`s (answers carry dates as strings). */
function dated(obj, keys) {
  if (obj === null || typeof obj !== "object") return obj;
  for (const k of keys) if (typeof obj[k] === "string") obj[k] = new Date(obj[k]);
  return obj;
}

const GRANT_DATES = ["effectiveAt", "expiresAt"];
const PERIOD_DATES = ["usagePeriodStart", "usagePeriodEnd"];

function decision(d) {
  dated(d, ["usagePeriodAnchor", ...PERIOD_DATES, "nextExpiry"]);
  if (Array.isArray(d?.grants)) for (const g of d.grants) dated(g, GRANT_DATES);
  return d;
}

function customerId(id) {
  if (typeof id !== "string" || id === "") throw invalidArgument("a customer id must be a non-empty string");
  return encodeURIComponent(id);
}

function newKey() {
  return globalThis.crypto.randomUUID();
}

/** A usage report as sent: a key of its own, `timestamp` as RFC 3339. */
function report(r, name) {
  if (r === null || typeof r !== "object") throw invalidArgument(`${name} must be an object`);
  const out = { ...r, idempotencyKey: r.idempotencyKey ?? newKey() };
  if (r.timestamp !== undefined) out.timestamp = instant(r.timestamp, `${name}.timestamp`);
  return out;
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
function retryAfterMs(res) {
  const v = res.headers.get("retry-after");
  if (v === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The caller's signal and the per-attempt timeout as one signal. */
function attemptSignal(signal, timeoutMs) {
  const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  if (!signal) return { signal: timeout, timeout };
  if (!timeout) return { signal, timeout };
  if (typeof AbortSignal.any === "function") return { signal: AbortSignal.any([signal, timeout]), timeout };
  const both = new AbortController();
  for (const s of [signal, timeout]) s.addEventListener("abort", () => both.abort(s.reason), { once: true });
  return { signal: both.signal, timeout };
}

async function errorOf(res, what, attempts) {
  let body;
  try {
    body = await res.json();
  } catch {}
  const e = body?.error;
  const after = res.status === 429 || res.status === 503 ? retryAfterMs(res) : undefined;
  if (e && typeof e.code === "string") {
    return new EntitlementsError(typeof e.message === "string" ? e.message : e.code, {
      status: res.status,
      code: e.code,
      details: e.details,
      retryAfterMs: after,
      attempts,
    });
  }
  return new EntitlementsError(`${what} answered HTTP ${res.status} without an API error body`, {
    status: res.status,
    code: "http_error",
    retryAfterMs: after,
    attempts,
  });
}

/** A client of the Worker API with one environment's server key. */
export class EntitlementsServer {
  // Private: never enumerable, so that logging the client never prints the key.
  #key;
  #base;
  #fetch;
  #headers;
  #retries;
  #baseDelayMs;
  #maxDelayMs;
  #maxRetryAfterMs;
  #timeoutMs;

  constructor(options) {
    const {
      baseUrl,
      serverKey,
      fetch: fetchImpl,
      retries = DEFAULT_RETRIES,
      retryBaseDelayMs = DEFAULT_BASE_DELAY_MS,
      retryMaxDelayMs = DEFAULT_MAX_DELAY_MS,
      maxRetryAfterMs = DEFAULT_MAX_RETRY_AFTER_MS,
      timeoutMs = DEFAULT_TIMEOUT_MS,
      headers = {},
    } = options ?? {};
    let url;
    try {
      url = new URL(baseUrl);
    } catch {
      throw invalidArgument("`baseUrl` must be an absolute URL, e.g. `https://entitlements.example.com`");
    }
    if (url.search || url.hash) throw invalidArgument("`baseUrl` must not carry a query or a fragment");
    // Checked here so that fetch never rejects the header with the key in its message.
    if (typeof serverKey !== "string" || !/^[\x21-\x7e]+$/.test(serverKey)) {
      throw invalidArgument("`serverKey` must be a non-empty string of visible ASCII characters");
    }
    for (const [name, n] of [["retries", retries], ["retryBaseDelayMs", retryBaseDelayMs], ["retryMaxDelayMs", retryMaxDelayMs], ["maxRetryAfterMs", maxRetryAfterMs], ["timeoutMs", timeoutMs]]) {
      if (!Number.isFinite(n) || n < 0) throw invalidArgument(`\`${name}\` must be a non-negative number`);
    }
    const f = fetchImpl ?? globalThis.fetch;
    if (typeof f !== "function") throw invalidArgument("no `fetch`: pass one in the options");
    this.#key = serverKey;
    this.#base = url.href.replace(/\/+$/, "");
    // Called unbound: a Worker's fetch throws "Illegal invocation" when `this` is another object.
    this.#fetch = (input, init) => f(input, init);
    // The credential is the server key's alone.
    this.#headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== "authorization"));
    this.#retries = Math.floor(retries);
    this.#baseDelayMs = retryBaseDelayMs;
    this.#maxDelayMs = retryMaxDelayMs;
    this.#maxRetryAfterMs = maxRetryAfterMs;
    this.#timeoutMs = timeoutMs;
  }

  /** The Worker's base URL (never the key). */
  get baseUrl() {
    return this.#base;
  }

  /**
   * One call, retried on network errors, timeouts, 429 and 5xx (every call of this client
   * is safe to repeat; see the module comment). The body of a 2xx is read inside the
   * attempt, so that a connection lost while reading is retried too. Resolves with
   * `{ status, headers, data }` (`data`: text, or bytes when `binary`; none for a 304).
   */
  async #send(method, path, { query, body, accept = "application/json", headers, signal, binary = false } = {}) {
    let url = this.#base + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) q.set(k, String(v));
      const s = q.toString();
      if (s) url += `?${s}`;
    }
    const h = { ...this.#headers, ...headers, accept, authorization: `Bearer ${this.#key}` };
    let payload;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h["content-type"] = "application/json";
    }
    const what = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      const last = attempt > this.#retries;
      const { signal: s, timeout } = attemptSignal(signal, this.#timeoutMs);
      let res;
      let data;
      try {
        res = await this.#fetch(url, { method, headers: h, body: payload, signal: s });
        if (res.ok) data = binary ? new Uint8Array(await res.arrayBuffer()) : await res.text();
      } catch (cause) {
        if (signal?.aborted) throw signal.reason;
        const timedOut = timeout?.aborted === true;
        const tries = `${attempt} attempt${attempt > 1 ? "s" : ""}`;
        if (last) {
          throw new EntitlementsError(
            timedOut ? `${what} timed out after ${this.#timeoutMs} ms (${tries})` : `${what} failed: network error (${tries})`,
            { code: timedOut ? "timeout" : "network_error", attempts: attempt, cause },
          );
        }
        await sleep(this.#backoff(attempt), signal);
        continue;
      }
      if (res.ok || res.status === 304) return { status: res.status, headers: res.headers, data };
      const retryable = res.status === 429 || res.status >= 500;
      const after = res.status === 429 || res.status === 503 ? retryAfterMs(res) : undefined;
      if (!retryable || last || (after !== undefined && after > this.#maxRetryAfterMs)) {
        throw await errorOf(res, what, attempt);
      }
      await res.body?.cancel().catch(() => {});
      await sleep(after ?? this.#backoff(attempt), signal);
    }
  }

  /** Full jitter: uniform in [0, min(max, base * 2^(attempt - 1))). */
  #backoff(attempt) {
    return Math.random() * Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
  }

  async #json(method, path, options) {
    const { status, data } = await this.#send(method, path, options);
    try {
      return JSON.parse(data);
    } catch (cause) {
      throw new EntitlementsError(`${method} ${path} answered HTTP ${status} with a body that is not JSON`, {
        status,
        code: "invalid_response",
        cause,
      });
    }
  }

  // Catalog.

  /** `PUT /v1/catalog`: validates and stores the environment's catalog; its new version. */
  putCatalog(catalog, options = {}) {
    return this.#json("PUT", "/v1/catalog", { body: catalog, signal: options.signal });
  }

  /** `GET /v1/catalog`: the current catalog and its version. */
  getCatalog(options = {}) {
    return this.#json("GET", "/v1/catalog", { signal: options.signal });
  }

  // Customers.

  /** `PUT /v1/customers/{id}`: creates or replaces the state (usage is kept); the stored state. */
  putCustomer(id, state, options = {}) {
    return this.#json("PUT", `/v1/customers/${customerId(id)}`, { body: state, signal: options.signal });
  }

  /** `GET /v1/customers/{id}`: the state, usage and credit ledger included. */
  getCustomer(id, options = {}) {
    return this.#json("GET", `/v1/customers/${customerId(id)}`, { signal: options.signal });
  }

  /** `GET /v1/customers`: one page of the environment's customers by id. */
  async listCustomers({ prefix, cursor, limit, signal } = {}) {
    const page = await this.#json("GET", "/v1/customers", { query: { prefix, cursor, limit }, signal });
    for (const c of page.customers ?? []) dated(c, ["createdAt", "updatedAt"]);
    return page;
  }

  /** Every customer (of `prefix`), page after page. */
  async *iterateCustomers({ prefix, limit, signal } = {}) {
    let cursor;
    do {
      const page = await this.listCustomers({ prefix, cursor, limit, signal });
      yield* page.customers;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** `GET /v1/environment`: `{ environment, keyId }` of this client's key (never the key). */
  getEnvironment({ signal } = {}) {
    return this.#json("GET", "/v1/environment", { signal });
  }

  /** `GET /v1/audit`: one page of the environment's audit log, newest first. */
  async getAuditLog({ customerId: customer, cursor, limit, signal } = {}) {
    const page = await this.#json("GET", "/v1/audit", { query: { customerId: customer, cursor, limit }, signal });
    for (const e of page.entries ?? []) dated(e, ["at"]);
    return page;
  }

  /** `POST /v1/customers/{id}/tokens`: a customer token for browsers. */
  async mintToken(id, { ttlSeconds, signal } = {}) {
    const body = ttlSeconds === undefined ? {} : { ttlSeconds };
    const t = await this.#json("POST", `/v1/customers/${customerId(id)}/tokens`, { body, signal });
    return dated(t, ["expiresAt"]);
  }

  /**
   * `GET /v1/customers/{id}/snapshot`: bytes (default) or JSON; with `ifNoneMatch` (an
   * earlier answer's `etag`) an unchanged snapshot answers `{ notModified: true }`.
   */
  async getSnapshot(id, { format = "bytes", ifNoneMatch, signal } = {}) {
    if (format !== "bytes" && format !== "json") throw invalidArgument("`format` must be `bytes` or `json`");
    const path = `/v1/customers/${customerId(id)}/snapshot`;
    const json = format === "json";
    const res = await this.#send("GET", path, {
      accept: json ? "application/json" : "application/octet-stream",
      headers: ifNoneMatch === undefined ? {} : { "if-none-match": ifNoneMatch },
      binary: !json,
      signal,
    });
    const etag = res.headers.get("etag") ?? "";
    // The ETag is the snapshot's version (API section 3).
    const version = Number(etag.replace(/^W\//, "").replace(/"/g, ""));
    if (res.status === 304) return { notModified: true, etag, version };
    let snapshot = res.data;
    if (json) {
      try {
        snapshot = JSON.parse(res.data);
      } catch (cause) {
        throw new EntitlementsError(`GET ${path} answered a snapshot that is not JSON`, { status: res.status, code: "invalid_response", cause });
      }
    }
    return { notModified: false, etag, version, snapshot };
  }

  // Usage, checks, consumes.

  /**
   * `POST /v1/usage`, one report: `{ customerId, featureId, value, updateBehavior?,
   * timestamp?, idempotencyKey? }` (a key is generated when absent, so a retry counts once).
   */
  async reportUsage(usage, options = {}) {
    const answer = await this.#json("POST", "/v1/usage", { body: report(usage, "the report"), signal: options.signal });
    return dated(answer, PERIOD_DATES);
  }

  /**
   * `POST /v1/usage`, a batch (one key per report when absent): each report's answer in
   * order, or, in a batch naming several customers, a failing customer's `{ error }`.
   */
  async reportUsageBatch(reports, options = {}) {
    if (!Array.isArray(reports)) throw invalidArgument("a batch must be an array of reports");
    const body = reports.map((r, i) => report(r, `report [${i}]`));
    const answers = await this.#json("POST", "/v1/usage", { body, signal: options.signal });
    return answers.map((a) => (a && a.error ? a : dated(a, PERIOD_DATES)));
  }

  /**
   * `POST /v1/check` without consuming: the decision (a denial is an answer; an unknown
   * customer is a `CustomerNotFound` decision). Read-only, so retried freely.
   */
  async check(request, options = {}) {
    if (request === null || typeof request !== "object") throw invalidArgument("a check must be an object");
    if ("consume" in request) throw invalidArgument("`check` never consumes: call `consume` instead");
    return decision(await this.#json("POST", "/v1/check", { body: request, signal: options.signal }));
  }

  /**
   * `POST /v1/check` with `consume: true`: an allowed request counts `requestedUsage` (or
   * draws its credits) in the same atomic step; a key is generated when absent.
   */
  async consume(request, options = {}) {
    if (request === null || typeof request !== "object") throw invalidArgument("a consume must be an object");
    const body = { ...request, consume: true, idempotencyKey: request.idempotencyKey ?? newKey() };
    return decision(await this.#json("POST", "/v1/check", { body, signal: options.signal }));
  }

  /** `GET /v1/customers/{id}/usage`: the usage history, by feature then period. */
  async getUsageHistory(id, { featureId, from, to, signal } = {}) {
    const query = { featureId, from: instant(from, "from"), to: instant(to, "to") };
    const h = await this.#json("GET", `/v1/customers/${customerId(id)}/usage`, { query, signal });
    for (const row of h.rows ?? []) dated(row, ["periodStart", "periodEnd"]);
    return h;
  }

  // Credits.

  /**
   * `POST /v1/credits/grants`: a one-off credit grant; the grant as stored. A key is
   * generated when absent, so a retry adds once.
   */
  grantCredits(grant, options = {}) {
    if (grant === null || typeof grant !== "object") throw invalidArgument("a credit grant must be an object");
    const body = {
      ...grant,
      effectiveAt: instant(grant.effectiveAt, "effectiveAt"),
      expiresAt: instant(grant.expiresAt, "expiresAt"),
      idempotencyKey: grant.idempotencyKey ?? newKey(),
    };
    return this.#json("POST", "/v1/credits/grants", { body, signal: options.signal });
  }

  /** `GET /v1/customers/{id}/credits`: each pool's balance and grants at now. */
  async getCredits(id, options = {}) {
    const c = await this.#json("GET", `/v1/customers/${customerId(id)}/credits`, { signal: options.signal });
    for (const pool of c.pools ?? []) {
      dated(pool, ["nextExpiry"]);
      for (const g of pool.grants ?? []) dated(g, GRANT_DATES);
    }
    return c;
  }
}
