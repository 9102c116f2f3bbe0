// Type-checks the server entry's declarations (pkg/server.d.ts) against how a back end
// uses them: `tsc --noEmit -p tests/ts`. Never run; the lines marked @ts-expect-error
// must fail.
import {
  EntitlementsServer,
  EntitlementsError,
  type Catalog,
  type CustomerState,
  type Decision,
  type UsageAnswer,
  type UsageItemError,
  type SnapshotJson,
} from "../../pkg/server.js";

export async function backEnd(catalog: Catalog): Promise<void> {
  const server = new EntitlementsServer({
    baseUrl: "https://entitlements.example.com",
    serverKey: "sk_live_example",
    retries: 5,
    timeoutMs: 5_000,
    fetch: (input, init) => fetch(input, init),
  });
  new EntitlementsServer({ baseUrl: new URL("https://entitlements.example.com/"), serverKey: "k" });
  // @ts-expect-error: serverKey is required
  new EntitlementsServer({ baseUrl: "https://entitlements.example.com" });

  const { catalogVersion }: { catalogVersion: number } = await server.putCatalog(catalog);
  const stored = await server.getCatalog();
  const features: number = stored.catalog.features?.length ?? catalogVersion;
  void features;

  const state: CustomerState = await server.putCustomer("acme", {
    subscriptions: [{ id: "sub-1", planId: "pro", status: "active", startDate: "2026-01-01T00:00:00Z" }],
  });
  // @ts-expect-error: usage is not accepted by PUT
  await server.putCustomer("acme", { usage: [] });
  const again = await server.getCustomer(state.id);
  const used: number | undefined = again.usage?.[0]?.currentUsage;
  void used;

  const page = await server.listCustomers({ prefix: "ac", limit: 10 });
  const created: Date | undefined = page.customers[0]?.createdAt;
  if (page.cursor !== undefined) await server.listCustomers({ cursor: page.cursor });
  for await (const c of server.iterateCustomers({ prefix: "ac" })) void c.id;
  void created;

  const answer: UsageAnswer = await server.reportUsage({ customerId: "acme", featureId: "api-calls", value: 3 });
  const end: Date | undefined = answer.usagePeriodEnd;
  void end;
  await server.reportUsage(
    { customerId: "acme", featureId: "seats", value: 4, updateBehavior: "set", timestamp: new Date(), idempotencyKey: "k-1" },
    { signal: AbortSignal.timeout(1000) },
  );
  // @ts-expect-error: value is a number
  await server.reportUsage({ customerId: "acme", featureId: "api-calls", value: "3" });
  // @ts-expect-error: updateBehavior is delta or set
  await server.reportUsage({ customerId: "acme", featureId: "api-calls", value: 3, updateBehavior: "add" });
  const batch = await server.reportUsageBatch([
    { customerId: "acme", featureId: "api-calls", value: 1 },
    { customerId: "globex", featureId: "api-calls", value: 1 },
  ]);
  for (const item of batch) {
    if ("error" in item) {
      const e: UsageItemError = item;
      void e.error.code;
    } else {
      const usage: number = item.currentUsage;
      void usage;
    }
  }

  const decision: Decision = await server.check({ customerId: "acme", featureId: "sso" });
  if (!decision.hasAccess) void decision.accessDeniedReason;
  const consumed = await server.consume({ customerId: "acme", featureId: "api-calls", requestedUsage: 1 });
  const limit: number | undefined = consumed.usageLimit;
  const start: Date | undefined = consumed.usagePeriodStart;
  const balance: number | undefined = consumed.balance;
  void limit, start, balance;
  // @ts-expect-error: check never consumes (consume() does)
  await server.check({ customerId: "acme", featureId: "api-calls", consume: true });

  const token = await server.mintToken("acme", { ttlSeconds: 600 });
  const expires: Date = token.expiresAt;
  const jwt: string = token.token;
  void expires, jwt;

  const snap = await server.getSnapshot("acme");
  if (!snap.notModified) {
    const bytes: Uint8Array = snap.snapshot;
    void bytes;
  }
  const next = await server.getSnapshot("acme", { ifNoneMatch: snap.etag });
  const version: number = next.version;
  void version;
  const json = await server.getSnapshot("acme", { format: "json" });
  if (!json.notModified) {
    const s: SnapshotJson = json.snapshot;
    void s.info.validUntil;
  }
  // @ts-expect-error: a snapshot is bytes or json
  await server.getSnapshot("acme", { format: "xml" });

  const history = await server.getUsageHistory("acme", { featureId: "api-calls", from: new Date(0), to: "2026-02-01T00:00:00Z" });
  const total: number | undefined = history.rows[0]?.total;
  void total;

  const grant = await server.grantCredits({
    customerId: "acme",
    featureId: "ai-credits",
    amount: 50,
    category: "promotional",
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  const grantId: string = grant.id;
  void grantId;
  // @ts-expect-error: a category is paid or promotional
  await server.grantCredits({ customerId: "acme", featureId: "ai-credits", amount: 1, category: "free" });
  const { pools } = await server.getCredits("acme");
  const next2: Date | undefined = pools[0]?.nextExpiry;
  void next2;

  try {
    await server.getCustomer("nobody");
  } catch (e) {
    if (e instanceof EntitlementsError) {
      const status: number = e.status;
      const code: string = e.code;
      const path: string | undefined = e.path;
      const after: number | undefined = e.retryAfterMs;
      void status, code, path, after, e.details.map((d) => d.message);
    }
  }
}
