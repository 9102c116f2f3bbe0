//! The binary snapshot payload, written and read by hand (no serde in the WebAssembly
//! build). The layout is postcard's for the [`super::Content`] fields, so format
//! version 1 is unchanged:
//!
//! - unsigned integers (`u32`, `u64`, lengths, enum variants): LEB128 varints, 7 bits a
//!   byte, least significant first (at most 5 bytes for `u32`, 10 for `u64`);
//! - `i64` (instants in ms since the epoch): zigzag, then a varint;
//! - `bool`: one byte, 0 or 1; `Option`: a byte 0 (none) or 1 followed by the value;
//! - strings: varint byte length, then UTF-8; lists and maps: varint count, then items
//!   (a map's as key, value);
//! - enums: the variant's position in declaration order, as a varint;
//! - numbers (limits, values, usage): variant 0 and a zigzag `i64` when whole and
//!   exact, else variant 1 and the `f64` as 8 bytes little-endian;
//! - structs: their fields in declaration order, nothing around them.
//!
//! Content: info (customerId, environment, version, catalogVersion, issuedAt,
//! validUntil?), features (id, type, meter?, displayName?, description?, units?,
//! unitsPlural?, metadata?), plans and addons (id, productId?, displayName?,
//! parentPlanId?), granted (per subscription: featureIdx, limit?, softLimit,
//! resetPeriod?, resetAnchor?), customer (id, archived, subscriptions (id, planId,
//! status, startDate, endDate?, trialEndDate?, cancellationDate?, addons (addonId,
//! quantity)), promotionalEntitlements (featureId, value?, usageLimit?, isUnlimited?,
//! isSoftLimit?, resetPeriod?, resetAnchor?, behavior?, startDate?, expiresAt?), usage
//! (featureId, currentUsage, periodStart?)).
//!
//! Reading is total: every length is checked against the bytes left before anything is
//! allocated for it, every tag and variant against its range, and nothing may follow
//! the content.

use super::{Borrowed, Content, Owned, PackageSummary, SnapshotInfo, WireTerms};
use crate::catalog::Feature;
use crate::customer::{CustomerState, Promotion, Subscription, SubscriptionAddon, Usage};
use crate::features::FeatureIdx;
use crate::json::input::{
    BEHAVIORS, FEATURE_TYPES, METERS, RESET_ANCHORS, RESET_PERIODS, STATUSES,
};
use crate::metadata::Metadata;
use crate::number::as_int;
use crate::time::Timestamp;

/// Appends the payload of `c` to `out`.
pub(super) fn encode(c: &Borrowed<'_, FeatureIdx>, out: &mut Vec<u8>) {
    let w = &mut Writer(out);
    let i = c.info;
    w.str(&i.customer_id);
    w.str(&i.environment);
    w.varint(i.version);
    w.varint(i.catalog_version);
    w.time(i.issued_at);
    w.opt(i.valid_until, Writer::time);
    w.list(c.features, |w, f| {
        w.str(&f.id);
        w.varint(f.feature_type as u64);
        w.opt(f.meter, |w, m| w.varint(m as u64));
        w.opt_str(&f.display_name);
        w.opt_str(&f.description);
        w.opt_str(&f.units);
        w.opt_str(&f.units_plural);
        w.opt(f.metadata.as_ref(), |w, m| {
            w.varint(m.len() as u64);
            for (k, v) in m.iter() {
                w.str(k);
                w.str(v);
            }
        });
    });
    for packages in [c.plans, c.addons] {
        w.list(packages, |w, p| {
            w.str(&p.id);
            w.opt_str(&p.product_id);
            w.opt_str(&p.display_name);
            w.opt_str(&p.parent_plan_id);
        });
    }
    w.list(&c.granted, |w, terms| {
        w.list(terms, |w, t| {
            w.varint(t.feature_id.into());
            w.opt(t.limit, Writer::number);
            w.bool(t.soft_limit);
            w.opt(t.reset_period, |w, p| w.varint(p as u64));
            w.opt(t.reset_anchor, |w, a| w.varint(a as u64));
        });
    });
    let s = c.customer;
    w.str(&s.id);
    w.bool(s.archived);
    w.list(&s.subscriptions, |w, sub| {
        w.str(&sub.id);
        w.str(&sub.plan_id);
        w.varint(sub.status as u64);
        w.time(sub.start_date);
        w.opt(sub.end_date, Writer::time);
        w.opt(sub.trial_end_date, Writer::time);
        w.opt(sub.cancellation_date, Writer::time);
        w.list(&sub.addons, |w, a| {
            w.str(&a.addon_id);
            w.varint(a.quantity.into());
        });
    });
    w.list(&s.promotional_entitlements, |w, p| {
        w.str(&p.feature_id);
        w.opt(p.value, Writer::number);
        w.opt(p.usage_limit, Writer::number);
        w.opt(p.is_unlimited, Writer::bool);
        w.opt(p.is_soft_limit, Writer::bool);
        w.opt(p.reset_period, |w, x| w.varint(x as u64));
        w.opt(p.reset_anchor, |w, x| w.varint(x as u64));
        w.opt(p.behavior, |w, x| w.varint(x as u64));
        w.opt(p.start_date, Writer::time);
        w.opt(p.expires_at, Writer::time);
    });
    w.list(&s.usage, |w, u| {
        w.str(&u.feature_id);
        w.number(u.current_usage);
        w.opt(u.period_start, Writer::time);
    });
}

/// The features section of a payload as read by [`decode`].
pub(super) enum FeaturesRead {
    /// Decoded from `bytes[range]`.
    Decoded(Vec<Feature>, std::ops::Range<usize>),
    /// Byte-identical to the `known` section passed in, so not read again.
    Known,
}

/// Reads a whole payload; an error says what did not decode. When the features
/// section starts with exactly the bytes `known` (the whole features section of a
/// payload decoded before), it is skipped: decoding is deterministic and reads a
/// section to its end without looking past it, so the same bytes would decode to the
/// same features and stop at the same place (every length it accepts there fits in
/// the section itself).
pub(super) fn decode(
    bytes: &[u8],
    known: Option<&[u8]>,
) -> Result<Owned<FeatureIdx, FeaturesRead>, &'static str> {
    let r = &mut Reader { bytes, pos: 0 };
    let info = SnapshotInfo {
        customer_id: r.str()?,
        environment: r.str()?,
        version: r.varint(u64::MAX)?,
        catalog_version: r.varint(u64::MAX)?,
        issued_at: r.time()?,
        valid_until: r.opt(Reader::time)?,
    };
    let start = r.pos;
    let same = known.and_then(|k| {
        let end = start.checked_add(k.len())?;
        (bytes.get(start..end)? == k).then_some(end)
    });
    let features = if let Some(end) = same {
        r.pos = end;
        FeaturesRead::Known
    } else {
        let features = r.list(feature)?;
        FeaturesRead::Decoded(features, start..r.pos)
    };
    let package = |r: &mut Reader<'_>| {
        Ok(PackageSummary {
            id: r.str()?,
            product_id: r.opt(Reader::str)?,
            display_name: r.opt(Reader::str)?,
            parent_plan_id: r.opt(Reader::str)?,
        })
    };
    let plans = r.list(package)?;
    let addons = r.list(package)?;
    let granted = r.list(|r| {
        r.list(|r| {
            Ok(WireTerms {
                feature_id: r.u32()?,
                limit: r.opt(Reader::number)?,
                soft_limit: r.bool()?,
                reset_period: r.opt(|r| r.variant(&RESET_PERIODS))?,
                reset_anchor: r.opt(|r| r.variant(&RESET_ANCHORS))?,
            })
        })
    })?;
    let customer = CustomerState {
        id: r.str()?,
        archived: r.bool()?,
        subscriptions: r.list(|r| {
            Ok(Subscription {
                id: r.str()?,
                plan_id: r.str()?,
                status: r.variant(&STATUSES)?,
                start_date: r.time()?,
                end_date: r.opt(Reader::time)?,
                trial_end_date: r.opt(Reader::time)?,
                cancellation_date: r.opt(Reader::time)?,
                addons: r.list(|r| {
                    Ok(SubscriptionAddon {
                        addon_id: r.str()?,
                        quantity: r.u32()?,
                    })
                })?,
            })
        })?,
        promotional_entitlements: r.list(|r| {
            Ok(Promotion {
                feature_id: r.str()?,
                value: r.opt(Reader::number)?,
                usage_limit: r.opt(Reader::number)?,
                is_unlimited: r.opt(Reader::bool)?,
                is_soft_limit: r.opt(Reader::bool)?,
                reset_period: r.opt(|r| r.variant(&RESET_PERIODS))?,
                reset_anchor: r.opt(|r| r.variant(&RESET_ANCHORS))?,
                behavior: r.opt(|r| r.variant(&BEHAVIORS))?,
                start_date: r.opt(Reader::time)?,
                expires_at: r.opt(Reader::time)?,
            })
        })?,
        usage: r.list(|r| {
            Ok(Usage {
                feature_id: r.str()?,
                current_usage: r.number()?,
                period_start: r.opt(Reader::time)?,
            })
        })?,
    };
    if r.pos != bytes.len() {
        return Err("trailing bytes");
    }
    Ok(Content {
        info,
        features,
        plans,
        addons,
        granted,
        customer,
    })
}

/// One feature.
fn feature(r: &mut Reader<'_>) -> Step<Feature> {
    Ok(Feature {
        id: r.str()?,
        feature_type: r.variant(&FEATURE_TYPES)?,
        meter: r.opt(|r| r.variant(&METERS))?,
        display_name: r.opt(Reader::str)?,
        description: r.opt(Reader::str)?,
        units: r.opt(Reader::str)?,
        units_plural: r.opt(Reader::str)?,
        metadata: r.opt(|r| {
            let n = r.len()?;
            let mut m = Metadata::new();
            for _ in 0..n {
                let k = r.str()?;
                m.insert(k, r.str()?);
            }
            Ok(m)
        })?,
    })
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn i64(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn time(&mut self, t: Timestamp) {
        self.i64(t.as_millis());
    }

    fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }

    fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt<T>(&mut self, x: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match x {
            None => self.0.push(0),
            Some(x) => {
                self.0.push(1);
                write(self, x);
            }
        }
    }

    fn opt_str(&mut self, s: &Option<String>) {
        self.opt(s.as_deref(), Writer::str);
    }

    fn list<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        self.varint(items.len() as u64);
        for x in items {
            write(self, x);
        }
    }

    fn number(&mut self, x: f64) {
        match as_int(x) {
            Some(i) => {
                self.0.push(0);
                self.i64(i);
            }
            None => {
                self.0.push(1);
                self.0.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
}

type Step<T> = Result<T, &'static str>;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Step<&[u8]> {
        let end = self.pos.checked_add(n).ok_or("truncated")?;
        let s = self.bytes.get(self.pos..end).ok_or("truncated")?;
        self.pos = end;
        Ok(s)
    }

    fn byte(&mut self) -> Step<u8> {
        let b = *self.bytes.get(self.pos).ok_or("truncated")?;
        self.pos += 1;
        Ok(b)
    }

    /// A varint of at most `max`.
    fn varint(&mut self, max: u64) -> Step<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err("integer out of range");
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return if n <= max {
                    Ok(n)
                } else {
                    Err("integer out of range")
                };
            }
        }
        Err("integer out of range")
    }

    fn u32(&mut self) -> Step<u32> {
        self.varint(u32::MAX.into()).map(|n| n as u32)
    }

    fn i64(&mut self) -> Step<i64> {
        let n = self.varint(u64::MAX)?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    fn time(&mut self) -> Step<Timestamp> {
        Timestamp::from_millis(self.i64()?).ok_or("instant out of range")
    }

    fn bool(&mut self) -> Step<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err("invalid boolean"),
        }
    }

    /// A count of items, each at least one byte: more than the bytes left is corrupt, so
    /// no allocation is ever larger than the input.
    fn len(&mut self) -> Step<usize> {
        let n = self.varint(u64::MAX)?;
        let left = self.bytes.len().saturating_sub(self.pos);
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= left)
            .ok_or("length past the end")
    }

    fn str(&mut self) -> Step<String> {
        let n = self.len()?;
        let s = self.take(n)?;
        std::str::from_utf8(s)
            .map(str::to_string)
            .map_err(|_| "invalid UTF-8 in a string")
    }

    fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Step<T>) -> Step<Option<T>> {
        match self.byte()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err("invalid option tag"),
        }
    }

    fn list<T>(&mut self, mut read: impl FnMut(&mut Self) -> Step<T>) -> Step<Vec<T>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(read(self)?);
        }
        Ok(out)
    }

    fn variant<T: Copy>(&mut self, table: &[(&str, T)]) -> Step<T> {
        let i = self.varint(u32::MAX.into())?;
        usize::try_from(i)
            .ok()
            .and_then(|i| table.get(i))
            .map(|&(_, t)| t)
            .ok_or("unknown enum variant")
    }

    fn number(&mut self) -> Step<f64> {
        match self.varint(u32::MAX.into())? {
            0 => Ok(self.i64()? as f64),
            1 => match self.take(8)?.first_chunk::<8>() {
                Some(b) => Ok(f64::from_le_bytes(*b)),
                None => Err("truncated"),
            },
            _ => Err("invalid number tag"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_tables_are_in_declaration_order() {
        assert!(FEATURE_TYPES
            .iter()
            .enumerate()
            .all(|(i, (_, t))| *t as usize == i));
        assert!(METERS
            .iter()
            .enumerate()
            .all(|(i, (_, t))| *t as usize == i));
        assert!(RESET_PERIODS
            .iter()
            .enumerate()
            .all(|(i, (_, t))| *t as usize == i));
        assert!(RESET_ANCHORS
            .iter()
            .enumerate()
            .all(|(i, (_, t))| *t as usize == i));
        assert!(BEHAVIORS
            .iter()
            .enumerate()
            .all(|(i, (_, t))| *t as usize == i));
        assert!(STATUSES
            .iter()
            .enumerate()
            .all(|(i, (_, t))| *t as usize == i));
    }

    #[test]
    fn varints_and_zigzag() {
        let mut out = Vec::new();
        let w = &mut Writer(&mut out);
        w.varint(300);
        w.i64(-3);
        w.varint(u64::MAX);
        assert_eq!(out[..3], [0xac, 0x02, 5]);
        let r = &mut Reader {
            bytes: &out,
            pos: 0,
        };
        assert_eq!(r.varint(u64::MAX), Ok(300));
        assert_eq!(r.i64(), Ok(-3));
        assert_eq!(r.varint(u64::MAX), Ok(u64::MAX));
        let r = &mut Reader {
            bytes: &[0xff; 11],
            pos: 0,
        };
        assert!(r.varint(u64::MAX).is_err());
        let r = &mut Reader {
            bytes: &[0x80, 0x80, 0x80, 0x80, 0x10],
            pos: 0,
        };
        assert!(r.u32().is_err());
        let r = &mut Reader {
            bytes: &[0xff, 0xff, 0xff, 0xff, 0x7f],
            pos: 0,
        };
        assert!(r.len().is_err());
    }
}
