// The customers page: the environment's registry by id, searched by prefix, paged.
import { el, when } from "./dom.js";
import { listCustomers } from "./api.js";
import { renderPagedTable } from "./paged-table.js";

const PAGE = 50;

export function renderCustomers(root, { prefix = "" } = {}) {
  return renderPagedTable(root, {
    title: "Customers",
    input: el("input", { type: "search", id: "customer-prefix", placeholder: "Id starts with…", value: prefix, "aria-label": "Customer id prefix" }),
    more: el("button", { class: "btn", type: "button", id: "customers-more", text: "More", hidden: true }),
    headers: ["Id", "Created", "Updated"],
    fetchPage: async (filter, cursor) => {
      const page = await listCustomers({ prefix: filter, cursor, limit: PAGE });
      return { items: page.customers, cursor: page.cursor };
    },
    row: (c) =>
      el(
        "tr",
        { "data-customer": c.id },
        el("td", {}, el("a", { href: `#customer/${encodeURIComponent(c.id)}`, text: c.id })),
        el("td", { text: when(c.createdAt) }),
        el("td", { text: when(c.updatedAt) }),
      ),
    count: (n, more) => `${n} customer${n === 1 ? "" : "s"}${more ? " (more below)" : ""}`,
    debounceMs: 200,
  });
}
