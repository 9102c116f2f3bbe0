//! Instants in UTC as milliseconds since the Unix epoch (JS `Date` precision), with RFC
//! 3339 parsing and formatting and the civil-calendar conversions the usage periods need,
//! all through `chrono`. The core never reads a clock: `now` is always handed in.
//!
//! [`Timestamp`] stays a `Copy` newtype of `i64` milliseconds: that is what the evaluator
//! compares on its hot path and what the snapshot stores; chrono does the calendar.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Timelike, Utc};

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
        parse_rfc3339(s).and_then(Timestamp::from_millis)
    }

    /// This instant plus `ms` milliseconds, clamped to [`Timestamp::MIN`]..=[`Timestamp::MAX`].
    pub(crate) fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms).clamp(MIN_MS, MAX_MS))
    }

    /// Parses an RFC 3339 date-time keeping every fraction of a second: `(instant
    /// truncated to the millisecond, nanoseconds within that millisecond)`. For rules
    /// that must not round (the clock-skew bound, comparing a retried timestamp).
    pub fn parse_precise(s: &str) -> Option<(Timestamp, u32)> {
        let t = DateTime::parse_from_rfc3339(s).ok()?;
        let nanos = t.nanosecond();
        if nanos >= 1_000_000_000 {
            return None;
        }
        Some((
            Timestamp::from_millis(t.timestamp_millis())?,
            nanos % 1_000_000,
        ))
    }

    /// The instant as a chrono UTC date-time.
    pub(crate) fn to_chrono(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// The instant of a chrono UTC date-time, truncated to the millisecond; `None`
    /// outside years 0000-9999.
    pub(crate) fn from_chrono(t: DateTime<Utc>) -> Option<Timestamp> {
        Timestamp::from_millis(t.timestamp_millis())
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-01-31T10:00:00Z`, with `.mmm` only when there are milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = if self.0.rem_euclid(SECOND) == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        f.write_str(&self.to_chrono().to_rfc3339_opts(precision, true))
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

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An RFC 3339 instant, e.g. `2026-01-31T10:00:00Z` (UTC, or with a numeric offset)."
        })
    }
}

/// RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff...](Z|±HH:MM)`, `t`/`z` or a space allowed as
/// chrono reads them) to milliseconds since the epoch. A leap second (`:60`) is refused:
/// UTC instants here have none, as in JS.
fn parse_rfc3339(s: &str) -> Option<i64> {
    Timestamp::parse_precise(s).map(|(t, _)| t.0)
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
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
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
