// The React bindings of the npm package, `edge-entitlements/react` (React 18 and 19).
//
// Plain JS without JSX, so the package ships it as written. `<EntitlementsProvider>`
// holds one store: the client (connected by `EntitlementsClient.connect()` in an effect,
// or handed in), a version bumped on every applied snapshot and at every instant an
// answer changes by itself, and one timer for the next such instant. The hooks read the
// version with `useSyncExternalStore` (a number: a stable snapshot, so no render loop)
// and ask the client again when it moves. Every answer, the fallbacks before the first
// snapshot included, is the client's: no rule lives here.
//
// Server rendering touches no `window`, `document`, `fetch` nor WebSocket: connecting is
// an effect, and effects do not run under `renderToString`, where the hooks answer the
// loading shape.
import { createContext, createElement, Fragment, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import init, { EntitlementsClient } from "./client.js";

/** `setTimeout` takes at most 2^31-1 ms; a later instant is waited for in steps. */
const MAX_DELAY = 2 ** 31 - 1;

const Context = createContext(null);

/**
 * The provider's state outside React: the client in use (`null` while a connection is
 * pending), the error of the last connection, and `version`, which every change bumps.
 */
function createStore(clock) {
  const subscribers = new Set();
  let timer = null;
  let removeListener = null;
  // Between an effect's attach and its cleanup: only then may a timer run.
  let active = false;
  const store = {
    version: 0,
    client: null,
    /** A client without a snapshot: the client's own fallbacks while loading. */
    placeholder: null,
    error: null,
    connectionStatus: null,
    now: clock,
    subscribe(callback) {
      subscribers.add(callback);
      return () => subscribers.delete(callback);
    },
    getVersion: () => store.version,
    /** A change: the next render asks the client again; the timer is set anew. */
    bump() {
      store.version += 1;
      store.arm();
      for (const callback of [...subscribers]) callback();
    },
    /** Uses `client` (or none) from now on: follows its snapshots, times its next change. */
    attach(client) {
      store.detach();
      store.client = client;
      active = true;
      if (client !== null) removeListener = client.addListener(() => store.bump());
      store.bump();
    },
    detach() {
      if (removeListener !== null) removeListener();
      removeListener = null;
      active = false;
      store.disarm();
    },
    /**
     * One timer for the next instant at which an answer changes by itself (a trial end,
     * a period rollover, a promotion or grant boundary), as the client's engine tells it.
     */
    arm() {
      store.disarm();
      const client = store.client;
      if (!active || client === null || typeof client.nextChange !== "function") return;
      const next = client.nextChange();
      if (next === null) return;
      const at = next.getTime();
      const delay = Math.min(Math.max(at - store.now(), 0), MAX_DELAY);
      timer = setTimeout(() => {
        timer = null;
        // A clock behind the engine's (a delay cut to MAX_DELAY) only sets the timer again.
        if (store.now() >= at) store.bump();
        else store.arm();
      }, delay);
    },
    disarm() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    get armed() {
      return timer !== null;
    },
    get listening() {
      return removeListener !== null;
    },
  };
  return store;
}

/**
 * Provides a customer's entitlements to the hooks and `<Gate>` below it. Either
 * `client` (an `EntitlementsClient` made by the caller, e.g. for tests or server
 * rendering; never closed here), or the options of `EntitlementsClient.connect()`
 * (`url`, `customerId`, `token`: a string or a function returning one, and any other,
 * e.g. `entitlementsFallback`, `storage`, `onStatus`): the provider connects in an
 * effect, reconnects when `url` or `customerId` change, and closes on unmount. `wasm`:
 * where `init()` loads the client's wasm from (default next to the package's JS).
 * `onError(error)`: a connection that failed (a refused token, a wasm that did not load).
 */
export function EntitlementsProvider(props) {
  const { client, children, wasm, onError, url, customerId, now } = props;
  const [store] = useState(() => createStore(typeof now === "function" ? () => +now() : Date.now));
  // The latest props, for the token function and callbacks of a connection made earlier.
  const latest = useRef(props);
  latest.current = props;

  // A client handed in answers from the first render on (server rendering included).
  if (client !== undefined && client !== null) store.client = client;
  if (store.placeholder === null) {
    store.placeholder = new EntitlementsClient({ entitlementsFallback: props.entitlementsFallback, now });
  }

  useEffect(() => {
    if (client !== undefined && client !== null) {
      store.error = null;
      store.attach(client);
      return () => store.detach();
    }
    if (typeof url !== "string" || typeof customerId !== "string") return undefined;
    let cancelled = false;
    let connected = null;
    store.error = null;
    store.connectionStatus = "connecting";
    store.attach(null);
    const { client: _c, children: _ch, wasm: _w, onError: _e, token: _t, onStatus: _s, ...options } = latest.current;
    (async () => {
      await init(wasm === undefined ? undefined : { module_or_path: wasm });
      const live = await EntitlementsClient.connect({
        ...options,
        url,
        customerId,
        // Read when used, so that a new token prop reaches a connection made earlier.
        token: () => {
          const t = latest.current.token;
          return typeof t === "function" ? t() : t;
        },
        onStatus: (status) => {
          if (!cancelled) {
            store.connectionStatus = status;
            store.bump();
          }
          const onStatus = latest.current.onStatus;
          if (typeof onStatus === "function") onStatus(status);
        },
      });
      if (cancelled) {
        live.close();
        return;
      }
      connected = live;
      store.connectionStatus = live.connectionStatus;
      store.attach(live);
    })().catch((error) => {
      if (cancelled) return;
      store.error = error;
      store.bump();
      const report = latest.current.onError;
      if (typeof report === "function") report(error);
      else queueMicrotask(() => {
        throw error;
      });
    });
    return () => {
      cancelled = true;
      store.detach();
      if (connected !== null) connected.close();
    };
  }, [store, client, url, customerId, wasm]);

  return createElement(Context.Provider, { value: store }, children);
}

function useStore(hook) {
  const store = useContext(Context);
  if (store === null) throw new Error(`${hook} must be used within <EntitlementsProvider>`);
  // A number: the same value between changes, so React renders only when it moves.
  const version = useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
  return [store, version];
}

/** Whether the answers are still the fallbacks of a client waiting for its first snapshot. */
function loading(store) {
  return store.error === null && (store.client === null || store.client.snapshotInfo === null);
}

function answerer(store) {
  return store.client ?? store.placeholder;
}

function useCheck(hook, method, params) {
  const [store, version] = useStore(hook);
  const featureId = params?.featureId;
  const options = params?.options;
  const requestedUsage = options?.requestedUsage;
  const fallback = options?.fallback;
  return useMemo(() => {
    const result = answerer(store)[method]({ featureId, options: { requestedUsage, fallback } });
    result.isLoading = loading(store);
    return result;
  }, [store, version, method, featureId, requestedUsage, fallback]);
}

/** `{ featureId, options?: { fallback } }`: the boolean answer, plus `isLoading`. */
export function useBooleanEntitlement(params) {
  return useCheck("useBooleanEntitlement", "getBooleanEntitlement", params);
}

/** `{ featureId, options?: { fallback } }`: the numeric answer, plus `isLoading`. */
export function useNumericEntitlement(params) {
  return useCheck("useNumericEntitlement", "getNumericEntitlement", params);
}

/** `{ featureId, options?: { requestedUsage, fallback } }`: the metered answer, plus `isLoading`. */
export function useMeteredEntitlement(params) {
  return useCheck("useMeteredEntitlement", "getMeteredEntitlement", params);
}

/** `{ featureId, options?: { requestedUsage, fallback } }`: the credit answer, plus `isLoading`. */
export function useCreditEntitlement(params) {
  return useCheck("useCreditEntitlement", "getCreditEntitlement", params);
}

/** `{ entitlements, isLoading }`: every entitlement of the customer (none while loading). */
export function useEntitlements() {
  const [store, version] = useStore("useEntitlements");
  return useMemo(() => ({ entitlements: answerer(store).getEntitlements(), isLoading: loading(store) }), [store, version]);
}

/**
 * `{ isLoading, error, connectionStatus, snapshotInfo }`: the provider's connection
 * (`connectionStatus` `null` for a client handed in).
 */
export function useEntitlementsStatus() {
  const [store, version] = useStore("useEntitlementsStatus");
  return useMemo(
    () => ({
      isLoading: loading(store),
      error: store.error,
      connectionStatus: store.client === null || store.client.connectionStatus === undefined ? store.connectionStatus : store.client.connectionStatus,
      snapshotInfo: store.client === null ? null : store.client.snapshotInfo,
    }),
    [store, version],
  );
}

/** The provider's `EntitlementsClient`, or `null` while it connects. */
export function useEntitlementsClient() {
  const [store] = useStore("useEntitlementsClient");
  return store.client;
}

/**
 * A function recording usage locally (`client.recordUsage(featureId, amount)`) that also
 * re-renders the components reading entitlements; `null` before the first snapshot.
 */
export function useRecordUsage() {
  const [store] = useStore("useRecordUsage");
  return useMemo(
    () => (featureId, amount) => {
      const client = store.client;
      if (client === null) return null;
      const recorded = client.recordUsage(featureId, amount);
      if (recorded !== null) store.bump();
      return recorded;
    },
    [store],
  );
}

const GATE_CHECKS = {
  boolean: "getBooleanEntitlement",
  numeric: "getNumericEntitlement",
  metered: "getMeteredEntitlement",
  credit: "getCreditEntitlement",
};

/**
 * Renders `children` when the customer has access to `feature`, else `fallback` (default
 * nothing). `type`: the check, `"boolean"` (default), `"numeric"`, `"metered"` or
 * `"credit"`, with `requestedUsage` for the last two. `loading`: what to show before the
 * first snapshot (default: as a denial, `fallback`, unless the fallback answer of
 * `entitlementsFallback` grants access).
 */
export function Gate({ feature, type = "boolean", requestedUsage, fallback = null, loading: whileLoading, children }) {
  const method = GATE_CHECKS[type];
  if (method === undefined) throw new Error(`<Gate type="${type}">: the type is one of boolean, numeric, metered, credit`);
  const result = useCheck("Gate", method, { featureId: feature, options: { requestedUsage } });
  const shown = result.hasAccess ? children : result.isLoading && whileLoading !== undefined ? whileLoading : fallback;
  return createElement(Fragment, null, shown);
}
