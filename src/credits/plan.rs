//! The plan grant of a pool (SEMANTICS section 7, Grants 1 and Ledger): what the winning
//! subscription gives in the current period, and the carry it began with, worked out
//! from that subscription's pool entry by rolling carries forward over the periods since.

use crate::customer::{CustomerState, Subscription};
use crate::entitlement::{Amount, Terms};
use crate::period::{periods_between, window};
use crate::time::Timestamp;

use super::amount::Credits;
use super::pool::{plan_view, GrantView, PlanGrant};
use super::state::{CreditUsage, EntryForm};

/// The pool entry of `pool_id` and subscription `subscription_id`, if any (at most one).
pub(crate) fn pool_entry<'s>(
    state: &'s CustomerState,
    pool_id: &str,
    subscription_id: &str,
) -> Option<&'s CreditUsage> {
    state.credit_usage.iter().find(|e| {
        e.form() == EntryForm::Pool
            && e.feature_id.as_deref() == Some(pool_id)
            && e.subscription_id.as_deref() == Some(subscription_id)
    })
}

/// The plan grant that subscription `sub`, winning pool `pool_id` with `terms` at `now`,
/// gives (section 7, Grants 1): in force from the period start (or the subscription's
/// start, if later) until the period end (or until the subscription stops granting, if
/// earlier), of `amount + carried`, less what its entry says was drawn this period.
#[inline(never)]
pub(crate) fn plan_grant(
    state: &CustomerState,
    pool_id: &str,
    sub: &Subscription,
    terms: &Terms,
    now: Timestamp,
) -> (GrantView, PlanGrant) {
    let amount = match terms.amount {
        Amount::Credits(a) => a,
        // Validation gives pools credit amounts only.
        Amount::Limited(_) | Amount::Unlimited => Credits::ZERO,
    };
    let (from, until) = sub
        .granting_window()
        .unwrap_or((sub.start_date, Some(sub.start_date)));
    let entry = pool_entry(state, pool_id, &sub.id);
    let used_of = |e: &CreditUsage| e.used.unwrap_or(Credits::ZERO);
    let (period_start, effective_at, expires_at, carried, used) = match terms.reset {
        None => {
            // One grant for the subscription's life; its entry's periodStart is startDate.
            let used = entry
                .filter(|e| e.period_start == Some(sub.start_date))
                .map_or(Credits::ZERO, used_of);
            (sub.start_date, from, until, Credits::ZERO, used)
        }
        Some(reset) => {
            let anchor = sub.start_date;
            let w = window(reset, anchor, now);
            let first = window(reset, anchor, sub.start_date).start;
            let is_first = |ps: Timestamp| ps <= first;
            let cap = terms.rollover.filter(|_| !is_first(w.start));
            let (carried, used) = match (entry, entry.and_then(|e| e.period_start)) {
                (Some(e), Some(ps)) if ps == w.start => {
                    let carried =
                        cap.map_or(Credits::ZERO, |m| e.carried.unwrap_or(Credits::ZERO).min(m));
                    (carried, used_of(e))
                }
                // An entry of an earlier period of this subscription: roll forward.
                (Some(e), Some(ps))
                    if ps < w.start && ps >= first && window(reset, anchor, ps).start == ps =>
                {
                    let carried = cap.map_or(Credits::ZERO, |m| {
                        let began = if is_first(ps) {
                            Credits::ZERO
                        } else {
                            e.carried.unwrap_or(Credits::ZERO).min(m)
                        };
                        let left = amount
                            .saturating_add(began)
                            .saturating_sub(used_of(e))
                            .max(Credits::ZERO);
                        let steps = periods_between(reset, anchor, ps, w.start);
                        roll_forward(left.min(m), amount, m, steps)
                    });
                    (carried, Credits::ZERO)
                }
                // No entry, or one of a later period or at no period start: nothing
                // rolls forward.
                _ => (Credits::ZERO, Credits::ZERO),
            };
            let expires = match until {
                Some(u) => u.min(w.end),
                None => w.end,
            };
            (w.start, w.start.max(from), Some(expires), carried, used)
        }
    };
    let view = plan_view(
        &sub.id,
        amount.saturating_add(carried),
        used,
        effective_at,
        expires_at,
    );
    let entry = PlanGrant {
        subscription_id: sub.id.clone(),
        period_start,
        carried,
        used,
    };
    (view, entry)
}

/// The carry into the period `steps` periods after one that carried `carry1` into its
/// successor, every period in between idle: each carries `amount` plus what it was
/// carried, capped at `cap`. Since capping commutes with adding a non-negative amount,
/// that is `min(carry1 + (steps - 1) x amount, cap)`, with no walk over the periods.
fn roll_forward(carry1: Credits, amount: Credits, cap: Credits, steps: i64) -> Credits {
    let idle = Credits::from(steps.saturating_sub(1).max(0));
    carry1.saturating_add(amount.saturating_mul(idle)).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(n: i64) -> Credits {
        Credits::from(n)
    }

    #[test]
    fn rolling_forward_is_walking_the_periods() {
        for amount in [0, 1, 7, 100, 1000] {
            for cap in [0, 5, 500, 2000] {
                for carry1 in [0, 3, 500] {
                    let carry1 = c(carry1).min(c(cap));
                    let mut walked = carry1;
                    for steps in 1..40 {
                        assert_eq!(
                            roll_forward(carry1, c(amount), c(cap), steps),
                            walked,
                            "amount {amount} cap {cap} steps {steps}"
                        );
                        walked = c(amount).saturating_add(walked).min(c(cap));
                    }
                }
            }
        }
    }
}
