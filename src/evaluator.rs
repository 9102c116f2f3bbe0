//! Compile once, evaluate many: a [`Prepared`] customer with its [`Resolution`] cached
//! for as long as it stays right, so that a check is a hash lookup and a comparison.

use crate::decide::{decide, Check, Decision};
use crate::error::Result;
use crate::resolve::{Prepared, Resolution, UsageReport, UsageUpdate};
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
    pub fn resolution(&mut self, now: Timestamp) -> &Resolution {
        let fresh = match self.cache.take() {
            Some(r) if r.covers(now) => r,
            _ => self.prepared.resolve(now),
        };
        self.cache.insert(fresh)
    }

    /// Decides `check` at `now`.
    pub fn check(&mut self, now: Timestamp, check: &Check<'_>) -> Decision<'_> {
        self.resolution(now);
        match &self.cache {
            Some(r) => decide(&self.prepared, r, check),
            None => decide(&self.prepared, &self.prepared.resolve(now), check),
        }
    }

    /// Every entitlement of the customer at `now`, one decision per feature that has
    /// an effective entitlement, in catalog order (metered ones with `requestedUsage` 0).
    pub fn entitlements(&mut self, now: Timestamp) -> Vec<Decision<'_>> {
        self.resolution(now);
        let Some(r) = &self.cache else {
            return Vec::new();
        };
        let features = self.prepared.features();
        r.effective
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_some())
            .filter_map(|(i, _)| features.at(i as u32))
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

    /// Records usage (see [`Prepared::record_usage`]) and drops the cached resolution.
    pub fn record_usage(
        &mut self,
        feature_id: &str,
        value: f64,
        update: UsageUpdate,
        at: Timestamp,
    ) -> Result<UsageReport> {
        let report = self.prepared.record_usage(feature_id, value, update, at)?;
        self.cache = None;
        Ok(report)
    }
}

/// The check kind that matches a feature's type.
pub fn kind_of(t: crate::catalog::FeatureType) -> crate::decide::CheckKind {
    match t {
        crate::catalog::FeatureType::Boolean => crate::decide::CheckKind::Boolean,
        crate::catalog::FeatureType::Numeric => crate::decide::CheckKind::Numeric,
        crate::catalog::FeatureType::Metered => crate::decide::CheckKind::Metered,
    }
}
