//! The write path (SEMANTICS section 6) against an independent, deliberately simple model
//! of it, on random request sequences: one customer on a plan with a calendar-monthly
//! limit, reports (delta and set, on time and late), batches (rejected whole when one item
//! is invalid), consumes, and idempotency keys reused within and past 24 hours. The
//! model keeps the counter as `(usage, month of its last write)`, history as totals per
//! month of each report's instant, and keys as `(payload, answer, instant)`; every answer,
//! the final counter and every history total must agree with the core's [`Ledger`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use edge_entitlements::usage::{ConsumeInput, HistoryQuery, LedgerError, MemoryStore, ReportInput};
use edge_entitlements::{CustomerState, Evaluator, Ledger, Prepared, Timestamp, ValidCatalog};
use proptest::prelude::*;
use serde_json::{json, Value};

const LIMIT: f64 = 500.0;
const HOUR: i64 = 3_600_000;

#[derive(Clone, Debug)]
enum Op {
    /// Advance the clock by this many hours.
    Wait(i64),
    /// A batch of reports: (delta or set, value, hours before now, key index); a value of
    /// `None` stands for an invalid one (1e308).
    Reports(Vec<(bool, Option<i64>, i64, Option<u8>)>),
    /// A consume of this much, with an optional key index.
    Consume(i64, Option<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    let report = (
        any::<bool>(),
        prop::option::weighted(0.95, -60i64..120),
        0i64..1500,
        prop::option::of(0u8..4),
    );
    prop_oneof![
        (0i64..100).prop_map(Op::Wait),
        prop::collection::vec(report, 1..4).prop_map(Op::Reports),
        (0i64..80, prop::option::of(0u8..4)).prop_map(|(n, k)| Op::Consume(n, k)),
    ]
}

/// The first instant of the calendar month of `ms`.
fn month(ms: i64) -> i64 {
    let t = Timestamp::from_millis(ms).unwrap().to_string();
    Timestamp::parse(&format!("{}-01T00:00:00Z", &t[..7]))
        .unwrap()
        .as_millis()
}

/// A report as sent, its key, whether it sets, its value (`None`: invalid) and instant.
type Item = (Value, Option<String>, bool, Option<i64>, i64);

#[derive(Clone, Debug, Default)]
struct Model {
    counter: f64,
    counter_month: Option<i64>,
    history: BTreeMap<i64, f64>,
    keys: BTreeMap<String, (Value, Value, i64)>,
}

impl Model {
    fn counted(&self, now: i64) -> f64 {
        match self.counter_month {
            Some(m) if m == month(now) => self.counter,
            _ => 0.0,
        }
    }

    /// `Ok(answer)`, or `Err(code)` leaving the model as it was.
    fn replay(
        &self,
        key: &Option<String>,
        payload: &Value,
        now: i64,
    ) -> Option<Result<Value, &'static str>> {
        let (p, a, at) = self.keys.get(key.as_ref()?)?;
        if now >= at + 24 * HOUR {
            return None;
        }
        Some(if p == payload {
            Ok(a.clone())
        } else {
            Err("idempotency_conflict")
        })
    }
}

fn report_json(update: bool, value: Option<i64>, t: i64, key: &Option<String>) -> Value {
    let mut v = json!({
        "featureId": "calls",
        "value": value.map_or(json!(1e308), |n| json!(n)),
        "updateBehavior": if update { "set" } else { "delta" },
        "timestamp": Timestamp::from_millis(t).unwrap().to_string(),
    });
    if update && value.is_some_and(|n| n < 0) {
        v["value"] = json!(-value.unwrap_or(0));
    }
    if let Some(k) = key {
        v["idempotencyKey"] = json!(k);
    }
    v
}

fn setup() -> Evaluator {
    let catalog = ValidCatalog::from_json(
        &json!({"features": [{"id": "calls", "type": "metered", "meter": "incremental"}],
                "plans": [{"id": "p", "entitlements": [{"featureId": "calls", "usageLimit": LIMIT,
                   "resetPeriod": "month", "resetAnchor": "calendar"}]}]})
        .to_string(),
    )
    .unwrap();
    let state = CustomerState::from_json(
        r#"{"id": "c", "subscriptions": [{"id": "s", "planId": "p", "status": "active", "startDate": "2020-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    Evaluator::new(Prepared::new(&catalog, state).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_agrees_with_a_simple_model(ops in prop::collection::vec(op(), 1..60)) {
        let mut eval = setup();
        let mut store = MemoryStore::new();
        let mut model = Model::default();
        let mut now = Timestamp::parse("2026-01-15T12:00:00Z").unwrap().as_millis();
        for op in ops {
            match op {
                Op::Wait(h) => now += h * HOUR,
                Op::Reports(items) => {
                    let t_now = Timestamp::from_millis(now).unwrap();
                    let raw: Vec<Item> = items
                        .iter()
                        .map(|&(set, value, back, key)| {
                            let key = key.map(|k| format!("k{k}"));
                            let t = now - back * HOUR;
                            (report_json(set, value, t, &key), key, set, value, t)
                        })
                        .collect();
                    let inputs: Vec<ReportInput> = raw
                        .iter()
                        .enumerate()
                        .map(|(i, r)| ReportInput::from_json(&r.0, &format!("[{i}].")).unwrap())
                        .collect();
                    // The model: items in order over a copy, all or nothing.
                    let mut next = model.clone();
                    let mut expected: Result<Vec<Value>, &str> = Ok(Vec::new());
                    for (i, (_, key, set, value, t)) in raw.iter().enumerate() {
                        let payload = inputs[i].payload();
                        if let Some(r) = next.replay(key, &payload, now) {
                            match r {
                                Ok(a) => { if let Ok(v) = &mut expected { v.push(a); } continue; }
                                Err(code) => { expected = Err(code); break; }
                            }
                        }
                        let Some(value) = value else { expected = Err("invalid_usage"); break; };
                        let value = if *set { value.abs() as f64 } else { *value as f64 };
                        let w = month(now);
                        let mut counter = next.counted(now);
                        if *t >= w {
                            counter = if *set { value } else { (counter + value).max(0.0) };
                        }
                        next.counter = counter;
                        next.counter_month = Some(w);
                        let total = next.history.entry(month(*t)).or_insert(0.0);
                        *total = if *set { value } else { (*total + value).max(0.0) };
                        let end = Timestamp::parse(&{
                            let s = Timestamp::from_millis(w).unwrap().to_string();
                            let (y, m): (i64, i64) = (s[..4].parse().unwrap(), s[5..7].parse().unwrap());
                            let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                            format!("{y:04}-{m:02}-01T00:00:00Z")
                        }).unwrap();
                        let answer = json!({"currentUsage": counter, "usagePeriodStart": Timestamp::from_millis(w).unwrap().to_string(), "usagePeriodEnd": end.to_string()});
                        if let Some(k) = key { next.keys.insert(k.clone(), (payload, answer.clone(), now)); }
                        if let Ok(v) = &mut expected { v.push(answer); }
                    }
                    let got = Ledger::new(&mut eval, &store, t_now).report(&inputs);
                    match (got, expected) {
                        (Ok((answers, changes)), Ok(want)) => {
                            prop_assert_eq!(answers.len(), want.len());
                            for (a, w) in answers.iter().zip(&want) {
                                prop_assert_eq!(a["currentUsage"].as_f64(), w["currentUsage"].as_f64(), "{} vs {}", a, w);
                                prop_assert_eq!(&a["usagePeriodStart"], &w["usagePeriodStart"]);
                            }
                            store.apply(&changes);
                            model = next;
                        }
                        (Err(LedgerError::Rejected(e)), Err(code)) => prop_assert_eq!(e.code.as_str(), code),
                        (got, want) => prop_assert!(false, "ledger {:?}, model {:?}", got.map(|g| g.0), want),
                    }
                }
                Op::Consume(n, key) => {
                    let key = key.map(|k| format!("k{k}"));
                    let mut raw = json!({"featureId": "calls", "requestedUsage": n});
                    if let Some(k) = &key { raw["idempotencyKey"] = json!(k); }
                    let input = ConsumeInput::from_json(&raw, "").unwrap();
                    let got = Ledger::new(&mut eval, &store, Timestamp::from_millis(now).unwrap()).consume(&input);
                    match model.replay(&key, &input.payload(), now) {
                        Some(Err(code)) => {
                            let Err(LedgerError::Rejected(e)) = got else { panic!("expected {code}") };
                            prop_assert_eq!(e.code.as_str(), code);
                        }
                        Some(Ok(first)) => {
                            let (d, changes) = got.unwrap();
                            prop_assert_eq!(d, first);
                            prop_assert!(changes.is_empty());
                        }
                        None => {
                            let (d, changes) = got.unwrap();
                            let before = model.counted(now);
                            let allowed = before + n as f64 <= LIMIT;
                            prop_assert_eq!(d["hasAccess"].as_bool(), Some(allowed));
                            prop_assert_eq!(d["currentUsage"].as_f64(), Some(before));
                            if allowed {
                                model.counter = before + n as f64;
                                model.counter_month = Some(month(now));
                                *model.history.entry(month(now)).or_insert(0.0) += n as f64;
                            }
                            if let Some(k) = key { model.keys.insert(k, (input.payload(), d, now)); }
                            store.apply(&changes);
                        }
                    }
                }
            }
        }
        // The history totals, month by month.
        let rows = HistoryQuery::default().select(store.rows().cloned(), Timestamp::from_millis(now).unwrap());
        let got: BTreeMap<i64, f64> = rows.iter().map(|r| (r.period_start.unwrap().as_millis(), r.total)).collect();
        prop_assert_eq!(got, model.history);
    }
}
