//! The npm package's JS-facing API (`js/client.js` over the raw wasm exports) in headless
//! Chromium and Firefox: every spec vector, fallbacks, errors, snapshot ordering, local
//! usage, listeners, Dates and bad bytes. Run by `scripts/test-browser.sh`.
//!
//! `tests/browser_embeds.rs` (native) fails when a file of `tests/vectors/` is missing
//! from `VECTORS`.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use edge_entitlements::wasm::{
    build_snapshot as raw_build, memory, tables, validate_catalog as raw_validate, RawEngine,
};
use js_sys::{Array, Date, Function, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/client.js")]
extern "C" {
    fn bind(raw: &JsValue);
    #[wasm_bindgen(js_name = validateCatalog, catch)]
    fn validate_catalog(catalog: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = buildSnapshot, catch)]
    fn build_snapshot(
        catalog: &JsValue,
        customer: &JsValue,
        options: &JsValue,
    ) -> Result<Uint8Array, JsValue>;

    type EntitlementsClient;
    #[wasm_bindgen(constructor)]
    fn new(options: &JsValue) -> EntitlementsClient;
    #[wasm_bindgen(method, js_name = applySnapshot, catch)]
    fn apply_snapshot(this: &EntitlementsClient, bytes: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, js_name = getBooleanEntitlement)]
    fn get_boolean(this: &EntitlementsClient, params: &JsValue) -> JsValue;
    #[wasm_bindgen(method, js_name = getNumericEntitlement)]
    fn get_numeric(this: &EntitlementsClient, params: &JsValue) -> JsValue;
    #[wasm_bindgen(method, js_name = getMeteredEntitlement)]
    fn get_metered(this: &EntitlementsClient, params: &JsValue) -> JsValue;
    #[wasm_bindgen(method, js_name = getEntitlements)]
    fn get_entitlements(this: &EntitlementsClient) -> Array;
    #[wasm_bindgen(method, js_name = recordUsage, catch)]
    fn record_usage(
        this: &EntitlementsClient,
        feature_id: &str,
        amount: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, js_name = snapshotInfo)]
    fn snapshot_info(this: &EntitlementsClient) -> JsValue;
    #[wasm_bindgen(method, js_name = addListener)]
    fn add_listener(this: &EntitlementsClient, listener: &Function) -> Function;
}

#[wasm_bindgen(inline_js = r#"
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
function show(v) { return v instanceof Date ? v.toISOString() : JSON.stringify(v); }
// tests/vectors.rs's rule: every member of `expected` matches, null = absent, dates as instants.
export function mismatch(expected, actual, path = "") {
  if (expected === null) return actual === undefined || actual === null ? "" : `${path}: expected absent, got ${show(actual)}`;
  if (actual === undefined) return `${path}: expected ${show(expected)}, got absent`;
  if (typeof expected === "string" && RFC3339.test(expected)) {
    if (!(actual instanceof Date)) return `${path}: expected a Date, got ${show(actual)}`;
    return actual.getTime() === Date.parse(expected) ? "" : `${path}: expected ${expected}, got ${actual.toISOString()}`;
  }
  if (typeof expected === "object" && !Array.isArray(expected)) {
    if (typeof actual !== "object" || actual === null) return `${path}: expected an object, got ${show(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const m = mismatch(v, actual[k], path ? `${path}.${k}` : k);
      if (m) return m;
    }
    return "";
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? "" : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}
export function fixedNow(ms) { return () => new Date(ms); }
export function errorOf(f) { try { f(); return undefined; } catch (e) { return e; } }
"#)]
extern "C" {
    fn mismatch(expected: &JsValue, actual: &JsValue) -> String;
    #[wasm_bindgen(js_name = fixedNow)]
    fn fixed_now(ms: f64) -> Function;
}

const VECTORS: &[(&str, &str)] = &[
    (
        "addon-increment.json",
        include_str!("vectors/addon-increment.json"),
    ),
    ("denials.json", include_str!("vectors/denials.json")),
    ("fallbacks.json", include_str!("vectors/fallbacks.json")),
    (
        "lifecycle-ended.json",
        include_str!("vectors/lifecycle-ended.json"),
    ),
    (
        "lifecycle-expired.json",
        include_str!("vectors/lifecycle-expired.json"),
    ),
    (
        "lifecycle-trial-active.json",
        include_str!("vectors/lifecycle-trial-active.json"),
    ),
    (
        "lifecycle-trial-ended.json",
        include_str!("vectors/lifecycle-trial-ended.json"),
    ),
    (
        "monthly-month-end.json",
        include_str!("vectors/monthly-month-end.json"),
    ),
    ("promotions.json", include_str!("vectors/promotions.json")),
    (
        "reject-customer-unknown-plan.json",
        include_str!("vectors/reject-customer-unknown-plan.json"),
    ),
    (
        "reject-cycle.json",
        include_str!("vectors/reject-cycle.json"),
    ),
    (
        "reject-unknown-feature.json",
        include_str!("vectors/reject-unknown-feature.json"),
    ),
    (
        "weekday-and-calendar-anchors.json",
        include_str!("vectors/weekday-and-calendar-anchors.json"),
    ),
];

const DAY: f64 = 86_400_000.0;

/// Hands `js/client.js` the raw exports, as the package's `index.js` does.
fn setup() {
    let raw = Object::new();
    let set = |k: &str, f: JsValue| {
        Reflect::set(&raw, &k.into(), &f).unwrap();
    };
    set(
        "newEngine",
        Closure::<dyn Fn() -> JsValue>::new(|| JsValue::from(RawEngine::new())).into_js_value(),
    );
    set(
        "validateCatalog",
        Closure::<dyn Fn(String) -> Result<(), JsValue>>::new(|c: String| raw_validate(&c))
            .into_js_value(),
    );
    set(
        "buildSnapshot",
        Closure::<dyn Fn(String, String, String, f64, f64, f64) -> Result<Vec<u8>, JsValue>>::new(
            |c: String, s: String, e: String, v: f64, cv: f64, n: f64| {
                raw_build(&c, &s, &e, v, cv, n)
            },
        )
        .into_js_value(),
    );
    set(
        "memory",
        Closure::<dyn Fn() -> JsValue>::new(memory).into_js_value(),
    );
    set(
        "tables",
        Closure::<dyn Fn() -> String>::new(tables).into_js_value(),
    );
    bind(&raw);
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn client_at(ms: f64) -> EntitlementsClient {
    EntitlementsClient::new(&obj(&[("now", fixed_now(ms).into())]))
}

fn build(catalog: &JsValue, customer: &JsValue, version: f64, now_ms: f64) -> Uint8Array {
    let opts = obj(&[
        ("environment", "production".into()),
        ("version", version.into()),
        ("catalogVersion", 1.into()),
        ("now", Date::new(&now_ms.into()).into()),
    ]);
    build_snapshot(catalog, customer, &opts).unwrap()
}

fn assert_error(err: JsValue, code: &str) {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    assert_eq!(
        get(&err, "name").as_string().as_deref(),
        Some("EntitlementsError")
    );
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some(code),
        "{err:?}"
    );
    assert!(Array::is_array(&get(&err, "details")));
}

#[wasm_bindgen_test]
fn every_vector() {
    setup();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (name, text) in VECTORS {
        let v = parse(text);
        let catalog = get(&v, "catalog");
        let customer = get(&v, "customer");
        let expect_error = get(&v, "expectError");
        if !expect_error.is_undefined() {
            cases += 1;
            let err = validate_catalog(&catalog).err().or_else(|| {
                let opts = obj(&[("environment", "t".into()), ("version", 1.into())]);
                build_snapshot(&catalog, &customer, &opts).err()
            });
            match err {
                Some(e) => {
                    let want = get(&expect_error, "code").as_string();
                    if get(&e, "code").as_string() != want {
                        failures.push(format!("{name}: expected {want:?}, got {e:?}"));
                    }
                }
                None => failures.push(format!("{name}: expected an error, input was accepted")),
            }
            continue;
        }
        for case in Array::from(&get(&v, "cases")).iter() {
            cases += 1;
            let now = Date::parse(&get(&case, "now").as_string().unwrap());
            let check = get(&case, "check");
            let client = client_at(now);
            assert!(client
                .apply_snapshot(&build(&catalog, &customer, 1.0, now - DAY))
                .unwrap());
            let opts = obj(&[
                ("requestedUsage", get(&check, "requestedUsage")),
                ("fallback", get(&check, "fallback")),
            ]);
            let params = obj(&[("featureId", get(&check, "featureId")), ("options", opts)]);
            let got = match get(&check, "kind").as_string().as_deref() {
                Some("boolean") => client.get_boolean(&params),
                Some("numeric") => client.get_numeric(&params),
                _ => client.get_metered(&params),
            };
            let m = mismatch(&get(&case, "expect"), &got);
            if !m.is_empty() {
                let desc = get(&case, "description").as_string().unwrap_or_default();
                failures.push(format!("{name} `{desc}`: {m}"));
            }
        }
    }
    assert!(cases > 30, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn pro() -> (JsValue, JsValue, f64) {
    let v = parse(
        VECTORS
            .iter()
            .find(|(n, _)| *n == "fallbacks.json")
            .unwrap()
            .1,
    );
    (
        get(&v, "catalog"),
        get(&v, "customer"),
        Date::parse("2026-03-15T00:00:00Z"),
    )
}

#[wasm_bindgen_test]
fn results_have_dates_and_absent_fields() {
    setup();
    let (catalog, customer, now) = pro();
    let client = client_at(now);
    client
        .apply_snapshot(&build(&catalog, &customer, 1.0, now))
        .unwrap();
    let r = client.get_metered(&obj(&[("featureId", "api-calls".into())]));
    assert_eq!(get(&r, "usageLimit").as_f64(), Some(50000.0));
    assert!(get(&r, "usagePeriodStart").is_instance_of::<Date>());
    assert_eq!(
        Date::from(get(&r, "usagePeriodEnd")).get_time(),
        Date::parse("2026-03-31T10:00:00Z")
    );
    assert!(!Reflect::has(&r, &"accessDeniedReason".into()).unwrap());
    let info = client.snapshot_info();
    assert!(get(&info, "issuedAt").is_instance_of::<Date>());
    assert_eq!(get(&info, "version").as_f64(), Some(1.0));
    assert_eq!(client.get_entitlements().length(), 7);
}

#[wasm_bindgen_test]
fn fallbacks_ordering_usage_and_listeners() {
    setup();
    let (catalog, customer, now) = pro();
    let fb = obj(&[(
        "api-calls",
        obj(&[("hasAccess", true.into()), ("usageLimit", 3.into())]),
    )]);
    let client = EntitlementsClient::new(&obj(&[
        ("now", fixed_now(now).into()),
        ("entitlementsFallback", fb),
    ]));
    let params = obj(&[("featureId", "api-calls".into())]);
    let r = client.get_metered(&params);
    assert_eq!(get(&r, "isFallback").as_bool(), Some(true));
    assert_eq!(get(&r, "usageLimit").as_f64(), Some(3.0));
    assert!(client.snapshot_info().is_null());

    let seen = Array::new();
    let seen2 = seen.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |info: JsValue| {
        seen2.push(&get(&info, "version"));
    });
    client.add_listener(listener.as_ref().unchecked_ref());
    assert!(client
        .apply_snapshot(&build(&catalog, &customer, 2.0, now))
        .unwrap());
    assert!(!client
        .apply_snapshot(&build(&catalog, &customer, 1.0, now))
        .unwrap());
    assert_eq!(seen.length(), 1);

    let used = client.record_usage("api-calls", 49_999.0).unwrap();
    assert_eq!(get(&used, "currentUsage").as_f64(), Some(49_999.0));
    let denied = client.get_metered(&obj(&[
        ("featureId", "api-calls".into()),
        ("options", obj(&[("requestedUsage", 2.into())])),
    ]));
    assert_eq!(
        get(&denied, "accessDeniedReason").as_string().as_deref(),
        Some("RequestedUsageExceedingLimit")
    );
    assert!(client
        .apply_snapshot(&build(&catalog, &customer, 3.0, now))
        .unwrap());
    assert_eq!(
        get(&client.get_metered(&params), "currentUsage").as_f64(),
        Some(0.0)
    );
    assert_eq!(seen.length(), 2);
    assert_error(
        client.record_usage("sso", 1.0).unwrap_err(),
        "invalid_argument",
    );
}

#[wasm_bindgen_test]
fn errors_and_bad_bytes() {
    setup();
    let (catalog, customer, now) = pro();
    let bad = parse(r#"{"features": [{"id": "x", "type": "nope"}]}"#);
    let err = validate_catalog(&bad).unwrap_err();
    assert_error(err.clone(), "invalid_catalog");
    assert_eq!(
        get(&err, "path").as_string().as_deref(),
        Some("features[0].type")
    );
    let opts = obj(&[("environment", "p".into()), ("version", (-1).into())]);
    assert_error(
        build_snapshot(&catalog, &customer, &opts).unwrap_err(),
        "invalid_argument",
    );

    let client = client_at(now);
    let good = build(&catalog, &customer, 1.0, now).to_vec();
    let try_apply = |bytes: &[u8]| client.apply_snapshot(&Uint8Array::from(bytes).into());
    let mut corrupt = good.clone();
    let last = corrupt.len() - 2;
    corrupt[last] ^= 0xff;
    assert_error(try_apply(&corrupt).unwrap_err(), "invalid_snapshot");
    assert_error(
        try_apply(&good[..good.len() / 2]).unwrap_err(),
        "invalid_snapshot",
    );
    assert_error(
        try_apply(b"PK\x03\x04 not a snapshot").unwrap_err(),
        "invalid_snapshot",
    );
    let mut future = good.clone();
    future[4] = 9;
    assert_error(
        try_apply(&future).unwrap_err(),
        "unsupported_snapshot_version",
    );
    assert!(try_apply(&good).unwrap());
    // A check never throws, not even with nonsense arguments.
    let r = client.get_metered(&obj(&[
        ("featureId", 5.into()),
        ("options", obj(&[("requestedUsage", "x".into())])),
    ]));
    assert_eq!(get(&r, "hasAccess").as_bool(), Some(false));
}
