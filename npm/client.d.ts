// Types of `edge-entitlements/client`: the checks, local usage and `connect()` of the
// main entry, without `validateCatalog` and `buildSnapshot`.
export { default, initSync } from "./edge_entitlements_client.js";
export type { InitInput, InitOutput, SyncInitInput } from "./edge_entitlements_client.js";
export { EntitlementsClient, EntitlementsError } from "./index.js";
export type * from "./index.js";
