// The customers page: the environment's registry by id, searched by prefix, paged.
import { el, fill, when, errorText } from "./dom.js";
import { listCustomers } from "./api.js";

const PAGE = 50;

export async function renderCustomers(root, { prefix = "" } = {}) {
  const input = el("input", { type: "search", id: "customer-prefix", placeholder: "Id starts with…", value: prefix, "aria-label": "Customer id prefix" });
  const body = el("tbody", {});
  const more = el("button", { class: "btn", type: "button", id: "customers-more", text: "More", hidden: true });
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
      const page = await listCustomers({ prefix: input.value, cursor, limit: PAGE });
      if (mine !== generation) return;
      for (const c of page.customers) {
        body.append(
          el(
            "tr",
            { "data-customer": c.id },
            el("td", {}, el("a", { href: `#customer/${encodeURIComponent(c.id)}`, text: c.id })),
            el("td", { text: when(c.createdAt) }),
            el("td", { text: when(c.updatedAt) }),
          ),
        );
      }
      cursor = page.cursor;
      more.hidden = !cursor;
      note.textContent = `${body.children.length} customer${body.children.length === 1 ? "" : "s"}${cursor ? " (more below)" : ""}`;
      root.dataset.loaded = "true";
    } catch (e) {
      note.textContent = errorText(e);
    }
  };

  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), 200);
  });
  more.addEventListener("click", () => load(false));

  fill(
    root,
    el("div", { class: "page-head" }, el("h2", { text: "Customers" }), input),
    el("section", { class: "card" }, el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", { text: "Id" }), el("th", { text: "Created" }), el("th", { text: "Updated" }))), body), note, more),
  );
  await load(true);
  return () => clearTimeout(timer);
}
