//! The environment object's SQLite storage. Every call is synchronous: a sequence of
//! them with no `await` in between runs as one atomic step of the object.
//!
//! Tables:
//! - `meta(k, v)`: `last_assigned` (the highest catalog version ever handed out, so a
//!   number is never reused, even after a failed write) and `kv_base` (the KV pointer
//!   found at the object's first use: versions stored before the object existed);
//! - `catalogs(version, written, created_at)`: one row per assigned version, `written`
//!   1 once its body is in KV (0 while the write is in flight);
//! - `customers(id, created_at, updated_at)`: every customer `PUT` in the environment;
//! - `live(id, since)`: customers whose object has live WebSocket clients;
//! - `names(k, v)`: `environment`, the object's own name (for its alarm);
//! - `audit(seq, at, action, actor, customer, changes)`: the audit log
//!   ([`super::audit`]), `changes` as JSON text, indexed by `(customer, seq)` and by
//!   `at` (the retention's delete).
//!
//! Times are Unix milliseconds.

use std::cell::Cell;

use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue, Storage};

use super::errors::{ApiError, ApiResult};

/// The tables of one environment object.
pub struct EnvStore {
    sql: SqlStorage,
    ready: Cell<bool>,
}

/// One registered customer.
#[derive(Clone, Debug, Deserialize)]
pub struct CustomerRow {
    /// Customer id.
    pub id: String,
    /// First registration, Unix ms.
    pub created_at: i64,
    /// Last registration, Unix ms.
    pub updated_at: i64,
}

/// One stored audit entry.
#[derive(Clone, Debug, Deserialize)]
pub struct AuditRow {
    /// Sequence number.
    pub seq: i64,
    /// When it was recorded, Unix ms.
    pub at: i64,
    /// The action's name (`catalog.put`, ...).
    pub action: String,
    /// The caller's key identity.
    pub actor: String,
    /// The customer, for customer-scoped actions.
    pub customer: Option<String>,
    /// The changes, JSON text.
    pub changes: String,
}

#[derive(Deserialize)]
struct IntRow {
    v: Option<i64>,
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

#[derive(Deserialize)]
struct TextRow {
    v: String,
}

fn internal(e: worker::Error) -> ApiError {
    ApiError::internal(format!("environment storage error: {e}"))
}

fn text(s: &str) -> SqlStorageValue {
    SqlStorageValue::from(s.to_string())
}

fn int(v: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

fn to_u64(v: Option<i64>) -> u64 {
    v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

impl EnvStore {
    /// Opens the storage (tables are created by the first call that needs them).
    pub fn open(storage: &Storage) -> EnvStore {
        EnvStore {
            sql: storage.sql(),
            ready: Cell::new(false),
        }
    }

    fn schema(&self) -> ApiResult<()> {
        if self.ready.get() {
            return Ok(());
        }
        self.sql
            .exec(
                "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS catalogs (version INTEGER PRIMARY KEY, written INTEGER NOT NULL, created_at INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS live (id TEXT PRIMARY KEY, since INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS names (k TEXT PRIMARY KEY, v TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, customer TEXT, changes TEXT NOT NULL);
                 CREATE INDEX IF NOT EXISTS audit_customer ON audit (customer, seq);
                 CREATE INDEX IF NOT EXISTS audit_at ON audit (at);",
                None,
            )
            .map_err(internal)?;
        self.ready.set(true);
        Ok(())
    }

    fn int_query(&self, query: &str, args: Vec<SqlStorageValue>) -> ApiResult<Option<i64>> {
        self.schema()?;
        let args = if args.is_empty() { None } else { Some(args) };
        let rows: Vec<IntRow> = self
            .sql
            .exec(query, args)
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows.into_iter().next().and_then(|r| r.v))
    }

    fn run(&self, query: &str, args: Vec<SqlStorageValue>) -> ApiResult<()> {
        self.schema()?;
        self.sql
            .exec(query, Some(args))
            .map(|_| ())
            .map_err(internal)
    }

    fn meta(&self, k: &str) -> ApiResult<Option<i64>> {
        self.int_query("SELECT v FROM meta WHERE k = ?", vec![text(k)])
    }

    fn set_meta(&self, k: &str, v: u64) -> ApiResult<()> {
        self.run(
            "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            vec![text(k), int(v)],
        )
    }

    /// The environment this object serves, once a catalog operation recorded it.
    pub fn environment(&self) -> ApiResult<Option<String>> {
        self.schema()?;
        let rows: Vec<TextRow> = self
            .sql
            .exec("SELECT v FROM names WHERE k = 'environment'", None)
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows.into_iter().next().map(|r| r.v))
    }

    /// Records the environment this object serves.
    pub fn save_environment(&self, name: &str) -> ApiResult<()> {
        self.run(
            "INSERT INTO names (k, v) VALUES ('environment', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            vec![text(name)],
        )
    }

    /// Whether the KV pointer of before this object was read ([`EnvStore::seed`]).
    pub fn seeded(&self) -> ApiResult<bool> {
        Ok(self.meta("kv_base")?.is_some())
    }

    /// Records the KV pointer found at the first use (the versions stored before the
    /// object existed count as written); later calls keep the first value.
    pub fn seed(&self, kv_version: u64) -> ApiResult<()> {
        if self.seeded()? {
            return Ok(());
        }
        self.set_meta("kv_base", kv_version)
    }

    /// Hands out the next catalog version and records it as in flight: one synchronous
    /// step, so concurrent callers always get distinct, increasing numbers.
    pub fn assign_version(&self, now_ms: i64) -> ApiResult<u64> {
        let last = to_u64(self.meta("last_assigned")?)
            .max(to_u64(self.meta("kv_base")?))
            .max(to_u64(self.int_query(
                "SELECT MAX(version) AS v FROM catalogs",
                Vec::new(),
            )?));
        let version = last + 1;
        self.run(
            "INSERT INTO catalogs (version, written, created_at) VALUES (?, 0, ?)",
            vec![int(version), SqlStorageValue::Integer(now_ms)],
        )?;
        self.set_meta("last_assigned", version)?;
        Ok(version)
    }

    /// Marks `version` as written (its body is in KV).
    pub fn mark_written(&self, version: u64) -> ApiResult<()> {
        self.run(
            "UPDATE catalogs SET written = 1 WHERE version = ?",
            vec![int(version)],
        )
    }

    /// Forgets an in-flight version whose body could not be written (its number is not
    /// handed out again: `last_assigned` keeps it).
    pub fn drop_pending(&self, version: u64) -> ApiResult<()> {
        self.run(
            "DELETE FROM catalogs WHERE version = ? AND written = 0",
            vec![int(version)],
        )
    }

    /// The highest version whose body is written (0: none).
    pub fn max_written(&self) -> ApiResult<u64> {
        let stored = self.int_query(
            "SELECT MAX(version) AS v FROM catalogs WHERE written = 1",
            Vec::new(),
        )?;
        Ok(to_u64(stored).max(to_u64(self.meta("kv_base")?)))
    }

    /// Registers a customer (`created_at` kept, `updated_at` moved to `now_ms`).
    pub fn register_customer(&self, id: &str, now_ms: i64) -> ApiResult<()> {
        self.run(
            "INSERT INTO customers (id, created_at, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
            vec![
                text(id),
                SqlStorageValue::Integer(now_ms),
                SqlStorageValue::Integer(now_ms),
            ],
        )
    }

    /// Registered customers whose id starts with `prefix` and sorts after `after` (byte
    /// order of UTF-8), at most `limit`, in id order.
    pub fn customers(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> ApiResult<Vec<CustomerRow>> {
        self.schema()?;
        // `id >= prefix` lets SQLite walk the primary key from the prefix on;
        // `substr` keeps only the ids that really start with it.
        let rows: Vec<CustomerRow> = self
            .sql
            .exec(
                "SELECT id, created_at, updated_at FROM customers
                 WHERE id >= ? AND substr(id, 1, length(?)) = ? AND id > ?
                 ORDER BY id LIMIT ?",
                Some(vec![
                    text(prefix),
                    text(prefix),
                    text(prefix),
                    text(after.unwrap_or("")),
                    SqlStorageValue::Integer(i64::from(limit)),
                ]),
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows)
    }

    /// Records that `id` has live clients.
    pub fn mark_live(&self, id: &str, now_ms: i64) -> ApiResult<()> {
        self.run(
            "INSERT INTO live (id, since) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
            vec![text(id), SqlStorageValue::Integer(now_ms)],
        )
    }

    /// Removes `id` from the live registry.
    pub fn unmark_live(&self, id: &str) -> ApiResult<()> {
        self.run("DELETE FROM live WHERE id = ?", vec![text(id)])
    }

    /// Every customer registered with live clients, in id order.
    pub fn live(&self) -> ApiResult<Vec<String>> {
        self.schema()?;
        let rows: Vec<IdRow> = self
            .sql
            .exec("SELECT id FROM live ORDER BY id", None)
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Appends an audit entry at `now_ms` and drops the entries older than `keep_ms`.
    /// Answers the entry's sequence number.
    pub fn append_audit(
        &self,
        now_ms: i64,
        keep_ms: i64,
        action: &str,
        actor: &str,
        customer: Option<&str>,
        changes: &str,
    ) -> ApiResult<i64> {
        self.run(
            "DELETE FROM audit WHERE at < ?",
            vec![SqlStorageValue::Integer(now_ms.saturating_sub(keep_ms))],
        )?;
        self.run(
            "INSERT INTO audit (at, action, actor, customer, changes) VALUES (?, ?, ?, ?, ?)",
            vec![
                SqlStorageValue::Integer(now_ms),
                text(action),
                text(actor),
                customer.map_or(SqlStorageValue::Null, text),
                text(changes),
            ],
        )?;
        Ok(self
            .int_query("SELECT MAX(seq) AS v FROM audit", Vec::new())?
            .unwrap_or(0))
    }

    /// Audit entries older than `before` (all when `None`), of `customer` only when
    /// given, newest first, at most `limit`.
    pub fn audit(
        &self,
        customer: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> ApiResult<Vec<AuditRow>> {
        self.schema()?;
        // 2^53-1: above every sequence number, and a safe integer in JavaScript.
        let before = SqlStorageValue::Integer(before.unwrap_or((1 << 53) - 1));
        let limit = SqlStorageValue::Integer(i64::from(limit));
        let (query, args) = match customer {
            Some(c) => (
                "SELECT seq, at, action, actor, customer, changes FROM audit
                 WHERE customer = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                vec![text(c), before, limit],
            ),
            None => (
                "SELECT seq, at, action, actor, customer, changes FROM audit
                 WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                vec![before, limit],
            ),
        };
        self.sql
            .exec(query, Some(args))
            .and_then(|c| c.to_array())
            .map_err(internal)
    }
}
