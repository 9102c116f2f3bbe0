// A line diff of two catalogs (the `diff` library), as a unified view with context.
import { structuredPatch } from "diff";
import { el } from "./dom.js";

/** Both catalogs printed the same way, so that only content differs. */
export const printCatalog = (catalog) => `${JSON.stringify(catalog ?? {}, null, 2)}\n`;

/** A `<div class="diff">` of hunks; `null` when nothing changed. */
export function diffView(current, edited, { currentLabel = "current", editedLabel = "edited" } = {}) {
  const patch = structuredPatch(currentLabel, editedLabel, printCatalog(current), printCatalog(edited), "", "", { context: 3 });
  if (patch.hunks.length === 0) return null;
  let added = 0;
  let removed = 0;
  const hunks = patch.hunks.map((h) =>
    el(
      "pre",
      { class: "hunk" },
      el("span", { class: "hunk-head", text: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n` }),
      h.lines.map((line) => {
        const kind = line[0] === "+" ? "add" : line[0] === "-" ? "del" : "ctx";
        if (kind === "add") added++;
        if (kind === "del") removed++;
        return el("span", { class: `line line-${kind}`, text: `${line}\n` });
      }),
    ),
  );
  return el("div", { class: "diff", "data-added": added, "data-removed": removed }, el("p", { class: "muted small", text: `${added} lines added, ${removed} removed` }), hunks);
}
