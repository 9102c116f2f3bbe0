//! The audit log: what every write through the API changed, who made it and when.
//!
//! Recorded writes ([`Action`]): catalog `PUT`, customer `PUT`, usage `set` reports,
//! one-off credit grants and tokens minted. Usage deltas and consumes are counted usage,
//! kept by the usage history (SEMANTICS section 6), not audited.
//!
//! An entry names the caller by its key's identity ([`super::auth::key_id`], never the
//! key) and, for catalogs and customers, carries a diff summary ([`summarize`]): per
//! list of things with ids (features, plans, add-ons, subscriptions, grants...) the ids
//! added, removed and changed, and the other fields that changed. Entries live in the
//! environment object's SQLite ([`super::environment_store`]) for [`RETENTION_DAYS`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::protocol::UsageItem;

/// Days an audit entry is kept (the usage history's retention, so that "why was this
/// customer blocked" can be answered for the same span as its usage).
pub const RETENTION_DAYS: i64 = 400;

/// Most ids listed per list and kind of change in a diff summary; the count of the
/// others is given as `more`.
pub const MAX_IDS: usize = 50;

/// Most entries answered per page of `GET /v1/audit`.
pub const MAX_LIMIT: u32 = 200;

/// Entries answered per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;

/// What a recorded write did.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", schemars(rename = "AuditAction"))]
pub enum Action {
    /// `PUT /v1/catalog`.
    #[serde(rename = "catalog.put")]
    CatalogPut,
    /// `PUT /v1/customers/{id}`.
    #[serde(rename = "customer.put")]
    CustomerPut,
    /// `POST /v1/usage` with `updateBehavior: "set"`.
    #[serde(rename = "usage.set")]
    UsageSet,
    /// `POST /v1/credits/grants`.
    #[serde(rename = "credits.grant")]
    CreditGrant,
    /// `POST /v1/customers/{id}/tokens`.
    #[serde(rename = "token.mint")]
    TokenMint,
}

impl Action {
    /// The endpoint the action goes through, as `METHOD /path` (ids left as templates).
    pub fn endpoint(self) -> &'static str {
        match self {
            Action::CatalogPut => "PUT /v1/catalog",
            Action::CustomerPut => "PUT /v1/customers/{id}",
            Action::UsageSet => "POST /v1/usage",
            Action::CreditGrant => "POST /v1/credits/grants",
            Action::TokenMint => "POST /v1/customers/{id}/tokens",
        }
    }
}

/// An entry as the Worker hands it to the environment object, which adds the sequence
/// number, the time and the environment.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditInput {
    /// What was done.
    pub action: Action,
    /// The caller's key identity (`sha256:<16 hex>`).
    pub actor: String,
    /// The customer written, for customer-scoped actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// What changed (a diff summary, or the write's own fields).
    pub changes: Value,
}

/// An entry as `GET /v1/audit` answers it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Sequence number in the environment, as a decimal string (newest is highest).
    pub id: String,
    /// When it was recorded, RFC 3339 (the Worker's clock, never the test clock).
    pub at: String,
    /// The environment.
    pub environment: String,
    /// What was done.
    pub action: Action,
    /// The endpoint, `METHOD /path`.
    pub endpoint: String,
    /// The caller's key identity.
    pub actor: String,
    /// The customer written, for customer-scoped actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// What changed.
    pub changes: Value,
}

/// A page request of the audit log (newest first).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Only this customer's entries.
    pub customer_id: Option<String>,
    /// Only entries older than this sequence number (the previous page's `cursor`).
    pub before: Option<i64>,
    /// Most entries (1 to [`MAX_LIMIT`]).
    pub limit: u32,
}

/// A page of the audit log.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditPage {
    /// Entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// The cursor of the next (older) page when more follow (the name the customer
    /// list uses too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The changes of a usage batch's audit entry: `{ reports }`, its `set` reports as sent
/// (deltas are counted usage, not edits); `None` when it has none.
pub fn set_reports(items: &[UsageItem]) -> Option<Value> {
    let reports: Vec<&Value> = items
        .iter()
        .map(|i| &i.report)
        .filter(|r| r.get("updateBehavior").and_then(Value::as_str) == Some("set"))
        .collect();
    (!reports.is_empty()).then(|| serde_json::json!({ "reports": reports }))
}

/// The ids of a list whose items are all objects with a string `id`; `None` otherwise.
fn ids(list: &[Value]) -> Option<Vec<(&str, &Value)>> {
    list.iter()
        .map(|v| v.get("id").and_then(Value::as_str).map(|id| (id, v)))
        .collect()
}

fn capped(mut ids: Vec<String>) -> Value {
    let more = ids.len().saturating_sub(MAX_IDS);
    ids.truncate(MAX_IDS);
    let mut out = Map::new();
    out.insert("ids".into(), ids.into());
    if more > 0 {
        out.insert("more".into(), more.into());
    }
    Value::Object(out)
}

/// The change of one list of things with ids: `{ added?, removed?, changed? }`, each
/// `{ ids, more? }`; `None` when nothing changed.
fn list_change(before: &[(&str, &Value)], after: &[(&str, &Value)]) -> Option<Value> {
    fn find<'a>(list: &[(&str, &'a Value)], id: &str) -> Option<&'a Value> {
        list.iter().find(|(i, _)| *i == id).map(|p| p.1)
    }
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for (id, v) in after {
        match find(before, id) {
            None => added.push(id.to_string()),
            Some(old) if old != *v => changed.push(id.to_string()),
            Some(_) => {}
        }
    }
    let removed: Vec<String> = before
        .iter()
        .filter(|(id, _)| find(after, id).is_none())
        .map(|(id, _)| id.to_string())
        .collect();
    let mut out = Map::new();
    for (k, list) in [("added", added), ("removed", removed), ("changed", changed)] {
        if !list.is_empty() {
            out.insert(k.into(), capped(list));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// The diff summary of a catalog or customer state replaced by another (`before` `None`:
/// created). For each top-level field that differs: a list of objects with ids gives
/// [`list_change`]'s answer, any other field `{ "from", "to" }` when both are scalars
/// and `"changed"` otherwise. Fields in `ignore` (kept by the write, e.g. `usage`) are
/// skipped. Answers `{ "created": bool, "fields": { ... } }`.
pub fn summarize(before: Option<&Value>, after: &Value, ignore: &[&str]) -> Value {
    let empty = Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut fields = Map::new();
    for k in keys {
        if ignore.contains(&k.as_str()) {
            continue;
        }
        let (old, new) = (b.get(k), a.get(k));
        if old == new {
            continue;
        }
        fn as_list(v: Option<&Value>) -> Option<&[Value]> {
            match v {
                None | Some(Value::Null) => Some(&[][..]),
                Some(Value::Array(items)) => Some(items.as_slice()),
                Some(_) => None,
            }
        }
        let change = match (as_list(old), as_list(new)) {
            (Some(o), Some(n)) => match (ids(o), ids(n)) {
                (Some(o), Some(n)) => list_change(&o, &n),
                _ => Some(Value::String("changed".into())),
            },
            _ => {
                let scalar = |v: Option<&Value>| {
                    v.is_none_or(|v| !v.is_array() && !v.is_object())
                        .then(|| v.cloned().unwrap_or(Value::Null))
                };
                match (scalar(old), scalar(new)) {
                    (Some(from), Some(to)) => Some(serde_json::json!({ "from": from, "to": to })),
                    _ => Some(Value::String("changed".into())),
                }
            }
        };
        if let Some(change) = change {
            fields.insert(k.clone(), change);
        }
    }
    serde_json::json!({ "created": before.is_none(), "fields": fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_with_ids_give_added_removed_changed() {
        let before = json!({ "features": [{ "id": "a", "type": "boolean" }, { "id": "b", "type": "boolean" }],
                             "plans": [{ "id": "p", "entitlements": [] }] });
        let after = json!({ "features": [{ "id": "a", "type": "boolean" }, { "id": "c", "type": "boolean" }],
                            "plans": [{ "id": "p", "entitlements": [{ "featureId": "a" }] }] });
        let s = summarize(Some(&before), &after, &[]);
        assert_eq!(
            s,
            json!({ "created": false, "fields": {
                "features": { "added": { "ids": ["c"] }, "removed": { "ids": ["b"] } },
                "plans": { "changed": { "ids": ["p"] } } } })
        );
    }

    #[test]
    fn created_scalars_ignored_fields_and_caps() {
        let after = json!({ "id": "acme", "archived": true, "usage": [1],
            "subscriptions": (0..60).map(|i| json!({ "id": format!("s{i}") })).collect::<Vec<_>>() });
        let s = summarize(None, &after, &["usage", "id"]);
        assert_eq!(s["created"], json!(true));
        assert_eq!(s["fields"]["archived"], json!({ "from": null, "to": true }));
        assert!(s["fields"].get("usage").is_none() && s["fields"].get("id").is_none());
        let added = &s["fields"]["subscriptions"]["added"];
        assert_eq!(added["ids"].as_array().map(Vec::len), Some(MAX_IDS));
        assert_eq!(added["more"], json!(10));
    }

    #[test]
    fn unchanged_gives_no_fields_and_lists_without_ids_say_changed() {
        let v = json!({ "features": [{ "id": "a" }], "metadata": { "k": "v" } });
        assert_eq!(
            summarize(Some(&v), &v, &[]),
            json!({ "created": false, "fields": {} })
        );
        let w = json!({ "features": [{ "id": "a" }], "metadata": { "k": "w" } });
        assert_eq!(
            summarize(Some(&v), &w, &[])["fields"],
            json!({ "metadata": "changed" })
        );
    }

    #[test]
    fn actions_serialize_to_their_names() {
        assert_eq!(
            serde_json::to_value(Action::UsageSet).ok(),
            Some(json!("usage.set"))
        );
        assert_eq!(
            Action::TokenMint.endpoint(),
            "POST /v1/customers/{id}/tokens"
        );
    }
}
