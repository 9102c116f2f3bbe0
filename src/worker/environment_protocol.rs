//! The internal protocol of the environment object (one per environment, named by the
//! environment): which object, which operation (a path on a private origin), the bodies,
//! and typed calls for the Worker's routes and the customer objects.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

use super::audit::{AuditInput, AuditPage, AuditQuery};
use super::errors::{ApiError, ApiResult};

/// The Durable Object binding name.
pub const BINDING: &str = "ENVIRONMENTS";

const H_ENV: &str = "x-ee-env";
const ORIGIN: &str = "https://environment-object.internal";

/// Operations of the environment object (paths of internal requests).
pub mod op {
    /// `PUT` a validated catalog (the body, as sent): answers `{ catalogVersion }`;
    /// `GET`: `{ catalogVersion, catalog }` of the newest version, 404 before the first.
    pub const CATALOG: &str = "/catalog";
    /// `PUT` a [`super::RegisterBody`]: registers a customer (after its object stored
    /// it) and records its audit entry.
    pub const CUSTOMERS: &str = "/customers";
    /// `POST` an [`crate::worker::audit::AuditInput`]: records it; answers `{ id }`.
    pub const AUDIT: &str = "/audit";
    /// `POST` an [`crate::worker::audit::AuditQuery`]: answers an
    /// [`crate::worker::audit::AuditPage`].
    pub const AUDIT_LIST: &str = "/audit/list";
    /// `POST` a [`super::ListBody`]: answers a [`super::ListAnswer`].
    pub const CUSTOMERS_LIST: &str = "/customers/list";
    /// `GET`: `[customerId, ...]`, the customers with live clients.
    pub const LIVE: &str = "/live";
    /// `POST` a [`super::IdBody`]: that customer has live clients.
    pub const LIVE_ADD: &str = "/live/add";
    /// `POST` a [`super::IdBody`]: that customer has no live clients left.
    pub const LIVE_REMOVE: &str = "/live/remove";
}

/// The header of a catalog `PUT` naming the caller's key identity (for the audit log).
pub const H_ACTOR: &str = "x-ee-actor";

/// A customer registration, with the audit entry of the `PUT` that stored it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterBody {
    /// Customer id.
    pub id: String,
    /// The audit entry of the write.
    pub audit: Option<AuditInput>,
}

/// A customer id, as the body of registry operations.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdBody {
    /// Customer id.
    pub id: String,
}

/// A page request of the customer registry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListBody {
    /// Only ids starting with this ("" for all).
    pub prefix: String,
    /// Only ids sorting after this one (the last id of the previous page).
    pub after: Option<String>,
    /// Most rows answered (1 to 1000).
    pub limit: u32,
}

/// One registered customer, as listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedCustomer {
    /// Customer id.
    pub id: String,
    /// First `PUT`, RFC 3339.
    pub created_at: String,
    /// Last `PUT`, RFC 3339.
    pub updated_at: String,
}

/// A page of the customer registry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListAnswer {
    /// The customers, by id.
    pub customers: Vec<ListedCustomer>,
    /// The last id of this page when more follow.
    pub next: Option<String>,
}

/// Sends one operation to the object of `environment`.
pub async fn call(
    env: &Env,
    environment: &str,
    method: Method,
    path: &str,
    body: Option<String>,
) -> ApiResult<Response> {
    call_with(env, environment, method, path, body, &[]).await
}

/// [`call`] with extra headers.
async fn call_with(
    env: &Env,
    environment: &str,
    method: Method,
    path: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> ApiResult<Response> {
    let h = Headers::new();
    h.set(H_ENV, environment)?;
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
    let stub = env
        .durable_object(BINDING)?
        .id_from_name(environment)?
        .get_stub()?;
    Ok(stub.fetch_with_request(req).await?)
}

/// The environment an internal request is for.
pub fn environment(req: &Request) -> ApiResult<String> {
    req.headers()
        .get(H_ENV)
        .ok()
        .flatten()
        .filter(|e| super::ident::valid_env(e))
        .ok_or_else(|| ApiError::bad_request("bad_internal_request", "missing environment header"))
}

/// The JSON body of a 2xx answer; any other answer becomes the error it carries.
async fn ok_json(mut res: Response) -> ApiResult<Value> {
    let status = res.status_code();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let error = body.get("error");
    let text = |k: &str| {
        error
            .and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut e = ApiError::new(
        status,
        &text("code").unwrap_or_else(|| "internal_error".into()),
        text("message").unwrap_or_else(|| format!("environment object answered {status}")),
    );
    e.details = error.and_then(|e| e.get("details")).cloned();
    Err(e)
}

fn to_body<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(e.to_string()))
}

/// Stores a validated catalog as the environment's next version, recording its audit
/// entry for the key `actor`; returns that version.
pub async fn put_catalog(
    env: &Env,
    environment: &str,
    catalog: String,
    actor: &str,
) -> ApiResult<u64> {
    let res = call_with(
        env,
        environment,
        Method::Put,
        op::CATALOG,
        Some(catalog),
        &[(H_ACTOR, actor)],
    )
    .await?;
    let body = ok_json(res).await?;
    body.get("catalogVersion")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError::internal("environment object answered no catalogVersion"))
}

/// Registers customer `id` of `environment` and records `audit`.
pub async fn register_customer(
    env: &Env,
    environment: &str,
    id: &str,
    audit: Option<AuditInput>,
) -> ApiResult<()> {
    let body = to_body(&RegisterBody {
        id: id.to_string(),
        audit,
    })?;
    let res = call(env, environment, Method::Put, op::CUSTOMERS, Some(body)).await?;
    ok_json(res).await.map(|_| ())
}

/// Records an audit entry of `environment`.
pub async fn record_audit(env: &Env, environment: &str, input: &AuditInput) -> ApiResult<()> {
    let res = call(
        env,
        environment,
        Method::Post,
        op::AUDIT,
        Some(to_body(input)?),
    )
    .await?;
    ok_json(res).await.map(|_| ())
}

/// One page of the audit log of `environment`.
pub async fn audit_page(env: &Env, environment: &str, query: &AuditQuery) -> ApiResult<AuditPage> {
    let res = call(
        env,
        environment,
        Method::Post,
        op::AUDIT_LIST,
        Some(to_body(query)?),
    )
    .await?;
    serde_json::from_value(ok_json(res).await?)
        .map_err(|e| ApiError::internal(format!("bad audit page: {e}")))
}

/// One page of the customer registry of `environment`.
pub async fn list_customers(
    env: &Env,
    environment: &str,
    list: &ListBody,
) -> ApiResult<ListAnswer> {
    let res = call(
        env,
        environment,
        Method::Post,
        op::CUSTOMERS_LIST,
        Some(to_body(list)?),
    )
    .await?;
    serde_json::from_value(ok_json(res).await?)
        .map_err(|e| ApiError::internal(format!("bad customer list: {e}")))
}

/// Records that customer `id` of `environment` has live clients.
pub async fn mark_live(env: &Env, environment: &str, id: &str) -> ApiResult<()> {
    let body = to_body(&IdBody { id: id.to_string() })?;
    let res = call(env, environment, Method::Post, op::LIVE_ADD, Some(body)).await?;
    ok_json(res).await.map(|_| ())
}

/// Removes customer `id` of `environment` from the live registry.
pub async fn unmark_live(env: &Env, environment: &str, id: &str) -> ApiResult<()> {
    let body = to_body(&IdBody { id: id.to_string() })?;
    let res = call(env, environment, Method::Post, op::LIVE_REMOVE, Some(body)).await?;
    ok_json(res).await.map(|_| ())
}

/// Every customer of `environment` registered with live clients.
pub async fn live_customers(env: &Env, environment: &str) -> ApiResult<Vec<String>> {
    let res = call(env, environment, Method::Get, op::LIVE, None).await?;
    serde_json::from_value(ok_json(res).await?)
        .map_err(|e| ApiError::internal(format!("bad live registry: {e}")))
}
