//! Compact numbers: integral values travel as zigzag varints in the binary snapshot
//! (1-3 bytes for typical limits and usage instead of 8) and as JSON integers in JSON
//! (`1000`, not `1000.0`); other values as plain `f64`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest magnitude sent as an integer: every integer up to it is exact in an `f64`.
const EXACT: f64 = 9_007_199_254_740_991.0;

#[derive(Serialize, Deserialize)]
enum Wire {
    Int(i64),
    Float(f64),
}

pub(crate) fn as_int(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x.abs() <= EXACT).then_some(x as i64)
}

/// `#[serde(with = "crate::number::compact")]` for `f64` fields.
pub(crate) mod compact {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        match (s.is_human_readable(), as_int(*x)) {
            (true, Some(i)) => s.serialize_i64(i),
            (true, None) => s.serialize_f64(*x),
            (false, Some(i)) => Wire::Int(i).serialize(s),
            (false, None) => Wire::Float(*x).serialize(s),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        if d.is_human_readable() {
            f64::deserialize(d)
        } else {
            Ok(match Wire::deserialize(d)? {
                Wire::Int(i) => i as f64,
                Wire::Float(x) => x,
            })
        }
    }
}

/// `#[serde(with = "crate::number::compact_opt")]` for `Option<f64>` fields.
pub(crate) mod compact_opt {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Compact(#[serde(with = "super::compact")] f64);

    pub(crate) fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        x.map(Compact).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(Option::<Compact>::deserialize(d)?.map(|c| c.0))
    }
}

/// `#[serde(with = "crate::number::whole_u32")]`: a count such as `quantity`. JSON has one
/// number type, so `3.0` and `3e0` mean 3; `2.5`, negatives and values past `u32` are errors.
pub(crate) mod whole_u32 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(x: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(*x)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        if !d.is_human_readable() {
            return u32::deserialize(d);
        }
        let x = f64::deserialize(d)?;
        if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) {
            Ok(x as u32)
        } else {
            Err(serde::de::Error::custom(format_args!(
                "{x} is not a whole number from 0 to {}",
                u32::MAX
            )))
        }
    }
}

/// `whole_u32` for `Option<u32>` fields.
pub(crate) mod whole_u32_opt {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Whole(#[serde(with = "super::whole_u32")] u32);

    pub(crate) fn serialize<S: Serializer>(x: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        x.map(Whole).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        Ok(Option::<Whole>::deserialize(d)?.map(|w| w.0))
    }
}
