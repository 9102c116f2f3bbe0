// The peer: Stigg's JavaScript client SDK (`@stigg/js-client-sdk` from npm), the widely
// used SDK whose result shapes this package follows, with the same 50 entitlements loaded
// in its cache. It only works online, so it is pointed at a local stand-in for Stigg's
// GraphQL API on 127.0.0.1 that answers its two start-up queries (SDK configuration and
// the customer's entitlements) with the fixture; no other network is used. Its local check
// (`getMeteredEntitlement` on the loaded customer) is then timed like ours.
import http from "node:http";
import pkg from "@stigg/js-client-sdk";

// A CommonJS bundle: the client class is its `default` export.
const Stigg = pkg.default;

/** The entitlements of the bench fixture in the shape of Stigg's `EntitlementFragment`. */
function entitlements(features) {
  return features.map((f, i) => {
    const metered = f.type === "metered";
    return {
      __typename: "Entitlement",
      isGranted: true,
      accessDeniedReason: null,
      customerId: "acme",
      resourceId: null,
      usageLimit: metered ? 1000 * i : null,
      hasUnlimitedUsage: false,
      hasSoftLimit: false,
      currentUsage: metered ? i : null,
      requestedUsage: null,
      entitlementUpdatedAt: null,
      usageUpdatedAt: null,
      usagePeriodAnchor: metered ? "2026-01-31T10:00:00Z" : null,
      usagePeriodStart: metered ? "2026-02-28T10:00:00Z" : null,
      usagePeriodEnd: metered ? "2099-03-31T10:00:00Z" : null,
      nextResetDate: null,
      resetPeriod: metered ? "MONTH" : null,
      resetPeriodConfiguration: null,
      feature: {
        __typename: "EntitlementFeature",
        featureType: f.type === "boolean" ? "BOOLEAN" : "NUMBER",
        meterType: metered ? "Incremental" : "None",
        featureUnits: f.units ?? null,
        featureUnitsPlural: f.unitsPlural ?? null,
        description: null,
        displayName: f.displayName ?? f.id,
        refId: f.id,
        unitTransformation: null,
      },
    };
  });
}

/** A loaded Stigg client over the fixture's features, and a `stop()`. */
export async function startPeer(features) {
  const answer = {
    GetSdkConfiguration: { sdkConfiguration: { sentryDsn: null, isWidgetWatermarkEnabled: false, __typename: "SdkConfiguration" } },
    GetEntitlements: { entitlements: entitlements(features) },
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const op = JSON.parse(body || "{}").operationName;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer[op] ? { data: answer[op] } : { data: null, errors: [{ message: `not in the stand-in: ${op}` }] }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = Stigg.initialize({
    apiKey: "client-bench",
    customerId: "acme",
    baseUri: `http://127.0.0.1:${server.address().port}`,
    enableEdge: false,
    logConfiguration: { logLevel: "error" },
  });
  await client.waitForInitialization();
  if (!client.isCustomerLoaded) throw new Error("the peer SDK did not load the customer");
  return { client, stop: () => server.close() };
}
