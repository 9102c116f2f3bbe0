// Load benchmark of the Worker under `wrangler dev` on 127.0.0.1 (autocannon): requests/s
// and p50/p99 latency for check, check+consume on one customer, usage, and snapshot.
// Usage: node tests/worker/bench.mjs [seconds per scenario] [connections]
import autocannon from "autocannon";
import { client, customer, DEV_KEY, tempDir, removeDir, startWorker } from "./helpers.mjs";
import { startWranglerDev } from "./wrangler.mjs";

const seconds = Number(process.argv[2] || process.env.BENCH_SECONDS || 10);
const connections = Number(process.argv[3] || process.env.BENCH_CONNECTIONS || 10);

const CATALOG = {
  features: [
    { id: "sso", type: "boolean" },
    { id: "calls", type: "metered", meter: "incremental" },
  ],
  plans: [{ id: "pro", entitlements: [{ featureId: "sso" }, { featureId: "calls", usageLimit: 1e12, resetPeriod: "month" }] }],
};

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ duration: seconds, connections, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

// `wrangler dev` is the contract; BENCH_TARGETS=wrangler,miniflare adds the same scenarios
// on Miniflare (workerd without wrangler's proxy) to show what the proxy costs.
const targets = (process.env.BENCH_TARGETS || "wrangler").split(",").map((s) => s.trim());

for (const target of targets) {
const dir = tempDir("ee-bench-");
const dev = target === "miniflare" ? await startWorker({ persistDir: dir }) : await startWranglerDev({ persistDir: dir });
try {
  const api = client(dev.url, DEV_KEY);
  await api.put("/v1/catalog", CATALOG);
  await api.put("/v1/customers/bench", customer("bench"));
  const auth = { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" };
  const scenarios = [
    ["check", { method: "POST", headers: auth, body: JSON.stringify({ customerId: "bench", featureId: "calls", requestedUsage: 1 }), path: "v1/check" }],
    ["check+consume", { method: "POST", headers: auth, body: JSON.stringify({ customerId: "bench", featureId: "calls", requestedUsage: 1, consume: true }), path: "v1/check" }],
    ["usage", { method: "POST", headers: auth, body: JSON.stringify({ customerId: "bench", featureId: "calls", value: 1 }), path: "v1/usage" }],
    ["snapshot", { method: "GET", headers: { authorization: auth.authorization }, path: "v1/customers/bench/snapshot" }],
  ];
  const rows = [];
  for (const [name, { path, ...opts }] of scenarios) {
    await run({ ...opts, url: dev.url + path, duration: 1 }); // warm-up
    const r = await run({ ...opts, url: dev.url + path });
    const errors = r.errors + r.timeouts + (r.non2xx || 0);
    rows.push({ name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, errors });
  }
  const consumed = (await api.post("/v1/check", { customerId: "bench", featureId: "calls" })).body.currentUsage;
  const label = target === "miniflare" ? "Miniflare (workerd, no wrangler proxy)" : "wrangler dev";
  console.log(`\nedge-entitlements Worker under ${label} (127.0.0.1), ${connections} connections, ${seconds} s per scenario, one customer\n`);
  console.log("| scenario | requests/s | p50 ms | p99 ms | requests | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.errors} |`);
  console.log(`\ncounter after the run: ${consumed} (consumes + usage reports, warm-ups included)`);
} finally {
  await dev.stop();
  removeDir(dir);
}
}
