//! The one matcher of expected answers, shared by the native suites (`tests/vectors.rs`,
//! `tests/scenarios.rs`) and the browser suite (`tests/browser.rs`, which turns the JS
//! results into JSON first). The rule is SCENARIOS.md's and the vectors': `expect` is a
//! subset of the answer; only the members it names are compared; `null` means absent
//! (or null); numbers compare as numbers; RFC 3339 strings compare as instants; arrays
//! compare element by element and must have the same length.

use edge_entitlements::Timestamp;
use serde_json::Value;

/// The first difference between `expected` and `actual` at `path`, or `None` when they match.
pub fn mismatch(expected: &Value, actual: Option<&Value>, path: &str) -> Option<String> {
    let show = |v: Option<&Value>| v.map_or_else(|| "absent".to_string(), Value::to_string);
    let at = |p: &str| {
        if p.is_empty() {
            "answer".to_string()
        } else {
            p.to_string()
        }
    };
    match (expected, actual) {
        (Value::Null, None | Some(Value::Null)) => None,
        (Value::Null, Some(a)) => Some(format!("{}: expected absent, got {a}", at(path))),
        (_, None) => Some(format!("{}: expected {expected}, got absent", at(path))),
        (Value::Object(e), Some(Value::Object(a))) => e.iter().find_map(|(k, ev)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            mismatch(ev, a.get(k), &p)
        }),
        (Value::Array(e), Some(Value::Array(a))) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{}: expected {} elements, got {}: {}",
                    at(path),
                    e.len(),
                    a.len(),
                    show(actual)
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (ev, av))| mismatch(ev, Some(av), &format!("{path}[{i}]")))
        }
        (Value::Number(e), Some(Value::Number(a))) if e.as_f64() == a.as_f64() => None,
        (Value::String(e), Some(Value::String(a))) => {
            let same = match (Timestamp::parse(e), Timestamp::parse(a)) {
                (Some(x), Some(y)) => x == y,
                _ => e == a,
            };
            (!same).then(|| format!("{}: expected {expected}, got {a}", at(path)))
        }
        (e, Some(a)) if e == a => None,
        (e, Some(a)) => Some(format!("{}: expected {e}, got {a}", at(path))),
    }
}

/// Whether `actual` matches `expected` (see [`mismatch`]).
#[allow(
    dead_code,
    reason = "not every suite that includes this module uses it"
)]
pub fn matches(expected: &Value, actual: Option<&Value>) -> bool {
    mismatch(expected, actual, "").is_none()
}
