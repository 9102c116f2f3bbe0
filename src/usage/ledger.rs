//! One atomic write of section 6: a batch of usage reports, or a check-and-consume,
//! applied to a prepared customer and its stored history and idempotency keys.
//!
//! The ledger reads history totals and remembered keys through a [`LedgerStore`] (the
//! Durable Object's SQLite tables, or [`super::MemoryStore`]) and never writes to it:
//! it returns the [`Changes`] to persist, which the caller writes in the same atomic step
//! as it took the answer. When a request is rejected, the prepared customer is left
//! exactly as it was and there are no changes: nothing of a rejected batch is stored,
//! and no key is remembered.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::FeatureType;
use crate::credits::decision::cost_of;
use crate::credits::{CreditUsage, Credits};
use crate::customer::Usage;
use crate::decide::Check;
use crate::error::Error;
use crate::evaluator::{kind_of, Evaluator};
use crate::features::FeatureIdx;
use crate::resolve::{Prepared, Resolution};
use crate::time::Timestamp;

use super::counter::{apply, Scope};
use super::history::{HistoryKey, HistoryRow};
use super::idempotency::Remembered;
use super::request::{ConsumeInput, Report, ReportInput, UsageUpdate};

/// What the ledger reads from storage besides the counters, which the prepared customer
/// holds. Reads only: the ledger never writes through it.
pub trait LedgerStore {
    /// The storage's error.
    type Error;
    /// The history total with this key, if one was ever written.
    fn history(&self, key: &HistoryKey) -> Result<Option<HistoryRow>, Self::Error>;
    /// What `key` remembers, if stored (expired or not: the ledger judges that).
    fn remembered(&self, key: &str) -> Result<Option<Remembered>, Self::Error>;
}

/// Why a write did not apply.
#[derive(Debug)]
pub enum LedgerError<E> {
    /// The request breaks a rule (`invalid_usage`, `idempotency_conflict`): nothing changed.
    Rejected(Error),
    /// The storage failed while reading.
    Store(E),
}

impl<E> From<Error> for LedgerError<E> {
    fn from(e: Error) -> Self {
        LedgerError::Rejected(e)
    }
}

/// What an applied write changed, to persist in the same atomic step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Each counter written, as it now is.
    pub counters: Vec<Usage>,
    /// Each history total written, as it now is.
    pub history: Vec<HistoryRow>,
    /// Each key claimed, with what it remembers.
    pub remembered: Vec<(String, Remembered)>,
    /// The whole credit ledger (`creditUsage`) as it now is, when a draw or an uncovered
    /// use changed it (section 7).
    pub credit_usage: Option<Vec<CreditUsage>>,
}

impl Changes {
    /// Whether nothing changed (a replayed or denied request).
    pub fn is_empty(&self) -> bool {
        self.counters.is_empty()
            && self.history.is_empty()
            && self.remembered.is_empty()
            && self.credit_usage.is_none()
    }
}

/// A write in progress: what it changed so far, over what the store holds.
struct Tx<'s, S> {
    store: &'s S,
    now: Timestamp,
    history: BTreeMap<HistoryKey, HistoryRow>,
    keys: BTreeMap<String, Remembered>,
    touched: Vec<FeatureIdx>,
    /// Whether the credit ledger changed.
    credits: bool,
}

impl<S: LedgerStore> Tx<'_, S> {
    fn remembered(&self, key: &str) -> Result<Option<Remembered>, LedgerError<S::Error>> {
        let found = match self.keys.get(key) {
            Some(r) => Some(r.clone()),
            None => self.store.remembered(key).map_err(LedgerError::Store)?,
        };
        Ok(found.filter(|r| r.in_force(self.now)))
    }

    /// Answers from a remembered key, if the request brings one.
    fn replay(
        &self,
        key: Option<&str>,
        payload: impl FnOnce() -> Value,
        path: &str,
    ) -> Result<Option<Value>, LedgerError<S::Error>> {
        let Some(key) = key else { return Ok(None) };
        match self.remembered(key)? {
            Some(r) => Ok(Some(r.replay(key, &payload(), path)?)),
            None => Ok(None),
        }
    }

    fn remember(&mut self, key: Option<&str>, payload: Value, answer: &Value) {
        if let Some(key) = key {
            self.keys.insert(
                key.to_string(),
                Remembered {
                    payload,
                    answer: answer.clone(),
                    at: self.now,
                },
            );
        }
    }

    /// Changes the history total of `feature` in `scope` (the scope at the usage's instant).
    fn count_history(
        &mut self,
        feature: &str,
        scope: Scope,
        update: UsageUpdate,
        value: f64,
        path: &str,
        field: &str,
    ) -> Result<(), LedgerError<S::Error>> {
        let key = HistoryKey {
            feature_id: feature.to_string(),
            period_start: scope.start(),
        };
        let mut row = match self.history.get(&key) {
            Some(r) => r.clone(),
            None => self
                .store
                .history(&key)
                .map_err(LedgerError::Store)?
                .unwrap_or(HistoryRow {
                    feature_id: key.feature_id.clone(),
                    period_start: key.period_start,
                    period_end: None,
                    total: 0.0,
                }),
        };
        row.total = apply(row.total, update, value, path, field, "the history total")?;
        if let Some(w) = scope.window() {
            row.period_end = Some(row.period_end.map_or(w.end, |e| e.max(w.end)));
        }
        self.history.insert(key, row);
        Ok(())
    }

    fn finish(self, prepared: &Prepared) -> Changes {
        let mut touched = self.touched;
        touched.sort_unstable();
        touched.dedup();
        Changes {
            counters: touched
                .into_iter()
                .filter_map(|idx| prepared.usage_of(idx))
                .collect(),
            history: self.history.into_values().collect(),
            remembered: self.keys.into_iter().collect(),
            credit_usage: self.credits.then(|| prepared.state().credit_usage.clone()),
        }
    }
}

/// The write path of one customer at one instant.
pub struct Ledger<'a, S> {
    eval: &'a mut Evaluator,
    store: &'a S,
    now: Timestamp,
}

impl<'a, S: LedgerStore> Ledger<'a, S> {
    /// A write at the server's `now` to the customer of `eval`, whose history and keys
    /// are in `store`.
    pub fn new(eval: &'a mut Evaluator, store: &'a S, now: Timestamp) -> Self {
        Ledger { eval, store, now }
    }

    fn tx(&self) -> Tx<'a, S> {
        Tx {
            store: self.store,
            now: self.now,
            history: BTreeMap::new(),
            keys: BTreeMap::new(),
            touched: Vec::new(),
            credits: false,
        }
    }

    /// Applies a batch of one customer's reports in order, all or nothing (a single report
    /// is a batch of one): each item is judged against the state the earlier ones leave,
    /// and a key is remembered as soon as its item applies. Returns each item's answer
    /// (`{currentUsage, usagePeriodStart?, usagePeriodEnd?}`) and the changes. On the
    /// first rejected item, returns its error and changes nothing.
    pub fn report(
        &mut self,
        items: &[ReportInput],
    ) -> Result<(Vec<Value>, Changes), LedgerError<S::Error>> {
        let mut tx = self.tx();
        let prepared = self.eval.prepared_mut();
        let checkpoint = prepared.usage_checkpoint();
        let at_now = prepared.resolve(self.now);
        let mut answers = Vec::with_capacity(items.len());
        for item in items {
            match report_one(&mut tx, prepared, &at_now, item) {
                Ok(answer) => answers.push(answer),
                Err(e) => {
                    prepared.restore_usage(checkpoint);
                    return Err(e);
                }
            }
        }
        Ok((answers, tx.finish(prepared)))
    }

    /// Checks and consumes (section 6): the decision of section 5 at `now`; when it grants
    /// access to a metered feature, `requestedUsage` is added to the counter and to the
    /// history in the same step (soft limits and unlimited entitlements included). A
    /// denial, or a feature that is not metered, counts nothing; its key is still
    /// remembered with the decision. Returns the decision (usage before this request)
    /// and the changes.
    pub fn consume(
        &mut self,
        item: &ConsumeInput,
    ) -> Result<(Value, Changes), LedgerError<S::Error>> {
        let mut tx = self.tx();
        let path = "";
        if let Some(answer) = tx.replay(item.idempotency_key(), || item.payload(), path)? {
            return Ok((answer, Changes::default()));
        }
        let (feature_id, requested) = item.validate()?;
        let idx = self.eval.prepared().features().idx(feature_id);
        let feature_type = idx
            .and_then(|i| self.eval.prepared().features().at(i))
            .map(|f| f.feature_type);
        let check = Check {
            feature_id,
            kind: feature_type.map_or(crate::CheckKind::Boolean, kind_of),
            requested_usage: requested,
            fallback: None,
        };
        let (allowed, mut answer) = {
            let d = self.eval.check(self.now, &check);
            (d.has_access, d.to_json())
        };
        // Section 7: an allowed consume of a pool or a priced feature draws its cost in
        // burn order in the same step (a denied one draws nothing).
        let spends = idx.and_then(|i| self.eval.prepared().features().spends(i));
        let checkpoint = self.eval.prepared().usage_checkpoint();
        if let (true, Some((pool, per_unit))) = (allowed, spends) {
            let prepared = self.eval.prepared_mut();
            let at_now = prepared.resolve(self.now);
            let drawn = prepared.draw_credits(&at_now, pool, cost_of(requested, per_unit));
            if let Value::Object(map) = &mut answer {
                map.insert(
                    "draws".into(),
                    serde_json::to_value(&drawn.draws).unwrap_or_default(),
                );
            }
            tx.credits = true;
        }
        if let (true, Some(idx), Some(FeatureType::Metered)) = (allowed, idx, feature_type) {
            let prepared = self.eval.prepared_mut();
            let at_now = prepared.resolve(self.now);
            let counted = prepared
                .apply_consume(&at_now, idx, requested, self.now, path)
                .map_err(LedgerError::from)
                .and_then(|scope| {
                    tx.count_history(
                        feature_id,
                        scope,
                        UsageUpdate::Delta,
                        requested,
                        path,
                        "requestedUsage",
                    )
                });
            if let Err(e) = counted {
                prepared.restore_usage(checkpoint);
                return Err(e);
            }
            tx.touched.push(idx);
        }
        tx.remember(item.idempotency_key(), item.payload(), &answer);
        Ok((answer, tx.finish(self.eval.prepared())))
    }
}

/// One report of a batch.
fn report_one<S: LedgerStore>(
    tx: &mut Tx<'_, S>,
    prepared: &mut Prepared,
    at_now: &Resolution,
    item: &ReportInput,
) -> Result<Value, LedgerError<S::Error>> {
    let path = item.path();
    if let Some(answer) = tx.replay(item.idempotency_key(), || item.payload(), path)? {
        return Ok(answer);
    }
    let report: Report = item.validate(prepared.features(), tx.now)?;
    let answer = prepared.apply_report(at_now, &report, tx.now, path)?;
    let idx = prepared
        .features()
        .idx(&report.feature_id)
        .unwrap_or(FeatureIdx::MAX);
    // Section 7: a positive delta on a priced feature draws its cost at `now`, at most the
    // balance; what the balance cannot cover goes to the pool's uncovered entry.
    let credits = prepared.draw_for_usage(idx, report.update, report.value, tx.now);
    tx.credits |= credits.is_some();
    // History: the window containing the usage's instant under the entitlement in force then.
    let scope = if at_now.covers(report.at) {
        prepared.scope(at_now, idx)
    } else {
        prepared.scope(&prepared.resolve(report.at), idx)
    };
    tx.count_history(
        &report.feature_id,
        scope,
        report.update,
        report.value,
        path,
        "value",
    )?;
    tx.touched.push(idx);
    let mut answer = answer.to_json();
    if let (Some(drawn), Value::Object(map)) = (credits, &mut answer) {
        map.insert("creditsDrawn".into(), credits_json(drawn.drawn));
        map.insert("creditsUncovered".into(), credits_json(drawn.uncovered));
    }
    tx.remember(item.idempotency_key(), item.payload(), &answer);
    Ok(answer)
}

/// A credit quantity as a JSON number.
fn credits_json(c: Credits) -> Value {
    #[derive(serde::Serialize)]
    struct C(#[serde(with = "crate::credits::amount::json")] Credits);
    serde_json::to_value(C(c)).unwrap_or_default()
}
