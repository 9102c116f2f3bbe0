//! The few JSON texts the wasm face hands to `js/client.js`, written by hand.
//!
//! Why not serde_json: its serializer, the `Serialize` impls and `itoa` cost about 4 KB
//! of wasm for three small shapes that only `JSON.parse` on the JS side reads.

use crate::catalog::Feature;
use crate::error::Violation;
use crate::json::input::{FEATURE_TYPES, METERS};
use crate::snapshot::SnapshotInfo;

/// Appends `s` as a JSON string (quotes, backslashes and control characters escaped).
pub(crate) fn string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `,"key":` (without the comma for the first field of an object).
fn key(out: &mut String, key: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    string(out, key);
    out.push(':');
}

fn name<T: PartialEq>(table: &[(&'static str, T)], t: &T) -> &'static str {
    table.iter().find(|(_, x)| x == t).map_or("", |(n, _)| n)
}

/// The result `feature` objects of `features`: `[{"id", "type", "meter"?, "units"?,
/// "unitsPlural"?, "displayName"?}, ..]`.
pub(crate) fn features(features: &[Feature]) -> String {
    let mut out = String::from("[");
    for f in features {
        if out.len() > 1 {
            out.push(',');
        }
        out.push('{');
        key(&mut out, "id");
        string(&mut out, &f.id);
        key(&mut out, "type");
        string(&mut out, name(&FEATURE_TYPES, &f.feature_type));
        if let Some(meter) = &f.meter {
            key(&mut out, "meter");
            string(&mut out, name(&METERS, meter));
        }
        let optional = [
            ("units", &f.units),
            ("unitsPlural", &f.units_plural),
            ("displayName", &f.display_name),
        ];
        for (k, v) in optional {
            if let Some(v) = v {
                key(&mut out, k);
                string(&mut out, v);
            }
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// `{"customerId", "environment", "version", "catalogVersion"}` of `info`, or `null`.
/// The dates go through the output slots instead (`RawEngine::info_dates`).
pub(crate) fn info(info: Option<&SnapshotInfo>) -> String {
    let Some(info) = info else {
        return "null".into();
    };
    let mut out = String::from("{");
    key(&mut out, "customerId");
    string(&mut out, &info.customer_id);
    key(&mut out, "environment");
    string(&mut out, &info.environment);
    key(&mut out, "version");
    out.push_str(&info.version.to_string());
    key(&mut out, "catalogVersion");
    out.push_str(&info.catalog_version.to_string());
    out.push('}');
    out
}

/// `[{"path", "message"}, ..]`.
pub(crate) fn violations(violations: &[Violation]) -> String {
    let mut out = String::from("[");
    for v in violations {
        if out.len() > 1 {
            out.push(',');
        }
        out.push('{');
        key(&mut out, "path");
        string(&mut out, &v.path);
        key(&mut out, "message");
        string(&mut out, &v.message);
        out.push('}');
    }
    out.push(']');
    out
}
