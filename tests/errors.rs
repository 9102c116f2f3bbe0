//! Errors: every rejection has its stable code, a path naming the offending field, a
//! message naming the entity, and every violation of an input is reported, not just the
//! first (SEMANTICS sections 1-2; API: "422 with every error on an invalid one").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use edge_entitlements::usage::{LedgerError, MemoryStore, ReportInput};
use edge_entitlements::{
    BuildOptions, CustomerState, Error, Evaluator, Ledger, Prepared, Snapshot, Timestamp,
    ValidCatalog,
};
use serde_json::{json, Value};

fn base_catalog() -> Value {
    json!({
        "features": [
            {"id": "sso", "type": "boolean"},
            {"id": "api-calls", "type": "metered", "meter": "incremental"},
            {"id": "seats", "type": "metered", "meter": "fluctuating"},
            {"id": "retention-days", "type": "numeric"}
        ],
        "products": [{"id": "app"}],
        "plans": [
            {"id": "free", "productId": "app", "entitlements": [
                {"featureId": "api-calls", "usageLimit": 100, "resetPeriod": "month"},
                {"featureId": "seats", "usageLimit": 3},
                {"featureId": "retention-days", "value": 7}]},
            {"id": "pro", "productId": "app", "parentPlanId": "free", "entitlements": [
                {"featureId": "sso"},
                {"featureId": "api-calls", "usageLimit": 1000, "resetPeriod": "month"}]}
        ],
        "addons": [
            {"id": "extra-calls", "productId": "app", "compatiblePlanIds": ["pro"], "maxQuantity": 5,
             "entitlements": [{"featureId": "api-calls", "usageLimit": 100}]},
            {"id": "sso-addon", "compatiblePlanIds": ["free"], "entitlements": [{"featureId": "sso"}]}
        ]
    })
}

fn catalog_err(c: &Value) -> Error {
    match ValidCatalog::from_json(&c.to_string()) {
        Ok(_) => panic!("catalog accepted: {c}"),
        Err(e) => e,
    }
}

fn customer_err(state: &Value) -> Error {
    let catalog = ValidCatalog::from_json(&base_catalog().to_string()).unwrap();
    match CustomerState::from_json(&state.to_string()).and_then(|s| Prepared::new(&catalog, s)) {
        Ok(_) => panic!("customer accepted: {state}"),
        Err(e) => e,
    }
}

/// Asserts the error has `code` and a violation at exactly `path` whose message contains
/// every one of `words`.
fn assert_violation(err: &Error, code: &str, path: &str, words: &[&str]) {
    assert_eq!(err.code.as_str(), code, "{err:?}");
    let Some(v) = err.violations.iter().find(|v| v.path == path) else {
        panic!("no violation at `{path}`: {:?}", err.violations);
    };
    for w in words {
        assert!(
            v.message.contains(w),
            "message at `{path}` does not name `{w}`: {:?}",
            v.message
        );
    }
}

fn edit(f: impl FnOnce(&mut Value)) -> Value {
    let mut c = base_catalog();
    f(&mut c);
    c
}

#[test]
fn the_base_catalog_is_valid() {
    ValidCatalog::from_json(&base_catalog().to_string()).unwrap();
}

// ------------------------------------------------------------------ catalog, one rule each

#[test]
fn empty_ids() {
    let e = catalog_err(&edit(|c| {
        c["features"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "", "type": "boolean"}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "features[4].id",
        &["feature", "empty"],
    );
    let e = catalog_err(&edit(|c| c["plans"][1]["id"] = json!("")));
    assert_violation(&e, "invalid_catalog", "plans[1].id", &["plan", "empty"]);
    let e = catalog_err(&edit(|c| c["addons"][1]["id"] = json!("")));
    assert_violation(&e, "invalid_catalog", "addons[1].id", &["add-on", "empty"]);
    let e = catalog_err(&edit(|c| c["products"][0]["id"] = json!("")));
    assert_violation(
        &e,
        "invalid_catalog",
        "products[0].id",
        &["product", "empty"],
    );
}

#[test]
fn repeated_ids_within_a_kind() {
    let e = catalog_err(&edit(|c| {
        c["features"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "sso", "type": "numeric"}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "features[4].id",
        &["feature", "`sso`", "repeats"],
    );
    let e = catalog_err(&edit(|c| {
        c["plans"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "free"}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "plans[2].id",
        &["plan", "`free`", "repeats"],
    );
    let e = catalog_err(&edit(|c| {
        c["addons"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "sso-addon"}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "addons[2].id",
        &["add-on", "`sso-addon`", "repeats"],
    );
}

#[test]
fn ids_repeat_across_kinds_freely() {
    let c = edit(|c| {
        c["features"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "free", "type": "boolean"}));
        c["addons"][1]["id"] = json!("pro");
    });
    ValidCatalog::from_json(&c.to_string()).unwrap();
}

#[test]
fn unknown_features() {
    let e = catalog_err(&edit(|c| {
        c["plans"][1]["entitlements"]
            .as_array_mut()
            .unwrap()
            .push(json!({"featureId": "ghost"}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "plans[1].entitlements[2].featureId",
        &["plan `pro`", "`ghost`"],
    );
    let e = catalog_err(&edit(|c| {
        c["addons"][0]["entitlements"][0]["featureId"] = json!("ghost")
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "addons[0].entitlements[0].featureId",
        &["add-on `extra-calls`", "`ghost`"],
    );
}

/// What, plan index, entitlement index, fields added, violation path, words of the message.
type MisfitCase = (
    &'static str,
    usize,
    usize,
    Value,
    &'static str,
    &'static [&'static str],
);

#[test]
fn fields_that_do_not_fit_the_feature_type() {
    let cases: [MisfitCase; 6] = [
        (
            "value on a metered feature",
            0,
            0,
            json!({"value": 5}),
            "plans[0].entitlements[0].value",
            &["plan `free`", "value", "`api-calls`"],
        ),
        (
            "resetPeriod on a fluctuating meter",
            0,
            1,
            json!({"resetPeriod": "month"}),
            "plans[0].entitlements[1].resetPeriod",
            &["plan `free`", "resetPeriod", "`seats`"],
        ),
        (
            "usageLimit on a numeric feature",
            0,
            2,
            json!({"usageLimit": 5}),
            "plans[0].entitlements[2].usageLimit",
            &["plan `free`", "usageLimit", "`retention-days`"],
        ),
        (
            "value on a boolean feature",
            1,
            0,
            json!({"value": 1}),
            "plans[1].entitlements[0].value",
            &["plan `pro`", "value", "`sso`"],
        ),
        (
            "isSoftLimit on a boolean feature",
            1,
            0,
            json!({"isSoftLimit": true}),
            "plans[1].entitlements[0].isSoftLimit",
            &["plan `pro`", "`sso`"],
        ),
        (
            "resetPeriod on a numeric feature",
            0,
            2,
            json!({"resetPeriod": "day"}),
            "plans[0].entitlements[2].resetPeriod",
            &["plan `free`", "`retention-days`"],
        ),
    ];
    for (what, plan, ent, extra, path, words) in cases {
        let c = edit(|c| {
            let e = c["plans"][plan]["entitlements"][ent]
                .as_object_mut()
                .unwrap();
            for (k, v) in extra.as_object().unwrap() {
                e.insert(k.clone(), v.clone());
            }
        });
        let e = catalog_err(&c);
        eprintln!("{what}: {e}");
        assert_violation(&e, "invalid_catalog", path, words);
    }
}

#[test]
fn negative_and_fractional_usage_limits() {
    for bad in [json!(1.5), json!(-1), json!("100")] {
        let e = catalog_err(&edit(|c| {
            c["plans"][0]["entitlements"][0]["usageLimit"] = bad.clone()
        }));
        assert_violation(
            &e,
            "invalid_catalog",
            "plans[0].entitlements[0].usageLimit",
            &[],
        );
        assert!(!e.violations[0].message.contains(" at line "), "{e}");
    }
    let e = catalog_err(&edit(|c| {
        c["addons"][0]["entitlements"][0]["usageLimit"] = json!(-5)
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "addons[0].entitlements[0].usageLimit",
        &[],
    );
}

#[test]
fn unknown_parent_plan() {
    let e = catalog_err(&edit(|c| c["plans"][1]["parentPlanId"] = json!("gold")));
    assert_violation(&e, "invalid_catalog", "plans[1].parentPlanId", &[]);
    assert_eq!(
        e.violations[0].message,
        "plan `pro`: parentPlanId `gold` is not a plan"
    );
    assert_eq!(e.path(), Some("plans[1].parentPlanId"));
    assert_eq!(
        e.to_string(),
        "plan `pro`: parentPlanId `gold` is not a plan"
    );
}

#[test]
fn unknown_compatible_plan() {
    let e = catalog_err(&edit(|c| {
        c["addons"][0]["compatiblePlanIds"] = json!(["pro", "gold"])
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "addons[0].compatiblePlanIds[1]",
        &["add-on `extra-calls`", "`gold`"],
    );
}

#[test]
fn inheritance_cycles() {
    // A cycle of one.
    let e = catalog_err(&edit(|c| c["plans"][0]["parentPlanId"] = json!("free")));
    assert_violation(
        &e,
        "invalid_catalog",
        "plans[0].parentPlanId",
        &["plan `free`", "cycle"],
    );
    // A cycle of three, plus a plan that leads into it without being part of it.
    let e = catalog_err(&edit(|c| {
        c["plans"][0]["parentPlanId"] = json!("c");
        let plans = c["plans"].as_array_mut().unwrap();
        plans.push(json!({"id": "c", "parentPlanId": "pro"}));
        plans.push(json!({"id": "leaf", "parentPlanId": "free"}));
    }));
    for (path, id) in [
        ("plans[0].parentPlanId", "plan `free`"),
        ("plans[1].parentPlanId", "plan `pro`"),
        ("plans[2].parentPlanId", "plan `c`"),
    ] {
        assert_violation(&e, "invalid_catalog", path, &[id, "cycle"]);
    }
}

#[test]
fn same_feature_twice() {
    let e = catalog_err(&edit(|c| {
        c["plans"][1]["entitlements"]
            .as_array_mut()
            .unwrap()
            .push(json!({"featureId": "api-calls", "usageLimit": 5}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "plans[1].entitlements[2].featureId",
        &["plan `pro`", "`api-calls`", "twice"],
    );
    let e = catalog_err(&edit(|c| {
        c["addons"][1]["entitlements"]
            .as_array_mut()
            .unwrap()
            .push(json!({"featureId": "sso"}))
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "addons[1].entitlements[1].featureId",
        &["add-on `sso-addon`", "`sso`", "twice"],
    );
}

#[test]
fn unknown_fields_are_rejected() {
    let e = catalog_err(&edit(|c| {
        c["plans"][0]["entitlements"][0]["limit"] = json!(5)
    }));
    assert_eq!(e.code.as_str(), "invalid_catalog");
    let path = e.path().unwrap_or_default();
    assert!(
        path.starts_with("plans[0].entitlements[0]"),
        "path {path:?}"
    );
    assert!(e.to_string().contains("`limit`"), "{e}");
    let e = catalog_err(&edit(|c| c["coupons"] = json!([])));
    assert_eq!(e.code.as_str(), "invalid_catalog");
    assert!(e.to_string().contains("`coupons`"), "{e}");
    let e = catalog_err(&edit(|c| c["features"][0]["colour"] = json!("red")));
    assert!(
        e.path().unwrap_or_default().starts_with("features[0]"),
        "{e:?}"
    );
}

#[test]
fn not_json_is_an_invalid_catalog() {
    let e = ValidCatalog::from_json("{\"features\": [").unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_catalog");
    assert!(!e.violations.is_empty());
}

// ------------------------------------------------------------------ catalog, all at once

#[test]
fn every_violation_of_a_catalog_is_reported() {
    let c = edit(|c| {
        c["features"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "", "type": "boolean"})); // features[4].id
        c["plans"][0]["entitlements"][0]["value"] = json!(5); // plans[0].entitlements[0].value
        c["plans"][1]["parentPlanId"] = json!("gold"); // plans[1].parentPlanId
        c["plans"][1]["entitlements"]
            .as_array_mut()
            .unwrap()
            .push(json!({"featureId": "sso"})); // plans[1].entitlements[2].featureId
        c["addons"][0]["compatiblePlanIds"] = json!(["gold"]); // addons[0].compatiblePlanIds[0]
        c["addons"][1]["entitlements"][0]["featureId"] = json!("ghost"); // addons[1].entitlements[0].featureId
        c["addons"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "extra-calls"})); // addons[2].id
    });
    let e = catalog_err(&c);
    let paths: Vec<&str> = e.violations.iter().map(|v| v.path.as_str()).collect();
    for p in [
        "features[4].id",
        "plans[0].entitlements[0].value",
        "plans[1].parentPlanId",
        "plans[1].entitlements[2].featureId",
        "addons[0].compatiblePlanIds[0]",
        "addons[1].entitlements[0].featureId",
        "addons[2].id",
    ] {
        assert!(paths.contains(&p), "`{p}` not reported; got {paths:?}");
    }
    assert_eq!(e.violations.len(), 7, "{:#?}", e.violations);
    assert!(e.to_string().ends_with("(and 6 more errors)"), "{e}");
}

/// API.md: `PUT /v1/catalog` answers "422 with every error on an invalid one". A shape
/// error (a fractional usageLimit) must not hide the other violations.
#[test]
fn shape_errors_do_not_hide_the_other_violations() {
    let c = edit(|c| {
        c["plans"][0]["entitlements"][0]["usageLimit"] = json!(1.5);
        c["plans"][1]["parentPlanId"] = json!("gold");
    });
    let e = catalog_err(&c);
    let paths: Vec<&str> = e.violations.iter().map(|v| v.path.as_str()).collect();
    assert!(
        paths.contains(&"plans[0].entitlements[0].usageLimit")
            && paths.contains(&"plans[1].parentPlanId"),
        "only {paths:?} reported"
    );
}

/// SEMANTICS section 1: "The error says which entity and field are wrong." A shape error's
/// message names the field (in the path) but should name the entity too, like the others.
#[test]
fn shape_error_messages_name_the_entity() {
    let e = catalog_err(&edit(|c| {
        c["plans"][1]["entitlements"][1]["usageLimit"] = json!(-3)
    }));
    assert_violation(
        &e,
        "invalid_catalog",
        "plans[1].entitlements[1].usageLimit",
        &["plan `pro`"],
    );
}

// ------------------------------------------------------------------ customer state

fn sub(id: &str, plan: &str, addons: Value) -> Value {
    json!({"id": id, "planId": plan, "status": "active", "startDate": "2026-01-01T00:00:00Z", "addons": addons})
}

#[test]
fn customer_rules() {
    let e = customer_err(&json!({"id": "acme", "subscriptions": [sub("s1", "gold", json!([]))]}));
    assert_violation(
        &e,
        "invalid_customer",
        "subscriptions[0].planId",
        &["`gold`", "`s1`"],
    );

    let e = customer_err(&json!({"id": "acme", "subscriptions": [
        sub("s1", "pro", json!([{"addonId": "turbo"}]))]}));
    assert_violation(
        &e,
        "invalid_customer",
        "subscriptions[0].addons[0].addonId",
        &["`turbo`", "`s1`"],
    );

    let e = customer_err(&json!({"id": "acme", "subscriptions": [
        sub("s1", "free", json!([{"addonId": "extra-calls"}]))]}));
    assert_violation(
        &e,
        "invalid_customer",
        "subscriptions[0].addons[0].addonId",
        &["`extra-calls`", "`free`", "compatible"],
    );

    for q in [0, 6] {
        let e = customer_err(&json!({"id": "acme", "subscriptions": [
            sub("s1", "pro", json!([{"addonId": "extra-calls", "quantity": q}]))]}));
        assert_violation(
            &e,
            "invalid_customer",
            "subscriptions[0].addons[0].quantity",
            &["`extra-calls`", &q.to_string(), "5"],
        );
    }
    // maxQuantity defaults to 1.
    let e = customer_err(&json!({"id": "acme", "subscriptions": [
        sub("s1", "free", json!([{"addonId": "sso-addon", "quantity": 2}]))]}));
    assert_violation(
        &e,
        "invalid_customer",
        "subscriptions[0].addons[0].quantity",
        &["`sso-addon`"],
    );
}

#[test]
fn unparseable_dates() {
    for (field, bad) in [
        ("startDate", "2026-02-30T00:00:00Z"),
        ("endDate", "2026-03-01"),
        ("trialEndDate", "tomorrow"),
        ("cancellationDate", "2026-03-01T00:00:00"),
    ] {
        let mut s = sub("s1", "pro", json!([]));
        s[field] = json!(bad);
        let e = customer_err(&json!({"id": "acme", "subscriptions": [s]}));
        assert_violation(
            &e,
            "invalid_customer",
            &format!("subscriptions[0].{field}"),
            &[bad],
        );
    }
    let e = customer_err(&json!({"id": "acme", "promotionalEntitlements": [
        {"featureId": "sso", "expiresAt": "soon"}]}));
    assert_violation(
        &e,
        "invalid_customer",
        "promotionalEntitlements[0].expiresAt",
        &["`soon`"],
    );
}

#[test]
fn every_violation_of_a_customer_is_reported() {
    let e = customer_err(&json!({"id": "acme", "subscriptions": [
        sub("s1", "gold", json!([])),
        sub("s2", "pro", json!([{"addonId": "turbo"}, {"addonId": "extra-calls", "quantity": 9}])),
        sub("s3", "free", json!([{"addonId": "extra-calls"}]))
    ], "promotionalEntitlements": [{"featureId": "ghost"}]}));
    let paths: Vec<&str> = e.violations.iter().map(|v| v.path.as_str()).collect();
    for p in [
        "subscriptions[0].planId",
        "subscriptions[1].addons[0].addonId",
        "subscriptions[1].addons[1].quantity",
        "subscriptions[2].addons[0].addonId",
        "promotionalEntitlements[0].featureId",
    ] {
        assert!(paths.contains(&p), "`{p}` not reported; got {paths:?}");
    }
    assert_eq!(e.code.as_str(), "invalid_customer");
}

// ------------------------------------------------------------------ snapshots and arguments

#[test]
fn snapshot_errors() {
    let e = Snapshot::decode(b"EEs").unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_snapshot");
    assert!(e.to_string().contains("truncated"), "{e}");
    let e = Snapshot::decode(b"GIF89a\x00\x00\x00\x00\x00\x00").unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_snapshot");
    assert!(e.to_string().contains("magic"), "{e}");
    let e = Snapshot::decode(b"EEsn\x09\x00\x00\x00\x00\x00").unwrap_err();
    assert_eq!(e.code.as_str(), "unsupported_snapshot_version");
    assert!(e.to_string().contains('9'), "{e}");

    let e = Snapshot::from_json("{}").unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_snapshot");
    assert_eq!(e.path(), Some("formatVersion"));
    let e = Snapshot::from_json("{\"formatVersion\": 99}").unwrap_err();
    assert_eq!(e.code.as_str(), "unsupported_snapshot_version");
    let e = Snapshot::from_json("not json").unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_snapshot");
}

#[test]
fn a_snapshot_json_with_a_bad_field_names_it() {
    let catalog = ValidCatalog::from_json(&base_catalog().to_string()).unwrap();
    let state = CustomerState::from_json(
        &json!({"id": "acme", "subscriptions": [sub("s1", "pro", json!([]))]}).to_string(),
    )
    .unwrap();
    let opts = BuildOptions {
        environment: "test",
        version: 1,
        catalog_version: 1,
        now: Timestamp::parse("2026-03-01T00:00:00Z").unwrap(),
    };
    let mut snap = Snapshot::build(&catalog, state, opts).unwrap().to_json();
    snap["customer"]["subscriptions"][0]["planId"] = json!("gold");
    let e = Snapshot::from_json(&snap.to_string()).unwrap_err();
    assert_violation(
        &e,
        "invalid_snapshot",
        "customer.subscriptions[0].planId",
        &["`gold`"],
    );
}

#[test]
fn usage_errors_name_the_item_and_field_and_change_nothing() {
    let catalog = ValidCatalog::from_json(&base_catalog().to_string()).unwrap();
    let state = CustomerState::from_json(
        &json!({"id": "acme", "subscriptions": [sub("s1", "pro", json!([]))]}).to_string(),
    )
    .unwrap();
    let mut eval = Evaluator::new(Prepared::new(&catalog, state).unwrap());
    let store = MemoryStore::new();
    let now = Timestamp::parse("2026-03-01T00:00:00Z").unwrap();
    let good = json!({"featureId": "api-calls", "value": 5});
    for (bad, path, words) in [
        (
            json!({"featureId": "ghost", "value": 1}),
            "[1].featureId",
            &["`ghost`"][..],
        ),
        (
            json!({"featureId": "sso", "value": 1}),
            "[1].featureId",
            &["`sso`", "metered"],
        ),
        (
            json!({"featureId": "api-calls", "value": 1e308}),
            "[1].value",
            &["2^53-1"],
        ),
        (
            json!({"featureId": "api-calls", "value": 1, "timestamp": "2026-03-01T00:05:01Z"}),
            "[1].timestamp",
            &["300 s"],
        ),
    ] {
        let items: Vec<ReportInput> = [&good, &bad]
            .iter()
            .enumerate()
            .map(|(i, v)| ReportInput::from_json(v, &format!("[{i}].")).unwrap())
            .collect();
        let before = eval.prepared().state().clone();
        match Ledger::new(&mut eval, &store, now).report(&items) {
            Err(LedgerError::Rejected(e)) => assert_violation(&e, "invalid_usage", path, words),
            other => panic!("expected a rejection, got {other:?}"),
        }
        assert_eq!(
            eval.prepared().state(),
            &before,
            "a rejected batch stores nothing, the good item included"
        );
    }
}

#[test]
fn a_promotion_must_expire_after_it_starts() {
    // SEMANTICS section 2: an `expiresAt` not after `startDate` is an invalid customer
    // state; equal instants included (the promotion would never be in force).
    for expires in ["2026-03-01T00:00:00Z", "2026-02-28T23:59:59.999Z"] {
        let e = customer_err(&json!({"id": "acme", "promotionalEntitlements": [
            {"featureId": "sso", "startDate": "2026-03-01T00:00:00Z", "expiresAt": expires}]}));
        assert_violation(
            &e,
            "invalid_customer",
            "promotionalEntitlements[0].expiresAt",
            &["`sso`", "not after startDate"],
        );
    }
    let ok = json!({"id": "acme", "promotionalEntitlements": [
        {"featureId": "sso", "startDate": "2026-03-01T00:00:00Z", "expiresAt": "2026-03-01T00:00:00.001Z"}]});
    let catalog = ValidCatalog::from_json(&base_catalog().to_string()).unwrap();
    Prepared::new(&catalog, CustomerState::from_json(&ok.to_string()).unwrap()).unwrap();
}
