//! Effective entitlements (SEMANTICS section 3).
//!
//! [`Prepared`] is a customer validated against a catalog and compiled: each
//! subscription's plan and add-ons already combined per feature (3.1-3.2), each
//! promotion's terms checked. [`Prepared::resolve`] then combines what is in force at an
//! instant (3.3-3.4) into a [`Resolution`]: per feature, the effective terms, the current
//! usage period and the usage that counts in it. A resolution stays right for the whole
//! window `[valid_from, valid_until)`, so a check is an index lookup and a comparison.

use std::sync::Arc;

use crate::catalog::ValidCatalog;
use crate::credits::plan::plan_grant;
use crate::credits::pool::PoolBalance;
use crate::credits::state::CreditUsage;
use crate::customer::{self, CustomerState, PromotionTerms};
use crate::entitlement::{Amount, Behavior, Terms};
use crate::features::{FeatureIdx, FeatureTable};

use crate::error::Result;
use crate::period::{window, Window};
use crate::time::Timestamp;

/// One subscription, compiled: when it grants and what, per feature.
#[derive(Clone, Debug)]
struct SubscriptionTerms {
    /// `[from, until)` in which it grants; `None` when its status never grants.
    window: Option<(Timestamp, Option<Timestamp>)>,
    /// Its start date: the `subscriptionStart` anchor of its periods.
    anchor: Timestamp,
    /// Plan and add-ons combined (section 3.2), sorted by feature.
    terms: Vec<(FeatureIdx, Terms)>,
}

/// The stored counter of one metered feature (SEMANTICS section 2, `usage`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UsageEntry {
    /// Usage counted (calls, seats...).
    pub current: f64,
    /// The start of the window of its last write, or that write's instant without one.
    pub period_start: Option<Timestamp>,
}

/// A customer validated against a catalog and compiled for resolution.
#[derive(Clone, Debug)]
pub struct Prepared {
    features: Arc<FeatureTable>,
    state: CustomerState,
    subscriptions: Vec<SubscriptionTerms>,
    promotions: Vec<PromotionTerms>,
    /// By feature index.
    usage: Vec<Option<UsageEntry>>,
}

/// The effective entitlement of one feature at an instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Effective {
    pub terms: Terms,
    /// The `subscriptionStart` anchor instant of the entitlement in force.
    pub anchor: Timestamp,
    /// The current usage period, for an entitlement with a reset period.
    pub window: Option<Window>,
    /// Usage that counts in the current period.
    pub usage: f64,
    /// The subscription (its index in the state) whose entitlement is in force, when one
    /// is: for a credit pool, the winning subscription that gives the plan grant.
    pub source: Option<u32>,
}

/// Every effective entitlement of a customer, valid for `[valid_from, valid_until)`.
#[derive(Clone, Debug)]
pub struct Resolution {
    pub(crate) valid_from: Timestamp,
    pub(crate) valid_until: Option<Timestamp>,
    /// Whether some subscription grants or some promotion is in force.
    pub(crate) any_grant: bool,
    /// By feature index.
    pub(crate) effective: Vec<Option<Effective>>,
    /// Raw usage by feature index, for features without an effective entitlement.
    pub(crate) raw_usage: Vec<f64>,
    /// Every credit pool of the catalog at the instant, in catalog order (section 7).
    pub(crate) pools: Vec<PoolBalance>,
}

impl Resolution {
    /// Whether this resolution is still right at `now`.
    #[inline]
    pub fn covers(&self, now: Timestamp) -> bool {
        self.valid_from <= now && self.valid_until.is_none_or(|u| now < u)
    }

    /// The next instant at which some answer changes by itself, if any.
    pub fn valid_until(&self) -> Option<Timestamp> {
        self.valid_until
    }

    /// The first instant from which this resolution is right.
    pub fn valid_from(&self) -> Timestamp {
        self.valid_from
    }

    /// The stored counter of the feature at `idx`, whatever its period (0 without one).
    #[inline]
    pub(crate) fn raw_usage_of(&self, idx: FeatureIdx) -> f64 {
        self.raw_usage.get(idx as usize).copied().unwrap_or(0.0)
    }

    /// Why a feature nothing grants is denied (section 5): `NoActiveSubscription` when
    /// nothing grants at all, else `NoFeatureEntitlementInSubscription`.
    pub(crate) fn not_granted_reason(&self) -> crate::decide::DeniedReason {
        if self.any_grant {
            crate::decide::DeniedReason::NoFeatureEntitlementInSubscription
        } else {
            crate::decide::DeniedReason::NoActiveSubscription
        }
    }

    /// The credit pool at `pool` (a feature index), if that feature is a pool.
    #[inline]
    pub fn pool(&self, pool: FeatureIdx) -> Option<&PoolBalance> {
        self.pools
            .binary_search_by_key(&pool, |p| p.pool)
            .ok()
            .and_then(|i| self.pools.get(i))
    }

    /// Every credit pool, in catalog order.
    pub fn pools(&self) -> &[PoolBalance] {
        &self.pools
    }
}

impl Prepared {
    /// Validates `state` against `catalog` (code `invalid_customer`) and compiles it.
    /// `catalog` may be a `&ValidCatalog` or an `Arc<ValidCatalog>`; only its feature
    /// table is kept (shared, not copied).
    pub fn new(catalog: impl AsRef<ValidCatalog>, state: CustomerState) -> Result<Prepared> {
        let catalog = catalog.as_ref();
        let promotions = customer::validate(catalog, &state)?;
        let granted = state
            .subscriptions
            .iter()
            .map(|sub| combine_plan_and_addons(catalog, sub))
            .collect();
        Ok(Prepared::from_compiled(
            catalog.features().clone(),
            state,
            granted,
            promotions,
        ))
    }

    /// Assembles a prepared customer from parts already validated: `granted[i]` is
    /// what subscription `i` gives (plan and add-ons combined), sorted by feature.
    pub(crate) fn from_compiled(
        features: Arc<FeatureTable>,
        state: CustomerState,
        granted: Vec<Vec<(FeatureIdx, Terms)>>,
        promotions: Vec<PromotionTerms>,
    ) -> Prepared {
        // A loop rather than `collect`: collecting a `zip` (a trusted length) brings a
        // capacity-overflow panic path of its own into the wasm.
        let mut subscriptions = Vec::with_capacity(granted.len());
        for (sub, terms) in state.subscriptions.iter().zip(granted) {
            subscriptions.push(SubscriptionTerms {
                window: sub.granting_window(),
                anchor: sub.start_date,
                terms,
            });
        }
        let mut usage = vec![None; features.len()];
        for u in &state.usage {
            if let Some(slot) = features
                .idx(&u.feature_id)
                .and_then(|i| usage.get_mut(i as usize))
            {
                *slot = Some(UsageEntry {
                    current: u.current_usage,
                    period_start: u.period_start,
                });
            }
        }
        Prepared {
            features,
            state,
            subscriptions,
            promotions,
            usage,
        }
    }

    /// The feature table of the catalog it was validated against.
    pub fn features(&self) -> &Arc<FeatureTable> {
        &self.features
    }

    /// What each subscription gives, plan and add-ons combined, in subscription order.
    pub(crate) fn granted(&self) -> impl Iterator<Item = &[(FeatureIdx, Terms)]> {
        self.subscriptions.iter().map(|s| s.terms.as_slice())
    }

    /// The customer state as given, with its counters as last written (see [`crate::usage`]).
    pub fn state(&self) -> &CustomerState {
        &self.state
    }

    /// Effective entitlements at `now` (sections 3.3 and 3.4).
    pub fn resolve(&self, now: Timestamp) -> Resolution {
        let n = self.features.len();
        let mut best: Vec<Option<(Terms, Timestamp, Option<u32>)>> = vec![None; n];
        let mut from = Timestamp::MIN;
        let mut until: Option<Timestamp> = None;
        let mut note = |t: Timestamp| {
            if t <= now {
                from = from.max(t);
            } else if until.is_none_or(|u| t < u) {
                until = Some(t);
            }
        };
        let mut any_grant = false;

        // 3.3: across granting subscriptions the most generous wins, its period with it.
        for (si, sub) in self.subscriptions.iter().enumerate() {
            let Some((start, end)) = sub.window else {
                continue;
            };
            note(start);
            if let Some(end) = end {
                note(end);
            }
            if now < start || end.is_some_and(|e| now >= e) {
                continue;
            }
            any_grant = true;
            for &(f, terms) in &sub.terms {
                if let Some(slot) = best.get_mut(f as usize) {
                    if slot.is_none_or(|(held, _, _)| terms.beats(&held)) {
                        *slot = Some((terms, sub.anchor, Some(si as u32)));
                    }
                }
            }
        }

        // 3.4: promotions in force. Default ones compete first, then increments add.
        for pass_increment in [false, true] {
            for p in self
                .promotions
                .iter()
                .filter(|p| p.increment == pass_increment)
            {
                if let Some(s) = p.from {
                    note(s);
                }
                if let Some(e) = p.until {
                    note(e);
                }
                if p.from.is_some_and(|s| now < s) || p.until.is_some_and(|e| now >= e) {
                    continue;
                }
                any_grant = true;
                let Some(slot) = best.get_mut(p.feature as usize) else {
                    continue;
                };
                let anchor = p.from.unwrap_or(Timestamp::EPOCH);
                *slot = match (*slot, p.increment) {
                    (None, _) => Some((p.terms, anchor, None)),
                    (Some((held, _, _)), false) if p.terms.beats(&held) => {
                        Some((p.terms, anchor, None))
                    }
                    (Some(held), false) => Some(held),
                    (Some((held, a, source)), true) => Some((
                        Terms {
                            amount: held.amount.plus(p.terms.amount),
                            ..held
                        },
                        a,
                        source,
                    )),
                };
            }
        }

        let mut raw_usage = vec![0.0; n];
        let mut effective = Vec::with_capacity(n);
        for (f, slot) in best.into_iter().enumerate() {
            let entry = self.usage.get(f).copied().flatten();
            let raw = entry.map_or(0.0, |u| u.current);
            if let Some(r) = raw_usage.get_mut(f) {
                *r = raw;
            }
            effective.push(slot.map(|(terms, anchor, source)| {
                let win = terms.reset.map(|reset| window(reset, anchor, now));
                let usage = match (win, entry) {
                    (_, None) => 0.0,
                    (None, Some(u)) => u.current,
                    (Some(w), Some(u)) => match u.period_start {
                        Some(ps) if !w.contains(ps) => 0.0,
                        _ => u.current,
                    },
                };
                if let Some(w) = win {
                    note(w.start);
                    note(w.end);
                }
                Effective {
                    terms,
                    anchor,
                    window: win,
                    usage,
                    source,
                }
            }));
        }
        let pools = self.pools_at(&effective, now, &mut note);
        Resolution {
            valid_from: from,
            valid_until: until,
            any_grant,
            effective,
            raw_usage,
            pools,
        }
    }

    /// Every credit pool at `now` (section 7): the plan grant of the subscription that
    /// wins it in `effective`, and the one-off grants; their boundaries go to `note`.
    #[inline(never)]
    fn pools_at(
        &self,
        effective: &[Option<Effective>],
        now: Timestamp,
        note: &mut impl FnMut(Timestamp),
    ) -> Vec<PoolBalance> {
        let mut pools = Vec::with_capacity(self.features.pools().len());
        for &pool in self.features.pools() {
            let Some(feature) = self.features.at(pool) else {
                continue;
            };
            let plan = effective
                .get(pool as usize)
                .copied()
                .flatten()
                .and_then(|eff| {
                    let sub = self.state.subscriptions.get(eff.source? as usize)?;
                    Some(plan_grant(&self.state, &feature.id, sub, &eff.terms, now))
                });
            pools.push(PoolBalance::at(
                pool,
                &feature.id,
                plan,
                &self.state,
                now,
                &mut *note,
            ));
        }
        pools
    }

    /// The stored counter of the feature at `idx`, if any.
    pub fn usage_entry(&self, idx: FeatureIdx) -> Option<UsageEntry> {
        self.usage.get(idx as usize).copied().flatten()
    }

    /// The stored counter of the feature at `idx` in its state form.
    pub(crate) fn usage_of(&self, idx: FeatureIdx) -> Option<customer::Usage> {
        let id = &self.features.at(idx)?.id;
        self.state
            .usage
            .iter()
            .find(|u| u.feature_id == *id)
            .cloned()
    }

    /// Replaces the counter of the feature at `idx` (SEMANTICS section 6 decides how:
    /// see [`crate::usage`]).
    pub(crate) fn set_usage_entry(&mut self, idx: FeatureIdx, entry: UsageEntry) {
        let Some(id) = self.features.at(idx).map(|f| f.id.clone()) else {
            return;
        };
        if let Some(slot) = self.usage.get_mut(idx as usize) {
            *slot = Some(entry);
        }
        match self.state.usage.iter_mut().find(|u| u.feature_id == id) {
            Some(u) => {
                u.current_usage = entry.current;
                u.period_start = entry.period_start;
            }
            None => self.state.usage.push(customer::Usage {
                feature_id: id,
                current_usage: entry.current,
                period_start: entry.period_start,
            }),
        }
    }

    /// The credit ledger, to change (see [`crate::credits::draw`]).
    pub(crate) fn credit_usage_mut(&mut self) -> &mut Vec<CreditUsage> {
        &mut self.state.credit_usage
    }

    /// The counters and the credit ledger as they are, to restore when a write is
    /// rejected.
    pub(crate) fn usage_checkpoint(&self) -> UsageCheckpoint {
        UsageCheckpoint {
            by_feature: self.usage.clone(),
            state: self.state.usage.clone(),
            credit_usage: self.state.credit_usage.clone(),
        }
    }

    /// Puts back the counters and the credit ledger of a checkpoint.
    pub(crate) fn restore_usage(&mut self, checkpoint: UsageCheckpoint) {
        self.usage = checkpoint.by_feature;
        self.state.usage = checkpoint.state;
        self.state.credit_usage = checkpoint.credit_usage;
    }
}

/// The counters and credit ledger of a prepared customer at one moment.
#[derive(Clone, Debug)]
pub(crate) struct UsageCheckpoint {
    by_feature: Vec<Option<UsageEntry>>,
    state: Vec<customer::Usage>,
    credit_usage: Vec<CreditUsage>,
}

/// Section 3.2: a subscription's plan, then its add-ons, per feature.
fn combine_plan_and_addons(
    catalog: &ValidCatalog,
    sub: &customer::Subscription,
) -> Vec<(FeatureIdx, Terms)> {
    let plan_terms = catalog
        .plan_idx(&sub.plan_id)
        .map_or(&[][..], |p| catalog.plan_terms(p));
    if sub.addons.is_empty() {
        return plan_terms.to_vec();
    }
    /// What the add-ons give one feature, accumulated in subscription order.
    #[derive(Clone, Copy)]
    struct Acc {
        first: Terms,
        increment: Amount,
        largest_override: Option<Amount>,
    }
    let mut acc: Vec<(FeatureIdx, Acc)> = Vec::new();
    for held in &sub.addons {
        let Some(addon) = catalog.addon_idx(&held.addon_id) else {
            continue;
        };
        for at in catalog.addon_terms(addon) {
            let amount = at.terms.amount.times(held.quantity);
            let entry = match acc.iter_mut().find(|(f, _)| *f == at.feature) {
                Some((_, e)) => e,
                None => {
                    acc.push((
                        at.feature,
                        Acc {
                            first: at.terms,
                            increment: Amount::Limited(0.0),
                            largest_override: None,
                        },
                    ));
                    match acc.last_mut() {
                        Some((_, e)) => e,
                        None => continue,
                    }
                }
            };
            match at.behavior {
                Behavior::Increment => entry.increment = entry.increment.plus(amount),
                Behavior::Override => {
                    if entry.largest_override.is_none_or(|o| amount.beats(o)) {
                        entry.largest_override = Some(amount);
                    }
                }
            }
        }
    }
    let mut out = plan_terms.to_vec();
    for (f, a) in acc {
        let plan = plan_terms.iter().find(|(pf, _)| *pf == f).map(|(_, t)| *t);
        // An override replaces the plan's amount, an unlimited one included; the result
        // is unlimited when an add-on's is, or the plan's is and nothing overrides it.
        let base = match (a.largest_override, plan) {
            (Some(o), _) => o,
            (None, Some(p)) => p.amount,
            (None, None) => Amount::Limited(0.0),
        };
        // Reset period, anchor and soft limit come from the plan, else the first add-on.
        let model = plan.unwrap_or(a.first);
        let terms = Terms {
            amount: base.plus(a.increment),
            ..model
        };
        // Kept sorted as it grows: the same result as a sort at the end, without
        // the 4 KB of wasm of a sort.
        match out.binary_search_by_key(&f, |&(g, _)| g) {
            Ok(i) => {
                if let Some(slot) = out.get_mut(i) {
                    slot.1 = terms;
                }
            }
            Err(i) => out.insert(i, (f, terms)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"{
      "features": [
        {"id": "calls", "type": "metered", "meter": "incremental"},
        {"id": "seats", "type": "metered", "meter": "fluctuating"},
        {"id": "sso", "type": "boolean"}
      ],
      "plans": [{"id": "pro", "entitlements": [
        {"featureId": "calls", "usageLimit": 100, "resetPeriod": "day", "resetAnchor": "calendar"},
        {"featureId": "seats", "usageLimit": 5}
      ]}]
    }"#;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn prepared() -> Prepared {
        let catalog = ValidCatalog::from_json(CATALOG).unwrap();
        let state = CustomerState::from_json(
            r#"{"id": "c", "subscriptions": [{"id": "s", "planId": "pro", "status": "active",
                "startDate": "2026-01-01T00:00:00Z"}]}"#,
        )
        .unwrap();
        Prepared::new(&catalog, state).unwrap()
    }

    #[test]
    fn resolution_window_ends_at_the_next_rollover() {
        let p = prepared();
        let r = p.resolve(ts("2026-03-01T10:00:00Z"));
        assert_eq!(r.valid_until(), Some(ts("2026-03-02T00:00:00Z")));
        assert!(r.covers(ts("2026-03-01T23:59:59Z")));
        assert!(!r.covers(ts("2026-03-02T00:00:00Z")));
    }
}
