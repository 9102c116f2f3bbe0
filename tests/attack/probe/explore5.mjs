import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId } from "../../worker/helpers.mjs";
const w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
const api = client(w.url, DEV_KEY);
const T = { "x-test-now": "2026-03-10T00:00:00Z" };
try {
  await api.put("/v1/catalog", CATALOG);
  const id = uniqueId("n");
  const c = customer(id);
  c.promotionalEntitlements = [{ featureId: "retention-days", value: 0.9999999999999999 }];
  const put = await api.put(`/v1/customers/${id}`, c, T);
  console.log("PUT answer", JSON.stringify(put.body.promotionalEntitlements));
  const r = await api.post("/v1/check", { customerId: id, featureId: "retention-days" }, T);
  console.log("check value", r.body.value, "sent", 0.9999999999999999);
} finally { await w.stop(); }
