//! Names: environments, customer ids, and how they travel in paths, headers and keys.

use super::errors::{ApiError, ApiResult};

/// The largest customer id accepted, in bytes (it becomes part of KV keys and DO names).
pub const MAX_CUSTOMER_ID_BYTES: usize = 256;

/// An environment and a customer of it: the identity of one Durable Object.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomerRef {
    /// Environment name, e.g. `production`.
    pub env: String,
    /// Customer id within the environment.
    pub customer: String,
}

impl CustomerRef {
    /// The Durable Object name: `env:customerId` (environment names never contain `:`).
    pub fn object_name(&self) -> String {
        format!("{}:{}", self.env, self.customer)
    }
}

/// Whether `name` is a valid environment name: 1-64 of `[A-Za-z0-9_-]`.
pub fn valid_env(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Validates a customer id taken from a path or a body.
pub fn customer_id(id: &str) -> ApiResult<&str> {
    if id.is_empty() || id.len() > MAX_CUSTOMER_ID_BYTES || id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_customer_id",
            format!(
                "customer id must be 1 to {MAX_CUSTOMER_ID_BYTES} bytes without control characters"
            ),
        ));
    }
    Ok(id)
}

/// Percent-encodes everything but unreserved characters (for header values).
pub fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` when an escape is bad or the result is not UTF-8.
pub fn pct_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trip_and_bad_escapes() {
        let id = "acme corp/é:1";
        assert_eq!(pct_decode(&pct_encode(id)).as_deref(), Some(id));
        assert_eq!(pct_decode("a%2"), None);
        assert_eq!(pct_decode("%ff"), None);
        assert!(valid_env("staging-2") && !valid_env("a:b") && !valid_env(""));
    }
}
