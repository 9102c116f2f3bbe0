//! The HTTP handlers of API section 3. Each one authenticates, decodes, calls the core
//! or the customer's object, and encodes; none holds state of its own.

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use worker::{Env, Headers, Method, Request, Response};

use super::audit::{self, Action, AuditInput, AuditQuery};
use super::auth::{AuthConfig, Caller};
use super::body::{self, invalid_request};
use super::clock;
use super::environment_protocol::{self, op as env_op};
use super::errors::{json_ok, ApiError, ApiResult};
use super::ident::pct_encode;
use super::ident::{self, CustomerRef};
use super::listing;
use super::live;
use super::protocol::{self, op, CheckItem, UsageAnswers, UsageBatch, UsageItem};
use super::token::{self, Claims, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS};
use crate::usage::{ConsumeInput, ReportInput};
use crate::{ErrorCode, Timestamp, ValidCatalog};

/// Most usage reports accepted in one batch.
pub const MAX_BATCH: usize = 1000;

/// What every handler gets.
pub struct Ctx<'a> {
    /// Worker bindings.
    pub env: &'a Env,
    /// Credentials configuration.
    pub auth: AuthConfig,
    /// Request time, Unix ms (the Worker's clock: tokens and keys are judged by it).
    pub now_ms: u64,
    /// The test clock's `now` for this request (`TEST_CLOCK="true"` and `x-test-now`).
    pub test_now: Option<Timestamp>,
    /// Whether the test clock is on (`TEST_CLOCK="true"`).
    pub test_clock: bool,
}

impl Ctx<'_> {
    /// The request's `now` for usage rules: the test clock's, else the Worker's clock.
    pub fn now(&self) -> Timestamp {
        self.test_now.unwrap_or_else(|| {
            Timestamp::from_millis(i64::try_from(self.now_ms).unwrap_or(i64::MAX))
                .unwrap_or(Timestamp::EPOCH)
        })
    }

    /// Sends one operation to the object of `who`, with the test clock's `now` when set.
    pub async fn call(
        &self,
        who: &CustomerRef,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, String)],
    ) -> ApiResult<Response> {
        let mut all: Vec<(&str, String)> = headers.to_vec();
        if let Some(t) = self.test_now {
            all.push((protocol::H_TEST_NOW, t.to_string()));
        }
        protocol::call(self.env, who, method, path, body, &all).await
    }

    fn server(&self, req: &Request) -> ApiResult<String> {
        self.auth
            .authenticate(req, false, self.now_ms)?
            .require_server()
            .map(str::to_string)
    }

    /// The environment and key identity of a server caller (for the audit log).
    fn server_key(&self, req: &Request) -> ApiResult<(String, String)> {
        let caller = self.auth.authenticate(req, false, self.now_ms)?;
        let (env, key_id) = caller.require_server_key()?;
        Ok((env.to_string(), key_id.to_string()))
    }

    /// Records an audit entry of `env`. The write it describes is stored: a failure is
    /// logged (without the entry's values), never reported as a failed write.
    async fn audit(&self, env: &str, input: AuditInput) {
        if let Err(e) = environment_protocol::record_audit(self.env, env, &input).await {
            worker::console_error!(
                "audit entry `{}` of `{}` not recorded: {}",
                input.action.endpoint(),
                env,
                e.message
            );
        }
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
    let (env, actor) = ctx.server_key(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    ValidCatalog::from_json(&text).map_err(|e| ApiError::from_core(&e))?;
    let version = environment_protocol::put_catalog(ctx.env, &env, text, &actor).await?;
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
    let (env, actor) = ctx.server_key(req)?;
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
    // The credit ledger is written by consumes, reports and grants only; with the test
    // clock on, `x-test-seed-ledger` lets a test seed it (the shared vectors' ledgers).
    let seed = ctx.test_clock && req.headers().get(clock::TEST_SEED_LEDGER_HEADER)?.is_some();
    if map.contains_key("creditUsage") && !seed {
        return Err(invalid(
            "creditUsage",
            "`creditUsage` is not accepted here: credits are drawn by POST /v1/check and POST /v1/usage".into(),
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
    let seed_header = [(protocol::H_SEED_LEDGER, "1".to_string())];
    let headers: &[(&str, String)] = if seed { &seed_header } else { &[] };
    let mut res = ctx
        .call(
            &who,
            Method::Put,
            op::STATE,
            Some(value.to_string()),
            headers,
        )
        .await?;
    let status = res.status_code();
    if !matches!(status, 200 | 201) {
        return Ok(res);
    }
    // A new response without the internal header (the object's answer is immutable).
    let changes = audit_changes(&res)?;
    let stored: Value = res.json().await?;
    {
        let audit = AuditInput {
            action: Action::CustomerPut,
            actor,
            customer_id: Some(id.to_string()),
            changes: changes.unwrap_or(Value::Null),
        };
        // The customer is stored: a failed registration is logged and repaired by the
        // customer's next PUT, never reported as a failed PUT of a stored customer.
        if let Err(e) =
            environment_protocol::register_customer(ctx.env, &who.env, id, Some(audit)).await
        {
            worker::console_error!(
                "customer `{}` not registered in `{}`: {}",
                id,
                who.env,
                e.message
            );
        }
    }
    json_ok(status, &stored)
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

/// The body of `POST /v1/customers/{id}/tokens` (may be empty).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenRequest {
    /// Lifetime in seconds: default 3600, at least 1, capped at 86400.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub ttl_seconds: Option<u64>,
}

/// The answer of `POST /v1/customers/{id}/tokens`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenAnswer {
    /// The customer token, `eet1.<payload>.<signature>`.
    pub token: String,
    /// Its expiry (RFC 3339).
    pub expires_at: Timestamp,
}

/// `POST /v1/customers/{id}/tokens`: `{ ttlSeconds? }` -> `{ token, expiresAt }`.
pub async fn mint_token(ctx: &Ctx<'_>, req: &mut Request, id: &str) -> ApiResult<Response> {
    let (env, actor) = ctx.server_key(req)?;
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
    let ttl = ttl.min(MAX_TTL_SECONDS);
    let (token, expires_at) = issue_token(ctx, env.clone(), id.to_string(), ttl)?;
    // Never the token: its expiry and lifetime only.
    let audit = AuditInput {
        action: Action::TokenMint,
        actor,
        customer_id: Some(id.to_string()),
        changes: json!({ "ttlSeconds": ttl, "expiresAt": expires_at.to_string() }),
    };
    ctx.audit(&env, audit).await;
    let answer = TokenAnswer { token, expires_at };
    json_ok(
        200,
        &serde_json::to_value(&answer).map_err(|e| ApiError::internal(e.to_string()))?,
    )
}

/// Signs a token for customer `sub` of `env` valid for `ttl_seconds` from now; returns it
/// with its expiry as RFC 3339. The one place tokens are minted (API and demo routes).
pub fn issue_token(
    ctx: &Ctx<'_>,
    env: String,
    sub: String,
    ttl_seconds: u64,
) -> ApiResult<(String, Timestamp)> {
    let secret = ctx.auth.token_secret()?;
    let exp = ctx.now_ms / 1000 + ttl_seconds;
    let claims = Claims { env, sub, exp };
    let token = token::mint(secret, &claims)
        .ok_or_else(|| ApiError::internal("token could not be signed"))?;
    let expires_at = Timestamp::from_millis(i64::try_from(exp * 1000).unwrap_or(i64::MAX))
        .ok_or_else(|| ApiError::internal("token expiry out of range"))?;
    Ok((token, expires_at))
}

/// An `invalid_usage` error (422) at `path`.
fn invalid_usage(path: &str, message: impl Into<String>) -> ApiError {
    ApiError::from_core(&crate::Error::new(ErrorCode::InvalidUsage, path, message))
}

/// The `customerId` of a report or check: a string of 1 to 256 bytes.
fn customer_of(item: &mut Map<String, Value>, path: &str) -> ApiResult<String> {
    match item.remove("customerId") {
        Some(Value::String(id)) if ident::customer_id(&id).is_ok() => Ok(id),
        Some(Value::String(_)) => Err(invalid_usage(
            &format!("{path}customerId"),
            "customerId must be 1 to 256 bytes without control characters",
        )),
        None | Some(Value::Null) => Err(invalid_usage(
            &format!("{path}customerId"),
            "customerId is missing",
        )),
        Some(_) => Err(invalid_usage(
            &format!("{path}customerId"),
            "customerId must be a string",
        )),
    }
}

/// One customer's reports of a request, with their positions in it.
struct Group {
    customer: String,
    positions: Vec<usize>,
    items: Vec<UsageItem>,
}

/// `POST /v1/usage`: one report (an object) or a batch (an array), SEMANTICS section 6.
/// The request is validated whole first (shape and customer ids here; for a batch naming
/// several customers, every customer's items are also judged by its object without
/// applying, two calls per object); nothing applies when any item is invalid. Then each customer's items apply in order in its object, together or
/// not at all: a request for one customer answers that customer's error itself; in a
/// batch naming several, a failing customer's items each carry its `{ "error" }`.
pub async fn usage(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let (env, actor) = ctx.server_key(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?;
    let (batch, raw) = match value {
        Value::Array(items) => (true, items),
        item @ Value::Object(_) => (false, vec![item]),
        _ => {
            return Err(invalid_usage(
                "",
                "a usage report must be a JSON object, or a batch an array of them",
            ))
        }
    };
    if raw.len() > MAX_BATCH {
        return Err(invalid_usage(
            "",
            format!("a batch holds at most {MAX_BATCH} reports"),
        ));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut total = 0;
    for (i, item) in raw.into_iter().enumerate() {
        let path = if batch {
            format!("[{i}].")
        } else {
            String::new()
        };
        let Value::Object(mut map) = item else {
            return Err(invalid_usage(
                path.trim_end_matches('.'),
                "a usage report must be a JSON object",
            ));
        };
        let customer = customer_of(&mut map, &path)?;
        let report = Value::Object(map);
        ReportInput::from_json(&report, &path).map_err(|e| ApiError::from_core(&e))?;
        total += 1;
        let g = match groups.iter().position(|g| g.customer == customer) {
            Some(g) => g,
            None => {
                groups.push(Group {
                    customer,
                    positions: Vec::new(),
                    items: Vec::new(),
                });
                groups.len() - 1
            }
        };
        if let Some(g) = groups.get_mut(g) {
            g.positions.push(i);
            g.items.push(UsageItem { path, report });
        }
    }
    let several = groups.len() > 1;
    if several {
        // Several customers: every customer's items are judged first, as they would apply
        // now (each object answers from remembered keys before anything else), and none
        // applies when one is refused as invalid. What depends on a customer alone (an
        // unknown customer, a key conflict) is that customer's answer below.
        let checks = groups.iter().map(|g| {
            let who = CustomerRef {
                env: env.clone(),
                customer: g.customer.clone(),
            };
            let body = UsageBatch {
                items: g.items.clone(),
                dry_run: true,
            };
            async move {
                let body =
                    serde_json::to_string(&body).map_err(|e| ApiError::internal(e.to_string()))?;
                let mut res = ctx
                    .call(&who, Method::Post, op::USAGE, Some(body), &[])
                    .await?;
                let status = res.status_code();
                let body: Value = res.json().await?;
                Ok::<_, ApiError>((status, body))
            }
        });
        for outcome in join_all(checks).await {
            let (status, body) = outcome?;
            let invalid = body["error"]["code"] == "invalid_usage";
            if status >= 500 || (status == 422 && invalid) {
                return json_ok(status, &body);
            }
        }
    }
    let actor: &str = &actor;
    let calls = groups.into_iter().map(|g| {
        let who = CustomerRef {
            env: env.clone(),
            customer: g.customer,
        };
        async move {
            let body = serde_json::to_string(&UsageBatch {
                items: g.items,
                dry_run: false,
            })
            .map_err(|e| ApiError::internal(e.to_string()))?;
            let mut res = ctx
                .call(&who, Method::Post, op::USAGE, Some(body), &[])
                .await?;
            let status = res.status_code();
            if let Some(changes) = audit_changes(&res)? {
                let audit = AuditInput {
                    action: Action::UsageSet,
                    actor: actor.to_string(),
                    customer_id: Some(who.customer.clone()),
                    changes,
                };
                ctx.audit(&who.env, audit).await;
            }
            let body: Value = res.json().await?;
            Ok::<_, ApiError>((g.positions, status, body))
        }
    });
    let outcomes = join_all(calls).await;
    if !batch || outcomes.len() == 1 {
        // One customer: its answer, or its error, is the answer.
        let Some(outcome) = outcomes.into_iter().next() else {
            return json_ok(200, &json!([]));
        };
        let (_, status, body) = outcome?;
        if status != 200 {
            return json_ok(status, &body);
        }
        let answers: UsageAnswers = serde_json::from_value(body)
            .map_err(|e| ApiError::internal(format!("customer object answered: {e}")))?;
        return match batch {
            true => json_ok(200, &Value::Array(answers.answers)),
            false => json_ok(200, answers.answers.first().unwrap_or(&Value::Null)),
        };
    }
    let mut results = vec![Value::Null; total];
    for outcome in outcomes {
        let (positions, status, body) = outcome?;
        let answers: Vec<Value> = if status == 200 {
            serde_json::from_value::<UsageAnswers>(body)
                .map_err(|e| ApiError::internal(format!("customer object answered: {e}")))?
                .answers
        } else if status >= 500 {
            return json_ok(status, &body);
        } else {
            vec![body; positions.len()]
        };
        for (i, answer) in positions.into_iter().zip(answers) {
            if let Some(slot) = results.get_mut(i) {
                *slot = answer;
            }
        }
    }
    json_ok(200, &Value::Array(results))
}

/// `POST /v1/check`: `{customerId, featureId, requestedUsage?, consume?, idempotencyKey?}`
/// -> the decision (section 5); with `consume: true` an allowed request also counts, in
/// the same atomic step (section 6).
pub async fn check(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?;
    let Value::Object(mut map) = value else {
        return Err(invalid_usage("", "a check must be a JSON object"));
    };
    let customer = customer_of(&mut map, "")?;
    let consume = match map.remove("consume") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(invalid_usage("consume", "consume must be true or false")),
    };
    let request = Value::Object(map);
    // The shape is checked here (unknown fields, the key); the bounds of requestedUsage
    // are the object's to judge, after a consume's key is replayed (SEMANTICS section 6:
    // a remembered key is answered "before anything else").
    ConsumeInput::from_json(&request, "").map_err(|e| ApiError::from_core(&e))?;
    // A key on a check without consume is checked like any key and otherwise unused: a
    // check writes nothing, so there is nothing to make idempotent.
    let who = CustomerRef { env, customer };
    let body = serde_json::to_string(&CheckItem { consume, request })
        .map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.call(&who, Method::Post, op::CHECK, Some(body), &[])
        .await
}

/// `GET /v1/customers/{id}/usage?featureId=&from=&to=`: the usage history (SEMANTICS
/// section 6), `{ rows: [{ featureId, periodStart?, periodEnd?, total }] }` by feature
/// then period. Errors: 400 `invalid_query` for an unknown parameter or a `from`/`to`
/// that is not RFC 3339; 404 `customer_not_found`.
pub async fn history(ctx: &Ctx<'_>, req: &Request, id: &str) -> ApiResult<Response> {
    let who = CustomerRef {
        env: ctx.server(req)?,
        customer: id.to_string(),
    };
    let url = req.url()?;
    let mut query = Vec::new();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "featureId" => {}
            "from" | "to" => {
                if Timestamp::parse(&v).is_none() {
                    return Err(ApiError::bad_request(
                        "invalid_query",
                        format!("`{k}` is not an RFC 3339 instant: `{v}`"),
                    )
                    .with_details(json!([{ "path": k, "message": "not an RFC 3339 instant" }])));
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("unknown query parameter `{other}` (expected featureId, from, to)"),
                ))
            }
        }
        query.push(format!("{}={}", pct_encode(&k), pct_encode(&v)));
    }
    let path = if query.is_empty() {
        op::HISTORY.to_string()
    } else {
        format!("{}?{}", op::HISTORY, query.join("&"))
    };
    ctx.call(&who, Method::Get, &path, None, &[]).await
}

/// `POST /v1/credits/grants`: `{ customerId, featureId, amount, category, effectiveAt?,
/// expiresAt?, priority?, id?, idempotencyKey? }` -> 201 with the one-off grant as stored
/// (SEMANTICS section 7). Errors: 422 `invalid_customer` (the path names the field), 404
/// `customer_not_found`, 409 `credit_grant_exists` or `idempotency_conflict`.
pub async fn post_credit_grant(ctx: &Ctx<'_>, req: &mut Request) -> ApiResult<Response> {
    let (env, actor) = ctx.server_key(req)?;
    let text = body::read_text(req).await?;
    body::check_syntax(&text)?;
    let mut value: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?;
    let invalid = |path: &str, message: &str| {
        ApiError::new(422, "invalid_customer", message.to_string())
            .with_details(json!([{ "path": path, "message": message }]))
    };
    let Value::Object(map) = &mut value else {
        return Err(invalid("", "a credit grant must be a JSON object"));
    };
    let customer = match map.remove("customerId") {
        Some(Value::String(id)) if ident::customer_id(&id).is_ok() => id,
        _ => {
            return Err(invalid(
                "customerId",
                "customerId must be a customer id (1 to 256 bytes)",
            ))
        }
    };
    let grant: protocol::GrantRequest =
        crate::json::from_json(&value.to_string(), ErrorCode::InvalidCustomer)
            .map_err(|e| ApiError::from_core(&e))?;
    let who = CustomerRef { env, customer };
    let body = serde_json::to_string(&grant).map_err(|e| ApiError::internal(e.to_string()))?;
    let mut res = ctx
        .call(&who, Method::Post, op::CREDIT_GRANTS, Some(body), &[])
        .await?;
    if res.status_code() != 201 {
        return Ok(res);
    }
    let changes = audit_changes(&res)?;
    let stored: Value = res.json().await?;
    if let Some(changes) = changes {
        let audit = AuditInput {
            action: Action::CreditGrant,
            actor,
            customer_id: Some(who.customer.clone()),
            changes,
        };
        ctx.audit(&who.env, audit).await;
    }
    json_ok(201, &stored)
}

/// `GET /v1/customers/{id}/credits`: `{ pools: [{ creditId, balance, uncovered,
/// nextExpiry?, grants }] }` at now (SEMANTICS section 7), server key.
pub async fn credits(ctx: &Ctx<'_>, req: &Request, id: &str) -> ApiResult<Response> {
    let who = CustomerRef {
        env: ctx.server(req)?,
        customer: id.to_string(),
    };
    ctx.call(&who, Method::Get, op::CREDITS, None, &[]).await
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
    ctx.call(&who, Method::Get, op::SNAPSHOT, None, &headers)
        .await
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

/// `GET /v1/audit?customerId=&cursor=&limit=`: the environment's audit log, newest first
/// (`{ entries, cursor? }`, see [`audit`]), server key. `cursor` is the previous page's
/// `cursor`; `limit` is 1 to 200 (default 50). A bad or unknown parameter is 400
/// `invalid_query` naming it.
pub async fn audit_log(ctx: &Ctx<'_>, req: &Request) -> ApiResult<Response> {
    let env = ctx.server(req)?;
    let url = req.url()?;
    let query = parse_audit_query(url.query_pairs())?;
    let page = environment_protocol::audit_page(ctx.env, &env, &query).await?;
    json_ok(
        200,
        &serde_json::to_value(page).map_err(|e| ApiError::internal(e.to_string()))?,
    )
}

fn parse_audit_query<K, V, I>(pairs: I) -> ApiResult<AuditQuery>
where
    K: AsRef<str>,
    V: AsRef<str>,
    I: IntoIterator<Item = (K, V)>,
{
    let invalid = |path: &str, message: String| {
        ApiError::bad_request("invalid_query", message.clone())
            .with_details(json!([{ "path": path, "message": message }]))
    };
    let mut query = AuditQuery {
        customer_id: None,
        before: None,
        limit: audit::DEFAULT_LIMIT,
    };
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in pairs {
        let (k, v) = (k.as_ref(), v.as_ref());
        if seen.iter().any(|s| s == k) {
            return Err(invalid(k, format!("`{k}` is given more than once")));
        }
        seen.push(k.to_string());
        match k {
            "customerId" => {
                ident::customer_id(v).map_err(|_| {
                    invalid(
                        k,
                        "customerId must be a customer id (1 to 256 bytes)".into(),
                    )
                })?;
                query.customer_id = Some(v.to_string());
            }
            "cursor" => {
                let n = v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    invalid(k, "cursor must be the `cursor` of a previous page".into())
                })?;
                query.before = Some(n);
            }
            "limit" => {
                query.limit = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=audit::MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            k,
                            format!("limit must be an integer from 1 to {}", audit::MAX_LIMIT),
                        )
                    })?;
            }
            other => {
                return Err(invalid(
                    other,
                    format!("unknown parameter `{other}` (expected customerId, cursor, limit)"),
                ))
            }
        }
    }
    Ok(query)
}

/// `GET /v1/environment`: `{ environment, keyId }`, the environment of the server key that
/// calls and the key's identity as the audit log names it (never the key). Reads nothing
/// stored: a console checks a key with it and shows where it is signed in.
pub fn environment(ctx: &Ctx<'_>, req: &Request) -> ApiResult<Response> {
    let (environment, key_id) = ctx.server_key(req)?;
    json_ok(200, &json!({ "environment": environment, "keyId": key_id }))
}

/// The changes a customer object's answer says its write made, for the audit log
/// ([`protocol::H_AUDIT_CHANGES`]): `None` when it stored nothing to record. The Worker
/// builds its own answer from the body, so the header never reaches the caller.
fn audit_changes(res: &Response) -> ApiResult<Option<Value>> {
    Ok(res
        .headers()
        .get(protocol::H_AUDIT_CHANGES)?
        .and_then(|c| serde_json::from_str(&c).ok()))
}
