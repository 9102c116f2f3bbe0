import http from "node:http";
import { startWorker, client, DEV_KEY, BINDINGS, CATALOG, customer, uniqueId } from "../../worker/helpers.mjs";
const w = await startWorker({ bindings: { ...BINDINGS, TEST_CLOCK: "true" } });
const api = client(w.url, DEV_KEY);
const at = (t) => ({ "x-test-now": t });
const T = "2026-03-10T00:00:00Z";
const show = (label, r) => console.log(label, r.status, JSON.stringify(r.body).slice(0, 300));
function rawReq(method, path) {
  return new Promise((res) => {
    const u = new URL(path, w.url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers: { authorization: `Bearer ${DEV_KEY}` } }, (r) => {
      let d = ""; r.on("data", (c) => (d += c)); r.on("end", () => res([r.statusCode, d.slice(0, 200)]));
    });
    req.on("error", (e) => res(["err", e.message])); req.setTimeout(3000, () => { req.destroy(); res(["timeout"]); });
    req.end();
  });
}
try {
  await api.put("/v1/catalog", CATALOG);
  for (const m of ["TRACE", "HEAD", "PROPFIND"]) console.log(m, await rawReq(m, "/v1/usage"));
  console.log("HEAD check", await rawReq("HEAD", "/v1/check"));
  console.log("TRACE cust", await rawReq("TRACE", "/v1/customers/x/usage"));
  const a = uniqueId("a"), b = uniqueId("b");
  await api.put(`/v1/customers/${a}`, customer(a), at(T));
  await api.put(`/v1/customers/${b}`, customer(b), at(T));
  // concurrent conflicting keys
  const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => api.post("/v1/usage", { customerId: a, featureId: "api-calls", value: i + 1, idempotencyKey: "same" }, at(T))));
  const codes = {}; for (const r of rs) codes[r.status] = (codes[r.status] || 0) + 1;
  const winners = rs.filter((r) => r.status === 200).map((r) => r.body.currentUsage);
  console.log("concurrent same key", codes, "answers", [...new Set(winners)]);
  show("state a", await api.get(`/v1/customers/${a}`, at(T)));
  show("hist a", await api.get(`/v1/customers/${a}/usage`, at(T)));
  // concurrent consume
  const cs = await Promise.all(Array.from({ length: 40 }, (_, i) => api.post("/v1/check", { customerId: b, featureId: "credits", requestedUsage: 3, consume: true }, at(T))));
  console.log("consumes allowed", cs.filter((r) => r.body.hasAccess).length, "statuses", [...new Set(cs.map((r) => r.status))]);
  show("state b", await api.get(`/v1/customers/${b}`, at(T)));
  // multi-customer batch: one unknown
  const g = "ghost-" + a;
  show("multi w/ ghost", await api.post("/v1/usage", [
    { customerId: a, featureId: "api-calls", value: 1 }, { customerId: g, featureId: "api-calls", value: 1 }, { customerId: b, featureId: "api-calls", value: 1 }], at(T)));
  // multi-customer batch: one invalid item anywhere -> nothing applies
  show("multi invalid", await api.post("/v1/usage", [
    { customerId: a, featureId: "api-calls", value: 1 }, { customerId: b, featureId: "api-calls", value: 1e308 }], at(T)));
  show("state a after", await api.get(`/v1/customers/${a}`, at(T)));
  // multi-customer with b's conflict
  await api.post("/v1/usage", { customerId: b, featureId: "api-calls", value: 1, idempotencyKey: "kb" }, at(T));
  show("multi conflict", await api.post("/v1/usage", [
    { customerId: a, featureId: "api-calls", value: 1 }, { customerId: b, featureId: "api-calls", value: 2, idempotencyKey: "kb" }], at(T)));
  // single vs multi replay after catalog change removes feature
  await api.post("/v1/usage", { customerId: a, featureId: "credits", value: 1, idempotencyKey: "kc" }, at(T));
  await api.post("/v1/usage", { customerId: b, featureId: "credits", value: 1, idempotencyKey: "kc" }, at(T));
  const cat2 = structuredClone(CATALOG);
  cat2.features = cat2.features.filter((f) => f.id !== "credits");
  cat2.plans[0].entitlements = cat2.plans[0].entitlements.filter((e) => e.featureId !== "credits");
  show("cat2", await api.put("/v1/catalog", cat2));
  show("single replay of removed feature", await api.post("/v1/usage", { customerId: a, featureId: "credits", value: 1, idempotencyKey: "kc" }, at(T)));
  show("multi replay of removed feature", await api.post("/v1/usage", [
    { customerId: a, featureId: "credits", value: 1, idempotencyKey: "kc" }, { customerId: b, featureId: "credits", value: 1, idempotencyKey: "kc" }], at(T)));
  show("single-customer batch replay", await api.post("/v1/usage", [
    { customerId: a, featureId: "credits", value: 1, idempotencyKey: "kc" }], at(T)));
  await api.put("/v1/catalog", CATALOG);
  // unicode ids
  const u = "été-" + a;
  show("put unicode", await api.put(`/v1/customers/${encodeURIComponent(u)}`, customer(u), at(T)));
  show("report unicode", await api.post("/v1/usage", { customerId: u, featureId: "api-calls", value: 2 }, at(T)));
  show("report NFD", await api.post("/v1/usage", { customerId: u.normalize("NFD"), featureId: "api-calls", value: 2 }, at(T)));
  show("get unicode", await api.get(`/v1/customers/${encodeURIComponent(u)}`, at(T)));
  const slash = "x/y?z#" + a;
  show("put slash", await api.put(`/v1/customers/${encodeURIComponent(slash)}`, customer(slash), at(T)));
  show("report slash", await api.post("/v1/usage", { customerId: slash, featureId: "api-calls", value: 2 }, at(T)));
  show("hist slash", await api.get(`/v1/customers/${encodeURIComponent(slash)}/usage`, at(T)));
  const long = "é".repeat(128);
  show("put 256B", await api.put(`/v1/customers/${encodeURIComponent(long)}`, customer(long), at(T)));
  show("report 256B", await api.post("/v1/usage", { customerId: long, featureId: "api-calls", value: 2 }, at(T)));
  show("report 257B", await api.post("/v1/usage", { customerId: long + "a", featureId: "api-calls", value: 2 }, at(T)));
  // batch size
  const big = Array.from({ length: 1000 }, () => ({ customerId: a, featureId: "api-calls", value: 1 }));
  show("batch 1000", { status: (await api.post("/v1/usage", big, at(T))).status, body: "" });
  show("batch 1001", await api.post("/v1/usage", [...big, big[0]], at(T)));
  show("state a end", await api.get(`/v1/customers/${a}`, at(T)));
} finally { await w.stop(); }
