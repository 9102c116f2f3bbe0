// Type-checks the package's declarations (pkg/index.d.ts) against how they are used:
// `tsc --noEmit -p tests/ts`. Never run; the lines marked @ts-expect-error must fail.
import init, {
  initSync,
  EntitlementsClient,
  EntitlementsError,
  buildSnapshot,
  validateCatalog,
  type BooleanEntitlement,
  type Entitlement,
  type MeteredEntitlement,
  type NumericEntitlement,
  type SnapshotInfo,
  type UsageRecorded,
  type Catalog,
  type CustomerState,
} from "../../pkg/index.js";

export async function browser(): Promise<void> {
  await init();
}

export function node(bytes: Uint8Array): void {
  initSync({ module: bytes });
}

export function use(catalog: Catalog, customer: CustomerState): number {
  validateCatalog(catalog);
  const bytes: Uint8Array = buildSnapshot(catalog, customer, { environment: "production", version: 1, now: new Date() });
  buildSnapshot(catalog, customer, { environment: "production", version: 2, catalogVersion: 3, now: Date.now() });
  // @ts-expect-error: version is required
  buildSnapshot(catalog, customer, { environment: "production" });

  const client = new EntitlementsClient({
    entitlementsFallback: { "api-calls": { hasAccess: true, usageLimit: 10 } },
    now: () => new Date(),
  });
  new EntitlementsClient();
  const applied: boolean = client.applySnapshot(bytes);
  client.applySnapshot(bytes.buffer as ArrayBuffer);

  const b: BooleanEntitlement = client.getBooleanEntitlement({ featureId: "sso" });
  const n: NumericEntitlement = client.getNumericEntitlement({ featureId: "seats", options: { fallback: { hasAccess: true, value: 3 } } });
  const m: MeteredEntitlement = client.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 1 } });
  // @ts-expect-error: requestedUsage is a number
  client.getMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: "1" } });

  const end: Date | undefined = m.usagePeriodEnd;
  const limit: number | undefined = m.usageLimit;
  const value: number | undefined = n.value;
  const reason: string | undefined = b.accessDeniedReason;
  if (b.accessDeniedReason === "NoActiveSubscription" || m.resetPeriod === "month") {
    console.log(b.feature?.displayName, m.feature?.type === "metered");
  }
  const all: Entitlement[] = client.getEntitlements();
  const recorded: UsageRecorded | null = client.recordUsage("api-calls", 1);
  const info: SnapshotInfo | null = client.snapshotInfo;
  const issued: Date | undefined = info?.issuedAt;
  const next: Date | null = client.nextChange();
  console.log(next?.getTime());
  const off = client.addListener((i: SnapshotInfo) => console.log(i.version, i.validUntil?.getTime()));
  off();
  const listener = (i: SnapshotInfo) => console.log(i.customerId);
  client.addListener(listener);
  client.removeListener(listener);

  try {
    validateCatalog({});
  } catch (e) {
    if (e instanceof EntitlementsError) {
      const code: "invalid_catalog" | string = e.code;
      console.log(code, e.path, e.details.map((d) => `${d.path}: ${d.message}`), e.message);
    }
  }
  return [applied, end, limit, value, reason, all, recorded, issued].length;
}

export async function live(): Promise<string> {
  const c = await EntitlementsClient.connect({
    url: "https://entitlements.example.com",
    customerId: "acme",
    token: async () => "eet1.payload.signature",
    heartbeatIntervalMs: 30_000,
    heartbeatTimeoutMs: 10_000,
    onStatus: (s) => console.log(s),
  });
  // @ts-expect-error heartbeat options are numbers of milliseconds
  await EntitlementsClient.connect({ url: "", customerId: "", token: "", heartbeatIntervalMs: "30s" });
  c.close();
  return c.connectionStatus;
}

// The inputs' types come from the Rust types: a catalog and a customer state as the engine
// reads them type-check, and a field the engine refuses does not.
export function inputs(): Uint8Array {
  const catalog: Catalog = {
    features: [
      { id: "calls", type: "metered", meter: "incremental", units: "call", metadata: { tier: "a" } },
      { id: "sso", type: "boolean" },
    ],
    plans: [{ id: "pro", entitlements: [{ featureId: "calls", usageLimit: 100, resetPeriod: "month", resetAnchor: "calendar" }] }],
    addons: [{ id: "more", compatiblePlanIds: ["pro"], maxQuantity: 3, entitlements: [{ featureId: "calls", usageLimit: 10, behavior: "increment" }] }],
  };
  const customer: CustomerState = {
    id: "acme",
    subscriptions: [{ id: "s", planId: "pro", status: "active", startDate: "2026-01-01T00:00:00Z", addons: [{ addonId: "more", quantity: 2 }] }],
    promotionalEntitlements: [{ featureId: "sso", expiresAt: "2027-01-01T00:00:00Z" }],
  };
  // @ts-expect-error an unknown field of a feature
  const bad: Catalog = { features: [{ id: "x", type: "boolean", colour: "red" }] };
  // @ts-expect-error a status the engine does not know
  const worse: CustomerState = { id: "c", subscriptions: [{ planId: "p", status: "paused", startDate: "2026-01-01T00:00:00Z" }] };
  void bad;
  void worse;
  return buildSnapshot(catalog, customer, { environment: "production", version: 1 });
}
