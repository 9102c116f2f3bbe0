// Entry point of the npm package `edge-entitlements` (copied into pkg/ by
// scripts/build-pkg.sh, which fills in the snippet path of js/client.js).
import init, { initSync, RawEngine, rawValidateCatalog, rawBuildSnapshot, rawMemory, rawLayout } from "./edge_entitlements.js";
import { bind, EntitlementsClient } from "./__CLIENT__";
import { connectLive } from "./live.js";

bind({
  newEngine: () => new RawEngine(),
  validateCatalog: rawValidateCatalog,
  buildSnapshot: rawBuildSnapshot,
  memory: rawMemory,
  layout: rawLayout,
});

// `EntitlementsClient.connect(options)`: fetch, then follow the Worker's live stream.
Object.defineProperty(EntitlementsClient, "connect", {
  value: (options) => connectLive(EntitlementsClient, options),
  writable: true,
  configurable: true,
});

// wasm-bindgen's glue is minified without --keep-names (0.2 KB less to download); its two
// public functions get back the names they had.
Object.defineProperty(initSync, "name", { value: "initSync" });
Object.defineProperty(init, "name", { value: "__wbg_init" });

export { EntitlementsClient, EntitlementsError, validateCatalog, buildSnapshot } from "./__CLIENT__";
export { initSync };
export default init;
