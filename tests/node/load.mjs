// Loads the built package from pkg/ the way a Node user does: `initSync` with the bytes.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as pkg from "../../pkg/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
pkg.initSync({ module: readFileSync(new URL("../../pkg/edge_entitlements_bg.wasm", import.meta.url)) });

export * from "../../pkg/index.js";

/**
 * Every vector: the spec's (tests/vectors/, tests/vectors-credits/), the project's
 * (tests/vectors-extra/) and,
 * when `EXTRA_VECTORS` names a folder, its files too: `[{ file, vector }]`, sorted by
 * file name within each folder.
 */
export function vectors() {
  const dirs = [`${root}tests/vectors/`, `${root}tests/vectors-credits/`, `${root}tests/vectors-extra/`];
  if (process.env.EXTRA_VECTORS) dirs.push(`${process.env.EXTRA_VECTORS.replace(/\/+$/, "")}/`);
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((file) => ({ file: `${dir.slice(root.length) || dir}${file}`, vector: JSON.parse(readFileSync(dir + file, "utf8")) })),
  );
}

/**
 * Every write-path scenario (SCENARIOS.md): tests/scenarios/ (copies of the shared ones),
 * the project's tests/scenarios-extra/, tests/scenarios-seeded/ (initial customers with
 * `usage`; left out with `seeded: false`, for faces that replay through the HTTP API,
 * which cannot seed usage) and, when `EXTRA_SCENARIOS` names a folder, its files too:
 * `[{ file, scenario }]`. A folder that is missing or empty is an error, never a silent pass.
 */
export function scenarios({ seeded = true } = {}) {
  const dirs = [`${root}tests/scenarios/`, `${root}tests/scenarios-extra/`];
  if (seeded) dirs.push(`${root}tests/scenarios-seeded/`);
  if (process.env.EXTRA_SCENARIOS) dirs.push(`${process.env.EXTRA_SCENARIOS.replace(/\/+$/, "")}/`);
  return dirs.flatMap((dir) => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
    if (files.length === 0) throw new Error(`no scenario files in ${dir}`);
    return files.map((file) => ({ file: `${dir.slice(root.length) || dir}${file}`, scenario: JSON.parse(readFileSync(dir + file, "utf8")) }));
  });
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
    // A Date (npm results) or an RFC 3339 string (HTTP answers), compared as instants.
    const ms = actual instanceof Date ? actual.getTime() : typeof actual === "string" && RFC3339.test(actual) ? Date.parse(actual) : NaN;
    if (Number.isNaN(ms)) return `${path}: expected an instant ${expected}, got ${show(actual)}`;
    return ms === Date.parse(expected) ? null : `${path}: expected ${expected}, got ${show(actual)}`;
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
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (typeof expected === "number" && typeof actual === "number") return expected === actual ? null : `${path}: expected ${expected}, got ${actual}`;
  return Object.is(expected, actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

function show(v) {
  return v instanceof Date ? v.toISOString() : JSON.stringify(v);
}
