// A small page on edge-entitlements/react: a <Gate> on single sign-on and an API-call
// meter, following the Worker that serves the page over its live WebSocket. Bundled with
// React by scripts/build-www.sh (esbuild) into target/www/react/app.js; no JSX, so the
// source is the page. Open /react/#customer=ID&token=TOKEN (tests/e2e/react.test.mjs).
import { createElement as h, useEffect } from "react";
import { createRoot } from "react-dom/client";
import { EntitlementsProvider, Gate, useEntitlementsStatus, useMeteredEntitlement } from "edge-entitlements/react";

const params = new URLSearchParams(location.hash.slice(1));

function Meter() {
  const calls = useMeteredEntitlement({ featureId: "api-calls" });
  if (calls.isLoading) return h("p", { id: "api-calls" }, "Loading…");
  if (!calls.hasAccess && calls.usageLimit === undefined) return h("p", { id: "api-calls" }, `No API calls (${calls.accessDeniedReason})`);
  return h(
    "p",
    { id: "api-calls" },
    h("progress", { max: calls.usageLimit, value: calls.currentUsage }),
    ` ${calls.currentUsage} of ${calls.usageLimit} API calls used this ${calls.resetPeriod ?? "period"}`,
  );
}

/** Mirrors the connection on <body> for the test: data-connection, data-snapshot-version. */
function Status() {
  const { connectionStatus, snapshotInfo, error, isLoading } = useEntitlementsStatus();
  useEffect(() => {
    document.body.dataset.connection = connectionStatus ?? "";
    document.body.dataset.snapshotVersion = snapshotInfo ? String(snapshotInfo.version) : "";
  }, [connectionStatus, snapshotInfo]);
  const text = error ? `Error: ${error.message}` : isLoading ? "Connecting…" : `${connectionStatus}, snapshot v${snapshotInfo.version}`;
  return h("p", { id: "status" }, h("code", null, text));
}

function App() {
  return h(
    EntitlementsProvider,
    {
      url: location.origin,
      customerId: params.get("customer") ?? "",
      token: params.get("token") ?? "",
      // The client's wasm as the Worker serves the package (pkg/ at /pkg/).
      wasm: "/pkg/edge_entitlements_client_bg.wasm",
      storage: null,
    },
    h("h1", null, "edge-entitlements + React"),
    h(Status),
    h(
      "div",
      { className: "card" },
      h(
        Gate,
        {
          feature: "sso",
          fallback: h("p", { id: "upgrade", className: "closed" }, "Single sign-on is on the Pro plan. Upgrade to turn it on."),
          loading: h("p", { id: "gate-loading" }, "Checking your plan…"),
        },
        h("p", { id: "sso", className: "open" }, "Single sign-on is enabled for your team."),
      ),
    ),
    h("div", { className: "card" }, h(Meter)),
  );
}

createRoot(document.getElementById("root")).render(h(App));
