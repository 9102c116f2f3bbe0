// The OpenAPI document (src/worker/openapi.json, generated from the route table and the
// Rust types; served at GET /v1/openapi.json) against the running Worker, through
// `wrangler dev`:
// - it is served without credentials and is the committed file;
// - it validates as OpenAPI 3.1 (PyPI openapi-spec-validator);
// - schemathesis (PyPI) fuzzes every operation from it with the development server key
//   and fails on any 5xx and on any answer the document does not describe (status code,
//   content type, body schema).
// OPENAPI_FUZZ_EXAMPLES (default 100 per operation) and OPENAPI_FUZZ_SEED widen a run.
// The Python tools live in target/venv (scripts/setup.sh python); without them this suite
// fails, it does not skip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { client, root, DEV_KEY, tempDir, removeDir } from "./helpers.mjs";
import { startWranglerDev } from "./wrangler.mjs";

const VENV = join(root, "target/venv/bin");
// Examples per operation: bounded so that the run takes a few minutes on 2 cores.
const MAX_EXAMPLES = Number(process.env.OPENAPI_FUZZ_EXAMPLES ?? 100);
const SEED = Number(process.env.OPENAPI_FUZZ_SEED ?? 20261101);

// The seed data the document's examples name (customer `acme`, features `api-calls`,
// `seats`, `sso`, pool `ai-credits`), so that generated requests reach real customers.
const CATALOG = {
  features: [
    { id: "sso", type: "boolean" },
    { id: "api-calls", type: "metered", meter: "incremental", units: "call" },
    { id: "seats", type: "metered", meter: "fluctuating", units: "seat" },
    { id: "ai-credits", type: "credit", units: "credit" },
    { id: "image-gen", type: "metered", meter: "incremental", creditCost: { creditId: "ai-credits", perUnit: 5 } },
  ],
  plans: [
    {
      id: "pro",
      entitlements: [
        { featureId: "sso" },
        { featureId: "api-calls", usageLimit: 1000, resetPeriod: "month" },
        { featureId: "seats", usageLimit: 5 },
        { featureId: "ai-credits", amount: 100, resetPeriod: "month" },
      ],
    },
  ],
};

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...opts });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

test("the OpenAPI document: served, valid, and the Worker keeps to it under schemathesis", { timeout: 900_000 }, async (t) => {
  for (const tool of ["openapi-spec-validator", "st"]) {
    assert.ok(existsSync(join(VENV, tool)), `${tool} missing: run scripts/setup.sh python`);
  }
  const committed = readFileSync(join(root, "src/worker/openapi.json"), "utf8");

  const validated = await run(join(VENV, "openapi-spec-validator"), ["src/worker/openapi.json"]);
  assert.equal(validated.code, 0, validated.out);

  const dir = tempDir("ee-openapi-");
  const dev = await startWranglerDev({ persistDir: dir });
  try {
    const served = await fetch(`${dev.url}v1/openapi.json`);
    assert.equal(served.status, 200);
    assert.match(served.headers.get("content-type"), /^application\/json/);
    assert.equal(await served.text(), committed, "served document differs from src/worker/openapi.json");

    const api = client(dev.url, DEV_KEY);
    assert.equal((await api.put("/v1/catalog", CATALOG)).status, 200);
    const acme = { subscriptions: [{ id: "s1", planId: "pro", status: "active", startDate: "2026-01-01T00:00:00Z" }] };
    assert.equal((await api.put("/v1/customers/acme", acme)).status, 201);
    assert.equal((await api.post("/v1/usage", { customerId: "acme", featureId: "api-calls", value: 3 })).status, 200);
    const grant = { customerId: "acme", featureId: "ai-credits", amount: 50, category: "promotional" };
    assert.equal((await api.post("/v1/credits/grants", grant)).status, 201);

    const report = join(dir, "schemathesis.xml");
    const args = [
      "run", `${dev.url}v1/openapi.json`,
      "--url", dev.url.replace(/\/$/, ""),
      "-H", `Authorization: Bearer ${DEV_KEY}`,
      "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
      "--max-examples", String(MAX_EXAMPLES),
      "--seed", String(SEED),
      "--workers", "1",
      "--request-timeout", "30",
      "--report", "junit", "--report-junit-path", report,
    ];
    const st = await run(join(VENV, "st"), args, { env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_HOOKS: "" } });
    const summary = st.out.split("\n").filter((l) => /passed|failed|error|operations|test cases|Seed/i.test(l)).slice(-12).join("\n");
    t.diagnostic(summary);
    if (st.code !== 0) writeFileSync(join(root, "target/schemathesis.log"), st.out);
    assert.equal(st.code, 0, `schemathesis failed (full log: target/schemathesis.log):\n${st.out.slice(-20000)}`);
  } finally {
    await dev.stop();
    removeDir(dir);
  }
});
