// The decisions of every feature now, as the engine answers them from the customer's
// live snapshot (getEntitlements()).
import { el, fmt, when } from "./dom.js";

function amount(d) {
  if (!d.hasAccess) return "";
  if (d.isUnlimited) return "unlimited";
  if (d.feature?.type === "credit") return `balance ${fmt(d.balance)}`;
  if (d.usageLimit !== undefined) return `${fmt(d.currentUsage ?? 0)} / ${fmt(d.usageLimit)}`;
  if (d.value !== undefined) return fmt(d.value);
  return "";
}

export function decisionsView(decisions) {
  return el(
    "table",
    { class: "grid decisions" },
    el("thead", {}, el("tr", {}, ["Feature", "Type", "Access", "Usage / limit / value", "Period", "Reason"].map((h) => el("th", { text: h })))),
    el(
      "tbody",
      {},
      decisions.map((d) =>
        el(
          "tr",
          { "data-decision": d.feature?.id, "data-access": String(d.hasAccess) },
          el("td", {}, el("code", { text: d.feature?.id ?? "?" }), d.feature?.displayName ? ` ${d.feature.displayName}` : ""),
          el("td", { text: d.feature?.type ?? "" }),
          el("td", {}, el("span", { class: `badge ${d.hasAccess ? "yes" : "no"}`, text: d.hasAccess ? "allowed" : "denied" })),
          el("td", { class: "amount", text: amount(d) }),
          el("td", { text: d.resetPeriod ? `${d.resetPeriod}, ends ${when(d.usagePeriodEnd)}` : "" }),
          el("td", { text: d.accessDeniedReason ?? "" }),
        ),
      ),
    ),
  );
}
