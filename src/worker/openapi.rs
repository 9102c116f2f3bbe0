//! The OpenAPI 3.1 description of the Worker API (API section 3), served at
//! `GET /v1/openapi.json` without credentials (it holds no data).
//!
//! The document is generated, not written: its paths and operations come from the route
//! table the router dispatches from ([`super::route_table::ROUTES`]), and the schemas of
//! the bodies from the Rust types that read or write them (`schemars`, feature `schema`):
//! the catalog, the customer state, the credit grant, the token request and answer, the
//! decision, the usage answer, history rows and credit pools. The few shapes the Worker
//! assembles as JSON values (error bodies, usage reports and checks, which the core reads
//! field by field, the customer list) are written below; the API fuzzer
//! (`tests/worker/openapi.test.mjs`, schemathesis) checks every answer against them.
//!
//! The generated text is committed as `src/worker/openapi.json` and embedded; a test
//! regenerates it and fails when the committed copy differs:
//! `cargo run --example openapi --features worker,schema > src/worker/openapi.json`.

use worker::{Headers, Response};

use super::errors::{ApiError, ApiResult};

/// The committed document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`.
pub fn response() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "public, max-age=300")?;
    Response::from_bytes(DOCUMENT.as_bytes().to_vec())
        .map(|r| r.with_headers(headers))
        .map_err(ApiError::from)
}

#[cfg(feature = "schema")]
pub use generate::generate;

#[cfg(feature = "schema")]
mod generate {
    use schemars::generate::{Contract, SchemaSettings};
    use schemars::{JsonSchema, SchemaGenerator};
    use serde_json::{json, Map, Value};

    use super::super::audit::{self, AuditPage};
    use super::super::ident::MAX_CUSTOMER_ID_BYTES;
    use super::super::protocol::GrantRequest;
    use super::super::route_table::{Access, Op, Route, ROUTES};
    use super::super::routes::{TokenAnswer, TokenRequest, MAX_BATCH};
    use crate::credits::report::PoolReport;
    use crate::credits::CreditGrant;
    use crate::usage::counter::ReportAnswer;
    use crate::usage::history::HistoryRow;
    use crate::{Catalog, Timestamp};
    use crate::{CustomerState, Decision, ErrorCode};

    /// The stable error codes the Worker answers (`error.code`): the core's and the
    /// Worker's own.
    fn error_codes() -> Vec<&'static str> {
        let core = [
            ErrorCode::InvalidCatalog,
            ErrorCode::InvalidCustomer,
            ErrorCode::InvalidSnapshot,
            ErrorCode::UnsupportedSnapshotVersion,
            ErrorCode::InvalidArgument,
            ErrorCode::InvalidUsage,
            ErrorCode::IdempotencyConflict,
        ];
        let mut codes: Vec<&str> = core.iter().map(|c| c.as_str()).collect();
        codes.extend([
            "auth_not_configured",
            "bad_path",
            "body_too_large",
            "catalog_not_found",
            "catalog_unavailable",
            "credit_grant_exists",
            "customer_catalog_mismatch",
            "customer_not_found",
            "environment_unavailable",
            "internal_error",
            "invalid_credentials",
            "invalid_customer_id",
            "invalid_query",
            "invalid_request",
            "invalid_subprotocol",
            "invalid_test_now",
            "invalid_token",
            "malformed_json",
            "method_not_allowed",
            "missing_credentials",
            "not_found",
            "server_key_required",
            "token_expired",
            "token_not_for_customer",
            "too_many_connections",
            "websocket_required",
        ]);
        codes.sort_unstable();
        codes
    }

    fn schema_ref(name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    fn json_content(schema: Value) -> Value {
        json!({ "application/json": { "schema": schema } })
    }

    fn ok(description: &str, schema: Value) -> Value {
        json!({ "description": description, "content": json_content(schema) })
    }

    fn error_response(description: &str) -> Value {
        json!({ "description": description, "content": json_content(schema_ref("ErrorBody")) })
    }

    /// The error answers every route may give, by status, in `components.responses`.
    fn error_responses() -> Map<String, Value> {
        let mut m = Map::new();
        for (name, text) in [
            ("BadRequest", "Malformed: not JSON (`malformed_json`), a bad query parameter (`invalid_query`), a bad customer id (`invalid_customer_id`) or path escape (`bad_path`), a bad subprotocol (`invalid_subprotocol`)"),
            ("Unauthorized", "No or bad credentials: `missing_credentials`, `invalid_credentials`, `invalid_token`, `token_expired`"),
            ("Forbidden", "Valid credentials, not for this route or customer: `server_key_required`, `token_not_for_customer`"),
            ("NotFound", "`customer_not_found`, `catalog_not_found`"),
            ("Conflict", "`idempotency_conflict` (a remembered key with another payload), `credit_grant_exists`, `customer_catalog_mismatch` (the stored customer no longer fits the catalog)"),
            ("PayloadTooLarge", "`body_too_large`: the body is over 1 MiB"),
            ("Unprocessable", "Does not validate: `invalid_catalog`, `invalid_customer`, `invalid_usage`, `invalid_request`, with every violation in `details`; nothing is stored"),
            ("ServerError", "`internal_error`, or `auth_not_configured` on a deployment without keys"),
            ("Unavailable", "`environment_unavailable`, `catalog_unavailable`: a storage the route needs did not answer"),
        ] {
            m.insert(name.into(), error_response(text));
        }
        m
    }

    fn error_ref(status: &str) -> Value {
        let name = match status {
            "400" => "BadRequest",
            "401" => "Unauthorized",
            "403" => "Forbidden",
            "404" => "NotFound",
            "409" => "Conflict",
            "413" => "PayloadTooLarge",
            "422" => "Unprocessable",
            "503" => "Unavailable",
            _ => "ServerError",
        };
        json!({ "$ref": format!("#/components/responses/{name}") })
    }

    fn id_param() -> Value {
        json!({
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The customer id: 1 to 256 bytes (UTF-8) without control characters, percent-encoded in the path.",
            "schema": { "type": "string", "minLength": 1, "maxLength": MAX_CUSTOMER_ID_BYTES },
            "example": "acme"
        })
    }

    fn query_param(name: &str, description: &str, schema: Value) -> Value {
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
    }

    fn json_body(schema: Value, required: bool, example: Value) -> Value {
        json!({
            "required": required,
            "content": { "application/json": { "schema": schema, "example": example } }
        })
    }

    /// The catalog the examples name (customer `acme` is on plan `pro`); the API fuzzer
    /// seeds it, so that the examples reach a real customer.
    fn example_catalog() -> Value {
        json!({
            "features": [
                { "id": "sso", "type": "boolean" },
                { "id": "api-calls", "type": "metered", "meter": "incremental", "units": "call" },
                { "id": "seats", "type": "metered", "meter": "fluctuating", "units": "seat" },
                { "id": "ai-credits", "type": "credit", "units": "credit" },
                { "id": "image-gen", "type": "metered", "meter": "incremental",
                  "creditCost": { "creditId": "ai-credits", "perUnit": 5 } }
            ],
            "plans": [{ "id": "pro", "entitlements": [
                { "featureId": "sso" },
                { "featureId": "api-calls", "usageLimit": 1000, "resetPeriod": "month" },
                { "featureId": "seats", "usageLimit": 5 },
                { "featureId": "ai-credits", "amount": 100, "resetPeriod": "month" }
            ] }]
        })
    }

    /// What an operation takes and answers, beyond its method and path.
    struct Shape {
        summary: &'static str,
        description: &'static str,
        parameters: Vec<Value>,
        body: Option<Value>,
        answers: Vec<(&'static str, Value)>,
        errors: &'static [&'static str],
    }

    const READ_ERRORS: &[&str] = &["400", "401", "403", "404", "409", "500"];
    const WRITE_ERRORS: &[&str] = &["400", "401", "403", "404", "409", "413", "422", "500"];

    fn shape(op: Op) -> Shape {
        let none: &[&str] = &[];
        match op {
            Op::Health => Shape {
                summary: "Liveness",
                description: "",
                parameters: vec![],
                body: None,
                answers: vec![("200", ok("Alive", schema_ref("Health")))],
                errors: none,
            },
            Op::HealthHead => Shape {
                summary: "Liveness, without a body",
                description: "",
                parameters: vec![],
                body: None,
                answers: vec![("200", json!({ "description": "Alive" }))],
                errors: none,
            },
            Op::OpenApi => Shape {
                summary: "This document",
                description: "The OpenAPI 3.1 description of the API. Needs no credentials: it holds no data.",
                parameters: vec![],
                body: None,
                answers: vec![("200", ok("The OpenAPI document", json!({ "type": "object" })))],
                errors: none,
            },
            Op::GetCatalog => Shape {
                summary: "The environment's current catalog and its version",
                description: "404 `catalog_not_found` before the first `PUT`.",
                parameters: vec![],
                body: None,
                answers: vec![("200", ok("The newest catalog, as it was put", schema_ref("StoredCatalog")))],
                errors: &["401", "403", "404", "500", "503"],
            },
            Op::PutCatalog => Shape {
                summary: "Validates and stores the environment's catalog",
                description: "Answers the new `catalogVersion` (1, 2, ...); 422 `invalid_catalog` with every violation, nothing stored.",
                parameters: vec![],
                body: Some(json_body(schema_ref("Catalog"), true, example_catalog())),
                answers: vec![("200", ok("Stored", schema_ref("CatalogVersion")))],
                errors: &["400", "401", "403", "413", "422", "500", "503"],
            },
            Op::PostUsage => Shape {
                summary: "Reports usage: one report, or a batch (an array)",
                description: "SEMANTICS section 6. A batch is validated whole before anything applies; each customer's items apply together or not at all. A request for one customer answers its error itself; in a batch naming several customers, a failing customer's items each carry its error body at their index. A repeated `idempotencyKey` counts once and answers the first answer.",
                parameters: vec![],
                body: Some(json_body(
                    json!({ "oneOf": [
                        schema_ref("UsageReport"),
                        { "type": "array", "maxItems": MAX_BATCH, "items": schema_ref("UsageReport") }
                    ] }),
                    true,
                    json!({ "customerId": "acme", "featureId": "api-calls", "value": 1, "idempotencyKey": "report-1" }),
                )),
                answers: vec![(
                    "200",
                    ok(
                        "The counter after the report (an array of answers for a batch)",
                        json!({ "oneOf": [
                            schema_ref("UsageAnswer"),
                            { "type": "array", "items": { "anyOf": [schema_ref("UsageAnswer"), schema_ref("ErrorBody")] } }
                        ] }),
                    ),
                )],
                errors: WRITE_ERRORS,
            },
            Op::Check => Shape {
                summary: "Decides a check; with `consume: true` an allowed request also counts",
                description: "200 with the decision, denials included (an unknown customer is a `CustomerNotFound` decision). With `consume: true` an allowed request adds `requestedUsage` (or draws its credit cost) in the same atomic step; a denied one consumes nothing.",
                parameters: vec![],
                body: Some(json_body(
                    schema_ref("CheckRequest"),
                    true,
                    json!({ "customerId": "acme", "featureId": "api-calls", "requestedUsage": 1, "consume": true }),
                )),
                answers: vec![("200", ok("The decision", schema_ref("Decision")))],
                errors: &["400", "401", "403", "409", "413", "422", "500"],
            },
            Op::PostCreditGrant => Shape {
                summary: "Adds a one-off credit grant",
                description: "SEMANTICS section 7. `effectiveAt` defaults to now, `priority` to 10, an `id` is made when absent. A repeated `idempotencyKey` adds once and answers the first answer.",
                parameters: vec![],
                body: Some(json_body(
                    schema_ref("CreditGrantRequest"),
                    true,
                    json!({ "customerId": "acme", "featureId": "ai-credits", "amount": 20, "category": "paid", "idempotencyKey": "grant-1" }),
                )),
                answers: vec![("201", ok("The grant as stored", schema_ref("CreditGrant")))],
                errors: WRITE_ERRORS,
            },
            Op::Audit => Shape {
                summary: "The environment's audit log, newest first",
                description: "Every write through the API (catalog, customer, usage `set`, credit grants, tokens minted) with its time, environment, the key's identity (never the key), the endpoint and what changed. Kept 400 days. An unknown, repeated or bad parameter is 400 `invalid_query`.",
                parameters: vec![
                    query_param("customerId", "Keeps one customer's entries", json!({ "type": "string", "minLength": 1, "maxLength": MAX_CUSTOMER_ID_BYTES })),
                    query_param("cursor", "Continues after the page that answered it", json!({ "type": "string" })),
                    query_param("limit", "Page size", json!({ "type": "integer", "minimum": 1, "maximum": audit::MAX_LIMIT, "default": audit::DEFAULT_LIMIT })),
                ],
                body: None,
                answers: vec![("200", ok("One page", schema_ref("AuditPage")))],
                errors: &["400", "401", "403", "500", "503"],
            },
            Op::Environment => Shape {
                summary: "The calling key's environment and identity",
                description: "`keyId` is the key's identity as the audit log names it (`sha256:` and 16 hex digits of its SHA-256), never the key. Reads nothing stored.",
                parameters: vec![],
                body: None,
                answers: vec![("200", ok("The environment", schema_ref("Environment")))],
                errors: &["401", "403", "500"],
            },
            Op::ListCustomers => Shape {
                summary: "The environment's customers, by id",
                description: "Ids in UTF-8 byte order. An unknown, repeated or bad parameter is 400 `invalid_query`.",
                parameters: vec![
                    query_param("prefix", "Keeps the ids that start with it", json!({ "type": "string", "maxLength": MAX_CUSTOMER_ID_BYTES })),
                    query_param("cursor", "Continues after the page that answered it (opaque)", json!({ "type": "string" })),
                    query_param("limit", "Page size", json!({ "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 })),
                ],
                body: None,
                answers: vec![("200", ok("One page", schema_ref("CustomerList")))],
                errors: &["400", "401", "403", "500", "503"],
            },
            Op::GetCustomer => Shape {
                summary: "The customer state, usage and credit ledger included",
                description: "",
                parameters: vec![id_param()],
                body: None,
                answers: vec![("200", ok("The stored state", schema_ref("CustomerState")))],
                errors: &["400", "401", "403", "404", "500"],
            },
            Op::PutCustomer => Shape {
                summary: "Creates or replaces the customer's subscriptions, promotions, grants and archived flag",
                description: "The state without `usage` (and without `creditUsage`); the `id` may be left out, one that differs from the path is 422. Stored usage is kept. 201 when created, 200 when replaced.",
                parameters: vec![id_param()],
                body: Some(json_body(
                    schema_ref("CustomerState"),
                    true,
                    json!({ "subscriptions": [{ "id": "s1", "planId": "pro", "status": "active", "startDate": "2026-01-01T00:00:00Z" }] }),
                )),
                answers: vec![
                    ("200", ok("Replaced; the stored state", schema_ref("CustomerState"))),
                    ("201", ok("Created; the stored state", schema_ref("CustomerState"))),
                ],
                errors: &["400", "401", "403", "409", "413", "422", "500"],
            },
            Op::MintToken => Shape {
                summary: "Mints a customer token",
                description: "The token reads only this customer's snapshot and live stream in this environment. The customer need not exist yet.",
                parameters: vec![id_param()],
                body: Some(json_body(schema_ref("TokenRequest"), false, json!({ "ttlSeconds": 600 }))),
                answers: vec![("200", ok("The token", schema_ref("TokenAnswer")))],
                errors: &["400", "401", "403", "413", "422", "500"],
            },
            Op::Snapshot => Shape {
                summary: "The customer's snapshot",
                description: "Postcard bytes (`application/octet-stream`) by default, the JSON form when `Accept` names `application/json`. `ETag` is the version; `If-None-Match` answers 304.",
                parameters: vec![id_param(), json!({
                    "name": "If-None-Match", "in": "header", "required": false,
                    "description": "An ETag seen before (weak or strong, or `*`)",
                    "schema": { "type": "string" }
                })],
                body: None,
                answers: vec![
                    ("200", json!({
                        "description": "The snapshot",
                        "headers": { "ETag": { "description": "The snapshot's version, quoted", "schema": { "type": "string" } } },
                        "content": {
                            "application/octet-stream": { "schema": { "type": "string", "contentMediaType": "application/octet-stream" } },
                            "application/json": { "schema": schema_ref("SnapshotJson") }
                        }
                    })),
                    ("304", json!({ "description": "Not modified since the ETag given" })),
                ],
                errors: READ_ERRORS,
            },
            Op::Live => Shape {
                summary: "Live snapshots over a WebSocket",
                description: "A WebSocket upgrade (`Upgrade: websocket`, else 426): the current snapshot at once (a binary message, postcard), then a new one after every change to the customer and after catalog changes. Credentials: `Authorization`, the subprotocols `edge-entitlements, token.<TOKEN>`, or `?token=` (old clients).",
                parameters: vec![
                    id_param(),
                    json!({ "name": "Upgrade", "in": "header", "required": false, "description": "`websocket`", "schema": { "type": "string" } }),
                    json!({ "name": "Sec-WebSocket-Protocol", "in": "header", "required": false, "description": "`edge-entitlements`, optionally with `token.<TOKEN>`", "schema": { "type": "string" } }),
                ],
                body: None,
                answers: vec![
                    ("101", json!({ "description": "Switching protocols: the WebSocket" })),
                    ("426", error_response("`websocket_required`: no `Upgrade: websocket`")),
                    ("429", error_response("`too_many_connections`: the customer has 64 sockets open")),
                ],
                errors: READ_ERRORS,
            },
            Op::History => Shape {
                summary: "The customer's usage history",
                description: "Rows by feature, then period (the row without a period first). `from`/`to` keep the rows whose period overlaps `[from, to)`; a row without a period always.",
                parameters: vec![
                    id_param(),
                    query_param("featureId", "Keeps one feature", json!({ "type": "string" })),
                    query_param("from", "RFC 3339", schema_ref("Timestamp")),
                    query_param("to", "RFC 3339", schema_ref("Timestamp")),
                ],
                body: None,
                answers: vec![("200", ok("The rows", schema_ref("UsageHistory")))],
                errors: READ_ERRORS,
            },
            Op::Credits => Shape {
                summary: "The customer's credit pools at now",
                description: "Per pool: its balance, lifetime uncovered use, its grants in force in burn order, then its one-off grants not yet effective.",
                parameters: vec![id_param()],
                body: None,
                answers: vec![("200", ok("The pools", schema_ref("CreditPools")))],
                errors: READ_ERRORS,
            },
        }
    }

    fn security(access: Access, op: Op) -> Value {
        match access {
            Access::Anyone => json!([]),
            Access::Server => json!([{ "serverKey": [] }]),
            Access::ServerOrToken if op == Op::Live => {
                json!([{ "serverKey": [] }, { "customerToken": [] }, { "tokenQuery": [] }])
            }
            Access::ServerOrToken => json!([{ "serverKey": [] }, { "customerToken": [] }]),
        }
    }

    fn operation(r: &Route) -> Value {
        let s = shape(r.op);
        let mut responses = Map::new();
        for (status, answer) in s.answers {
            responses.insert(status.into(), answer);
        }
        for status in s.errors {
            responses
                .entry(status.to_string())
                .or_insert_with(|| error_ref(status));
        }
        let mut o = json!({
            "operationId": r.operation_id,
            "summary": s.summary,
            "security": security(r.access, r.op),
            "responses": responses,
        });
        if let Value::Object(m) = &mut o {
            if !s.description.is_empty() {
                m.insert("description".into(), s.description.into());
            }
            if !s.parameters.is_empty() {
                m.insert("parameters".into(), s.parameters.into());
            }
            if let Some(body) = s.body {
                m.insert("requestBody".into(), body);
            }
        }
        o
    }

    /// Adds `T`'s schema (and those it uses) to `generator`, under `T`'s name.
    fn add<T: JsonSchema>(generator: &mut SchemaGenerator) {
        generator.subschema_for::<T>();
    }

    fn settings(contract: Contract) -> SchemaSettings {
        SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
            s.contract = contract;
        })
    }

    /// The schemas written here: shapes the Worker assembles as JSON values.
    fn written_schemas(codes: &[&str]) -> Vec<(&'static str, Value)> {
        let number = json!({ "type": "number" });
        vec![
            (
                "ErrorBody",
                json!({
                    "description": "Every error: a stable code, a message, and for validation errors every violation.",
                    "type": "object",
                    "required": ["error"],
                    "additionalProperties": false,
                    "properties": { "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "additionalProperties": false,
                        "properties": {
                            "code": { "type": "string", "enum": codes },
                            "message": { "type": "string" },
                            "details": { "type": "array", "items": schema_ref("Violation") }
                        }
                    } }
                }),
            ),
            (
                "Violation",
                json!({
                    "description": "One thing wrong with an input: where (a JSON path such as `plans[1].parentPlanId` or `[2].value`, empty for the whole input) and what.",
                    "type": "object",
                    "required": ["path", "message"],
                    "additionalProperties": false,
                    "properties": { "path": { "type": "string" }, "message": { "type": "string" } }
                }),
            ),
            (
                "Health",
                json!({
                    "type": "object",
                    "required": ["status"],
                    "properties": { "status": { "const": "ok" } }
                }),
            ),
            (
                "Environment",
                json!({
                    "type": "object",
                    "required": ["environment", "keyId"],
                    "additionalProperties": false,
                    "properties": {
                        "environment": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                        "keyId": { "type": "string", "pattern": "^sha256:[0-9a-f]{16}$" }
                    }
                }),
            ),
            (
                "CatalogVersion",
                json!({
                    "type": "object",
                    "required": ["catalogVersion"],
                    "additionalProperties": false,
                    "properties": { "catalogVersion": { "type": "integer", "minimum": 1 } }
                }),
            ),
            (
                "StoredCatalog",
                json!({
                    "type": "object",
                    "required": ["catalogVersion", "catalog"],
                    "additionalProperties": false,
                    "properties": {
                        "catalogVersion": { "type": "integer", "minimum": 1 },
                        "catalog": schema_ref("Catalog")
                    }
                }),
            ),
            (
                "CustomerList",
                json!({
                    "type": "object",
                    "required": ["customers"],
                    "additionalProperties": false,
                    "properties": {
                        "customers": { "type": "array", "items": {
                            "type": "object",
                            "required": ["id", "createdAt", "updatedAt"],
                            "additionalProperties": false,
                            "properties": {
                                "id": { "type": "string" },
                                "createdAt": schema_ref("Timestamp"),
                                "updatedAt": schema_ref("Timestamp")
                            }
                        } },
                        "cursor": { "type": "string", "description": "Present when more follow: pass it to get the next page" }
                    }
                }),
            ),
            (
                "UsageReport",
                json!({
                    "description": "A usage report (SEMANTICS section 6).",
                    "type": "object",
                    "required": ["customerId", "featureId", "value"],
                    "additionalProperties": false,
                    "properties": {
                        "customerId": { "type": "string", "minLength": 1, "maxLength": MAX_CUSTOMER_ID_BYTES },
                        "featureId": { "type": "string", "description": "A metered feature of the catalog" },
                        "value": { "type": "number", "description": "A finite number at most 2^53-1 in magnitude; `set` needs it at least 0" },
                        "updateBehavior": { "enum": ["delta", "set"], "default": "delta" },
                        "timestamp": schema_ref("Timestamp"),
                        "idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 255 }
                    }
                }),
            ),
            (
                "UsageAnswer",
                json!({
                    "description": "The counter after a report and its current window; a report that draws credits adds `creditsDrawn` and `creditsUncovered`.",
                    "allOf": [schema_ref("ReportAnswer")],
                    "properties": { "creditsDrawn": number, "creditsUncovered": number },
                    "unevaluatedProperties": false
                }),
            ),
            (
                "CheckRequest",
                json!({
                    "description": "A check (SEMANTICS section 5), and with `consume: true` a consume (section 6).",
                    "type": "object",
                    "required": ["customerId", "featureId"],
                    "additionalProperties": false,
                    "properties": {
                        "customerId": { "type": "string", "minLength": 1, "maxLength": MAX_CUSTOMER_ID_BYTES },
                        "featureId": { "type": "string" },
                        "requestedUsage": { "type": "number", "minimum": 0, "maximum": 9_007_199_254_740_991_u64, "default": 0 },
                        "consume": { "type": "boolean", "default": false },
                        "idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 255 }
                    }
                }),
            ),
            (
                "UsageHistory",
                json!({
                    "type": "object",
                    "required": ["rows"],
                    "additionalProperties": false,
                    "properties": { "rows": { "type": "array", "items": schema_ref("HistoryRow") } }
                }),
            ),
            (
                "CreditPools",
                json!({
                    "type": "object",
                    "required": ["pools"],
                    "additionalProperties": false,
                    "properties": { "pools": { "type": "array", "items": schema_ref("PoolReport") } }
                }),
            ),
            (
                "SnapshotJson",
                json!({
                    "description": "The snapshot's JSON form: its content in camelCase, features named by id, dates as RFC 3339 strings, plus `formatVersion` (SEMANTICS, API section 1).",
                    "type": "object",
                    "required": ["formatVersion"],
                    "properties": { "formatVersion": { "type": "integer" } }
                }),
            ),
        ]
    }

    /// The credit grant request: [`GrantRequest`] and the `customerId` it is for.
    fn credit_grant_request(components: &Map<String, Value>) -> Result<Value, String> {
        let mut schema = components
            .get("GrantRequest")
            .cloned()
            .ok_or("no GrantRequest schema")?;
        let obj = schema
            .as_object_mut()
            .ok_or("GrantRequest is not an object")?;
        obj.get_mut("properties")
            .and_then(Value::as_object_mut)
            .ok_or("GrantRequest has no properties")?
            .insert(
                "customerId".into(),
                json!({ "type": "string", "minLength": 1, "maxLength": MAX_CUSTOMER_ID_BYTES }),
            );
        obj.get_mut("required")
            .and_then(Value::as_array_mut)
            .ok_or("GrantRequest has no required list")?
            .insert(0, "customerId".into());
        Ok(schema)
    }

    /// The document, from [`ROUTES`] and the types' schemas.
    pub fn generate() -> Result<Value, String> {
        // Request bodies are described as the Worker reads them, answers as it writes them.
        let mut inputs = settings(Contract::Deserialize).into_generator();
        add::<Catalog>(&mut inputs);
        add::<CustomerState>(&mut inputs);
        add::<GrantRequest>(&mut inputs);
        add::<TokenRequest>(&mut inputs);
        // A stored grant is answered as it would be read back (the same type).
        add::<CreditGrant>(&mut inputs);
        add::<Timestamp>(&mut inputs);
        let mut outputs = settings(Contract::Serialize).into_generator();
        add::<Decision<'static>>(&mut outputs);
        add::<ReportAnswer>(&mut outputs);
        add::<HistoryRow>(&mut outputs);
        add::<PoolReport>(&mut outputs);
        add::<TokenAnswer>(&mut outputs);
        add::<AuditPage>(&mut outputs);

        let mut components = inputs.take_definitions(true);
        for (name, schema) in outputs.take_definitions(true) {
            match components.get(&name) {
                Some(existing) if *existing != schema => {
                    return Err(format!(
                        "schema `{name}` differs between what is read and what is written"
                    ))
                }
                _ => {
                    components.insert(name, schema);
                }
            }
        }
        let grant = credit_grant_request(&components)?;
        components.remove("GrantRequest");
        components.insert("CreditGrantRequest".into(), grant);
        let codes = error_codes();
        for (name, schema) in written_schemas(&codes) {
            if components.insert(name.into(), schema).is_some() {
                return Err(format!("schema `{name}` is defined twice"));
            }
        }

        let mut paths = Map::new();
        for r in ROUTES {
            let item = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
            if let Value::Object(m) = item {
                m.insert(r.method.to_ascii_lowercase(), operation(r));
            }
        }

        Ok(json!({
            "openapi": "3.1.0",
            "info": {
                "title": "edge-entitlements Worker API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "The HTTP API of the edge-entitlements Cloudflare Worker (spec/API.md section 3). Server calls authenticate with `Authorization: Bearer <server key>`; each key belongs to one environment and sees nothing of another. A customer token (minted by `POST /v1/customers/{id}/tokens`) reads only that customer's snapshot and live stream. Every error is `{ \"error\": { \"code\", \"message\", \"details\"? } }` with a stable `code`; no error changes stored state. Generated from the Worker's route table and Rust types (src/worker/openapi.rs).",
                "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" }
            },
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "servers": [{ "url": "http://localhost:8787", "description": "wrangler dev" }],
            "security": [{ "serverKey": [] }],
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "serverKey": { "type": "http", "scheme": "bearer", "description": "A server key of `SERVER_KEYS` (`environment:key` pairs); the key's environment is the call's" },
                    "customerToken": { "type": "http", "scheme": "bearer", "bearerFormat": "eet1.<payload>.<signature>", "description": "A customer token: reads that customer's snapshot and live stream only" },
                    "tokenQuery": { "type": "apiKey", "in": "query", "name": "token", "description": "A customer token in the URL, for old live clients only (browsers cannot set WebSocket headers; prefer the `token.<TOKEN>` subprotocol)" }
                },
                "responses": error_responses(),
                "schemas": components
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::route_table::ROUTES;
    use super::*;
    use std::collections::BTreeSet;

    /// Every route the router accepts is in the document, and the document describes no
    /// other (the router dispatches from `ROUTES`; see `route_table`'s tests).
    #[test]
    fn document_and_router_agree() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let mut described = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                described.insert((path.clone(), method.to_ascii_uppercase()));
                assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
            }
        }
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|r| (r.path.to_string(), r.method.to_string()))
            .collect();
        assert_eq!(described, routed);
    }

    /// The committed document is what the generator makes now.
    #[cfg(feature = "schema")]
    #[test]
    fn committed_document_is_generated() {
        let fresh = serde_json::to_string_pretty(&generate().unwrap()).unwrap() + "\n";
        assert!(
            fresh == DOCUMENT,
            "src/worker/openapi.json is stale: run \
             `cargo run --example openapi --features worker,schema > src/worker/openapi.json`"
        );
    }
}
