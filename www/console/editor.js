// The catalog editor: CodeMirror 6 with JSON highlighting and a linter that runs the
// engine's validateCatalog (wasm, in this page) as you type, every violation marked at
// its path. Violations from the Worker (a 422 on publish) are shown the same way.
import { EditorView, basicSetup } from "codemirror";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter, setDiagnostics, forceLinting } from "@codemirror/lint";
import { parseWithErrors, rangeOfPath } from "./json-paths.js";

/**
 * Diagnostics of `text`: JSON syntax errors, else every violation of the catalog.
 * Answers `{ diagnostics, violations, catalog }` (`catalog` when the text parses).
 */
export function checkCatalogText(text, engine) {
  const { tree, errors } = parseWithErrors(text);
  if (errors.length > 0) {
    const diagnostics = errors.map((e) => ({ ...e, severity: "error", source: "json" }));
    return { diagnostics, violations: errors.map((e) => ({ path: "", message: e.message, from: e.from })), catalog: null };
  }
  const catalog = JSON.parse(text);
  try {
    engine.validateCatalog(catalog);
    return { diagnostics: [], violations: [], catalog };
  } catch (e) {
    if (!(e instanceof engine.EntitlementsError)) throw e;
    const details = e.details?.length ? e.details : [{ path: e.path ?? "", message: e.message }];
    return { ...toDiagnostics(tree, details), catalog };
  }
}

/** `[{ path, message }]` -> CodeMirror diagnostics at their paths in `tree`. */
export function toDiagnostics(tree, details) {
  const diagnostics = [];
  const violations = [];
  for (const d of details) {
    const { from, to } = rangeOfPath(tree, d.path);
    diagnostics.push({ from, to, severity: "error", message: d.path ? `${d.path}: ${d.message}` : d.message, source: "engine" });
    violations.push({ path: d.path, message: d.message, from });
  }
  return { diagnostics, violations };
}

/**
 * Mounts an editor in `parent` holding `text`. `onCheck({ violations, catalog, text })`
 * runs after each validation.
 */
export function createEditor(parent, text, engine, onCheck) {
  const source = (view) => {
    const current = view.state.doc.toString();
    const result = checkCatalogText(current, engine);
    onCheck?.({ ...result, text: current });
    return result.diagnostics;
  };
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [basicSetup, json(), lintGutter(), linter(source, { delay: 250 }), EditorView.lineWrapping],
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(next) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    /** Shows violations that came from elsewhere (the Worker's 422) at their paths. */
    showViolations(details) {
      const { tree } = parseWithErrors(view.state.doc.toString());
      const { diagnostics, violations } = toDiagnostics(tree, details);
      view.dispatch(setDiagnostics(view.state, diagnostics));
      return violations;
    },
    /** Moves the cursor to `pos` and scrolls it into view. */
    reveal(pos) {
      view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      view.focus();
    },
    relint: () => forceLinting(view),
  };
}
