// The engine (the npm package as the Worker serves it at /pkg/): its wasm is fetched and
// instantiated once per page, whichever page asks first.
import init, { validateCatalog, buildSnapshot, EntitlementsClient, EntitlementsError } from "/pkg/index.js";

let ready = null;

/** Resolves once the wasm is instantiated; every caller shares the one instantiation. */
export function loadEngine() {
  ready ??= init().then(() => ({ validateCatalog, buildSnapshot, EntitlementsClient, EntitlementsError }));
  return ready;
}
