// The client entry of the npm package, `edge-entitlements/client`: checks, local usage
// and `connect()`, over a wasm module built without the catalog and customer validation
// and the snapshot encoder (feature `wasm` only). What a browser that only checks
// downloads. `validateCatalog` and `buildSnapshot` are in the main entry.
import init, { initSync, RawEngine, rawMemory, rawLayout } from "./edge_entitlements_client.js";
import { bind, EntitlementsClient } from "./__CLIENT__";
import { connectLive } from "./live.js";

bind({
  newEngine: () => new RawEngine(),
  validateCatalog: () => {
    throw new Error("validateCatalog is in the main entry: import from \"edge-entitlements\"");
  },
  buildSnapshot: () => {
    throw new Error("buildSnapshot is in the main entry: import from \"edge-entitlements\"");
  },
  memory: rawMemory,
  layout: rawLayout,
});

Object.defineProperty(EntitlementsClient, "connect", {
  value: (options) => connectLive(EntitlementsClient, options),
  writable: true,
  configurable: true,
});

Object.defineProperty(initSync, "name", { value: "initSync" });
Object.defineProperty(init, "name", { value: "__wbg_init" });

export { EntitlementsClient, EntitlementsError } from "./__CLIENT__";
export { initSync };
export default init;
