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
use crate::customer::{self, CustomerState, PromotionTerms};
use crate::entitlement::{Amount, Behavior, Terms};
use crate::features::{FeatureIdx, FeatureTable};
use serde::{Deserialize, Serialize};

use crate::catalog::FeatureType;
use crate::error::{Error, ErrorCode, Result};
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

/// Usage of one metered feature.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct UsageEntry {
    pub current: f64,
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

    /// The customer state as given (usage as last set, see [`Prepared::add_usage`]).
    pub fn state(&self) -> &CustomerState {
        &self.state
    }

    /// Effective entitlements at `now` (sections 3.3 and 3.4).
    pub fn resolve(&self, now: Timestamp) -> Resolution {
        let n = self.features.len();
        let mut best: Vec<Option<(Terms, Timestamp)>> = vec![None; n];
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
        for sub in &self.subscriptions {
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
                    if slot.is_none_or(|(held, _)| terms.beats(&held)) {
                        *slot = Some((terms, sub.anchor));
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
                    (None, _) => Some((p.terms, anchor)),
                    (Some((held, _)), false) if p.terms.beats(&held) => Some((p.terms, anchor)),
                    (Some(held), false) => Some(held),
                    (Some((held, a)), true) => Some((
                        Terms {
                            amount: held.amount.plus(p.terms.amount),
                            ..held
                        },
                        a,
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
            effective.push(slot.map(|(terms, anchor)| {
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
                }
            }));
        }
        Resolution {
            valid_from: from,
            valid_until: until,
            any_grant,
            effective,
            raw_usage,
        }
    }

    /// Records usage of a metered feature reported at `at` (SEMANTICS section 4): the
    /// counter is kept for the period in force at `at`. `Delta` adds to what counts in
    /// that period (usage of an earlier period counts 0 and is dropped); `Set` replaces
    /// it. The result never goes below 0. A report for a period that ended before the
    /// one already counted is acknowledged without changing the counter.
    pub fn record_usage(
        &mut self,
        feature_id: &str,
        value: f64,
        update: UsageUpdate,
        at: Timestamp,
    ) -> Result<UsageReport> {
        let bad = |m: String| Error::new(ErrorCode::InvalidArgument, "featureId", m);
        let idx = self
            .features
            .idx(feature_id)
            .ok_or_else(|| bad(format!("unknown feature `{feature_id}`")))?;
        if self
            .features
            .at(idx)
            .is_none_or(|f| f.feature_type != FeatureType::Metered)
        {
            return Err(bad(format!("feature `{feature_id}` is not metered")));
        }
        if !value.is_finite() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "value",
                format!("usage value of `{feature_id}` is not a finite number"),
            ));
        }
        let resolution = self.resolve(at);
        let eff = resolution.effective.get(idx as usize).copied().flatten();
        let (counted, window) = match eff {
            Some(e) => (e.usage, e.window),
            None => (
                resolution
                    .raw_usage
                    .get(idx as usize)
                    .copied()
                    .unwrap_or(0.0),
                None,
            ),
        };
        let stored = self.usage.get(idx as usize).copied().flatten();
        let late = matches!(
            (window, stored.and_then(|u| u.period_start)),
            (Some(w), Some(ps)) if w.start < ps
        );
        if late {
            return Ok(UsageReport {
                current_usage: stored.map_or(0.0, |u| u.current),
                window,
            });
        }
        let current = match update {
            UsageUpdate::Delta => counted + value,
            UsageUpdate::Set => value,
        }
        .max(0.0);
        let period_start = window.map(|w| w.start);
        if let Some(slot) = self.usage.get_mut(idx as usize) {
            *slot = Some(UsageEntry {
                current,
                period_start,
            });
        }
        match self
            .state
            .usage
            .iter_mut()
            .find(|u| u.feature_id == feature_id)
        {
            Some(u) => {
                u.current_usage = current;
                u.period_start = period_start;
            }
            None => self.state.usage.push(customer::Usage {
                feature_id: feature_id.to_string(),
                current_usage: current,
                period_start,
            }),
        }
        Ok(UsageReport {
            current_usage: current,
            window,
        })
    }
}

/// How a usage report changes the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UsageUpdate {
    /// Add the value (negative values subtract, never below 0).
    Delta,
    /// Replace the counter with the value.
    Set,
}

/// The counter after a usage report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UsageReport {
    /// Usage counted in the current period.
    pub current_usage: f64,
    /// The period it is counted in, for a metered entitlement with a reset period.
    pub window: Option<Window>,
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
        // `isUnlimited` on any of them makes the result unlimited.
        let base = match (a.largest_override, plan) {
            (_, Some(p)) if p.amount == Amount::Unlimited => Amount::Unlimited,
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

    fn counted(p: &Prepared, feature: &str, at: &str) -> f64 {
        let idx = p.features().idx(feature).unwrap() as usize;
        p.resolve(ts(at)).effective[idx].unwrap().usage
    }

    #[test]
    fn delta_accumulates_within_a_period_and_restarts_in_the_next() {
        let mut p = prepared();
        let r = p
            .record_usage(
                "calls",
                30.0,
                UsageUpdate::Delta,
                ts("2026-03-01T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(r.current_usage, 30.0);
        assert_eq!(r.window.unwrap().start, ts("2026-03-01T00:00:00Z"));
        p.record_usage(
            "calls",
            12.0,
            UsageUpdate::Delta,
            ts("2026-03-01T23:59:59Z"),
        )
        .unwrap();
        assert_eq!(counted(&p, "calls", "2026-03-01T12:00:00Z"), 42.0);
        // The next day the period rolled over: the old usage counts 0 and a delta starts afresh.
        assert_eq!(counted(&p, "calls", "2026-03-02T00:00:00Z"), 0.0);
        let r = p
            .record_usage("calls", 5.0, UsageUpdate::Delta, ts("2026-03-02T08:00:00Z"))
            .unwrap();
        assert_eq!(r.current_usage, 5.0);
        assert_eq!(
            p.state().usage[0].period_start,
            Some(ts("2026-03-02T00:00:00Z"))
        );
    }

    #[test]
    fn a_late_report_for_a_closed_period_does_not_touch_the_current_counter() {
        let mut p = prepared();
        p.record_usage("calls", 7.0, UsageUpdate::Delta, ts("2026-03-02T08:00:00Z"))
            .unwrap();
        let r = p
            .record_usage(
                "calls",
                50.0,
                UsageUpdate::Delta,
                ts("2026-03-01T08:00:00Z"),
            )
            .unwrap();
        assert_eq!(r.current_usage, 7.0);
        assert_eq!(counted(&p, "calls", "2026-03-02T09:00:00Z"), 7.0);
    }

    #[test]
    fn set_replaces_and_never_goes_below_zero() {
        let mut p = prepared();
        p.record_usage("seats", 3.0, UsageUpdate::Set, ts("2026-03-01T00:00:00Z"))
            .unwrap();
        let r = p
            .record_usage(
                "seats",
                -10.0,
                UsageUpdate::Delta,
                ts("2026-03-05T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(r.current_usage, 0.0);
        assert_eq!(r.window, None, "fluctuating meters have no period");
        let r = p
            .record_usage("seats", 4.0, UsageUpdate::Set, ts("2027-01-01T00:00:00Z"))
            .unwrap();
        assert_eq!(r.current_usage, 4.0);
    }

    #[test]
    fn usage_of_unknown_or_unmetered_features_is_an_invalid_argument() {
        let mut p = prepared();
        let now = ts("2026-03-01T00:00:00Z");
        for (feature, value) in [("nope", 1.0), ("sso", 1.0), ("calls", f64::NAN)] {
            let err = p
                .record_usage(feature, value, UsageUpdate::Delta, now)
                .unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::InvalidArgument, "{feature}");
        }
        assert!(
            p.state().usage.is_empty(),
            "a rejected report stores nothing"
        );
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
