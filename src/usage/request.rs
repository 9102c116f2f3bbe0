//! Usage reports and consumes as they arrive (SEMANTICS section 6), read from their JSON
//! form in two steps: [`ReportInput::from_json`] / [`ConsumeInput::from_json`] check the
//! shape and keep the payload as sent (so that a retried idempotency key is compared
//! with what was first sent before anything else is judged), then
//! [`ReportInput::validate`] applies the rules: a metered feature of the catalog, a
//! known `updateBehavior`, a finite `value` within 2^53-1, a `timestamp` at most 300 s
//! ahead of `now`. Every rejection is `invalid_usage` with the path of the field.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::FeatureType;
use crate::error::{Error, ErrorCode, Result};
use crate::features::{FeatureIdx, FeatureTable};
use crate::time::Timestamp;

/// The largest usage a value, a counter or a history total may hold: 2^53-1, the
/// largest integer a double (a JS number) holds exactly.
pub const MAX_USAGE: f64 = 9_007_199_254_740_991.0;

/// How far ahead of the server's `now` a report's `timestamp` may lie (the allowed clock
/// skew), in milliseconds: 300 s. One within it is taken as `now`.
pub const CLOCK_SKEW_MS: i64 = 300_000;

/// The longest idempotency key accepted, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;

/// How a usage report changes the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UsageUpdate {
    /// Add the value (negative values subtract; the result never goes below 0).
    Delta,
    /// Replace the counter with the value.
    Set,
}

impl UsageUpdate {
    /// The wire name: `delta` or `set`.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageUpdate::Delta => "delta",
            UsageUpdate::Set => "set",
        }
    }
}

/// A validated usage report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// A metered feature of the catalog.
    pub feature_id: String,
    /// Calls, seats...: the amount added (`delta`, may be negative) or the level (`set`).
    pub value: f64,
    /// Delta or set.
    pub update: UsageUpdate,
    /// When the usage happened, already brought to at most `now` (absent: `now`).
    pub at: Timestamp,
}

/// The members of a usage report, each kept as sent, so that a retried key can compare
/// the payload first sent before anything is judged: the one schema of a report.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReportFields {
    feature_id: Option<Value>,
    value: Option<Value>,
    update_behavior: Option<Value>,
    timestamp: Option<Value>,
    idempotency_key: Option<Value>,
}

/// The members of a check-and-consume, as sent: its one schema.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsumeFields {
    feature_id: Option<Value>,
    requested_usage: Option<Value>,
    idempotency_key: Option<Value>,
}

/// A usage report as sent: `{featureId, value, updateBehavior?, timestamp?,
/// idempotencyKey?}`, shape checked, rules not yet applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportInput {
    fields: ReportFields,
    path: String,
    key: Option<String>,
}

/// A check-and-consume as sent: `{featureId, requestedUsage?, idempotencyKey?}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumeInput {
    fields: ConsumeFields,
    path: String,
    key: Option<String>,
}

fn invalid(path: &str, field: &str, message: impl Into<String>) -> Error {
    let at = if field.is_empty() {
        path.trim_end_matches('.').to_string()
    } else {
        format!("{path}{field}")
    };
    Error::new(ErrorCode::InvalidUsage, at, message)
}

/// Reads an object of `T`'s fields (serde, unknown fields refused, with the path of the
/// offending field) and checks its idempotency key.
fn read_object<T: DeserializeOwned>(
    value: &Value,
    path: &str,
    what: &str,
    key: impl FnOnce(&T) -> Option<&Value>,
) -> Result<(T, Option<String>)> {
    if !value.is_object() {
        return Err(invalid(path, "", format!("a {what} must be a JSON object")));
    }
    let fields: T = crate::json::from_deserializer(value.clone(), ErrorCode::InvalidUsage)
        .map_err(|mut e| {
            for v in &mut e.violations {
                v.path = if v.path.is_empty() {
                    path.trim_end_matches('.').to_string()
                } else {
                    format!("{path}{}", v.path)
                };
            }
            e
        })?;
    let key = match key(&fields) {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_BYTES => {
            Some(k.clone())
        }
        Some(_) => {
            return Err(invalid(
                path,
                "idempotencyKey",
                format!(
                    "idempotencyKey must be a string of 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes"
                ),
            ))
        }
    };
    Ok((fields, key))
}

/// A number as the payload compares it: JSON numbers by value (`5` and `5.0` are one).
fn number_form(v: Option<&Value>, absent: Value) -> Value {
    match v {
        None | Some(Value::Null) => match absent {
            Value::Null => Value::Null,
            other => number_form(Some(&other), Value::Null),
        },
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::Number(n.clone()), Value::Number),
        Some(other) => other.clone(),
    }
}

/// The feature a report or consume names, which must be a string.
fn feature_id<'a>(field: Option<&'a Value>, path: &str) -> Result<&'a str> {
    match field {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(invalid(path, "featureId", "featureId is missing")),
        Some(_) => Err(invalid(path, "featureId", "featureId must be a string")),
    }
}

/// A metered feature of the catalog, or `invalid_usage` at `featureId`.
fn metered_feature(features: &FeatureTable, id: &str, path: &str) -> Result<FeatureIdx> {
    let idx = features.idx(id).ok_or_else(|| {
        invalid(
            path,
            "featureId",
            format!("`{id}` is not a feature of the catalog"),
        )
    })?;
    match features.at(idx) {
        Some(f) if f.feature_type == FeatureType::Metered => Ok(idx),
        _ => Err(invalid(
            path,
            "featureId",
            format!("`{id}` is not a metered feature: only metered usage is recorded"),
        )),
    }
}

impl ReportInput {
    /// Reads a report from JSON. `path` prefixes every error path (`"[2]."` for the
    /// third item of a batch, `""` alone). Errors (`invalid_usage`): not an object, an
    /// unknown field, an idempotency key that is not a string of 1 to 255 bytes.
    pub fn from_json(value: &Value, path: &str) -> Result<ReportInput> {
        let (fields, key) = read_object(value, path, "usage report", |f: &ReportFields| {
            f.idempotency_key.as_ref()
        })?;
        Ok(ReportInput {
            fields,
            path: path.to_string(),
            key,
        })
    }

    /// A report of `value` (delta or set) at `now`, as the npm package's `recordUsage` makes.
    pub fn new(feature_id: &str, value: f64, update: UsageUpdate) -> ReportInput {
        let fields = ReportFields {
            feature_id: Some(feature_id.into()),
            value: Some(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)),
            update_behavior: Some(update.as_str().into()),
            ..ReportFields::default()
        };
        ReportInput {
            fields,
            path: String::new(),
            key: None,
        }
    }

    /// The idempotency key, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The path prefix of this report's fields (`"[2]."` in a batch).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What a retry must repeat (SEMANTICS section 6, idempotency): the kind, `featureId`,
    /// `value`, `updateBehavior` (`delta` when absent) and `timestamp` as an instant.
    pub fn payload(&self) -> Value {
        let f = &self.fields;
        let timestamp = match &f.timestamp {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(s)) => Timestamp::parse_precise(s).map_or_else(
                || Value::String(s.clone()),
                |(t, nanos)| serde_json::json!([t.as_millis(), nanos]),
            ),
            Some(other) => other.clone(),
        };
        serde_json::json!({
            "kind": "report",
            "featureId": f.feature_id.clone().unwrap_or(Value::Null),
            "value": number_form(f.value.as_ref(), Value::Null),
            "updateBehavior": f.update_behavior.clone().filter(|v| !v.is_null())
                .unwrap_or_else(|| "delta".into()),
            "timestamp": timestamp,
        })
    }

    /// Applies the rules of section 6 at `now`: a metered feature of `features`, `delta`
    /// or `set`, a finite `value` of at most 2^53-1 in magnitude and not negative with
    /// `set`, an RFC 3339 `timestamp` at most 300 s ahead (then taken as `now`).
    /// Errors: `invalid_usage` with the field's path.
    pub fn validate(&self, features: &FeatureTable, now: Timestamp) -> Result<Report> {
        let path = self.path.as_str();
        let f = &self.fields;
        let feature = feature_id(f.feature_id.as_ref(), path)?;
        metered_feature(features, feature, path)?;
        let update = match &f.update_behavior {
            None | Some(Value::Null) => UsageUpdate::Delta,
            Some(Value::String(s)) if s == "delta" => UsageUpdate::Delta,
            Some(Value::String(s)) if s == "set" => UsageUpdate::Set,
            Some(other) => {
                return Err(invalid(
                    path,
                    "updateBehavior",
                    format!("updateBehavior must be `delta` or `set`, not {other}"),
                ))
            }
        };
        let value = match &f.value {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            None | Some(Value::Null) => {
                return Err(invalid(path, "value", "value is missing (or not finite)"))
            }
            Some(_) => return Err(invalid(path, "value", "value must be a number")),
        };
        let timestamp = match &f.timestamp {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Timestamp::parse_precise(s).ok_or_else(|| {
                invalid(
                    path,
                    "timestamp",
                    format!("timestamp `{s}` is not an RFC 3339 instant"),
                )
            })?),
            Some(_) => {
                return Err(invalid(
                    path,
                    "timestamp",
                    "timestamp must be an RFC 3339 string",
                ))
            }
        };
        Report::checked(features, feature, value, update, timestamp, now, path)
    }
}

impl Report {
    /// A report from typed parts, checked as [`ReportInput::validate`] checks one: a
    /// metered feature of `features`, a finite `value` within 2^53-1 (not negative with
    /// `set`), a `timestamp` (milliseconds and the nanoseconds below them) at most 300 s
    /// ahead of `now` (then `now`; absent: `now`).
    /// `path` prefixes error paths. Errors: `invalid_usage`.
    pub fn checked(
        features: &FeatureTable,
        feature_id: &str,
        value: f64,
        update: UsageUpdate,
        timestamp: Option<(Timestamp, u32)>,
        now: Timestamp,
        path: &str,
    ) -> Result<Report> {
        metered_feature(features, feature_id, path)?;
        check_value(value, update, path)?;
        let at = match timestamp {
            None => now,
            // Compared with every fraction of a second: 300.0001 s ahead is past the bound.
            Some((t, nanos)) if (t.as_millis(), nanos) > (now.as_millis().saturating_add(CLOCK_SKEW_MS), 0) => {
                return Err(invalid(
                    path,
                    "timestamp",
                    format!(
                        "timestamp {t} lies more than {} s after now ({now}): usage cannot be reported ahead of time",
                        CLOCK_SKEW_MS / 1000
                    ),
                ))
            }
            Some((t, _)) => t.min(now),
        };
        Ok(Report {
            feature_id: feature_id.to_string(),
            value,
            update,
            at,
        })
    }
}

/// A value within the bounds of section 6, or `invalid_usage` at `value`.
fn check_value(value: f64, update: UsageUpdate, path: &str) -> Result<()> {
    if !value.is_finite() || value.abs() > MAX_USAGE {
        return Err(invalid(
            path,
            "value",
            format!("value must be a finite number of at most 2^53-1 (9007199254740991) in magnitude, not {value}"),
        ));
    }
    if update == UsageUpdate::Set && value < 0.0 {
        return Err(invalid(
            path,
            "value",
            format!("a `set` value must not be negative, not {value}"),
        ));
    }
    Ok(())
}

impl ConsumeInput {
    /// Reads a consume from JSON (`featureId`, `requestedUsage`, `idempotencyKey`; a
    /// face strips its own fields such as `customerId` and `consume` first). Errors
    /// (`invalid_usage`): not an object, an unknown field, a bad idempotency key.
    pub fn from_json(value: &Value, path: &str) -> Result<ConsumeInput> {
        let (fields, key) = read_object(value, path, "consume", |f: &ConsumeFields| {
            f.idempotency_key.as_ref()
        })?;
        Ok(ConsumeInput {
            fields,
            path: path.to_string(),
            key,
        })
    }

    /// The idempotency key, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// What a retry must repeat: the kind, `featureId` and `requestedUsage` (0 when absent).
    pub fn payload(&self) -> Value {
        let f = &self.fields;
        serde_json::json!({
            "kind": "consume",
            "featureId": f.feature_id.clone().unwrap_or(Value::Null),
            "requestedUsage": number_form(f.requested_usage.as_ref(), 0.into()),
        })
    }

    /// The feature and the requested usage (calls, seats...; absent means 0), which must
    /// be a finite number from 0 to 2^53-1. The feature may be of any type or unknown:
    /// that is a decision, not an error. Errors: `invalid_usage`.
    pub fn validate(&self) -> Result<(&str, f64)> {
        let path = self.path.as_str();
        let feature = feature_id(self.fields.feature_id.as_ref(), path)?;
        let requested = requested_usage(self.fields.requested_usage.as_ref(), path)?;
        Ok((feature, requested))
    }
}

/// A check's `requestedUsage` (calls, seats...): absent means 0; otherwise a finite
/// number from 0 to 2^53-1, or `invalid_usage` at `requestedUsage`.
pub fn requested_usage(value: Option<&Value>, path: &str) -> Result<f64> {
    let requested = match value {
        None | Some(Value::Null) => 0.0,
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(_) => {
            return Err(invalid(
                path,
                "requestedUsage",
                "requestedUsage must be a number",
            ))
        }
    };
    if !requested.is_finite() || !(0.0..=MAX_USAGE).contains(&requested) {
        return Err(invalid(
            path,
            "requestedUsage",
            format!("requestedUsage must be a finite number from 0 to 2^53-1 (9007199254740991), not {requested}"),
        ));
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ValidCatalog;
    use serde_json::json;

    fn features() -> std::sync::Arc<FeatureTable> {
        ValidCatalog::from_json(
            r#"{"features": [{"id": "calls", "type": "metered", "meter": "incremental"},
                {"id": "sso", "type": "boolean"}]}"#,
        )
        .unwrap()
        .features()
        .clone()
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn err(v: Value) -> (String, String) {
        let now = ts("2026-03-01T00:00:00Z");
        let e = ReportInput::from_json(&v, "[3].")
            .and_then(|r| r.validate(&features(), now))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidUsage, "{v}");
        (e.path().unwrap_or("").to_string(), e.to_string())
    }

    #[test]
    fn each_rejection_names_its_field() {
        let cases = [
            (json!([]), "[3]"),
            (
                json!({"featureId": "calls", "value": 1, "amount": 2}),
                "[3].amount",
            ),
            (json!({"featureId": "nope", "value": 1}), "[3].featureId"),
            (json!({"featureId": "sso", "value": 1}), "[3].featureId"),
            (json!({"featureId": 7, "value": 1}), "[3].featureId"),
            (json!({"featureId": "calls"}), "[3].value"),
            (json!({"featureId": "calls", "value": "1"}), "[3].value"),
            (json!({"featureId": "calls", "value": 1e308}), "[3].value"),
            (
                json!({"featureId": "calls", "value": -9007199254740992.0}),
                "[3].value",
            ),
            (
                json!({"featureId": "calls", "value": -1, "updateBehavior": "set"}),
                "[3].value",
            ),
            (
                json!({"featureId": "calls", "value": 1, "updateBehavior": "add"}),
                "[3].updateBehavior",
            ),
            (
                json!({"featureId": "calls", "value": 1, "timestamp": "yesterday"}),
                "[3].timestamp",
            ),
            (
                json!({"featureId": "calls", "value": 1, "timestamp": "2026-03-01T00:05:00.001Z"}),
                "[3].timestamp",
            ),
            (
                json!({"featureId": "calls", "value": 1, "idempotencyKey": ""}),
                "[3].idempotencyKey",
            ),
            (
                json!({"featureId": "calls", "value": 1, "idempotencyKey": "k".repeat(256)}),
                "[3].idempotencyKey",
            ),
        ];
        for (input, path) in cases {
            assert_eq!(err(input.clone()).0, path, "{input}");
        }
    }

    #[test]
    fn a_timestamp_within_the_skew_is_now_and_bounds_are_inclusive() {
        let now = ts("2026-03-01T00:00:00Z");
        let r = ReportInput::from_json(
            &json!({"featureId": "calls", "value": 9007199254740991.0, "updateBehavior": "set",
                    "timestamp": "2026-03-01T00:05:00Z"}),
            "",
        )
        .unwrap()
        .validate(&features(), now)
        .unwrap();
        assert_eq!(r.at, now);
        assert_eq!(r.value, MAX_USAGE);
        let late = ReportInput::from_json(
            &json!({"featureId": "calls", "value": -5, "timestamp": "2026-02-01T00:00:00+01:00"}),
            "",
        )
        .unwrap()
        .validate(&features(), now)
        .unwrap();
        assert_eq!(late.at, ts("2026-01-31T23:00:00Z"));
    }

    #[test]
    fn payloads_compare_values_and_instants_not_spellings() {
        let a = ReportInput::from_json(
            &json!({"featureId": "calls", "value": 5, "timestamp": "2026-03-01T01:00:00+01:00"}),
            "",
        )
        .unwrap();
        let b = ReportInput::from_json(
            &json!({"featureId": "calls", "value": 5.0, "updateBehavior": "delta",
                    "timestamp": "2026-03-01T00:00:00.000Z", "idempotencyKey": "k"}),
            "[1].",
        )
        .unwrap();
        assert_eq!(a.payload(), b.payload());
        let c = ReportInput::from_json(&json!({"featureId": "calls", "value": 5}), "").unwrap();
        assert_ne!(
            a.payload(),
            c.payload(),
            "an absent timestamp matches only an absent one"
        );
        let consume = |v: Value| ConsumeInput::from_json(&v, "").unwrap().payload();
        assert_eq!(
            consume(json!({"featureId": "calls"})),
            consume(json!({"featureId": "calls", "requestedUsage": 0}))
        );
        assert_ne!(consume(json!({"featureId": "calls"})), c.payload());
    }

    #[test]
    fn requested_usage_bounds() {
        for bad in [
            json!(-1),
            json!(1e308),
            json!(9007199254740992.0),
            json!("3"),
        ] {
            let e = requested_usage(Some(&bad), "").unwrap_err();
            assert_eq!(
                (e.code, e.path()),
                (ErrorCode::InvalidUsage, Some("requestedUsage"))
            );
        }
        assert_eq!(requested_usage(None, "").unwrap(), 0.0);
        assert_eq!(
            requested_usage(Some(&json!(MAX_USAGE)), "").unwrap(),
            MAX_USAGE
        );
    }
}
