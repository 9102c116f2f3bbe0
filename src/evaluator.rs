//! Compile once, evaluate many: a [`Prepared`] customer with its [`Resolution`] cached
//! for as long as it stays right, so that a check is a hash lookup and a comparison.

use crate::decide::{decide, decide_idx, Check, Decision};
use crate::resolve::{Prepared, Resolution};
use crate::time::Timestamp;

/// A prepared customer plus the resolution in force, recomputed only when `now` leaves
/// the window in which it is right (a period rollover, a trial end, a promotion...).
#[derive(Clone, Debug)]
pub struct Evaluator {
    prepared: Prepared,
    cache: Option<Resolution>,
}

impl Evaluator {
    /// Wraps a prepared customer; nothing is resolved until the first check.
    pub fn new(prepared: Prepared) -> Evaluator {
        Evaluator {
            prepared,
            cache: None,
        }
    }

    /// The prepared customer.
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// The resolution at `now`, from the cache when it still covers `now`.
    #[inline]
    pub fn resolution(&mut self, now: Timestamp) -> &Resolution {
        // Checked in place: moving the cached resolution out and back in costs two
        // copies of it on every check (measurable in the wasm build).
        if !self.cache.as_ref().is_some_and(|r| r.covers(now)) {
            self.cache = None;
        }
        let prepared = &self.prepared;
        self.cache.get_or_insert_with(|| prepared.resolve(now))
    }

    /// Decides `check` at `now`.
    pub fn check(&mut self, now: Timestamp, check: &Check<'_>) -> Decision<'_> {
        self.resolution(now);
        match &self.cache {
            Some(r) => decide(&self.prepared, r, check),
            None => decide(&self.prepared, &self.prepared.resolve(now), check),
        }
    }

    /// Decides `check` of the feature at `idx` in [`Prepared::features`] (`None`, or an
    /// index out of range, for a feature not in the catalog); `check.feature_id` is not
    /// read. The same decision as [`Evaluator::check`] without hashing the id again, for
    /// callers that map ids to indexes once per snapshot (the npm package).
    pub fn check_idx(
        &mut self,
        now: Timestamp,
        idx: Option<u32>,
        check: &Check<'_>,
    ) -> Decision<'_> {
        self.resolution(now);
        match &self.cache {
            Some(r) => decide_idx(&self.prepared, r, idx, check),
            None => decide_idx(&self.prepared, &self.prepared.resolve(now), idx, check),
        }
    }

    /// Every entitlement of the customer at `now`, one decision per feature that has
    /// an effective entitlement and per credit pool with a grant in force, in catalog
    /// order (metered and credit ones with `requestedUsage` 0).
    pub fn entitlements(&mut self, now: Timestamp) -> Vec<Decision<'_>> {
        self.resolution(now);
        let Some(r) = &self.cache else {
            return Vec::new();
        };
        let features = self.prepared.features();
        // A credit pool is listed when some grant of it is in force (section 7), whether
        // a subscription or only one-off grants give it.
        let listed = |i: usize| match r.pool(i as u32) {
            Some(pool) => !pool.grants.is_empty(),
            None => r.effective.get(i).is_some_and(Option::is_some),
        };
        (0..r.effective.len())
            .filter(|&i| listed(i))
            .filter_map(|i| features.at(i as u32))
            .map(|f| {
                let check = Check {
                    feature_id: &f.id,
                    kind: kind_of(f.feature_type),
                    requested_usage: 0.0,
                    fallback: None,
                };
                decide(&self.prepared, r, &check)
            })
            .collect()
    }

    /// The prepared customer, to change (the write path of [`crate::usage`]); drops the
    /// cached resolution.
    pub(crate) fn prepared_mut(&mut self) -> &mut Prepared {
        self.cache = None;
        &mut self.prepared
    }
}

/// The check kind that matches a feature's type.
pub fn kind_of(t: crate::catalog::FeatureType) -> crate::decide::CheckKind {
    match t {
        crate::catalog::FeatureType::Boolean => crate::decide::CheckKind::Boolean,
        crate::catalog::FeatureType::Numeric => crate::decide::CheckKind::Numeric,
        crate::catalog::FeatureType::Metered => crate::decide::CheckKind::Metered,
        crate::catalog::FeatureType::Credit => crate::decide::CheckKind::Credit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckKind, CustomerState, DeniedReason, Fallback, ValidCatalog};

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn evaluator(archived: bool) -> Evaluator {
        let catalog = ValidCatalog::from_json(
            r#"{"features": [
                {"id": "calls", "type": "metered", "meter": "incremental"},
                {"id": "sso", "type": "boolean"},
                {"id": "other", "type": "boolean"}],
              "plans": [{"id": "p", "entitlements": [
                {"featureId": "calls", "usageLimit": 10, "resetPeriod": "hour"},
                {"featureId": "sso"}]}]}"#,
        )
        .unwrap();
        let state = CustomerState::from_json(&format!(
            r#"{{"id": "c", "archived": {archived}, "subscriptions": [{{"id": "s", "planId": "p",
                "status": "inTrial", "startDate": "2026-01-01T00:00:00Z",
                "trialEndDate": "2026-01-01T05:30:00Z"}}],
                "usage": [{{"featureId": "calls", "currentUsage": 9}}]}}"#
        ))
        .unwrap();
        Evaluator::new(Prepared::new(&catalog, state).unwrap())
    }

    fn metered(requested: f64) -> Check<'static> {
        Check {
            feature_id: "calls",
            kind: CheckKind::Metered,
            requested_usage: requested,
            fallback: None,
        }
    }

    #[test]
    fn cached_resolution_follows_time_forwards_and_backwards() {
        let mut e = evaluator(false);
        // periodStart absent: usage counts in whatever period is current.
        assert!(
            e.check(ts("2026-01-01T00:10:00Z"), &metered(1.0))
                .has_access
        );
        assert!(
            !e.check(ts("2026-01-01T00:20:00Z"), &metered(2.0))
                .has_access
        );
        let d = e.check(ts("2026-01-01T01:00:00Z"), &metered(0.0));
        assert_eq!(d.usage_period_start, Some(ts("2026-01-01T01:00:00Z")));
        // The trial ends at 05:30: nothing grants any more.
        let d = e.check(ts("2026-01-01T05:30:00Z"), &metered(0.0));
        assert_eq!(
            d.access_denied_reason,
            Some(DeniedReason::NoActiveSubscription)
        );
        // Back in time (a client clock corrected backwards) re-resolves too.
        assert!(
            e.check(ts("2026-01-01T05:29:59Z"), &metered(1.0))
                .has_access
        );
    }

    #[test]
    fn recorded_usage_is_seen_by_the_next_check() {
        let mut e = evaluator(false);
        let now = ts("2026-01-01T02:15:00Z");
        assert!(e.check(now, &metered(1.0)).has_access);
        let report = crate::usage::ReportInput::new("calls", 1.0, crate::usage::UsageUpdate::Delta);
        let (answers, _) =
            crate::usage::Ledger::new(&mut e, &crate::usage::MemoryStore::new(), now)
                .report(&[report])
                .unwrap();
        assert_eq!(answers[0]["currentUsage"], 10);
        let d = e.check(now, &metered(1.0));
        assert_eq!(d.current_usage, Some(10.0));
        assert_eq!(
            d.access_denied_reason,
            Some(DeniedReason::RequestedUsageExceedingLimit)
        );
    }

    #[test]
    fn precedence_of_reasons_and_fallbacks() {
        let now = ts("2026-01-01T02:00:00Z");
        let mut archived = evaluator(true);
        let d = archived.check(
            now,
            &Check {
                feature_id: "nope",
                ..metered(0.0)
            },
        );
        assert_eq!(
            d.access_denied_reason,
            Some(DeniedReason::CustomerIsArchived)
        );

        let mut e = evaluator(false);
        let d = e.check(
            now,
            &Check {
                feature_id: "nope",
                ..metered(0.0)
            },
        );
        assert_eq!(d.access_denied_reason, Some(DeniedReason::FeatureNotFound));
        let d = e.check(
            now,
            &Check {
                feature_id: "other",
                kind: CheckKind::Boolean,
                ..metered(0.0)
            },
        );
        assert_eq!(
            d.access_denied_reason,
            Some(DeniedReason::NoFeatureEntitlementInSubscription)
        );
        // A metered check of a boolean feature answers the fallback.
        let fb = Fallback {
            has_access: true,
            usage_limit: Some(3.0),
            ..Fallback::default()
        };
        let d = e.check(
            now,
            &Check {
                feature_id: "sso",
                fallback: Some(&fb),
                ..metered(0.0)
            },
        );
        assert!(d.is_fallback && d.has_access);
        assert_eq!(d.usage_limit, Some(3.0));
        let d = e.check(
            now,
            &Check {
                feature_id: "sso",
                ..metered(0.0)
            },
        );
        assert!(d.is_fallback && !d.has_access);
        assert_eq!(d.access_denied_reason, Some(DeniedReason::Unknown));
        // So does a negative or non-finite requested usage.
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(e.check(now, &metered(bad)).is_fallback);
        }
    }

    #[test]
    fn check_by_index_decides_like_check_by_id() {
        let now = ts("2026-01-01T02:00:00Z");
        for archived in [false, true] {
            let mut e = evaluator(archived);
            let ids = ["calls", "sso", "other", "nope"];
            for (i, id) in ids.iter().enumerate() {
                let idx = e.prepared().features().idx(id);
                assert_eq!(idx.is_some(), i < 3);
                for kind in [CheckKind::Boolean, CheckKind::Numeric, CheckKind::Metered] {
                    for requested in [0.0, 1.0, 5.0, -1.0] {
                        let check = Check {
                            feature_id: id,
                            kind,
                            requested_usage: requested,
                            fallback: None,
                        };
                        let by_id = format!("{:?}", e.check(now, &check));
                        let by_idx = format!("{:?}", e.check_idx(now, idx, &check));
                        assert_eq!(by_id, by_idx);
                    }
                }
            }
            let out_of_range = e.check_idx(now, Some(99), &metered(0.0));
            assert_eq!(
                out_of_range.access_denied_reason,
                Some(if archived {
                    DeniedReason::CustomerIsArchived
                } else {
                    DeniedReason::FeatureNotFound
                })
            );
        }
    }

    #[test]
    fn entitlements_lists_what_the_customer_has() {
        let mut e = evaluator(false);
        let all = e.entitlements(ts("2026-01-01T02:00:00Z"));
        let ids: Vec<&str> = all
            .iter()
            .map(|d| d.feature.unwrap().0.id.as_str())
            .collect();
        assert_eq!(ids, ["calls", "sso"]);
        assert!(e.entitlements(ts("2026-02-01T00:00:00Z")).is_empty());
    }
}
