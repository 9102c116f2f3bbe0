//! The catalog of one environment (SEMANTICS section 1): features, products, plans with
//! inheritance, add-ons; and its validation into a [`ValidCatalog`] whose plans are
//! already flattened, so that resolving a customer never walks the plan tree again.

use std::sync::Arc;

use crate::features::{HashMap, HashSet};
use crate::metadata::Metadata;

use serde::{Deserialize, Serialize};

use crate::entitlement::{validate_terms, Behavior, EntitlementSpec, Origin, Terms};
use crate::error::{At, ErrorCode, Named, Result, Violations};
use crate::features::{FeatureIdx, FeatureTable};

/// A feature's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum FeatureType {
    /// On or off.
    Boolean,
    /// A constant configuration value, not tracked.
    Numeric,
    /// Usage is tracked against a limit.
    Metered,
    /// A credit pool: a prepaid balance that features spend (SEMANTICS section 7).
    Credit,
}

/// How a metered feature's usage behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Meter {
    /// Usage accumulates and may reset each period (API calls).
    Incremental,
    /// Usage is a current level set by the application (seats); it never resets.
    Fluctuating,
}

/// A feature of the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Feature {
    /// Unique, non-empty id.
    pub id: String,
    /// `boolean`, `numeric` or `metered`.
    #[serde(rename = "type")]
    pub feature_type: FeatureType,
    /// Required for metered features, absent otherwise.
    #[serde(default)]
    pub meter: Option<Meter>,
    /// Human name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Longer text.
    #[serde(default)]
    pub description: Option<String>,
    /// Unit, singular (`call`).
    #[serde(default)]
    pub units: Option<String>,
    /// Unit, plural (`calls`).
    #[serde(default)]
    pub units_plural: Option<String>,
    /// Free-form string map.
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// An incremental metered feature priced in a credit pool (section 7): `N` units cost
    /// `N x perUnit` credits of `creditId`.
    #[serde(default)]
    pub credit_cost: Option<CreditCost>,
}

/// What a feature costs in credits.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreditCost {
    /// The credit pool (a feature of type `credit`).
    pub credit_id: String,
    /// Credits per unit of the feature (positive, at most 6 decimals).
    #[serde(with = "crate::credits::amount::json")]
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    pub per_unit: crate::credits::Credits,
}

/// A product: groups plans and add-ons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Product {
    /// Unique, non-empty id.
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Longer text.
    #[serde(default)]
    pub description: Option<String>,
    /// Free-form string map.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// A plan: a package of entitlements, optionally inheriting its parent's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Plan {
    /// Unique, non-empty id.
    pub id: String,
    /// The product it belongs to.
    #[serde(default)]
    pub product_id: Option<String>,
    /// Human name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Longer text.
    #[serde(default)]
    pub description: Option<String>,
    /// The plan it inherits every entitlement from.
    #[serde(default)]
    pub parent_plan_id: Option<String>,
    /// Its own entitlements; each replaces an inherited one for the same feature.
    #[serde(default)]
    pub entitlements: Vec<EntitlementSpec>,
    /// Free-form string map.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// An add-on: extends compatible plans, bought 1 to `maxQuantity` times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Addon {
    /// Unique, non-empty id.
    pub id: String,
    /// The product it belongs to.
    #[serde(default)]
    pub product_id: Option<String>,
    /// Human name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Longer text.
    #[serde(default)]
    pub description: Option<String>,
    /// Plans it may be added to.
    #[serde(default)]
    pub compatible_plan_ids: Vec<String>,
    /// Largest quantity a subscription may hold; default 1.
    #[cfg_attr(feature = "schema", schemars(with = "Option<u32>"))]
    #[serde(default, with = "crate::number::whole_u32_opt")]
    pub max_quantity: Option<u32>,
    /// Its entitlements, with `behavior` `increment` (default) or `override`.
    #[serde(default)]
    pub entitlements: Vec<EntitlementSpec>,
    /// Free-form string map.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

impl AsRef<ValidCatalog> for ValidCatalog {
    fn as_ref(&self) -> &ValidCatalog {
        self
    }
}

impl Addon {
    /// `maxQuantity`, default 1.
    pub fn max_quantity(&self) -> u32 {
        self.max_quantity.unwrap_or(1)
    }
}

/// A catalog as written in JSON. Validate it with [`ValidCatalog::new`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Catalog {
    /// Every feature.
    #[serde(default)]
    pub features: Vec<Feature>,
    /// Every product.
    #[serde(default)]
    pub products: Vec<Product>,
    /// Every plan.
    #[serde(default)]
    pub plans: Vec<Plan>,
    /// Every add-on.
    #[serde(default)]
    pub addons: Vec<Addon>,
}

/// An add-on entitlement, compiled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AddonTerms {
    pub feature: FeatureIdx,
    pub terms: Terms,
    pub behavior: Behavior,
}

/// A catalog that passed every rule, with its indexes and flattened plans.
#[derive(Clone, Debug)]
pub struct ValidCatalog {
    catalog: Catalog,
    features: Arc<FeatureTable>,
    plan_index: HashMap<String, u32>,
    addon_index: HashMap<String, u32>,
    /// Per plan: its entitlements and its ancestors', the nearest winning, by feature.
    plan_terms: Vec<Vec<(FeatureIdx, Terms)>>,
    addon_terms: Vec<Vec<AddonTerms>>,
}

impl ValidCatalog {
    /// Parses and validates a catalog from JSON; every error has code `invalid_catalog`.
    pub fn from_json(json: &str) -> Result<ValidCatalog> {
        ValidCatalog::new(crate::json::from_json(json, ErrorCode::InvalidCatalog)?)
    }

    /// Validates a catalog against every rule of SEMANTICS section 1, reporting all
    /// violations at once; nothing of an invalid catalog is kept.
    pub fn new(catalog: Catalog) -> Result<ValidCatalog> {
        let mut v = Violations::new(ErrorCode::InvalidCatalog);
        let features = feature_table(catalog.features.clone(), &mut v);
        let product_index = index_ids(
            catalog.products.iter().map(|p| p.id.as_str()),
            "products",
            "product",
            &mut v,
        );
        let plan_index = index_ids(
            catalog.plans.iter().map(|p| p.id.as_str()),
            "plans",
            "plan",
            &mut v,
        );
        let addon_index = index_ids(
            catalog.addons.iter().map(|a| a.id.as_str()),
            "addons",
            "add-on",
            &mut v,
        );

        let mut own_terms = Vec::with_capacity(catalog.plans.len());
        for (i, plan) in catalog.plans.iter().enumerate() {
            let owner = Named {
                kind: "plan",
                id: &plan.id,
            };
            let path = At::new("plans", i);
            check_product(&plan.product_id, &product_index, owner, path, &mut v);
            if let Some(parent) = &plan.parent_plan_id {
                if !plan_index.contains_key(parent) {
                    v.push(
                        format!("{path}.parentPlanId"),
                        format!("{owner}: parentPlanId `{parent}` is not a plan"),
                    );
                }
            }
            let terms = compile_entitlements(
                &plan.entitlements,
                &features,
                Origin::Plan,
                owner,
                path,
                &mut v,
            );
            own_terms.push(
                terms
                    .into_iter()
                    .map(|(f, t, _)| (f, t))
                    .collect::<Vec<_>>(),
            );
        }
        let parents: Vec<Option<usize>> = catalog
            .plans
            .iter()
            .map(|p| {
                p.parent_plan_id
                    .as_ref()
                    .and_then(|id| plan_index.get(id))
                    .map(|&i| i as usize)
            })
            .collect();
        let chains = plan_chains(&catalog, &parents, &mut v);

        let mut addon_terms = Vec::with_capacity(catalog.addons.len());
        for (i, addon) in catalog.addons.iter().enumerate() {
            let owner = Named {
                kind: "add-on",
                id: &addon.id,
            };
            let path = At::new("addons", i);
            check_product(&addon.product_id, &product_index, owner, path, &mut v);
            for (j, plan_id) in addon.compatible_plan_ids.iter().enumerate() {
                if !plan_index.contains_key(plan_id) {
                    v.push(
                        format!("{path}.compatiblePlanIds[{j}]"),
                        format!("{owner}: compatiblePlanIds entry `{plan_id}` is not a plan"),
                    );
                }
            }
            if addon.max_quantity == Some(0) {
                v.push(
                    format!("{path}.maxQuantity"),
                    format!("{owner}: maxQuantity must be at least 1"),
                );
            }
            let terms = compile_entitlements(
                &addon.entitlements,
                &features,
                Origin::Addon,
                owner,
                path,
                &mut v,
            );
            addon_terms.push(
                terms
                    .into_iter()
                    .map(|(feature, terms, behavior)| AddonTerms {
                        feature,
                        terms,
                        behavior: behavior.unwrap_or(Behavior::Increment),
                    })
                    .collect(),
            );
        }

        let plan_terms = chains
            .iter()
            .map(|chain| flatten(chain, &own_terms))
            .collect();
        v.finish(ValidCatalog {
            catalog,
            features: Arc::new(features),
            plan_index,
            addon_index,
            plan_terms,
            addon_terms,
        })
    }

    /// The catalog as given.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The feature named `id`.
    pub fn feature(&self, id: &str) -> Option<&Feature> {
        self.features.get(id)
    }

    /// The feature table, shared with every customer prepared against this catalog.
    pub fn features(&self) -> &Arc<FeatureTable> {
        &self.features
    }

    /// The plan `id`.
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plan_idx(id)
            .and_then(|i| self.catalog.plans.get(i as usize))
    }

    pub(crate) fn plan_idx(&self, id: &str) -> Option<u32> {
        self.plan_index.get(id).copied()
    }

    pub(crate) fn addon_idx(&self, id: &str) -> Option<u32> {
        self.addon_index.get(id).copied()
    }

    pub(crate) fn addon_at(&self, idx: u32) -> Option<&Addon> {
        self.catalog.addons.get(idx as usize)
    }

    /// A plan's flattened entitlements (its ancestors' included), sorted by feature.
    pub(crate) fn plan_terms(&self, plan: u32) -> &[(FeatureIdx, Terms)] {
        self.plan_terms
            .get(plan as usize)
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn addon_terms(&self, addon: u32) -> &[AddonTerms] {
        self.addon_terms
            .get(addon as usize)
            .map_or(&[], Vec::as_slice)
    }
}

/// Indexes `features` and records the violations of their own rules: ids non-empty
/// and unique, a meter exactly for metered features.
pub(crate) fn feature_table(features: Vec<Feature>, v: &mut Violations) -> FeatureTable {
    for (i, f) in features.iter().enumerate() {
        if f.id.is_empty() {
            v.push(format!("features[{i}].id"), "feature id is empty");
        }
        match (f.feature_type, f.meter) {
            (FeatureType::Metered, None) => v.push(
                format!("features[{i}].meter"),
                format!(
                    "feature `{}`: a metered feature needs a meter (`incremental` or `fluctuating`)",
                    f.id
                ),
            ),
            (FeatureType::Boolean | FeatureType::Numeric | FeatureType::Credit, Some(_)) => {
                v.push(
                    format!("features[{i}].meter"),
                    format!("feature `{}`: meter is only for metered features", f.id),
                )
            }
            _ => {}
        }
    }
    let (table, repeats) = FeatureTable::new(features);
    crate::credits::rules::check_credit_costs(&table, v);
    for i in repeats {
        let id = table.as_slice().get(i).map_or("", |f| f.id.as_str());
        v.push(
            format!("features[{i}].id"),
            format!("feature id `{id}` repeats"),
        );
    }
    table
}

/// Maps ids to their positions; records empty and repeated ids.
fn index_ids<'a>(
    ids: impl Iterator<Item = &'a str>,
    kind_path: &str,
    kind: &str,
    v: &mut Violations,
) -> HashMap<String, u32> {
    let mut index = HashMap::default();
    for (i, id) in ids.enumerate() {
        if id.is_empty() {
            v.push(
                format!("{kind_path}[{i}].id"),
                format!("{kind} id is empty"),
            );
        } else if index.insert(id.to_string(), i as u32).is_some() {
            v.push(
                format!("{kind_path}[{i}].id"),
                format!("{kind} id `{id}` repeats"),
            );
        }
    }
    index
}

fn check_product(
    product_id: &Option<String>,
    products: &HashMap<String, u32>,
    owner: Named<'_>,
    path: At,
    v: &mut Violations,
) {
    if let Some(p) = product_id {
        if !products.contains_key(p) {
            v.push(
                format!("{path}.productId"),
                format!("{owner}: productId `{p}` is not a product"),
            );
        }
    }
}

/// Validates a package's entitlements; records unknown features and repeats.
pub(crate) fn compile_entitlements(
    specs: &[EntitlementSpec],
    features: &FeatureTable,
    origin: Origin,
    owner: Named<'_>,
    path: At,
    v: &mut Violations,
) -> Vec<(FeatureIdx, Terms, Option<Behavior>)> {
    let mut out: Vec<(FeatureIdx, Terms, Option<Behavior>)> = Vec::with_capacity(specs.len());
    // By id rather than index (the same thing: an index is found by its exact id), so
    // that this set shares its hash-table code with the other sets of ids.
    let mut seen = HashSet::default();
    for (j, spec) in specs.iter().enumerate() {
        let epath = path.inner("entitlements", j);
        let fid = &spec.feature_id;
        let Some(idx) = features.idx(fid) else {
            v.push(
                format!("{epath}.featureId"),
                format!("{owner}: featureId `{fid}` is not a feature"),
            );
            continue;
        };
        if !seen.insert(fid.as_str()) {
            v.push(
                format!("{epath}.featureId"),
                format!("{owner}: names feature `{fid}` twice"),
            );
            continue;
        }
        let Some(feature) = features.at(idx) else {
            continue;
        };
        if let Some((terms, behavior)) =
            validate_terms(&spec.input(owner), feature, origin, epath, v)
        {
            out.push((idx, terms, behavior));
        }
    }
    out
}

/// Each plan's ancestry, root last; records every plan that is part of a cycle.
fn plan_chains(
    catalog: &Catalog,
    parents: &[Option<usize>],
    v: &mut Violations,
) -> Vec<Vec<usize>> {
    let n = parents.len();
    let mut chains = Vec::with_capacity(n);
    for start in 0..n {
        let mut chain = vec![start];
        let mut at = parents.get(start).copied().flatten();
        let mut cyclic = false;
        while let Some(p) = at {
            if p == start {
                cyclic = true;
                break;
            }
            if chain.len() > n {
                // Leads into a cycle it is not part of; the cycle's members are reported.
                break;
            }
            chain.push(p);
            at = parents.get(p).copied().flatten();
        }
        if cyclic {
            // Joined by hand: `[&str]::join` brings its own copy loop and two panic
            // paths into the wasm.
            let mut names = String::new();
            for (k, p) in chain
                .iter()
                .chain(std::iter::once(&start))
                .filter_map(|&i| catalog.plans.get(i))
                .enumerate()
            {
                if k > 0 {
                    names.push_str(" -> ");
                }
                names.push_str(&p.id);
            }
            let id = catalog.plans.get(start).map_or("", |p| p.id.as_str());
            v.push(
                format!("plans[{start}].parentPlanId"),
                format!("plan `{id}`: parentPlanId forms an inheritance cycle ({names})"),
            );
        }
        chains.push(chain);
    }
    chains
}

/// Applies entitlements from the root ancestor down; a descendant's replace its ancestor's.
fn flatten(chain: &[usize], own: &[Vec<(FeatureIdx, Terms)>]) -> Vec<(FeatureIdx, Terms)> {
    // A sorted Vec rather than a BTreeMap: the same order, and 2 KB less wasm.
    let mut merged: Vec<(FeatureIdx, Terms)> = Vec::new();
    for &plan in chain.iter().rev() {
        for &(f, t) in own.get(plan).map_or(&[][..], Vec::as_slice) {
            match merged.binary_search_by_key(&f, |&(g, _)| g) {
                Ok(i) => {
                    if let Some(slot) = merged.get_mut(i) {
                        slot.1 = t;
                    }
                }
                Err(i) => merged.insert(i, (f, t)),
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_violation_with_path_and_entity() {
        let err = ValidCatalog::from_json(
            r#"{"features": [{"id": "calls", "type": "metered", "meter": "incremental"},
                             {"id": "calls", "type": "boolean"}],
                "plans": [
                  {"id": "pro", "entitlements": [
                    {"featureId": "calls", "usageLimit": 1.5},
                    {"featureId": "calls", "usageLimit": 3}]},
                  {"id": "b", "parentPlanId": "gold", "entitlements": [{"featureId": "nope"}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidCatalog);
        let got: Vec<(&str, &str)> = err
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("features[1].id", "feature id `calls` repeats"),
                (
                    "plans[0].entitlements[0].usageLimit",
                    "plan `pro`: usageLimit of `calls` is not an integer from 0 to 2^53 - 1"
                ),
                (
                    "plans[0].entitlements[1].featureId",
                    "plan `pro`: names feature `calls` twice"
                ),
                (
                    "plans[1].parentPlanId",
                    "plan `b`: parentPlanId `gold` is not a plan"
                ),
                (
                    "plans[1].entitlements[0].featureId",
                    "plan `b`: featureId `nope` is not a feature"
                ),
            ]
        );
    }

    #[test]
    fn descendants_replace_inherited_entitlements() {
        let c = ValidCatalog::from_json(
            r#"{"features": [{"id": "n", "type": "numeric"}, {"id": "b", "type": "boolean"}],
                "plans": [
                  {"id": "c", "parentPlanId": "p", "entitlements": [{"featureId": "n", "value": 3}]},
                  {"id": "p", "parentPlanId": "g", "entitlements": [{"featureId": "n", "value": 2}]},
                  {"id": "g", "entitlements": [{"featureId": "n", "value": 1}, {"featureId": "b"}]}]}"#,
        )
        .unwrap();
        let terms = c.plan_terms(c.plan_idx("c").unwrap());
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].1.amount, crate::entitlement::Amount::Limited(3.0));
        let terms = c.plan_terms(c.plan_idx("p").unwrap());
        assert_eq!(terms[0].1.amount, crate::entitlement::Amount::Limited(2.0));
    }

    #[test]
    fn cycles_name_their_members() {
        let err = ValidCatalog::from_json(
            r#"{"plans": [{"id": "a", "parentPlanId": "b"}, {"id": "b", "parentPlanId": "a"},
                          {"id": "c", "parentPlanId": "a"}, {"id": "d", "parentPlanId": "d"}]}"#,
        )
        .unwrap_err();
        let msgs: Vec<&str> = err.violations.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "plan `a`: parentPlanId forms an inheritance cycle (a -> b -> a)",
                "plan `b`: parentPlanId forms an inheritance cycle (b -> a -> b)",
                "plan `d`: parentPlanId forms an inheritance cycle (d -> d)",
            ]
        );
    }
}
