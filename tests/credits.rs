//! Credits (SEMANTICS section 7) beyond the shared vectors: offline expiry and refill
//! from one snapshot, the snapshot's `validUntil`, exact decimals, every rejected input
//! with its code and path (and nothing changed), the write path (consumes and reports
//! drawing in burn order, idempotency, uncovered use, rejected batches restoring the
//! ledger), and the pool entries the server writes at period starts and winner changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use edge_entitlements::credits::{CreditUsage, Credits};
use edge_entitlements::usage::{ConsumeInput, MemoryStore, ReportInput};
use edge_entitlements::{
    BuildOptions, Check, CheckKind, CustomerState, Error, Evaluator, Ledger, Prepared, Snapshot,
    Timestamp, UsageUpdate, ValidCatalog,
};
use serde_json::{json, Value};

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn dec(s: &str) -> Credits {
    s.parse().unwrap()
}

fn catalog_json() -> Value {
    json!({
        "features": [
            {"id": "ai-credits", "type": "credit", "units": "credit", "unitsPlural": "credits"},
            {"id": "image-gen", "type": "metered", "meter": "incremental", "units": "image",
             "creditCost": {"creditId": "ai-credits", "perUnit": 5}},
            {"id": "summaries", "type": "metered", "meter": "incremental",
             "creditCost": {"creditId": "ai-credits", "perUnit": 0.1}},
            {"id": "api-calls", "type": "metered", "meter": "incremental"},
            {"id": "sso", "type": "boolean"}
        ],
        "plans": [
            {"id": "pro", "entitlements": [
                {"featureId": "ai-credits", "amount": 1000, "resetPeriod": "month",
                 "rollover": {"maxAmount": 500}},
                {"featureId": "sso"},
                {"featureId": "api-calls", "usageLimit": 10, "resetPeriod": "month"}]},
            {"id": "team", "entitlements": [
                {"featureId": "ai-credits", "amount": 3000, "resetPeriod": "month",
                 "rollover": {"maxAmount": 1000}}]},
            {"id": "basic", "entitlements": [{"featureId": "sso"}]}
        ]
    })
}

fn catalog() -> Arc<ValidCatalog> {
    Arc::new(ValidCatalog::from_json(&catalog_json().to_string()).unwrap())
}

fn customer(extra: Value) -> CustomerState {
    let mut c = json!({"id": "acme", "subscriptions": [
        {"id": "sub-pro", "planId": "pro", "status": "active", "startDate": "2026-01-31T10:00:00Z"}]});
    if let (Value::Object(c), Value::Object(extra)) = (&mut c, extra) {
        c.extend(extra);
    }
    CustomerState::from_json(&c.to_string()).unwrap()
}

fn credit(feature_id: &str, requested: f64) -> Check<'_> {
    Check {
        feature_id,
        kind: CheckKind::Credit,
        requested_usage: requested,
        fallback: None,
    }
}

fn balance(eval: &mut Evaluator, now: &str) -> Value {
    eval.check(ts(now), &credit("ai-credits", 0.0)).to_json()["balance"].clone()
}

#[test]
fn offline_a_grant_expires_and_the_plan_grant_refills_from_one_snapshot() {
    let state = customer(json!({
        "creditGrants": [{"id": "promo", "featureId": "ai-credits", "amount": 200,
            "effectiveAt": "2026-02-01T00:00:00Z", "expiresAt": "2026-02-20T00:00:00Z",
            "category": "promotional"}],
        "creditUsage": [
            {"grantId": "promo", "used": 50},
            {"featureId": "ai-credits", "subscriptionId": "sub-pro",
             "periodStart": "2026-01-31T10:00:00Z", "used": 700}]
    }));
    let opts = BuildOptions {
        environment: "test",
        version: 1,
        catalog_version: 1,
        now: ts("2026-02-10T00:00:00Z"),
    };
    let snapshot = Snapshot::build(&catalog(), state, opts).unwrap();
    // The snapshot's validUntil is the promotion's expiry, the earliest boundary.
    assert_eq!(
        snapshot.info().valid_until,
        Some(ts("2026-02-20T00:00:00Z"))
    );
    let bytes = snapshot.encode();
    let mut eval = Evaluator::new(Snapshot::decode(&bytes).unwrap().into_parts().1);
    // 300 of the plan grant + 150 of the promotion.
    assert_eq!(balance(&mut eval, "2026-02-19T23:59:59.999Z"), json!(450));
    // At its expiresAt the promotion's remainder is gone, with no new snapshot.
    assert_eq!(balance(&mut eval, "2026-02-20T00:00:00Z"), json!(300));
    assert_eq!(balance(&mut eval, "2026-02-28T09:59:59.999Z"), json!(300));
    // At the period start the plan grant refills: 1000 + 300 carried (under the cap).
    assert_eq!(balance(&mut eval, "2026-02-28T10:00:00Z"), json!(1300));
    // An idle period later the carry reaches the cap: 1000 + 500.
    assert_eq!(balance(&mut eval, "2026-03-31T10:00:00Z"), json!(1500));
    let d = eval.check(ts("2026-03-31T10:00:00Z"), &credit("ai-credits", 0.0));
    assert_eq!(
        d.credit.and_then(|c| c.next_expiry),
        Some(ts("2026-04-30T10:00:00Z"))
    );
    // And back in time (a corrected client clock) the promotion is there again.
    assert_eq!(balance(&mut eval, "2026-02-15T00:00:00Z"), json!(450));
}

#[test]
fn a_future_grant_bounds_validity_and_comes_into_force_at_its_instant() {
    let state = customer(json!({
        "creditGrants": [{"id": "later", "featureId": "ai-credits", "amount": 5,
            "effectiveAt": "2026-02-05T12:00:00Z", "category": "paid"}]
    }));
    let opts = BuildOptions {
        environment: "test",
        version: 1,
        catalog_version: 1,
        now: ts("2026-02-01T00:00:00Z"),
    };
    let snapshot = Snapshot::build(&catalog(), state, opts).unwrap();
    assert_eq!(
        snapshot.info().valid_until,
        Some(ts("2026-02-05T12:00:00Z"))
    );
    let mut eval = Evaluator::new(snapshot.into_parts().1);
    assert_eq!(balance(&mut eval, "2026-02-05T11:59:59Z"), json!(1000));
    assert_eq!(balance(&mut eval, "2026-02-05T12:00:00Z"), json!(1005));
}

#[test]
fn decimals_are_exact_to_the_millionth() {
    let state = customer(json!({
        "subscriptions": [],
        "creditGrants": [{"id": "g", "featureId": "ai-credits", "amount": 0.3,
            "effectiveAt": "2026-01-01T00:00:00Z", "category": "paid"}]
    }));
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    let now = ts("2026-02-01T00:00:00Z");
    // 3 summaries at 0.1 cost exactly 0.3, which a balance of 0.3 covers.
    let d = eval.check(now, &credit("summaries", 3.0)).to_json();
    assert_eq!(d["hasAccess"], json!(true), "{d}");
    assert_eq!(d["cost"], json!(0.3));
    assert_eq!(d["draws"], json!([{"grantId": "g", "amount": 0.3}]));
    // A cost is rounded up to a whole millionth: 0.0000001 units x 5 credits.
    let d = eval.check(now, &credit("image-gen", 0.0000001)).to_json();
    assert_eq!(d["cost"], json!(0.000001));
    // 4 cost 0.4: denied, nothing drawn.
    let d = eval.check(now, &credit("summaries", 4.0)).to_json();
    assert_eq!(d["accessDeniedReason"], json!("InsufficientCredits"));
    assert_eq!(d["balance"], json!(0.3));
    assert!(d.get("draws").is_none());
    // Only one-off grants and no subscription: the one-off grant still gives access.
    assert_eq!(d["creditId"], json!("ai-credits"));
}

#[test]
fn no_grant_in_force_answers_why() {
    let none = CustomerState::from_json(r#"{"id": "c"}"#).unwrap();
    let mut eval = Evaluator::new(Prepared::new(catalog(), none).unwrap());
    let d = eval.check(ts("2026-02-01T00:00:00Z"), &credit("image-gen", 1.0));
    assert_eq!(
        d.to_json()["accessDeniedReason"],
        json!("NoActiveSubscription")
    );
    let basic = CustomerState::from_json(
        r#"{"id": "c", "subscriptions": [{"id": "s", "planId": "basic", "status": "active",
            "startDate": "2026-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    let mut eval = Evaluator::new(Prepared::new(catalog(), basic).unwrap());
    let d = eval
        .check(ts("2026-02-01T00:00:00Z"), &credit("ai-credits", 0.0))
        .to_json();
    assert_eq!(
        d["accessDeniedReason"],
        json!("NoFeatureEntitlementInSubscription")
    );
    assert_eq!(d["grants"], json!([]));
    assert_eq!(d["balance"], json!(0));
}

#[test]
fn get_entitlements_lists_pools_with_a_grant_in_force() {
    let state = customer(json!({}));
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    let all = eval.entitlements(ts("2026-02-01T00:00:00Z"));
    let pool = all
        .iter()
        .map(|d| d.to_json())
        .find(|d| d["feature"]["id"] == "ai-credits")
        .expect("the pool is listed");
    assert_eq!(pool["balance"], json!(1000));
    assert_eq!(pool["grants"][0]["id"], json!("plan:sub-pro"));
}

fn catalog_err(c: &Value) -> Error {
    match ValidCatalog::from_json(&c.to_string()) {
        Ok(_) => panic!("catalog accepted: {c}"),
        Err(e) => e,
    }
}

fn customer_err(extra: Value) -> Error {
    let mut c = json!({"id": "acme", "subscriptions": [
        {"id": "sub-pro", "planId": "pro", "status": "active", "startDate": "2026-01-31T10:00:00Z"}],
        "creditGrants": [{"id": "g1", "featureId": "ai-credits", "amount": 10,
            "effectiveAt": "2026-01-01T00:00:00Z", "category": "paid"}]});
    if let (Value::Object(c), Value::Object(extra)) = (&mut c, extra) {
        c.extend(extra);
    }
    match CustomerState::from_json(&c.to_string()).and_then(|s| Prepared::new(catalog(), s)) {
        Ok(_) => panic!("customer accepted: {c}"),
        Err(e) => e,
    }
}

#[test]
fn invalid_pools_and_prices_are_rejected_with_their_path() {
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut c = catalog_json();
        f(&mut c);
        catalog_err(&c)
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|c| c["features"][1]["creditCost"]["creditId"] = json!("api-calls")),
            "features[1].creditCost.creditId",
        ),
        (
            Box::new(|c| c["features"][1]["creditCost"]["creditId"] = json!("nope")),
            "features[1].creditCost.creditId",
        ),
        (
            Box::new(|c| c["features"][1]["creditCost"]["perUnit"] = json!(0)),
            "features[1].creditCost.perUnit",
        ),
        (
            Box::new(|c| c["features"][1]["creditCost"]["perUnit"] = json!(-1)),
            "features[1].creditCost.perUnit",
        ),
        (
            Box::new(|c| c["features"][1]["creditCost"]["perUnit"] = json!(0.0000001)),
            "features[1].creditCost.perUnit",
        ),
        (
            Box::new(|c| {
                c["features"][4]["creditCost"] = json!({"creditId": "ai-credits", "perUnit": 1})
            }),
            "features[4].creditCost",
        ),
        (
            Box::new(|c| c["features"][0]["meter"] = json!("incremental")),
            "features[0].meter",
        ),
        (
            Box::new(|c| {
                c["features"][0]["creditCost"] = json!({"creditId": "ai-credits", "perUnit": 1})
            }),
            "features[0].creditCost",
        ),
        (
            Box::new(|c| {
                c["plans"][0]["entitlements"][1] =
                    json!({"featureId": "image-gen", "usageLimit": 5})
            }),
            "plans[0].entitlements[1].featureId",
        ),
        (
            Box::new(|c| {
                c["plans"][0]["entitlements"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("amount");
            }),
            "plans[0].entitlements[0]",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["amount"] = json!(-1)),
            "plans[0].entitlements[0].amount",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["amount"] = json!(1.0000001)),
            "plans[0].entitlements[0].amount",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["usageLimit"] = json!(5)),
            "plans[0].entitlements[0].usageLimit",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["isUnlimited"] = json!(true)),
            "plans[0].entitlements[0].isUnlimited",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["isSoftLimit"] = json!(true)),
            "plans[0].entitlements[0].isSoftLimit",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["value"] = json!(5)),
            "plans[0].entitlements[0].value",
        ),
        (
            Box::new(|c| {
                c["plans"][0]["entitlements"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("resetPeriod");
            }),
            "plans[0].entitlements[0].rollover",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["rollover"] = json!({})),
            "plans[0].entitlements[0].rollover.maxAmount",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][0]["rollover"] = json!({"maxAmount": -5})),
            "plans[0].entitlements[0].rollover.maxAmount",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][2]["amount"] = json!(5)),
            "plans[0].entitlements[2].amount",
        ),
        (
            Box::new(|c| c["plans"][0]["entitlements"][2]["rollover"] = json!({"maxAmount": 5})),
            "plans[0].entitlements[2].rollover",
        ),
    ];
    for (i, (f, path)) in cases.iter().enumerate() {
        let e = edit(f.as_ref());
        assert!(
            e.violations.iter().any(|v| v.path == *path),
            "case {i}: no violation at `{path}`: {:?}",
            e.violations
        );
        assert_eq!(e.code.as_str(), "invalid_catalog", "case {i}");
    }
}

#[test]
fn invalid_grants_and_ledgers_are_rejected_with_their_path() {
    let g = |over: Value| {
        let mut base = json!({"id": "g2", "featureId": "ai-credits", "amount": 5,
            "effectiveAt": "2026-01-01T00:00:00Z", "category": "paid"});
        if let (Value::Object(b), Value::Object(o)) = (&mut base, over) {
            b.extend(o);
        }
        json!({"creditGrants": [
            {"id": "g1", "featureId": "ai-credits", "amount": 10,
             "effectiveAt": "2026-01-01T00:00:00Z", "category": "paid"}, base]})
    };
    let cases = vec![
        (g(json!({"id": ""})), "creditGrants[1].id"),
        (g(json!({"id": "g1"})), "creditGrants[1].id"),
        (g(json!({"id": "plan:sub-pro"})), "creditGrants[1].id"),
        (g(json!({"featureId": "nope"})), "creditGrants[1].featureId"),
        (
            g(json!({"featureId": "image-gen"})),
            "creditGrants[1].featureId",
        ),
        (g(json!({"amount": -1})), "creditGrants[1].amount"),
        (g(json!({"amount": 0.1234567})), "creditGrants[1].amount"),
        (
            g(json!({"expiresAt": "2026-01-01T00:00:00Z"})),
            "creditGrants[1].expiresAt",
        ),
        (
            g(json!({"expiresAt": "2025-01-01T00:00:00Z"})),
            "creditGrants[1].expiresAt",
        ),
        (g(json!({"priority": -1})), "creditGrants[1].priority"),
        (g(json!({"priority": 1.5})), "creditGrants[1].priority"),
        (g(json!({"category": "gift"})), "creditGrants[1].category"),
        (
            g(json!({"effectiveAt": "yesterday"})),
            "creditGrants[1].effectiveAt",
        ),
        (
            json!({"creditUsage": [{"grantId": "nope", "used": 1}]}),
            "creditUsage[0].grantId",
        ),
        (
            json!({"creditUsage": [{"grantId": "g1", "used": 1}, {"grantId": "g1", "used": 2}]}),
            "creditUsage[1].grantId",
        ),
        (
            json!({"creditUsage": [{"grantId": "g1"}]}),
            "creditUsage[0].used",
        ),
        (
            json!({"creditUsage": [{"grantId": "g1", "used": -1}]}),
            "creditUsage[0].used",
        ),
        (
            json!({"creditUsage": [{"grantId": "g1", "used": 0.0000001}]}),
            "creditUsage[0].used",
        ),
        (
            json!({"creditUsage": [{"featureId": "nope", "subscriptionId": "sub-pro", "periodStart": "2026-01-31T10:00:00Z", "used": 1}]}),
            "creditUsage[0].featureId",
        ),
        (
            json!({"creditUsage": [{"featureId": "ai-credits", "periodStart": "2026-01-31T10:00:00Z", "used": 1}]}),
            "creditUsage[0].subscriptionId",
        ),
        (
            json!({"creditUsage": [{"featureId": "ai-credits", "subscriptionId": "sub-pro", "used": 1}]}),
            "creditUsage[0].periodStart",
        ),
        (
            json!({"creditUsage": [{"featureId": "ai-credits", "subscriptionId": "sub-pro", "periodStart": "2026-01-31T10:00:00Z"}]}),
            "creditUsage[0].used",
        ),
        (
            json!({"creditUsage": [{"featureId": "ai-credits", "subscriptionId": "sub-pro", "periodStart": "2026-01-31T10:00:00Z", "used": 1, "carried": -2}]}),
            "creditUsage[0].carried",
        ),
        (
            json!({"creditUsage": [
            {"featureId": "ai-credits", "subscriptionId": "sub-pro", "periodStart": "2026-01-31T10:00:00Z", "used": 1},
            {"featureId": "ai-credits", "subscriptionId": "sub-pro", "periodStart": "2026-02-28T10:00:00Z", "used": 1}]}),
            "creditUsage[1].subscriptionId",
        ),
        (
            json!({"creditUsage": [{"featureId": "image-gen", "uncovered": 1}]}),
            "creditUsage[0].featureId",
        ),
        (
            json!({"creditUsage": [{"featureId": "ai-credits", "uncovered": -1}]}),
            "creditUsage[0].uncovered",
        ),
        (
            json!({"creditUsage": [{"featureId": "ai-credits", "uncovered": 1}, {"featureId": "ai-credits", "uncovered": 2}]}),
            "creditUsage[1].featureId",
        ),
        (
            json!({"promotionalEntitlements": [{"featureId": "ai-credits"}]}),
            "promotionalEntitlements[0].featureId",
        ),
        (
            json!({"promotionalEntitlements": [{"featureId": "image-gen", "usageLimit": 5}]}),
            "promotionalEntitlements[0].featureId",
        ),
        (
            json!({"subscriptions": [{"planId": "pro", "status": "active", "startDate": "2026-01-31T10:00:00Z"}]}),
            "subscriptions[0].id",
        ),
    ];
    for (i, (extra, path)) in cases.into_iter().enumerate() {
        let e = customer_err(extra.clone());
        assert_eq!(e.code.as_str(), "invalid_customer", "case {i}: {extra}");
        assert!(
            e.violations.iter().any(|v| v.path == path) || e.path() == Some(path),
            "case {i} ({extra}): no violation at `{path}`: {e:?}"
        );
    }
}

fn consume(feature: &str, requested: f64, key: Option<&str>) -> ConsumeInput {
    let mut v = json!({"featureId": feature, "requestedUsage": requested});
    if let Some(k) = key {
        v["idempotencyKey"] = json!(k);
    }
    ConsumeInput::from_json(&v, "").unwrap()
}

#[test]
fn consumes_draw_in_burn_order_once_per_key_and_denials_draw_nothing() {
    let state = customer(json!({
        "creditGrants": [{"id": "promo", "featureId": "ai-credits", "amount": 20,
            "effectiveAt": "2026-02-01T00:00:00Z", "expiresAt": "2026-02-20T00:00:00Z",
            "category": "promotional"}]
    }));
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    let mut store = MemoryStore::new();
    let now = ts("2026-02-10T00:00:00Z");
    // 6 images at 5 credits: 20 from the promotion (it expires first), then 10 from the
    // plan grant.
    let (answer, changes) = Ledger::new(&mut eval, &store, now)
        .consume(&consume("image-gen", 6.0, Some("k1")))
        .unwrap();
    assert_eq!(answer["hasAccess"], json!(true));
    assert_eq!(answer["currentUsage"], json!(0), "usage before the request");
    assert_eq!(
        answer["draws"],
        json!([{"grantId": "promo", "amount": 20}, {"grantId": "plan:sub-pro", "amount": 10}])
    );
    let ledger = changes.credit_usage.clone().expect("the ledger changed");
    assert!(ledger.contains(&CreditUsage {
        grant_id: Some("promo".into()),
        used: Some(dec("20")),
        ..CreditUsage::default()
    }));
    assert!(ledger.contains(&CreditUsage {
        feature_id: Some("ai-credits".into()),
        subscription_id: Some("sub-pro".into()),
        period_start: Some(ts("2026-01-31T10:00:00Z")),
        used: Some(dec("10")),
        ..CreditUsage::default()
    }));
    // The priced feature's usage is counted too, for reporting.
    assert_eq!(changes.counters[0].current_usage, 6.0);
    store.apply(&changes);
    assert_eq!(balance(&mut eval, "2026-02-10T00:00:00Z"), json!(990));

    // The same key again draws nothing and answers the same.
    let (again, changes) = Ledger::new(&mut eval, &store, now)
        .consume(&consume("image-gen", 6.0, Some("k1")))
        .unwrap();
    assert_eq!(again, answer);
    assert!(changes.is_empty());
    assert_eq!(balance(&mut eval, "2026-02-10T00:00:00Z"), json!(990));

    // More than the balance: denied, nothing drawn, nothing counted.
    let before = eval.prepared().state().clone();
    let (denied, changes) = Ledger::new(&mut eval, &store, now)
        .consume(&consume("ai-credits", 990.5, None))
        .unwrap();
    assert_eq!(denied["accessDeniedReason"], json!("InsufficientCredits"));
    assert!(changes.credit_usage.is_none() && changes.counters.is_empty());
    assert_eq!(eval.prepared().state(), &before);

    // The pool itself, to exactly 0.
    let (all, _) = Ledger::new(&mut eval, &store, now)
        .consume(&consume("ai-credits", 990.0, None))
        .unwrap();
    assert_eq!(all["hasAccess"], json!(true));
    assert_eq!(balance(&mut eval, "2026-02-10T00:00:00Z"), json!(0));
}

#[test]
fn reports_draw_at_most_the_balance_and_keep_the_uncovered_part() {
    let state = customer(json!({}));
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    let store = MemoryStore::new();
    let now = ts("2026-02-10T00:00:00Z");
    // Two priced reports in one batch: 150 images cost 750, then 100 more cost 500, of
    // which only 250 are left: the second draws 250 and leaves 250 uncovered.
    let items = [
        ReportInput::new("image-gen", 150.0, UsageUpdate::Delta),
        ReportInput::new("image-gen", 100.0, UsageUpdate::Delta),
        ReportInput::new("image-gen", -5.0, UsageUpdate::Delta),
    ];
    let (answers, changes) = Ledger::new(&mut eval, &store, now).report(&items).unwrap();
    assert_eq!(answers[0]["creditsDrawn"], json!(750));
    assert_eq!(answers[0]["creditsUncovered"], json!(0));
    assert_eq!(answers[1]["creditsDrawn"], json!(250));
    assert_eq!(answers[1]["creditsUncovered"], json!(250));
    assert!(
        answers[2].get("creditsDrawn").is_none(),
        "a negative delta draws nothing"
    );
    assert_eq!(answers[2]["currentUsage"], json!(245));
    let ledger = changes.credit_usage.unwrap();
    assert!(ledger.contains(&CreditUsage {
        feature_id: Some("ai-credits".into()),
        uncovered: Some(dec("250")),
        ..CreditUsage::default()
    }));
    assert_eq!(balance(&mut eval, "2026-02-10T00:00:00Z"), json!(0));
    // A set changes the counter only.
    let (answers, changes) = Ledger::new(&mut eval, &store, now)
        .report(&[ReportInput::new("image-gen", 3.0, UsageUpdate::Set)])
        .unwrap();
    assert!(answers[0].get("creditsDrawn").is_none());
    assert!(changes.credit_usage.is_none());
}

#[test]
fn a_rejected_batch_leaves_the_credit_ledger_as_it_was() {
    let state = customer(json!({}));
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    let store = MemoryStore::new();
    let now = ts("2026-02-10T00:00:00Z");
    let before = eval.prepared().state().clone();
    let items = [
        ReportInput::new("image-gen", 10.0, UsageUpdate::Delta),
        ReportInput::new("image-gen", 1e300, UsageUpdate::Delta),
    ];
    assert!(Ledger::new(&mut eval, &store, now).report(&items).is_err());
    assert_eq!(eval.prepared().state(), &before);
    assert_eq!(balance(&mut eval, "2026-02-10T00:00:00Z"), json!(1000));
}

#[test]
fn period_start_entries_carry_forward_and_a_new_winner_starts_without_a_carry() {
    let state = customer(json!({
        "creditUsage": [{"featureId": "ai-credits", "subscriptionId": "sub-pro",
            "periodStart": "2026-01-31T10:00:00Z", "used": 800}]
    }));
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    // The alarm at the period start writes that period's entry: 200 carried, used 0.
    let at = ts("2026-02-28T10:00:00Z");
    let winners = eval.credit_winners(at);
    let (changed, after) = eval.write_credit_period_entries(at, Some(&winners));
    assert!(changed);
    assert_eq!(after, winners);
    let entry = |eval: &Evaluator| {
        eval.prepared()
            .state()
            .credit_usage
            .iter()
            .find(|e| e.subscription_id.as_deref() == Some("sub-pro"))
            .cloned()
            .unwrap()
    };
    assert_eq!(entry(&eval).period_start, Some(at));
    assert_eq!(entry(&eval).carried, Some(dec("200")));
    assert_eq!(entry(&eval).used, Some(Credits::ZERO));
    assert_eq!(balance(&mut eval, "2026-02-28T10:00:00Z"), json!(1200));
    // Written again at the same instant: nothing to do.
    assert!(!eval.write_credit_period_entries(at, Some(&winners)).0);

    // A plan change to a new subscription: it becomes the winner and starts without a
    // carry, even though a read of an old entry of it would roll one forward.
    let mut state = eval.prepared().state().clone();
    state.subscriptions.push(
        serde_json::from_value(
            json!({"id": "sub-team", "planId": "team", "status": "active",
            "startDate": "2026-01-15T00:00:00Z"}),
        )
        .unwrap(),
    );
    state.credit_usage.push(CreditUsage {
        feature_id: Some("ai-credits".into()),
        subscription_id: Some("sub-team".into()),
        period_start: Some(ts("2026-01-15T00:00:00Z")),
        used: Some(Credits::ZERO),
        ..CreditUsage::default()
    });
    let mut eval = Evaluator::new(Prepared::new(catalog(), state).unwrap());
    let now = ts("2026-03-01T00:00:00Z");
    // Read alone: the team grant rolls its old entry forward: 3000 + 1000 carried.
    assert_eq!(balance(&mut eval, "2026-03-01T00:00:00Z"), json!(4000));
    let (changed, winners) = eval.write_credit_period_entries(now, Some(&after));
    assert!(changed);
    assert_eq!(
        winners.get("ai-credits").map(String::as_str),
        Some("sub-team")
    );
    assert_eq!(balance(&mut eval, "2026-03-01T00:00:00Z"), json!(3000));
}
