//! The current counter of a metered feature (SEMANTICS sections 2 and 6): the window `W`
//! in which usage counts at an instant, and the carry-on/restart rule that brings a
//! stored counter into it before a write.
//!
//! The rule, in short: when `W` has a start, a counter whose `periodStart` lies in `W`
//! (or has none) carries on and takes `W`'s start; any other restarts at 0. With no
//! reset period (or a fluctuating meter) `W` is all of time: the counter carries on and
//! takes the instant of the write. With no entitlement the write still counts and the
//! counter keeps its `periodStart`. A read applies the same rule without writing: the
//! stored usage counts when its `periodStart` lies in `W` ([`crate::resolve`]).

use serde::Serialize;

use crate::catalog::Meter;
use crate::error::{Error, ErrorCode, Result};
use crate::features::FeatureIdx;
use crate::period::Window;
use crate::resolve::{Prepared, Resolution, UsageEntry};
use crate::time::Timestamp;

use super::request::{Report, UsageUpdate, MAX_USAGE};

/// Where usage of one feature counts at an instant: the window `W` of section 6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// An incremental meter whose entitlement in force has a reset period: `[start, end)`.
    Window(Window),
    /// An entitlement without a reset period, or a fluctuating meter: all of time.
    AllTime,
    /// No entitlement for the feature is in force.
    Unentitled,
}

impl Scope {
    /// The window, when `W` has bounds.
    pub fn window(self) -> Option<Window> {
        match self {
            Scope::Window(w) => Some(w),
            Scope::AllTime | Scope::Unentitled => None,
        }
    }

    /// The start of `W` for a history key: the window's start, `None` otherwise.
    pub fn start(self) -> Option<Timestamp> {
        self.window().map(|w| w.start)
    }
}

/// The answer to a usage report: `{currentUsage, usagePeriodStart?, usagePeriodEnd?}`,
/// the current counter after the report (late or not) and the bounds of `W`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportAnswer {
    /// Usage counted in the current window after the report (calls, seats...).
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(serialize_with = "crate::decide::number_value")]
    pub current_usage: f64,
    /// Start of `W`, absent when `W` is all of time or there is no entitlement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_period_start: Option<Timestamp>,
    /// End of `W` (exclusive), likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_period_end: Option<Timestamp>,
}

impl ReportAnswer {
    /// The answer as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Brings a stored counter (`None`: the feature has none, which is 0) into `scope` for
/// a write made at `now` (section 6).
pub fn bring_into(entry: Option<UsageEntry>, scope: Scope, now: Timestamp) -> UsageEntry {
    match scope {
        Scope::Window(w) => {
            let current = match entry {
                Some(u) if u.period_start.is_none_or(|ps| w.contains(ps)) => u.current,
                _ => 0.0,
            };
            UsageEntry {
                current,
                period_start: Some(w.start),
            }
        }
        Scope::AllTime => UsageEntry {
            current: entry.map_or(0.0, |u| u.current),
            period_start: Some(now),
        },
        Scope::Unentitled => entry.unwrap_or(UsageEntry {
            current: 0.0,
            period_start: Some(now),
        }),
    }
}

/// `total` changed by a delta (clamped at 0) or replaced by a set; `invalid_usage` at
/// `field` when the result passes 2^53-1. Usage arithmetic is IEEE 754 double.
pub fn apply(
    total: f64,
    update: UsageUpdate,
    value: f64,
    path: &str,
    field: &str,
    what: &str,
) -> Result<f64> {
    let next = match update {
        UsageUpdate::Delta => (total + value).max(0.0),
        UsageUpdate::Set => value,
    };
    if next > MAX_USAGE || next.is_nan() {
        return Err(Error::new(
            ErrorCode::InvalidUsage,
            format!("{path}{field}"),
            format!(
                "{what} would pass 2^53-1 (9007199254740991): {total} {} {value}",
                update.as_str()
            ),
        ));
    }
    Ok(next)
}

impl Prepared {
    /// Where usage of the feature at `idx` counts, under the entitlements of `resolution`.
    pub fn scope(&self, resolution: &Resolution, idx: FeatureIdx) -> Scope {
        let Some(eff) = resolution.effective.get(idx as usize).copied().flatten() else {
            return Scope::Unentitled;
        };
        let fluctuating = self
            .features()
            .at(idx)
            .is_some_and(|f| f.meter == Some(Meter::Fluctuating));
        match eff.window {
            Some(w) if !fluctuating => Scope::Window(w),
            _ => Scope::AllTime,
        }
    }

    /// Applies a validated report to the current counter at `now` (section 6): the
    /// counter is brought into `W`, then changed unless the report is late (its instant
    /// before `W`'s start: history only). `resolution` must be the resolution at `now`.
    /// Errors: `invalid_usage` when the counter would pass 2^53-1; nothing changes then.
    pub fn apply_report(
        &mut self,
        resolution: &Resolution,
        report: &Report,
        now: Timestamp,
        path: &str,
    ) -> Result<ReportAnswer> {
        let idx = self.features().idx(&report.feature_id).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidUsage,
                format!("{path}featureId"),
                format!("`{}` is not a feature of the catalog", report.feature_id),
            )
        })?;
        let scope = self.scope(resolution, idx);
        let mut entry = bring_into(self.usage_entry(idx), scope, now);
        let late = scope.window().is_some_and(|w| report.at < w.start);
        if !late {
            entry.current = apply(
                entry.current,
                report.update,
                report.value,
                path,
                "value",
                "the counter",
            )?;
        }
        self.set_usage_entry(idx, entry);
        let window = scope.window();
        Ok(ReportAnswer {
            current_usage: entry.current,
            usage_period_start: window.map(|w| w.start),
            usage_period_end: window.map(|w| w.end),
        })
    }

    /// Adds an allowed consume's `requested` usage to the counter at `now`, after
    /// bringing it into `W`. Errors: `invalid_usage` at `requestedUsage` past 2^53-1.
    pub fn apply_consume(
        &mut self,
        resolution: &Resolution,
        idx: FeatureIdx,
        requested: f64,
        now: Timestamp,
        path: &str,
    ) -> Result<Scope> {
        let scope = self.scope(resolution, idx);
        let mut entry = bring_into(self.usage_entry(idx), scope, now);
        entry.current = apply(
            entry.current,
            UsageUpdate::Delta,
            requested,
            path,
            "requestedUsage",
            "the counter",
        )?;
        self.set_usage_entry(idx, entry);
        Ok(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn entry(current: f64, ps: Option<&str>) -> Option<UsageEntry> {
        Some(UsageEntry {
            current,
            period_start: ps.map(ts),
        })
    }

    #[test]
    fn carry_on_or_restart() {
        let month = Scope::Window(Window {
            start: ts("2026-03-01T00:00:00Z"),
            end: ts("2026-04-01T00:00:00Z"),
        });
        let now = ts("2026-03-10T12:00:00Z");
        // A day's counter from inside the month carries on into it.
        let e = bring_into(entry(60.0, Some("2026-03-10T00:00:00Z")), month, now);
        assert_eq!(
            (e.current, e.period_start),
            (60.0, Some(ts("2026-03-01T00:00:00Z")))
        );
        // February's counter restarts.
        let e = bring_into(entry(60.0, Some("2026-02-01T00:00:00Z")), month, now);
        assert_eq!(e.current, 0.0);
        // A counter written in the future (never by this code) restarts too.
        let e = bring_into(entry(60.0, Some("2027-01-01T00:00:00Z")), month, now);
        assert_eq!(e.current, 0.0);
        // No periodStart carries on; no counter is 0.
        assert_eq!(bring_into(entry(5.0, None), month, now).current, 5.0);
        assert_eq!(bring_into(None, month, now).current, 0.0);
        // All of time: carries on, stamped with the write's instant.
        let e = bring_into(
            entry(7.0, Some("2020-01-01T00:00:00Z")),
            Scope::AllTime,
            now,
        );
        assert_eq!((e.current, e.period_start), (7.0, Some(now)));
        // No entitlement: kept as it is; a new one takes now.
        let e = bring_into(
            entry(7.0, Some("2020-01-01T00:00:00Z")),
            Scope::Unentitled,
            now,
        );
        assert_eq!(e.period_start, Some(ts("2020-01-01T00:00:00Z")));
        assert_eq!(
            bring_into(None, Scope::Unentitled, now).period_start,
            Some(now)
        );
    }

    #[test]
    fn arithmetic_clamps_at_zero_and_stops_at_the_bound() {
        assert_eq!(
            apply(3.0, UsageUpdate::Delta, -10.0, "", "value", "x").unwrap(),
            0.0
        );
        assert_eq!(
            apply(3.0, UsageUpdate::Set, 1.5, "", "value", "x").unwrap(),
            1.5
        );
        assert_eq!(
            apply(MAX_USAGE - 1.0, UsageUpdate::Delta, 1.0, "", "value", "x").unwrap(),
            MAX_USAGE
        );
        let e = apply(MAX_USAGE, UsageUpdate::Delta, 1.0, "[1].", "value", "x").unwrap_err();
        assert_eq!(
            (e.code, e.path()),
            (ErrorCode::InvalidUsage, Some("[1].value"))
        );
    }
}
