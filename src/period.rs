//! Usage periods (SEMANTICS section 4): the half-open window `[start, end)` of a reset
//! period that contains an instant.

use serde::Serialize;

use crate::entitlement::{Reset, ResetAnchor, ResetPeriod};
use crate::time::{days_in_month, Civil, Timestamp, DAY, HOUR, WEEK};

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
        // 1970-01-05 was a Monday: ISO weeks.
        (ResetAnchor::Calendar, ResetPeriod::Week) => fixed(4 * DAY, WEEK, now),
        (ResetAnchor::Calendar, ResetPeriod::Month) => calendar_months(1, now),
        (ResetAnchor::Calendar, ResetPeriod::Year) => calendar_months(12, now),
        (weekday, _) => {
            // Validation allows weekday anchors on weeks only; treat any period as a week.
            let offset = weekday.weekday_offset().unwrap_or(0);
            fixed((4 + offset) * DAY, WEEK, now)
        }
    }
}

/// Fixed-length periods aligned on `origin` (milliseconds since the epoch).
fn fixed(origin: i64, len: i64, now: Timestamp) -> Window {
    let n = (now.as_millis() - origin).div_euclid(len);
    let start = origin + n * len;
    Window {
        start: Timestamp::from_millis(start).unwrap_or(now),
        end: Timestamp::from_millis(start + len).unwrap_or(now.plus_millis(1)),
    }
}

/// `anchor + k` months, keeping its day (clamped to the month's last day) and time of day.
pub(crate) fn add_months(anchor: Civil, k: i64) -> Timestamp {
    let total = anchor.year * 12 + i64::from(anchor.month) - 1 + k;
    let year = total.div_euclid(12);
    let month = (total.rem_euclid(12) + 1) as u32;
    let day = anchor.day.min(days_in_month(year, month));
    Timestamp::from_civil(Civil {
        year,
        month,
        day,
        time_of_day: anchor.time_of_day,
    })
}

/// Periods of `step` months, each computed from the anchor itself (never chained).
fn months_from(anchor: Timestamp, step: i64, now: Timestamp) -> Window {
    let a = anchor.to_civil();
    let c = now.to_civil();
    let months = (c.year - a.year) * 12 + i64::from(c.month) - i64::from(a.month);
    let mut n = months.div_euclid(step);
    // The estimate is off by at most one period either way because of day and time of day.
    while add_months(a, n * step) > now {
        n -= 1;
    }
    while add_months(a, (n + 1) * step) <= now {
        n += 1;
    }
    Window {
        start: add_months(a, n * step),
        end: add_months(a, (n + 1) * step),
    }
}

/// Calendar months (`step` 1) or years (`step` 12) starting on the 1st at 00:00Z.
fn calendar_months(step: i64, now: Timestamp) -> Window {
    let c = now.to_civil();
    let first = Civil {
        year: c.year,
        month: if step == 12 { 1 } else { c.month },
        day: 1,
        time_of_day: 0,
    };
    Window {
        start: Timestamp::from_civil(first),
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
