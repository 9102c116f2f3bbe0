// The demo page end to end: `wrangler dev` started and seeded as `npm run dev` does,
// Debian's Chromium driven by playwright-core. Saves test-output/demo.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./browser.mjs";
import { root } from "../worker/helpers.mjs";
import { startDemo } from "./demo-server.mjs";

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const row = (page, id) => page.locator(`[data-feature-id="${id}"]`);
const barValue = (page, id) => row(page, id).locator("progress").evaluate((p) => p.value);

test("demo page: rows, bars, a consume seen through the push, offline evaluation", { timeout: 180_000 }, async (t) => {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // Every request stays on the demo server.
  await page.route("**/*", (route) => (route.request().url().startsWith(demo.url) ? route.continue() : route.abort()));

  await page.goto(`${demo.url}#demo-free`);
  await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
  await page.locator('label[data-customer-id="demo-pro"]').click();
  await page.waitForFunction(() => document.body.dataset.connection === "live", null, { timeout: 15_000 });
  await page.waitForSelector('[data-plan-id="pro"]');
  await page.waitForSelector('[data-addon-id="extra-calls"]');

  // Every catalog feature is a row; metered ones granted to demo-pro have a bar.
  const ids = await page.locator("[data-feature-id]").evaluateAll((els) => els.map((e) => e.dataset.featureId));
  for (const id of ["sso", "audit-log", "custom-domain", "retention-days", "api-calls", "ai-tokens", "exports", "seats", "reports", "dashboards"]) {
    assert.ok(ids.includes(id), `row ${id}`);
  }
  for (const id of ["api-calls", "ai-tokens", "exports", "seats", "reports", "dashboards"]) {
    assert.equal(await row(page, id).locator("progress").isVisible(), true, `bar of ${id}`);
  }
  assert.match(await row(page, "api-calls").locator(".usage").innerText(), /70,000/); // 50,000 + 2 x 10,000 add-on
  assert.match(await row(page, "ai-tokens").locator(".value").innerText(), /100,000/); // the override add-on
  assert.match(await row(page, "exports").locator(".reset").innerText(), /Resets daily · in \d\d:\d\d:\d\d/);
  assert.equal(await row(page, "retention-days").locator(".value").innerText(), "30 days");

  // A consume through the server: the bar moves when the snapshot is pushed.
  const version = Number(await page.evaluate(() => document.body.dataset.snapshotVersion));
  const before = await barValue(page, "exports");
  const usageText = await row(page, "exports").locator(".usage").innerText();
  await row(page, "exports").locator("button.big-amount").click(); // "Use 5" (a tenth of 50)
  await page.waitForFunction((v) => Number(document.body.dataset.snapshotVersion) > v, version, { timeout: 5000 });
  await page.waitForFunction(
    ([b]) => document.querySelector('[data-feature-id="exports"] progress').value === b + 5,
    [before],
    { timeout: 5000 },
  );
  assert.notEqual(await row(page, "exports").locator(".usage").innerText(), usageText);
  assert.match(await page.locator("#log").innerText(), /pushed over WebSocket/);

  // A denial in words: more than is left.
  await page.selectOption("#ask-feature", "exports");
  await page.fill("#ask-amount", "1000");
  await page.click("#ask button");
  assert.match(await page.locator("#check-result").innerText(), /Denied: That would go over the limit/);

  // Offline: the connection is cut, answers and countdowns go on.
  await page.locator(".switch").click();
  await page.waitForFunction(() => document.body.dataset.connection === "offline", null, { timeout: 5000 });
  assert.match(await page.locator("#status").innerText(), /Offline/);
  const countdown = await row(page, "exports").locator(".reset").innerText();
  await page.waitForFunction(
    (c) => document.querySelector('[data-feature-id="exports"] .reset').textContent !== c,
    countdown,
    { timeout: 5000 },
  );
  await page.selectOption("#ask-feature", "api-calls");
  await page.fill("#ask-amount", "10");
  await page.click("#ask button");
  const answer = await page.locator("#check-result").innerText();
  assert.match(answer, /Allowed: .* of 70,000 used, 10 requested/);
  assert.match(answer, /offline/);
  const offlineBefore = await barValue(page, "exports");
  await row(page, "exports").locator("button.small-amount").click();
  await page.waitForFunction(
    ([b]) => document.querySelector('[data-feature-id="exports"] progress').value === b + 1,
    [offlineBefore],
    { timeout: 3000 },
  );
  assert.match(await row(page, "exports").locator(".note").innerText(), /recorded .* locally/);

  // The free customer: a feature it lacks, with its reason in words.
  await page.locator(".switch").click();
  await page.waitForFunction(() => document.body.dataset.connection === "live", null, { timeout: 15_000 });
  await page.locator('label[data-customer-id="demo-free"]').click();
  await page.waitForSelector('[data-plan-id="free"]');
  await page.waitForFunction(() => document.querySelector('[data-feature-id="sso"]').dataset.access === "denied");
  assert.match(await row(page, "sso").locator(".reason").innerText(), /None of this customer's plans/);

  // The credit customer: a balance, its grants in burn order (the welcome grant of
  // priority 5 first, then the top-up that expires first, then the plan grant), the
  // countdown to the next expiry, and spending through the server's atomic draw.
  await page.locator('label[data-customer-id="demo-credits"]').click();
  await page.waitForSelector('[data-plan-id="creator"]');
  await page.waitForFunction(() => document.body.dataset.connection === "live", null, { timeout: 15_000 });
  await page.waitForSelector('[data-feature-id="ai-credits"] .grant');
  const pool = row(page, "ai-credits");
  const grantIds = await pool.locator(".grant").evaluateAll((els) => els.map((e) => e.dataset.grantId));
  assert.equal(grantIds.length, 3, JSON.stringify(grantIds));
  assert.equal(grantIds[0], "welcome");
  assert.match(grantIds[1], /^top-up-/);
  assert.equal(grantIds[2], "plan:sub-creator");
  // Seeding drew 20 images x 5 = 100 credits: the 50 of the welcome grant, then 50 of the top-up.
  assert.equal(await pool.getAttribute("data-balance"), "650");
  assert.match(await pool.locator(".reset").innerText(), /Next expiry in \d\d:\d\d:\d\d/);
  const creditVersion = Number(await page.evaluate(() => document.body.dataset.snapshotVersion));
  await pool.locator("button.big-amount").click(); // "Spend 100"
  await page.waitForFunction((v) => Number(document.body.dataset.snapshotVersion) > v, creditVersion, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('[data-feature-id="ai-credits"]').dataset.balance === "550", null, { timeout: 5000 });
  assert.match(await page.locator("#log").innerText(), /drawn from top-up-\d+ \(100\)/);
  assert.match(await row(page, "image-gen").locator(".value").innerText(), /5 credits per image · 550 credits left/);
  const shotCredits = join(root, "test-output/demo-credits.png");
  await page.screenshot({ path: shotCredits, fullPage: true });
  t.diagnostic(`screenshot: ${shotCredits}`);

  // Back to demo-pro for the picture.
  await page.locator('label[data-customer-id="demo-pro"]').click();
  await page.waitForSelector('[data-plan-id="pro"]');
  await page.waitForFunction(() => document.body.dataset.connection === "live");
  mkdirSync(join(root, "test-output"), { recursive: true });
  const shot = join(root, "test-output/demo.png");
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);
  const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await narrow.goto(`${demo.url}#demo-trial`);
  await narrow.waitForSelector("[data-trial-end]", { timeout: 30_000 });
  await narrow.screenshot({ path: join(root, "test-output/demo-mobile.png"), fullPage: false });
  await narrow.close();
  assert.deepEqual(errors, []);
  await page.close();
});
