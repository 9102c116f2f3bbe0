// The catalog page: the structured view, the editor with live validation, and before
// publishing a diff against the current version and the impact on every customer.
import { el, fill, fmt, errorText } from "./dom.js";
import { getCatalog, put, ApiError } from "./api.js";
import { loadEngine } from "./engine.js";
import { catalogView } from "./catalog-view.js";
import { createEditor, checkCatalogText } from "./editor.js";
import { diffView, printCatalog } from "./diff-view.js";
import { previewImpact } from "./impact.js";

const SKELETON = { features: [], products: [], plans: [], addons: [] };

function levelText(v) {
  if (v === null) return "none";
  if (v === true) return "access";
  if (v === false) return "no access";
  if (v === Infinity) return "unlimited";
  return fmt(v);
}

function impactView(result) {
  const rows = result.changed.map(({ customerId, changes }) =>
    el(
      "li",
      { "data-impact-customer": customerId },
      el("a", { href: `#customer/${encodeURIComponent(customerId)}`, text: customerId }),
      el(
        "ul",
        {},
        changes.map((c) =>
          el("li", { "data-impact-feature": c.featureId, "data-impact-kind": c.kind }, el("span", { class: `kind kind-${c.kind}`, text: c.kind }), " ", el("code", { text: c.featureId }), ` ${levelText(c.from)} → ${levelText(c.to)}`, c.reason ? ` (${c.reason})` : ""),
        ),
      ),
    ),
  );
  const unfit = result.unfit.map((u) => el("li", { "data-impact-unfit": u.customerId }, el("a", { href: `#customer/${encodeURIComponent(u.customerId)}`, text: u.customerId }), ` would no longer fit: ${u.message}`));
  const failed = result.failed.map((f) => el("li", { class: "error" }, `${f.customerId}: could not be read (${f.message})`));
  return el(
    "div",
    { class: "impact", "data-customers": result.customers },
    el("p", { text: `${result.customers} customers checked: ${result.changed.length} with decisions that change now, ${result.unfit.length} that would no longer fit.` }),
    rows.length ? el("ul", { class: "impact-list" }, rows) : el("p", { class: "muted", text: "No customer's access changes now." }),
    unfit.length ? el("div", {}, el("h3", { class: "error", text: "Would no longer fit (publishing leaves them unable to get a snapshot)" }), el("ul", {}, unfit)) : null,
    failed.length ? el("ul", {}, failed) : null,
  );
}

export async function renderCatalog(root) {
  fill(root, el("p", { class: "muted", text: "Loading the catalog…" }));
  const [engine, current] = await Promise.all([loadEngine(), getCatalog()]);
  let currentCatalog = current?.catalog ?? null;
  let currentVersion = current?.catalogVersion ?? null;

  const heading = el("h2", {});
  const structure = el("div", { id: "catalog-structure" });
  const violationsBox = el("div", { id: "violations", role: "status", "aria-live": "polite" });
  const previewBox = el("div", { id: "preview" });
  const editorHost = el("div", { id: "catalog-editor", class: "editor" });
  const previewButton = el("button", { class: "btn primary", type: "button", id: "preview-button", text: "Preview changes" });
  const resetButton = el("button", { class: "btn", type: "button", text: "Discard edits" });

  const setHeading = () => {
    heading.textContent = currentVersion === null ? "Catalog (none published yet)" : `Catalog version ${currentVersion}`;
  };
  setHeading();

  const showViolations = (violations) => {
    root.dataset.violations = String(violations.length);
    if (violations.length === 0) {
      fill(violationsBox, el("p", { class: "ok-text", text: "Valid: no violation." }));
      return;
    }
    fill(
      violationsBox,
      el("p", { class: "error", text: `${violations.length} violation${violations.length === 1 ? "" : "s"}` }),
      el(
        "ul",
        { class: "violations" },
        violations.map((v) =>
          el("li", { "data-violation-path": v.path }, el("button", { type: "button", class: "link", onclick: () => editor.reveal(v.from ?? 0) }, el("code", { text: v.path || "(document)" })), ` ${v.message}`),
        ),
      ),
    );
  };

  const editor = createEditor(editorHost, printCatalog(currentCatalog ?? SKELETON), engine, (check) => {
    showViolations(check.violations);
    if (check.catalog) fill(structure, catalogView(check.catalog));
    previewButton.disabled = check.violations.length > 0;
    // An edit makes the preview stale.
    if (previewBox.dataset.text !== undefined && previewBox.dataset.text !== check.text) {
      fill(previewBox);
      delete previewBox.dataset.text;
    }
  });
  fill(structure, catalogView(currentCatalog ?? SKELETON));

  resetButton.addEventListener("click", () => editor.setText(printCatalog(currentCatalog ?? SKELETON)));

  previewButton.addEventListener("click", async () => {
    const text = editor.text();
    // Checked now: the linter's last check may be of an older text (it waits 250 ms
    // after typing), and the preview must be of the text that Publish sends.
    const check = checkCatalogText(text, engine);
    if (check.violations.length > 0) {
      editor.relint();
      return;
    }
    const edited = check.catalog;
    previewBox.dataset.text = text;
    const diff = diffView(currentCatalog ?? {}, edited, { currentLabel: `version ${currentVersion ?? "none"}` });
    const progress = el("p", { class: "muted", text: "Checking customers…" });
    const publish = el("button", { class: "btn primary", type: "button", id: "publish-button", text: "Publish", disabled: true });
    const outcome = el("div", { id: "publish-outcome", role: "status" });
    fill(
      previewBox,
      el("section", { class: "card" }, el("h2", { text: "Diff against the current version" }), diff ?? el("p", { class: "muted", text: "No change." })),
      el("section", { class: "card", id: "impact" }, el("h2", { text: "Impact on customers now" }), progress),
      el("div", { class: "actions" }, publish, outcome),
    );
    let result;
    try {
      result = await previewImpact(engine, currentCatalog, edited, { onProgress: (n) => (progress.textContent = `Checking customers… ${n}`) });
    } catch (e) {
      // The customers could not be read: say so, and publish nothing unseen.
      if (previewBox.dataset.text === text) progress.replaceWith(el("p", { class: "error", "data-impact-error": "true", text: `Impact not computed: ${errorText(e)}` }));
      return;
    }
    if (previewBox.dataset.text !== text) return; // edited meanwhile
    progress.replaceWith(impactView(result));
    previewBox.dataset.ready = "true";
    publish.disabled = diff === null;
    publish.addEventListener("click", async () => {
      publish.disabled = true;
      try {
        const answer = await put("/v1/catalog", text);
        currentCatalog = edited;
        currentVersion = answer?.catalogVersion ?? currentVersion;
        setHeading();
        fill(outcome, el("span", { class: "ok-text", "data-published": currentVersion, text: `Published as version ${currentVersion}.` }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 422) {
          showViolations(editor.showViolations(e.details));
          fill(outcome, el("span", { class: "error", text: `Refused by the Worker: ${e.details.length} violations (shown in the editor).` }));
        } else {
          fill(outcome, el("span", { class: "error", text: errorText(e) }));
          publish.disabled = false;
        }
      }
    });
  });

  fill(
    root,
    el("div", { class: "page-head" }, heading),
    el(
      "div",
      { class: "catalog-layout" },
      el("div", { class: "catalog-edit" }, el("section", { class: "card" }, el("h2", { text: "Edit (JSON)" }), editorHost, violationsBox, el("div", { class: "actions" }, previewButton, resetButton)), previewBox),
      structure,
    ),
  );
  editor.relint();
  return () => editor.view.destroy();
}
