// A tiny element builder (no framework): el("div", { class: "x", text: "y" }, ...children).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });
export const fmt = (n) => (typeof n === "number" ? numberFormat.format(n) : String(n ?? ""));

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, "Z");
}

/** A message line for an error (ApiError, EntitlementsError or any). */
export function errorText(e) {
  const code = e?.code ? `${e.code}: ` : "";
  return `${code}${e?.message ?? e}`;
}
