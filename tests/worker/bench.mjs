// Load benchmark of the Worker on 127.0.0.1 (autocannon): requests/s and p50/p99 latency
// for a check, a check+consume through the usage ledger on one customer's object, the
// same consume spread over 100 customers of one environment, a usage report, and a
// snapshot. (The storage a report writes: tests/worker/bench-storage.mjs.)
//
// Usage: node tests/worker/bench.mjs [seconds per scenario] [connections]
// BENCH_TARGETS=wrangler,miniflare (the default) runs under `wrangler dev` (what users
// run) and Miniflare (workerd without wrangler's proxy).
import autocannon from "autocannon";
import { client, customer, DEV_KEY, tempDir, removeDir, startWorker } from "./helpers.mjs";
import { startWranglerDev } from "./wrangler.mjs";

const seconds = Number(process.argv[2] || process.env.BENCH_SECONDS || 10);
const connections = Number(process.argv[3] || process.env.BENCH_CONNECTIONS || 10);
const CUSTOMERS = 100;

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

const targets = (process.env.BENCH_TARGETS || "wrangler,miniflare").split(",").map((s) => s.trim());

for (const target of targets) {
  const dir = tempDir("ee-bench-");
  const dev = target === "miniflare" ? await startWorker({ persistDir: dir }) : await startWranglerDev({ persistDir: dir });
  try {
    const api = client(dev.url, DEV_KEY);
    await api.put("/v1/catalog", CATALOG);
    await api.put("/v1/customers/bench", customer("bench"));
    const many = Array.from({ length: CUSTOMERS }, (_, i) => `bench-${i}`);
    for (const id of many) await api.put(`/v1/customers/${id}`, customer(id));
    const auth = { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" };
    const post = (path, body) => ({ method: "POST", headers: auth, body: JSON.stringify(body), path });
    let next = 0;
    const spread = {
      method: "POST",
      headers: auth,
      path: "v1/check",
      requests: [
        {
          setupRequest: (req) => {
            next = (next + 1) % CUSTOMERS;
            return { ...req, method: "POST", body: JSON.stringify({ customerId: many[next], featureId: "calls", requestedUsage: 1, consume: true }) };
          },
        },
      ],
    };
    const scenarios = [
      ["check", post("v1/check", { customerId: "bench", featureId: "calls", requestedUsage: 1 })],
      ["check+consume, one customer", post("v1/check", { customerId: "bench", featureId: "calls", requestedUsage: 1, consume: true })],
      [`check+consume, ${CUSTOMERS} customers`, spread],
      ["usage report", post("v1/usage", { customerId: "bench", featureId: "calls", value: 1 })],
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
    console.log(`\nedge-entitlements Worker under ${label} (127.0.0.1), ${connections} connections, ${seconds} s per scenario\n`);
    console.log("| scenario | requests/s | p50 ms | p99 ms | requests | errors |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const r of rows) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.errors} |`);
    console.log(`\ncounter of \`bench\` after the run: ${consumed} (consumes + usage reports, warm-ups included)`);

    if (target === "miniflare") {
      // One workerd process runs every object on one thread, so above an environment's
      // consumes are bounded by that thread, not by any object. Cloudflare runs each
      // customer's object where it is used; nothing on the consume path is shared (the
      // environment object serves catalog writes and registries only). Measured here: the
      // same environment's 100 customers served by two workerd processes (one per core,
      // halves of the customers each, as objects spread over machines), against one
      // customer, whose object can only ever be in one place.
      const second = await startWorker({ persistDir: tempDir("ee-bench-b-") });
      try {
        const b = client(second.url, DEV_KEY);
        await b.put("/v1/catalog", CATALOG);
        const half = many.slice(CUSTOMERS / 2);
        for (const id of half) await b.put(`/v1/customers/${id}`, customer(id));
        const spreadOver = (ids) => {
          let k = 0;
          return {
            method: "POST",
            headers: auth,
            requests: [
              {
                setupRequest: (req) => {
                  k = (k + 1) % ids.length;
                  return { ...req, method: "POST", body: JSON.stringify({ customerId: ids[k], featureId: "calls", requestedUsage: 1, consume: true }) };
                },
              },
            ],
          };
        };
        const split = Math.max(1, Math.floor(connections / 2));
        const [ra, rb] = await Promise.all([
          run({ ...spreadOver(many.slice(0, CUSTOMERS / 2)), url: `${dev.url}v1/check`, connections: split }),
          run({ ...spreadOver(half), url: `${second.url}v1/check`, connections: split }),
        ]);
        const errors = ra.errors + rb.errors + (ra.non2xx || 0) + (rb.non2xx || 0);
        console.log(
          `
check+consume, ${CUSTOMERS} customers over two workerd processes: ${(ra.requests.average + rb.requests.average).toFixed(0)} requests/s ` +
            `(p99 ${Math.max(ra.latency.p99, rb.latency.p99)} ms, ${errors} errors), against ${rows[1].rps.toFixed(0)}/s for one customer's object`,
        );
      } finally {
        await second.stop();
      }
    }
  } finally {
    await dev.stop();
    removeDir(dir);
  }
}
