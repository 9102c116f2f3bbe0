// A customer's stored state as the Worker holds it: subscriptions with their add-ons,
// promotions, and credit pools with their grants.
import { el, fmt, when } from "./dom.js";
import { grantText } from "./catalog-view.js";

function table(headers, rows, attrs = {}) {
  if (rows.length === 0) return el("p", { class: "muted small", text: "None." });
  return el("table", { class: "grid", ...attrs }, el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: h })))), el("tbody", {}, rows));
}

export function subscriptionsView(state) {
  return table(
    ["Subscription", "Plan", "Status", "Start", "End / trial end / cancels", "Add-ons"],
    (state.subscriptions ?? []).map((s) =>
      el(
        "tr",
        { "data-subscription": s.id },
        el("td", {}, el("code", { text: s.id })),
        el("td", {}, el("code", { text: s.planId })),
        el("td", { text: s.status }),
        el("td", { text: when(s.startDate) }),
        el("td", { text: [s.endDate, s.trialEndDate, s.cancellationDate].map(when).filter(Boolean).join(" / ") }),
        el("td", { text: (s.addons ?? []).map((a) => `${a.addonId} ×${a.quantity ?? 1}`).join(", ") }),
      ),
    ),
  );
}

export function promotionsView(state) {
  return table(
    ["Feature", "Grants", "From", "Until"],
    (state.promotionalEntitlements ?? []).map((p) =>
      el("tr", { "data-promotion": p.featureId }, el("td", {}, el("code", { text: p.featureId })), el("td", { text: grantText(p) }), el("td", { text: when(p.startDate) }), el("td", { text: when(p.expiresAt) || "lifetime" })),
    ),
  );
}

export function creditsView(credits) {
  const pools = credits?.pools ?? [];
  if (pools.length === 0) return el("p", { class: "muted small", text: "No credit pool." });
  return el(
    "div",
    {},
    pools.map((pool) =>
      el(
        "div",
        { class: "pool", "data-pool": pool.creditId },
        el("h3", {}, el("code", { text: pool.creditId }), ` balance ${fmt(pool.balance)}`, pool.uncovered ? ` · uncovered ${fmt(pool.uncovered)}` : "", pool.nextExpiry ? ` · next expiry ${when(pool.nextExpiry)}` : ""),
        table(
          ["Grant", "Source", "Category", "Amount", "Remaining", "Effective", "Expires"],
          (pool.grants ?? []).map((g) =>
            el(
              "tr",
              { "data-grant": g.id },
              el("td", {}, el("code", { text: g.id })),
              el("td", { text: g.source ?? "" }),
              el("td", { text: g.category ?? "" }),
              el("td", { text: fmt(g.amount) }),
              el("td", { text: fmt(g.remaining) }),
              el("td", { text: when(g.effectiveAt) }),
              el("td", { text: when(g.expiresAt) || "never" }),
            ),
          ),
        ),
      ),
    ),
  );
}
