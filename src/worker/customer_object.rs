//! The Durable Object of one customer of one environment (named `env:customerId`):
//! the single writer of its state, usage counters, idempotency keys and live clients.
//!
//! Atomicity: every operation first awaits what it needs from outside (the request
//! body, the catalog from KV), then runs its read-check-write as one synchronous block
//! over SQLite storage and in-memory caches. No other request of this object can run
//! inside that block, so a consuming check never passes a hard limit under concurrency
//! and a retry of an idempotency key always sees the first answer.

use std::cell::{Cell, RefCell, RefMut};
use std::sync::Arc;

use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, Response, ScheduledTime, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use super::audit;
use super::catalog_store;
use super::clock::{self, now_ms};
use super::customer_store::{storage_js, Store};
use super::environment_protocol;
use super::errors::{json_ok, ApiError, ApiResult};
use super::ident::CustomerRef;
use super::live::{self, LiveClient};
use super::loaded::{
    build_snapshot, build_snapshot_at, etag_matches, prepare, retain_fitting_credits,
    retain_metered_usage, snapshot_version, Cat, Loaded,
};
use super::protocol::{self, op, CheckItem, GrantRequest, UsageAnswers, UsageBatch};
use crate::credits::state::{CreditGrant, DEFAULT_PRIORITY};
use crate::evaluator::kind_of;
use crate::usage::{Changes, ConsumeInput, HistoryQuery, Ledger, LedgerError, ReportInput};
use crate::{
    Check, CheckKind, CustomerState, Decision, DeniedReason, Evaluator, Prepared, Timestamp,
    ValidCatalog,
};

/// Expired idempotency keys and history past retention are purged at most this often
/// (inside a write that happens anyway).
const PURGE_EVERY_MS: i64 = 3600 * 1000;

enum Slot {
    Missing,
    Present(Box<Loaded>),
}

#[derive(Default)]
struct Memory {
    catalog: Option<Cat>,
    customer: Option<Slot>,
}

/// The customer object.
#[durable_object]
pub struct CustomerObject {
    state: State,
    env: Env,
    /// The object's tables (an error when the storage could not be opened).
    store: ApiResult<Store>,
    memory: RefCell<Memory>,
    /// When expired keys and old history were last purged (Unix ms of a request's `now`).
    last_purge_ms: Cell<i64>,
}

impl DurableObject for CustomerObject {
    fn new(state: State, env: Env) -> Self {
        let (state, storage) = storage_js(state);
        let store = Store::open(&state, storage);
        live::set_auto_response(&state);
        CustomerObject {
            state,
            env,
            store,
            memory: RefCell::new(Memory::default()),
            last_purge_ms: Cell::new(i64::MIN / 2),
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
            // A client may ask for the current snapshot again by sending `refresh` (at
            // most once per `REFRESH_EVERY_MS`).
            "refresh" => {
                let now = now_ms();
                if let Some(mut client) = live::client_of(&ws) {
                    if now - client.refreshed_ms < live::REFRESH_EVERY_MS {
                        return Ok(());
                    }
                    client.refreshed_ms = now;
                    let _ = ws.serialize_attachment(&client);
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
        let live = self.live_jobs().await;
        let credits = self.credit_jobs().await;
        let next = match (live, credits) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
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
        let now = clock::request_now(&self.env, &req, protocol::H_TEST_NOW)?;
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Get, op::STATE) => self.get_state(),
            (Method::Put, op::STATE) => {
                let seed = req.headers().get(protocol::H_SEED_LEDGER)?.is_some()
                    && clock::test_clock_enabled(&self.env);
                let body = req.text().await?;
                self.refresh_catalog(&who.env).await?;
                let res = self.put_state(&who, &body, now, seed)?;
                self.schedule_credit_alarm().await;
                Ok(res)
            }
            (Method::Post, op::USAGE) => {
                let batch: UsageBatch = req.json().await?;
                self.refresh_catalog(&who.env).await?;
                let (answers, audited) = self.usage(&who, &batch, now)?;
                self.schedule_credit_alarm().await;
                let mut res = json_ok(200, &serde_json::to_value(answers).unwrap_or(Value::Null))?;
                if let Some(changes) = audited {
                    res.headers_mut()
                        .set(protocol::H_AUDIT_CHANGES, &changes.to_string())?;
                }
                Ok(res)
            }
            (Method::Post, op::CHECK) => {
                let item: CheckItem = req.json().await?;
                self.refresh_catalog(&who.env).await?;
                let answer = self.check(&who, &item, now)?;
                self.schedule_credit_alarm().await;
                json_ok(200, &answer)
            }
            (Method::Post, op::CREDIT_GRANTS) => {
                let body: GrantRequest = req.json().await?;
                self.refresh_catalog(&who.env).await?;
                let res = self.add_grant(&who, &body, now)?;
                self.schedule_credit_alarm().await;
                Ok(res)
            }
            (Method::Get, op::CREDITS) => {
                self.refresh_catalog(&who.env).await?;
                self.credits(&who, now)
            }
            (Method::Get, op::HISTORY) => {
                let query = history_query(&req)?;
                self.history(&who, &query, now)
            }
            (Method::Get, op::SNAPSHOT) => {
                let header = |n: &str| req.headers().get(n).ok().flatten().unwrap_or_default();
                let (accept, inm) = (header("accept"), header("if-none-match"));
                self.refresh_catalog(&who.env).await?;
                self.snapshot_response(&who, &accept, &inm, now)
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

    fn store(&self) -> ApiResult<&Store> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// Brings the cached catalog up to the environment's current version (KV). The
    /// cache only moves forward, so requests that raced a catalog change never go back.
    async fn refresh_catalog(&self, env: &str) -> ApiResult<()> {
        let kv = catalog_store::kv(&self.env)?;
        let pointer = catalog_store::current_version(&kv, env).await?;
        // Never behind what this customer already used: KV is eventually consistent, and
        // an object started elsewhere (after an eviction or a deploy) may read an older
        // pointer than the one it adopted before. The version it used is persisted.
        let seen = self.store()?.catalog_seen()?;
        let version = pointer.max(seen);
        if version == 0 || self.mem()?.catalog.as_ref().is_some_and(|c| c.0 >= version) {
            return Ok(());
        }
        let json = catalog_store::get(&kv, env, version)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    503,
                    "catalog_unavailable",
                    format!("catalog version {version} cannot be read from KV yet; retry"),
                )
            })?;
        let catalog = ValidCatalog::from_json(&json)
            .map_err(|e| ApiError::internal(format!("stored catalog does not validate: {e}")))?;
        let mut mem = self.mem()?;
        if mem.catalog.as_ref().is_none_or(|c| c.0 < version) {
            mem.catalog = Some((version, Arc::new(catalog)));
        }
        drop(mem);
        if seen < version {
            self.store()?.save_catalog_seen(version)?;
        }
        Ok(())
    }

    /// The loaded customer, prepared against the cached catalog (`None`: never `PUT`).
    fn loaded<'m>(&self, mem: &'m mut Memory) -> ApiResult<Option<(Cat, &'m mut Loaded)>> {
        let Some(cat) = mem.catalog.clone() else {
            // No catalog visible: a customer that exists is not answered as unknown.
            if self.store()?.catalog_seen()? > 0 {
                return Err(ApiError::new(
                    503,
                    "catalog_unavailable",
                    "this customer's catalog cannot be read yet; retry",
                ));
            }
            return Ok(None);
        };
        let stale = match &mem.customer {
            None => true,
            Some(Slot::Missing) => false,
            Some(Slot::Present(l)) => l.catalog_version != cat.0,
        };
        if stale {
            mem.customer = Some(match self.store()?.load()? {
                None => Slot::Missing,
                Some(stored) => {
                    let (prepared, hidden_credit_usage) = prepare(&cat, stored.state)?;
                    Slot::Present(Box::new(Loaded {
                        catalog_version: cat.0,
                        counter: stored.counter,
                        evaluator: Evaluator::new(prepared),
                        hidden_credit_usage,
                    }))
                }
            });
        }
        match &mut mem.customer {
            Some(Slot::Present(l)) => Ok(Some((cat, l))),
            _ => Ok(None),
        }
    }

    fn get_state(&self) -> ApiResult<Response> {
        match self.store()?.load()? {
            None => Err(ApiError::not_found(
                "customer_not_found",
                "customer does not exist in this environment",
            )),
            Some(stored) => json_ok(200, &stored.state.to_json()),
        }
    }

    /// `PUT` of the state. Usage and the credit ledger are kept as stored (sections 6 and
    /// 7); without `creditGrants` the grants held are kept, with it they are replaced and
    /// the ledger entries of the grants removed are dropped. `seed` (test clock only):
    /// the body's `creditUsage` is taken as the ledger, and no pool entry is written.
    fn put_state(
        &self,
        who: &CustomerRef,
        body: &str,
        now: Timestamp,
        seed: bool,
    ) -> ApiResult<Response> {
        let mut state = CustomerState::from_json(body).map_err(|e| ApiError::from_core(&e))?;
        let grants_given = serde_json::from_str::<Value>(body)
            .ok()
            .is_some_and(|v| v.get("creditGrants").is_some());
        let mut mem = self.mem()?;
        let cat = mem.catalog.clone().ok_or_else(|| {
            ApiError::new(
                409,
                "catalog_not_found",
                "this environment has no catalog yet: PUT /v1/catalog first",
            )
        })?;
        let store = self.store()?;
        let existing = store.load()?;
        let created = existing.is_none();
        let before = existing.as_ref().map(|s| s.state.to_json());
        let counter = existing.as_ref().map_or(0, |s| s.counter) + 1;
        // Usage is kept as stored (SEMANTICS section 6): the next write decides whether
        // a counter carries on under the new subscriptions.
        let (usage, held_grants, ledger) = existing
            .map(|s| (s.state.usage, s.state.credit_grants, s.state.credit_usage))
            .unwrap_or_default();
        state.usage = usage;
        if !grants_given {
            state.credit_grants = held_grants;
        }
        if !seed {
            let grants = &state.credit_grants;
            state.credit_usage = ledger;
            state.credit_usage.retain(|e| {
                e.grant_id
                    .as_ref()
                    .is_none_or(|g| grants.iter().any(|x| &x.id == g))
            });
        }
        // Stored usage and credit data the catalog no longer gives a meaning to stay
        // stored, unseen; grants the body gives are validated as given.
        let mut prepared_state = state.clone();
        retain_metered_usage(&cat, &mut prepared_state);
        let hidden_credit_usage = retain_fitting_credits(&cat, &mut prepared_state, !grants_given);
        let prepared =
            Prepared::new(cat.1.clone(), prepared_state).map_err(|e| ApiError::from_core(&e))?;
        let mut evaluator = Evaluator::new(prepared);
        // Section 7: a subscription that became a pool's winner starts this period's
        // entry without a carry (a seeded ledger is taken as given).
        let winners = if seed {
            None
        } else {
            let before = store.credit_winners()?;
            let (changed, winners) = evaluator.write_credit_period_entries(now, before.as_ref());
            if changed {
                state.credit_usage = evaluator.prepared().state().credit_usage.clone();
                state
                    .credit_usage
                    .extend(hidden_credit_usage.iter().cloned());
            }
            Some(winners)
        };
        let written = store.atomically(|w| {
            w.save_state(&state)?;
            if let Some(winners) = &winners {
                w.save_credit_winners(winners)?;
            }
            w.save_counter(counter);
            w.save_ident(&who.env, &who.customer);
            w.save_catalog_seen(cat.0);
            Ok(())
        });
        if let Err(e) = written {
            mem.customer = None;
            return Err(e);
        }
        let body = state.to_json();
        // The audit entry's diff summary, handed to the Worker in an internal header.
        let changes = audit::summarize(before.as_ref(), &body, &["id", "usage", "creditUsage"]);
        let loaded = Loaded {
            catalog_version: cat.0,
            counter,
            evaluator,
            hidden_credit_usage,
        };
        self.push(who, &cat, &loaded, now);
        mem.customer = Some(Slot::Present(Box::new(loaded)));
        let mut res = json_ok(if created { 201 } else { 200 }, &body)?;
        res.headers_mut()
            .set(protocol::H_AUDIT_CHANGES, &changes.to_string())?;
        Ok(res)
    }

    /// A batch of usage reports (one is a batch of one), all or nothing, through the
    /// core's ledger; the changes and the bumped change counter are written in one
    /// transaction. A rejected batch answers its first error and stores nothing. With the
    /// answers, the audit entry's changes when the batch stored `set` reports
    /// ([`audit::set_reports`]).
    fn usage(
        &self,
        who: &CustomerRef,
        batch: &UsageBatch,
        now: Timestamp,
    ) -> ApiResult<(UsageAnswers, Option<Value>)> {
        let inputs = batch
            .items
            .iter()
            .map(|i| ReportInput::from_json(&i.report, &i.path))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::from_core(&e))?;
        let store = self.store()?;
        let mut mem = self.mem()?;
        if batch.dry_run {
            let Some((_, l)) = self.loaded(&mut mem)? else {
                return Err(ApiError::customer_not_found(&who.customer));
            };
            // The same judgement on a copy: nothing held or stored changes.
            let mut copy = l.evaluator.clone();
            let outcome = Ledger::new(&mut copy, store, now).report(&inputs);
            return match outcome {
                Ok((answers, _)) => Ok((UsageAnswers { answers }, None)),
                Err(e) => Err(ledger_error(e, &mut mem)),
            };
        }
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Err(ApiError::customer_not_found(&who.customer));
        };
        if let Err(e) = catch_up_credits(store, l, now) {
            mem.customer = None;
            return Err(e);
        }
        let outcome = Ledger::new(&mut l.evaluator, store, now).report(&inputs);
        let (answers, changes) = match outcome {
            Ok(x) => x,
            Err(e) => return Err(ledger_error(e, &mut mem)),
        };
        let changes = with_hidden_credits(changes, l);
        if changes.is_empty() {
            // Every report was answered from its idempotency key: nothing to audit.
            return Ok((UsageAnswers { answers }, None));
        }
        let counter = l.counter + 1;
        if let Err(e) = self.write(store, &changes, counter, now) {
            mem.customer = None;
            return Err(e);
        }
        l.counter = counter;
        self.push(who, &cat, l, now);
        Ok((UsageAnswers { answers }, audit::set_reports(&batch.items)))
    }

    /// A check, or with `consume` an atomic check-and-consume through the core's ledger.
    fn check(&self, who: &CustomerRef, item: &CheckItem, now: Timestamp) -> ApiResult<Value> {
        let store = self.store()?;
        let mut mem = self.mem()?;
        if !item.consume {
            let (feature_id, requested) = plain_check(&item.request)?;
            let Some((cat, l)) = self.loaded(&mut mem)? else {
                return Ok(Decision::denied(DeniedReason::CustomerNotFound).to_json());
            };
            let kind = cat
                .1
                .feature(feature_id)
                .map_or(CheckKind::Boolean, |f| kind_of(f.feature_type));
            let check = Check {
                feature_id,
                kind,
                requested_usage: requested,
                fallback: None,
            };
            return Ok(l.evaluator.check(now, &check).to_json());
        }
        let input =
            ConsumeInput::from_json(&item.request, "").map_err(|e| ApiError::from_core(&e))?;
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            // An unknown customer: the decision, and nothing stored (no key either).
            input.validate().map_err(|e| ApiError::from_core(&e))?;
            return Ok(Decision::denied(DeniedReason::CustomerNotFound).to_json());
        };
        if let Err(e) = catch_up_credits(store, l, now) {
            mem.customer = None;
            return Err(e);
        }
        let outcome = Ledger::new(&mut l.evaluator, store, now).consume(&input);
        let (decision, changes) = match outcome {
            Ok(x) => x,
            Err(e) => return Err(ledger_error(e, &mut mem)),
        };
        let changes = with_hidden_credits(changes, l);
        if changes.is_empty() {
            return Ok(decision);
        }
        // A consume that counted usage or drew credits changes the snapshot.
        let counted = !changes.counters.is_empty() || changes.credit_usage.is_some();
        let counter = l.counter + u64::from(counted);
        if let Err(e) = self.write(store, &changes, counter, now) {
            mem.customer = None;
            return Err(e);
        }
        l.counter = counter;
        if counted {
            self.push(who, &cat, l, now);
        }
        Ok(decision)
    }

    /// `GET /v1/customers/{id}/usage`: the history rows the query selects at `now`.
    fn history(
        &self,
        who: &CustomerRef,
        query: &HistoryQuery,
        now: Timestamp,
    ) -> ApiResult<Response> {
        let store = self.store()?;
        if store.load()?.is_none() {
            return Err(ApiError::customer_not_found(&who.customer));
        }
        let rows = store.history_rows(query.feature_id.as_deref())?;
        json_ok(200, &json!({ "rows": query.select(rows, now) }))
    }

    fn snapshot_response(
        &self,
        who: &CustomerRef,
        accept: &str,
        if_none_match: &str,
        now: Timestamp,
    ) -> ApiResult<Response> {
        let mut mem = self.mem()?;
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Err(ApiError::customer_not_found(&who.customer));
        };
        let etag = format!("\"{}\"", snapshot_version(&cat, l));
        let headers = Headers::new();
        headers.set("etag", &etag)?;
        headers.set("cache-control", "private, no-cache")?;
        headers.set("vary", "Accept")?;
        if etag_matches(if_none_match, &etag) {
            return Ok(Response::empty()?.with_status(304).with_headers(headers));
        }
        let snapshot = build_snapshot_at(who, &cat, l, now)?;
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
            if self.store()?.live_catalog_version()? < cat.0 {
                live::broadcast(&self.state, &bytes);
                self.store()?.save_live_catalog_version(cat.0)?;
            }
            let pair = WebSocketPair::new()?;
            let attachment = LiveClient {
                env: who.env.clone(),
                customer: who.customer.clone(),
                exp,
                since_ms: now_ms(),
                refreshed_ms: 0,
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
        if self.store()?.live_catalog_version()? >= cat.0 {
            return Ok(false);
        }
        let bytes = build_snapshot(who, &cat, l)?.encode();
        live::broadcast(&self.state, &bytes);
        self.store()?.save_live_catalog_version(cat.0)?;
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

    /// `POST /v1/credits/grants` for this customer (API section 3): adds a one-off grant
    /// (`effectiveAt` defaults to `now`, an id is made when absent), 201 with the grant as
    /// stored, then a new snapshot is pushed. A repeated `idempotencyKey` adds once and
    /// answers the first answer. Errors: 404 unknown customer, 409 `credit_grant_exists`
    /// for an id the customer holds, 409 `idempotency_conflict`, 422 `invalid_customer`
    /// (paths name the request's fields). Nothing is stored on an error.
    fn add_grant(
        &self,
        who: &CustomerRef,
        req: &GrantRequest,
        now: Timestamp,
    ) -> ApiResult<Response> {
        let store = self.store()?;
        let mut mem = self.mem()?;
        let Some((cat, l)) = self.loaded(&mut mem)? else {
            return Err(ApiError::customer_not_found(&who.customer));
        };
        let payload = serde_json::to_value(req).unwrap_or(Value::Null);
        if let Some(key) = &req.idempotency_key {
            let remembered = crate::usage::LedgerStore::remembered(store, key)?;
            if let Some(r) = remembered.filter(|r| r.in_force(now)) {
                let answer = r
                    .replay(key, &payload, "")
                    .map_err(|e| ApiError::from_core_with_status(409, &e))?;
                return json_ok(201, &answer);
            }
        }
        // The stored state: grants the catalog hides count as held too.
        let stored = store
            .load()?
            .map(|s| s.state)
            .ok_or_else(|| ApiError::customer_not_found(&who.customer))?;
        let state = l.evaluator.prepared().state();
        let id = req
            .id
            .clone()
            .unwrap_or_else(|| format!("grant-{}-{}", now.as_millis(), l.counter + 1));
        if stored.credit_grants.iter().any(|g| g.id == id) {
            return Err(ApiError::new(
                409,
                "credit_grant_exists",
                format!(
                    "customer `{}` already holds a credit grant `{id}`",
                    who.customer
                ),
            ));
        }
        let grant = CreditGrant {
            id,
            feature_id: req.feature_id.clone(),
            amount: req.amount,
            effective_at: req.effective_at.unwrap_or(now),
            expires_at: req.expires_at,
            priority: req.priority.unwrap_or(DEFAULT_PRIORITY),
            category: req.category,
        };
        let mut next = state.clone();
        next.credit_grants.push(grant.clone());
        let at = next.credit_grants.len() - 1;
        let prepared = Prepared::new(cat.1.clone(), next).map_err(|e| {
            // The grant's own fields, named as in the request.
            let prefix = format!("creditGrants[{at}].");
            let mut e = e;
            for v in &mut e.violations {
                if let Some(rest) = v.path.strip_prefix(&prefix) {
                    v.path = rest.to_string();
                }
            }
            ApiError::from_core(&e)
        })?;
        let answer = serde_json::to_value(&grant).unwrap_or(Value::Null);
        let counter = l.counter + 1;
        let mut changes = Changes::default();
        if let Some(key) = &req.idempotency_key {
            changes.remembered.push((
                key.clone(),
                crate::usage::Remembered {
                    payload,
                    answer: answer.clone(),
                    at: now,
                },
            ));
        }
        let full = {
            // The stored state keeps what the prepared one may have dropped.
            let mut s = stored;
            s.credit_grants.push(grant);
            s
        };
        let written = store.atomically(|w| {
            w.save_state(&full)?;
            w.save_changes(&changes)?;
            w.save_counter(counter);
            Ok(())
        });
        if let Err(e) = written {
            mem.customer = None;
            return Err(e);
        }
        l.evaluator = Evaluator::new(prepared);
        l.counter = counter;
        self.push(who, &cat, l, now);
        let mut res = json_ok(201, &answer)?;
        res.headers_mut().set(
            protocol::H_AUDIT_CHANGES,
            &serde_json::json!({ "grant": answer }).to_string(),
        )?;
        Ok(res)
    }

    /// `GET /v1/customers/{id}/credits`: every pool at `now` (see
    /// [`crate::credits::report`]).
    fn credits(&self, who: &CustomerRef, now: Timestamp) -> ApiResult<Response> {
        let mut mem = self.mem()?;
        let Some((_, l)) = self.loaded(&mut mem)? else {
            return Err(ApiError::customer_not_found(&who.customer));
        };
        let pools = l.evaluator.prepared().credits_report(now);
        json_ok(200, &json!({ "pools": pools }))
    }

    /// The credit job of the alarm: the pool entries due at the Worker's clock (section
    /// 7). Returns when it is next due: the next instant at which some answer of the
    /// customer changes (`None`: no pools, or nothing ever changes).
    async fn credit_jobs(&self) -> Option<i64> {
        let (env, customer) = self.store().ok()?.ident().ok()??;
        let who = CustomerRef { env, customer };
        if let Err(e) = self.refresh_catalog(&who.env).await {
            worker::console_error!("credit alarm of `{}`: {}", who.customer, e.message);
            return Some(now_ms() + 60_000);
        }
        let now = clock::system_now();
        let store = self.store().ok()?;
        let mut mem = self.mem().ok()?;
        let (cat, l) = self.loaded(&mut mem).ok()??;
        let before = l.counter;
        if let Err(e) = catch_up_credits(store, l, now) {
            worker::console_error!("credit alarm of `{}`: {}", who.customer, e.message);
            mem.customer = None;
            return Some(now_ms() + 60_000);
        }
        if l.counter != before {
            self.push(&who, &cat, l, now);
        }
        next_credit_boundary(l, now)
    }

    /// Sets the alarm for the next credit boundary of the loaded customer, if any.
    async fn schedule_credit_alarm(&self) {
        let next = {
            let Ok(mut mem) = self.mem() else { return };
            match &mut mem.customer {
                Some(Slot::Present(l)) => next_credit_boundary(l, clock::system_now()),
                _ => None,
            }
        };
        if let Some(at) = next {
            if let Err(e) = self.alarm_by(at).await {
                worker::console_error!("credit alarm not set: {}", e.message);
            }
        }
    }

    /// Pushes a fresh snapshot to live clients, if any (after every change).
    fn push(&self, who: &CustomerRef, cat: &Cat, l: &Loaded, now: Timestamp) {
        if !live::has_clients(&self.state) {
            return;
        }
        match build_snapshot_at(who, cat, l, now) {
            Ok(s) => live::broadcast(&self.state, &s.encode()),
            Err(e) => {
                worker::console_error!("snapshot of `{}` not pushed: {}", who.customer, e.message)
            }
        }
    }

    /// Writes what a ledger write changed and the new change counter in one transaction,
    /// with the purge of expired keys and old history when it is due (at most once per
    /// [`PURGE_EVERY_MS`] of `now`, which may move backwards under the test clock).
    fn write(
        &self,
        store: &Store,
        changes: &Changes,
        counter: u64,
        now: Timestamp,
    ) -> ApiResult<()> {
        let ms = now.as_millis();
        let purge = (ms - self.last_purge_ms.get()).abs() >= PURGE_EVERY_MS;
        store.atomically(|w| {
            w.save_changes(changes)?;
            w.save_counter(counter);
            if purge {
                w.purge(now);
            }
            Ok(())
        })?;
        if purge {
            self.last_purge_ms.set(ms);
        }
        Ok(())
    }
}

/// The changes of a ledger write with the whole credit ledger to store: the prepared
/// customer's and the entries the catalog hides, which stay stored.
fn with_hidden_credits(mut changes: Changes, l: &Loaded) -> Changes {
    if changes.credit_usage.is_some() {
        changes.credit_usage = Some(l.ledger_to_store());
    }
    changes
}

/// Section 7: writes the pool entries due at `now` (a period start of a pool's winning
/// subscription, a subscription that became a pool's winner) and records the winners, in
/// their own transaction, before a write that may draw. Nothing is written when nothing
/// is due. On a storage error the caller drops the loaded customer.
fn catch_up_credits(store: &Store, l: &mut Loaded, now: Timestamp) -> ApiResult<()> {
    if l.evaluator.prepared().features().pools().is_empty() {
        return Ok(());
    }
    let before = store.credit_winners()?;
    let (changed, winners) = l
        .evaluator
        .write_credit_period_entries(now, before.as_ref());
    if !changed && before.as_ref() == Some(&winners) {
        return Ok(());
    }
    let counter = l.counter + u64::from(changed);
    let ledger = l.ledger_to_store();
    store.atomically(|w| {
        if changed {
            w.save_credit_usage(&ledger)?;
            w.save_counter(counter);
        }
        w.save_credit_winners(&winners)
    })?;
    l.counter = counter;
    Ok(())
}

/// A ledger rejection as its API error (422 `invalid_usage`, 409 `idempotency_conflict`);
/// a storage failure drops the loaded customer so that the next request reloads it.
fn ledger_error(e: LedgerError<ApiError>, mem: &mut Memory) -> ApiError {
    match e {
        LedgerError::Rejected(e) => {
            let status = if e.code == crate::ErrorCode::IdempotencyConflict {
                409
            } else {
                422
            };
            ApiError::from_core_with_status(status, &e)
        }
        LedgerError::Store(e) => {
            mem.customer = None;
            e
        }
    }
}

/// When the credit job is next due for `l` (Unix ms): the end of its resolution at `now`,
/// which counts every credit period boundary and grant boundary (section 7). `None` when
/// the catalog has no pools or no subscription could ever win one.
fn next_credit_boundary(l: &mut Loaded, now: Timestamp) -> Option<i64> {
    let prepared = l.evaluator.prepared();
    if prepared.features().pools().is_empty() || prepared.state().subscriptions.is_empty() {
        return None;
    }
    l.evaluator
        .resolution(now)
        .valid_until()
        .map(|t| t.as_millis())
}

/// The feature and requested usage of a check without consume.
fn plain_check(request: &Value) -> ApiResult<(&str, f64)> {
    let input = |e: crate::Error| ApiError::from_core(&e);
    let feature = match request.get("featureId") {
        Some(Value::String(s)) => s.as_str(),
        _ => {
            return Err(ApiError::from_core(&crate::Error::new(
                crate::ErrorCode::InvalidUsage,
                "featureId",
                "featureId must be a string",
            )))
        }
    };
    let requested =
        crate::usage::request::requested_usage(request.get("requestedUsage"), "").map_err(input)?;
    Ok((feature, requested))
}

/// The history query from the internal request's query string (checked by the route).
fn history_query(req: &Request) -> ApiResult<HistoryQuery> {
    let url = req.url()?;
    let mut q = HistoryQuery::default();
    for (k, v) in url.query_pairs() {
        let instant = || {
            Timestamp::parse(&v).ok_or_else(|| {
                ApiError::bad_request("invalid_query", format!("`{k}` is not an RFC 3339 instant"))
            })
        };
        match k.as_ref() {
            "featureId" => q.feature_id = Some(v.to_string()),
            "from" => q.from = Some(instant()?),
            "to" => q.to = Some(instant()?),
            _ => {}
        }
    }
    Ok(q)
}
