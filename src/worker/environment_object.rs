//! The Durable Object of one environment (named by the environment): the authority on
//! its catalog versions, and the registries of its customers and of the customers with
//! live clients (SQLite, see [`super::environment_store`]).
//!
//! Catalog versions: `PUT /v1/catalog` takes the next version from storage in one
//! synchronous step (so concurrent `PUT`s get distinct, increasing versions), writes the
//! immutable body to KV (`{env}/catalog/v{N}`), marks it written, then publishes the KV
//! pointer `{env}/catalog/current`. Input gates do not hold other requests while a KV
//! write is awaited, so two `PUT`s may write the pointer in either order; after each
//! pointer write the object re-reads the highest written version and writes again while
//! it is larger. The last pointer write to finish is followed by such a re-read, so the
//! pointer ends at the highest written version. Should publication fail (a KV error or
//! rate limit), an alarm retries it. Customer objects keep reading the pointer and bodies
//! from KV: checks, consumes and snapshots never wait on this object.

use serde_json::{json, Value};
use worker::{durable_object, DurableObject, Env, KvStore, Method, Request, Response, State};

use super::audit::{self, Action, AuditEntry, AuditInput, AuditPage, AuditQuery};
use super::catalog_store;
use super::clock::now_ms;
use super::environment_protocol::{
    self, op, IdBody, ListAnswer, ListBody, ListedCustomer, RegisterBody,
};
use super::environment_store::EnvStore;
use super::errors::{json_ok, ApiError, ApiResult};
use super::listing;
use crate::Timestamp;

/// Most pointer writes of one `PUT` before it leaves the rest to the alarm.
const MAX_PUBLISH_ROUNDS: u32 = 16;

/// Delay before the alarm retries a failed pointer publication, in ms (KV allows one
/// write per second to a key).
const REPUBLISH_DELAY_MS: i64 = 2000;

/// The environment object.
#[durable_object]
pub struct EnvironmentObject {
    state: State,
    env: Env,
    store: EnvStore,
}

fn rfc3339(ms: i64) -> String {
    Timestamp::from_millis(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The Worker var that makes every request to this object fail (tests only).
pub const FAULT_VAR: &str = "TEST_ENVIRONMENT_OBJECT_DOWN";

impl DurableObject for EnvironmentObject {
    fn new(state: State, env: Env) -> Self {
        let store = EnvStore::open(&state.storage());
        EnvironmentObject { state, env, store }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        // Fault injection for the test that proves no check, consume, report or snapshot
        // depends on this object: only with the Worker var set, which nothing ships.
        if self
            .env
            .var(FAULT_VAR)
            .is_ok_and(|v| v.to_string() == "true")
        {
            return ApiError::new(
                503,
                "environment_unavailable",
                "the environment object is down (test fault)",
            )
            .to_response();
        }
        match self.handle(req).await {
            Ok(r) => Ok(r),
            Err(e) => e.to_response(),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if let Err(e) = self.republish().await {
            worker::console_error!("catalog pointer republication failed: {}", e.message);
            if let Err(e) = self.schedule_republish().await {
                worker::console_error!("catalog pointer alarm not set: {}", e.message);
            }
        }
        Response::empty()
    }
}

impl EnvironmentObject {
    async fn handle(&self, mut req: Request) -> ApiResult<Response> {
        let environment = environment_protocol::environment(&req)?;
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Put, op::CATALOG) => {
                let actor = req
                    .headers()
                    .get(environment_protocol::H_ACTOR)?
                    .unwrap_or_default();
                let body = req.text().await?;
                self.put_catalog(&environment, &body, &actor).await
            }
            (Method::Get, op::CATALOG) => self.get_catalog(&environment).await,
            (Method::Put, op::CUSTOMERS) => {
                let input: RegisterBody = req.json().await?;
                let now = now_ms();
                self.store.register_customer(&input.id, now)?;
                if let Some(entry) = &input.audit {
                    self.append_audit(now, entry)?;
                }
                json_ok(200, &json!({}))
            }
            (Method::Post, op::AUDIT) => {
                let input: AuditInput = req.json().await?;
                let id = self.append_audit(now_ms(), &input)?;
                json_ok(200, &json!({ "id": id.to_string() }))
            }
            (Method::Post, op::AUDIT_LIST) => {
                let input: AuditQuery = req.json().await?;
                self.audit_page(&environment, &input)
            }
            (Method::Post, op::CUSTOMERS_LIST) => {
                let input: ListBody = req.json().await?;
                self.list_customers(&input)
            }
            (Method::Get, op::LIVE) => json_ok(200, &json!(self.store.live()?)),
            (Method::Post, op::LIVE_ADD) => {
                let input: IdBody = req.json().await?;
                self.store.mark_live(&input.id, now_ms())?;
                json_ok(200, &json!({}))
            }
            (Method::Post, op::LIVE_REMOVE) => {
                let input: IdBody = req.json().await?;
                self.store.unmark_live(&input.id)?;
                json_ok(200, &json!({}))
            }
            _ => Err(ApiError::not_found(
                "not_found",
                "unknown environment object operation",
            )),
        }
    }

    /// Before the first catalog operation, takes in the KV pointer written before this
    /// object existed (its versions count as written), so numbering carries on.
    async fn seed(&self, kv: &KvStore, environment: &str) -> ApiResult<()> {
        if self.store.seeded()? {
            return Ok(());
        }
        let published = catalog_store::current_version(kv, environment).await?;
        // Synchronous from here: concurrent first calls all read the same pointer, and
        // the first to get here records it.
        self.store.seed(published)?;
        self.store.save_environment(environment)
    }

    async fn put_catalog(&self, environment: &str, body: &str, actor: &str) -> ApiResult<Response> {
        let kv = catalog_store::kv(&self.env)?;
        self.seed(&kv, environment).await?;
        // The version this one replaces, for the audit entry's diff summary.
        let previous_version = self.store.max_written()?;
        let previous = match previous_version {
            0 => None,
            v => catalog_store::get(&kv, environment, v)
                .await?
                .and_then(|text| serde_json::from_str::<Value>(&text).ok()),
        };
        let version = self.store.assign_version(now_ms())?;
        if let Err(e) = catalog_store::put_version(&kv, environment, version, body).await {
            if let Err(d) = self.store.drop_pending(version) {
                worker::console_error!("pending catalog version not dropped: {}", d.message);
            }
            return Err(e);
        }
        self.store.mark_written(version)?;
        // In the same step as the version's marking. `previousVersion` is the version the
        // diff was made against: the newest written when this PUT began (under concurrent
        // PUTs, possibly not the one just below).
        let after: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let mut changes = audit::summarize(previous.as_ref(), &after, &[]);
        changes["catalogVersion"] = json!(version);
        if previous.is_some() {
            changes["previousVersion"] = json!(previous_version);
        }
        let entry = AuditInput {
            action: Action::CatalogPut,
            actor: actor.to_string(),
            customer_id: None,
            changes,
        };
        // The version is stored: an entry that cannot be written is logged, never a
        // failed PUT (nor a pointer left unpublished).
        if let Err(e) = self.append_audit(now_ms(), &entry) {
            worker::console_error!(
                "audit entry of catalog version {} not recorded: {}",
                version,
                e.message
            );
        }
        // The version is stored: from here on a failure to publish the pointer is
        // retried by the alarm rather than reported as a failed `PUT`.
        if let Err(e) = self.publish(&kv, environment).await {
            worker::console_error!(
                "catalog pointer of `{}` not published yet ({}): retrying on an alarm",
                environment,
                e.message
            );
            if let Err(e) = self.schedule_republish().await {
                worker::console_error!("catalog pointer alarm not set: {}", e.message);
            }
        }
        json_ok(200, &json!({ "catalogVersion": version }))
    }

    /// Writes the highest written version to the KV pointer until a re-read after the
    /// write finds nothing higher (see the module docs).
    async fn publish(&self, kv: &KvStore, environment: &str) -> ApiResult<()> {
        for _ in 0..MAX_PUBLISH_ROUNDS {
            let max = self.store.max_written()?;
            catalog_store::put_pointer(kv, environment, max).await?;
            if self.store.max_written()? <= max {
                return Ok(());
            }
        }
        Err(ApiError::internal(
            "the catalog pointer did not settle under concurrent writes",
        ))
    }

    async fn republish(&self) -> ApiResult<()> {
        let Some(environment) = self.store.environment()? else {
            return Ok(());
        };
        let kv = catalog_store::kv(&self.env)?;
        self.publish(&kv, &environment).await
    }

    async fn schedule_republish(&self) -> ApiResult<()> {
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(REPUBLISH_DELAY_MS).await?;
        }
        Ok(())
    }

    async fn get_catalog(&self, environment: &str) -> ApiResult<Response> {
        let kv = catalog_store::kv(&self.env)?;
        self.seed(&kv, environment).await?;
        let version = self.store.max_written()?;
        if version == 0 {
            return Err(ApiError::not_found(
                "catalog_not_found",
                "this environment has no catalog yet",
            ));
        }
        let text = catalog_store::get(&kv, environment, version)
            .await?
            .ok_or_else(|| {
                ApiError::internal(format!("catalog version {version} is missing from KV"))
            })?;
        let catalog: Value =
            serde_json::from_str(&text).map_err(|e| ApiError::internal(e.to_string()))?;
        json_ok(
            200,
            &json!({ "catalogVersion": version, "catalog": catalog }),
        )
    }

    fn list_customers(&self, input: &ListBody) -> ApiResult<Response> {
        let limit = input.limit.clamp(1, listing::MAX_LIMIT);
        let mut rows = self
            .store
            .customers(&input.prefix, input.after.as_deref(), limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|r| r.id.clone())
        } else {
            None
        };
        let answer = ListAnswer {
            customers: rows
                .into_iter()
                .map(|r| ListedCustomer {
                    id: r.id,
                    created_at: rfc3339(r.created_at),
                    updated_at: rfc3339(r.updated_at),
                })
                .collect(),
            next,
        };
        json_ok(
            200,
            &serde_json::to_value(answer).map_err(|e| ApiError::internal(e.to_string()))?,
        )
    }

    /// Appends `input` at `now` (Unix ms), dropping entries past the retention.
    fn append_audit(&self, now: i64, input: &AuditInput) -> ApiResult<i64> {
        let changes =
            serde_json::to_string(&input.changes).map_err(|e| ApiError::internal(e.to_string()))?;
        let action = serde_json::to_value(input.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.store.append_audit(
            now,
            audit::RETENTION_DAYS * 86_400_000,
            &action,
            &input.actor,
            input.customer_id.as_deref(),
            &changes,
        )
    }

    fn audit_page(&self, environment: &str, query: &AuditQuery) -> ApiResult<Response> {
        let limit = query.limit.clamp(1, audit::MAX_LIMIT);
        let mut rows = self
            .store
            .audit(query.customer_id.as_deref(), query.before, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|r| r.seq.to_string())
        } else {
            None
        };
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            let action: Action = serde_json::from_value(Value::String(r.action))
                .map_err(|e| ApiError::internal(format!("bad stored audit action: {e}")))?;
            entries.push(AuditEntry {
                id: r.seq.to_string(),
                at: rfc3339(r.at),
                environment: environment.to_string(),
                action,
                endpoint: action.endpoint().to_string(),
                actor: r.actor,
                customer_id: r.customer,
                changes: serde_json::from_str(&r.changes).unwrap_or(Value::Null),
            });
        }
        json_ok(
            200,
            &serde_json::to_value(AuditPage {
                entries,
                cursor: next,
            })
            .map_err(|e| ApiError::internal(e.to_string()))?,
        )
    }
}
