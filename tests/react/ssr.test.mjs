// Server rendering: `renderToString` in plain Node (no jsdom: `window` and `document` are
// undefined here) renders the loading state without connecting: no fetch, no WebSocket,
// no wasm download. A client handed in with a snapshot answers in the server's HTML.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as React from "react";
import { renderToString } from "react-dom/server";
import { EntitlementsProvider, Gate, useBooleanEntitlement, useEntitlements } from "../../pkg/react.js";
import { EntitlementsClient, customer, snapshot } from "./fixtures.mjs";

const h = React.createElement;

function Probe({ featureId }) {
  const r = useBooleanEntitlement({ featureId });
  return h("span", { id: featureId }, JSON.stringify(r));
}

function List() {
  const { entitlements, isLoading } = useEntitlements();
  return h("i", { id: "list" }, `${entitlements.length}|${isLoading}`);
}

/** Records what would reach the network; fails the test if anything does. */
function network(t) {
  const calls = [];
  t.mock.method(globalThis, "fetch", async (...args) => {
    calls.push(["fetch", String(args[0])]);
    throw new Error("no network while rendering on the server");
  });
  globalThis.WebSocket = function WebSocket(url) {
    calls.push(["WebSocket", url]);
    throw new Error("no WebSocket while rendering on the server");
  };
  t.after(() => delete globalThis.WebSocket);
  return calls;
}

test("the React major under test", () => {
  assert.equal(React.version.split(".")[0], process.env.EXPECT_REACT_MAJOR ?? "19");
});

test("renderToString with connect options: the loading state, nothing connected", async (t) => {
  assert.equal(typeof window, "undefined");
  assert.equal(typeof document, "undefined");
  const calls = network(t);
  const html = renderToString(
    h(
      EntitlementsProvider,
      { url: "https://entitlements.example.test", customerId: "acme", token: "tok", onError: (e) => assert.fail(String(e)) },
      h(Probe, { featureId: "sso" }),
      h(List),
      h("b", { id: "gate" }, h(Gate, { feature: "sso", fallback: "upgrade", loading: "wait" }, "sso on")),
      h("u", { id: "plain" }, h(Gate, { feature: "sso", fallback: "upgrade" }, "sso on")),
    ),
  );
  assert.match(html, /<span id="sso">\{&quot;hasAccess&quot;:false,&quot;isFallback&quot;:true,&quot;accessDeniedReason&quot;:&quot;Unknown&quot;,&quot;isLoading&quot;:true\}<\/span>/);
  assert.match(html, /<i id="list">0\|true<\/i>/);
  assert.match(html, /<b id="gate">wait<\/b>/);
  assert.match(html, /<u id="plain">upgrade<\/u>/);
  // Effects never run on the server: give any stray promise a chance, then look.
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(calls, []);
});

test("renderToString with a client holding a snapshot: its answers in the HTML", (t) => {
  const calls = network(t);
  const client = new EntitlementsClient();
  client.applySnapshot(snapshot(customer("enterprise")));
  const html = renderToString(
    h(EntitlementsProvider, { client }, h("b", { id: "gate" }, h(Gate, { feature: "audit-log", fallback: "upgrade" }, "audit on")), h(List)),
  );
  assert.match(html, /<b id="gate">audit on<\/b>/);
  assert.match(html, /<i id="list">\d+\|false<\/i>/);
  assert.deepEqual(calls, []);
});
