//! The customer object's SQLite storage. Every call is synchronous: a sequence of
//! them with no `await` in between runs as one atomic step of the object (no other
//! request interleaves, and the writes commit together).
//!
//! Tables: `meta(k, v)` holds `state` (the customer state JSON without usage),
//! `counter` (bumped on every change; the snapshot version adds the catalog version),
//! `env` and `customer`; `usage(feature_id, current, period_start)` the counters with
//! the start of the period they were counted in (Unix ms, NULL without reset period);
//! `idempotency(k, response, created_at)` the first answer to each idempotency key.

use std::cell::Cell;

use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue, Storage};

use super::errors::{ApiError, ApiResult};
use crate::customer::Usage;
use crate::{CustomerState, Timestamp};

/// How long an idempotency key is remembered (25 h: at least the promised 24 h).
pub const IDEMPOTENCY_RETENTION_MS: i64 = 25 * 3600 * 1000;

/// Longest idempotency key accepted, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;

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
    /// Whether the tables exist.
    ready: Cell<bool>,
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
struct ResponseRow {
    response: String,
}

fn internal(e: worker::Error) -> ApiError {
    ApiError::internal(format!("storage error: {e}"))
}

impl Store {
    /// Opens the storage. Tables are created by the first write ([`Store::ensure_schema`]),
    /// so reads and checks of unknown customers leave nothing behind.
    pub fn open(storage: &Storage) -> Store {
        let sql = storage.sql();
        let ready = sql
            .exec(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                None,
            )
            .and_then(|c| c.to_array::<serde_json::Value>())
            .is_ok_and(|rows| !rows.is_empty());
        Store {
            sql,
            ready: Cell::new(ready),
        }
    }

    /// Creates the tables if they do not exist yet.
    pub fn ensure_schema(&self) -> ApiResult<()> {
        if self.ready.get() {
            return Ok(());
        }
        self.sql
            .exec(
                "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS usage (feature_id TEXT PRIMARY KEY, current REAL NOT NULL, period_start INTEGER);
                 CREATE TABLE IF NOT EXISTS idempotency (k TEXT PRIMARY KEY, response TEXT NOT NULL, created_at INTEGER NOT NULL);
                 CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);",
                None,
            )
            .map_err(internal)?;
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

    fn set_meta(&self, k: &str, v: String) -> ApiResult<()> {
        self.sql
            .exec(
                "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                vec![SqlStorageValue::from(k.to_string()), SqlStorageValue::from(v)],
            )
            .map(|_| ())
            .map_err(internal)
    }

    /// The customer, or `None` when it was never `PUT`.
    pub fn load(&self) -> ApiResult<Option<Stored>> {
        if !self.ready.get() {
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
                period_start: r
                    .period_start
                    .and_then(|ms| Timestamp::from_millis(ms as i64)),
            })
            .collect();
        let counter = self.counter()?;
        Ok(Some(Stored { state, counter }))
    }

    /// The change counter (0 before the first change).
    pub fn counter(&self) -> ApiResult<u64> {
        Ok(self
            .meta("counter")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Stores the state (its `usage` is ignored: counters live in their own table).
    pub fn save_state(&self, state: &CustomerState) -> ApiResult<()> {
        let without_usage = CustomerState {
            usage: Vec::new(),
            ..state.clone()
        };
        let json = serde_json::to_string(&without_usage)
            .map_err(|e| ApiError::internal(format!("state does not serialize: {e}")))?;
        self.set_meta("state", json)
    }

    /// Stores the environment and customer id (for the WebSocket handlers).
    pub fn save_ident(&self, env: &str, customer: &str) -> ApiResult<()> {
        self.set_meta("env", env.to_string())?;
        self.set_meta("customer", customer.to_string())
    }

    /// Stores the change counter.
    pub fn save_counter(&self, counter: u64) -> ApiResult<()> {
        self.set_meta("counter", counter.to_string())
    }

    /// The catalog version of the last snapshot sent to live clients (0: none).
    pub fn live_catalog_version(&self) -> ApiResult<u64> {
        if !self.ready.get() {
            return Ok(0);
        }
        Ok(self
            .meta("live_catalog")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Records the catalog version of the snapshot just sent to live clients.
    pub fn save_live_catalog_version(&self, version: u64) -> ApiResult<()> {
        self.set_meta("live_catalog", version.to_string())
    }

    /// Stores one usage counter.
    pub fn save_usage(&self, u: &Usage) -> ApiResult<()> {
        let period = match u.period_start {
            Some(t) => SqlStorageValue::Integer(t.as_millis()),
            None => SqlStorageValue::Null,
        };
        self.sql
            .exec(
                "INSERT INTO usage (feature_id, current, period_start) VALUES (?, ?, ?)
                 ON CONFLICT (feature_id) DO UPDATE SET current = excluded.current, period_start = excluded.period_start",
                vec![SqlStorageValue::from(u.feature_id.clone()), SqlStorageValue::Float(u.current_usage), period],
            )
            .map(|_| ())
            .map_err(internal)
    }

    /// The first answer recorded under an idempotency key.
    pub fn remembered(&self, key: &str) -> ApiResult<Option<String>> {
        if !self.ready.get() {
            return Ok(None);
        }
        let rows: Vec<ResponseRow> = self
            .sql
            .exec(
                "SELECT response FROM idempotency WHERE k = ?",
                vec![SqlStorageValue::from(key.to_string())],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows.into_iter().next().map(|r| r.response))
    }

    /// Records the answer to an idempotency key.
    pub fn remember(&self, key: &str, response: &str, now_ms: i64) -> ApiResult<()> {
        self.sql
            .exec(
                "INSERT OR IGNORE INTO idempotency (k, response, created_at) VALUES (?, ?, ?)",
                vec![
                    SqlStorageValue::from(key.to_string()),
                    SqlStorageValue::from(response.to_string()),
                    SqlStorageValue::Integer(now_ms),
                ],
            )
            .map(|_| ())
            .map_err(internal)
    }

    /// Forgets idempotency keys older than the retention.
    pub fn purge_idempotency(&self, now_ms: i64) -> ApiResult<()> {
        if !self.ready.get() {
            return Ok(());
        }
        self.sql
            .exec(
                "DELETE FROM idempotency WHERE created_at < ?",
                vec![SqlStorageValue::Integer(now_ms - IDEMPOTENCY_RETENTION_MS)],
            )
            .map(|_| ())
            .map_err(internal)
    }
}
