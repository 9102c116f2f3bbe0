//! [`RawEngine`]: one customer's snapshot, evaluated with one boundary crossing per check.
//!
//! A check returns a `u32` of flags and writes its numbers into a small `f64` buffer in
//! wasm memory ([`RawEngine::out_ptr`]), which `js/client.js` reads through a
//! `Float64Array` to build the result object. No string crosses on the hot path: the
//! JS side maps feature ids to indexes once per applied snapshot. The flags, slots and
//! codes are defined once, here ([`LAYOUT`]), and handed to the JS side.

use wasm_bindgen::prelude::*;

use serde::Serialize;

use crate::decide::{Check, CheckKind, Decision, DeniedReason, FeatureRef};
use crate::entitlement::ResetPeriod;
use crate::evaluator::{kind_of, Evaluator};
use crate::snapshot::{Decoder, SnapshotInfo};
use crate::time::Timestamp;
use crate::usage::{Report, UsageUpdate};

use super::error;

/// Result flags of [`RawEngine::check`]; handed to `js/client.js` in [`LAYOUT`].
pub mod flag {
    /// `hasAccess`.
    pub const HAS_ACCESS: u32 = 1;
    /// `isFallback`: the JS side answers with the caller's fallback.
    pub const IS_FALLBACK: u32 = 1 << 1;
    /// `feature` is present (the JS side holds the feature objects).
    pub const FEATURE: u32 = 1 << 2;
    /// `accessDeniedReason`: [`REASON_MASK`] bits at this shift, index into
    /// [`super::REASONS`] + 1.
    pub const REASON_SHIFT: u32 = 3;
    /// The width of the reason code (4 bits: 8 reasons and none).
    pub const REASON_MASK: u32 = 15;
    /// `isUnlimited`: 2 bits at this shift: 0 absent, 2 false, 3 true.
    pub const UNLIMITED_SHIFT: u32 = 7;
    /// `value` in slot 0.
    pub const VALUE: u32 = 1 << 9;
    /// `usageLimit` in slot 1.
    pub const USAGE_LIMIT: u32 = 1 << 10;
    /// `currentUsage` in slot 2.
    pub const CURRENT_USAGE: u32 = 1 << 11;
    /// `requestedUsage` in slot 3.
    pub const REQUESTED_USAGE: u32 = 1 << 12;
    /// `resetPeriod`: [`PERIOD_MASK`] bits at this shift, index into [`super::PERIODS`] + 1.
    pub const PERIOD_SHIFT: u32 = 13;
    /// The width of the period code (3 bits).
    pub const PERIOD_MASK: u32 = 7;
    /// `usagePeriodAnchor` in slot 4 (ms since the epoch).
    pub const ANCHOR: u32 = 1 << 16;
    /// `usagePeriodStart` in slot 5.
    pub const START: u32 = 1 << 17;
    /// `usagePeriodEnd` in slot 6.
    pub const END: u32 = 1 << 18;
    /// Credits (section 7): `creditId` (the pool's feature index in slot 11), `cost` in
    /// slot 9 and `balance` in slot 10: the metered shape of a priced feature.
    pub const CREDIT: u32 = 1 << 19;
}

/// Denied reasons by code - 1.
pub const REASONS: [DeniedReason; 8] = [
    DeniedReason::CustomerNotFound,
    DeniedReason::CustomerIsArchived,
    DeniedReason::FeatureNotFound,
    DeniedReason::NoActiveSubscription,
    DeniedReason::NoFeatureEntitlementInSubscription,
    DeniedReason::RequestedUsageExceedingLimit,
    DeniedReason::InsufficientCredits,
    DeniedReason::Unknown,
];

/// Reset periods by code - 1.
pub const PERIODS: [ResetPeriod; 5] = [
    ResetPeriod::Hour,
    ResetPeriod::Day,
    ResetPeriod::Week,
    ResetPeriod::Month,
    ResetPeriod::Year,
];

/// The feature index the JS side passes for an id it does not know.
const NO_FEATURE: u32 = u32::MAX;
const OUT_LEN: usize = 15;

/// Output slots of [`RawEngine::check`] (indexes into the `f64` buffer).
pub mod slot {
    /// A numeric `value`.
    pub const VALUE: usize = 0;
    /// `usageLimit`.
    pub const USAGE_LIMIT: usize = 1;
    /// `currentUsage`.
    pub const CURRENT_USAGE: usize = 2;
    /// `requestedUsage`.
    pub const REQUESTED_USAGE: usize = 3;
    /// `usagePeriodAnchor`, ms since the epoch.
    pub const ANCHOR: usize = 4;
    /// `usagePeriodStart`, ms since the epoch.
    pub const START: usize = 5;
    /// `usagePeriodEnd`, ms since the epoch.
    pub const END: usize = 6;
    /// From when the answer holds for the same snapshot, usage and arguments (ms; NaN when
    /// it holds for no instant, e.g. without a snapshot).
    pub const VALID_FROM: usize = 7;
    /// Until when (exclusive, ms; infinity for ever) it holds.
    pub const VALID_UNTIL: usize = 8;
    /// Credits: `cost`, in credits (the nearest double to the exact decimal).
    pub const COST: usize = 9;
    /// Credits: `balance`, in credits.
    pub const BALANCE: usize = 10;
    /// Credits: the pool's feature index (`creditId`).
    pub const POOL: usize = 11;
    /// `recordUsage` of a priced feature: credits drawn (NaN when it draws nothing).
    pub const CREDITS_DRAWN: usize = 12;
    /// `recordUsage` of a priced feature: credits the balance could not cover.
    pub const CREDITS_UNCOVERED: usize = 13;
    /// A credit check: `nextExpiry`, ms since the epoch (NaN when absent).
    pub const NEXT_EXPIRY: usize = 14;
}

/// Everything `js/client.js` needs to read a packed result, defined once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// Presence and value bits, by result field.
    pub flags: Flags,
    /// Where each number is, by result field.
    pub slots: Slots,
    /// The `kind` argument of [`RawEngine::check`].
    pub kinds: Kinds,
    /// The feature index for an id not in the snapshot.
    pub no_feature: u32,
    /// How many `f64` slots there are.
    pub out_len: usize,
    /// Reason names by code (0 = none).
    pub reasons: [&'static str; REASONS.len() + 1],
    /// Reset period names by code (0 = none).
    pub reset_periods: [&'static str; PERIODS.len() + 1],
}

/// The flag bits of [`flag`], by name.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(
    missing_docs,
    reason = "the names are the fields of a check result, see `flag`"
)]
pub struct Flags {
    pub has_access: u32,
    pub is_fallback: u32,
    pub feature: u32,
    pub reason_shift: u32,
    pub reason_mask: u32,
    pub unlimited_shift: u32,
    pub value: u32,
    pub usage_limit: u32,
    pub current_usage: u32,
    pub requested_usage: u32,
    pub period_shift: u32,
    pub period_mask: u32,
    pub anchor: u32,
    pub start: u32,
    pub end: u32,
    pub credit: u32,
}

/// The slots of [`slot`], by name.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(
    missing_docs,
    reason = "the names are the fields of a check result, see `slot`"
)]
pub struct Slots {
    pub value: usize,
    pub usage_limit: usize,
    pub current_usage: usize,
    pub requested_usage: usize,
    pub anchor: usize,
    pub start: usize,
    pub end: usize,
    pub valid_from: usize,
    pub valid_until: usize,
    pub cost: usize,
    pub balance: usize,
    pub pool: usize,
    pub credits_drawn: usize,
    pub credits_uncovered: usize,
    pub next_expiry: usize,
}

/// The check kinds by name.
#[derive(Debug, Serialize)]
#[allow(missing_docs, reason = "boolean, numeric, metered, credit")]
pub struct Kinds {
    pub boolean: u32,
    pub numeric: u32,
    pub metered: u32,
    pub credit: u32,
}

/// The layout of a packed result.
pub const LAYOUT: Layout = Layout {
    flags: Flags {
        has_access: flag::HAS_ACCESS,
        is_fallback: flag::IS_FALLBACK,
        feature: flag::FEATURE,
        reason_shift: flag::REASON_SHIFT,
        reason_mask: flag::REASON_MASK,
        unlimited_shift: flag::UNLIMITED_SHIFT,
        value: flag::VALUE,
        usage_limit: flag::USAGE_LIMIT,
        current_usage: flag::CURRENT_USAGE,
        requested_usage: flag::REQUESTED_USAGE,
        period_shift: flag::PERIOD_SHIFT,
        period_mask: flag::PERIOD_MASK,
        anchor: flag::ANCHOR,
        start: flag::START,
        end: flag::END,
        credit: flag::CREDIT,
    },
    slots: Slots {
        value: slot::VALUE,
        usage_limit: slot::USAGE_LIMIT,
        current_usage: slot::CURRENT_USAGE,
        requested_usage: slot::REQUESTED_USAGE,
        anchor: slot::ANCHOR,
        start: slot::START,
        end: slot::END,
        valid_from: slot::VALID_FROM,
        valid_until: slot::VALID_UNTIL,
        cost: slot::COST,
        balance: slot::BALANCE,
        pool: slot::POOL,
        credits_drawn: slot::CREDITS_DRAWN,
        credits_uncovered: slot::CREDITS_UNCOVERED,
        next_expiry: slot::NEXT_EXPIRY,
    },
    kinds: Kinds {
        boolean: 0,
        numeric: 1,
        metered: 2,
        credit: 3,
    },
    no_feature: NO_FEATURE,
    out_len: OUT_LEN,
    reasons: [
        "",
        "CustomerNotFound",
        "CustomerIsArchived",
        "FeatureNotFound",
        "NoActiveSubscription",
        "NoFeatureEntitlementInSubscription",
        "RequestedUsageExceedingLimit",
        "InsufficientCredits",
        "Unknown",
    ],
    reset_periods: ["", "hour", "day", "week", "month", "year"],
};

/// The snapshot in force.
#[derive(Debug)]
struct Held {
    info: SnapshotInfo,
    eval: Evaluator,
}

/// One customer's snapshot and its evaluator (internal: use `EntitlementsClient`).
#[wasm_bindgen(js_name = RawEngine, skip_typescript)]
#[derive(Debug)]
pub struct RawEngine {
    held: Option<Held>,
    /// Shares the feature table between snapshots of the same catalog.
    decoder: Decoder,
    /// Whether the last applied snapshot brought another feature table than the one
    /// before it (the JS side then rebuilds its feature objects).
    features_changed: bool,
    out: Box<[f64; OUT_LEN]>,
    /// The last allowed credit check's draws: `[grant index, credits]` pairs, the index
    /// into the pool's grants in burn order ([`RawEngine::credit_grants`]).
    draws: Vec<f64>,
}

impl Default for RawEngine {
    fn default() -> Self {
        RawEngine::new()
    }
}

#[wasm_bindgen(js_class = RawEngine)]
impl RawEngine {
    /// An engine with no snapshot.
    #[wasm_bindgen(constructor)]
    pub fn new() -> RawEngine {
        RawEngine {
            held: None,
            decoder: Decoder::new(),
            features_changed: true,
            out: Box::new([0.0; OUT_LEN]),
            draws: Vec::new(),
        }
    }

    /// Address of the `f64` output slots in wasm memory (stable for the engine's life).
    #[wasm_bindgen(js_name = outPtr)]
    pub fn out_ptr(&self) -> u32 {
        self.out.as_ptr() as usize as u32
    }

    /// Decodes and applies a binary snapshot: `true` when applied, `false` when it is
    /// older than the one held for the same customer and environment. Throws
    /// `EntitlementsError` (`invalid_snapshot`, `unsupported_snapshot_version`) and then
    /// keeps the snapshot held.
    pub fn apply(&mut self, bytes: &[u8]) -> Result<bool, JsValue> {
        let snapshot = self.decoder.decode(bytes).map_err(error::to_js)?;
        if let Some(held) = &self.held {
            let (old, new) = (&held.info, snapshot.info());
            if old.customer_id == new.customer_id
                && old.environment == new.environment
                && new.version < old.version
            {
                return Ok(false);
            }
        }
        let (info, prepared) = snapshot.into_parts();
        self.features_changed = self.held.as_ref().is_none_or(|held| {
            !std::sync::Arc::ptr_eq(held.eval.prepared().features(), prepared.features())
        });
        self.held = Some(Held {
            info,
            eval: Evaluator::new(prepared),
        });
        Ok(true)
    }

    /// Whether the last applied snapshot changed the feature table (a new catalog);
    /// `false` for the next snapshot of the same catalog, whose table is shared.
    #[wasm_bindgen(js_name = featuresChanged)]
    pub fn features_changed(&self) -> bool {
        self.features_changed
    }

    /// The snapshot's features as result `feature` objects (`{ id, type, meter?, units?,
    /// unitsPlural?, displayName? }`), by index.
    pub fn features(&self) -> JsValue {
        let features: Vec<FeatureRef<'_>> = match &self.held {
            Some(h) => h
                .eval
                .prepared()
                .features()
                .as_slice()
                .iter()
                .map(FeatureRef)
                .collect(),
            None => Vec::new(),
        };
        super::to_js(&features)
    }

    /// The held snapshot's metadata (`{ customerId, environment, version,
    /// catalogVersion, issuedAt, validUntil? }`, dates as RFC 3339 strings), or `null`.
    pub fn info(&self) -> JsValue {
        match &self.held {
            Some(h) => super::to_js(&h.info),
            None => JsValue::NULL,
        }
    }

    /// Decides a check of feature `idx` (`u32::MAX`: an id not in the snapshot), of
    /// `kind` (0 boolean, 1 numeric, 2 metered) at `now` (ms since the epoch). Returns
    /// the flags of [`flag`]; the numbers are in the output slots. Never fails: without a
    /// snapshot or with an invalid `now`, the answer is the fallback.
    pub fn check(&mut self, idx: u32, kind: u32, requested: f64, now: f64) -> u32 {
        let (Some(held), Some(now)) = (self.held.as_mut(), Timestamp::from_millis_f64(now)) else {
            self.out[slot::VALID_FROM] = f64::NAN;
            self.out[slot::VALID_UNTIL] = f64::NAN;
            return flag::IS_FALLBACK;
        };
        let kind = match kind {
            0 => CheckKind::Boolean,
            1 => CheckKind::Numeric,
            3 => CheckKind::Credit,
            _ => CheckKind::Metered,
        };
        let check = Check {
            feature_id: "",
            kind,
            requested_usage: requested,
            fallback: None,
        };
        let idx = (idx != NO_FEATURE).then_some(idx);
        let flags = pack(&held.eval.check_idx(now, idx, &check), &mut self.out);
        write_window(&mut held.eval, now, &mut self.out);
        flags
    }

    /// A credit check (section 7) of feature `idx` (`u32::MAX`: not in the snapshot) for
    /// `requested` units at `now`: the flags of [`flag`] and the numbers in the output
    /// slots as [`RawEngine::check`] gives them, plus, with [`flag::CREDIT`], the pool
    /// (slot 11), `cost`, `balance` and `nextExpiry` (slot 14), and for an allowed check
    /// its draws in [`RawEngine::credit_draws`]. The grants themselves change only with
    /// the resolution (slots 7 and 8) and the customer: the JS side asks for them with
    /// [`RawEngine::credit_grants`] when those change. Never fails.
    pub fn credit(&mut self, idx: u32, requested: f64, now: f64) -> u32 {
        self.draws.clear();
        let (Some(held), Some(now)) = (self.held.as_mut(), Timestamp::from_millis_f64(now)) else {
            self.out[slot::VALID_FROM] = f64::NAN;
            self.out[slot::VALID_UNTIL] = f64::NAN;
            return flag::IS_FALLBACK;
        };
        let check = Check {
            feature_id: "",
            kind: CheckKind::Credit,
            requested_usage: requested,
            fallback: None,
        };
        let idx = (idx != NO_FEATURE).then_some(idx);
        let d = held.eval.check_idx(now, idx, &check);
        let flags = pack(&d, &mut self.out);
        if let Some(c) = &d.credit {
            self.out[slot::NEXT_EXPIRY] = c.next_expiry.map_or(f64::NAN, |t| t.as_millis() as f64);
            if let (Some(draws), Some(grants)) = (&c.draws, &c.grants) {
                for draw in draws {
                    let at = grants.iter().position(|g| g.id == draw.grant_id);
                    self.draws.push(at.map_or(f64::NAN, |i| i as f64));
                    self.draws.push(crate::credits::amount::to_f64(draw.amount));
                }
            }
        }
        write_window(&mut held.eval, now, &mut self.out);
        flags
    }

    /// The draws of the last allowed credit check: `[grant index, credits, ...]`.
    #[wasm_bindgen(js_name = creditDraws)]
    pub fn credit_draws(&self) -> Vec<f64> {
        self.draws.clone()
    }

    /// The grants in force of the pool at feature index `pool` at `now`, in burn order
    /// (`[{ id, source, category?, priority, amount, remaining, effectiveAt, expiresAt? }]`,
    /// instants as RFC 3339 strings); an empty array without a snapshot or for a feature
    /// that is not a pool.
    #[wasm_bindgen(js_name = creditGrants)]
    pub fn credit_grants(&mut self, pool: u32, now: f64) -> JsValue {
        let (Some(held), Some(now)) = (self.held.as_mut(), Timestamp::from_millis_f64(now)) else {
            return super::to_js(&[(); 0]);
        };
        match held.eval.resolution(now).pool(pool) {
            Some(p) => super::to_js(&*p.grants),
            None => super::to_js(&[(); 0]),
        }
    }

    /// Indexes of the features the customer has an effective entitlement to at `now`,
    /// in catalog order, each followed by the check kind that matches its type.
    pub fn entitled(&mut self, now: f64) -> Vec<u32> {
        let (Some(held), Some(now)) = (self.held.as_mut(), Timestamp::from_millis_f64(now)) else {
            return Vec::new();
        };
        let features = held.eval.prepared().features().clone();
        held.eval
            .entitlements(now)
            .iter()
            .filter_map(|d| d.feature)
            .filter_map(|f| {
                let idx = features.idx(&f.0.id)?;
                Some([idx, kind_of(f.0.feature_type) as u32])
            })
            .flatten()
            .collect()
    }

    /// Adds `amount` of optimistic local usage of a metered feature at `now`, until the
    /// next applied snapshot, by the core's recording rule (SEMANTICS section 6: a delta
    /// at `now`, the counter brought into the current window first). Returns whether the
    /// usage has a period (then slots 5 and 6 hold its start and end); slot 2 holds the
    /// usage now counted. Throws `EntitlementsError` (`invalid_usage`, path `featureId`
    /// or `amount`) for a feature that is not metered, an amount that is not finite or
    /// past 2^53-1, or a counter that would pass 2^53-1. Without a snapshot, returns
    /// `false` and sets slot 2 to NaN. A feature priced in credits also draws its cost
    /// (section 7: in burn order, at most the balance): slots 12 and 13 hold the credits
    /// drawn and uncovered, NaN for any other feature.
    #[wasm_bindgen(js_name = recordUsage)]
    pub fn record_usage(
        &mut self,
        feature_id: &str,
        amount: f64,
        now: f64,
    ) -> Result<bool, JsValue> {
        let Some(held) = self.held.as_mut() else {
            self.out[slot::CURRENT_USAGE] = f64::NAN;
            return Ok(false);
        };
        let now = Timestamp::from_millis_f64(now).ok_or_else(|| {
            error::to_js(crate::Error::new(
                crate::ErrorCode::InvalidArgument,
                "now",
                "`now` is not a valid date",
            ))
        })?;
        let as_amount = |mut e: crate::Error| {
            for v in &mut e.violations {
                if v.path == "value" {
                    v.path = "amount".into();
                }
            }
            error::to_js(e)
        };
        let features = held.eval.prepared().features();
        let report = Report::checked(
            features,
            feature_id,
            amount,
            UsageUpdate::Delta,
            None,
            now,
            "",
        )
        .map_err(as_amount)?;
        let prepared = held.eval.prepared_mut();
        let at_now = prepared.resolve(now);
        let answer = prepared
            .apply_report(&at_now, &report, now, "")
            .map_err(as_amount)?;
        // Section 7: a priced feature draws its cost locally, at most the balance.
        let drawn = prepared
            .features()
            .idx(feature_id)
            .and_then(|i| prepared.draw_for_usage(i, UsageUpdate::Delta, amount, now));
        let (d, u) = drawn.map_or((f64::NAN, f64::NAN), |d| {
            (
                crate::credits::amount::to_f64(d.drawn),
                crate::credits::amount::to_f64(d.uncovered),
            )
        });
        self.out[slot::CREDITS_DRAWN] = d;
        self.out[slot::CREDITS_UNCOVERED] = u;
        self.out[slot::CURRENT_USAGE] = answer.current_usage;
        if let (Some(start), Some(end)) = (answer.usage_period_start, answer.usage_period_end) {
            self.out[slot::START] = start.as_millis() as f64;
            self.out[slot::END] = end.as_millis() as f64;
        }
        Ok(answer.usage_period_start.is_some())
    }
}

/// Packs a decision into flags and output slots. The reason and period codes are the
/// enums' positions (+ 1), which are those of [`REASONS`] and [`PERIODS`] (tested); a
/// credit answer's pool, cost and balance go to slots 9-11.
#[inline]
fn pack(d: &Decision<'_>, out: &mut [f64; OUT_LEN]) -> u32 {
    let mut f = u32::from(d.has_access)
        | u32::from(d.is_fallback) << 1
        | u32::from(d.feature.is_some()) << 2;
    if let Some(r) = d.access_denied_reason {
        f |= (r as u32 + 1) << flag::REASON_SHIFT;
    }
    if let Some(u) = d.is_unlimited {
        f |= (2 | u32::from(u)) << flag::UNLIMITED_SHIFT;
    }
    if let Some(v) = d.value {
        f |= flag::VALUE;
        out[slot::VALUE] = v;
    }
    if let Some(v) = d.usage_limit {
        f |= flag::USAGE_LIMIT;
        out[slot::USAGE_LIMIT] = v;
    }
    if let Some(v) = d.current_usage {
        f |= flag::CURRENT_USAGE;
        out[slot::CURRENT_USAGE] = v;
    }
    if let Some(v) = d.requested_usage {
        f |= flag::REQUESTED_USAGE;
        out[slot::REQUESTED_USAGE] = v;
    }
    if let Some(t) = d.usage_period_anchor {
        f |= flag::ANCHOR;
        out[slot::ANCHOR] = t.as_millis() as f64;
    }
    if let Some(t) = d.usage_period_start {
        f |= flag::START;
        out[slot::START] = t.as_millis() as f64;
    }
    if let Some(t) = d.usage_period_end {
        f |= flag::END;
        out[slot::END] = t.as_millis() as f64;
    }
    if let Some(p) = d.reset_period {
        f |= (p as u32 + 1) << flag::PERIOD_SHIFT;
    }
    if let Some(c) = &d.credit {
        f |= flag::CREDIT;
        out[slot::COST] = crate::credits::amount::to_f64(c.cost);
        out[slot::BALANCE] = crate::credits::amount::to_f64(c.balance);
        out[slot::POOL] = f64::from(c.pool);
    }
    f
}

/// Writes the window in which the answer just packed holds (slots 7 and 8). The answer is
/// a function of the snapshot, the usage and the arguments while the resolution in force
/// holds: the JS side may reuse it until then (memoization, no rule of its own).
#[inline]
fn write_window(eval: &mut Evaluator, now: Timestamp, out: &mut [f64; OUT_LEN]) {
    let r = eval.resolution(now);
    out[slot::VALID_FROM] = r.valid_from().as_millis() as f64;
    out[slot::VALID_UNTIL] = r
        .valid_until()
        .map_or(f64::INFINITY, |t| t.as_millis() as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_enum_positions() {
        for (i, r) in REASONS.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
        for (i, p) in PERIODS.iter().enumerate() {
            assert_eq!(*p as usize, i);
        }
    }

    #[test]
    fn the_layout_names_the_codes_as_the_core_does() {
        for (i, r) in REASONS.iter().enumerate() {
            assert_eq!(LAYOUT.reasons[i + 1], r.as_str());
        }
        for (i, p) in PERIODS.iter().enumerate() {
            assert_eq!(LAYOUT.reset_periods[i + 1], p.as_str());
        }
        assert_eq!(LAYOUT.out_len, OUT_LEN);
        // Every presence flag is one bit, none shared, none inside the packed codes.
        let f = &LAYOUT.flags;
        let bits = [
            f.has_access,
            f.is_fallback,
            f.feature,
            f.value,
            f.usage_limit,
            f.current_usage,
            f.requested_usage,
            f.anchor,
            f.start,
            f.end,
            f.credit,
        ];
        assert!(REASONS.len() < f.reason_mask as usize + 1);
        assert!(PERIODS.len() < f.period_mask as usize + 1);
        let codes = (f.reason_mask << f.reason_shift)
            | (3 << f.unlimited_shift)
            | (f.period_mask << f.period_shift);
        let mut seen = 0;
        for b in bits {
            assert_eq!(b.count_ones(), 1);
            assert_eq!(seen & b, 0);
            assert_eq!(codes & b, 0);
            seen |= b;
        }
    }
}
