// The public API of the npm package `edge-entitlements`, over the raw wasm exports.
//
// This file is a wasm-bindgen snippet: the Rust side imports `makeError` from it, so
// `EntitlementsError` is made in this one place whether the error starts in Rust or
// here. It imports nothing: the package entry (`index.js`, written by
// scripts/build-pkg.sh) hands it the raw exports with `bind`, and so can the
// browser tests.
//
// A check crosses into wasm once: `RawEngine.check(index, kind, requested, now)`
// returns flags and leaves its numbers in a Float64Array over wasm memory; the
// result object is built here with only the fields it has. Which bit and which slot
// mean what is the Rust side's (`rawLayout()`, src/wasm/engine.rs `LAYOUT`), read when
// the exports are bound: nothing of it is restated here.

/** An invalid input: a catalog, a customer state, snapshot bytes or an argument. */
export class EntitlementsError extends Error {
  constructor(code, message, path, details) {
    super(message);
    this.name = "EntitlementsError";
    /** Stable code: `invalid_catalog`, `invalid_customer`, `invalid_snapshot`, ... */
    this.code = code;
    if (typeof path === "string" && path !== "") {
      /** Path of the (first) offending field, e.g. `plans[1].parentPlanId`. */
      this.path = path;
    }
    /** Every violation found: `[{ path, message }]`. */
    this.details = Array.isArray(details) ? details : [{ path: path || "", message }];
  }
}

/** Called by Rust (src/wasm/error.rs): the one conversion of a core error. */
export function makeError(code, message, path, details) {
  return new EntitlementsError(code, message, path ?? undefined, details);
}

let raw = null;

// The packed result's layout, from `rawLayout()` (src/wasm/engine.rs `LAYOUT`).
let HAS_ACCESS, IS_FALLBACK, FEATURE, REASON_SHIFT, UNLIMITED_SHIFT, VALUE, USAGE_LIMIT;
let CURRENT_USAGE, REQUESTED_USAGE, PERIOD_SHIFT, ANCHOR, START, END, CREDIT, R_BITS, P_BITS;
let S_VALUE, S_LIMIT, S_CURRENT, S_REQUESTED, S_ANCHOR, S_START, S_END, S_FROM, S_UNTIL, OUT_LEN;
let S_COST, S_BALANCE, S_POOL, S_DRAWN, S_UNCOVERED, S_EXPIRY;
let BOOLEAN, NUMERIC, METERED, CREDIT_KIND, NO_FEATURE, REASONS, PERIODS;
// The common shapes of a check result, built by #check as one object literal. SHAPE
// selects the presence bits (and IS_FALLBACK); the reason and period bits are tested
// apart, and the values (hasAccess, isUnlimited true/false) are read from the flags.
let REASON_MASK, UNLIMITED_TRUE, UNLIMITED_PRESENT, PERIOD_MASK, SHAPE;
let METERED_NO_PERIOD, METERED_PERIOD, BOOLEAN_SHAPE, NUMERIC_SHAPE, PRESENT_MASK;

/** Reads the layout the Rust side hands over; every field must be there. */
export function useLayout(layout) {
  const need = (group, name) => {
    const v = layout?.[group]?.[name];
    if (typeof v !== "number") throw new EntitlementsError("not_initialized", `the wasm module's layout lacks ${group}.${name}`);
    return v;
  };
  const names = (name) => {
    const v = layout?.[name];
    if (!Array.isArray(v) || v.some((n) => typeof n !== "string")) throw new EntitlementsError("not_initialized", `the wasm module's layout lacks ${name}`);
    return v;
  };
  HAS_ACCESS = need("flags", "hasAccess");
  IS_FALLBACK = need("flags", "isFallback");
  FEATURE = need("flags", "feature");
  REASON_SHIFT = need("flags", "reasonShift");
  R_BITS = need("flags", "reasonMask");
  P_BITS = need("flags", "periodMask");
  CREDIT = need("flags", "credit");
  UNLIMITED_SHIFT = need("flags", "unlimitedShift");
  VALUE = need("flags", "value");
  USAGE_LIMIT = need("flags", "usageLimit");
  CURRENT_USAGE = need("flags", "currentUsage");
  REQUESTED_USAGE = need("flags", "requestedUsage");
  PERIOD_SHIFT = need("flags", "periodShift");
  ANCHOR = need("flags", "anchor");
  START = need("flags", "start");
  END = need("flags", "end");
  S_VALUE = need("slots", "value");
  S_LIMIT = need("slots", "usageLimit");
  S_CURRENT = need("slots", "currentUsage");
  S_REQUESTED = need("slots", "requestedUsage");
  S_ANCHOR = need("slots", "anchor");
  S_START = need("slots", "start");
  S_END = need("slots", "end");
  S_FROM = need("slots", "validFrom");
  S_UNTIL = need("slots", "validUntil");
  S_COST = need("slots", "cost");
  S_BALANCE = need("slots", "balance");
  S_POOL = need("slots", "pool");
  S_DRAWN = need("slots", "creditsDrawn");
  S_UNCOVERED = need("slots", "creditsUncovered");
  S_EXPIRY = need("slots", "nextExpiry");
  BOOLEAN = need("kinds", "boolean");
  NUMERIC = need("kinds", "numeric");
  METERED = need("kinds", "metered");
  CREDIT_KIND = need("kinds", "credit");
  if (typeof layout.noFeature !== "number" || typeof layout.outLen !== "number") {
    throw new EntitlementsError("not_initialized", "the wasm module's layout lacks noFeature or outLen");
  }
  NO_FEATURE = layout.noFeature;
  OUT_LEN = layout.outLen;
  REASONS = names("reasons");
  PERIODS = names("resetPeriods");
  REASON_MASK = R_BITS << REASON_SHIFT;
  UNLIMITED_TRUE = 1 << UNLIMITED_SHIFT;
  UNLIMITED_PRESENT = 2 << UNLIMITED_SHIFT;
  PERIOD_MASK = P_BITS << PERIOD_SHIFT;
  SHAPE = IS_FALLBACK | FEATURE | UNLIMITED_PRESENT | VALUE | USAGE_LIMIT | CURRENT_USAGE | REQUESTED_USAGE | ANCHOR | START | END | CREDIT;
  METERED_NO_PERIOD = FEATURE | UNLIMITED_PRESENT | USAGE_LIMIT | CURRENT_USAGE | REQUESTED_USAGE;
  METERED_PERIOD = METERED_NO_PERIOD | ANCHOR | START | END;
  BOOLEAN_SHAPE = FEATURE;
  NUMERIC_SHAPE = FEATURE | UNLIMITED_PRESENT | VALUE;
  PRESENT_MASK = VALUE | USAGE_LIMIT | CURRENT_USAGE | REQUESTED_USAGE | ANCHOR | START | END | CREDIT | PERIOD_MASK;
}

/**
 * Connects this module to the raw wasm exports:
 * `{ newEngine(), validateCatalog(catalog), buildSnapshot(...), memory(), layout() }`.
 */
export function bind(rawExports) {
  raw = rawExports;
  laidOut = false;
}

let laidOut = false;

function rawApi() {
  if (raw === null) {
    throw new EntitlementsError("not_initialized", "edge-entitlements is not initialized: call `init()` or `initSync()` first");
  }
  if (!laidOut) {
    // The first call after `init()`: the layout can only be read from a loaded module.
    let layout;
    try {
      layout = raw.layout();
    } catch {
      throw new EntitlementsError("not_initialized", "edge-entitlements is not initialized: call `init()` or `initSync()` first");
    }
    useLayout(layout);
    laidOut = true;
  }
  return raw;
}

/** An input object; JSON text is parsed first. */
function input(value, what) {
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch (e) {
      throw new EntitlementsError(`invalid_${what}`, `${what} is not valid JSON: ${e && e.message}`);
    }
  }
  if (value === null || typeof value !== "object") {
    throw new EntitlementsError(`invalid_${what}`, `${what} must be an object`);
  }
  return value;
}

function millis(date, name) {
  const ms = date instanceof Date ? date.getTime() : date;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new EntitlementsError("invalid_argument", `\`${name}\` must be a Date or a number of milliseconds`, name);
  }
  return ms;
}

/** Validates a catalog; throws `EntitlementsError` (`invalid_catalog`) with every violation. */
export function validateCatalog(catalog) {
  rawApi().validateCatalog(input(catalog, "catalog"));
}

/**
 * Builds a customer's binary snapshot: `options` = `{ environment, version,
 * catalogVersion?, now? }` (`now`: a Date or ms; default the current time).
 */
export function buildSnapshot(catalog, customerState, options) {
  const api = rawApi();
  const opts = options ?? {};
  if (typeof opts.environment !== "string") {
    throw new EntitlementsError("invalid_argument", "`environment` must be a string", "environment");
  }
  const version = opts.version;
  const catalogVersion = opts.catalogVersion ?? 0;
  if (typeof version !== "number") {
    throw new EntitlementsError("invalid_argument", "`version` must be a whole number from 0 to 2^53-1", "version");
  }
  if (typeof catalogVersion !== "number") {
    throw new EntitlementsError("invalid_argument", "`catalogVersion` must be a whole number from 0 to 2^53-1", "catalogVersion");
  }
  const now = opts.now === undefined ? Date.now() : millis(opts.now, "now");
  return api.buildSnapshot(
    input(catalog, "catalog"),
    input(customerState, "customer"),
    opts.environment,
    version,
    catalogVersion,
    now,
  );
}

/** A caller's fallback as a result (Decision::fallback in src/decide.rs). */
function fallbackResult(fallback, feature) {
  if (fallback === undefined || fallback === null) {
    const r = { hasAccess: false, isFallback: true, accessDeniedReason: "Unknown" };
    if (feature !== undefined) r.feature = feature;
    return r;
  }
  const r = { hasAccess: fallback.hasAccess === true, isFallback: true };
  if (feature !== undefined) r.feature = feature;
  if (typeof fallback.value === "number") r.value = fallback.value;
  if (typeof fallback.isUnlimited === "boolean") r.isUnlimited = fallback.isUnlimited;
  if (typeof fallback.usageLimit === "number") r.usageLimit = fallback.usageLimit;
  return r;
}

/**
 * The Dates of check results: shared between results of the same period (a check builds
 * no Date while the period stays the same), so they refuse to change.
 */
class ReadOnlyDate extends Date {}
for (const name of Object.getOwnPropertyNames(Date.prototype)) {
  if (name.startsWith("set")) {
    Object.defineProperty(ReadOnlyDate.prototype, name, {
      value() {
        throw new TypeError(`entitlement result dates are shared and read-only: copy with new Date(d) before ${name}`);
      },
    });
  }
}

function reportListenerError(e) {
  // As EventTarget does: a failing listener neither stops the others nor the caller.
  queueMicrotask(() => {
    throw e;
  });
}

/**
 * Per feature, the last period Dates made (anchor, start, end from output slots 4-6),
 * replaced only when their instant changes, so that a check within one period makes no
 * Date at all.
 */
function refreshPeriodDates(entry, out) {
  let ms = out[S_ANCHOR];
  if (entry.anchorMs !== ms) {
    entry.anchorMs = ms;
    entry.anchor = new ReadOnlyDate(ms);
  }
  ms = out[S_START];
  if (entry.startMs !== ms) {
    entry.startMs = ms;
    entry.start = new ReadOnlyDate(ms);
  }
  ms = out[S_END];
  if (entry.endMs !== ms) {
    entry.endMs = ms;
    entry.end = new ReadOnlyDate(ms);
  }
}

/**
 * The `requestedUsage` of a check's options: 0 when absent, NaN when not a number (an
 * invalid amount, which the engine answers with the fallback, as it does a negative one).
 */
function requestedUsageOf(options) {
  if (options == null) return 0;
  const r = options.requestedUsage;
  return r == null ? 0 : typeof r === "number" ? r : NaN;
}

/** Evaluates one customer's entitlements locally from its snapshot. */
export class EntitlementsClient {
  #engine = null;
  #view = null;
  #features = null; // Map: featureId -> { idx, feature }
  #byIdx = null; // feature objects by index
  #info = null;
  /** Bumped by every applied snapshot and recorded usage: older cached answers are stale. */
  #gen = 0;
  #fallbacks = new Map();
  #now;
  #listeners = new Set();

  /**
   * `options.entitlementsFallback`: `{ [featureId]: { hasAccess, value?, usageLimit?,
   * isUnlimited? } }`; `options.now`: a function returning the current Date (tests).
   */
  constructor(options) {
    const opts = options ?? {};
    const fallbacks = opts.entitlementsFallback;
    if (fallbacks !== undefined && fallbacks !== null) {
      for (const id of Object.keys(fallbacks)) this.#fallbacks.set(id, fallbacks[id]);
    }
    const now = opts.now;
    this.#now = typeof now === "function" ? () => +now() : Date.now;
  }

  /**
   * Applies a binary snapshot (Uint8Array or ArrayBuffer): `true` when applied,
   * `false` when older than the one held (same customer and environment). Throws
   * `EntitlementsError` for bytes that are not a snapshot; the held one is kept.
   * Listeners are called after each applied snapshot.
   */
  applySnapshot(bytes) {
    const api = rawApi();
    const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    if (!(data instanceof Uint8Array)) {
      throw new EntitlementsError("invalid_snapshot", "a snapshot must be a Uint8Array or an ArrayBuffer");
    }
    if (this.#engine === null) {
      this.#engine = api.newEngine();
    }
    if (!this.#engine.apply(data)) return false;
    this.#gen += 1;
    // The next snapshot of the same catalog shares its feature table: keep the feature
    // objects (and their cached Dates) unless the table changed.
    if (this.#features === null || this.#engine.featuresChanged()) {
      const byIdx = this.#engine.features().map((f) => Object.freeze(f));
      const features = new Map();
      for (let i = 0; i < byIdx.length; i++) {
        features.set(byIdx[i].id, {
          idx: i,
          feature: byIdx[i],
          anchorMs: NaN,
          anchor: null,
          startMs: NaN,
          start: null,
          endMs: NaN,
          end: null,
          // The last answer (see #decide): valid for generation `gen`, for `kind` and
          // `req`, from `from` until `until`.
          gen: -1,
          kind: -1,
          req: NaN,
          from: NaN,
          until: NaN,
          flags: 0,
          value: 0,
          limit: 0,
          current: 0,
          requested: 0,
          cost: 0,
          balance: 0,
          pool: 0,
          // A pool's grants in burn order (frozen), valid for generation `grantsGen`
          // from `grantsFrom` until `grantsUntil`, and its next expiry (see #poolGrants).
          grants: null,
          grantsGen: -1,
          grantsFrom: NaN,
          grantsUntil: NaN,
          expiryMs: NaN,
          expiry: null,
        });
      }
      this.#byIdx = byIdx;
      this.#features = features;
    }
    const info = this.#engine.info();
    info.issuedAt = Date.parse(info.issuedAt);
    if (info.validUntil !== undefined) info.validUntil = Date.parse(info.validUntil);
    this.#info = info;
    const current = this.snapshotInfo;
    for (const listener of [...this.#listeners]) {
      try {
        listener(current);
      } catch (e) {
        reportListenerError(e);
      }
    }
    return true;
  }

  /** The held snapshot's metadata (dates as Date), or `null` before the first snapshot. */
  get snapshotInfo() {
    const i = this.#info;
    if (i === null) return null;
    const r = {
      customerId: i.customerId,
      environment: i.environment,
      version: i.version,
      catalogVersion: i.catalogVersion,
      issuedAt: new Date(i.issuedAt),
    };
    if (i.validUntil !== undefined) r.validUntil = new Date(i.validUntil);
    return r;
  }

  /** `{ featureId, options?: { fallback? } }` */
  getBooleanEntitlement(params) {
    const options = params.options;
    return this.#check(params.featureId, BOOLEAN, 0, options == null ? undefined : options.fallback);
  }

  /** `{ featureId, options?: { fallback? } }` */
  getNumericEntitlement(params) {
    const options = params.options;
    return this.#check(params.featureId, NUMERIC, 0, options == null ? undefined : options.fallback);
  }

  /** `{ featureId, options?: { requestedUsage?, fallback? } }` */
  getMeteredEntitlement(params) {
    const featureId = params.featureId;
    const options = params.options;
    const requested = requestedUsageOf(options);
    const fallback = options == null ? undefined : options.fallback;
    // The common answer inline (the same as #check gives): one object literal.
    const entry = this.#info === null ? undefined : this.#features.get(featureId);
    if (entry === undefined) return this.#check(featureId, METERED, requested, fallback);
    const flags = this.#decide(entry, METERED, requested, this.#now());
    const period = (flags >>> PERIOD_SHIFT) & P_BITS;
    if ((flags & (SHAPE | REASON_MASK)) !== METERED_PERIOD || period === 0) return this.#build(featureId, entry, flags, fallback);
    return {
      hasAccess: (flags & HAS_ACCESS) !== 0,
      isFallback: false,
      feature: entry.feature,
      isUnlimited: (flags & UNLIMITED_TRUE) !== 0,
      usageLimit: entry.limit,
      currentUsage: entry.current,
      requestedUsage: entry.requested,
      resetPeriod: PERIODS[period],
      usagePeriodAnchor: entry.anchor,
      usagePeriodStart: entry.start,
      usagePeriodEnd: entry.end,
    };
  }

  /** Every entitlement of the customer at the current time, in catalog order. */
  getEntitlements() {
    if (this.#info === null) return [];
    // One instant for the whole list: no answer of it may fall on the other side of a
    // rollover than another.
    const now = this.#now();
    const pairs = this.#engine.entitled(now);
    const results = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const feature = this.#byIdx[pairs[i]];
      const kind = pairs[i + 1];
      results.push(kind === CREDIT_KIND ? this.#credit(feature.id, 0, undefined, now) : this.#check(feature.id, kind, 0, undefined, now));
    }
    return results;
  }

  /**
   * `{ featureId, options?: { requestedUsage?, fallback? } }`: a credit pool, or a
   * feature priced in credits (`requestedUsage` in that feature's units; SEMANTICS
   * section 7). Returns `{ hasAccess, accessDeniedReason?, isFallback, feature, creditId,
   * requestedUsage, cost, balance, nextExpiry?, grants, draws? }`: credits as numbers,
   * `nextExpiry` and each grant's `effectiveAt` and `expiresAt` as Dates, `grants` in burn
   * order (shared between results while they stay the same, so frozen, with read-only
   * Dates), `draws` (`[{ grantId, amount }]`) when allowed. Any other feature answers the
   * fallback.
   */
  getCreditEntitlement(params) {
    const options = params.options;
    const fallback = options == null ? undefined : options.fallback;
    return this.#credit(params.featureId, requestedUsageOf(options), fallback, undefined);
  }

  /**
   * A credit check: one wasm call for the decision's numbers and draws; the pool's grants
   * are fetched only when the engine's resolution or the customer changed (#poolGrants).
   */
  #credit(featureId, requested, fallback, now) {
    if (this.#info === null) return fallbackResult(this.#fallbackFor(featureId, fallback), undefined);
    const at = now === undefined ? this.#now() : now;
    const entry = this.#features.get(featureId);
    const flags = this.#engine.credit(entry === undefined ? NO_FEATURE : entry.idx, requested, at);
    const feature = (flags & FEATURE) !== 0 && entry !== undefined ? entry.feature : undefined;
    if ((flags & IS_FALLBACK) !== 0) return fallbackResult(this.#fallbackFor(featureId, fallback), feature);
    const r = { hasAccess: (flags & HAS_ACCESS) !== 0, isFallback: false };
    const reason = (flags >>> REASON_SHIFT) & R_BITS;
    if (reason !== 0) r.accessDeniedReason = REASONS[reason];
    if (feature !== undefined) r.feature = feature;
    if ((flags & CREDIT) === 0) return r;
    let out = this.#view;
    if (out === null || out.byteLength === 0) out = this.#out();
    const pool = this.#features.get(this.#byIdx[out[S_POOL]].id);
    r.creditId = pool.feature.id;
    r.requestedUsage = out[S_REQUESTED];
    r.cost = out[S_COST];
    r.balance = out[S_BALANCE];
    const grants = this.#poolGrants(pool, out[S_FROM], out[S_UNTIL], out[S_EXPIRY], at);
    if (pool.expiry !== null) r.nextExpiry = pool.expiry;
    r.grants = grants;
    if ((flags & HAS_ACCESS) !== 0) {
      const d = this.#engine.creditDraws();
      const draws = [];
      for (let i = 0; i + 1 < d.length; i += 2) draws.push({ grantId: grants[d[i]].id, amount: d[i + 1] });
      r.draws = draws;
    }
    return r;
  }

  /**
   * The grants of `pool` in force now, in burn order: frozen objects with read-only
   * Dates, shared between results while the engine's resolution (`from`, `until`) and
   * the generation hold (the memoization of #decide: no rule is decided here).
   */
  #poolGrants(pool, from, until, expiryMs, at) {
    if (pool.grantsGen === this.#gen && pool.grantsFrom === from && pool.grantsUntil === until) return pool.grants;
    const list = this.#engine.creditGrants(pool.idx, at);
    for (const g of list) {
      g.effectiveAt = new ReadOnlyDate(Date.parse(g.effectiveAt));
      if (g.expiresAt !== undefined) g.expiresAt = new ReadOnlyDate(Date.parse(g.expiresAt));
      Object.freeze(g);
    }
    pool.grants = Object.freeze(list);
    pool.grantsGen = this.#gen;
    pool.grantsFrom = from;
    pool.grantsUntil = until;
    if (pool.expiryMs !== expiryMs) {
      pool.expiryMs = expiryMs;
      pool.expiry = Number.isNaN(expiryMs) ? null : new ReadOnlyDate(expiryMs);
    }
    return pool.grants;
  }

  /**
   * Adds `amount` of local usage of a metered feature, counted until the next applied
   * snapshot. Returns `{ currentUsage, usagePeriodStart?, usagePeriodEnd? }`, or `null`
   * without a snapshot. The core's recording rule applies (SEMANTICS section 6). Throws
   * `EntitlementsError` (`invalid_usage`) for a feature that is not metered, an amount
   * that is not a finite number within 2^53-1, or a counter that would pass 2^53-1.
   */
  recordUsage(featureId, amount) {
    if (this.#info === null) return null;
    if (typeof featureId !== "string") {
      throw new EntitlementsError("invalid_usage", "`featureId` must be a string", "featureId");
    }
    if (typeof amount !== "number") {
      throw new EntitlementsError("invalid_usage", "`amount` must be a number", "amount");
    }
    const windowed = this.#engine.recordUsage(featureId, amount, this.#now());
    this.#gen += 1;
    const out = this.#out();
    const r = { currentUsage: out[S_CURRENT] };
    if (windowed) {
      r.usagePeriodStart = new Date(out[S_START]);
      r.usagePeriodEnd = new Date(out[S_END]);
    }
    if (!Number.isNaN(out[S_DRAWN])) {
      r.creditsDrawn = out[S_DRAWN];
      r.creditsUncovered = out[S_UNCOVERED];
    }
    return r;
  }

  /**
   * The next instant (a Date) at which some answer changes by itself, seen from now: a
   * usage-period rollover, a trial or subscription end, a promotion or credit-grant
   * boundary. `null` before the first snapshot, or when nothing changes by itself. Unlike
   * `snapshotInfo.validUntil`, fixed when the snapshot was built, it moves on once that
   * instant has passed (the React bindings re-render at it). The engine's own window of
   * the resolution in force: no rule is decided here.
   */
  nextChange() {
    if (this.#info === null) return null;
    this.#engine.check(NO_FEATURE, BOOLEAN, 0, this.#now());
    const until = this.#out()[S_UNTIL];
    return Number.isFinite(until) ? new Date(until) : null;
  }

  /** Calls `listener(snapshotInfo)` after each applied snapshot; returns a function that removes it. */
  addListener(listener) {
    if (typeof listener !== "function") {
      throw new EntitlementsError("invalid_argument", "a listener must be a function", "listener");
    }
    this.#listeners.add(listener);
    return () => this.removeListener(listener);
  }

  /** Removes a listener added with `addListener`. */
  removeListener(listener) {
    this.#listeners.delete(listener);
  }

  /** The output slots, re-viewed when wasm memory has grown (which detaches the old view). */
  #out() {
    let view = this.#view;
    if (view === null || view.byteLength === 0) {
      view = new Float64Array(raw.memory().buffer, this.#engine.outPtr(), OUT_LEN);
      this.#view = view;
    }
    return view;
  }

  #fallbackFor(featureId, given) {
    return given !== undefined && given !== null ? given : this.#fallbacks.get(featureId);
  }

  // The hot path: one Map lookup, one clock read, one wasm call, and for the common
  // shapes one object literal (a fixed shape is much faster in V8 than adding keys one
  // by one). Every other answer is built by #build, key by key; both give the same keys
  // in the same order.
  #check(featureId, kind, requested, fallback, now) {
    if (this.#info === null) return fallbackResult(this.#fallbackFor(featureId, fallback), undefined);
    const at = now === undefined ? this.#now() : now;
    const entry = this.#features.get(featureId);
    if (entry === undefined) return this.#build(featureId, undefined, this.#engine.check(NO_FEATURE, kind, requested, at), fallback);
    const flags = this.#decide(entry, kind, requested, at);
    switch (flags & SHAPE) {
      case METERED_PERIOD: {
        const period = (flags >>> PERIOD_SHIFT) & P_BITS;
        if (period === 0) break;
        if ((flags & REASON_MASK) === 0) {
          return {
            hasAccess: (flags & HAS_ACCESS) !== 0,
            isFallback: false,
            feature: entry.feature,
            isUnlimited: (flags & UNLIMITED_TRUE) !== 0,
            usageLimit: entry.limit,
            currentUsage: entry.current,
            requestedUsage: entry.requested,
            resetPeriod: PERIODS[period],
            usagePeriodAnchor: entry.anchor,
            usagePeriodStart: entry.start,
            usagePeriodEnd: entry.end,
          };
        }
        return {
          hasAccess: (flags & HAS_ACCESS) !== 0,
          isFallback: false,
          accessDeniedReason: REASONS[(flags >>> REASON_SHIFT) & R_BITS],
          feature: entry.feature,
          isUnlimited: (flags & UNLIMITED_TRUE) !== 0,
          usageLimit: entry.limit,
          currentUsage: entry.current,
          requestedUsage: entry.requested,
          resetPeriod: PERIODS[period],
          usagePeriodAnchor: entry.anchor,
          usagePeriodStart: entry.start,
          usagePeriodEnd: entry.end,
        };
      }
      case METERED_NO_PERIOD: {
        if ((flags & PERIOD_MASK) !== 0) break;
        if ((flags & REASON_MASK) === 0) {
          return {
            hasAccess: (flags & HAS_ACCESS) !== 0,
            isFallback: false,
            feature: entry.feature,
            isUnlimited: (flags & UNLIMITED_TRUE) !== 0,
            usageLimit: entry.limit,
            currentUsage: entry.current,
            requestedUsage: entry.requested,
          };
        }
        return {
          hasAccess: (flags & HAS_ACCESS) !== 0,
          isFallback: false,
          accessDeniedReason: REASONS[(flags >>> REASON_SHIFT) & R_BITS],
          feature: entry.feature,
          isUnlimited: (flags & UNLIMITED_TRUE) !== 0,
          usageLimit: entry.limit,
          currentUsage: entry.current,
          requestedUsage: entry.requested,
        };
      }
      case BOOLEAN_SHAPE:
        if ((flags & (REASON_MASK | PERIOD_MASK)) !== 0) break;
        return { hasAccess: (flags & HAS_ACCESS) !== 0, isFallback: false, feature: entry.feature };
      case NUMERIC_SHAPE: {
        if ((flags & (REASON_MASK | PERIOD_MASK)) !== 0) break;
        return {
          hasAccess: (flags & HAS_ACCESS) !== 0,
          isFallback: false,
          feature: entry.feature,
          value: entry.value,
          isUnlimited: (flags & UNLIMITED_TRUE) !== 0,
        };
      }
    }
    return this.#build(featureId, entry, flags, fallback);
  }

  /**
   * The flags of the answer for `entry`'s feature, `kind` and `requested` at the current
   * time, its numbers in `entry`. The wasm engine's answer is a function of the snapshot,
   * the usage recorded and the arguments while its resolution holds, which it reports
   * (`validFrom`, `validUntil`); within that window and generation the last answer is
   * reused as it is (memoization: no rule is decided here). `now`: ms since the epoch.
   */
  #decide(entry, kind, requested, now) {
    if (entry.gen === this.#gen && entry.kind === kind && entry.req === requested && now >= entry.from && now < entry.until) {
      return entry.flags;
    }
    const flags = this.#engine.check(entry.idx, kind, requested, now);
    let out = this.#view;
    if (out === null || out.byteLength === 0) out = this.#out();
    entry.value = out[S_VALUE];
    entry.limit = out[S_LIMIT];
    entry.current = out[S_CURRENT];
    entry.requested = out[S_REQUESTED];
    if ((flags & CREDIT) !== 0) {
      entry.cost = out[S_COST];
      entry.balance = out[S_BALANCE];
      entry.pool = out[S_POOL];
    }
    if ((flags & (ANCHOR | START | END)) !== 0) refreshPeriodDates(entry, out);
    entry.gen = this.#gen;
    entry.kind = kind;
    entry.req = requested;
    entry.from = out[S_FROM];
    entry.until = out[S_UNTIL];
    entry.flags = flags;
    return flags;
  }

  /** Any answer of RawEngine.check, key by key (numbers from `entry`, else the slots). */
  #build(featureId, entry, flags, fallback) {
    const feature = (flags & FEATURE) !== 0 && entry !== undefined ? entry.feature : undefined;
    if ((flags & IS_FALLBACK) !== 0) return fallbackResult(this.#fallbackFor(featureId, fallback), feature);
    const r = { hasAccess: (flags & HAS_ACCESS) !== 0, isFallback: false };
    const reason = (flags >>> REASON_SHIFT) & R_BITS;
    if (reason !== 0) r.accessDeniedReason = REASONS[reason];
    if (feature !== undefined) r.feature = feature;
    if ((flags & PRESENT_MASK) === 0 && ((flags >>> UNLIMITED_SHIFT) & 3) === 0) return r;
    let value, limit, current, requested;
    if (entry !== undefined) {
      ({ value, limit, current, requested } = entry);
    } else {
      let out = this.#view;
      if (out === null || out.byteLength === 0) out = this.#out();
      value = out[S_VALUE];
      limit = out[S_LIMIT];
      current = out[S_CURRENT];
      requested = out[S_REQUESTED];
    }
    if ((flags & VALUE) !== 0) r.value = value;
    const unlimited = (flags >>> UNLIMITED_SHIFT) & 3;
    if (unlimited !== 0) r.isUnlimited = unlimited === 3;
    if ((flags & USAGE_LIMIT) !== 0) r.usageLimit = limit;
    if ((flags & CURRENT_USAGE) !== 0) r.currentUsage = current;
    if ((flags & REQUESTED_USAGE) !== 0) r.requestedUsage = requested;
    const period = (flags >>> PERIOD_SHIFT) & P_BITS;
    if (period !== 0) r.resetPeriod = PERIODS[period];
    // The metered shape of a feature priced in credits (section 7).
    if ((flags & CREDIT) !== 0 && entry !== undefined) {
      const pool = this.#byIdx[entry.pool];
      if (pool !== undefined) r.creditId = pool.id;
      r.cost = entry.cost;
      r.balance = entry.balance;
    }
    // Period dates exist only for a feature of the snapshot (entry), made by #decide.
    if (entry !== undefined) {
      if ((flags & ANCHOR) !== 0) r.usagePeriodAnchor = entry.anchor;
      if ((flags & START) !== 0) r.usagePeriodStart = entry.start;
      if ((flags & END) !== 0) r.usagePeriodEnd = entry.end;
    }
    return r;
  }
}
