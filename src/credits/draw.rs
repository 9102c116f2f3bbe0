//! Writing the credit ledger (SEMANTICS section 7, Consuming and Ledger): drawing a cost in
//! burn order, keeping what a report could not cover, and the pool entries the server
//! writes at each period start of the winning subscription and when the winner changes.
//!
//! Every function here changes the prepared customer's `creditUsage` only; the callers
//! (the usage ledger, the Worker's customer object) persist it in the same atomic step.

use std::collections::BTreeMap;

use crate::features::FeatureIdx;
use crate::resolve::{Prepared, Resolution};
use crate::time::Timestamp;

use super::amount::Credits;
use super::decision::Draw;
use super::plan::pool_entry;
use super::pool::{GrantSource, PoolBalance};
use super::state::{CreditUsage, EntryForm};

/// The winning subscription of each pool that has one: pool id to subscription id.
pub type Winners = BTreeMap<String, String>;

/// What a draw took: the draws in burn order and the part of the cost left uncovered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawn {
    /// `{grantId, amount}` in burn order.
    pub draws: Vec<Draw>,
    /// Credits drawn in all.
    pub drawn: Credits,
    /// The part of the cost the balance could not cover.
    pub uncovered: Credits,
}

impl Prepared {
    /// Draws `cost` credits from the pool at `pool` as it is in `at_now` (the resolution
    /// at the write's instant), in burn order, at most the balance, and adds each draw to
    /// the ledger: a one-off entry per one-off grant, the winning subscription's pool
    /// entry (this period's, in place of its former one) for the plan grant.
    pub fn draw_credits(&mut self, at_now: &Resolution, pool: FeatureIdx, cost: Credits) -> Drawn {
        let Some(balance) = at_now.pool(pool) else {
            return Drawn {
                uncovered: cost,
                ..Drawn::default()
            };
        };
        let Some(pool_id) = self.features().at(pool).map(|f| f.id.clone()) else {
            return Drawn::default();
        };
        let take = cost.min(balance.balance);
        let mut out = Drawn {
            uncovered: cost.saturating_sub(take),
            ..Drawn::default()
        };
        for (i, amount) in balance.draws(take).unwrap_or_default() {
            let Some(grant) = balance.grants.get(i) else {
                continue;
            };
            match grant.source {
                GrantSource::Plan => self.add_plan_draw(&pool_id, balance, amount),
                GrantSource::Grant => self.add_one_off_draw(&grant.id, amount),
            }
            out.drawn = out.drawn.saturating_add(amount);
            out.draws.push(Draw {
                grant_id: grant.id.clone(),
                amount,
            });
        }
        out
    }

    /// What a usage report on the feature at `idx` draws at `now` (section 7, Consuming):
    /// for a feature priced in credits and a positive `delta`, its cost, at most the
    /// balance, the rest added to the pool's uncovered entry; `None` (the counter only)
    /// for any other feature, a negative delta or a `set`. The server's reports and a
    /// client's local `recordUsage` both draw through here.
    pub fn draw_for_usage(
        &mut self,
        idx: FeatureIdx,
        update: crate::usage::UsageUpdate,
        value: f64,
        now: Timestamp,
    ) -> Option<Drawn> {
        let feature = self.features().at(idx)?;
        if feature.feature_type != crate::catalog::FeatureType::Metered
            || update != crate::usage::UsageUpdate::Delta
            || value.is_nan()
            || value <= 0.0
        {
            return None;
        }
        let (pool, per_unit) = self.features().spends(idx)?;
        // Resolved at the draw: an earlier write of the same batch may have drawn already.
        let at_now = self.resolve(now);
        let drawn = self.draw_credits(&at_now, pool, super::decision::cost_of(value, per_unit));
        self.add_uncovered(pool, drawn.uncovered);
        Some(drawn)
    }

    fn add_one_off_draw(&mut self, grant_id: &str, amount: Credits) {
        let ledger = self.credit_usage_mut();
        match ledger
            .iter_mut()
            .find(|e| e.form() == EntryForm::OneOff && e.grant_id.as_deref() == Some(grant_id))
        {
            Some(e) => e.used = Some(e.used.unwrap_or_default().saturating_add(amount)),
            None => ledger.push(CreditUsage {
                grant_id: Some(grant_id.to_string()),
                used: Some(amount),
                ..CreditUsage::default()
            }),
        }
    }

    fn add_plan_draw(&mut self, pool_id: &str, balance: &PoolBalance, amount: Credits) {
        let Some(plan) = &balance.plan else { return };
        put_pool_entry(
            self.credit_usage_mut(),
            pool_id,
            &plan.subscription_id,
            plan.period_start,
            plan.carried,
            plan.used.saturating_add(amount),
        );
    }

    /// Adds `amount` to the pool's uncovered entry (created when missing).
    pub fn add_uncovered(&mut self, pool: FeatureIdx, amount: Credits) {
        if amount <= Credits::ZERO {
            return;
        }
        let Some(pool_id) = self.features().at(pool).map(|f| f.id.clone()) else {
            return;
        };
        let ledger = self.credit_usage_mut();
        match ledger.iter_mut().find(|e| {
            e.form() == EntryForm::Uncovered && e.feature_id.as_deref() == Some(pool_id.as_str())
        }) {
            Some(e) => e.uncovered = Some(e.uncovered.unwrap_or_default().saturating_add(amount)),
            None => ledger.push(CreditUsage {
                feature_id: Some(pool_id),
                uncovered: Some(amount),
                ..CreditUsage::default()
            }),
        }
    }

    /// The winning subscription of each pool at `now` (the one whose plan grant is in force).
    pub fn credit_winners(&self, at_now: &Resolution) -> Winners {
        at_now
            .pools()
            .iter()
            .filter_map(|p| {
                let plan = p.plan.as_ref()?;
                let pool = self.features().at(p.pool)?;
                Some((pool.id.clone(), plan.subscription_id.clone()))
            })
            .collect()
    }

    /// The pool entries the server writes at `now` (section 7, Ledger), given the winners
    /// it last recorded (`None`: none recorded yet, every winner taken as continuing):
    /// - a subscription that became a pool's winner, unless it already has an entry for
    ///   the current period: that period's entry with `used` 0 and carry 0;
    /// - a winner that continues into a new period: that period's entry with `used` 0 and
    ///   the carry a read at `now` works out.
    ///
    /// Each replaces the subscription's former entry. Returns whether the ledger changed
    /// and the winners to record.
    pub fn write_period_entries(
        &mut self,
        at_now: &Resolution,
        previous: Option<&Winners>,
    ) -> (bool, Winners) {
        let winners = self.credit_winners(at_now);
        let mut changed = false;
        for p in at_now.pools() {
            let Some(plan) = &p.plan else { continue };
            let Some(pool_id) = self.features().at(p.pool).map(|f| f.id.clone()) else {
                continue;
            };
            // Nothing to write when the entry is this period's already; nor over an entry
            // of a later period (only a test clock that moved backwards gets there).
            let held = pool_entry(self.state(), &pool_id, &plan.subscription_id)
                .and_then(|e| e.period_start);
            if held.is_some_and(|ps| ps >= plan.period_start) {
                continue;
            }
            let became = previous.is_some_and(|w| w.get(&pool_id) != Some(&plan.subscription_id));
            let carried = if became { Credits::ZERO } else { plan.carried };
            put_pool_entry(
                self.credit_usage_mut(),
                &pool_id,
                &plan.subscription_id,
                plan.period_start,
                carried,
                Credits::ZERO,
            );
            changed = true;
        }
        (changed, winners)
    }
}

/// Writes the pool entry of `pool_id` and `subscription_id` in place of its former one.
fn put_pool_entry(
    ledger: &mut Vec<CreditUsage>,
    pool_id: &str,
    subscription_id: &str,
    period_start: Timestamp,
    carried: Credits,
    used: Credits,
) {
    let entry = CreditUsage {
        feature_id: Some(pool_id.to_string()),
        subscription_id: Some(subscription_id.to_string()),
        period_start: Some(period_start),
        carried: (carried > Credits::ZERO).then_some(carried),
        used: Some(used),
        ..CreditUsage::default()
    };
    match ledger.iter_mut().find(|e| {
        e.form() == EntryForm::Pool
            && e.feature_id.as_deref() == Some(pool_id)
            && e.subscription_id.as_deref() == Some(subscription_id)
    }) {
        Some(slot) => *slot = entry,
        None => ledger.push(entry),
    }
}

impl crate::Evaluator {
    /// [`Prepared::write_period_entries`] at `now`, for the server's alarm and writes.
    pub fn write_credit_period_entries(
        &mut self,
        now: Timestamp,
        previous: Option<&Winners>,
    ) -> (bool, Winners) {
        let at_now = self.prepared().resolve(now);
        if !at_now.pools().iter().any(|p| p.plan.is_some()) {
            return (false, Winners::new());
        }
        let prepared = self.prepared_mut();
        prepared.write_period_entries(&at_now, previous)
    }

    /// The winning subscription of each pool at `now`.
    pub fn credit_winners(&mut self, now: Timestamp) -> Winners {
        let at_now = self.resolution(now).clone();
        self.prepared().credit_winners(&at_now)
    }
}
