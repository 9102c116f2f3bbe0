//! Property tests of the core: usage periods (SEMANTICS section 4), snapshots (API
//! section 1) and the determinism of resolution.
//!
//! Expected period boundaries are computed here independently of `src/period.rs`: from
//! civil dates formatted as RFC 3339 strings and parsed, so that the only code shared
//! with the implementation is [`Timestamp::parse`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use edge_entitlements::entitlement::{Reset, ResetAnchor, ResetPeriod};
use edge_entitlements::period::window;
use edge_entitlements::{
    BuildOptions, Check, CheckKind, CustomerState, Decoder, Evaluator, Prepared, Snapshot,
    Timestamp, ValidCatalog,
};
use proptest::prelude::*;
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

// ------------------------------------------------------------------ civil helpers

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// A civil date-time in UTC; `ms` is the time of day in milliseconds.
#[derive(Clone, Copy, Debug)]
struct Civil {
    y: i64,
    m: i64,
    d: i64,
    ms: i64,
}

impl Civil {
    fn ts(self) -> Timestamp {
        let s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.y,
            self.m,
            self.d,
            self.ms / HOUR,
            self.ms / 60_000 % 60,
            self.ms / 1000 % 60,
            self.ms % 1000
        );
        Timestamp::parse(&s).unwrap_or_else(|| panic!("bad civil date {s}"))
    }

    /// The anchor plus `k` months: same day (clamped to the month's last day), same time.
    fn plus_months(self, k: i64) -> Civil {
        let total = self.y * 12 + (self.m - 1) + k;
        let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        Civil {
            y,
            m,
            d: self.d.min(days_in_month(y, m)),
            ms: self.ms,
        }
    }
}

/// Anchors biased towards month ends and leap days.
fn civil_strategy() -> impl Strategy<Value = Civil> {
    (
        1970i64..2300,
        1i64..=12,
        prop_oneof![1i64..=31, 28i64..=31],
        prop_oneof![Just(0i64), 0..DAY],
        any::<bool>(),
    )
        .prop_map(|(y, m, d, ms, leap_day)| {
            if leap_day && d == 29 && m == 2 {
                // Force a leap day: the nearest leap year at or after y.
                let y = (y..).find(|&y| is_leap(y)).unwrap_or(2024);
                return Civil { y, m: 2, d: 29, ms };
            }
            Civil {
                y,
                m,
                d: d.min(days_in_month(y, m)),
                ms,
            }
        })
}

fn period_strategy() -> impl Strategy<Value = ResetPeriod> {
    prop_oneof![
        Just(ResetPeriod::Hour),
        Just(ResetPeriod::Day),
        Just(ResetPeriod::Week),
        Just(ResetPeriod::Month),
        Just(ResetPeriod::Year),
    ]
}

const WEEKDAYS: [ResetAnchor; 7] = [
    ResetAnchor::Monday,
    ResetAnchor::Tuesday,
    ResetAnchor::Wednesday,
    ResetAnchor::Thursday,
    ResetAnchor::Friday,
    ResetAnchor::Saturday,
    ResetAnchor::Sunday,
];

/// Every valid (period, anchor) pair: weekday anchors only with weeks.
fn reset_strategy() -> impl Strategy<Value = Reset> {
    (period_strategy(), 0usize..9).prop_map(|(period, a)| {
        let anchor = match a {
            0 | 1 => ResetAnchor::SubscriptionStart,
            2 => ResetAnchor::Calendar,
            i => WEEKDAYS[i - 2],
        };
        let anchor = if anchor.weekday_like() && period != ResetPeriod::Week {
            ResetAnchor::Calendar
        } else {
            anchor
        };
        Reset { period, anchor }
    })
}

trait WeekdayLike {
    fn weekday_like(self) -> bool;
}

impl WeekdayLike for ResetAnchor {
    fn weekday_like(self) -> bool {
        WEEKDAYS.contains(&self)
    }
}

fn ms(t: Timestamp) -> i64 {
    t.as_millis()
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms).unwrap()
}

/// Days since the epoch of an instant, and its weekday (Monday = 0).
fn weekday(t: Timestamp) -> i64 {
    (ms(t).div_euclid(DAY) + 3).rem_euclid(7)
}

// ------------------------------------------------------------------ periods

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The window always contains `now`, is non-empty, and has the period's length
    /// (fixed periods) or starts where the anchor says (calendar and weekday anchors).
    #[test]
    fn window_contains_now(reset in reset_strategy(), anchor in civil_strategy(),
                           offset in 0i64..(150 * 365 * DAY)) {
        let a = anchor.ts();
        let now = at((ms(a) + offset).min(ms(Timestamp::MAX) - 400 * DAY));
        let w = window(reset, a, now);
        prop_assert!(w.start <= now && now < w.end, "{reset:?} from {a}: {now} not in [{}, {})", w.start, w.end);
        prop_assert!(w.contains(now));
        let len = ms(w.end) - ms(w.start);
        match reset.period {
            ResetPeriod::Hour => prop_assert_eq!(len, HOUR),
            ResetPeriod::Day => prop_assert_eq!(len, DAY),
            ResetPeriod::Week => prop_assert_eq!(len, WEEK),
            ResetPeriod::Month => prop_assert!((28 * DAY..=31 * DAY).contains(&len)),
            ResetPeriod::Year => prop_assert!((365 * DAY..=366 * DAY).contains(&len)),
        }
        match reset.anchor {
            ResetAnchor::SubscriptionStart => {
                // Start >= anchor (now >= anchor here) and a whole number of fixed periods away.
                prop_assert!(w.start >= a);
                let step = match reset.period {
                    ResetPeriod::Hour => Some(HOUR),
                    ResetPeriod::Day => Some(DAY),
                    ResetPeriod::Week => Some(WEEK),
                    _ => None,
                };
                if let Some(step) = step {
                    prop_assert_eq!((ms(w.start) - ms(a)) % step, 0);
                }
            }
            ResetAnchor::Calendar => {
                let s = w.start.to_string();
                match reset.period {
                    ResetPeriod::Hour => prop_assert_eq!(ms(w.start).rem_euclid(HOUR), 0),
                    ResetPeriod::Day => prop_assert_eq!(ms(w.start).rem_euclid(DAY), 0),
                    ResetPeriod::Week => {
                        prop_assert_eq!(ms(w.start).rem_euclid(DAY), 0);
                        prop_assert_eq!(weekday(w.start), 0, "ISO weeks start on Monday: {}", s);
                    }
                    ResetPeriod::Month => {
                        prop_assert!(s.ends_with("-01T00:00:00Z"), "{}", s);
                        prop_assert_eq!(&s[..7], &now.to_string()[..7]);
                    }
                    ResetPeriod::Year => {
                        prop_assert!(s.ends_with("-01-01T00:00:00Z"), "{}", s);
                        prop_assert_eq!(&s[..4], &now.to_string()[..4]);
                    }
                }
            }
            day => {
                let i = WEEKDAYS.iter().position(|&d| d == day).unwrap() as i64;
                prop_assert_eq!(ms(w.start).rem_euclid(DAY), 0);
                prop_assert_eq!(weekday(w.start), i, "{:?} weeks start on that day: {}", day, w.start);
            }
        }
    }

    /// Consecutive windows tile time: the end of one is the start of the next, and the
    /// instant before a start belongs to the previous window, which ends there.
    #[test]
    fn windows_tile_time(reset in reset_strategy(), anchor in civil_strategy(),
                         offset in 0i64..(100 * 365 * DAY)) {
        let a = anchor.ts();
        let now = at(ms(a) + offset);
        let w = window(reset, a, now);
        let next = window(reset, a, w.end);
        prop_assert_eq!(next.start, w.end, "{:?} from {}: gap or overlap after {}", reset, a, w.end);
        let last_ms = window(reset, a, at(ms(w.end) - 1));
        prop_assert_eq!(last_ms, w);
        if w.start > a || reset.anchor != ResetAnchor::SubscriptionStart {
            let prev = window(reset, a, at(ms(w.start) - 1));
            prop_assert_eq!(prev.end, w.start, "{:?} from {}: gap or overlap before {}", reset, a, w.start);
        }
        // Walk a few periods forward: each starts where the previous ended.
        let mut cur = w;
        for _ in 0..5 {
            let n = window(reset, a, cur.end);
            prop_assert_eq!(n.start, cur.end);
            prop_assert!(n.end > n.start);
            cur = n;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Monthly and yearly `subscriptionStart` periods never drift: the n-th start is the
    /// anchor plus n months (or years) computed directly, clamped, for 1,000 periods.
    #[test]
    fn months_and_years_never_drift(anchor in civil_strategy(), yearly in any::<bool>(),
                                    probe in 0i64..DAY) {
        let (period, step) = if yearly { (ResetPeriod::Year, 12) } else { (ResetPeriod::Month, 1) };
        // Keep 1,000 years inside 9999.
        let anchor = if yearly { Civil { y: anchor.y.min(8000), ..anchor } } else { anchor };
        let anchor = Civil { d: anchor.d.min(days_in_month(anchor.y, anchor.m)), ..anchor };
        let a = anchor.ts();
        let reset = Reset { period, anchor: ResetAnchor::SubscriptionStart };
        let mut start = a;
        for n in 0..1000i64 {
            let expected_end = anchor.plus_months((n + 1) * step).ts();
            // At the start of period n, and at some instant inside it.
            let w = window(reset, a, start);
            prop_assert_eq!(w.start, start, "period {} of {:?} from {}", n, period, a);
            prop_assert_eq!(w.end, expected_end, "period {} of {:?} from {}", n, period, a);
            let inside = at(ms(start) + probe.min(ms(expected_end) - ms(start) - 1));
            prop_assert_eq!(window(reset, a, inside), w);
            start = expected_end;
        }
    }
}

#[test]
fn month_ends_and_leap_days_examples() {
    // The spec's own examples.
    let m = Reset {
        period: ResetPeriod::Month,
        anchor: ResetAnchor::SubscriptionStart,
    };
    let a = Timestamp::parse("2026-01-31T10:00:00Z").unwrap();
    let starts: Vec<String> = (0..4)
        .scan(a, |t, _| {
            let w = window(m, a, *t);
            *t = w.end;
            Some(w.end.to_string())
        })
        .collect();
    assert_eq!(
        starts,
        [
            "2026-02-28T10:00:00Z",
            "2026-03-31T10:00:00Z",
            "2026-04-30T10:00:00Z",
            "2026-05-31T10:00:00Z"
        ]
    );
    let y = Reset {
        period: ResetPeriod::Year,
        anchor: ResetAnchor::SubscriptionStart,
    };
    let a = Timestamp::parse("2024-02-29T00:00:00Z").unwrap();
    let at_ = |s: &str| window(y, a, Timestamp::parse(s).unwrap()).start.to_string();
    assert_eq!(at_("2025-06-01T00:00:00Z"), "2025-02-28T00:00:00Z");
    assert_eq!(at_("2028-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");
}

// ------------------------------------------------------------------ customers

const CATALOG: &str = r#"{
  "features": [
    {"id": "sso", "type": "boolean", "displayName": "Single sign-on"},
    {"id": "retention-days", "type": "numeric", "units": "day"},
    {"id": "api-calls", "type": "metered", "meter": "incremental", "units": "call"},
    {"id": "seats", "type": "metered", "meter": "fluctuating"},
    {"id": "exports", "type": "metered", "meter": "incremental"},
    {"id": "tokens", "type": "metered", "meter": "incremental"},
    {"id": "weekly", "type": "metered", "meter": "incremental"},
    {"id": "audit-log", "type": "boolean"}
  ],
  "plans": [
    {"id": "free", "entitlements": [
      {"featureId": "api-calls", "usageLimit": 1000, "resetPeriod": "month"},
      {"featureId": "retention-days", "value": 7},
      {"featureId": "seats", "usageLimit": 3},
      {"featureId": "exports", "usageLimit": 10, "resetPeriod": "day", "resetAnchor": "calendar"}]},
    {"id": "pro", "parentPlanId": "free", "entitlements": [
      {"featureId": "sso"},
      {"featureId": "api-calls", "usageLimit": 50000, "resetPeriod": "month"},
      {"featureId": "tokens", "usageLimit": 100, "resetPeriod": "week", "resetAnchor": "friday"},
      {"featureId": "retention-days", "value": 30}]},
    {"id": "ent", "parentPlanId": "pro", "entitlements": [
      {"featureId": "seats", "isUnlimited": true},
      {"featureId": "exports", "usageLimit": 100, "resetPeriod": "hour", "isSoftLimit": true},
      {"featureId": "weekly", "usageLimit": 5, "resetPeriod": "week", "resetAnchor": "calendar"},
      {"featureId": "audit-log"}]},
    {"id": "other", "entitlements": [
      {"featureId": "retention-days", "value": 90},
      {"featureId": "api-calls", "usageLimit": 70000, "resetPeriod": "year"},
      {"featureId": "tokens", "usageLimit": 100, "resetPeriod": "day", "isSoftLimit": true}]}
  ],
  "addons": [
    {"id": "extra-calls", "compatiblePlanIds": ["pro", "ent"], "maxQuantity": 10,
     "entitlements": [{"featureId": "api-calls", "usageLimit": 10000}]},
    {"id": "seats-pack", "compatiblePlanIds": ["free", "pro"], "maxQuantity": 50,
     "entitlements": [{"featureId": "seats", "usageLimit": 1}]},
    {"id": "calls-override", "compatiblePlanIds": ["pro", "other"],
     "entitlements": [{"featureId": "api-calls", "usageLimit": 200000, "behavior": "override"}]},
    {"id": "unlimited-tokens", "compatiblePlanIds": ["pro"],
     "entitlements": [{"featureId": "tokens", "isUnlimited": true}]},
    {"id": "weekly-pack", "compatiblePlanIds": ["free", "other"], "maxQuantity": 3,
     "entitlements": [{"featureId": "weekly", "usageLimit": 2, "resetPeriod": "week", "resetAnchor": "tuesday"},
                      {"featureId": "audit-log"}]}
  ]
}"#;

const PLANS: [&str; 4] = ["free", "pro", "ent", "other"];
/// (add-on, compatible plans, maxQuantity)
const ADDONS: [(&str, &[&str], u32); 5] = [
    ("extra-calls", &["pro", "ent"], 10),
    ("seats-pack", &["free", "pro"], 50),
    ("calls-override", &["pro", "other"], 1),
    ("unlimited-tokens", &["pro"], 1),
    ("weekly-pack", &["free", "other"], 3),
];
const STATUSES: [&str; 6] = [
    "active",
    "inTrial",
    "canceled",
    "expired",
    "notStarted",
    "paymentPending",
];
/// (feature, kind)
const FEATURES: [(&str, CheckKind); 8] = [
    ("sso", CheckKind::Boolean),
    ("retention-days", CheckKind::Numeric),
    ("api-calls", CheckKind::Metered),
    ("seats", CheckKind::Metered),
    ("exports", CheckKind::Metered),
    ("tokens", CheckKind::Metered),
    ("weekly", CheckKind::Metered),
    ("audit-log", CheckKind::Boolean),
];

/// 2026-03-01T00:00:00Z: the middle of the generated dates.
const BASE: i64 = 1_772_323_200_000;

fn iso(ms: i64) -> String {
    at(ms).to_string()
}

/// Raw material of a subscription: plan, status, start offset, optional end, trial end,
/// cancellation (offsets from the start), add-on picks (index, quantity seed).
type SubSeed = (
    usize,
    usize,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Vec<(usize, u32)>,
);
/// Feature, amount seed, increment, start, expiry.
type PromoSeed = (usize, u32, bool, Option<i64>, Option<i64>, Option<u8>);
/// Metered feature, usage, period start offset.
type UsageSeed = (usize, u32, Option<i64>);

fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![
        -400 * DAY..60 * DAY,
        (-400i64..60).prop_map(|d| d * DAY),
        (-400i64..60).prop_map(|d| d * DAY + 10 * HOUR),
    ]
}

fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![1..200 * DAY, (1i64..200).prop_map(|d| d * DAY)]
}

fn sub_seed() -> impl Strategy<Value = SubSeed> {
    (
        0..PLANS.len(),
        0..STATUSES.len(),
        offset(),
        proptest::option::of(duration()),
        proptest::option::of(duration()),
        proptest::option::of(duration()),
        proptest::collection::vec((0..ADDONS.len(), 1u32..60), 0..3),
    )
}

fn promo_seed() -> impl Strategy<Value = PromoSeed> {
    (
        0..FEATURES.len(),
        0u32..100_000,
        any::<bool>(),
        proptest::option::of(offset()),
        proptest::option::of(duration()),
        proptest::option::of(0u8..5),
    )
}

fn usage_seed() -> impl Strategy<Value = UsageSeed> {
    (2usize..7, 0u32..120_000, proptest::option::of(offset()))
}

fn customer_json(subs: &[SubSeed], promos: &[PromoSeed], usage: &[UsageSeed]) -> Value {
    let subscriptions: Vec<Value> = subs
        .iter()
        .enumerate()
        .map(|(i, (plan, status, start, end, trial, cancel, addons))| {
            let plan = PLANS[*plan];
            let start = BASE + start;
            let mut s = json!({
                "id": format!("s{i}"), "planId": plan, "status": STATUSES[*status],
                "startDate": iso(start),
            });
            if let Some(d) = end {
                s["endDate"] = json!(iso(start + d));
            }
            if let Some(d) = trial {
                s["trialEndDate"] = json!(iso(start + d));
            }
            if let Some(d) = cancel {
                s["cancellationDate"] = json!(iso(start + d));
            }
            let mut held: Vec<Value> = Vec::new();
            let mut seen = Vec::new();
            for &(a, q) in addons {
                let (id, compatible, max) = ADDONS[a];
                if compatible.contains(&plan) && !seen.contains(&a) {
                    seen.push(a);
                    held.push(json!({"addonId": id, "quantity": 1 + (q - 1) % max}));
                }
            }
            s["addons"] = json!(held);
            s
        })
        .collect();
    let promotions: Vec<Value> = promos
        .iter()
        .map(|(f, amount, increment, start, expiry, period)| {
            let (id, kind) = FEATURES[*f];
            let mut p = json!({"featureId": id});
            match kind {
                // The generated catalog has no credit pools (tests/credit_properties.rs).
                CheckKind::Boolean | CheckKind::Credit => {}
                CheckKind::Numeric if amount % 7 == 0 => p["isUnlimited"] = json!(true),
                CheckKind::Numeric => p["value"] = json!(amount % 200),
                CheckKind::Metered if amount % 11 == 0 => p["isUnlimited"] = json!(true),
                CheckKind::Metered => {
                    p["usageLimit"] = json!(amount);
                    if amount % 5 == 0 {
                        p["isSoftLimit"] = json!(true);
                    }
                    if id != "seats" {
                        if let Some(period) = period {
                            let (period, anchor) = [
                                ("hour", "subscriptionStart"),
                                ("day", "calendar"),
                                ("week", "sunday"),
                                ("month", "subscriptionStart"),
                                ("year", "subscriptionStart"),
                            ][*period as usize];
                            p["resetPeriod"] = json!(period);
                            p["resetAnchor"] = json!(anchor);
                        }
                    }
                }
            }
            if *increment {
                p["behavior"] = json!("increment");
            }
            if let Some(s) = start {
                p["startDate"] = json!(iso(BASE + s));
            }
            if let Some(d) = expiry {
                p["expiresAt"] = json!(iso(BASE + start.unwrap_or(-500 * DAY) + d));
            }
            p
        })
        .collect();
    let mut used = Vec::new();
    let usage: Vec<Value> = usage
        .iter()
        .filter(|(f, _, _)| {
            let fresh = !used.contains(f);
            used.push(*f);
            fresh
        })
        .map(|(f, n, ps)| {
            let mut u = json!({"featureId": FEATURES[*f].0, "currentUsage": n});
            if let Some(o) = ps {
                u["periodStart"] = json!(iso(BASE + o));
            }
            u
        })
        .collect();
    json!({"id": "acme", "subscriptions": subscriptions,
           "promotionalEntitlements": promotions, "usage": usage})
}

fn catalog() -> Arc<ValidCatalog> {
    Arc::new(ValidCatalog::from_json(CATALOG).unwrap())
}

/// Every date in the state, one millisecond either side, plus the probes given.
fn interesting_instants(state: &Value, probes: &[i64]) -> Vec<Timestamp> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<Timestamp>) {
        match v {
            Value::String(s) => {
                if let Some(t) = Timestamp::parse(s) {
                    for d in [-1, 0, 1] {
                        out.push(at(ms(t) + d));
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(state, &mut out);
    out.extend(probes.iter().map(|&p| at(BASE + p)));
    out
}

fn answers(eval: &mut Evaluator, now: Timestamp, requested: f64) -> Vec<Value> {
    FEATURES
        .iter()
        .flat_map(|&(id, kind)| {
            // The right kind, and one wrong kind (fallback).
            let wrong = if kind == CheckKind::Metered {
                CheckKind::Boolean
            } else {
                CheckKind::Metered
            };
            [kind, wrong]
                .into_iter()
                .map(|k| {
                    let check = Check {
                        feature_id: id,
                        kind: k,
                        requested_usage: requested,
                        fallback: None,
                    };
                    eval.check(now, &check).to_json()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn opts(now: Timestamp) -> BuildOptions<'static> {
    BuildOptions {
        environment: "test",
        version: 7,
        catalog_version: 3,
        now,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A snapshot built at one instant, encoded and decoded (binary and JSON), answers
    /// every feature exactly as the customer state does, at every instant: across trial
    /// ends, subscription ends, promotion starts and expiries and period rollovers.
    #[test]
    fn snapshot_round_trip_answers_identically(
        subs in proptest::collection::vec(sub_seed(), 0..4),
        promos in proptest::collection::vec(promo_seed(), 0..4),
        usage in proptest::collection::vec(usage_seed(), 0..5),
        issued in offset(),
        probes in proptest::collection::vec(-450 * DAY..500 * DAY, 4),
        requested in prop_oneof![Just(0u32), 0u32..2000, 0u32..200_000],
    ) {
        let state_json = customer_json(&subs, &promos, &usage);
        let catalog = catalog();
        let state = CustomerState::from_json(&state_json.to_string()).unwrap();
        let prepared = Prepared::new(catalog.clone(), state.clone())
            .unwrap_or_else(|e| panic!("generated state rejected: {e}\n{state_json}"));
        let mut direct = Evaluator::new(prepared);
        let snap = Snapshot::build(&catalog, state, opts(at(BASE + issued))).unwrap();
        let bytes = snap.encode();
        let decoded = Snapshot::decode(&bytes).unwrap();
        prop_assert_eq!(decoded.info(), snap.info());
        let from_json = Snapshot::from_json(&snap.to_json().to_string()).unwrap();
        prop_assert_eq!(from_json.info(), snap.info());
        // Re-encoding the decoded snapshot gives the same bytes.
        prop_assert_eq!(decoded.encode(), bytes);
        let mut via_bytes = Evaluator::new(decoded.into_parts().1);
        let mut via_json = Evaluator::new(from_json.into_parts().1);
        for now in interesting_instants(&state_json, &probes) {
            let expected = answers(&mut direct, now, f64::from(requested));
            prop_assert_eq!(&answers(&mut via_bytes, now, f64::from(requested)), &expected, "binary snapshot at {}", now);
            prop_assert_eq!(&answers(&mut via_json, now, f64::from(requested)), &expected, "JSON snapshot at {}", now);
        }
    }

    /// Resolution is deterministic: the same state prepared twice answers the same, and
    /// an evaluator that caches its resolution across calls (in any order of instants)
    /// answers as a fresh one does at each instant. `validUntil` is the next change:
    /// answers at `issuedAt` and just before `validUntil` agree.
    #[test]
    fn resolution_is_deterministic_and_the_cache_is_right(
        subs in proptest::collection::vec(sub_seed(), 0..4),
        promos in proptest::collection::vec(promo_seed(), 0..4),
        usage in proptest::collection::vec(usage_seed(), 0..5),
        probes in proptest::collection::vec(-450 * DAY..500 * DAY, 8),
    ) {
        let state_json = customer_json(&subs, &promos, &usage);
        let catalog = catalog();
        let state = CustomerState::from_json(&state_json.to_string()).unwrap();
        let mut cached = Evaluator::new(Prepared::new(catalog.clone(), state.clone()).unwrap());
        let mut instants = interesting_instants(&state_json, &probes);
        // A shuffled order: reversed halves interleaved.
        let half = instants.len() / 2;
        instants[..half].reverse();
        for now in instants.iter().copied() {
            let mut fresh = Evaluator::new(Prepared::new(catalog.clone(), state.clone()).unwrap());
            let a = answers(&mut fresh, now, 1.0);
            prop_assert_eq!(&answers(&mut cached, now, 1.0), &a, "cached evaluator at {}", now);
            let mut again = Evaluator::new(Prepared::new(catalog.clone(), state.clone()).unwrap());
            prop_assert_eq!(&answers(&mut again, now, 1.0), &a);
            // Nothing changes by itself before validUntil.
            let snap = Snapshot::build(&catalog, state.clone(), opts(now)).unwrap();
            if let Some(until) = snap.info().valid_until {
                prop_assert!(until > now);
                let before = at(ms(until) - 1);
                let mut late = Evaluator::new(Prepared::new(catalog.clone(), state.clone()).unwrap());
                prop_assert_eq!(&answers(&mut late, before, 1.0), &a, "answer changed before validUntil {}", until);
            }
        }
    }
}

// ------------------------------------------------------------------ decoding bytes

fn sample_snapshot() -> Vec<u8> {
    let state = json!({
        "id": "acme",
        "subscriptions": [
            {"id": "s1", "planId": "pro", "status": "inTrial", "startDate": "2026-01-31T10:00:00Z",
             "trialEndDate": "2026-03-20T00:00:00Z",
             "addons": [{"addonId": "extra-calls", "quantity": 3}, {"addonId": "calls-override"}]},
            {"id": "s2", "planId": "other", "status": "canceled", "startDate": "2025-06-01T00:00:00Z",
             "cancellationDate": "2026-06-01T00:00:00Z", "addons": [{"addonId": "weekly-pack", "quantity": 2}]}
        ],
        "promotionalEntitlements": [
            {"featureId": "audit-log", "expiresAt": "2026-04-01T00:00:00Z"},
            {"featureId": "retention-days", "value": 5, "behavior": "increment"}
        ],
        "usage": [{"featureId": "api-calls", "currentUsage": 420, "periodStart": "2026-02-28T10:00:00Z"},
                  {"featureId": "seats", "currentUsage": 2.5}]
    });
    let state = CustomerState::from_json(&state.to_string()).unwrap();
    let now = Timestamp::parse("2026-03-15T00:00:00Z").unwrap();
    Snapshot::build(&catalog(), state, opts(now))
        .unwrap()
        .encode()
}

fn with_header(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    out.extend_from_slice(b"EEsn");
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Evaluates every feature of a decoded snapshot at a few instants: must not panic.
fn exercise(snapshot: Snapshot) {
    let mut eval = Evaluator::new(snapshot.into_parts().1);
    for now in [
        Timestamp::MIN,
        Timestamp::EPOCH,
        at(BASE),
        Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap(),
    ] {
        let _ = answers(&mut eval, now, 1.0);
        let _ = eval.entitlements(now);
    }
}

#[test]
fn sample_snapshot_decodes() {
    let bytes = sample_snapshot();
    let decoded = Snapshot::decode(&bytes).unwrap();
    assert_eq!(decoded.encode(), bytes);
    exercise(decoded);
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = sample_snapshot();
    for len in 0..bytes.len() {
        assert!(
            Snapshot::decode(&bytes[..len]).is_err(),
            "a snapshot truncated to {len} of {} bytes decoded",
            bytes.len()
        );
    }
    // One byte too many as well.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Snapshot::decode(&longer).is_err());
}

#[test]
fn every_single_bit_flip_is_an_error() {
    let bytes = sample_snapshot();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1 << bit;
            let err = Snapshot::decode(&flipped);
            assert!(err.is_err(), "flipping bit {bit} of byte {i} still decodes");
        }
    }
}

#[test]
fn a_future_format_version_is_reported_as_such() {
    let mut bytes = sample_snapshot();
    let next = edge_entitlements::snapshot::FORMAT_VERSION + 1;
    bytes[4..6].copy_from_slice(&next.to_le_bytes());
    let err = Snapshot::decode(&bytes).unwrap_err();
    assert_eq!(err.code.as_str(), "unsupported_snapshot_version");
    let mut foreign = bytes.clone();
    foreign[0] = b'X';
    assert_eq!(
        Snapshot::decode(&foreign).unwrap_err().code.as_str(),
        "invalid_snapshot"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Snapshot::decode(&bytes);
    }

    /// Arbitrary payloads behind a valid header and checksum never panic, and whatever
    /// decodes can be evaluated without panicking.
    #[test]
    fn arbitrary_payload_with_valid_checksum_never_panics(
        payload in proptest::collection::vec(any::<u8>(), 0..400)
    ) {
        if let Ok(s) = Snapshot::decode(&with_header(&payload)) {
            exercise(s);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A real payload with a few bytes changed, behind a recomputed checksum, decodes to
    /// an error or to a snapshot that evaluates without panicking.
    #[test]
    fn mutated_payload_with_valid_checksum_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let bytes = sample_snapshot();
        let mut payload = bytes[10..].to_vec();
        for (i, b) in edits {
            let i = i.index(payload.len());
            payload[i] = b;
        }
        if let Some(c) = cut {
            payload.truncate(c.index(payload.len()));
        }
        if let Ok(s) = Snapshot::decode(&with_header(&payload)) {
            exercise(s);
        }
    }

    /// A `Decoder` that shares the features of the snapshot it decoded last answers
    /// exactly as a fresh decode does, whatever changed (features included).
    #[test]
    fn a_decoder_decodes_as_decode_does(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let bytes = sample_snapshot();
        let mut decoder = Decoder::new();
        decoder.decode(&bytes).unwrap();
        let mut payload = bytes[10..].to_vec();
        for (i, b) in edits {
            let i = i.index(payload.len());
            payload[i] = b;
        }
        if let Some(c) = cut {
            payload.truncate(c.index(payload.len()));
        }
        let mutated = with_header(&payload);
        match (Snapshot::decode(&mutated), decoder.decode(&mutated)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.info(), b.info());
                prop_assert_eq!(a.encode(), b.encode());
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert_eq!(a.is_ok(), b.is_ok()),
        }
    }
}
