// Loads the built package from pkg/ the way a Node user does: `initSync` with the bytes.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as pkg from "../../pkg/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
pkg.initSync({ module: readFileSync(new URL("../../pkg/edge_entitlements_bg.wasm", import.meta.url)) });

export * from "../../pkg/index.js";

/**
 * Every vector: the spec's (tests/vectors/), the project's (tests/vectors-extra/) and,
 * when `EXTRA_VECTORS` names a folder, its files too: `[{ file, vector }]`, sorted by
 * file name within each folder.
 */
export function vectors() {
  const dirs = [`${root}tests/vectors/`, `${root}tests/vectors-extra/`];
  if (process.env.EXTRA_VECTORS) dirs.push(`${process.env.EXTRA_VECTORS.replace(/\/+$/, "")}/`);
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((file) => ({ file: `${dir.slice(root.length) || dir}${file}`, vector: JSON.parse(readFileSync(dir + file, "utf8")) })),
  );
}

/** A vector file by name. */
export function vector(name) {
  return JSON.parse(readFileSync(`${root}tests/vectors/${name}`, "utf8"));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether `actual` matches `expected` as tests/vectors.rs defines it: every member of
 * `expected` matches, `null` means absent, RFC 3339 strings compare as instants with
 * `Date`s. Returns a description of the first mismatch, or null.
 */
export function mismatch(expected, actual, path = "") {
  if (expected === null) {
    return actual === undefined || actual === null ? null : `${path}: expected absent, got ${show(actual)}`;
  }
  if (actual === undefined) return `${path}: expected ${show(expected)}, got absent`;
  if (typeof expected === "string" && RFC3339.test(expected)) {
    if (!(actual instanceof Date)) return `${path}: expected a Date for ${expected}, got ${show(actual)}`;
    return actual.getTime() === Date.parse(expected) ? null : `${path}: expected ${expected}, got ${actual.toISOString()}`;
  }
  if (typeof expected === "object" && !Array.isArray(expected)) {
    if (typeof actual !== "object" || actual === null) return `${path}: expected an object, got ${show(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const m = mismatch(v, actual[k], path ? `${path}.${k}` : k);
      if (m) return m;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    return JSON.stringify(expected) === JSON.stringify(actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
  }
  return Object.is(expected, actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

function show(v) {
  return v instanceof Date ? v.toISOString() : JSON.stringify(v);
}
