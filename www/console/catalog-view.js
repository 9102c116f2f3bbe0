// The structured view of a catalog: features by type, plans as their inheritance tree
// (parentPlanId) with what each plan adds or replaces, add-ons with their compatible plans.
import { el, fmt } from "./dom.js";

const TYPES = [
  ["boolean", "Features (on/off)"],
  ["numeric", "Limits (values)"],
  ["metered", "Metered"],
  ["credit", "Credit pools"],
];

/** A short text of what a package entitlement grants. */
export function grantText(ent, feature) {
  const parts = [];
  if (ent.isUnlimited) parts.push("unlimited");
  if (ent.value !== undefined) parts.push(`value ${fmt(ent.value)}`);
  if (ent.usageLimit !== undefined) parts.push(`limit ${fmt(ent.usageLimit)}`);
  if (ent.isSoftLimit) parts.push("soft");
  if (ent.resetPeriod) parts.push(`per ${ent.resetPeriod}`);
  if (ent.behavior && ent.behavior !== "increment") parts.push(ent.behavior);
  if (ent.amount !== undefined) parts.push(`${fmt(ent.amount)} credits`);
  if (parts.length === 0) parts.push(feature?.type === "boolean" ? "on" : "granted");
  return parts.join(", ");
}

function featureList(catalog) {
  const byType = new Map(TYPES.map(([t]) => [t, []]));
  for (const f of catalog.features ?? []) {
    if (!byType.has(f.type)) byType.set(f.type, []);
    byType.get(f.type).push(f);
  }
  return el(
    "div",
    { class: "feature-groups" },
    [...byType].filter(([, fs]) => fs.length > 0).map(([type, fs]) =>
      el(
        "section",
        { class: "feature-group", "data-type": type },
        el("h3", { text: TYPES.find(([t]) => t === type)?.[1] ?? type }),
        el(
          "ul",
          {},
          fs.map((f) =>
            el(
              "li",
              { "data-feature": f.id },
              el("code", { text: f.id }),
              f.displayName ? ` ${f.displayName}` : "",
              f.meter ? el("span", { class: "chip", text: f.meter }) : null,
              f.creditCost ? el("span", { class: "chip", text: `${fmt(f.creditCost.perUnit)} ${f.creditCost.creditId}/unit` }) : null,
            ),
          ),
        ),
      ),
    ),
  );
}

/** Feature ids an ancestor chain of `plan` grants (cycle-safe: an invalid catalog may have one). */
function inheritedFeatures(plan, plansById) {
  const seen = new Set();
  const features = new Set();
  let parent = plansById.get(plan.parentPlanId);
  while (parent && !seen.has(parent.id)) {
    seen.add(parent.id);
    for (const e of parent.entitlements ?? []) features.add(e.featureId);
    parent = plansById.get(parent.parentPlanId);
  }
  return features;
}

function planTree(catalog) {
  const plans = catalog.plans ?? [];
  const plansById = new Map(plans.map((p) => [p.id, p]));
  const featuresById = new Map((catalog.features ?? []).map((f) => [f.id, f]));
  const children = new Map();
  const roots = [];
  for (const p of plans) {
    if (p.parentPlanId && plansById.has(p.parentPlanId) && p.parentPlanId !== p.id) {
      if (!children.has(p.parentPlanId)) children.set(p.parentPlanId, []);
      children.get(p.parentPlanId).push(p);
    } else roots.push(p);
  }
  const visited = new Set();
  const node = (plan) => {
    visited.add(plan.id);
    const inherited = inheritedFeatures(plan, plansById);
    return el(
      "li",
      { class: "plan-node", "data-plan": plan.id },
      el("div", { class: "plan-head" }, el("strong", { text: plan.displayName ?? plan.id }), " ", el("code", { text: plan.id }), plan.productId ? el("span", { class: "chip", text: plan.productId }) : null),
      el(
        "ul",
        { class: "plan-ents" },
        (plan.entitlements ?? []).map((e) => {
          const kind = inherited.has(e.featureId) ? "replaces" : "adds";
          return el("li", { "data-kind": kind }, el("span", { class: `kind kind-${kind}`, text: kind }), " ", el("code", { text: e.featureId }), ` ${grantText(e, featuresById.get(e.featureId))}`);
        }),
      ),
      (children.get(plan.id) ?? []).length ? el("ul", { class: "plan-children" }, children.get(plan.id).filter((c) => !visited.has(c.id)).map(node)) : null,
    );
  };
  const tree = el("ul", { class: "plan-tree" }, roots.map(node));
  // Plans in a cycle are reachable from no root: list them so nothing is hidden.
  const orphans = plans.filter((p) => !visited.has(p.id));
  return el("div", {}, tree, orphans.length ? el("p", { class: "error", text: `In an inheritance cycle: ${orphans.map((p) => p.id).join(", ")}` }) : null);
}

function addonList(catalog) {
  const featuresById = new Map((catalog.features ?? []).map((f) => [f.id, f]));
  return el(
    "ul",
    { class: "addon-list" },
    (catalog.addons ?? []).map((a) =>
      el(
        "li",
        { "data-addon": a.id },
        el("strong", { text: a.displayName ?? a.id }),
        " ",
        el("code", { text: a.id }),
        ` · for ${(a.compatiblePlanIds ?? []).join(", ") || "no plan"} · up to ${fmt(a.maxQuantity ?? 1)}`,
        el("ul", {}, (a.entitlements ?? []).map((e) => el("li", {}, el("code", { text: e.featureId }), ` ${grantText(e, featuresById.get(e.featureId))}`))),
      ),
    ),
  );
}

/** The whole view of `catalog` (any shape: a catalog being edited may be invalid). */
export function catalogView(catalog) {
  return el(
    "div",
    { class: "catalog-view" },
    el("section", { class: "card" }, el("h2", { text: "Features" }), featureList(catalog)),
    el("section", { class: "card" }, el("h2", { text: "Plans" }), planTree(catalog)),
    el("section", { class: "card" }, el("h2", { text: "Add-ons" }), addonList(catalog)),
  );
}
