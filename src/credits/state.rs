//! A customer's credits as stored (SEMANTICS section 7, Grants and Ledger): one-off
//! `creditGrants` and the `creditUsage` ledger, and their validation (Rejected input).

use serde::{Deserialize, Serialize};

use crate::catalog::FeatureType;
use crate::customer::CustomerState;
use crate::error::{At, Violations};
use crate::features::{FeatureTable, HashSet};
use crate::time::Timestamp;

use super::amount::{fits_scale, Credits};

/// The priority of a grant that names none, and of every plan grant.
pub const DEFAULT_PRIORITY: u32 = 10;

/// The prefix of plan grant ids (`"plan:" + subscriptionId`); a one-off grant's id may not
/// start with it.
pub const PLAN_GRANT_PREFIX: &str = "plan:";

fn default_priority() -> u32 {
    DEFAULT_PRIORITY
}

/// Whether a grant was paid for or given; it ranks in the burn order (promotional first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum GrantCategory {
    /// Given: burns before paid credits of the same priority and expiry.
    Promotional,
    /// Paid for (a plan grant counts as paid).
    Paid,
}

/// A one-off credit grant: `amount` credits of pool `featureId`, in force from
/// `effectiveAt` (inclusive) until `expiresAt` (exclusive; absent: never expires).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreditGrant {
    /// Unique within the customer; never starts with `plan:`.
    pub id: String,
    /// The credit pool it fills.
    pub feature_id: String,
    /// Credits granted (non-negative, at most 6 decimals).
    #[serde(with = "super::amount::json")]
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    pub amount: Credits,
    /// When it comes into force.
    pub effective_at: Timestamp,
    /// When its remainder is gone (after `effectiveAt`).
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Lower burns first; default 10.
    #[serde(default = "default_priority", with = "crate::number::whole_u32")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<u32>"))]
    pub priority: u32,
    /// `paid` or `promotional`.
    pub category: GrantCategory,
}

/// One entry of the `creditUsage` ledger. Its form follows from its fields: `grantId`
/// marks a one-off entry (`{grantId, used}`), `uncovered` an uncovered one (`{featureId,
/// uncovered}`), anything else is a pool entry (`{featureId, subscriptionId,
/// periodStart, carried?, used}`). See [`EntryForm`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreditUsage {
    /// One-off entry: the grant drawn from.
    #[serde(default)]
    pub grant_id: Option<String>,
    /// Pool and uncovered entries: the pool.
    #[serde(default)]
    pub feature_id: Option<String>,
    /// Pool entry: the subscription whose plan grant it is.
    #[serde(default)]
    pub subscription_id: Option<String>,
    /// Pool entry: the start of the period of that plan grant (section 4).
    #[serde(default)]
    pub period_start: Option<Timestamp>,
    /// Pool entry: the carry the period began with (default 0).
    #[serde(default, with = "super::amount::json_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    pub carried: Option<Credits>,
    /// One-off and pool entries: credits drawn.
    #[serde(default, with = "super::amount::json_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    pub used: Option<Credits>,
    /// Uncovered entry: the pool's lifetime uncovered use.
    #[serde(default, with = "super::amount::json_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<f64>"))]
    pub uncovered: Option<Credits>,
}

/// The three forms of a ledger entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryForm {
    /// `{grantId, used}`.
    OneOff,
    /// `{featureId, subscriptionId, periodStart, carried?, used}`.
    Pool,
    /// `{featureId, uncovered}`.
    Uncovered,
}

impl CreditUsage {
    /// Which form this entry has (`grantId` wins, then `uncovered`).
    pub fn form(&self) -> EntryForm {
        if self.grant_id.is_some() {
            EntryForm::OneOff
        } else if self.uncovered.is_some() {
            EntryForm::Uncovered
        } else {
            EntryForm::Pool
        }
    }
}

/// Checks the customer's `creditGrants` and `creditUsage` (section 7, Rejected input),
/// every violation with its path. Promotions naming pools are checked with promotions.
pub(crate) fn validate(features: &FeatureTable, state: &CustomerState, v: &mut Violations) {
    let is_pool = |id: &str| {
        features
            .get(id)
            .is_some_and(|f| f.feature_type == FeatureType::Credit)
    };
    let mut grant_ids = HashSet::default();
    for (i, g) in state.credit_grants.iter().enumerate() {
        let path = At::new("creditGrants", i);
        let name = &g.id;
        if g.id.is_empty() {
            v.push(
                format!("{path}.id"),
                format!("credit grant #{i}: id is empty"),
            );
        } else if g.id.starts_with(PLAN_GRANT_PREFIX) {
            v.push(
                format!("{path}.id"),
                format!("credit grant `{name}`: ids starting with `plan:` name plan grants"),
            );
        } else if !grant_ids.insert(g.id.as_str()) {
            v.push(
                format!("{path}.id"),
                format!("credit grant id `{name}` repeats"),
            );
        }
        if !is_pool(&g.feature_id) {
            v.push(
                format!("{path}.featureId"),
                format!(
                    "credit grant `{name}`: `{}` is not a credit pool",
                    g.feature_id
                ),
            );
        }
        if g.amount < Credits::ZERO || !fits_scale(g.amount) {
            v.push(
                format!("{path}.amount"),
                format!("credit grant `{name}`: amount must be a non-negative number of at most 6 decimals"),
            );
        }
        if g.expires_at.is_some_and(|e| e <= g.effective_at) {
            v.push(
                format!("{path}.expiresAt"),
                format!("credit grant `{name}`: expiresAt is not after effectiveAt"),
            );
        }
    }
    // A pool entry of a subscription the state no longer has is valid: it is kept and
    // ignored, and counts again if that subscription comes back (section 7, Ledger).
    let mut one_off = HashSet::default();
    let mut pool = HashSet::default();
    let mut uncovered = HashSet::default();
    for (i, e) in state.credit_usage.iter().enumerate() {
        let path = At::new("creditUsage", i);
        let quantity = |v: &mut Violations, field: &str, q: Option<Credits>| {
            if q.is_some_and(|q| q < Credits::ZERO || !fits_scale(q)) {
                v.push(
                    format!("{path}.{field}"),
                    format!("credit usage #{i}: {field} must be a non-negative number of at most 6 decimals"),
                );
            }
        };
        quantity(v, "used", e.used);
        quantity(v, "carried", e.carried);
        quantity(v, "uncovered", e.uncovered);
        let stray = |v: &mut Violations, field: &str, present: bool, form: &str| {
            if present {
                v.push(
                    format!("{path}.{field}"),
                    format!("credit usage #{i}: a {form} entry has no {field}"),
                );
            }
        };
        match e.form() {
            EntryForm::OneOff => {
                let id = e.grant_id.as_deref().unwrap_or_default();
                if !grant_ids.contains(id) {
                    v.push(
                        format!("{path}.grantId"),
                        format!(
                            "credit usage #{i}: grantId `{id}` is no credit grant of the customer"
                        ),
                    );
                } else if !one_off.insert(id) {
                    v.push(
                        format!("{path}.grantId"),
                        format!("credit usage #{i}: a second entry of grant `{id}`"),
                    );
                }
                if e.used.is_none() {
                    v.push(
                        format!("{path}.used"),
                        format!("credit usage #{i}: a one-off entry needs used"),
                    );
                }
                stray(v, "featureId", e.feature_id.is_some(), "one-off");
                stray(v, "subscriptionId", e.subscription_id.is_some(), "one-off");
                stray(v, "periodStart", e.period_start.is_some(), "one-off");
                stray(v, "carried", e.carried.is_some(), "one-off");
                stray(v, "uncovered", e.uncovered.is_some(), "one-off");
            }
            EntryForm::Uncovered => {
                let fid = e.feature_id.as_deref().unwrap_or_default();
                if !is_pool(fid) {
                    v.push(
                        format!("{path}.featureId"),
                        format!("credit usage #{i}: `{fid}` is not a credit pool"),
                    );
                } else if !uncovered.insert(fid) {
                    v.push(
                        format!("{path}.featureId"),
                        format!("credit usage #{i}: a second uncovered entry of pool `{fid}`"),
                    );
                }
                stray(
                    v,
                    "subscriptionId",
                    e.subscription_id.is_some(),
                    "uncovered",
                );
                stray(v, "periodStart", e.period_start.is_some(), "uncovered");
                stray(v, "carried", e.carried.is_some(), "uncovered");
                stray(v, "used", e.used.is_some(), "uncovered");
            }
            EntryForm::Pool => {
                let fid = e.feature_id.as_deref().unwrap_or_default();
                if !is_pool(fid) {
                    v.push(
                        format!("{path}.featureId"),
                        format!("credit usage #{i}: `{fid}` is not a credit pool"),
                    );
                }
                match e.subscription_id.as_deref() {
                    None | Some("") => v.push(
                        format!("{path}.subscriptionId"),
                        format!("credit usage #{i}: a pool entry needs subscriptionId"),
                    ),
                    Some(sid) => {
                        if !pool.insert((fid, sid)) {
                            v.push(
                                format!("{path}.subscriptionId"),
                                format!("credit usage #{i}: a second entry of pool `{fid}` and subscription `{sid}`"),
                            );
                        }
                    }
                }
                if e.period_start.is_none() {
                    v.push(
                        format!("{path}.periodStart"),
                        format!("credit usage #{i}: a pool entry needs periodStart"),
                    );
                }
                if e.used.is_none() {
                    v.push(
                        format!("{path}.used"),
                        format!("credit usage #{i}: a pool entry needs used"),
                    );
                }
            }
        }
    }
}
