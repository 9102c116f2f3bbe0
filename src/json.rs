//! JSON in and out of the core, through serde: [`from_json`] reads any input type (the
//! catalog, a customer state) with `serde_json` ([`from_deserializer`] from any other
//! format, such as a JS value), and `serde_path_to_error` names the field of a shape
//! error (`plans[1].entitlements[0].usageLimit`); [`strip_nulls`] leaves absent
//! fields out of what the crate writes. The schema of each type is its serde derive.

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorCode, Result};

/// Parses `json` as a `T`. Errors carry `code`, the path of the offending field (`""` for
/// the whole input) and serde's message without its line and column, which follow in
/// the message when the JSON itself does not parse.
pub(crate) fn from_json<T: DeserializeOwned>(json: &str, code: ErrorCode) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let path = if path == "." || inner.is_syntax() || inner.is_eof() {
            String::new()
        } else {
            path
        };
        Error::new(code, path, message(&inner))
    })?;
    de.end().map_err(|e| Error::new(code, "", message(&e)))?;
    Ok(value)
}

/// Reads a `T` from any serde deserializer (a JS value in the npm package), with the same
/// errors as [`from_json`]: `code`, the path of the offending field, serde's message.
#[cfg_attr(
    not(feature = "wasm-build"),
    allow(
        dead_code,
        reason = "read JS values in the npm package's building half"
    )
)]
pub(crate) fn from_deserializer<'de, D, T>(de: D, code: ErrorCode) -> Result<T>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
    T: serde::Deserialize<'de>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        Error::new(code, path, e.into_inner().to_string())
    })
}

/// serde_json's message; the position is kept only for syntax errors (`invalid JSON:
/// expected value at line 3 column 3`), where it is the only way to find the mistake.
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.is_syntax() || e.is_eof() {
        return format!("invalid JSON: {text}");
    }
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Removes `null` members of every object, so that absent fields are absent in the JSON
/// this crate writes (snapshots, customer states).
pub(crate) fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomerState, ValidCatalog};

    #[test]
    fn shape_errors_name_the_field_syntax_errors_the_place() {
        let e = ValidCatalog::from_json(
            r#"{"features": [], "plans": [{"id": "a"}, {"id": "b", "entitlements": [{"featureId": "x", "usageLimit": "many"}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidCatalog);
        assert_eq!(e.path(), Some("plans[1].entitlements[0].usageLimit"));
        assert!(!e.to_string().contains(" at line "), "{e}");
        let e = ValidCatalog::from_json("{\n  \"features\": [\n  ,]}").unwrap_err();
        assert_eq!(e.path(), None);
        assert!(e.to_string().starts_with("invalid JSON: "), "{e}");
        assert!(e.to_string().contains("line 3 column 3"), "{e}");
        let e = CustomerState::from_json(r#"{"id": "c", "extra": 1}"#).unwrap_err();
        assert_eq!(
            (e.code, e.path()),
            (ErrorCode::InvalidCustomer, Some("extra"))
        );
        let e = CustomerState::from_json(r#"{"id": "c"} trailing"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidCustomer);
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(ValidCatalog::from_json(&deep).is_err());
    }
}
