// Violation paths (`plans[1].entitlements[0].usageLimit`, as the engine and the Worker give
// them) to text ranges of the JSON being edited, through jsonc-parser's syntax tree.
import { parseTree, findNodeAtLocation, printParseErrorCode } from "jsonc-parser";

/** `plans[1].entitlements[0].usageLimit` -> ["plans", 1, "entitlements", 0, "usageLimit"]. */
export function pathSegments(path) {
  const segments = [];
  for (const m of String(path ?? "").matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  }
  return segments;
}

/** The tree of `text` and its syntax errors as `{ from, to, message }`. */
export function parseWithErrors(text) {
  const errors = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  return {
    tree,
    errors: errors.map((e) => ({
      from: e.offset,
      to: e.offset + Math.max(e.length, 1),
      message: `JSON: ${printParseErrorCode(e.error)}`,
    })),
  };
}

/**
 * The range of the node at `path` in `tree`: a property with its key and value. When the
 * path names something absent (a missing field), the closest enclosing node that exists;
 * the whole document for `""`.
 */
export function rangeOfPath(tree, path) {
  if (!tree) return { from: 0, to: 0, exact: false };
  const segments = pathSegments(path);
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(tree, segments.slice(0, n));
    if (!node) continue;
    const target = node.parent?.type === "property" ? node.parent : node;
    return { from: target.offset, to: target.offset + target.length, exact: n === segments.length };
  }
  return { from: tree.offset, to: tree.offset + tree.length, exact: false };
}
