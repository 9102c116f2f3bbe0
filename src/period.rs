//! Usage periods (SEMANTICS section 4): the half-open window `[start, end)` of a reset
//! period that contains an instant.

use serde::Serialize;

use crate::entitlement::{Reset, ResetAnchor, ResetPeriod};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc, Weekday};

use crate::time::{Timestamp, DAY, HOUR, WEEK};

/// A usage period `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// First instant of the period.
    pub start: Timestamp,
    /// First instant after the period.
    pub end: Timestamp,
}

impl Window {
    /// Whether `t` lies in `[start, end)`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// The period of `reset` that contains `now`, for an entitlement whose
/// `subscriptionStart` anchor is the instant `anchor`.
///
/// Periods extend before the anchor too (`n < 0`), so the window always contains `now`;
/// for `now >= anchor` that is exactly the spec's "largest `n >= 0`".
pub fn window(reset: Reset, anchor: Timestamp, now: Timestamp) -> Window {
    match (reset.anchor, reset.period) {
        (ResetAnchor::SubscriptionStart, ResetPeriod::Hour) => fixed(anchor.as_millis(), HOUR, now),
        (ResetAnchor::SubscriptionStart, ResetPeriod::Day) => fixed(anchor.as_millis(), DAY, now),
        (ResetAnchor::SubscriptionStart, ResetPeriod::Week) => fixed(anchor.as_millis(), WEEK, now),
        (ResetAnchor::SubscriptionStart, ResetPeriod::Month) => months_from(anchor, 1, now),
        (ResetAnchor::SubscriptionStart, ResetPeriod::Year) => months_from(anchor, 12, now),
        (ResetAnchor::Calendar, ResetPeriod::Hour) => fixed(0, HOUR, now),
        (ResetAnchor::Calendar, ResetPeriod::Day) => fixed(0, DAY, now),
        (ResetAnchor::Calendar, ResetPeriod::Week) => weeks_from(Weekday::Mon, now),
        (ResetAnchor::Calendar, ResetPeriod::Month) => calendar_months(1, now),
        (ResetAnchor::Calendar, ResetPeriod::Year) => calendar_months(12, now),
        // Validation allows weekday anchors on weeks only; any period is taken as a week.
        (weekday, _) => weeks_from(weekday.weekday().unwrap_or(Weekday::Mon), now),
    }
}

/// How many periods of `reset` (anchored on `anchor`) lie from the period starting at
/// `from` to the one starting at `to` (both period starts, `from <= to`): 0 when they are
/// the same period. Used to roll credit carries forward (section 7) without walking the
/// periods one by one: consecutive periods have consecutive indexes.
pub(crate) fn periods_between(
    reset: Reset,
    anchor: Timestamp,
    from: Timestamp,
    to: Timestamp,
) -> i64 {
    let index = |t: Timestamp| -> i64 {
        match (reset.anchor, reset.period) {
            (ResetAnchor::SubscriptionStart, ResetPeriod::Hour) => {
                (t.as_millis() - anchor.as_millis()).div_euclid(HOUR)
            }
            (ResetAnchor::SubscriptionStart, ResetPeriod::Day) => {
                (t.as_millis() - anchor.as_millis()).div_euclid(DAY)
            }
            (ResetAnchor::SubscriptionStart, ResetPeriod::Week) => {
                (t.as_millis() - anchor.as_millis()).div_euclid(WEEK)
            }
            (ResetAnchor::Calendar, ResetPeriod::Hour) => t.as_millis().div_euclid(HOUR),
            (ResetAnchor::Calendar, ResetPeriod::Day) => t.as_millis().div_euclid(DAY),
            // Every period start of an anchored month or year is `anchor + n` months
            // (only the day is clamped), a calendar one the 1st: the month number counts.
            (_, ResetPeriod::Month) | (_, ResetPeriod::Year) => {
                let c = t.to_chrono();
                let months = i64::from(c.year()) * 12 + i64::from(c.month0());
                let step = if reset.period == ResetPeriod::Year {
                    12
                } else {
                    1
                };
                months.div_euclid(step)
            }
            // Weeks starting on a weekday at 00:00Z are 7 days apart.
            _ => t.as_millis().div_euclid(WEEK),
        }
    };
    index(to) - index(from)
}

/// Fixed-length periods aligned on `origin` (milliseconds since the epoch): hours, days
/// and weeks are 3,600,000, 86,400,000 and 604,800,000 ms (UTC, no daylight saving).
fn fixed(origin: i64, len: i64, now: Timestamp) -> Window {
    let n = (now.as_millis() - origin).div_euclid(len);
    let start = origin + n * len;
    Window {
        start: Timestamp::from_millis(start).unwrap_or(now),
        end: Timestamp::from_millis(start + len).unwrap_or(now.plus_millis(1)),
    }
}

/// Weeks starting on `first` at 00:00Z.
fn weeks_from(first: Weekday, now: Timestamp) -> Window {
    let date = now.to_chrono().date_naive();
    let back = (i64::from(date.weekday().num_days_from_monday())
        - i64::from(first.num_days_from_monday()))
    .rem_euclid(7);
    let start = date
        .checked_sub_days(Days::new(back.unsigned_abs()))
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .and_then(Timestamp::from_chrono)
        .unwrap_or(now);
    Window {
        start,
        end: start.plus_millis(WEEK),
    }
}

/// `anchor + k` months (`k` may be negative), keeping its day of month (clamped to the
/// last day of a shorter month: chrono's `checked_add_months`) and its time of day;
/// `None` past years 0000-9999.
fn months_after(anchor: DateTime<Utc>, k: i64) -> Option<Timestamp> {
    let months = Months::new(u32::try_from(k.unsigned_abs()).ok()?);
    let moved = if k >= 0 {
        anchor.checked_add_months(months)
    } else {
        anchor.checked_sub_months(months)
    };
    moved.and_then(Timestamp::from_chrono)
}

/// [`months_after`], clamped to the representable range.
pub(crate) fn add_months(anchor: DateTime<Utc>, k: i64) -> Timestamp {
    months_after(anchor, k).unwrap_or(if k >= 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    })
}

/// Periods of `step` months, each computed from the anchor itself (never chained).
fn months_from(anchor: Timestamp, step: i64, now: Timestamp) -> Window {
    let a = anchor.to_chrono();
    let c = now.to_chrono();
    let months = i64::from(c.year() - a.year()) * 12 + i64::from(c.month()) - i64::from(a.month());
    let mut n = months.div_euclid(step);
    // The estimate is off by at most one period either way because of day and time of
    // day; a boundary past the representable range counts as never reached (no loop
    // can spin at year 9999).
    for _ in 0..3 {
        match months_after(a, n * step) {
            Some(start) if start > now => n -= 1,
            _ => break,
        }
    }
    for _ in 0..3 {
        match months_after(a, (n + 1) * step) {
            Some(next) if next <= now => n += 1,
            _ => break,
        }
    }
    Window {
        start: add_months(a, n * step),
        end: add_months(a, (n + 1) * step),
    }
}

/// Calendar months (`step` 1) or years (`step` 12) starting on the 1st at 00:00Z.
fn calendar_months(step: i64, now: Timestamp) -> Window {
    let c = now.to_chrono();
    let month = if step == 12 { 1 } else { c.month() };
    let first = NaiveDate::from_ymd_opt(c.year(), month, 1)
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .unwrap_or(c);
    Window {
        start: Timestamp::from_chrono(first).unwrap_or(now),
        end: add_months(first, step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn w(period: ResetPeriod, anchor: ResetAnchor, a: &str, now: &str) -> (String, String) {
        let win = window(Reset { period, anchor }, ts(a), ts(now));
        (win.start.to_string(), win.end.to_string())
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn monthly_from_the_31st_clamps_and_never_drifts() {
        use ResetAnchor::SubscriptionStart as S;
        use ResetPeriod::Month;
        let a = "2026-01-31T10:00:00Z";
        assert_eq!(
            w(Month, S, a, "2026-02-10T00:00:00Z"),
            pair(a, "2026-02-28T10:00:00Z")
        );
        assert_eq!(
            w(Month, S, a, "2026-03-15T00:00:00Z"),
            pair("2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z")
        );
        assert_eq!(
            w(Month, S, a, "2026-04-30T10:00:00Z"),
            pair("2026-04-30T10:00:00Z", "2026-05-31T10:00:00Z")
        );
    }

    #[test]
    fn yearly_from_a_leap_day() {
        let a = "2024-02-29T00:00:00Z";
        let y = |now| w(ResetPeriod::Year, ResetAnchor::SubscriptionStart, a, now);
        assert_eq!(
            y("2025-06-01T00:00:00Z"),
            pair("2025-02-28T00:00:00Z", "2026-02-28T00:00:00Z")
        );
        assert_eq!(
            y("2028-02-29T00:00:00Z"),
            pair("2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z")
        );
    }

    #[test]
    fn every_period_at_the_ends_of_time_returns() {
        use ResetAnchor::*;
        use ResetPeriod::*;
        let a = "2024-02-29T23:59:59.999Z";
        for now in [
            Timestamp::MAX,
            Timestamp::MIN,
            ts("9999-12-31T00:00:00Z"),
            ts("0000-01-01T00:00:00.001Z"),
        ] {
            for period in [Hour, Day, Week, Month, Year] {
                for anchor in [SubscriptionStart, Calendar, Monday, Sunday] {
                    let win = window(Reset { period, anchor }, ts(a), now);
                    assert!(win.start <= win.end, "{period:?} {anchor:?} at {now}");
                    assert!(win.start <= now, "{period:?} {anchor:?} at {now}");
                }
            }
        }
    }

    #[test]
    fn calendar_and_weekday_anchors() {
        use ResetAnchor::*;
        use ResetPeriod::*;
        let a = "2026-01-07T08:00:00Z";
        assert_eq!(
            w(Week, Calendar, a, "2026-03-15T12:00:00Z"), // a Sunday
            pair("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z")
        );
        assert_eq!(
            w(Week, Friday, a, "2026-03-15T00:00:00Z"),
            pair("2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z")
        );
        assert_eq!(
            w(Week, Sunday, a, "2026-03-15T00:00:00Z"),
            pair("2026-03-15T00:00:00Z", "2026-03-22T00:00:00Z")
        );
        assert_eq!(
            w(Month, Calendar, a, "2026-12-31T23:59:59Z"),
            pair("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
        );
        assert_eq!(
            w(Year, Calendar, a, "2026-03-15T00:00:00Z"),
            pair("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
        );
        assert_eq!(
            w(Hour, Calendar, a, "2026-03-15T07:30:00Z"),
            pair("2026-03-15T07:00:00Z", "2026-03-15T08:00:00Z")
        );
        assert_eq!(
            w(
                Hour,
                SubscriptionStart,
                "2026-01-07T08:20:00Z",
                "2026-03-15T07:30:00Z"
            ),
            pair("2026-03-15T07:20:00Z", "2026-03-15T08:20:00Z")
        );
        assert_eq!(
            w(Day, SubscriptionStart, a, "2026-03-15T07:30:00Z"),
            pair("2026-03-14T08:00:00Z", "2026-03-15T08:00:00Z")
        );
    }
}
