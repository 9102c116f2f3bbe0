//! `GET /v1/customers?prefix=&cursor=&limit=`: its query parameters and its page.
//!
//! `prefix` (0-256 bytes) keeps the ids that start with it; `limit` is 1 to
//! [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]); `cursor` is opaque to clients (the last id
//! of the previous page, base64url without padding). Ids are ordered by their UTF-8
//! bytes. A bad or unknown parameter is 400 `invalid_query` with its name as the path.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::environment_protocol::{ListAnswer, ListBody};
use super::errors::{ApiError, ApiResult};
use super::ident::{self, MAX_CUSTOMER_ID_BYTES};

/// Customers per page when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 100;

/// Most customers per page.
pub const MAX_LIMIT: u32 = 1000;

/// The parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// Ids must start with this.
    pub prefix: String,
    /// Ids must sort after this (decoded cursor).
    pub after: Option<String>,
    /// Page size.
    pub limit: u32,
}

fn invalid(path: &str, message: &str) -> ApiError {
    ApiError::bad_request("invalid_query", message.to_string())
        .with_details(json!([{ "path": path, "message": message }]))
}

impl ListQuery {
    /// Reads the query pairs (already percent-decoded by the URL parser).
    pub fn parse<K, V, I>(pairs: I) -> ApiResult<ListQuery>
    where
        K: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (K, V)>,
    {
        let (mut prefix, mut cursor, mut limit) = (None, None, None);
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref().to_string());
            let slot = match k {
                "prefix" => &mut prefix,
                "cursor" => &mut cursor,
                "limit" => &mut limit,
                _ => {
                    return Err(invalid(
                        k,
                        &format!("unknown parameter `{k}` (expected prefix, cursor, limit)"),
                    ))
                }
            };
            if slot.replace(v).is_some() {
                return Err(invalid(k, &format!("`{k}` is given more than once")));
            }
        }
        let prefix = prefix.unwrap_or_default();
        if prefix.len() > MAX_CUSTOMER_ID_BYTES || prefix.chars().any(char::is_control) {
            return Err(invalid(
                "prefix",
                &format!(
                    "prefix must be at most {MAX_CUSTOMER_ID_BYTES} bytes without control characters"
                ),
            ));
        }
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "limit",
                        &format!("limit must be an integer from 1 to {MAX_LIMIT}"),
                    )
                })?,
        };
        let after = cursor
            .map(|c| {
                URL_SAFE_NO_PAD
                    .decode(c.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .filter(|id| ident::customer_id(id).is_ok())
                    .ok_or_else(|| invalid("cursor", "cursor is not one this API returned"))
            })
            .transpose()?;
        Ok(ListQuery {
            prefix,
            after,
            limit,
        })
    }

    /// The request to the environment object.
    pub fn body(&self) -> ListBody {
        ListBody {
            prefix: self.prefix.clone(),
            after: self.after.clone(),
            limit: self.limit,
        }
    }
}

/// The cursor that continues after `id`.
pub fn cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// The API answer: `{ customers: [{ id, createdAt, updatedAt }], cursor? }`.
pub fn page_json(page: ListAnswer) -> Value {
    let mut out = json!({ "customers": page.customers });
    if let (Some(next), Value::Object(map)) = (page.next, &mut out) {
        map.insert("cursor".into(), cursor(&next).into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> ApiResult<ListQuery> {
        ListQuery::parse(pairs.iter().copied())
    }

    fn path_of(e: &ApiError) -> String {
        e.details.as_ref().unwrap()[0]["path"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn defaults_and_round_trip_of_the_cursor() {
        let q = parse(&[]).unwrap();
        assert_eq!((q.prefix.as_str(), q.after, q.limit), ("", None, 100));
        let c = cursor("acme/é 1");
        let q = parse(&[("prefix", "ac"), ("cursor", &c), ("limit", "1000")]).unwrap();
        assert_eq!(q.after.as_deref(), Some("acme/é 1"));
        assert_eq!((q.prefix.as_str(), q.limit), ("ac", 1000));
    }

    #[test]
    fn bad_parameters_name_their_path() {
        for (pairs, path) in [
            (vec![("limit", "0")], "limit"),
            (vec![("limit", "1001")], "limit"),
            (vec![("limit", "ten")], "limit"),
            (vec![("limit", "1"), ("limit", "2")], "limit"),
            (vec![("cursor", "***")], "cursor"),
            (vec![("cursor", "")], "cursor"),
            (vec![("prefix", "a\u{1}")], "prefix"),
            (vec![("sort", "id")], "sort"),
        ] {
            let e = parse(&pairs).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "invalid_query"));
            assert_eq!(path_of(&e), path, "{pairs:?}");
        }
    }
}
