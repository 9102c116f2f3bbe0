// The audit page: the environment's audit log (GET /v1/audit), newest first, paged,
// filtered by customer.
import { el, fill, when, errorText } from "./dom.js";
import { getAudit } from "./api.js";

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

export async function renderAudit(root, { customerId = "" } = {}) {
  const input = el("input", { type: "search", id: "audit-customer", placeholder: "Customer id (exact)", value: customerId, "aria-label": "Filter by customer id" });
  const body = el("tbody", {});
  const more = el("button", { class: "btn", type: "button", id: "audit-more", text: "Older", hidden: true });
  const note = el("p", { class: "muted small", role: "status" });
  let cursor = null;
  let generation = 0;

  const load = async (reset) => {
    const mine = reset ? ++generation : generation;
    if (reset) {
      cursor = null;
      fill(body);
    }
    note.textContent = "Loading…";
    try {
      const page = await getAudit({ customerId: input.value.trim(), cursor, limit: PAGE });
      if (mine !== generation) return;
      for (const e of page.entries ?? []) {
        body.append(
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
        );
      }
      cursor = page.cursor ?? null;
      more.hidden = !cursor;
      note.textContent = `${body.children.length} entr${body.children.length === 1 ? "y" : "ies"}${cursor ? " (older below)" : ""}`;
      root.dataset.loaded = "true";
    } catch (e) {
      note.textContent = errorText(e);
    }
  };

  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), 250);
  });
  more.addEventListener("click", () => load(false));
  fill(
    root,
    el("div", { class: "page-head" }, el("h2", { text: "Audit log" }), input),
    el(
      "section",
      { class: "card" },
      el("table", { class: "grid audit" }, el("thead", {}, el("tr", {}, ["When", "Action", "Endpoint", "Customer", "Key", "Environment", "Changes"].map((h) => el("th", { text: h })))), body),
      note,
      more,
    ),
  );
  await load(true);
  return () => clearTimeout(timer);
}
