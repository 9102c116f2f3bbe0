//! The catalog rules of credits (SEMANTICS section 7, Rejected input): what a pool, a
//! priced feature and a pool entitlement may be. Called from the catalog's and the
//! entitlements' validation, every violation recorded with its path.

use crate::catalog::{FeatureType, Meter};
use crate::entitlement::{Amount, Rollover, TermsInput};
use crate::error::{At, Named, Violations};
use crate::features::FeatureTable;

use super::amount::{fits_scale, Credits};

/// A pool, a priced feature: `creditCost` only on incremental metered features, naming a
/// pool, with a positive `perUnit` of at most 6 decimals.
pub(crate) fn check_credit_costs(features: &FeatureTable, v: &mut Violations) {
    for (i, f) in features.as_slice().iter().enumerate() {
        let Some(cost) = &f.credit_cost else { continue };
        let path = format!("features[{i}].creditCost");
        let id = &f.id;
        match (f.feature_type, f.meter) {
            (FeatureType::Metered, Some(Meter::Incremental)) => {}
            (FeatureType::Credit, _) => v.push(
                path.clone(),
                format!("feature `{id}`: a credit pool has no creditCost"),
            ),
            _ => v.push(
                path.clone(),
                format!(
                    "feature `{id}`: only an incremental metered feature can be priced in credits"
                ),
            ),
        }
        match features.get(&cost.credit_id) {
            Some(pool) if pool.feature_type == FeatureType::Credit => {}
            Some(_) => v.push(
                format!("{path}.creditId"),
                format!(
                    "feature `{id}`: creditId `{}` is not a credit pool",
                    cost.credit_id
                ),
            ),
            None => v.push(
                format!("{path}.creditId"),
                format!(
                    "feature `{id}`: creditId `{}` is not a feature",
                    cost.credit_id
                ),
            ),
        }
        if cost.per_unit <= Credits::ZERO || !fits_scale(cost.per_unit) {
            v.push(
                format!("{path}.perUnit"),
                format!("feature `{id}`: perUnit must be a positive number of at most 6 decimals"),
            );
        }
    }
}

/// A pool entitlement's `amount`: present, not negative, at most 6 decimals.
pub(crate) fn pool_amount(
    t: &TermsInput<'_>,
    fid: &str,
    path: At,
    v: &mut Violations,
) -> Option<Amount> {
    let owner = t.owner;
    match t.amount {
        None => {
            v.push(
                format!("{path}"),
                format!("{owner}: credit pool `{fid}` needs an amount"),
            );
            None
        }
        Some(a) if a < Credits::ZERO || !fits_scale(a) => {
            v.push(
                format!("{path}.amount"),
                format!("{owner}: amount of `{fid}` must be a non-negative number of at most 6 decimals"),
            );
            None
        }
        Some(a) => Some(Amount::Credits(a)),
    }
}

/// A pool entitlement's rollover cap: it needs a reset period and a non-negative
/// `maxAmount` of at most 6 decimals.
pub(crate) fn rollover_cap(
    r: Rollover,
    has_reset: bool,
    owner: Named<'_>,
    fid: &str,
    path: At,
    v: &mut Violations,
) -> Option<Credits> {
    if !has_reset {
        v.push(
            format!("{path}.rollover"),
            format!("{owner}: rollover of `{fid}` needs a resetPeriod"),
        );
    }
    match r.max_amount {
        Some(m) if m >= Credits::ZERO && fits_scale(m) => has_reset.then_some(m),
        _ => {
            v.push(
                format!("{path}.rollover.maxAmount"),
                format!("{owner}: rollover of `{fid}` needs a non-negative maxAmount of at most 6 decimals"),
            );
            None
        }
    }
}
