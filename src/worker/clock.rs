//! The `now` of a request. Normally the Worker's clock; with the Worker var
//! `TEST_CLOCK="true"` (API section 3, test clock), a request may carry `x-test-now:
//! <RFC 3339>`, which is `now` for everything that request does (checks, consumes,
//! reports, snapshots, history, key expiry). Without the var the header is ignored.
//! `.dev.vars` and deployments never set it; the tests that replay scenarios do.

use worker::{Env, Request};

use super::errors::{ApiError, ApiResult};
use crate::Timestamp;

/// The public header of the test clock.
pub const TEST_NOW_HEADER: &str = "x-test-now";

/// With the test clock on only: on a customer `PUT`, the body's `creditUsage` is stored
/// as the credit ledger (the shared credit vectors seed ledgers this way). Without the
/// var the header is ignored and `creditUsage` is refused as in production.
pub const TEST_SEED_LEDGER_HEADER: &str = "x-test-seed-ledger";

/// The Worker's clock, Unix ms (for what the test clock never governs: tokens, socket
/// heartbeats, alarms).
pub fn now_ms() -> i64 {
    i64::try_from(worker::Date::now().as_millis()).unwrap_or(i64::MAX)
}

/// The Worker's clock.
pub fn system_now() -> Timestamp {
    Timestamp::from_millis(now_ms()).unwrap_or(Timestamp::EPOCH)
}

/// Whether the test clock is turned on (`TEST_CLOCK` is exactly `"true"`).
pub fn test_clock_enabled(env: &Env) -> bool {
    env.var("TEST_CLOCK")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false)
}

/// The test-clock instant `header` carries, when the test clock is on and it is present;
/// `None` otherwise (the header is then never looked at). Errors: 400 `invalid_test_now`
/// when it is present, the clock is on, and it is not an RFC 3339 instant.
pub fn test_now(env: &Env, req: &Request, header: &str) -> ApiResult<Option<Timestamp>> {
    if !test_clock_enabled(env) {
        return Ok(None);
    }
    match req.headers().get(header).ok().flatten() {
        None => Ok(None),
        Some(v) => Timestamp::parse(v.trim()).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_test_now",
                format!("{header} `{v}` is not an RFC 3339 instant"),
            )
        }),
    }
}

/// The request's `now`: the test clock's when on and given, else the Worker's clock.
pub fn request_now(env: &Env, req: &Request, header: &str) -> ApiResult<Timestamp> {
    Ok(test_now(env, req, header)?.unwrap_or_else(system_now))
}
