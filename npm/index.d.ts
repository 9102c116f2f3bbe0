// Types of the npm package `edge-entitlements` (src/wasm + js/client.js). Checked by
// `tsc --noEmit -p tests/ts` against a usage file, and the shapes by the Node tests.

export { default, initSync } from "./edge_entitlements.js";
export type { InitInput, InitOutput, SyncInitInput } from "./edge_entitlements.js";

/** Stable error codes. */
export type EntitlementsErrorCode =
  | "invalid_catalog"
  | "invalid_customer"
  | "invalid_snapshot"
  | "unsupported_snapshot_version"
  | "invalid_argument"
  | "invalid_usage"
  | "not_initialized";

/** One thing wrong with an input. */
export interface Violation {
  /** JSON path from the root of the input, e.g. `plans[1].parentPlanId`; `""` for the whole input. */
  path: string;
  message: string;
}

/** An invalid input. A check never throws: a denial is an answer. */
export declare class EntitlementsError extends Error {
  readonly name: "EntitlementsError";
  readonly code: EntitlementsErrorCode;
  /** Path of the first offending field, when there is one. */
  readonly path?: string;
  /** Every violation found. */
  readonly details: Violation[];
}

export type FeatureType = "boolean" | "numeric" | "metered" | "credit";
export type Meter = "incremental" | "fluctuating";
export type ResetPeriod = "hour" | "day" | "week" | "month" | "year";
export type AccessDeniedReason =
  | "CustomerNotFound"
  | "CustomerIsArchived"
  | "FeatureNotFound"
  | "NoActiveSubscription"
  | "NoFeatureEntitlementInSubscription"
  | "RequestedUsageExceedingLimit"
  | "InsufficientCredits"
  | "Unknown";

/** The feature part of a result (shared and frozen: do not mutate). */
export interface EntitlementFeature {
  readonly id: string;
  readonly type: FeatureType;
  readonly meter?: Meter;
  readonly units?: string;
  readonly unitsPlural?: string;
  readonly displayName?: string;
}

/** A caller's answer for a feature when no snapshot is loaded or the check asks for another type. */
export interface EntitlementFallback {
  hasAccess: boolean;
  value?: number;
  usageLimit?: number;
  isUnlimited?: boolean;
}

interface EntitlementBase {
  hasAccess: boolean;
  isFallback: boolean;
  accessDeniedReason?: AccessDeniedReason;
  feature?: EntitlementFeature;
}

export interface BooleanEntitlement extends EntitlementBase {}

export interface NumericEntitlement extends EntitlementBase {
  /** Absent when unlimited or not granted. */
  value?: number;
  isUnlimited?: boolean;
}

export interface MeteredEntitlement extends EntitlementBase {
  /** Absent when unlimited or not granted. */
  usageLimit?: number;
  isUnlimited?: boolean;
  currentUsage?: number;
  requestedUsage?: number;
  resetPeriod?: ResetPeriod;
  usagePeriodAnchor?: Date;
  usagePeriodStart?: Date;
  usagePeriodEnd?: Date;
  /** A feature priced in credits (SEMANTICS section 7): the pool it spends. */
  creditId?: string;
  /** A feature priced in credits: what `requestedUsage` costs, in credits. */
  cost?: number;
  /** A feature priced in credits: the pool's balance before this request, in credits. */
  balance?: number;
}

/** A grant of a credit pool in force, as a credit result lists it (in burn order). */
export interface CreditGrantInForce {
  /** `plan:<subscriptionId>` for the plan grant. */
  id: string;
  source: "plan" | "grant";
  /** A one-off grant's category (a plan grant has none; it ranks as paid). */
  category?: "paid" | "promotional";
  /** Lower burns first. */
  priority: number;
  /** Credits granted (a plan grant's includes its carry). */
  amount: number;
  /** Credits left. */
  remaining: number;
  effectiveAt: Date;
  /** Absent: never expires. */
  expiresAt?: Date;
}

/** How a cost is drawn from one grant. */
export interface CreditDraw {
  grantId: string;
  /** Credits. */
  amount: number;
}

/** The result of `getCreditEntitlement` (SEMANTICS section 7); credits are numbers. */
export interface CreditEntitlement extends EntitlementBase {
  /** The pool. */
  creditId?: string;
  /** In the checked feature's units (credits for a pool). */
  requestedUsage?: number;
  /** `requestedUsage x perUnit`, rounded up to a millionth of a credit. */
  cost?: number;
  /** Credits left in the pool before this request. */
  balance?: number;
  /** The earliest expiry among grants in force with something left. */
  nextExpiry?: Date;
  /** The grants in force, in burn order (shared between results and frozen: copy to change). */
  grants?: readonly CreditGrantInForce[];
  /** When allowed: how `cost` would be drawn, in burn order. */
  draws?: CreditDraw[];
}

/** Any result, as in `getEntitlements()` (credit pools as credit results). */
export type Entitlement = BooleanEntitlement | NumericEntitlement | MeteredEntitlement | CreditEntitlement;

export interface SnapshotInfo {
  customerId: string;
  environment: string;
  version: number;
  catalogVersion: number;
  issuedAt: Date;
  /** The next instant at which some answer changes by itself; absent if never. */
  validUntil?: Date;
}

export interface UsageRecorded {
  currentUsage: number;
  usagePeriodStart?: Date;
  usagePeriodEnd?: Date;
  /** A feature priced in credits: credits drawn locally, in burn order. */
  creditsDrawn?: number;
  /** A feature priced in credits: the part of the cost the balance could not cover. */
  creditsUncovered?: number;
}

export interface EntitlementsClientOptions {
  /** Fallbacks by feature id. */
  entitlementsFallback?: Record<string, EntitlementFallback>;
  /** The current time (for tests); default `Date.now()`. */
  now?: () => Date;
}

export interface CheckOptions {
  fallback?: EntitlementFallback;
}

export interface MeteredCheckOptions extends CheckOptions {
  /** Usage about to be consumed (non-negative; default 0). */
  requestedUsage?: number;
}

export declare class EntitlementsClient {
  constructor(options?: EntitlementsClientOptions);
  /** `true` if applied, `false` if older than the one held. Throws `EntitlementsError` on bad bytes. */
  applySnapshot(bytes: Uint8Array | ArrayBuffer): boolean;
  getBooleanEntitlement(params: { featureId: string; options?: CheckOptions }): BooleanEntitlement;
  getNumericEntitlement(params: { featureId: string; options?: CheckOptions }): NumericEntitlement;
  getMeteredEntitlement(params: { featureId: string; options?: MeteredCheckOptions }): MeteredEntitlement;
  /**
   * A credit pool, or a feature priced in credits (`requestedUsage` in its units):
   * balance, cost, grants in burn order, draws when allowed (SEMANTICS section 7).
   */
  getCreditEntitlement(params: { featureId: string; options?: MeteredCheckOptions }): CreditEntitlement;
  getEntitlements(): Entitlement[];
  /**
   * Optimistic local usage (a delta at `now`, by the core's recording rule of SEMANTICS
   * section 6) until the next applied snapshot; `null` without a snapshot. Throws
   * `EntitlementsError` `invalid_usage` (path `featureId` or `amount`) for a feature that
   * is not metered, an amount that is not a finite number within 2^53-1, or a counter
   * that would pass 2^53-1. A feature priced in credits also draws its cost locally, in
   * burn order and at most the balance (SEMANTICS section 7).
   */
  recordUsage(featureId: string, amount: number): UsageRecorded | null;
  readonly snapshotInfo: SnapshotInfo | null;
  /**
   * The next instant at which some answer changes by itself, seen from now (a period
   * rollover, a trial or subscription end, a promotion or credit-grant boundary); `null`
   * before the first snapshot or when nothing does. Unlike `snapshotInfo.validUntil` (fixed
   * when the snapshot was built) it moves on once that instant has passed.
   */
  nextChange(): Date | null;
  /** Called after each applied snapshot; returns a function that removes the listener. */
  addListener(listener: (info: SnapshotInfo) => void): () => void;
  removeListener(listener: (info: SnapshotInfo) => void): void;
  /**
   * Fetches the customer's snapshot from the Worker, then keeps it current over the live
   * WebSocket (reconnects with backoff, polls with If-None-Match while disconnected,
   * persists the last snapshot in localStorage when present). Rejects on 401/403.
   */
  static connect(options: ConnectOptions): Promise<LiveEntitlementsClient>;
}

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline" | "closed";

export interface ConnectOptions extends EntitlementsClientOptions {
  /** Base URL of the Worker, e.g. `https://entitlements.example.com`. */
  url: string;
  customerId: string;
  /**
   * A customer token minted by your back end (`POST /v1/customers/{id}/tokens`), or a
   * function returning one (or a promise of one), called before each request and
   * reconnect so that an expiring token can be renewed (the Worker closes the live
   * socket at the token's expiry). Sent in `Authorization` and in the WebSocket
   * subprotocols, never in a URL.
   */
  token: string | (() => string | Promise<string>);
  /** WebSocket constructor where there is no global one (e.g. the `ws` package in Node 20). */
  WebSocket?: unknown;
  /** fetch implementation; default the global one. */
  fetch?: (input: string, init?: Record<string, unknown>) => Promise<unknown>;
  /** Where the last snapshot is kept; default localStorage when present; `null` for none. */
  storage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
  /** Polling period while the WebSocket is down; default 30000. */
  pollIntervalMs?: number;
  /** Reconnect backoff bounds; default 250 and 30000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How often the client sends `ping` on the live socket; default 30000 (the Worker
   * closes a socket silent for twice its `LIVE_HEARTBEAT_SECONDS`, 30 s by default).
   */
  heartbeatIntervalMs?: number;
  /** How long a `ping` may go unanswered before the socket is replaced; default 10000. */
  heartbeatTimeoutMs?: number;
  /** Called when the connection status changes. */
  onStatus?: (status: ConnectionStatus) => void;
}

/** A client kept current by `EntitlementsClient.connect()`. */
export interface LiveEntitlementsClient extends EntitlementsClient {
  readonly connectionStatus: ConnectionStatus;
  /** Stops following the Worker for good. */
  close(): void;
  /** Cuts the connection on purpose; answers go on from the snapshot held. */
  disconnect(): void;
  /** Follows the Worker again after `disconnect()`. */
  reconnect(): void;
}

// The engine's inputs, generated from the Rust types (schema.d.ts, made by
// scripts/build-pkg.sh from their JSON Schema): a catalog (SEMANTICS section 1) and a
// customer state (section 2). The engine still validates them (every rule, with paths).
import type { Catalog, CustomerState } from "./schema.js";
export type { Catalog, CustomerState };

export interface BuildSnapshotOptions {
  environment: string;
  /** Monotonic: higher is newer. */
  version: number;
  catalogVersion?: number;
  /** Issue instant; default the current time. */
  now?: Date | number;
}

/** Throws `EntitlementsError` (`invalid_catalog`) with every violation. */
export declare function validateCatalog(catalog: Catalog): void;
/** The customer's binary snapshot. Throws `EntitlementsError` on bad input. */
export declare function buildSnapshot(
  catalog: Catalog,
  customerState: CustomerState,
  options: BuildSnapshotOptions,
): Uint8Array;
