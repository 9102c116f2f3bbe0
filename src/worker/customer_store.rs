//! The customer object's SQLite storage. Reads are synchronous calls; every write of a
//! request goes through [`Store::atomically`], one `transactionSync`: it commits whole or,
//! when any statement fails, rolls back whole, so no error path leaves part of a write.
//!
//! Tables (schema version [`SCHEMA_VERSION`], in `meta.schema`):
//! - `meta(k, v)`: `state` (the customer state JSON without usage), `counter` (bumped on
//!   every change), `catalog_seen` (the newest catalog version used; the snapshot version
//!   is the two added), `env`, `customer`, `live_catalog`, `schema`;
//! - `usage(feature_id, current, period_start)`: the current counters (SEMANTICS section
//!   6), `period_start` in Unix ms, NULL when the counter has none;
//! - `usage_history(feature_id, has_period, period_start, period_end, total)`: one total
//!   per feature and period (`has_period` 0 and `period_start` 0 for the row without a
//!   period), kept [`HISTORY_RETENTION_MS`] after the period ends;
//! - `idempotency_keys(k, payload, answer, at)`: what each key remembers (payload and
//!   answer as JSON, `at` the request's `now` in Unix ms), forgotten 24 hours after `at`.
//!
//! What a report stores is measured by `tests/worker/bench-storage.mjs` (docs/worker.md,
//! History).

use std::cell::Cell;

use js_sys::{Function, Reflect};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{SqlStorage, SqlStorageValue, State, Storage};

use super::errors::{ApiError, ApiResult};
use crate::credits::draw::Winners;
use crate::credits::CreditUsage;
use crate::customer::Usage;
use crate::usage::{
    Changes, HistoryKey, HistoryRow, LedgerStore, Remembered, HISTORY_RETENTION_MS,
    IDEMPOTENCY_WINDOW_MS,
};
use crate::{CustomerState, Timestamp};

/// The version of the tables above. Version 1 (before the usage ledger) had an
/// `idempotency(k, response, created_at)` table, which version 2 drops.
pub const SCHEMA_VERSION: u32 = 2;

/// The stored customer: its state (usage included) and change counter.
pub struct Stored {
    /// State, with every stored usage row.
    pub state: CustomerState,
    /// Change counter.
    pub counter: u64,
}

/// The object's tables.
pub struct Store {
    sql: SqlStorage,
    storage: Storage,
    /// The JS `DurableObjectStorage`, for `transactionSync` (which workers-rs does not wrap).
    storage_js: JsValue,
    /// Whether the tables exist (at [`SCHEMA_VERSION`]).
    ready: Cell<bool>,
}

/// Splits an object's `State` into itself and its JS `DurableObjectStorage` (workers-rs
/// hands out the JS object only by value).
pub fn storage_js(state: State) -> (State, JsValue) {
    let js = state._inner();
    let storage = Reflect::get(&js, &"storage".into()).unwrap_or(JsValue::UNDEFINED);
    (State::from(js), storage)
}

#[derive(Deserialize)]
struct MetaRow {
    v: String,
}

#[derive(Deserialize)]
struct UsageRow {
    feature_id: String,
    current: f64,
    period_start: Option<f64>,
}

#[derive(Deserialize)]
struct HistoryDbRow {
    feature_id: String,
    has_period: f64,
    period_start: f64,
    period_end: Option<f64>,
    total: f64,
}

#[derive(Deserialize)]
struct KeyRow {
    payload: String,
    answer: String,
    at: f64,
}

fn internal(e: worker::Error) -> ApiError {
    ApiError::internal(format!("storage error: {e}"))
}

fn ms(t: Timestamp) -> SqlStorageValue {
    SqlStorageValue::Integer(t.as_millis())
}

fn instant(ms: f64) -> Option<Timestamp> {
    Timestamp::from_millis(ms as i64)
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS usage (feature_id TEXT PRIMARY KEY, current REAL NOT NULL, period_start INTEGER);
    CREATE TABLE IF NOT EXISTS usage_history (
        feature_id TEXT NOT NULL, has_period INTEGER NOT NULL, period_start INTEGER NOT NULL,
        period_end INTEGER, total REAL NOT NULL,
        PRIMARY KEY (feature_id, has_period, period_start));
    CREATE INDEX IF NOT EXISTS usage_history_end ON usage_history (period_end);
    CREATE TABLE IF NOT EXISTS idempotency_keys (k TEXT PRIMARY KEY, payload TEXT NOT NULL, answer TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS idempotency_keys_at ON idempotency_keys (at);
    DROP TABLE IF EXISTS idempotency;
    INSERT INTO meta (k, v) VALUES ('schema', '2') ON CONFLICT (k) DO UPDATE SET v = excluded.v;";

impl Store {
    /// Opens the storage of `state`, whose JS `DurableObjectStorage` is `storage_js` (see
    /// [`storage_js`]). Tables are created by the first write, so reads and checks of
    /// unknown customers leave nothing behind; the tables of an object written by an older
    /// schema are brought to [`SCHEMA_VERSION`] here.
    pub fn open(state: &State, storage_js: JsValue) -> ApiResult<Store> {
        let storage = state.storage();
        let store = Store {
            sql: storage.sql(),
            storage,
            storage_js,
            ready: Cell::new(false),
        };
        let has_meta = store
            .sql
            .exec(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                None,
            )
            .and_then(|c| c.to_array::<serde_json::Value>())
            .is_ok_and(|rows| !rows.is_empty());
        if has_meta {
            store.ready.set(true);
            if store.meta("schema")?.and_then(|v| v.parse::<u32>().ok()) != Some(SCHEMA_VERSION) {
                store.sql.exec(SCHEMA, None).map_err(internal)?;
            }
        }
        Ok(store)
    }

    /// Whether the customer's tables exist (it was `PUT` once).
    fn has_tables(&self) -> bool {
        self.ready.get()
    }

    /// Runs `write` in one `transactionSync`: every statement it makes commits together,
    /// or none does (an error from `write` rolls everything back). Creates or migrates
    /// the tables first, inside the same transaction.
    pub fn atomically(&self, write: impl FnOnce(&Writer) -> ApiResult<()>) -> ApiResult<()> {
        let run: Function = Reflect::get(&self.storage_js, &"transactionSync".into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| ApiError::internal("storage has no transactionSync"))?;
        // The closure handed to JS must own what it uses: the write runs inside it, and its
        // error comes back through this slot (a thrown value makes transactionSync roll back).
        let sql = self.storage.sql();
        let outcome: std::rc::Rc<std::cell::RefCell<Option<ApiError>>> = Default::default();
        let slot = outcome.clone();
        let ready = self.ready.get();
        // `write` is not 'static: run it now against a recording writer, then replay the
        // statements inside the transaction.
        let writer = Writer::default();
        write(&writer)?;
        let mut statements = writer.statements.into_inner();
        if !ready {
            statements.insert(0, (SCHEMA.to_string(), Vec::new()));
        }
        let body = Closure::once_into_js(move || -> Result<JsValue, JsValue> {
            for (query, bindings) in statements {
                if let Err(e) = sql.exec(&query, bindings) {
                    *slot.borrow_mut() = Some(internal(e));
                    return Err(JsValue::from_str("write failed"));
                }
            }
            Ok(JsValue::UNDEFINED)
        });
        let result = run.call1(&self.storage_js, &body);
        if let Some(e) = outcome.borrow_mut().take() {
            return Err(e);
        }
        result.map_err(|e| ApiError::internal(format!("transaction failed: {e:?}")))?;
        self.ready.set(true);
        Ok(())
    }

    fn meta(&self, k: &str) -> ApiResult<Option<String>> {
        let rows: Vec<MetaRow> = self
            .sql
            .exec(
                "SELECT v FROM meta WHERE k = ?",
                vec![SqlStorageValue::from(k.to_string())],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows.into_iter().next().map(|r| r.v))
    }

    /// The customer, or `None` when it was never `PUT`.
    pub fn load(&self) -> ApiResult<Option<Stored>> {
        if !self.has_tables() {
            return Ok(None);
        }
        let Some(json) = self.meta("state")? else {
            return Ok(None);
        };
        let mut state = CustomerState::from_json(&json).map_err(|e| {
            ApiError::internal(format!("stored customer state does not parse: {e}"))
        })?;
        let rows: Vec<UsageRow> = self
            .sql
            .exec(
                "SELECT feature_id, current, period_start FROM usage ORDER BY feature_id",
                None,
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        state.usage = rows
            .into_iter()
            .map(|r| Usage {
                feature_id: r.feature_id,
                current_usage: r.current,
                period_start: r.period_start.and_then(instant),
            })
            .collect();
        // The credit ledger is kept apart from the state, like the counters (section 7).
        if let Some(json) = self.meta("credit_usage")? {
            state.credit_usage = serde_json::from_str(&json).map_err(|e| {
                ApiError::internal(format!("stored credit ledger does not parse: {e}"))
            })?;
        }
        let counter = self.counter()?;
        Ok(Some(Stored { state, counter }))
    }

    /// The environment and customer this object holds (`None` before the first `PUT`).
    pub fn ident(&self) -> ApiResult<Option<(String, String)>> {
        if !self.has_tables() {
            return Ok(None);
        }
        Ok(self.meta("env")?.zip(self.meta("customer")?))
    }

    /// The winning subscription of each credit pool as last recorded (`None`: never).
    pub fn credit_winners(&self) -> ApiResult<Option<Winners>> {
        if !self.has_tables() {
            return Ok(None);
        }
        self.meta("credit_winners")?
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| {
                    ApiError::internal(format!("stored credit winners do not parse: {e}"))
                })
            })
            .transpose()
    }

    /// The change counter (0 before the first change).
    pub fn counter(&self) -> ApiResult<u64> {
        if !self.has_tables() {
            return Ok(0);
        }
        Ok(self
            .meta("counter")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// The newest catalog version this customer was prepared against (0: none, or never
    /// `PUT`). Its snapshot versions build on it, so it only grows.
    pub fn catalog_seen(&self) -> ApiResult<u64> {
        if !self.has_tables() {
            return Ok(0);
        }
        Ok(self
            .meta("catalog_seen")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Records a newer catalog version adopted (customers never `PUT` keep no tables).
    pub fn save_catalog_seen(&self, version: u64) -> ApiResult<()> {
        if !self.has_tables() {
            return Ok(());
        }
        self.atomically(|w| {
            w.save_catalog_seen(version);
            Ok(())
        })
    }

    /// The catalog version of the last snapshot sent to live clients (0: none).
    pub fn live_catalog_version(&self) -> ApiResult<u64> {
        if !self.has_tables() {
            return Ok(0);
        }
        Ok(self
            .meta("live_catalog")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Every history row of `feature` (all features when `None`) still kept at `now`.
    pub fn history_rows(&self, feature: Option<&str>) -> ApiResult<Vec<HistoryRow>> {
        if !self.has_tables() {
            return Ok(Vec::new());
        }
        let columns =
            "SELECT feature_id, has_period, period_start, period_end, total FROM usage_history";
        let cursor = match feature {
            Some(f) => self.sql.exec(
                &format!("{columns} WHERE feature_id = ?"),
                vec![SqlStorageValue::from(f.to_string())],
            ),
            None => self.sql.exec(columns, None),
        };
        let rows: Vec<HistoryDbRow> = cursor.and_then(|c| c.to_array()).map_err(internal)?;
        Ok(rows.into_iter().map(history_row).collect())
    }

    /// Records the catalog version of the snapshot just sent to live clients.
    pub fn save_live_catalog_version(&self, version: u64) -> ApiResult<()> {
        self.atomically(|w| {
            w.save_live_catalog_version(version);
            Ok(())
        })
    }
}

fn history_row(r: HistoryDbRow) -> HistoryRow {
    HistoryRow {
        feature_id: r.feature_id,
        period_start: (r.has_period != 0.0)
            .then(|| instant(r.period_start))
            .flatten(),
        period_end: r.period_end.and_then(instant),
        total: r.total,
    }
}

/// The statements of one atomic write, collected by the code that decides them and
/// replayed inside [`Store::atomically`].
#[derive(Default)]
pub struct Writer {
    statements: std::cell::RefCell<Vec<(String, Vec<SqlStorageValue>)>>,
}

impl Writer {
    fn exec(&self, query: &str, bindings: Vec<SqlStorageValue>) {
        self.statements
            .borrow_mut()
            .push((query.to_string(), bindings));
    }

    fn set_meta(&self, k: &str, v: String) {
        self.exec(
            "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            vec![
                SqlStorageValue::from(k.to_string()),
                SqlStorageValue::from(v),
            ],
        );
    }

    /// Stores the state and its credit ledger (its `usage` is not: counters live in
    /// their own table).
    pub fn save_state(&self, state: &CustomerState) -> ApiResult<()> {
        let without_usage = CustomerState {
            usage: Vec::new(),
            credit_usage: Vec::new(),
            ..state.clone()
        };
        let json = serde_json::to_string(&without_usage)
            .map_err(|e| ApiError::internal(format!("state does not serialize: {e}")))?;
        self.set_meta("state", json);
        self.save_credit_usage(&state.credit_usage)
    }

    /// Stores the credit ledger (`creditUsage`), apart from the state.
    pub fn save_credit_usage(&self, ledger: &[CreditUsage]) -> ApiResult<()> {
        let json = serde_json::to_string(ledger)
            .map_err(|e| ApiError::internal(format!("credit ledger does not serialize: {e}")))?;
        self.set_meta("credit_usage", json);
        Ok(())
    }

    /// Records the winning subscription of each credit pool.
    pub fn save_credit_winners(&self, winners: &Winners) -> ApiResult<()> {
        let json = serde_json::to_string(winners)
            .map_err(|e| ApiError::internal(format!("credit winners do not serialize: {e}")))?;
        self.set_meta("credit_winners", json);
        Ok(())
    }

    /// Stores the environment and customer id (for the WebSocket handlers).
    pub fn save_ident(&self, env: &str, customer: &str) {
        self.set_meta("env", env.to_string());
        self.set_meta("customer", customer.to_string());
    }

    /// Stores the change counter.
    pub fn save_counter(&self, counter: u64) {
        self.set_meta("counter", counter.to_string());
    }

    /// Records the newest catalog version the customer was prepared against.
    pub fn save_catalog_seen(&self, version: u64) {
        self.exec(
            "INSERT INTO meta (k, v) VALUES ('catalog_seen', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE CAST(excluded.v AS INTEGER) > CAST(meta.v AS INTEGER)",
            vec![SqlStorageValue::from(version.to_string())],
        );
    }

    /// Records the catalog version of the snapshot just sent to live clients.
    pub fn save_live_catalog_version(&self, version: u64) {
        self.set_meta("live_catalog", version.to_string());
    }

    /// Statements that forget expired keys and history past retention at `now`.
    pub fn purge(&self, now: Timestamp) {
        self.exec(
            "DELETE FROM idempotency_keys WHERE at <= ?",
            vec![SqlStorageValue::Integer(
                now.as_millis() - IDEMPOTENCY_WINDOW_MS,
            )],
        );
        self.exec(
            "DELETE FROM usage_history WHERE has_period = 1 AND period_end <= ?",
            vec![SqlStorageValue::Integer(
                now.as_millis() - HISTORY_RETENTION_MS,
            )],
        );
    }

    /// Stores what a ledger write changed: counters, history totals, claimed keys, the
    /// credit ledger.
    pub fn save_changes(&self, changes: &Changes) -> ApiResult<()> {
        if let Some(ledger) = &changes.credit_usage {
            self.save_credit_usage(ledger)?;
        }
        for u in &changes.counters {
            let period = u.period_start.map_or(SqlStorageValue::Null, ms);
            self.exec(
                "INSERT INTO usage (feature_id, current, period_start) VALUES (?, ?, ?)
                 ON CONFLICT (feature_id) DO UPDATE SET current = excluded.current, period_start = excluded.period_start",
                vec![SqlStorageValue::from(u.feature_id.clone()), SqlStorageValue::Float(u.current_usage), period],
            );
        }
        for r in &changes.history {
            self.exec(
                "INSERT INTO usage_history (feature_id, has_period, period_start, period_end, total) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (feature_id, has_period, period_start) DO UPDATE SET period_end = excluded.period_end, total = excluded.total",
                vec![
                    SqlStorageValue::from(r.feature_id.clone()),
                    SqlStorageValue::Integer(i64::from(r.period_start.is_some())),
                    r.period_start.map_or(SqlStorageValue::Integer(0), ms),
                    r.period_end.map_or(SqlStorageValue::Null, ms),
                    SqlStorageValue::Float(r.total),
                ],
            );
        }
        for (k, r) in &changes.remembered {
            self.exec(
                "INSERT INTO idempotency_keys (k, payload, answer, at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (k) DO UPDATE SET payload = excluded.payload, answer = excluded.answer, at = excluded.at",
                vec![
                    SqlStorageValue::from(k.clone()),
                    SqlStorageValue::from(r.payload.to_string()),
                    SqlStorageValue::from(r.answer.to_string()),
                    ms(r.at),
                ],
            );
        }
        Ok(())
    }
}

impl LedgerStore for Store {
    type Error = ApiError;

    fn history(&self, key: &HistoryKey) -> ApiResult<Option<HistoryRow>> {
        if !self.has_tables() {
            return Ok(None);
        }
        let rows: Vec<HistoryDbRow> = self
            .sql
            .exec(
                "SELECT feature_id, has_period, period_start, period_end, total FROM usage_history
                 WHERE feature_id = ? AND has_period = ? AND period_start = ?",
                vec![
                    SqlStorageValue::from(key.feature_id.clone()),
                    SqlStorageValue::Integer(i64::from(key.period_start.is_some())),
                    key.period_start.map_or(SqlStorageValue::Integer(0), ms),
                ],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows.into_iter().next().map(history_row))
    }

    fn remembered(&self, key: &str) -> ApiResult<Option<Remembered>> {
        if !self.has_tables() {
            return Ok(None);
        }
        let rows: Vec<KeyRow> = self
            .sql
            .exec(
                "SELECT payload, answer, at FROM idempotency_keys WHERE k = ?",
                vec![SqlStorageValue::from(key.to_string())],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let parse = |s: &str| serde_json::from_str::<Value>(s);
        match (parse(&row.payload), parse(&row.answer), instant(row.at)) {
            (Ok(payload), Ok(answer), Some(at)) => Ok(Some(Remembered {
                payload,
                answer,
                at,
            })),
            _ => Err(ApiError::internal(format!(
                "stored idempotency key `{key}` does not parse"
            ))),
        }
    }
}
