// Types of `edge-entitlements/react`: the provider, the hooks and `<Gate>` (React 18, 19).
import type { ReactElement, ReactNode } from "react";
import type {
  BooleanEntitlement,
  CheckOptions,
  ConnectOptions,
  ConnectionStatus,
  CreditEntitlement,
  EntitlementsClient,
  Entitlement,
  FeatureType,
  InitInput,
  MeteredCheckOptions,
  MeteredEntitlement,
  NumericEntitlement,
  SnapshotInfo,
  UsageRecorded,
} from "./client.js";

/** A client made by the caller (tests, server rendering): used as it is, never closed. */
export interface ClientProviderProps {
  client: EntitlementsClient;
  /** The clock the re-render timer reads; default `Date.now()`. */
  now?: () => Date;
  children?: ReactNode;
  url?: never;
  customerId?: never;
  token?: never;
}

/**
 * The options of `EntitlementsClient.connect()`: the provider connects in an effect,
 * reconnects when `url` or `customerId` change, and closes the client on unmount.
 */
export interface ConnectProviderProps extends ConnectOptions {
  client?: undefined;
  /** Where `init()` loads the client's wasm from; default next to the package's JS. */
  wasm?: InitInput | Promise<InitInput>;
  /** A connection that failed: a refused token (401/403), a wasm that did not load. */
  onError?: (error: unknown) => void;
  children?: ReactNode;
}

export type EntitlementsProviderProps = ClientProviderProps | ConnectProviderProps;

/** Provides a customer's entitlements to the hooks and `<Gate>` below it. */
export declare function EntitlementsProvider(props: EntitlementsProviderProps): ReactElement;

/**
 * `true` until the first snapshot is applied (the answer is then the fallback: the
 * caller's, else `entitlementsFallback`'s, else `{ hasAccess: false, isFallback: true,
 * accessDeniedReason: "Unknown" }`); `false` after it, or when the connection failed.
 */
export interface Loading {
  isLoading: boolean;
}

export declare function useBooleanEntitlement(params: { featureId: string; options?: CheckOptions }): BooleanEntitlement & Loading;
export declare function useNumericEntitlement(params: { featureId: string; options?: CheckOptions }): NumericEntitlement & Loading;
export declare function useMeteredEntitlement(params: { featureId: string; options?: MeteredCheckOptions }): MeteredEntitlement & Loading;
export declare function useCreditEntitlement(params: { featureId: string; options?: MeteredCheckOptions }): CreditEntitlement & Loading;
/** Every entitlement of the customer (none while loading). */
export declare function useEntitlements(): { entitlements: Entitlement[] } & Loading;

export interface EntitlementsStatus extends Loading {
  /** Why the connection failed, else `null`. */
  error: unknown;
  /** The live connection's status; `null` for a client handed in that has none. */
  connectionStatus: ConnectionStatus | null;
  snapshotInfo: SnapshotInfo | null;
}

export declare function useEntitlementsStatus(): EntitlementsStatus;
/** The provider's client, or `null` while it connects. */
export declare function useEntitlementsClient(): EntitlementsClient | null;
/** `client.recordUsage` that also re-renders the readers; the function answers `null` before the first snapshot. */
export declare function useRecordUsage(): (featureId: string, amount: number) => UsageRecorded | null;

export interface GateProps {
  /** The feature's id. */
  feature: string;
  /** The check: `"boolean"` (default), `"numeric"`, `"metered"` or `"credit"`. */
  type?: FeatureType;
  /** For a metered or credit check: the usage about to be consumed. */
  requestedUsage?: number;
  /** Shown without access; default nothing. */
  fallback?: ReactNode;
  /** Shown before the first snapshot; default `fallback` (unless a configured fallback grants access). */
  loading?: ReactNode;
  /** Shown with access. */
  children?: ReactNode;
}

/** Renders `children` when the customer has access to `feature`, else `fallback`. */
export declare function Gate(props: GateProps): ReactElement;
