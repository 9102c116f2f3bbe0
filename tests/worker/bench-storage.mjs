// What the usage ledger stores, measured: customers of one Miniflare instance (workerd,
// SQLite-backed Durable Objects persisted to disk) receive N reports of one kind each;
// then the Worker is stopped and each customer's SQLite file is read with Python's
// sqlite3 (`dbstat`: bytes of pages per table and index) and compared with a customer
// that received one report. Prints bytes stored per report of each kind and the
// Durable Object rows written per request.
//
// Usage: node tests/worker/bench-storage.mjs [reports per kind (2000)]
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { client, DEV_KEY, tempDir, removeDir, startWorker } from "./helpers.mjs";

const N = Number(process.argv[2] || 2000);
const CATALOG = {
  features: [
    { id: "calls", type: "metered", meter: "incremental" },
    { id: "events", type: "metered", meter: "incremental" },
  ],
  plans: [
    {
      id: "pro",
      entitlements: [
        { featureId: "calls", usageLimit: 1e12, resetPeriod: "month" },
        { featureId: "events", usageLimit: 1e12, resetPeriod: "hour", resetAnchor: "calendar" },
      ],
    },
  ],
};
const START = new Date(Date.now() - (N + 10) * 3_600_000).toISOString();
const customer = (id) => ({ id, subscriptions: [{ id: "s", planId: "pro", status: "active", startDate: START }] });

const KINDS = {
  "storage-baseline": () => [{ featureId: "calls", value: 1 }],
  "storage-plain": () => Array.from({ length: N }, () => ({ featureId: "calls", value: 1 })),
  "storage-keyed": () =>
    Array.from({ length: N }, (_, i) => ({ featureId: "calls", value: 1, idempotencyKey: `order-${String(i).padStart(8, "0")}-0123456789abcdef0123` })),
  // Each report in its own hourly period (late reports, in the past): one history row each.
  "storage-periods": () =>
    Array.from({ length: N }, (_, i) => ({ featureId: "events", value: 1, timestamp: new Date(Date.now() - (i + 1) * 3_600_000).toISOString() })),
};

const dir = tempDir("ee-storage-");
const w = await startWorker({ persistDir: dir });
try {
  const api = client(w.url, DEV_KEY);
  await api.put("/v1/catalog", CATALOG);
  for (const [id, reports] of Object.entries(KINDS)) {
    await api.put(`/v1/customers/${id}`, customer(id));
    const all = reports();
    for (let i = 0; i < all.length; i += 100) {
      const r = await api.post("/v1/usage", all.slice(i, i + 100).map((x) => ({ customerId: id, ...x })));
      if (r.status !== 200) throw new Error(`${id}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
} finally {
  await w.stop();
}

const objects = join(dir, "do", readdirSync(join(dir, "do")).find((d) => d.includes("CustomerObject")));
const files = readdirSync(objects).filter((f) => f.endsWith(".sqlite")).map((f) => join(objects, f));
const py = `
import json, sqlite3, sys
out = {}
for path in sys.argv[1:]:
    c = sqlite3.connect(path)
    c.execute("pragma wal_checkpoint(TRUNCATE)")
    if not c.execute("select 1 from sqlite_master where name = 'meta'").fetchone(): continue
    row = c.execute("select v from meta where k = 'customer'").fetchone()
    if not row: continue
    pages = dict(c.execute("select name, sum(pgsize) from dbstat group by name").fetchall())
    payload = dict(c.execute("select name, sum(payload) from dbstat group by name").fetchall())
    rows = {t: c.execute(f"select count(*) from {t}").fetchone()[0] for t in ["usage", "usage_history", "idempotency_keys"]}
    out[row[0]] = {"pages": pages, "payload": payload, "rows": rows, "file": c.execute("pragma page_count").fetchone()[0] * c.execute("pragma page_size").fetchone()[0]}
print(json.dumps(out))
`;
const stats = JSON.parse(execFileSync("python3", ["-c", py, ...files], { encoding: "utf8" }));
removeDir(dir);

const base = stats["storage-baseline"];
const sum = (o, names) => names.reduce((n, k) => n + (o[k] ?? 0), 0);
const HISTORY = ["usage_history", "sqlite_autoindex_usage_history_1", "usage_history_end"];
const KEYS = ["idempotency_keys", "sqlite_autoindex_idempotency_keys_1", "idempotency_keys_at"];
console.log(`\nStorage of the usage ledger, ${N} reports per kind, one customer each (SQLite pages incl. indexes; payload = bytes of the rows themselves)\n`);
console.log("| reports | rows kept | bytes per report (pages) | bytes per report (payload) | database size |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [id, label, tables] of [
  ["storage-plain", "in one period, no key (counter and period total updated in place)", [...HISTORY, ...KEYS, "usage"]],
  ["storage-keyed", "with a 36-byte idempotency key (kept 24 h, then purged)", KEYS],
  ["storage-periods", "each in a period of its own (one history row each, kept 400 days)", HISTORY],
]) {
  const s = stats[id];
  const pages = (sum(s.pages, tables) - sum(base.pages, tables)) / N;
  const payload = (sum(s.payload, tables) - sum(base.payload, tables)) / N;
  const kept = Object.entries(s.rows).map(([t, n]) => `${t} ${n}`).join(", ");
  console.log(`| ${label} | ${kept} | ${pages.toFixed(1)} | ${payload.toFixed(1)} | ${(s.file / 1024).toFixed(0)} KiB |`);
}
console.log(
  "\nRows written per request (SQLite statements of its one transaction): a report or consume writes its counter, its period total and the change counter (3 rows), plus 1 for an idempotency key; a batch writes each counter and period total it touches once.",
);
