//! Recording usage (SEMANTICS section 6): the one implementation of the write path that
//! every face runs, the Worker's Durable Object and the npm package's `recordUsage` alike.
//!
//! - [`request`]: reports and consumes as they arrive, their bounds and the clock-skew
//!   rule (`invalid_usage`);
//! - [`counter`]: where usage counts at an instant (the window `W`) and how a stored
//!   counter is brought into it: the carry-on/restart rule after a plan change;
//! - [`history`]: usage totals per feature and period, and the history query;
//! - [`idempotency`]: what a key remembers and when a retry conflicts;
//! - [`ledger`]: one atomic write (a batch of reports, or a check and consume) against
//!   a [`LedgerStore`], all or nothing, returning the [`Changes`] to persist.
//!
//! Like the rest of the core it reads no clock: `now` is always a parameter.

pub mod counter;
pub mod history;
pub mod idempotency;
pub mod ledger;
pub mod memory;
pub mod request;

pub use counter::{ReportAnswer, Scope};
pub use history::{HistoryKey, HistoryQuery, HistoryRow, HISTORY_RETENTION_MS};
pub use idempotency::{Remembered, IDEMPOTENCY_WINDOW_MS};
pub use ledger::{Changes, Ledger, LedgerError, LedgerStore};
pub use memory::MemoryStore;
pub use request::{
    ConsumeInput, Report, ReportInput, UsageUpdate, CLOCK_SKEW_MS, MAX_IDEMPOTENCY_KEY_BYTES,
    MAX_USAGE,
};
