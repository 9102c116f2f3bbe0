//! Routes of the demo page (`www/`), for local development only: they exist when the
//! var `DEMO_MODE` is `"true"` (set in `.dev.vars`, never in production, where they
//! answer 404 like any unknown route).
//!
//! A browser must not hold a server key, so the page asks these routes instead: a
//! customer token for a demo customer, and the server's atomic check + consume. Both
//! act in the `development` environment and only on customer ids starting with `demo-`.

use serde::Deserialize;
use serde_json::json;
use worker::{Method, Request, Response};

use super::body::{self, invalid_request};
use super::errors::{json_ok, ApiError, ApiResult};
use super::ident::{self, CustomerRef};
use super::protocol::{self, op, CheckItem};
use super::routes::{self, Ctx};

/// The environment the demo routes act in.
pub const ENVIRONMENT: &str = "development";

/// Prefix of the customer ids the demo routes accept.
pub const CUSTOMER_PREFIX: &str = "demo-";

/// Lifetime of a demo session token, in seconds.
pub const SESSION_TTL_SECONDS: u64 = 3600;

/// Largest amount one demo consume may ask for.
const MAX_AMOUNT: f64 = 1_000_000_000.0;

/// Whether the demo routes are on (`DEMO_MODE` = `"true"`).
pub fn enabled(ctx: &Ctx<'_>) -> bool {
    ctx.env
        .var("DEMO_MODE")
        .map(|v| v.to_string().trim() == "true")
        .unwrap_or(false)
}

/// `/demo/...`: 404 unless [`enabled`].
pub async fn route(
    ctx: &Ctx<'_>,
    req: &mut Request,
    rest: &[&str],
    method: Method,
) -> ApiResult<Response> {
    if !enabled(ctx) {
        return Err(ApiError::not_found("not_found", "no such route"));
    }
    match (rest, method) {
        (["session"], Method::Post) => session(ctx, req).await,
        (["consume"], Method::Post) => consume(ctx, req).await,
        (["session" | "consume"], _) => {
            Err(ApiError::new(405, "method_not_allowed", "allowed: POST"))
        }
        _ => Err(ApiError::not_found("not_found", "no such route")),
    }
}

/// Checks that `id` names a demo customer.
fn demo_customer(id: &str) -> ApiResult<CustomerRef> {
    ident::customer_id(id)?;
    if !id.starts_with(CUSTOMER_PREFIX) {
        return Err(ApiError::forbidden(
            "not_a_demo_customer",
            format!("the demo routes only serve customer ids starting with `{CUSTOMER_PREFIX}`"),
        ));
    }
    Ok(CustomerRef {
        env: ENVIRONMENT.to_string(),
        customer: id.to_string(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SessionInput {
    customer_id: String,
}

/// `POST /demo/session` `{ customerId }` -> `{ token, expiresAt, environment }`: a
/// customer token of the `development` environment, as `POST /v1/customers/{id}/tokens`
/// with the development server key would mint it.
async fn session(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let input: SessionInput = body::read_json(req).await?;
    let who = demo_customer(&input.customer_id)?;
    let (token, expires_at) = routes::issue_token(ctx, who.env, who.customer, SESSION_TTL_SECONDS)?;
    json_ok(
        200,
        &json!({ "token": token, "expiresAt": expires_at.to_string(), "environment": ENVIRONMENT }),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsumeInput {
    customer_id: String,
    feature_id: String,
    amount: f64,
}

/// `POST /demo/consume` `{ customerId, featureId, amount }` -> the decision: the same
/// atomic check + consume as `POST /v1/check` with `consume: true`.
async fn consume(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let input: ConsumeInput = body::read_json(req).await?;
    let who = demo_customer(&input.customer_id)?;
    if !(input.amount.is_finite() && input.amount > 0.0 && input.amount <= MAX_AMOUNT) {
        return Err(invalid_request(
            "amount",
            "amount must be a positive number (at most 1e9)",
        ));
    }
    let item = CheckItem {
        consume: true,
        request: serde_json::json!({ "featureId": input.feature_id, "requestedUsage": input.amount }),
    };
    let body = serde_json::to_string(&item).map_err(|e| ApiError::internal(e.to_string()))?;
    protocol::call(ctx.env, &who, Method::Post, op::CHECK, Some(body), &[]).await
}
