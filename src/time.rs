//! Instants in UTC as milliseconds since the Unix epoch, with RFC 3339 parsing and
//! formatting and the civil-calendar arithmetic the usage periods need.
//!
//! The core keeps its own small time type instead of a date library: it is all the
//! evaluator needs (UTC only, millisecond precision like JS `Date`), it is `Copy` and
//! an `i64` on the wire, and it keeps the WebAssembly build small.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds in one second, minute, hour, day.
pub(crate) const SECOND: i64 = 1000;
pub(crate) const MINUTE: i64 = 60 * SECOND;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;
pub(crate) const WEEK: i64 = 7 * DAY;

/// The earliest and latest instants accepted: years 0000 to 9999, as RFC 3339 allows.
const MIN_MS: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
const MAX_MS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/// An instant in UTC, in milliseconds since 1970-01-01T00:00:00Z.
///
/// Serialized as an RFC 3339 string in human-readable formats (JSON) and as an
/// integer in binary ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A date and time of day in the proleptic Gregorian calendar, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32, // 1..=12
    pub day: u32,   // 1..=31
    /// Milliseconds since midnight.
    pub time_of_day: i64,
}

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The earliest representable instant, 0000-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(MIN_MS);

    /// The latest representable instant, 9999-12-31T23:59:59.999Z.
    pub const MAX: Timestamp = Timestamp(MAX_MS);

    /// The instant `ms` milliseconds after the Unix epoch, or `None` outside years 0000-9999.
    pub fn from_millis(ms: i64) -> Option<Timestamp> {
        (MIN_MS..=MAX_MS).contains(&ms).then_some(Timestamp(ms))
    }

    /// The instant for a JS `Date.now()`-style float; `None` when not finite or out of range.
    #[inline]
    pub fn from_millis_f64(ms: f64) -> Option<Timestamp> {
        if !ms.is_finite() {
            return None;
        }
        let floored = ms.floor();
        if floored < MIN_MS as f64 || floored > MAX_MS as f64 {
            return None;
        }
        Some(Timestamp(floored as i64))
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 date-time (`2026-01-31T10:00:00Z`, fractional seconds and
    /// numeric offsets allowed); fractions below a millisecond are truncated.
    pub fn parse(s: &str) -> Option<Timestamp> {
        parse_rfc3339(s.as_bytes()).and_then(Timestamp::from_millis)
    }

    /// This instant plus `ms` milliseconds, saturating at the representable range.
    pub(crate) fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    pub(crate) fn to_civil(self) -> Civil {
        let days = self.0.div_euclid(DAY);
        let time_of_day = self.0.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            time_of_day,
        }
    }

    pub(crate) fn from_civil(c: Civil) -> Timestamp {
        let days = days_from_civil(c.year, c.month, c.day);
        Timestamp(days.saturating_mul(DAY).saturating_add(c.time_of_day))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-01-31T10:00:00Z`, with `.mmm` only when there are milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.to_civil();
        let ms = c.time_of_day % SECOND;
        let secs = c.time_of_day / SECOND;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year,
            c.month,
            c.day,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if ms != 0 {
            write!(f, ".{ms:03}")?;
        }
        f.write_str("Z")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 date-time such as `2026-01-31T10:00:00Z`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).ok_or_else(|| {
                    E::custom(format_args!(
                        "`{v}` is not an RFC 3339 date-time such as `2026-01-31T10:00:00Z`"
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Timestamp::from_millis(v)
                    .ok_or_else(|| E::custom(format_args!("instant {v} is out of range")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(Timestamp::from_millis)
                    .ok_or_else(|| E::custom(format_args!("instant {v} is out of range")))
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(TimestampVisitor)
        } else {
            deserializer.deserialize_i64(TimestampVisitor)
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

fn digits(bytes: &[u8], from: usize, len: usize) -> Option<i64> {
    let part = bytes.get(from..from + len)?;
    part.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

fn expect_byte(bytes: &[u8], at: usize, wanted: &[u8]) -> Option<()> {
    bytes.get(at).filter(|b| wanted.contains(b)).map(|_| ())
}

/// `YYYY-MM-DDTHH:MM:SS[.fff...](Z|±HH:MM)` to milliseconds since the epoch.
fn parse_rfc3339(b: &[u8]) -> Option<i64> {
    let year = digits(b, 0, 4)?;
    expect_byte(b, 4, b"-")?;
    let month = digits(b, 5, 2)?;
    expect_byte(b, 7, b"-")?;
    let day = digits(b, 8, 2)?;
    expect_byte(b, 10, b"Tt ")?;
    let hour = digits(b, 11, 2)?;
    expect_byte(b, 13, b":")?;
    let minute = digits(b, 14, 2)?;
    expect_byte(b, 16, b":")?;
    let second = digits(b, 17, 2)?;
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let (month, day_u) = (month as u32, day as u32);
    if day_u < 1 || day_u > days_in_month(year, month) {
        return None;
    }
    let mut at = 19;
    let mut millis = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(b.get(at).copied().unwrap_or(b'0') - b'0');
            }
            at += 1;
        }
        let n = at - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_ms = match b.get(at)? {
        b'Z' | b'z' => {
            at += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let oh = digits(b, at + 1, 2)?;
            expect_byte(b, at + 3, b":")?;
            let om = digits(b, at + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            at += 6;
            let off = oh * HOUR + om * MINUTE;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    if at != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day_u);
    let local = days * DAY + hour * HOUR + minute * MINUTE + second * SECOND + millis;
    Some(local - offset_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn parses_and_formats_rfc3339() {
        assert_eq!(ts("1970-01-01T00:00:00Z").as_millis(), 0);
        assert_eq!(
            ts("2026-01-31T10:00:00Z").to_string(),
            "2026-01-31T10:00:00Z"
        );
        assert_eq!(
            ts("2026-01-31T10:00:00.5Z").to_string(),
            "2026-01-31T10:00:00.500Z"
        );
        assert_eq!(ts("2026-01-31T10:00:00.123456Z").as_millis() % 1000, 123);
        assert_eq!(ts("2026-01-31T12:00:00+02:00"), ts("2026-01-31T10:00:00Z"));
        assert_eq!(ts("2026-01-31T08:30:00-01:30"), ts("2026-01-31T10:00:00Z"));
        assert_eq!(
            ts("2024-02-29T00:00:00Z").to_string(),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(ts("1969-12-31T23:59:59.999Z").as_millis(), -1);
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "2026-01-31",
            "2026-01-31T10:00:00",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-31T24:00:00Z",
            "2026-01-31T10:00:00.Z",
            "2026-01-31T10:00:00Zjunk",
            "2026-01-31T10:00:00+0200",
            "+2026-01-31T10:00:00Z",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_round_trips_over_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn serde_is_a_string_in_json() {
        let t = ts("2026-03-15T00:00:00Z");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-03-15T00:00:00Z\""
        );
        let back: Timestamp = serde_json::from_str("\"2026-03-15T00:00:00Z\"").unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
