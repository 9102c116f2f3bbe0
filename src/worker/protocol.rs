//! The internal protocol between the Worker and a customer's Durable Object: which
//! object, which operation (a path on a private origin), and the request bodies.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

use super::errors::{ApiError, ApiResult};
use super::ident::{pct_decode, pct_encode, CustomerRef};

/// The Durable Object binding name.
pub const BINDING: &str = "CUSTOMERS";

const H_ENV: &str = "x-ee-env";
const H_CUSTOMER: &str = "x-ee-customer";
/// The test clock's instant, passed on by the Worker when `TEST_CLOCK` is on (the object
/// honours it only under the same var; see [`super::clock`]).
pub const H_TEST_NOW: &str = "x-ee-test-now";
/// On [`op::LIVE`]: the expiry (Unix seconds) of the customer token the client
/// connected with; absent for a server key.
pub const H_TOKEN_EXP: &str = "x-ee-token-exp";
const ORIGIN: &str = "https://customer-object.internal";

/// Operations of the customer object (paths of internal requests).
pub mod op {
    /// `PUT` the state (without usage) / `GET` the state with usage.
    pub const STATE: &str = "/state";
    /// `POST` a [`super::UsageBatch`]; answers [`super::UsageAnswers`] or the error.
    pub const USAGE: &str = "/usage";
    /// `GET ?featureId=&from=&to=`: the usage history `{rows}`.
    pub const HISTORY: &str = "/history";
    /// `POST` a [`super::CheckItem`]; answers the decision.
    pub const CHECK: &str = "/check";
    /// `GET` the snapshot (`Accept`, `If-None-Match` honoured).
    pub const SNAPSHOT: &str = "/snapshot";
    /// `GET` with `Upgrade: websocket` (and [`super::H_TOKEN_EXP`] for a token): the
    /// live stream; 429 `too_many_connections` past the cap.
    pub const LIVE: &str = "/live";
    /// `POST`: the environment's catalog changed; push to live clients.
    pub const CATALOG_CHANGED: &str = "/catalog-changed";
    /// `POST` a [`super::GrantRequest`]: adds a one-off credit grant (201, the grant).
    pub const CREDIT_GRANTS: &str = "/credit-grants";
    /// `GET` the credit pools `{pools}` at now.
    pub const CREDITS: &str = "/credits";
}

/// On [`op::STATE`] `PUT`, with the test clock on only: the body's `creditUsage` is the
/// ledger to store (the shared vectors seed ledgers this way; see [`super::clock`]).
pub const H_SEED_LEDGER: &str = "x-ee-seed-ledger";

/// Response header of a write the audit log records (a customer `PUT`, a credit grant, a
/// batch with `set` reports): what it changed (JSON), set by the object only when it
/// stored something (an answer replayed from an idempotency key has none), read by the
/// Worker and never passed on.
pub const H_AUDIT_CHANGES: &str = "x-ee-audit-changes";

/// A one-off credit grant to add (`POST /v1/credits/grants` without `customerId`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GrantRequest {
    /// The credit pool.
    pub feature_id: String,
    /// Credits (non-negative, at most 6 decimals).
    #[serde(with = "crate::credits::amount::json")]
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    pub amount: crate::credits::Credits,
    /// `paid` or `promotional`.
    pub category: crate::credits::GrantCategory,
    /// Default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_at: Option<crate::Timestamp>,
    /// Default: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<crate::Timestamp>,
    /// Default 10.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::number::whole_u32_opt"
    )]
    #[cfg_attr(feature = "schema", schemars(with = "Option<u32>"))]
    pub priority: Option<u32>,
    /// Default: made from the instant and the change counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A retry with the same key adds once and answers the first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// A batch of one customer's usage reports, as the object receives it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UsageBatch {
    /// The reports, in order.
    pub items: Vec<UsageItem>,
    /// Judge the batch as it would apply now, answer, and store nothing (the first phase
    /// of a batch naming several customers).
    #[serde(default)]
    pub dry_run: bool,
}

/// One report of a batch: the report without `customerId`, and where it sat in the
/// request, for error paths (`"[2]."` in a batch, `""` alone).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UsageItem {
    /// Path prefix of the report's fields in the request.
    pub path: String,
    /// `{featureId, value, updateBehavior?, timestamp?, idempotencyKey?}` as sent.
    pub report: Value,
}

/// The object's answer to a [`UsageBatch`] that applied: each report's answer, in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UsageAnswers {
    /// `{currentUsage, usagePeriodStart?, usagePeriodEnd?}` per report.
    pub answers: Vec<Value>,
}

/// A check, as the object receives it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckItem {
    /// Whether an allowed request consumes (`POST /v1/check` with `consume: true`).
    pub consume: bool,
    /// `{featureId, requestedUsage?, idempotencyKey?}` as sent.
    pub request: Value,
}

/// The object of one customer.
pub fn stub(env: &Env, who: &CustomerRef) -> ApiResult<Stub> {
    let ns = env.durable_object(BINDING)?;
    Ok(ns.id_from_name(&who.object_name())?.get_stub()?)
}

/// Sends one operation to the object of `who`.
pub async fn call(
    env: &Env,
    who: &CustomerRef,
    method: Method,
    path: &str,
    body: Option<String>,
    headers: &[(&str, String)],
) -> ApiResult<Response> {
    let h = Headers::new();
    h.set(H_ENV, &who.env)?;
    h.set(H_CUSTOMER, &pct_encode(&who.customer))?;
    for (k, v) in headers {
        h.set(k, v)?;
    }
    if body.is_some() {
        h.set("content-type", "application/json")?;
    }
    let mut init = RequestInit::new();
    init.with_method(method)
        .with_headers(h)
        .with_body(body.map(|b| wasm_bindgen::JsValue::from_str(&b)));
    let req = Request::new_with_init(&format!("{ORIGIN}{path}"), &init)?;
    Ok(stub(env, who)?.fetch_with_request(req).await?)
}

/// The customer an internal request is for.
pub fn who(req: &Request) -> ApiResult<CustomerRef> {
    let get = |name: &str| req.headers().get(name).ok().flatten();
    match (get(H_ENV), get(H_CUSTOMER).as_deref().and_then(pct_decode)) {
        (Some(env), Some(customer)) => Ok(CustomerRef { env, customer }),
        _ => Err(ApiError::bad_request(
            "bad_internal_request",
            "missing customer headers",
        )),
    }
}

/// The token expiry of a live request ([`H_TOKEN_EXP`]); `None` for a server key.
pub fn token_exp(req: &Request) -> Option<u64> {
    req.headers()
        .get(H_TOKEN_EXP)
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok())
}
