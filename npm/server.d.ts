// Types of `edge-entitlements/server` (npm/server.js), a client of the Worker's HTTP API.
// Checked by `tsc --noEmit -p tests/ts` against tests/ts/server-usage.ts. The inputs and
// the decisions are the package's own types (type-only imports: they pull in no code).
//
// Dates: what the Worker computes (decisions, usage answers, history, credit balances,
// token expiry, customer list) comes back with `Date`s, like the local client's results;
// the stored inputs (catalog, customer state, a credit grant as stored) keep the RFC 3339
// strings of their schema types, so that they can be sent back unchanged.

import type { Catalog, CustomerState, CreditGrant } from "./schema.js";
import type {
  CreditEntitlement,
  CreditGrantInForce,
  MeteredEntitlement,
  NumericEntitlement,
  UsageRecorded,
  Violation,
} from "./index.js";

export type { Catalog, CustomerState, CreditGrant, CreditGrantInForce, Violation };

/** An instant: a `Date`, or an RFC 3339 string sent as it is. */
export type Instant = Date | string;

/** Stable codes: the Worker's (API section 3) and the client's own (status 0). */
export type EntitlementsErrorCode =
  // Input.
  | "invalid_catalog"
  | "invalid_customer"
  | "invalid_usage"
  | "invalid_request"
  | "invalid_query"
  | "invalid_customer_id"
  | "malformed_json"
  | "body_too_large"
  | "idempotency_conflict"
  | "credit_grant_exists"
  // Credentials.
  | "missing_credentials"
  | "invalid_credentials"
  | "server_key_required"
  | "auth_not_configured"
  // Not found, server.
  | "customer_not_found"
  | "catalog_not_found"
  | "not_found"
  | "internal_error"
  // The client's own (status 0), and an error answer without an API error body.
  | "network_error"
  | "timeout"
  | "invalid_argument"
  | "invalid_response"
  | "http_error"
  // Codes added later by the Worker.
  | (string & {});

/**
 * A non-2xx answer of the Worker (`status`, its `code`, `message` and `details`), or a
 * failure of the call itself (`status` 0).
 */
export declare class EntitlementsError extends Error {
  readonly name: "EntitlementsError";
  /** The HTTP status; 0 when no answer came (network error, timeout, invalid argument). */
  readonly status: number;
  readonly code: EntitlementsErrorCode;
  /** Every violation the Worker named (`[]` when none). */
  readonly details: Violation[];
  /** Path of the first violation, e.g. `[2].value`, when there is one. */
  readonly path?: string;
  /** A 429's or 503's `Retry-After`, in ms, when it had one. */
  readonly retryAfterMs?: number;
  /** Attempts made before giving up (1 when the answer was not retried). */
  readonly attempts?: number;
}

export interface EntitlementsServerOptions {
  /** The Worker's URL, e.g. `https://entitlements.example.com` (a path prefix is kept). */
  baseUrl: string | URL;
  /** A server key of one environment (`SERVER_KEYS`); sent in `Authorization` only. */
  serverKey: string;
  /** fetch implementation; default the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Retries after the first attempt (network errors, timeouts, 429, 5xx); default 3, 0 for none. */
  retries?: number;
  /** Backoff: retry n waits a random time in [0, min(max, base * 2^n)); default 100 ms. */
  retryBaseDelayMs?: number;
  /** Default 5000 ms. */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown; default 30000 ms. */
  maxRetryAfterMs?: number;
  /** Per attempt, body included; default 10000 ms, 0 for none. */
  timeoutMs?: number;
  /** Extra headers on every request (`authorization` cannot be replaced). */
  headers?: Record<string, string>;
}

/** Per call. */
export interface RequestOptions {
  /** Cancels the call, its retries and their waits; rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A decision of `POST /v1/check` (SEMANTICS section 5): the fields present depend on the
 * feature's type, as in the local client's `get*Entitlement` results.
 */
export type Decision = NumericEntitlement & MeteredEntitlement & CreditEntitlement;

/** A customer state as `PUT` takes it: without usage or ledger; `id` defaults to the path's. */
export type CustomerInput = Omit<CustomerState, "id" | "usage" | "creditUsage"> & { id?: string };

export interface CatalogVersion {
  catalogVersion: number;
}

export interface StoredCatalog {
  catalog: Catalog;
  catalogVersion: number;
}

export interface CustomerListEntry {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface CustomerPage {
  customers: CustomerListEntry[];
  /** Present when there are more: pass it to the next `listCustomers`. */
  cursor?: string;
}

/** One write of the audit log (`GET /v1/audit`). */
export interface AuditEntry {
  /** Sequence number in the environment (decimal string; newest is highest). */
  id: string;
  /** When it was recorded (the Worker's clock). */
  at: Date;
  environment: string;
  action: "catalog.put" | "customer.put" | "usage.set" | "credits.grant" | "token.mint";
  /** `METHOD /path`, e.g. `PUT /v1/customers/{id}`. */
  endpoint: string;
  /** The key's identity: `sha256:` and 16 hex digits of its SHA-256, never the key. */
  actor: string;
  customerId?: string;
  /**
   * What changed: for catalogs and customers `{ created, fields }`, where each field holds
   * `{ added?, removed?, changed? }` (each `{ ids, more? }`), `{ from, to }` or `"changed"`;
   * a catalog adds `catalogVersion` and `previousVersion`; a `set` `{ reports }`; a grant
   * `{ grant }`; a token `{ ttlSeconds, expiresAt }`.
   */
  changes: Record<string, unknown>;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Present when there are more: pass it to the next `getAuditLog`. */
  cursor?: string;
}

export interface AuditLogOptions extends RequestOptions {
  /** Only this customer's entries. */
  customerId?: string;
  /** From the previous page. */
  cursor?: string;
  /** Entries per page, 1 to 200 (default 50). */
  limit?: number;
}

export interface ListCustomersOptions extends RequestOptions {
  /** Keeps the ids that start with it. */
  prefix?: string;
  /** From the previous page. */
  cursor?: string;
  /** Customers per page (the Worker's default and maximum apply). */
  limit?: number;
}

export interface CustomerToken {
  token: string;
  expiresAt: Date;
}

export interface MintTokenOptions extends RequestOptions {
  /** Default and maximum: the Worker's. */
  ttlSeconds?: number;
}

export interface UsageReport {
  customerId: string;
  featureId: string;
  value: number;
  /** Default `delta`. */
  updateBehavior?: "delta" | "set";
  /** When the usage happened; default the Worker's now. */
  timestamp?: Instant;
  /** Default: a new UUID per report, so that a retry counts once. */
  idempotencyKey?: string;
}

/** `{ currentUsage, usagePeriodStart?, usagePeriodEnd?, creditsDrawn?, creditsUncovered? }`. */
export type UsageAnswer = UsageRecorded;

/** In a batch naming several customers, each report of a customer that failed. */
export interface UsageItemError {
  error: { code: EntitlementsErrorCode; message: string; details?: Violation[] };
}

export interface CheckRequest {
  customerId: string;
  featureId: string;
  /** Default 0. */
  requestedUsage?: number;
}

export interface ConsumeRequest extends CheckRequest {
  /** Default: a new UUID, so that a retry counts once. */
  idempotencyKey?: string;
}

export interface SnapshotOptions extends RequestOptions {
  /** `bytes` (postcard, default) or `json`. */
  format?: "bytes" | "json";
  /** An earlier answer's `etag`: an unchanged snapshot answers `notModified: true`. */
  ifNoneMatch?: string;
}

/** The JSON form of a snapshot (API section 1); its dates are RFC 3339 strings. */
export interface SnapshotJson {
  formatVersion: number;
  info: {
    customerId: string;
    environment: string;
    version: number;
    catalogVersion: number;
    issuedAt: string;
    validUntil?: string;
  };
  customer: CustomerState;
  [key: string]: unknown;
}

export type SnapshotAnswer<T> =
  | { notModified: false; etag: string; version: number; snapshot: T }
  | { notModified: true; etag: string; version: number };

export interface UsageHistoryOptions extends RequestOptions {
  featureId?: string;
  /** Keeps the rows whose period overlaps `[from, to)` (rows without a period always). */
  from?: Instant;
  to?: Instant;
}

export interface UsageHistoryRow {
  featureId: string;
  periodStart?: Date;
  periodEnd?: Date;
  total: number;
}

export interface UsageHistory {
  rows: UsageHistoryRow[];
}

export interface CreditGrantRequest {
  customerId: string;
  /** The credit pool. */
  featureId: string;
  amount: number;
  category: "paid" | "promotional";
  /** Default: now. */
  effectiveAt?: Instant;
  /** Default: never. */
  expiresAt?: Instant;
  /** Lower burns first; default 10. */
  priority?: number;
  /** Default: generated by the Worker. */
  id?: string;
  /** Default: a new UUID, so that a retry adds once. */
  idempotencyKey?: string;
}

export interface CreditPool {
  creditId: string;
  balance: number;
  /** Lifetime use the pool could not cover (0 when none). */
  uncovered: number;
  nextExpiry?: Date;
  /** In force in burn order, then the one-off grants not yet effective. */
  grants: CreditGrantInForce[];
}

export interface CreditBalances {
  pools: CreditPool[];
}

/**
 * A client of the Worker API (spec/API.md section 3) with one environment's server key,
 * for back ends. Every call throws `EntitlementsError` on a non-2xx answer; a denial is a
 * decision, not an error.
 */
export declare class EntitlementsServer {
  constructor(options: EntitlementsServerOptions);
  /** The Worker's base URL, without a trailing slash. */
  readonly baseUrl: string;

  /** `PUT /v1/catalog`: 422 `invalid_catalog` with every violation, nothing stored. */
  putCatalog(catalog: Catalog, options?: RequestOptions): Promise<CatalogVersion>;
  /** `GET /v1/catalog`. */
  getCatalog(options?: RequestOptions): Promise<StoredCatalog>;

  /** `PUT /v1/customers/{id}`: creates or replaces (usage is kept); the stored state. */
  putCustomer(id: string, state: CustomerInput, options?: RequestOptions): Promise<CustomerState>;
  /** `GET /v1/customers/{id}`: usage and credit ledger included; 404 `customer_not_found`. */
  getCustomer(id: string, options?: RequestOptions): Promise<CustomerState>;
  /** `GET /v1/customers?prefix=&cursor=&limit=`: one page. */
  listCustomers(options?: ListCustomersOptions): Promise<CustomerPage>;
  /** Every customer (of `prefix`), fetching page after page. */
  iterateCustomers(options?: Omit<ListCustomersOptions, "cursor">): AsyncIterableIterator<CustomerListEntry>;
  /** `POST /v1/customers/{id}/tokens`: a token that reads only this customer's snapshot and live stream. */
  mintToken(id: string, options?: MintTokenOptions): Promise<CustomerToken>;
  /** `GET /v1/customers/{id}/snapshot`. */
  getSnapshot(id: string, options?: SnapshotOptions & { format?: "bytes" }): Promise<SnapshotAnswer<Uint8Array>>;
  getSnapshot(id: string, options: SnapshotOptions & { format: "json" }): Promise<SnapshotAnswer<SnapshotJson>>;
  /** `GET /v1/customers/{id}/usage?featureId=&from=&to=`. */
  getUsageHistory(id: string, options?: UsageHistoryOptions): Promise<UsageHistory>;

  /** `POST /v1/usage`, one report (retried safely: it carries an idempotency key). */
  reportUsage(report: UsageReport, options?: RequestOptions): Promise<UsageAnswer>;
  /** `POST /v1/usage`, a batch (one key per report): answers in order. */
  reportUsageBatch(reports: UsageReport[], options?: RequestOptions): Promise<Array<UsageAnswer | UsageItemError>>;
  /** `POST /v1/check`: the decision, consuming nothing. */
  check(request: CheckRequest, options?: RequestOptions): Promise<Decision>;
  /** `POST /v1/check` with `consume: true`: an allowed request counts (or draws) atomically. */
  consume(request: ConsumeRequest, options?: RequestOptions): Promise<Decision>;

  /** `POST /v1/credits/grants`: the grant as stored; 409 `credit_grant_exists` for a held `id`. */
  grantCredits(grant: CreditGrantRequest, options?: RequestOptions): Promise<CreditGrant>;
  /** `GET /v1/customers/{id}/credits`: each pool at now. */
  getCredits(id: string, options?: RequestOptions): Promise<CreditBalances>;

  /** `GET /v1/environment`: the key's environment and its identity in the audit log (never the key). */
  getEnvironment(options?: RequestOptions): Promise<{ environment: string; keyId: string }>;
  /** `GET /v1/audit?customerId=&cursor=&limit=`: one page of the environment's audit log. */
  getAuditLog(options?: AuditLogOptions): Promise<AuditPage>;
}
