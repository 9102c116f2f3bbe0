//! The HTTP handlers of API section 3. Each one authenticates, decodes, calls the core
//! or the customer's object, and encodes; none holds state of its own.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Env, Headers, Method, Request, Response};

use super::auth::{AuthConfig, Caller};
use super::body::{self, invalid_request};
use super::environment_protocol::{self, op as env_op};
use super::errors::{json_ok, ApiError, ApiResult};
use super::ident::{self, CustomerRef};
use super::listing;
use super::live;
use super::loaded::valid_idempotency_key;
use super::protocol::{self, op, CheckItem, Outcome, UsageItem};
use super::token::{self, Claims, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS};
use crate::{Timestamp, UsageUpdate, ValidCatalog};

/// Most usage reports accepted in one batch.
pub const MAX_BATCH: usize = 1000;

/// What every handler gets.
pub struct Ctx<'a> {
    /// Worker bindings.
    pub env: &'a Env,
    /// Credentials configuration.
    pub auth: AuthConfig,
    /// Request time, Unix ms.
    pub now_ms: u64,
}

impl Ctx<'_> {
    fn server(&self, req: &Request) -> ApiResult<String> {
        self.auth
            .authenticate(req, false, self.now_ms)?
            .require_server()
            .map(str::to_string)
    }

    fn reader(&self, req: &Request, customer: &str, allow_query_token: bool) -> ApiResult<String> {
        let caller: Caller = self
            .auth
            .authenticate(req, allow_query_token, self.now_ms)?;
        caller.require_reader_of(customer).map(str::to_string)
    }
}

/// `GET /v1/health`.
pub fn health() -> ApiResult<Response> {
    json_ok(200, &json!({ "status": "ok" }))
}

/// `PUT /v1/catalog`: validate, store as the environment's next version (the
/// environment object assigns it), tell live customers.
pub async fn put_catalog(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    ValidCatalog::from_json(&text).map_err(|e| ApiError::from_core(&e))?;
    let version = environment_protocol::put_catalog(ctx.env, &env, text).await?;
    // The catalog is stored: a failed notice is logged (the customer objects' catalog
    // watch is the backstop), never reported as a failed PUT.
    let customers = match environment_protocol::live_customers(ctx.env, &env).await {
        Ok(c) => c,
        Err(e) => {
            worker::console_error!("live registry of `{}` not read: {}", env, e.message);
            Vec::new()
        }
    };
    let notices =
        customers.into_iter().map(|customer| {
            let who = CustomerRef {
                env: env.clone(),
                customer,
            };
            async move {
                protocol::call(ctx.env, &who, Method::Post, op::CATALOG_CHANGED, None, &[]).await
            }
        });
    for result in join_all(notices).await {
        if let Err(e) = result {
            worker::console_error!("catalog change not pushed: {}", e.message);
        }
    }
    json_ok(200, &json!({ "catalogVersion": version }))
}

/// `GET /v1/catalog`: the newest version, as the environment object knows it.
pub async fn get_catalog(ctx: &Ctx<'_>, req: &Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    environment_protocol::call(ctx.env, &env, Method::Get, env_op::CATALOG, None).await
}

/// `PUT /v1/customers/{id}`: the state without usage; the path id wins.
pub async fn put_customer(ctx: &Ctx<'_>, req: &mut Request, id: &str) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    let mut value: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?;
    let invalid = |path: &str, message: String| {
        ApiError::new(422, "invalid_customer", message.clone())
            .with_details(json!([{ "path": path, "message": message }]))
    };
    let Value::Object(map) = &mut value else {
        return Err(invalid("", "customer state must be a JSON object".into()));
    };
    if map.contains_key("usage") {
        return Err(invalid(
            "usage",
            "`usage` is not accepted here: report usage with POST /v1/usage".into(),
        ));
    }
    match map.get("id") {
        None => {
            map.insert("id".into(), id.into());
        }
        Some(Value::String(s)) if s == id => {}
        Some(other) => {
            return Err(invalid(
                "id",
                format!("body id {other} differs from the path id `{id}`"),
            ))
        }
    }
    let who = CustomerRef {
        env,
        customer: id.to_string(),
    };
    let res = protocol::call(
        ctx.env,
        &who,
        Method::Put,
        op::STATE,
        Some(value.to_string()),
        &[],
    )
    .await?;
    if matches!(res.status_code(), 200 | 201) {
        // The customer is stored: a failed registration is logged and repaired by the
        // customer's next PUT, never reported as a failed PUT of a stored customer.
        if let Err(e) = environment_protocol::register_customer(ctx.env, &who.env, id).await {
            worker::console_error!(
                "customer `{}` not registered in `{}`: {}",
                id,
                who.env,
                e.message
            );
        }
    }
    Ok(res)
}

/// `GET /v1/customers?prefix=&cursor=&limit=`: the environment's customers by id.
pub async fn list_customers(ctx: &Ctx<'_>, req: &Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let url = req.url()?;
    let query = listing::ListQuery::parse(url.query_pairs())?;
    let page = environment_protocol::list_customers(ctx.env, &env, &query.body()).await?;
    json_ok(200, &listing::page_json(page))
}

/// `GET /v1/customers/{id}`.
pub async fn get_customer(ctx: &Ctx<'_>, req: &Request, id: &str) -> ApiResult<Response> {
    let who = CustomerRef {
        env: ctx.server(req)?,
        customer: id.to_string(),
    };
    protocol::call(ctx.env, &who, Method::Get, op::STATE, None, &[]).await
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenRequest {
    ttl_seconds: Option<u64>,
}

/// `POST /v1/customers/{id}/tokens`: `{ ttlSeconds? }` -> `{ token, expiresAt }`.
pub async fn mint_token(ctx: &Ctx<'_>, req: &mut Request, id: &str) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    ctx.auth.token_secret()?;
    let text = body::read_text(req).await?;
    let input: TokenRequest = if text.trim().is_empty() {
        TokenRequest::default()
    } else {
        body::parse(&text)?
    };
    let ttl = input.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
    if ttl == 0 {
        return Err(invalid_request(
            "ttlSeconds",
            "ttlSeconds must be at least 1",
        ));
    }
    let (token, expires_at) = issue_token(ctx, env, id.to_string(), ttl.min(MAX_TTL_SECONDS))?;
    json_ok(200, &json!({ "token": token, "expiresAt": expires_at }))
}

/// Signs a token for customer `sub` of `env` valid for `ttl_seconds` from now; returns it
/// with its expiry as RFC 3339. The one place tokens are minted (API and demo routes).
pub fn issue_token(
    ctx: &Ctx<'_>,
    env: String,
    sub: String,
    ttl_seconds: u64,
) -> ApiResult<(String, String)> {
    let secret = ctx.auth.token_secret()?;
    let exp = ctx.now_ms / 1000 + ttl_seconds;
    let claims = Claims { env, sub, exp };
    let token = token::mint(secret, &claims)
        .ok_or_else(|| ApiError::internal("token could not be signed"))?;
    let expires_at = Timestamp::from_millis(i64::try_from(exp * 1000).unwrap_or(i64::MAX))
        .map(|t| t.to_string())
        .unwrap_or_default();
    Ok((token, expires_at))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UsageInput {
    customer_id: String,
    feature_id: String,
    value: f64,
    #[serde(default = "delta")]
    update_behavior: UsageUpdate,
    idempotency_key: Option<String>,
    timestamp: Option<String>,
}

fn delta() -> UsageUpdate {
    UsageUpdate::Delta
}

impl UsageInput {
    /// Checks what the object cannot: ids, key length, timestamp syntax.
    fn into_item(self, path: &str) -> ApiResult<(String, UsageItem)> {
        if ident::customer_id(&self.customer_id).is_err() {
            return Err(invalid_request(
                &format!("{path}customerId"),
                "customerId must be 1 to 256 bytes",
            ));
        }
        if self
            .idempotency_key
            .as_deref()
            .is_some_and(|k| !valid_idempotency_key(k))
        {
            return Err(invalid_request(
                &format!("{path}idempotencyKey"),
                "idempotencyKey must be 1 to 255 bytes",
            ));
        }
        let at_ms =
            match &self.timestamp {
                None => None,
                Some(t) => Some(Timestamp::parse(t).map(Timestamp::as_millis).ok_or_else(
                    || {
                        invalid_request(
                            &format!("{path}timestamp"),
                            &format!("timestamp `{t}` is not an RFC 3339 UTC instant"),
                        )
                    },
                )?),
            };
        let item = UsageItem {
            feature_id: self.feature_id,
            value: self.value,
            update_behavior: self.update_behavior,
            idempotency_key: self.idempotency_key,
            at_ms,
        };
        Ok((self.customer_id, item))
    }
}

/// `POST /v1/usage`: one report (an object) or a batch (an array). A batch is checked
/// as a whole first (a malformed item rejects all, nothing counted), then each item is
/// applied independently and answered in order (an item error is that item's
/// `{ "error": ... }`).
pub async fn usage(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    let batch = text.trim_start().starts_with('[');
    let inputs: Vec<UsageInput> = if batch {
        body::parse(&text)?
    } else {
        vec![body::parse(&text)?]
    };
    if inputs.len() > MAX_BATCH {
        return Err(invalid_request(
            "",
            &format!("a batch holds at most {MAX_BATCH} reports"),
        ));
    }
    let mut groups: BTreeMap<String, Vec<(usize, UsageItem)>> = BTreeMap::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let path = if batch {
            format!("[{i}].")
        } else {
            String::new()
        };
        let (customer, item) = input.into_item(&path)?;
        groups.entry(customer).or_default().push((i, item));
    }
    let total = groups.values().map(Vec::len).sum();
    let calls = groups.into_iter().map(|(customer, entries)| {
        let who = CustomerRef {
            env: env.clone(),
            customer,
        };
        async move {
            let (indexes, items): (Vec<usize>, Vec<UsageItem>) = entries.into_iter().unzip();
            let body =
                serde_json::to_string(&items).map_err(|e| ApiError::internal(e.to_string()))?;
            let mut res =
                protocol::call(ctx.env, &who, Method::Post, op::USAGE, Some(body), &[]).await?;
            if res.status_code() != 200 {
                let body: Value = res.json().await.unwrap_or(Value::Null);
                return Err(ApiError::internal(format!(
                    "customer object failed: {body}"
                )));
            }
            let outcomes: Vec<Outcome> = res.json().await?;
            Ok::<_, ApiError>(indexes.into_iter().zip(outcomes).collect::<Vec<_>>())
        }
    });
    let mut results: Vec<Option<Outcome>> = vec![None; total];
    for group in join_all(calls).await {
        for (i, outcome) in group? {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(outcome);
            }
        }
    }
    let mut results = results.into_iter().map(|o| {
        o.unwrap_or(Outcome {
            status: 500,
            body: Value::Null,
        })
    });
    if batch {
        json_ok(200, &Value::Array(results.map(|o| o.body).collect()))
    } else {
        let o = results.next().unwrap_or(Outcome {
            status: 500,
            body: Value::Null,
        });
        json_ok(o.status, &o.body)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckInput {
    customer_id: String,
    feature_id: String,
    requested_usage: Option<f64>,
    consume: Option<bool>,
    idempotency_key: Option<String>,
}

/// `POST /v1/check`: the decision; with `consume: true` an allowed request also counts.
pub async fn check(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let input: CheckInput = body::read_json(req).await?;
    if ident::customer_id(&input.customer_id).is_err() {
        return Err(invalid_request(
            "customerId",
            "customerId must be 1 to 256 bytes",
        ));
    }
    let requested_usage = input.requested_usage.unwrap_or(0.0);
    if !(requested_usage.is_finite() && requested_usage >= 0.0) {
        return Err(invalid_request(
            "requestedUsage",
            "requestedUsage must be a non-negative number",
        ));
    }
    if input
        .idempotency_key
        .as_deref()
        .is_some_and(|k| !valid_idempotency_key(k))
    {
        return Err(invalid_request(
            "idempotencyKey",
            "idempotencyKey must be 1 to 255 bytes",
        ));
    }
    let item = CheckItem {
        feature_id: input.feature_id,
        requested_usage,
        consume: input.consume.unwrap_or(false),
        idempotency_key: input.idempotency_key,
    };
    let who = CustomerRef {
        env,
        customer: input.customer_id,
    };
    let body = serde_json::to_string(&item).map_err(|e| ApiError::internal(e.to_string()))?;
    protocol::call(ctx.env, &who, Method::Post, op::CHECK, Some(body), &[]).await
}

/// `GET /v1/customers/{id}/snapshot`: server key or that customer's token.
pub async fn snapshot(ctx: &Ctx<'_>, req: &Request, id: &str) -> ApiResult<Response> {
    let who = CustomerRef {
        env: ctx.reader(req, id, false)?,
        customer: id.to_string(),
    };
    let mut headers = Vec::new();
    for name in ["accept", "if-none-match"] {
        if let Some(v) = req.headers().get(name).ok().flatten() {
            headers.push((name, v));
        }
    }
    protocol::call(ctx.env, &who, Method::Get, op::SNAPSHOT, None, &headers).await
}

/// `GET /v1/customers/{id}/live`: WebSocket upgrade, server key or token (in
/// `Authorization`, the `token.<TOKEN>` subprotocol, or `?token=`). With the
/// `edge-entitlements` subprotocol offered, the answer names it (and never the token).
pub async fn live(ctx: &Ctx<'_>, req: &Request, id: &str) -> ApiResult<Response> {
    let header = req.headers().get("sec-websocket-protocol").ok().flatten();
    let offered = live::Offered::parse(header.as_deref())?;
    let caller =
        ctx.auth
            .authenticate_with(req, offered.credential.as_deref(), true, ctx.now_ms)?;
    let who = CustomerRef {
        env: caller.require_reader_of(id)?.to_string(),
        customer: id.to_string(),
    };
    let upgrade = req
        .headers()
        .get("upgrade")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::new(
            426,
            "websocket_required",
            "this route needs `Upgrade: websocket`",
        ));
    }
    let mut headers = vec![("upgrade", "websocket".to_string())];
    if let Some(exp) = caller.expiry() {
        headers.push((protocol::H_TOKEN_EXP, exp.to_string()));
    }
    let res = protocol::call(ctx.env, &who, Method::Get, op::LIVE, None, &headers).await?;
    if res.status_code() != 101 || !offered.protocol {
        return Ok(res);
    }
    let socket = res
        .websocket()
        .ok_or_else(|| ApiError::internal("the customer object answered 101 without a socket"))?;
    let answer = Headers::new();
    answer.set("sec-websocket-protocol", live::PROTOCOL)?;
    Ok(Response::from_websocket(socket)?.with_headers(answer))
}
