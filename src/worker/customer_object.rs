//! The Durable Object of one customer of one environment (named `env:customerId`):
//! the single writer of its state, usage counters, idempotency keys and live clients.
//!
//! Atomicity: every operation first awaits what it needs from outside (the request
//! body, the catalog from KV), then runs its read-check-write as one synchronous block
//! over SQLite storage and in-memory caches. No other request of this object can run
//! inside that block, so a consuming check never passes a hard limit under concurrency
//! and a retry of an idempotency key always sees the first answer.

use std::cell::{RefCell, RefMut};
use std::sync::Arc;

use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, Response, ScheduledTime, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use super::catalog_store;
use super::customer_store::Store;
use super::environment_protocol;
use super::errors::{json_ok, ApiError, ApiResult};
use super::ident::CustomerRef;
use super::live::{self, LiveClient};
use super::loaded::{
    build_snapshot, error_outcome, etag_matches, now, now_ms, prepare, record, report_json,
    retain_metered_usage, Cat, Loaded,
};
use super::protocol::{self, op, CheckItem, Outcome, UsageItem};
use crate::evaluator::kind_of;
use crate::{
    Check, CheckKind, CustomerState, Decision, DeniedReason, Evaluator, FeatureType, Prepared,
    Timestamp, UsageUpdate, ValidCatalog,
};

/// Idempotency keys older than the retention are purged at most this often.
const PURGE_EVERY_MS: i64 = 3600 * 1000;

enum Slot {
    Missing,
    Present(Loaded),
}

#[derive(Default)]
struct Memory {
    catalog: Option<Cat>,
    customer: Option<Slot>,
    last_purge_ms: i64,
}

/// The customer object.
#[durable_object]
pub struct CustomerObject {
    state: State,
    env: Env,
    store: Store,
    memory: RefCell<Memory>,
}

impl DurableObject for CustomerObject {
    fn new(state: State, env: Env) -> Self {
        let store = Store::open(&state.storage());
        live::set_auto_response(&state);
        CustomerObject {
            state,
            env,
            store,
            memory: RefCell::new(Memory::default()),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match self.handle(req).await {
            Ok(r) => Ok(r),
            Err(e) => e.to_response(),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let WebSocketIncomingMessage::String(text) = &message else {
            return Ok(());
        };
        match text.trim() {
            // A client may ask for the current snapshot again by sending `refresh`.
            "refresh" => {
                if let Some(client) = live::client_of(&ws) {
                    if let Ok(bytes) = self.current_snapshot_bytes(&client.who()).await {
                        live::send(&ws, &bytes);
                    }
                }
            }
            // Normally answered by the runtime's auto-response without waking the
            // object; this answers it should the auto-response be missing.
            live::PING => {
                let _ = ws.send_with_str(live::PONG);
            }
            _ => {}
        }
        Ok(())
    }

    /// The object's one alarm runs every periodic job and is set again to the earliest
    /// next deadline any of them needs.
    async fn alarm(&self) -> worker::Result<Response> {
        let next = self.live_jobs().await;
        if let Some(at) = next {
            if let Err(e) = self.alarm_by(at).await {
                worker::console_error!("alarm not set: {}", e.message);
            }
        }
        Response::empty()
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> worker::Result<()> {
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

impl CustomerObject {
    async fn handle(&self, mut req: Request) -> ApiResult<Response> {
        let who = protocol::who(&req)?;
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Get, op::STATE) => self.get_state(),
            (Method::Put, op::STATE) => {
                let body = req.text().await?;
                self.refresh_catalog(&who.env).await?;
                self.put_state(&who, &body)
            }
            (Method::Post, op::USAGE) => {
                let items: Vec<UsageItem> = req.json().await?;
                self.refresh_catalog(&who.env).await?;
                let outcomes = self.usage(&who, items)?;
                json_ok(200, &serde_json::to_value(outcomes).unwrap_or(Value::Null))
            }
            (Method::Post, op::CHECK) => {
                let item: CheckItem = req.json().await?;
                self.refresh_catalog(&who.env).await?;
                json_ok(200, &self.check(&who, &item)?)
            }
            (Method::Get, op::SNAPSHOT) => {
                let header = |n: &str| req.headers().get(n).ok().flatten().unwrap_or_default();
                let (accept, inm) = (header("accept"), header("if-none-match"));
                self.refresh_catalog(&who.env).await?;
                self.snapshot_response(&who, &accept, &inm)
            }
            (Method::Get, op::LIVE) => self.live(&who, protocol::token_exp(&req)).await,
            (Method::Post, op::CATALOG_CHANGED) => self.catalog_changed(&who).await,
            _ => Err(ApiError::not_found(
                "not_found",
                "unknown customer object operation",
            )),
        }
    }

    fn mem(&self) -> ApiResult<RefMut<'_, Memory>> {
        self.memory
            .try_borrow_mut()
            .map_err(|_| ApiError::internal("customer object memory is busy"))
    }

    fn store(&self) -> &Store {
        &self.store
    }

    /// Brings the cached catalog up to the environment's current version (KV). The
    /// cache only moves forward, so requests that raced a catalog change never go back.
    async fn refresh_catalog(&self, env: &str) -> ApiResult<()> {
        let kv = catalog_store::kv(&self.env)?;
        let version = catalog_store::current_version(&kv, env).await?;
        if version == 0 || self.mem()?.catalog.as_ref().is_some_and(|c| c.0 >= version) {
            return Ok(());
        }
        let json = catalog_store::get(&kv, env, version)
            .await?
            .ok_or_else(|| {
                ApiError::internal(format!("catalog version {version} is missing from KV"))
            })?;
        let catalog = ValidCatalog::from_json(&json)
            .map_err(|e| ApiError::internal(format!("stored catalog does not validate: {e}")))?;
        let mut mem = self.mem()?;
        if mem.catalog.as_ref().is_none_or(|c| c.0 < version) {
            mem.catalog = Some((version, Arc::new(catalog)));
        }
        Ok(())
    }

    /// The loaded customer, prepared against the cached catalog (`None`: never `PUT`).
    fn loaded<'m>(&self, mem: &'m mut Memory) -> ApiResult<Option<(Cat, &'m mut Loaded)>> {
        let Some(cat) = mem.catalog.clone() else {
            return Ok(None);
        };
        let stale = match &mem.customer {
            None => true,
            Some(Slot::Missing) => false,
            Some(Slot::Present(l)) => l.catalog_version != cat.0,
        };
        if stale {
            mem.customer = Some(match self.store().load()? {
                None => Slot::Missing,
                Some(stored) => {
                    let prepared = prepare(&cat, stored.state)?;
                    Slot::Present(Loaded {
                        catalog_version: cat.0,
                        counter: stored.counter,
                        evaluator: Evaluator::new(prepared),
                    })
                }
            });
        }
        match &mut mem.customer {
            Some(Slot::Present(l)) => Ok(Some((cat, l))),
            _ => Ok(None),
        }
    }

    fn get_state(&self) -> ApiResult<Response> {
        match self.store().load()? {
            None => Err(ApiError::not_found(
                "customer_not_found",
                "customer does not exist in this environment",
            )),
            Some(stored) => json_ok(200, &stored.state.to_json()),
        }
    }

    fn put_state(&self, who: &CustomerRef, body: &str) -> ApiResult<Response> {
        let mut state = CustomerState::from_json(body).map_err(|e| ApiError::from_core(&e))?;
        let mut mem = self.mem()?;
        let cat = mem.catalog.clone().ok_or_else(|| {
            ApiError::new(
                409,
                "catalog_not_found",
                "this environment has no catalog yet: PUT /v1/catalog first",
            )
        })?;
        let store = self.store();
        let existing = store.load()?;
        let created = existing.is_none();
        let counter = existing.as_ref().map_or(0, |s| s.counter) + 1;
        state.usage = existing.map(|s| s.state.usage).unwrap_or_default();
        retain_metered_usage(&cat, &mut state);
        let prepared = Prepared::new(cat.1.clone(), state).map_err(|e| ApiError::from_core(&e))?;
        let written = store
            .ensure_schema()
            .and_then(|_| store.save_state(prepared.state()))
            .and_then(|_| store.save_counter(counter))
            .and_then(|_| store.save_ident(&who.env, &who.customer));
        if let Err(e) = written {
            mem.customer = None;
            return Err(e);
        }
        let body = prepared.state().to_json();
        let loaded = Loaded {
            catalog_version: cat.0,
            counter,
            evaluator: Evaluator::new(prepared),
        };
        self.push(who, &cat, &loaded);
        mem.customer = Some(Slot::Present(loaded));
        json_ok(if created { 201 } else { 200 }, &body)
    }

    fn usage(&self, who: &CustomerRef, items: Vec<UsageItem>) -> ApiResult<Vec<Outcome>> {
        let now_ms = now_ms();
        let store = self.store();
        let mut mem = self.mem()?;
        self.maybe_purge(&mut mem, now_ms);
        let mut out = Vec::with_capacity(items.len());
        let mut changed = false;
        for item in items {
            let key = item
                .idempotency_key
                .as_deref()
                .map(|k| format!("usage:{k}"));
            if let Some(prev) = key
                .as_deref()
                .map(|k| store.remembered(k))
                .transpose()?
                .flatten()
            {
                out.push(Outcome {
                    status: 200,
                    body: serde_json::from_str(&prev).unwrap_or(Value::Null),
                });
                continue;
            }
            let Some((_, l)) = self.loaded(&mut mem)? else {
                out.push(error_outcome(&ApiError::customer_not_found(&who.customer)));
                continue;
            };
            let at = item
                .at_ms
                .and_then(Timestamp::from_millis)
                .unwrap_or_else(now);
            match record(
                store,
                l,
                &item.feature_id,
                item.value,
                item.update_behavior,
                at,
            ) {
                Ok(report) => {
                    changed = true;
                    let body = report_json(&report);
                    if let Some(k) = &key {
                        store.remember(k, &body.to_string(), now_ms)?;
                    }
                    out.push(Outcome { status: 200, body });
                }
                Err(e) => {
                    if e.status >= 500 {
                        mem.customer = None;
                        return Err(e);
                    }
                    out.push(error_outcome(&e));
                }
            }
        }
        if changed {
            if let Some((cat, l)) = self.loaded(&mut mem)? {
                self.push(who, &cat, l);
            }
        }
        Ok(out)
    }

    fn check(&self, who: &CustomerRef, item: &CheckItem) -> ApiResult<Value> {
        let now_ms = now_ms();
        let store = self.store();
        let mut mem = self.mem()?;
        let key = match (&item.idempotency_key, item.consume) {
            (Some(k), true) => Some(format!("check:{k}")),
            _ => None,
        };
        if let Some(k) = &key {
            self.maybe_purge(&mut mem, now_ms);
            if let Some(prev) = store.remembered(k)? {
                return Ok(serde_json::from_str(&prev).unwrap_or(Value::Null));
            }
        }
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Ok(Decision::denied(DeniedReason::CustomerNotFound).to_json());
        };
        let feature = cat.1.feature(&item.feature_id);
        let kind = feature.map_or(CheckKind::Boolean, |f| kind_of(f.feature_type));
        let metered = feature.is_some_and(|f| f.feature_type == FeatureType::Metered);
        let check = Check {
            feature_id: &item.feature_id,
            kind,
            requested_usage: item.requested_usage,
            fallback: None,
        };
        let at = Timestamp::from_millis(now_ms).unwrap_or(Timestamp::EPOCH);
        let (allowed, decision) = {
            let d = l.evaluator.check(at, &check);
            (d.has_access, d.to_json())
        };
        if item.consume && allowed && metered && item.requested_usage > 0.0 {
            if let Err(e) = record(
                store,
                l,
                &item.feature_id,
                item.requested_usage,
                UsageUpdate::Delta,
                at,
            ) {
                mem.customer = None;
                return Err(e);
            }
            self.push(who, &cat, l);
        }
        if let Some(k) = &key {
            store.remember(k, &decision.to_string(), now_ms)?;
        }
        Ok(decision)
    }

    fn snapshot_response(
        &self,
        who: &CustomerRef,
        accept: &str,
        if_none_match: &str,
    ) -> ApiResult<Response> {
        let mut mem = self.mem()?;
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Err(ApiError::customer_not_found(&who.customer));
        };
        let version = l.counter + cat.0;
        let etag = format!("\"{version}\"");
        let headers = Headers::new();
        headers.set("etag", &etag)?;
        headers.set("cache-control", "private, no-cache")?;
        headers.set("vary", "Accept")?;
        if etag_matches(if_none_match, &etag) {
            return Ok(Response::empty()?.with_status(304).with_headers(headers));
        }
        let snapshot = build_snapshot(who, &cat, l)?;
        let (ctype, bytes) = if accept.contains("application/json") {
            (
                "application/json; charset=utf-8",
                snapshot.to_json().to_string().into_bytes(),
            )
        } else {
            ("application/octet-stream", snapshot.encode())
        };
        headers.set("content-type", ctype)?;
        Ok(Response::from_bytes(bytes)?.with_headers(headers))
    }

    /// Accepts a live client (`exp`: its token's expiry, Unix seconds; `None` for a
    /// server key), at most [`live::MAX_CLIENTS`] per object.
    async fn live(&self, who: &CustomerRef, exp: Option<u64>) -> ApiResult<Response> {
        self.refresh_catalog(&who.env).await?;
        if self.loaded(&mut *self.mem()?)?.is_none() {
            return Err(ApiError::customer_not_found(&who.customer));
        }
        self.check_client_cap(who)?;
        if !live::has_clients(&self.state) {
            // Registration is for catalog pushes only: a failed call to the environment
            // object must not refuse the connection.
            if let Err(e) =
                environment_protocol::mark_live(&self.env, &who.env, &who.customer).await
            {
                worker::console_error!(
                    "live registration of `{}` failed: {}",
                    who.customer,
                    e.message
                );
            }
        }
        let client = {
            // Checked again in the synchronous block that accepts: concurrent
            // upgrades cannot pass the cap together.
            self.check_client_cap(who)?;
            let mut mem = self.mem()?;
            let Some((cat, l)) = self.loaded(&mut mem)? else {
                return Err(ApiError::customer_not_found(&who.customer));
            };
            let bytes = build_snapshot(who, &cat, l)?.encode();
            // Clients already connected may hold an older catalog (a missed notice):
            // they get the new snapshot too.
            if self.store().live_catalog_version()? < cat.0 {
                live::broadcast(&self.state, &bytes);
                self.store().save_live_catalog_version(cat.0)?;
            }
            let pair = WebSocketPair::new()?;
            let attachment = LiveClient {
                env: who.env.clone(),
                customer: who.customer.clone(),
                exp,
                since_ms: now_ms(),
            };
            live::accept(&self.state, &pair.server, &attachment)?;
            live::send(&pair.server, &bytes);
            pair.client
        };
        if let Some(at) = self.live_deadline() {
            if let Err(e) = self.alarm_by(at).await {
                worker::console_error!(
                    "live alarm of `{}` not scheduled: {}",
                    who.customer,
                    e.message
                );
            }
        }
        Ok(Response::from_websocket(client)?)
    }

    fn check_client_cap(&self, who: &CustomerRef) -> ApiResult<()> {
        if live::sockets(&self.state).len() >= live::MAX_CLIENTS {
            return Err(ApiError::new(
                429,
                "too_many_connections",
                format!(
                    "customer `{}` already has {} live connections: poll its snapshot instead",
                    who.customer,
                    live::MAX_CLIENTS
                ),
            ));
        }
        Ok(())
    }

    async fn catalog_changed(&self, who: &CustomerRef) -> ApiResult<Response> {
        if !live::has_clients(&self.state) {
            environment_protocol::unmark_live(&self.env, &who.env, &who.customer).await?;
            return json_ok(200, &json!({ "pushed": false }));
        }
        let pushed = self.push_catalog_change(who).await?;
        json_ok(200, &json!({ "pushed": pushed }))
    }

    /// Pushes a snapshot to every client if the catalog moved past the version they
    /// were last sent; true when it pushed.
    async fn push_catalog_change(&self, who: &CustomerRef) -> ApiResult<bool> {
        self.refresh_catalog(&who.env).await?;
        let mut mem = self.mem()?;
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Ok(false);
        };
        if self.store().live_catalog_version()? >= cat.0 {
            return Ok(false);
        }
        let bytes = build_snapshot(who, &cat, l)?.encode();
        live::broadcast(&self.state, &bytes);
        self.store().save_live_catalog_version(cat.0)?;
        Ok(true)
    }

    /// The live channel's periodic jobs, run by the alarm: closes the sockets past their
    /// token expiry or heartbeat deadline, then (the backstop of catalog pushes, in case
    /// a notice from `PUT /v1/catalog` was lost) pushes if the catalog version moved
    /// past the one last sent. Returns when the jobs are next due (`None`: no clients).
    async fn live_jobs(&self) -> Option<i64> {
        let swept = live::sweep(&self.state, now_ms(), live::heartbeat_ms(&self.env));
        let who = swept.who?;
        if let Err(e) = self.push_catalog_change(&who).await {
            worker::console_error!("catalog watch failed: {}", e.message);
        }
        self.live_deadline()
    }

    /// The next deadline of the live channel: the next catalog watch, a socket's
    /// heartbeat deadline or token expiry, whichever is first (`None`: no clients).
    fn live_deadline(&self) -> Option<i64> {
        let now = now_ms();
        // Nothing is closed here: deadlines already past are the next alarm's job.
        let open = live::next_deadline(&self.state, live::heartbeat_ms(&self.env))?;
        Some(open.min(now + live::catalog_watch_ms(&self.env)))
    }

    /// Makes the alarm fire at `at` at the latest (Unix ms): an alarm already set in the
    /// future and no later is kept (another job may need it first).
    async fn alarm_by(&self, at: i64) -> ApiResult<()> {
        let storage = self.state.storage();
        let now = now_ms();
        if storage
            .get_alarm()
            .await?
            .is_some_and(|t| t > now && t <= at)
        {
            return Ok(());
        }
        let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.max(now) as f64));
        storage.set_alarm(ScheduledTime::new(at)).await?;
        Ok(())
    }

    async fn current_snapshot_bytes(&self, who: &CustomerRef) -> ApiResult<Vec<u8>> {
        self.refresh_catalog(&who.env).await?;
        let mut mem = self.mem()?;
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Err(ApiError::customer_not_found(&who.customer));
        };
        Ok(build_snapshot(who, &cat, l)?.encode())
    }

    /// Pushes a fresh snapshot to live clients, if any (after every change).
    fn push(&self, who: &CustomerRef, cat: &Cat, l: &Loaded) {
        if !live::has_clients(&self.state) {
            return;
        }
        match build_snapshot(who, cat, l) {
            Ok(s) => live::broadcast(&self.state, &s.encode()),
            Err(e) => {
                worker::console_error!("snapshot of `{}` not pushed: {}", who.customer, e.message)
            }
        }
    }

    fn maybe_purge(&self, mem: &mut Memory, now_ms: i64) {
        if now_ms - mem.last_purge_ms >= PURGE_EVERY_MS {
            mem.last_purge_ms = now_ms;
            let _ = self.store().purge_idempotency(now_ms);
        }
    }
}
