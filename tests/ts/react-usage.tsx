// Type-checks the React bindings' declarations (pkg/react.d.ts) against how they are
// used: `tsc --noEmit -p tests/ts`. Never run; the lines marked @ts-expect-error must fail.
import { useState, type ReactElement } from "react";
import { EntitlementsClient, type BooleanEntitlement, type MeteredEntitlement, type SnapshotInfo } from "../../pkg/client.js";
import {
  EntitlementsProvider,
  Gate,
  useBooleanEntitlement,
  useCreditEntitlement,
  useEntitlements,
  useEntitlementsClient,
  useEntitlementsStatus,
  useMeteredEntitlement,
  useNumericEntitlement,
  useRecordUsage,
  type EntitlementsProviderProps,
} from "../../pkg/react.js";

function Usage(): ReactElement {
  const sso: BooleanEntitlement & { isLoading: boolean } = useBooleanEntitlement({ featureId: "sso" });
  const days = useNumericEntitlement({ featureId: "retention-days", options: { fallback: { hasAccess: true, value: 7 } } });
  const calls: MeteredEntitlement = useMeteredEntitlement({ featureId: "api-calls", options: { requestedUsage: 10 } });
  const credits = useCreditEntitlement({ featureId: "ai-credits", options: { requestedUsage: 2 } });
  const { entitlements, isLoading } = useEntitlements();
  const status = useEntitlementsStatus();
  const info: SnapshotInfo | null = status.snapshotInfo;
  const client: EntitlementsClient | null = useEntitlementsClient();
  const record = useRecordUsage();
  const [count, setCount] = useState(0);
  const value: number | undefined = days.value;
  const balance: number | undefined = credits.balance;
  // @ts-expect-error hasAccess is a boolean
  const wrong: string = sso.hasAccess;
  // @ts-expect-error the hooks take the client's parameter object, not a bare id
  useBooleanEntitlement("sso");
  return (
    <div data-loading={sso.isLoading || isLoading} data-status={status.connectionStatus ?? "none"}>
      {calls.currentUsage} {value} {balance} {entitlements.length} {info?.version} {client ? "client" : "none"} {wrong}
      <button onClick={() => setCount(record("api-calls", 1)?.currentUsage ?? count)}>use</button>
      <Gate feature="sso" fallback={<a href="/upgrade">Upgrade</a>} loading={<span>…</span>}>
        <p>Single sign-on</p>
      </Gate>
      <Gate feature="api-calls" type="metered" requestedUsage={100}>
        <p>Room for 100 calls</p>
      </Gate>
      {/* @ts-expect-error `feature` is required */}
      <Gate fallback="no">yes</Gate>
      {/* @ts-expect-error no such check type */}
      <Gate feature="sso" type="plan">yes</Gate>
    </div>
  );
}

export function Connected({ token }: { token: () => Promise<string> }): ReactElement {
  return (
    <EntitlementsProvider
      url="https://entitlements.example.com"
      customerId="acme"
      token={token}
      entitlementsFallback={{ sso: { hasAccess: true } }}
      onError={(e) => console.error(e)}
      onStatus={(s) => console.log(s === "live")}
    >
      <Usage />
    </EntitlementsProvider>
  );
}

export function Handed({ client }: { client: EntitlementsClient }): ReactElement {
  return (
    <EntitlementsProvider client={client}>
      <Usage />
    </EntitlementsProvider>
  );
}

export function Wrong(): ReactElement {
  const props: EntitlementsProviderProps = { client: new EntitlementsClient() };
  return (
    <>
      <EntitlementsProvider {...props} />
      {/* @ts-expect-error a customerId without the url and token to connect with */}
      <EntitlementsProvider customerId="acme" />
      {/* @ts-expect-error a client handed in does not connect as well */}
      <EntitlementsProvider client={new EntitlementsClient()} url="https://x" customerId="acme" token="t" />
    </>
  );
}
