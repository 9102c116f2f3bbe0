//! Usage history (SEMANTICS section 6): one total per feature and period, kept for
//! reading (API `GET /v1/customers/{id}/usage`); it never changes a decision.
//!
//! Every accepted report, and every allowed consume (a delta at `now`), changes the total
//! keyed by its feature and the start of the window that contains its instant `t` under
//! the entitlement in force at `t` (as the catalog and customer state are at the time of
//! the write); no start when that entitlement has no reset period or there is none. A
//! total changes as a counter does; its `periodEnd` is the latest end of the windows
//! counted in it.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// How long a history row is kept after its period ended, in milliseconds: 400 days.
/// Rows without a period are kept for as long as the customer.
pub const HISTORY_RETENTION_MS: i64 = 400 * 86_400_000;

/// What identifies a history total: the feature and the start of its period.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HistoryKey {
    /// The metered feature.
    pub feature_id: String,
    /// The start of the window; `None` for the row without a period.
    pub period_start: Option<Timestamp>,
}

/// One history row: `{featureId, periodStart?, periodEnd?, total}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryRow {
    /// The metered feature.
    pub feature_id: String,
    /// Start of the period (absent: usage without a period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_start: Option<Timestamp>,
    /// The latest end of the windows counted in this row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_end: Option<Timestamp>,
    /// Usage counted in the period (calls, seats...).
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    #[serde(serialize_with = "crate::decide::number_value")]
    pub total: f64,
}

impl HistoryRow {
    /// Its key.
    pub fn key(&self) -> HistoryKey {
        HistoryKey {
            feature_id: self.feature_id.clone(),
            period_start: self.period_start,
        }
    }

    /// Whether the row is still kept at `now` ([`HISTORY_RETENTION_MS`] after its end).
    pub fn retained(&self, now: Timestamp) -> bool {
        self.period_end
            .is_none_or(|end| end.as_millis() > now.as_millis() - HISTORY_RETENTION_MS)
    }
}

/// The history query of the API: `featureId` keeps one feature; `from`/`to` keep the rows
/// whose period overlaps `[from, to)`, and a row without a period always.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only this feature.
    pub feature_id: Option<String>,
    /// Rows whose period ends after this instant.
    pub from: Option<Timestamp>,
    /// Rows whose period starts before this instant.
    pub to: Option<Timestamp>,
}

impl HistoryQuery {
    /// Whether `row` is selected.
    pub fn matches(&self, row: &HistoryRow) -> bool {
        if self
            .feature_id
            .as_ref()
            .is_some_and(|f| *f != row.feature_id)
        {
            return false;
        }
        let Some(start) = row.period_start else {
            return true;
        };
        // [start, end) and [from, to) overlap when the later start is before the earlier
        // end; an empty [from, to) (from >= to) overlaps nothing.
        let end = row.period_end.unwrap_or(start);
        let lo = self.from.map_or(start, |from| from.max(start));
        let hi = self.to.map_or(end, |to| to.min(end));
        lo < hi
    }

    /// The selected rows of `rows`, in the order of the API: by feature, then by period
    /// start, a row without a period first; rows past retention at `now` left out.
    pub fn select(
        &self,
        rows: impl IntoIterator<Item = HistoryRow>,
        now: Timestamp,
    ) -> Vec<HistoryRow> {
        let mut out: Vec<HistoryRow> = rows
            .into_iter()
            .filter(|r| self.matches(r) && r.retained(now))
            .collect();
        out.sort_by(|a, b| {
            (a.feature_id.as_bytes(), a.period_start)
                .cmp(&(b.feature_id.as_bytes(), b.period_start))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn row(f: &str, start: Option<&str>, end: Option<&str>) -> HistoryRow {
        HistoryRow {
            feature_id: f.into(),
            period_start: start.map(ts),
            period_end: end.map(ts),
            total: 1.0,
        }
    }

    #[test]
    fn overlap_order_and_retention() {
        let rows = vec![
            row(
                "b",
                Some("2026-02-01T00:00:00Z"),
                Some("2026-03-01T00:00:00Z"),
            ),
            row(
                "a",
                Some("2026-01-01T00:00:00Z"),
                Some("2026-02-01T00:00:00Z"),
            ),
            row("a", None, None),
            row(
                "a",
                Some("2026-02-01T00:00:00Z"),
                Some("2026-03-01T00:00:00Z"),
            ),
        ];
        let now = ts("2026-03-15T00:00:00Z");
        let q = HistoryQuery {
            feature_id: None,
            from: Some(ts("2026-01-15T00:00:00Z")),
            to: Some(ts("2026-02-01T00:00:00Z")),
        };
        let got: Vec<_> = q
            .select(rows.clone(), now)
            .iter()
            .map(|r| (r.feature_id.clone(), r.period_start))
            .collect();
        assert_eq!(
            got,
            [
                ("a".to_string(), None),
                ("a".to_string(), Some(ts("2026-01-01T00:00:00Z")))
            ]
        );
        let all = HistoryQuery::default().select(rows.clone(), now);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].period_start, None);
        // 400 days after its end a row is gone; a row without a period stays.
        let later = ts("2027-04-06T00:00:00Z");
        let kept: Vec<_> = HistoryQuery::default().select(rows.clone(), later);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].period_start, None);
        // An empty range overlaps no period (the row without one is always kept).
        for (from, to) in [
            ("2026-02-05T00:00:00Z", "2026-02-05T00:00:00Z"),
            ("2026-02-20T00:00:00Z", "2026-02-05T00:00:00Z"),
        ] {
            let q = HistoryQuery {
                feature_id: None,
                from: Some(ts(from)),
                to: Some(ts(to)),
            };
            let got = q.select(rows.clone(), now);
            assert!(
                got.iter().all(|r| r.period_start.is_none()),
                "{from}..{to}: {got:?}"
            );
        }
    }
}
