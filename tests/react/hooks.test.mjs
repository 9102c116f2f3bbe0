// edge-entitlements/react in jsdom with React Testing Library: the loading shape, a
// re-render on every applied snapshot and none for an older one, the flip at an instant
// an answer changes by itself (no snapshot, no network), Gate, local usage, the connect()
// path, and what unmounting leaves behind (no listener, no timer, a closed connection).
// Run under React 19 from the root and under React 18 by react18.test.mjs.
import "./dom.mjs";
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as React from "react";
import * as ReactDOM from "react-dom";
import { render, act, cleanup } from "@testing-library/react";
import {
  EntitlementsProvider,
  Gate,
  useBooleanEntitlement,
  useMeteredEntitlement,
  useEntitlements,
  useEntitlementsStatus,
  useRecordUsage,
} from "../../pkg/react.js";
import { EntitlementsClient, customer, snapshot } from "./fixtures.mjs";

const h = React.createElement;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => cleanup());

/** Renders `useBooleanEntitlement(featureId)`; every answer rendered goes to `seen`. */
function Probe({ featureId, fallback, seen }) {
  const r = useBooleanEntitlement({ featureId, options: fallback ? { fallback } : undefined });
  seen?.push(r);
  return h("span", { "data-probe": featureId }, r.hasAccess ? "on" : "off");
}

const text = (container, selector) => container.querySelector(selector)?.textContent;

/** Collects React's console errors (a render loop, act warnings) for the test's end. */
function consoleErrors(t) {
  const errors = [];
  t.mock.method(console, "error", (...args) => errors.push(args.join(" ")));
  return errors;
}

test("React and React DOM are the major under test", () => {
  const major = process.env.EXPECT_REACT_MAJOR ?? "19";
  assert.equal(React.version.split(".")[0], major);
  assert.equal(ReactDOM.version.split(".")[0], major);
});

test("before the first snapshot: the loading shape, Gate closed or its loading element; then the snapshot's answers", (t) => {
  const errors = consoleErrors(t);
  const client = new EntitlementsClient();
  const seen = [];
  const given = [];
  const { container } = render(
    h(
      EntitlementsProvider,
      { client },
      h(Probe, { featureId: "sso", seen }),
      h(Probe, { featureId: "audit-log", fallback: { hasAccess: true }, seen: given }),
      h("p", { id: "gate" }, h(Gate, { feature: "sso", fallback: "upgrade" }, "sso on")),
      h("p", { id: "gate-loading" }, h(Gate, { feature: "sso", fallback: "upgrade", loading: "wait" }, "sso on")),
    ),
  );
  assert.deepEqual(seen.at(-1), { hasAccess: false, isFallback: true, accessDeniedReason: "Unknown", isLoading: true });
  // The caller's fallback is the answer while loading, as the client gives it.
  assert.deepEqual(given.at(-1), { hasAccess: true, isFallback: true, isLoading: true });
  assert.equal(text(container, "#gate"), "upgrade");
  assert.equal(text(container, "#gate-loading"), "wait");

  act(() => {
    assert.equal(client.applySnapshot(snapshot(customer("pro"))), true);
  });
  const r = seen.at(-1);
  assert.equal(r.hasAccess, true);
  assert.equal(r.isFallback, false);
  assert.equal(r.isLoading, false);
  assert.equal(r.feature.id, "sso");
  assert.equal(text(container, "#gate"), "sso on");
  assert.equal(text(container, "#gate-loading"), "sso on");
  // pro lacks audit-log: a real denial now, not the fallback.
  assert.equal(given.at(-1).hasAccess, false);
  assert.equal(given.at(-1).accessDeniedReason, "NoFeatureEntitlementInSubscription");
  assert.deepEqual(errors, []);
});

test("every applied snapshot re-renders, an older one does not, and renders stay few (a stable store snapshot)", (t) => {
  const errors = consoleErrors(t);
  const client = new EntitlementsClient();
  client.applySnapshot(snapshot(customer("pro"), 1));
  const seen = [];
  const { container } = render(
    h(
      EntitlementsProvider,
      { client },
      h(Probe, { featureId: "audit-log", seen }),
      h("p", { id: "gate" }, h(Gate, { feature: "audit-log", fallback: h("a", { href: "#upgrade" }, "upgrade") }, "audit on")),
    ),
  );
  assert.equal(text(container, "#gate"), "upgrade");
  const afterMount = seen.length;
  assert.ok(afterMount <= 2, `${afterMount} renders on mount`);

  act(() => void client.applySnapshot(snapshot(customer("enterprise"), 2)));
  assert.equal(text(container, "#gate"), "audit on");
  assert.equal(text(container, '[data-probe="audit-log"]'), "on");
  assert.equal(seen.length, afterMount + 1, "one render per applied snapshot");

  // Older than the one held: not applied, nothing renders.
  act(() => assert.equal(client.applySnapshot(snapshot(customer("free"), 1)), false));
  assert.equal(seen.length, afterMount + 1);

  act(() => void client.applySnapshot(snapshot(customer("free"), 3)));
  assert.equal(text(container, "#gate"), "upgrade");
  assert.equal(seen.length, afterMount + 2);
  assert.deepEqual(errors, []);
});

test("a trial ending while mounted flips the UI at its instant, then the next boundary too, with no snapshot", async (t) => {
  const errors = consoleErrors(t);
  const now = Date.now();
  // sso from a trial of pro ending in 300 ms; audit-log from a promotion expiring at 700 ms:
  // the snapshot's validUntil is the first instant only, the second comes from the engine.
  const state = customer("pro", { trialEnd: new Date(now + 300) });
  state.promotionalEntitlements = [{ featureId: "audit-log", expiresAt: new Date(now + 700).toISOString() }];
  const client = new EntitlementsClient();
  client.applySnapshot(snapshot(state));
  assert.equal(client.snapshotInfo.validUntil.getTime(), now + 300);
  const { container } = render(
    h(
      EntitlementsProvider,
      { client },
      h("p", { id: "sso" }, h(Gate, { feature: "sso", fallback: "trial over" }, "sso on")),
      h("p", { id: "audit" }, h(Gate, { feature: "audit-log", fallback: "promotion over" }, "audit on")),
    ),
  );
  assert.equal(text(container, "#sso"), "sso on");
  assert.equal(text(container, "#audit"), "audit on");

  await act(() => sleep(Math.max(0, now + 500 - Date.now())));
  assert.equal(text(container, "#sso"), "trial over");
  assert.equal(text(container, "#audit"), "audit on");

  await act(() => sleep(Math.max(0, now + 900 - Date.now())));
  assert.equal(text(container, "#audit"), "promotion over");
  assert.equal(client.snapshotInfo.version, 1, "no snapshot was applied");
  assert.deepEqual(errors, []);
});

test("Gate: metered checks with requestedUsage, a fallback element, nothing by default", () => {
  const client = new EntitlementsClient();
  client.applySnapshot(snapshot(customer("pro"))); // api-calls: 50,000 a month in the vector's pro
  const limit = client.getMeteredEntitlement({ featureId: "api-calls" }).usageLimit;
  const { container } = render(
    h(
      EntitlementsProvider,
      { client },
      h("p", { id: "within" }, h(Gate, { feature: "api-calls", type: "metered", requestedUsage: limit, fallback: "over" }, "within")),
      h("p", { id: "over" }, h(Gate, { feature: "api-calls", type: "metered", requestedUsage: limit + 1, fallback: h("em", null, "over") }, "within")),
      h("p", { id: "none" }, h(Gate, { feature: "audit-log" }, "audit on")),
    ),
  );
  assert.equal(text(container, "#within"), "within");
  assert.equal(container.querySelector("#over em")?.textContent, "over");
  assert.equal(text(container, "#none"), "");
});

test("useRecordUsage re-renders the readers; useEntitlements and useEntitlementsStatus follow the snapshot", () => {
  const client = new EntitlementsClient();
  let record;
  function Usage() {
    record = useRecordUsage();
    const calls = useMeteredEntitlement({ featureId: "api-calls" });
    const { entitlements, isLoading } = useEntitlements();
    const status = useEntitlementsStatus();
    return h(
      "p",
      { id: "usage" },
      `${calls.currentUsage ?? "-"}|${entitlements.map((e) => e.feature.id).join(",")}|${isLoading}|${status.snapshotInfo?.version ?? "-"}`,
    );
  }
  const { container } = render(h(EntitlementsProvider, { client }, h(Usage)));
  assert.equal(text(container, "#usage"), "-||true|-");
  assert.equal(record("api-calls", 5), null, "no snapshot yet");
  act(() => void client.applySnapshot(snapshot(customer("pro"), 4)));
  assert.match(text(container, "#usage"), /^0\|.*\bsso\b.*\|false\|4$/);
  act(() => void record("api-calls", 7));
  assert.match(text(container, "#usage"), /^7\|/);
});

test("unmounting removes the listener and clears the timer", async (t) => {
  const client = new EntitlementsClient();
  client.applySnapshot(snapshot(customer("pro", { trialEnd: new Date(Date.now() + 60_000) })));
  const listeners = new Set();
  const add = client.addListener.bind(client);
  t.mock.method(client, "addListener", (fn) => {
    listeners.add(fn);
    const remove = add(fn);
    return () => {
      listeners.delete(fn);
      remove();
    };
  });
  t.mock.method(client, "removeListener", (fn) => listeners.delete(fn));
  // The provider's timer: the one set about 60 s ahead (React's own are shorter).
  const pending = new Map();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  t.mock.method(globalThis, "setTimeout", (fn, ms, ...args) => {
    const id = realSet(
      (...a) => {
        pending.delete(id);
        fn(...a);
      },
      ms,
      ...args,
    );
    pending.set(id, ms);
    return id;
  });
  t.mock.method(globalThis, "clearTimeout", (id) => {
    pending.delete(id);
    realClear(id);
  });
  const trialTimers = () => [...pending.values()].filter((ms) => ms > 50_000 && ms <= 60_000).length;

  const { unmount } = render(h(EntitlementsProvider, { client }, h(Gate, { feature: "sso" }, "sso on")));
  assert.equal(listeners.size, 1);
  assert.equal(trialTimers(), 1, "one timer for the trial's end");
  // Each applied snapshot sets the timer anew: still one.
  act(() => void client.applySnapshot(snapshot(customer("pro", { trialEnd: new Date(Date.now() + 59_000) }), 2)));
  assert.equal(trialTimers(), 1);
  unmount();
  assert.equal(listeners.size, 0, "listener removed");
  assert.equal(trialTimers(), 0, "timer cleared");
  for (const id of pending.keys()) realClear(id);
});

test("connect(): the provider connects in an effect, answers from the fetched snapshot, and closes on unmount", async (t) => {
  const bytes = snapshot(customer("enterprise"), 9);
  const requests = [];
  const statuses = [];
  const fetch = async (url, init) => {
    requests.push({ url, auth: init.headers.Authorization });
    return new Response(bytes, { status: 200, headers: { ETag: '"9"' } });
  };
  let token = "tok-1";
  const props = () => ({
    url: "https://entitlements.example.test/",
    customerId: "acme",
    token: () => token,
    fetch,
    WebSocket: null, // polling only: no socket in this test
    storage: null,
    pollIntervalMs: 60_000,
    onStatus: (s) => statuses.push(s),
    onError: (e) => assert.fail(`onError: ${e}`),
  });
  function Status() {
    const s = useEntitlementsStatus();
    return h("p", { id: "status" }, `${s.isLoading}|${s.connectionStatus}|${s.snapshotInfo?.version ?? "-"}`);
  }
  const tree = (p) => h(EntitlementsProvider, p, h(Status), h("p", { id: "gate" }, h(Gate, { feature: "audit-log", fallback: "no", loading: "wait" }, "yes")));
  const { container, unmount } = render(tree(props()));
  assert.equal(text(container, "#gate"), "wait");
  await act(async () => {
    for (let i = 0; i < 100 && text(container, "#gate") !== "yes"; i++) await sleep(10);
  });
  assert.equal(text(container, "#gate"), "yes");
  assert.match(text(container, "#status"), /^false\|\w+\|9$/);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].url, "https://entitlements.example.test/v1/customers/acme/snapshot");
  assert.equal(requests[0].auth, "Bearer tok-1");
  unmount();
  assert.equal(statuses.at(-1), "closed");
});

test("connect(): a refused token is reported through onError, the answers stay the fallbacks", async () => {
  const failures = [];
  const { container } = render(
    h(
      EntitlementsProvider,
      {
        url: "https://entitlements.example.test",
        customerId: "acme",
        token: "bad",
        fetch: async () => new Response("", { status: 401 }),
        WebSocket: null,
        storage: null,
        onError: (e) => failures.push(e),
      },
      h("p", { id: "gate" }, h(Gate, { feature: "sso", fallback: "no", loading: "wait" }, "yes")),
    ),
  );
  await act(async () => {
    for (let i = 0; i < 100 && failures.length === 0; i++) await sleep(10);
  });
  assert.equal(failures.length, 1);
  assert.equal(failures[0].status, 401);
  // Not loading any more: the fallback, not the loading element.
  assert.equal(text(container, "#gate"), "no");
});

test("hooks outside a provider say so", (t) => {
  consoleErrors(t);
  assert.throws(() => render(h(Probe, { featureId: "sso" })), /useBooleanEntitlement must be used within <EntitlementsProvider>/);
});

test("StrictMode (effects run twice): one listener, one timer, one connection left open", async (t) => {
  const client = new EntitlementsClient();
  client.applySnapshot(snapshot(customer("pro", { trialEnd: new Date(Date.now() + 60_000) })));
  const listeners = new Set();
  const add = client.addListener.bind(client);
  t.mock.method(client, "addListener", (fn) => {
    listeners.add(fn);
    const remove = add(fn);
    return () => {
      listeners.delete(fn);
      remove();
    };
  });
  const { container, unmount } = render(h(React.StrictMode, null, h(EntitlementsProvider, { client }, h("p", { id: "g" }, h(Gate, { feature: "sso" }, "on")))));
  assert.equal(text(container, "#g"), "on");
  assert.equal(listeners.size, 1);
  act(() => void client.applySnapshot(snapshot(customer("free"), 2)));
  assert.equal(text(container, "#g"), "");
  unmount();
  assert.equal(listeners.size, 0);

  // Connecting: the first effect's connection is closed once it resolves.
  const opened = [];
  const fetch = async () => new Response(snapshot(customer("pro"), 3), { status: 200 });
  const r = render(
    h(
      React.StrictMode,
      null,
      h(
        EntitlementsProvider,
        {
          url: "https://entitlements.example.test",
          customerId: "acme",
          token: "t",
          fetch,
          WebSocket: null,
          storage: null,
          pollIntervalMs: 60_000,
          onStatus: (s) => opened.push(s),
        },
        h("p", { id: "c" }, h(Gate, { feature: "sso", loading: "wait" }, "on")),
      ),
    ),
  );
  await act(async () => {
    for (let i = 0; i < 100 && (text(r.container, "#c") !== "on" || !opened.includes("closed")); i++) await sleep(10);
  });
  assert.equal(text(r.container, "#c"), "on");
  assert.equal(opened.filter((s) => s === "closed").length, 1, `statuses: ${opened}`);
  r.unmount();
  assert.equal(opened.filter((s) => s === "closed").length, 2);
});
