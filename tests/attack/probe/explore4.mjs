import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId, loadPkg } from "../../worker/helpers.mjs";
const w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
const api = client(w.url, DEV_KEY);
const T = { "x-test-now": "2026-03-10T00:00:00Z" };
try {
  const cat = structuredClone(CATALOG);
  cat.plans[0].entitlements.find((e) => e.featureId === "retention-days").value = 0.9999999999999999;
  console.log((await api.put("/v1/catalog", cat)).status);
  const id = uniqueId("n");
  await api.put(`/v1/customers/${id}`, customer(id), T);
  const c = await api.post("/v1/check", { customerId: id, featureId: "retention-days" }, T);
  console.log("server numeric value", c.body.value);
  const g = await api.get("/v1/catalog");
  console.log("GET catalog value", g.body.catalog.plans[0].entitlements.find((e) => e.featureId === "retention-days").value);
  const pkg = await loadPkg();
  const snap = await api.get(`/v1/customers/${id}/snapshot`, T);
  const cl = new pkg.EntitlementsClient({ now: () => new Date("2026-03-10T00:00:00Z") });
  cl.applySnapshot(snap.body);
  console.log("npm from Worker snapshot", cl.getNumericEntitlement({ featureId: "retention-days" }).value);
  const local = pkg.buildSnapshot(cat, customer(id), { environment: "development", version: 1, now: new Date("2026-03-10T00:00:00Z") });
  const cl2 = new pkg.EntitlementsClient({ now: () => new Date("2026-03-10T00:00:00Z") });
  cl2.applySnapshot(local);
  console.log("npm buildSnapshot from the same objects", cl2.getNumericEntitlement({ featureId: "retention-days" }).value);
} finally { await w.stop(); await api.put("/v1/catalog", CATALOG).catch(() => {}); }
