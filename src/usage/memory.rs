//! [`MemoryStore`]: history totals and idempotency keys in memory, for tests, the
//! scenario runner and embedders that keep their own persistence.

use std::collections::BTreeMap;
use std::convert::Infallible;

use super::history::{HistoryKey, HistoryRow};
use super::idempotency::Remembered;
use super::ledger::{Changes, LedgerStore};

/// A [`LedgerStore`] over two ordered maps.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    history: BTreeMap<HistoryKey, HistoryRow>,
    keys: BTreeMap<String, Remembered>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Persists what a write changed (the counters live in the prepared customer).
    pub fn apply(&mut self, changes: &Changes) {
        for row in &changes.history {
            self.history.insert(row.key(), row.clone());
        }
        for (key, remembered) in &changes.remembered {
            self.keys.insert(key.clone(), remembered.clone());
        }
    }

    /// Every history row.
    pub fn rows(&self) -> impl Iterator<Item = &HistoryRow> {
        self.history.values()
    }
}

impl LedgerStore for MemoryStore {
    type Error = Infallible;

    fn history(&self, key: &HistoryKey) -> Result<Option<HistoryRow>, Infallible> {
        Ok(self.history.get(key).cloned())
    }

    fn remembered(&self, key: &str) -> Result<Option<Remembered>, Infallible> {
        Ok(self.keys.get(key).cloned())
    }
}
