//! The Cloudflare Worker face (feature `worker`): the HTTP API of `spec/API.md`
//! section 3 over the core, with catalogs in KV, one Durable Object per customer and one
//! per environment.
//!
//! - [`route_table`]: every route as data, which the router dispatches from and
//!   [`openapi`] describes (`GET /v1/openapi.json`);
//! - [`routes`]: thin handlers (authenticate, decode, call, encode);
//! - [`customer_object`]: the customer's Durable Object (state, usage, idempotency, live);
//! - [`customer_store`]: its SQLite tables; [`catalog_store`]: catalogs in KV;
//! - [`environment_object`]: the environment's Durable Object (catalog versions, the
//!   customer and live registries); [`environment_store`]: its SQLite tables;
//!   [`environment_protocol`]: calls to it; [`listing`]: the customer list's query;
//! - [`auth`], [`token`]: server keys and customer tokens; [`live`]: WebSocket push;
//! - [`audit`]: the audit log's entries, diff summaries and retention;
//! - [`body`], [`errors`], [`ident`], [`protocol`]: bodies, errors, names, Worker-to-object calls.
//!
//! See `docs/worker.md` for the choices the contract leaves open.

pub mod audit;
pub mod auth;
pub mod body;
pub mod catalog_store;
pub mod clock;
#[allow(
    missing_docs,
    reason = "the #[durable_object] macro generates undocumented wasm-bindgen glue"
)]
pub mod customer_object;
pub mod customer_store;
pub mod demo;
#[allow(
    missing_docs,
    reason = "the #[durable_object] macro generates undocumented wasm-bindgen glue"
)]
pub mod environment_object;
pub mod environment_protocol;
pub mod environment_store;
pub mod errors;
pub mod ident;
pub mod listing;
pub mod live;
pub mod loaded;
pub mod openapi;
pub mod protocol;
pub mod route_table;
pub mod routes;
pub mod token;

use worker::{event, Context, Env, Headers, Method, Request, Response};

use self::auth::AuthConfig;
use self::errors::{ApiError, ApiResult};
use self::route_table::Op;
use self::routes::Ctx;

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    if req.method() == Method::Options {
        return with_cors(Response::empty()?.with_status(204));
    }
    let res = match route(&mut req, &env).await {
        Ok(res) => res,
        Err(e) => e.to_response()?,
    };
    with_cors(res)
}

/// CORS for browsers on other origins (customer tokens travel in `Authorization`, not
/// cookies, so any origin may call; what a call can do is decided by its credential).
/// A WebSocket upgrade is returned as it is.
fn with_cors(res: Response) -> worker::Result<Response> {
    if res.status_code() == 101 {
        return Ok(res);
    }
    let headers = Headers::new();
    for (k, v) in res.headers().entries() {
        headers.set(&k, &v)?;
    }
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-allow-methods", "GET, PUT, POST, OPTIONS")?;
    headers.set(
        "access-control-allow-headers",
        "authorization, content-type, if-none-match, accept, x-test-now",
    )?;
    headers.set("access-control-expose-headers", "etag")?;
    headers.set("access-control-max-age", "86400")?;
    Ok(res.with_headers(headers))
}

/// Dispatches by path and method, through [`route_table::ROUTES`].
async fn route(req: &mut Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let segments = path
        .trim_start_matches('/')
        .split('/')
        .map(ident::pct_decode)
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| ApiError::bad_request("bad_path", "the path has a bad percent escape"))?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ctx = Ctx {
        env,
        auth: AuthConfig::from_env(env),
        now_ms: worker::Date::now().as_millis(),
        test_now: clock::test_now(env, req, clock::TEST_NOW_HEADER)?,
        test_clock: clock::test_clock_enabled(env),
    };
    if let ["demo", rest @ ..] = segments.as_slice() {
        return demo::route(&ctx, req, rest, req.method()).await;
    }
    let method = req.method();
    let (op, id) = route_table::resolve(&segments, method.as_ref())?;
    let id = id.unwrap_or_default().to_string();
    match op {
        Op::Health | Op::HealthHead => routes::health(),
        Op::OpenApi => openapi::response(),
        Op::PutCatalog => routes::put_catalog(&ctx, req).await,
        Op::GetCatalog => routes::get_catalog(&ctx, req).await,
        Op::PostUsage => routes::usage(&ctx, req).await,
        Op::Check => routes::check(&ctx, req).await,
        Op::PostCreditGrant => routes::post_credit_grant(&ctx, req).await,
        Op::ListCustomers => routes::list_customers(&ctx, req).await,
        Op::PutCustomer => routes::put_customer(&ctx, req, &id).await,
        Op::GetCustomer => routes::get_customer(&ctx, req, &id).await,
        Op::MintToken => routes::mint_token(&ctx, req, &id).await,
        Op::Snapshot => routes::snapshot(&ctx, req, &id).await,
        Op::Live => routes::live(&ctx, req, &id).await,
        Op::History => routes::history(&ctx, req, &id).await,
        Op::Credits => routes::credits(&ctx, req, &id).await,
        Op::Audit => routes::audit_log(&ctx, req).await,
        Op::Environment => routes::environment(&ctx, req),
    }
}
