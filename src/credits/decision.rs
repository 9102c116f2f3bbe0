//! Credit decisions (SEMANTICS section 7, Decisions): a credit check of a pool or a priced
//! feature, and the metered shape of a priced feature's check.

use serde::Serialize;

use crate::catalog::Feature;
use crate::decide::{Check, CreditPart, Decision, DeniedReason, FeatureRef};
use crate::features::FeatureIdx;
use crate::resolve::{Prepared, Resolution};

use super::amount::{ceil_millionth, from_f64, Credits};

/// One draw of a cost: `{grantId, amount}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Draw {
    /// The grant drawn from.
    pub grant_id: String,
    /// Credits drawn from it.
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(with = "super::amount::json")]
    pub amount: Credits,
}

/// What `requested` units cost at `per_unit` credits each: the exact product rounded up to
/// a whole millionth, so any positive request costs at least 0.000001 (even one too small
/// for the decimal's 28 places); a product past the decimal range costs the largest
/// decimal (more than any balance).
pub fn cost_of(requested: f64, per_unit: Credits) -> Credits {
    if requested.is_nan() || requested <= 0.0 || per_unit <= Credits::ZERO {
        return Credits::ZERO;
    }
    let cost = match from_f64(requested) {
        Some(units) => ceil_millionth(units.saturating_mul(per_unit)),
        None if requested < 1.0 => Credits::ZERO,
        None => Credits::MAX,
    };
    cost.max(Credits::new(1, super::amount::MAX_DECIMALS))
}

/// Decides a check of `feature` (at `idx`), which spends pool `spends.0` at `spends.1` credits per
/// unit, against `resolution`. `metered` gives the metered shape (a metered check of a
/// priced feature: `isUnlimited: false`, `currentUsage` the feature's counter, no grants
/// and no draws); otherwise the credit shape, with `grants`, `nextExpiry` and, when
/// allowed, `draws`. Archived customers and unknown features are decided before.
pub(crate) fn decide<'a>(
    prepared: &'a Prepared,
    resolution: &Resolution,
    idx: FeatureIdx,
    feature: &'a Feature,
    spends: (FeatureIdx, Credits),
    check: &Check<'_>,
    metered: bool,
) -> Decision<'a> {
    let (pool_idx, per_unit) = spends;
    let pool = resolution.pool(pool_idx);
    let credit_id = prepared
        .features()
        .at(pool_idx)
        .map_or("", |f| f.id.as_str());
    let requested = check.requested_usage;
    let cost = cost_of(requested, per_unit);
    let balance = pool.map_or(Credits::ZERO, |p| p.balance);
    let in_force = pool.is_some_and(|p| !p.grants.is_empty());
    let reason = if !in_force {
        Some(resolution.not_granted_reason())
    } else if cost > balance {
        Some(DeniedReason::InsufficientCredits)
    } else {
        None
    };
    let mut d = Decision::bare(reason.is_none(), reason, Some(feature));
    d.requested_usage = Some(requested);
    d.feature = Some(FeatureRef(feature));
    let mut part = CreditPart {
        credit_id,
        pool: pool_idx,
        cost,
        balance,
        next_expiry: None,
        grants: None,
        draws: None,
    };
    if metered {
        d.is_unlimited = Some(false);
        d.current_usage = Some(resolution.raw_usage_of(idx));
    } else if let Some(pool) = pool {
        part.next_expiry = pool.next_expiry;
        part.grants = Some(pool.grants.clone());
        if reason.is_none() {
            part.draws = pool.draws(cost).map(|draws| {
                draws
                    .into_iter()
                    .filter_map(|(i, amount)| {
                        Some(Draw {
                            grant_id: pool.grants.get(i)?.id.clone(),
                            amount,
                        })
                    })
                    .collect()
            });
        }
    }
    d.credit = Some(Box::new(part));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_positive_request_never_costs_nothing() {
        let one = Credits::ONE;
        let millionth = Credits::new(1, 6);
        assert_eq!(cost_of(0.0, one), Credits::ZERO);
        assert_eq!(cost_of(1e-30, one), millionth);
        assert_eq!(cost_of(5e-324, one), millionth);
        assert_eq!(cost_of(1e-23, millionth), millionth);
        assert_eq!(cost_of(3.0, Credits::new(1, 1)), Credits::new(3, 1));
        assert_eq!(cost_of(1e300, one), Credits::MAX);
    }
}
