// The audit page: the environment's audit log (GET /v1/audit), newest first, paged,
// filtered by customer.
import { el, when } from "./dom.js";
import { getAudit } from "./api.js";
import { renderPagedTable } from "./paged-table.js";

const PAGE = 50;

/** A one-line summary of an entry's changes, the whole of it in a <details>. */
function changesView(changes) {
  if (!changes || Object.keys(changes).length === 0) return "";
  const fields = changes.fields ? Object.keys(changes.fields) : [];
  const summary = [
    changes.created ? "created" : null,
    changes.catalogVersion !== undefined ? `version ${changes.previousVersion ?? "none"} → ${changes.catalogVersion}` : null,
    fields.length ? `changed: ${fields.join(", ")}` : null,
  ].filter(Boolean);
  return el("details", {}, el("summary", { text: summary.join(" · ") || "details" }), el("pre", { class: "small", text: JSON.stringify(changes, null, 2) }));
}

export function renderAudit(root, { customerId = "" } = {}) {
  return renderPagedTable(root, {
    title: "Audit log",
    input: el("input", { type: "search", id: "audit-customer", placeholder: "Customer id (exact)", value: customerId, "aria-label": "Filter by customer id" }),
    more: el("button", { class: "btn", type: "button", id: "audit-more", text: "Older", hidden: true }),
    headers: ["When", "Action", "Endpoint", "Customer", "Key", "Environment", "Changes"],
    tableClass: "grid audit",
    fetchPage: async (filter, cursor) => {
      const page = await getAudit({ customerId: filter.trim(), cursor, limit: PAGE });
      return { items: page.entries ?? [], cursor: page.cursor };
    },
    row: (e) =>
      el(
        "tr",
        { "data-audit-id": e.id, "data-action": e.action, "data-customer": e.customerId ?? "" },
        el("td", { text: when(e.at) }),
        el("td", {}, el("code", { text: e.action })),
        el("td", { class: "small", text: e.endpoint }),
        el("td", {}, e.customerId ? el("a", { href: `#customer/${encodeURIComponent(e.customerId)}`, text: e.customerId }) : ""),
        el("td", {}, el("code", { class: "small", text: e.actor })),
        el("td", { text: e.environment }),
        el("td", {}, changesView(e.changes)),
      ),
    count: (n, more) => `${n} entr${n === 1 ? "y" : "ies"}${more ? " (older below)" : ""}`,
    debounceMs: 250,
  });
}
