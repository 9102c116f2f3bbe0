//! Credit quantities (SEMANTICS section 7, Quantities): exact decimals of at most 6
//! decimals, `rust_decimal`, never binary floating point. A JSON number means the decimal
//! it is written as: it is read as a double and taken at its shortest round-trip form,
//! which is what a JS number prints as (`0.1` is 0.1, `1.50000000` is 1.5).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Credits, and costs per unit: an exact decimal.
pub type Credits = Decimal;

/// The most decimals a credit quantity may have once trailing zeros are dropped.
pub const MAX_DECIMALS: u32 = 6;

/// Whether `d` has at most [`MAX_DECIMALS`] decimals (trailing zeros dropped).
pub fn fits_scale(d: Credits) -> bool {
    d.normalize().scale() <= MAX_DECIMALS
}

/// `d` rounded up to a whole millionth (a cost: `3 x 0.1` is exactly 0.3 already).
pub fn ceil_millionth(d: Credits) -> Credits {
    d.round_dp_with_strategy(MAX_DECIMALS, RoundingStrategy::AwayFromZero)
        .normalize()
}

/// The decimal a double prints as (its shortest round-trip form), `None` when not
/// finite or out of the decimal's range.
pub fn from_f64(x: f64) -> Option<Credits> {
    if !x.is_finite() {
        return None;
    }
    // Whole numbers (the usual request) without formatting: exact below 2^53.
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        return Some(Decimal::from(x as i64));
    }
    // Rust prints doubles in their shortest round-trip form, without an exponent.
    let text = format!("{x}");
    text.parse::<Decimal>().ok().map(|d| d.normalize())
}

/// The double nearest to `d`, for JSON numbers and JS values.
pub fn to_f64(d: Credits) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(f64::NAN)
}

/// `#[serde(with = "crate::credits::amount::json")]` for `Credits` fields: a JSON number
/// in human-readable formats, the decimal's 16 bytes in binary ones (the snapshot).
pub mod json {
    use super::*;

    /// Writes a credit quantity.
    pub fn serialize<S: Serializer>(d: &Credits, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            let x = to_f64(*d);
            if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_991.0 {
                s.serialize_i64(x as i64)
            } else {
                s.serialize_f64(x)
            }
        } else {
            d.serialize().serialize(s)
        }
    }

    /// Reads a credit quantity.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Credits, D::Error> {
        if d.is_human_readable() {
            let x = f64::deserialize(d)?;
            from_f64(x)
                .ok_or_else(|| D::Error::custom(format_args!("{x} is not a credit quantity")))
        } else {
            let bytes = <[u8; 16]>::deserialize(d)?;
            Ok(Decimal::deserialize(bytes))
        }
    }
}

/// [`json`] for `Option<Credits>` fields.
pub mod json_opt {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Wrapped(#[serde(with = "super::json")] Credits);

    /// Writes an optional credit quantity.
    pub fn serialize<S: Serializer>(d: &Option<Credits>, s: S) -> Result<S::Ok, S::Error> {
        d.map(Wrapped).serialize(s)
    }

    /// Reads an optional credit quantity.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Credits>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Credits {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn numbers_are_the_decimals_they_print_as() {
        assert_eq!(from_f64(0.1), Some(dec("0.1")));
        assert_eq!(from_f64(1.5), Some(dec("1.5")));
        assert_eq!(from_f64(1e-7), Some(dec("0.0000001")));
        assert!(!fits_scale(from_f64(1e-7).unwrap()));
        assert!(fits_scale(dec("1.500000000")));
        assert_eq!(from_f64(f64::NAN), None);
        assert_eq!(from_f64(1e300), None, "past the decimal's range");
        // 3 units at 0.1 cost exactly 0.3.
        assert_eq!(dec("0.1") * Decimal::from(3), dec("0.3"));
        assert_eq!(ceil_millionth(dec("0.0000001")), dec("0.000001"));
        assert_eq!(ceil_millionth(dec("2.5")), dec("2.5"));
    }

    #[test]
    fn json_is_a_number_and_binary_the_exact_decimal() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct T(#[serde(with = "json")] Credits);
        assert_eq!(serde_json::to_string(&T(dec("0.3"))).unwrap(), "0.3");
        assert_eq!(serde_json::to_string(&T(dec("100.000"))).unwrap(), "100");
        assert_eq!(serde_json::from_str::<T>("0.30").unwrap(), T(dec("0.3")));
        let bytes = postcard::to_allocvec(&T(dec("123.456789"))).unwrap();
        assert_eq!(
            postcard::from_bytes::<T>(&bytes).unwrap(),
            T(dec("123.456789"))
        );
    }
}
