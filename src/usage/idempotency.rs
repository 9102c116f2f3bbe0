//! Idempotency keys (SEMANTICS section 6): keys belong to the customer, one namespace for
//! reports and consumes. An accepted request's key is remembered with its payload and
//! its answer while `now` is before that request's `now` plus 24 hours. A request that
//! brings a remembered key is answered from it before anything else: the first answer
//! for the same payload, `idempotency_conflict` for another. A rejected request
//! remembers no key.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::time::Timestamp;

/// How long a key is remembered after the request that brought it, in milliseconds.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 3_600_000;

/// What a key remembers: the payload first sent, the answer given, and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Remembered {
    /// The request's payload in its compared form ([`super::ReportInput::payload`]).
    pub payload: Value,
    /// The first answer (a report's counter, or a consume's decision, denials included).
    pub answer: Value,
    /// The server's `now` of that request.
    pub at: Timestamp,
}

impl Remembered {
    /// Whether the key is still remembered at `now`.
    pub fn in_force(&self, now: Timestamp) -> bool {
        now.as_millis() < self.at.as_millis().saturating_add(IDEMPOTENCY_WINDOW_MS)
    }

    /// The answer to a request that brings this key with `payload`: the first answer, or
    /// `idempotency_conflict` at `{path}idempotencyKey` when the payload differs.
    pub fn replay(&self, key: &str, payload: &Value, path: &str) -> Result<Value> {
        if *payload == self.payload {
            Ok(self.answer.clone())
        } else {
            Err(Error::new(
                ErrorCode::IdempotencyConflict,
                format!("{path}idempotencyKey"),
                format!(
                    "idempotency key `{key}` was used at {} for another request ({}); a retry must repeat it exactly",
                    self.at, self.payload
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forgotten_after_24_hours() {
        let at = Timestamp::parse("2026-03-01T00:00:00Z").unwrap();
        let r = Remembered {
            payload: json!({"kind": "report"}),
            answer: json!({"currentUsage": 1}),
            at,
        };
        assert!(r.in_force(at.plus_millis(IDEMPOTENCY_WINDOW_MS - 1)));
        assert!(!r.in_force(at.plus_millis(IDEMPOTENCY_WINDOW_MS)));
        assert_eq!(
            r.replay("k", &json!({"kind": "report"}), "").unwrap(),
            json!({"currentUsage": 1})
        );
        let e = r
            .replay("k", &json!({"kind": "consume"}), "[2].")
            .unwrap_err();
        assert_eq!(
            (e.code, e.path()),
            (ErrorCode::IdempotencyConflict, Some("[2].idempotencyKey"))
        );
    }
}
