import autocannon from "autocannon";
import { startWorker, client, customer, DEV_KEY, CATALOG } from "/work/main/tests/worker/helpers.mjs";
import { startWranglerDev } from "/work/main/tests/worker/wrangler.mjs";
const mode = process.argv[2];
const w = mode === "mf" ? await startWorker({ persistDir: "/tmp/qmf" }) : await startWranglerDev({ persistDir: "/tmp/qdev" });
const api = client(w.url, DEV_KEY);
await api.put("/v1/catalog", CATALOG); await api.put("/v1/customers/b", customer("b"));
const run = (o) => new Promise((res, rej) => autocannon({ duration: 5, connections: 10, ...o }, (e, r) => e ? rej(e) : res(r)));
const auth = { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" };
for (const [n, o] of [["health", { url: w.url + "v1/health" }], ["catalog(kv)", { url: w.url + "v1/catalog", headers: auth }], ["state(do,no kv)", { url: w.url + "v1/customers/b", headers: auth }], ["check", { url: w.url + "v1/check", method: "POST", headers: auth, body: JSON.stringify({ customerId: "b", featureId: "sso" }) }]]) {
  const r = await run(o); console.log(mode, n, r.requests.average, r.latency.p50, r.latency.p99, r.non2xx);
}
await w.stop();
