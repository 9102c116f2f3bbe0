// The console (/console) end to end: `wrangler dev` started and seeded as `npm run dev`
// does, Debian's Chromium driven by playwright-core. A wrong key reads and writes nothing;
// the right key signs in; an invalid entitlement is marked at its path as it is typed; the
// impact preview names the customers whose access changes, and after publishing the API
// answers accordingly; a consume moves a customer's usage chart by the live push; the
// audit page lists what the test did. Screenshots: test-output/console-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./browser.mjs";
import { root, client, DEV_KEY } from "../worker/helpers.mjs";
import { startDemo } from "./demo-server.mjs";

const WRONG_KEY = "sk_dev_wrong_key";

let demo;
let browser;
let api;

before(async () => {
  demo = await startDemo();
  api = client(demo.url, DEV_KEY);
  browser = await launchChromium();
  mkdirSync(join(root, "test-output"), { recursive: true });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function shot(page, t, name) {
  const path = join(root, `test-output/console-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
}

/** A page that stays on the demo server and records its requests and errors. */
async function openConsole() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  if (process.env.CONSOLE_E2E_DEBUG) page.on("console", (m) => console.error(`[page] ${m.type()}: ${m.text()}`));
  if (process.env.CONSOLE_E2E_DEBUG) page.on("pageerror", (e) => console.error(`[page] error: ${e.message}`));
  await page.route("**/*", (route) => (route.request().url().startsWith(demo.url) ? route.continue() : route.abort()));
  await page.goto(`${demo.url}console`);
  await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
  return { page, requests, errors };
}

async function signInWith(page, key) {
  await page.fill("#key", key);
  await page.click("#signin-form button[type=submit]");
}

/** Replaces the editor's text as a paste would (CodeMirror handles the input). */
async function setEditorText(page, text) {
  await page.click("#catalog-editor .cm-content");
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}

const json = (v) => `${JSON.stringify(v, null, 2)}\n`;

test("a wrong key gets nowhere: no data shown, nothing written", { timeout: 60_000 }, async (t) => {
  const catalogBefore = (await api.get("/v1/catalog")).body;
  const auditBefore = (await api.get("/v1/audit?limit=1")).body.entries[0].id;
  const { page, requests, errors } = await openConsole();
  await signInWith(page, WRONG_KEY);
  await page.waitForFunction(() => /not accepted/.test(document.querySelector("#signin-error").textContent));
  assert.equal(await page.locator("#app").isVisible(), false);
  assert.equal(await page.locator("#signin").isVisible(), true);
  assert.equal(await page.locator("#main").innerHTML(), "");
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  // Nothing was written: the catalog and the audit log are as they were.
  assert.deepEqual((await api.get("/v1/catalog")).body, catalogBefore);
  assert.equal((await api.get("/v1/audit?limit=1")).body.entries[0].id, auditBefore);
  // The only API call was the probe, with the key in a header, not the URL.
  const apiCalls = requests.filter((u) => u.includes("/v1/"));
  assert.deepEqual(apiCalls.map((u) => new URL(u).pathname), ["/v1/environment"]);
  assert.ok(requests.every((u) => !u.includes(WRONG_KEY)));
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
  await shot(page, t, "signin");
  await page.close();
});

test("console: sign in, edit with live validation, impact preview, publish, customer, audit", { timeout: 240_000 }, async (t) => {
  const { page, requests, errors } = await openConsole();
  await signInWith(page, DEV_KEY);
  await page.waitForSelector("#main[data-page='catalog'] #catalog-editor .cm-content", { timeout: 30_000 });
  await page.waitForSelector("#main[data-violations='0']", { timeout: 15_000 });
  assert.equal(await page.locator("#environment").innerText(), "development");
  assert.equal(await page.locator("#signin").isVisible(), false);
  // The structured view: plans as their inheritance tree, with what each adds or replaces.
  const proNode = page.locator('#catalog-structure [data-plan="free"] [data-plan="pro"]');
  assert.equal(await proNode.count(), 1);
  assert.match(await proNode.locator('[data-kind="replaces"]').first().innerText(), /REPLACES|replaces/i);
  assert.equal(await page.locator('#catalog-structure [data-plan="free"] [data-plan="pro"] [data-plan="enterprise"]').count(), 1);
  assert.match(await page.locator('#catalog-structure [data-addon="extra-calls"]').innerText(), /pro, enterprise/);
  await shot(page, t, "catalog");

  const { catalog, catalogVersion } = (await api.get("/v1/catalog")).body;
  // An invalid entitlement: a usage limit on a boolean feature, in plan `free`.
  const invalid = structuredClone(catalog);
  invalid.plans[0].entitlements.push({ featureId: "sso", usageLimit: 5 });
  const at = `plans[0].entitlements[${invalid.plans[0].entitlements.length - 1}].usageLimit`;
  await setEditorText(page, json(invalid));
  await page.waitForSelector(`[data-violation-path="${at}"]`, { timeout: 10_000 });
  assert.equal(await page.locator("#main").getAttribute("data-violations"), "1");
  // Marked in the editor at its path: the underlined text is that field (CodeMirror draws
  // only the lines in view: the violation's link scrolls to it).
  await page.click(`[data-violation-path="${at}"] button`);
  await page.waitForSelector("#catalog-editor .cm-lintRange-error");
  const marked = (await page.locator("#catalog-editor .cm-lintRange-error").allInnerTexts()).join("");
  assert.equal(marked.replace(/\s+/g, ""), '"usageLimit":5');
  assert.equal(await page.locator("#preview-button").isDisabled(), true);
  await shot(page, t, "violation");

  // Fixed, with two changes that matter: free's API calls raised, analytics dashboards lowered.
  const edited = structuredClone(catalog);
  edited.plans.find((p) => p.id === "free").entitlements.find((e) => e.featureId === "api-calls").usageLimit = 2000;
  edited.plans.find((p) => p.id === "analytics-starter").entitlements.find((e) => e.featureId === "dashboards").usageLimit = 2;
  await setEditorText(page, json(edited));
  await page.waitForSelector("#main[data-violations='0']", { timeout: 10_000 });
  await page.click("#preview-button");
  await page.waitForSelector("#preview[data-ready='true']", { timeout: 60_000 });
  assert.equal(await page.locator("#preview .diff").getAttribute("data-added"), "2");
  const impacted = await page.locator("[data-impact-customer]").evaluateAll((els) => els.map((e) => e.dataset.impactCustomer));
  assert.deepEqual(impacted, ["demo-free", "demo-pro"]);
  assert.equal(await page.locator('[data-impact-customer="demo-free"] [data-impact-feature="api-calls"][data-impact-kind="raised"]').count(), 1);
  assert.equal(await page.locator('[data-impact-customer="demo-pro"] [data-impact-feature="dashboards"][data-impact-kind="lowered"]').count(), 1);
  // 3 dashboards used: past the lowered limit, so access is lost now too.
  assert.equal(await page.locator('[data-impact-customer="demo-pro"] [data-impact-feature="dashboards"][data-impact-kind="lost"]').count(), 1);
  assert.equal(await page.locator('[data-impact-customer="demo-free"] li[data-impact-feature]').count(), 1);
  assert.equal(await page.locator("#impact .impact").getAttribute("data-customers"), "5");
  await shot(page, t, "impact");

  await page.click("#publish-button");
  await page.waitForSelector("[data-published]", { timeout: 15_000 });
  const published = (await api.get("/v1/catalog")).body;
  assert.equal(published.catalogVersion, catalogVersion + 1);
  // The API now answers accordingly for the customers the preview named.
  const free = (await api.post("/v1/check", { customerId: "demo-free", featureId: "api-calls" })).body;
  assert.equal(free.usageLimit, 2000);
  const pro = (await api.post("/v1/check", { customerId: "demo-pro", featureId: "dashboards", requestedUsage: 1 })).body;
  assert.equal(pro.usageLimit, 2);
  assert.equal(pro.hasAccess, false); // 3 dashboards used, now more than the limit

  // Customers: the registry, searched by prefix.
  await page.click('nav a[data-page="customers"]');
  await page.waitForSelector("#main[data-page='customers'][data-loaded='true']");
  assert.equal(await page.locator("[data-customer]").count(), 5);
  await page.fill("#customer-prefix", "demo-p");
  await page.waitForFunction(() => document.querySelectorAll("[data-customer]").length === 1);
  assert.equal(await page.locator("[data-customer]").getAttribute("data-customer"), "demo-pro");
  await shot(page, t, "customers");

  // A customer: decisions now, the usage chart, and a consume seen through the live push.
  await page.fill("#customer-prefix", "demo-free");
  await page.waitForFunction(() => document.querySelectorAll("[data-customer]").length === 1);
  await page.click('[data-customer="demo-free"] a');
  await page.waitForSelector("#main[data-page='customer'][data-loaded='true']", { timeout: 30_000 });
  await page.waitForSelector("#main[data-connection='live']", { timeout: 15_000 });
  assert.match(await page.locator('[data-decision="api-calls"] .amount').innerText(), /\/ 2,000$/);
  const chart = page.locator('canvas[data-chart="api-calls"]');
  const totals = async () => JSON.parse((await chart.getAttribute("data-totals")) ?? "[]");
  const before = await totals();
  assert.ok(before.length >= 1);
  assert.equal(await chart.getAttribute("data-limit"), "2000");
  await page.selectOption("#action-consume select[name=featureId]", "api-calls");
  await page.fill("#action-consume input[name=requestedUsage]", "25");
  await page.click("#action-consume button[type=submit]");
  await page.waitForSelector("#action-consume [data-pushed]", { timeout: 15_000 });
  await page.waitForFunction((b) => {
    const t = JSON.parse(document.querySelector('canvas[data-chart="api-calls"]').dataset.totals);
    return t[t.length - 1] === b + 25;
  }, before[before.length - 1]);
  // A usage set and a token, which the audit log records.
  await page.selectOption("#action-usage select[name=featureId]", "seats");
  await page.fill("#action-usage input[name=value]", "2");
  await page.selectOption("#action-usage select[name=updateBehavior]", "set");
  await page.click("#action-usage button[type=submit]");
  await page.waitForSelector("#action-usage [data-pushed]", { timeout: 15_000 });
  await page.waitForFunction(() => /^2 \//.test(document.querySelector('[data-decision="seats"] .amount').textContent));
  await page.click("#action-token button[type=submit]");
  await page.waitForSelector("#action-token input.token");
  await shot(page, t, "customer");

  // A credit grant on the credits customer, pushed to its page.
  await page.goto(`${demo.url}console/#customer/demo-credits`);
  await page.waitForSelector("#main[data-page='customer'][data-loaded='true']", { timeout: 30_000 });
  await page.fill("#action-grant input[name=amount]", "75");
  await page.click("#action-grant button[type=submit]");
  await page.waitForSelector("#action-grant [data-pushed]", { timeout: 15_000 });

  // The audit log: what the test did, newest first, filtered by customer.
  await page.click('nav a[data-page="audit"]');
  await page.waitForSelector("#main[data-page='audit'][data-loaded='true']");
  const actions = await page.locator("[data-audit-id]").evaluateAll((els) => els.map((e) => [e.dataset.action, e.dataset.customer]));
  assert.deepEqual(actions.slice(0, 4), [
    ["credits.grant", "demo-credits"],
    ["token.mint", "demo-free"],
    ["usage.set", "demo-free"],
    ["catalog.put", ""],
  ]);
  await page.fill("#audit-customer", "demo-free");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("[data-audit-id]")];
    return rows.length > 0 && rows.every((e) => e.dataset.customer === "demo-free");
  });
  assert.deepEqual(
    (await page.locator("[data-audit-id]").evaluateAll((els) => els.map((e) => e.dataset.action))).slice(0, 2),
    ["token.mint", "usage.set"],
  );
  await shot(page, t, "audit");

  // The engine's wasm was fetched once for all of this; the key never rode in a URL and
  // nothing was kept in localStorage.
  const wasm = requests.filter((u) => new URL(u).pathname.endsWith(".wasm"));
  t.diagnostic(`wasm requests: ${wasm.length} (${wasm.map((u) => new URL(u).pathname).join(", ")})`);
  assert.equal(wasm.length, 1);
  assert.ok(requests.every((u) => !u.includes(DEV_KEY)));
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("console: the preview is of the text as it is when clicked; the audit page pages older entries", { timeout: 120_000 }, async () => {
  const { page, errors } = await openConsole();
  await signInWith(page, DEV_KEY);
  await page.waitForSelector("#main[data-page='catalog'][data-violations='0'] #catalog-editor .cm-content", { timeout: 30_000 });
  // An edit previewed at once, before the editor's linter (250 ms after typing) ran: the
  // diff and impact must be of this text, the one Publish would send.
  const { catalog } = (await api.get("/v1/catalog")).body;
  const edited = structuredClone(catalog);
  edited.plans.find((p) => p.id === "free").entitlements.find((e) => e.featureId === "api-calls").usageLimit += 1;
  await setEditorText(page, json(edited));
  await page.click("#preview-button");
  await page.waitForSelector("#preview[data-ready='true']", { timeout: 60_000 });
  assert.equal(await page.locator("#preview .diff").getAttribute("data-added"), "1");
  assert.equal(await page.locator('[data-impact-customer="demo-free"] [data-impact-feature="api-calls"][data-impact-kind="raised"]').count(), 1);

  // More entries for one customer than a page holds (50): the rest under "Older".
  const id = `paging-${Date.now()}`;
  assert.equal((await api.put(`/v1/customers/${id}`, { id, subscriptions: [] })).status, 201);
  for (let i = 0; i < 51; i++) assert.equal((await api.post(`/v1/customers/${id}/tokens`, {})).status, 200);
  await page.goto(`${demo.url}console/#audit/${id}`);
  await page.waitForSelector("#main[data-page='audit'][data-loaded='true']", { timeout: 30_000 });
  assert.equal(await page.locator("[data-audit-id]").count(), 50);
  assert.equal(await page.locator("#audit-more").isVisible(), true);
  await page.click("#audit-more");
  await page.waitForFunction(() => document.querySelectorAll("[data-audit-id]").length === 52);
  const ids = await page.locator("[data-audit-id]").evaluateAll((els) => els.map((e) => Number(e.dataset.auditId)));
  assert.equal(new Set(ids).size, 52);
  assert.equal(await page.locator("[data-audit-id]").last().getAttribute("data-action"), "customer.put");
  assert.equal(await page.locator("#audit-more").isVisible(), false);
  assert.deepEqual(errors, []);
  await page.close();
});
