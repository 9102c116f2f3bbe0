// A table filled page by page from the API: a filter input (reloads, debounced), a
// "more" button while the answer has a `cursor`, a status line. Answers that arrive after
// the filter changed are dropped. Used by the customers and audit pages.
import { el, fill, errorText } from "./dom.js";

/**
 * Renders into `root` and loads the first page. `fetchPage(filter, cursor)` answers
 * `{ items, cursor? }`; `row(item)` makes a <tr>; `count(n, more)` the status text.
 * Answers the page's dispose function.
 */
export async function renderPagedTable(root, { title, input, more, headers, tableClass = "grid", fetchPage, row, count, debounceMs }) {
  const body = el("tbody", {});
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
      const page = await fetchPage(input.value, cursor);
      if (mine !== generation) return;
      for (const item of page.items) body.append(row(item));
      cursor = page.cursor ?? null;
      more.hidden = !cursor;
      note.textContent = count(body.children.length, Boolean(cursor));
      root.dataset.loaded = "true";
    } catch (e) {
      note.textContent = errorText(e);
    }
  };

  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), debounceMs);
  });
  more.addEventListener("click", () => load(false));
  fill(
    root,
    el("div", { class: "page-head" }, el("h2", { text: title }), input),
    el("section", { class: "card" }, el("table", { class: tableClass }, el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: h })))), body), note, more),
  );
  await load(true);
  return () => clearTimeout(timer);
}
