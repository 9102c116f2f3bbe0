import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId } from "../../worker/helpers.mjs";
const w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
const api = client(w.url, DEV_KEY);
const T = { "x-test-now": "2026-03-10T00:00:00Z" };
const show = (label, r) => console.log(label, r.status, JSON.stringify(r.body).slice(0, 300));
try {
  await api.put("/v1/catalog", CATALOG);
  const id = uniqueId("r");
  await api.put(`/v1/customers/${id}`, customer(id), T);
  await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 3 }, T);
  const cat2 = structuredClone(CATALOG);
  cat2.plans = cat2.plans.filter((p) => p.id !== "pro");
  show("cat without pro", await api.put("/v1/catalog", cat2));
  show("report", await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 3 }, T));
  show("consume", await api.post("/v1/check", { customerId: id, featureId: "api-calls", requestedUsage: 1, consume: true }, T));
  show("check", await api.post("/v1/check", { customerId: id, featureId: "api-calls" }, T));
  show("get", await api.get(`/v1/customers/${id}`, T));
  show("hist", await api.get(`/v1/customers/${id}/usage`, T));
  show("snapshot", await api.get(`/v1/customers/${id}/snapshot`, { ...T, accept: "application/json" }));
  await api.put("/v1/catalog", CATALOG);
  show("report after restore", await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 3 }, T));
  const credit = structuredClone(CATALOG);
  credit.features.push({ id: "ai-credits", type: "credit", units: "credit" });
  show("credit catalog", await api.put("/v1/catalog", credit));
  // year edges with the test clock
  show("x-test-now 9999", await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 1 }, { "x-test-now": "9999-12-31T23:00:00Z" }));
  show("hist 9999", await api.get(`/v1/customers/${id}/usage`, { "x-test-now": "9999-12-31T23:00:00Z" }));
  show("snap 9999", await api.get(`/v1/customers/${id}/snapshot`, { "x-test-now": "9999-12-31T23:00:00Z", accept: "application/json" }));
  show("check 9999", await api.post("/v1/check", { customerId: id, featureId: "api-calls" }, { "x-test-now": "9999-12-31T23:00:00Z" }));
} finally { await w.stop(); }
