// Entry point of the npm package `edge-entitlements` (copied into pkg/ by
// scripts/build-pkg.sh, which fills in the snippet path of js/client.js).
import init, { initSync, RawEngine, rawValidateCatalog, rawBuildSnapshot, rawMemory, rawTables } from "./edge_entitlements.js";
import { bind } from "./__CLIENT__";

bind({
  newEngine: () => new RawEngine(),
  validateCatalog: rawValidateCatalog,
  buildSnapshot: rawBuildSnapshot,
  memory: rawMemory,
  tables: rawTables,
});

export { EntitlementsClient, EntitlementsError, validateCatalog, buildSnapshot } from "./__CLIENT__";
export { initSync };
export default init;
