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
pub struct Draw {
    /// The grant drawn from.
    pub grant_id: String,
    /// Credits drawn from it.
    #[serde(with = "super::amount::json")]
    pub amount: Credits,
}

/// What `requested` units cost at `per_unit` credits each: the exact product rounded up to
/// a whole millionth; a product past the decimal range costs the largest decimal (more
/// than any balance).
pub fn cost_of(requested: f64, per_unit: Credits) -> Credits {
    match from_f64(requested) {
        Some(units) => ceil_millionth(units.saturating_mul(per_unit)),
        None => Credits::MAX,
    }
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
        Some(if resolution.any_grant {
            DeniedReason::NoFeatureEntitlementInSubscription
        } else {
            DeniedReason::NoActiveSubscription
        })
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
        cost,
        balance,
        next_expiry: None,
        grants: None,
        draws: None,
    };
    if metered {
        d.is_unlimited = Some(false);
        d.current_usage = Some(
            resolution
                .raw_usage
                .get(idx as usize)
                .copied()
                .unwrap_or(0.0),
        );
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
