// The React page (www/react/, bundled by scripts/build-www.sh) against `wrangler dev`
// in Debian's Chromium through playwright-core: a catalog and a customer seeded through
// the API, a customer token minted, the page's <Gate> closed on the free plan; then the
// customer moved to pro and usage reported through the API, and the page following both
// through the live push, with no reload. Saves test-output/react.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./browser.mjs";
import { root, client, customer, uniqueId, CATALOG, DEV_KEY } from "../worker/helpers.mjs";
import { startDemo } from "./demo-server.mjs";

let demo;
let browser;

before(async () => {
  assert.ok(existsSync(join(root, "target/www/react/app.js")), "the React page is built (scripts/build-www.sh)");
  demo = await startDemo({ seed: false });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("React page: Gate closed on free, opened by a plan change pushed live, usage followed", { timeout: 180_000 }, async (t) => {
  const api = client(demo.url, DEV_KEY);
  const ok = (res, what) => assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  ok(await api.put("/v1/catalog", CATALOG), "PUT /v1/catalog");
  const id = uniqueId("react");
  ok(await api.put(`/v1/customers/${id}`, customer(id, "free")), "PUT customer (free)");
  const minted = await api.post(`/v1/customers/${id}/tokens`, { ttlSeconds: 600 });
  ok(minted, "POST tokens");

  const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const offOrigin = [];
  await page.route("**/*", (route) => {
    if (route.request().url().startsWith(demo.url)) return route.continue();
    offOrigin.push(route.request().url());
    return route.abort();
  });

  await page.goto(`${demo.url}react/#customer=${encodeURIComponent(id)}&token=${encodeURIComponent(minted.body.token)}`);
  await page.waitForFunction(() => document.body.dataset.connection === "live", null, { timeout: 30_000 });
  await page.waitForSelector("#upgrade", { timeout: 10_000 });
  assert.equal(await page.locator("#sso").count(), 0, "Gate closed on free");
  assert.match(await page.locator("#api-calls").innerText(), /0 of 1000 API calls used this month/);
  const version = Number(await page.evaluate(() => document.body.dataset.snapshotVersion));

  // An upgrade through the server: the Worker pushes a snapshot, the Gate opens.
  ok(await api.put(`/v1/customers/${id}`, customer(id, "pro")), "PUT customer (pro)");
  await page.waitForSelector("#sso", { timeout: 10_000 });
  assert.equal(await page.locator("#upgrade").count(), 0, "the fallback is gone");
  assert.ok(Number(await page.evaluate(() => document.body.dataset.snapshotVersion)) > version);

  // Usage reported through the server: the meter follows.
  ok(await api.post("/v1/usage", { customerId: id, featureId: "api-calls", value: 42, updateBehavior: "delta" }), "POST /v1/usage");
  await page.waitForFunction(() => /42 of 1000/.test(document.getElementById("api-calls")?.textContent ?? ""), null, { timeout: 10_000 });

  mkdirSync(join(root, "test-output"), { recursive: true });
  const shot = join(root, "test-output/react.png");
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);

  // A downgrade closes it again, still without a reload.
  ok(await api.put(`/v1/customers/${id}`, customer(id, "free")), "PUT customer (free again)");
  await page.waitForSelector("#upgrade", { timeout: 10_000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(offOrigin, []);
  await page.close();
});
