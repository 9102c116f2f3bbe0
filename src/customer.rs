//! A customer's state (SEMANTICS section 2): subscriptions, promotions, usage, and its
//! validation against a catalog.

use crate::features::HashSet;

use serde::{Deserialize, Serialize};

use crate::catalog::{FeatureType, ValidCatalog};
use crate::credits::state::{CreditGrant, CreditUsage};
use crate::entitlement::{
    validate_terms, Behavior, Origin, ResetAnchor, ResetPeriod, Terms, TermsInput,
};
use crate::error::{At, ErrorCode, Named, Result, Violations};
use crate::features::{FeatureIdx, FeatureTable};
use crate::time::Timestamp;

/// A subscription's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Status {
    /// Paid and running.
    Active,
    /// In its trial, until `trialEndDate`.
    InTrial,
    /// Canceled; grants until `cancellationDate`.
    Canceled,
    /// Ended; grants nothing.
    Expired,
    /// Not started yet; grants nothing.
    NotStarted,
    /// Waiting for payment; grants nothing.
    PaymentPending,
}

/// An add-on held by a subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubscriptionAddon {
    /// The catalog add-on.
    pub addon_id: String,
    /// How many, 1 to the add-on's `maxQuantity`; default 1.
    #[cfg_attr(feature = "schema", schemars(with = "u32"))]
    #[serde(default = "one", with = "crate::number::whole_u32")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// A subscription to a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Subscription {
    /// Its id (unique within the customer when given).
    #[serde(default)]
    pub id: String,
    /// The catalog plan.
    pub plan_id: String,
    /// Lifecycle status.
    pub status: Status,
    /// When it starts granting; the default usage-period anchor.
    pub start_date: Timestamp,
    /// When it stops granting (exclusive).
    #[serde(default)]
    pub end_date: Option<Timestamp>,
    /// When an `inTrial` subscription stops granting (exclusive).
    #[serde(default)]
    pub trial_end_date: Option<Timestamp>,
    /// When a `canceled` subscription stops granting (exclusive).
    #[serde(default)]
    pub cancellation_date: Option<Timestamp>,
    /// Add-ons it holds.
    #[serde(default, deserialize_with = "crate::snapshot::bounded::list")]
    pub addons: Vec<SubscriptionAddon>,
}

impl Subscription {
    /// The half-open window `[from, until)` in which it grants, or `None` when its
    /// status never grants (SEMANTICS section 2). `until == None` means forever.
    pub fn granting_window(&self) -> Option<(Timestamp, Option<Timestamp>)> {
        let extra_end = match self.status {
            Status::Active => None,
            Status::InTrial => self.trial_end_date,
            Status::Canceled => Some(self.cancellation_date?),
            Status::Expired | Status::NotStarted | Status::PaymentPending => return None,
        };
        let until = match (self.end_date, extra_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Some((self.start_date, until))
    }
}

/// An entitlement granted to the customer directly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Promotion {
    /// The feature it grants.
    pub feature_id: String,
    /// A numeric feature's value.
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(default, with = "crate::number::compact_opt")]
    pub value: Option<f64>,
    /// A metered feature's limit per period.
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    #[serde(default, with = "crate::number::compact_opt")]
    pub usage_limit: Option<f64>,
    /// No limit.
    #[serde(default)]
    pub is_unlimited: Option<bool>,
    /// Usage past the limit is allowed and reported.
    #[serde(default)]
    pub is_soft_limit: Option<bool>,
    /// How often usage resets (when it grants alone).
    #[serde(default)]
    pub reset_period: Option<ResetPeriod>,
    /// Where periods start; `subscriptionStart` means `startDate`, else the epoch.
    #[serde(default)]
    pub reset_anchor: Option<ResetAnchor>,
    /// Absent: competes, the more generous wins. `increment`: adds.
    #[serde(default)]
    pub behavior: Option<Behavior>,
    /// In force from (inclusive); absent = always.
    #[serde(default)]
    pub start_date: Option<Timestamp>,
    /// In force until (exclusive); absent = lifetime.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// Usage of a metered feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Usage {
    /// The metered feature.
    pub feature_id: String,
    /// Usage counted so far (in the period that starts at `periodStart`).
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "crate::number::compact")]
    pub current_usage: f64,
    /// Start of the period in which the usage was counted.
    #[serde(default)]
    pub period_start: Option<Timestamp>,
}

/// A customer's state as written in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CustomerState {
    /// Customer id, unique within the environment.
    pub id: String,
    /// An archived customer is denied everything.
    #[serde(default)]
    pub archived: bool,
    /// Its subscriptions, in order (the order breaks ties).
    #[serde(default, deserialize_with = "crate::snapshot::bounded::list")]
    pub subscriptions: Vec<Subscription>,
    /// Entitlements granted directly.
    #[serde(default, deserialize_with = "crate::snapshot::bounded::list")]
    pub promotional_entitlements: Vec<Promotion>,
    /// Usage per metered feature.
    #[serde(default, deserialize_with = "crate::snapshot::bounded::list")]
    pub usage: Vec<Usage>,
    /// One-off credit grants (section 7).
    #[serde(default, deserialize_with = "crate::snapshot::bounded::list")]
    pub credit_grants: Vec<CreditGrant>,
    /// The credit ledger: one-off, pool and uncovered entries (section 7).
    #[serde(default, deserialize_with = "crate::snapshot::bounded::list")]
    pub credit_usage: Vec<CreditUsage>,
}

impl CustomerState {
    /// The state as JSON in camelCase, dates as RFC 3339 strings, absent fields left out.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        crate::json::strip_nulls(&mut value);
        value
    }

    /// Parses a customer state from JSON (shape only; see [`validate`] for the rules).
    pub fn from_json(json: &str) -> Result<CustomerState> {
        crate::json::from_json(json, ErrorCode::InvalidCustomer)
    }
}

/// A validated promotion, compiled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PromotionTerms {
    pub feature: FeatureIdx,
    pub terms: Terms,
    pub increment: bool,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// Checks `state` against `catalog` (SEMANTICS section 2), reporting every violation,
/// and returns the compiled promotions.
pub(crate) fn validate(
    catalog: &ValidCatalog,
    state: &CustomerState,
) -> Result<Vec<PromotionTerms>> {
    let mut v = Violations::new(ErrorCode::InvalidCustomer);
    validate_subscriptions(catalog, state, &mut v);
    let promotions = validate_features(catalog.features(), state, &mut v);
    v.finish(promotions)
}

/// The catalog-wide rules: plans and add-ons exist, fit together, quantities in range.
fn validate_subscriptions(catalog: &ValidCatalog, state: &CustomerState, v: &mut Violations) {
    let mut sub_ids = HashSet::default();
    for (i, sub) in state.subscriptions.iter().enumerate() {
        let path = format!("subscriptions[{i}]");
        let name = if sub.id.is_empty() {
            format!("subscription #{i}")
        } else {
            format!("subscription `{}`", sub.id)
        };
        if !sub.id.is_empty() && !sub_ids.insert(sub.id.as_str()) {
            v.push(
                format!("{path}.id"),
                format!("subscription id `{}` repeats", sub.id),
            );
        }
        let plan_known = catalog.plan_idx(&sub.plan_id).is_some();
        if sub.id.is_empty() && gives_credits(catalog, sub) {
            v.push(
                format!("{path}.id"),
                format!("{name} gives credits and needs an id: its plan grant and ledger entries are named by it"),
            );
        }
        if !plan_known {
            v.push(
                format!("{path}.planId"),
                format!("unknown plan `{}` in {name}", sub.plan_id),
            );
        }
        let mut seen = HashSet::default();
        for (j, held) in sub.addons.iter().enumerate() {
            let apath = format!("{path}.addons[{j}]");
            let Some(addon) = catalog
                .addon_idx(&held.addon_id)
                .and_then(|a| catalog.addon_at(a))
            else {
                v.push(
                    format!("{apath}.addonId"),
                    format!("unknown add-on `{}` in {name}", held.addon_id),
                );
                continue;
            };
            if !seen.insert(held.addon_id.as_str()) {
                v.push(
                    format!("{apath}.addonId"),
                    format!("add-on `{}` appears twice in {name}", held.addon_id),
                );
            }
            if plan_known && !addon.compatible_plan_ids.contains(&sub.plan_id) {
                v.push(
                    format!("{apath}.addonId"),
                    format!(
                        "add-on `{}` is not compatible with plan `{}` in {name}",
                        held.addon_id, sub.plan_id
                    ),
                );
            }
            let max = addon.max_quantity();
            if held.quantity < 1 || held.quantity > max {
                v.push(
                    format!("{apath}.quantity"),
                    format!(
                        "quantity {} of add-on `{}` in {name} is outside 1..{max}",
                        held.quantity, held.addon_id
                    ),
                );
            }
        }
    }
}

/// Whether the subscription's plan or add-ons give some credit pool (section 7).
fn gives_credits(catalog: &ValidCatalog, sub: &Subscription) -> bool {
    let is_pool = |f: FeatureIdx| {
        catalog
            .features()
            .at(f)
            .is_some_and(|f| f.feature_type == FeatureType::Credit)
    };
    let plan = catalog
        .plan_idx(&sub.plan_id)
        .is_some_and(|p| catalog.plan_terms(p).iter().any(|&(f, _)| is_pool(f)));
    plan || sub.addons.iter().any(|held| {
        catalog
            .addon_idx(&held.addon_id)
            .is_some_and(|a| catalog.addon_terms(a).iter().any(|t| is_pool(t.feature)))
    })
}

/// The rules that need only the features: the id, promotions and usage. Returns the
/// compiled promotions. Snapshots, which carry features but not whole plans, check these.
pub(crate) fn validate_features(
    features: &FeatureTable,
    state: &CustomerState,
    v: &mut Violations,
) -> Vec<PromotionTerms> {
    if state.id.is_empty() {
        v.push("id", "customer id is empty");
    }
    let mut promotions = Vec::with_capacity(state.promotional_entitlements.len());
    for (i, p) in state.promotional_entitlements.iter().enumerate() {
        let path = At::new("promotionalEntitlements", i);
        let Some((idx, feature)) = features
            .idx(&p.feature_id)
            .and_then(|i| Some((i, features.at(i)?)))
        else {
            v.push(
                format!("{path}.featureId"),
                format!(
                    "promotion #{i}: featureId `{}` is not a feature",
                    p.feature_id
                ),
            );
            continue;
        };
        if let (Some(s), Some(e)) = (p.start_date, p.expires_at) {
            if e <= s {
                v.push(
                    format!("{path}.expiresAt"),
                    format!(
                        "promotion of `{}`: expiresAt is not after startDate",
                        p.feature_id
                    ),
                );
            }
        }
        let owner = Named {
            kind: "promotion of",
            id: &p.feature_id,
        };
        let input = TermsInput {
            value: p.value,
            usage_limit: p.usage_limit,
            is_unlimited: p.is_unlimited,
            is_soft_limit: p.is_soft_limit,
            reset_period: p.reset_period,
            reset_anchor: p.reset_anchor,
            behavior: p.behavior,
            amount: None,
            rollover: None,
            owner,
        };
        if feature.feature_type == FeatureType::Credit {
            v.push(
                format!("{path}.featureId"),
                format!(
                    "promotion of `{}`: a promotion cannot name a credit pool; give a credit grant instead",
                    p.feature_id
                ),
            );
            continue;
        }
        if let Some((terms, behavior)) = validate_terms(&input, feature, Origin::Promotion, path, v)
        {
            promotions.push(PromotionTerms {
                feature: idx,
                terms,
                increment: behavior == Some(Behavior::Increment),
                from: p.start_date,
                until: p.expires_at,
            });
        }
    }

    // By feature index: cheaper than hashing each id again.
    let mut used = vec![false; features.len()];
    for (i, u) in state.usage.iter().enumerate() {
        let path = At::new("usage", i);
        let idx = features.idx(&u.feature_id);
        match idx.and_then(|f| Some((f, features.at(f)?))) {
            None => v.push(
                format!("{path}.featureId"),
                format!("usage of unknown feature `{}`", u.feature_id),
            ),
            Some((_, f)) if f.feature_type != FeatureType::Metered => v.push(
                format!("{path}.featureId"),
                format!(
                    "usage of `{}`, which is not a metered feature",
                    u.feature_id
                ),
            ),
            Some((f, _)) => {
                if used
                    .get_mut(f as usize)
                    .is_some_and(|seen| std::mem::replace(seen, true))
                {
                    v.push(
                        format!("{path}.featureId"),
                        format!("usage of `{}` appears twice", u.feature_id),
                    );
                }
            }
        }
        if !u.current_usage.is_finite() || u.current_usage < 0.0 {
            v.push(
                format!("{path}.currentUsage"),
                format!(
                    "currentUsage of `{}` must be a non-negative number",
                    u.feature_id
                ),
            );
        }
    }
    crate::credits::state::validate(features, state, v);
    promotions
}
