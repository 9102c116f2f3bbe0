//! Runs every write-path scenario (SCENARIOS.md) natively through the core's ledger:
//! `tests/scenarios/` (copies of `../shared/spec/scenarios/`, kept identical), the
//! project's own `tests/scenarios-extra/` and `tests/scenarios-seeded/` (whose initial
//! customer carries `usage`, which the HTTP API cannot seed), and, when
//! `EXTRA_SCENARIOS` names a folder, every JSON file there too.
//!
//! The runner plays the server: a catalog, one customer prepared against it, the stored
//! counters, and a [`MemoryStore`] for history and idempotency keys, each step at its
//! `at`. A step expected to fail must fail with its code *and change nothing*: the
//! runner compares counters, history and keys before and after. Every failing step is
//! printed with its file and step number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use edge_entitlements::customer::Usage;
use edge_entitlements::usage::{
    ConsumeInput, HistoryQuery, Ledger, LedgerError, MemoryStore, ReportInput,
};
use edge_entitlements::{
    Check, CheckKind, CustomerState, Error, Evaluator, FeatureType, Prepared, Timestamp,
    ValidCatalog,
};
use serde_json::{json, Value};

#[path = "common/matcher.rs"]
mod matcher;
#[path = "common/shared_copy.rs"]
mod shared_copy;
use matcher::mismatch;

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("tests/scenarios"),
        root.join("tests/scenarios-extra"),
        root.join("tests/scenarios-seeded"),
    ];
    if let Some(extra) = std::env::var_os("EXTRA_SCENARIOS") {
        dirs.push(PathBuf::from(extra));
    }
    let mut files = Vec::new();
    for dir in dirs {
        let mut found: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read scenario folder {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        assert!(!found.is_empty(), "no scenario files in {}", dir.display());
        found.sort();
        files.extend(found);
    }
    files
}

/// The server of one environment with one customer, as the Durable Object keeps it.
struct Server {
    catalog: Arc<ValidCatalog>,
    /// The state without usage, as last `PUT`.
    state: CustomerState,
    /// Every stored counter (also of features no longer metered: kept, not used).
    counters: Vec<Usage>,
    eval: Evaluator,
    store: MemoryStore,
}

impl Server {
    fn new(catalog: &Value, customer: &Value) -> Result<Server, Error> {
        let catalog = Arc::new(ValidCatalog::from_json(&catalog.to_string())?);
        let mut state = CustomerState::from_json(&customer.to_string())?;
        let counters = std::mem::take(&mut state.usage);
        let eval = prepare(&catalog, &state, &counters)?;
        Ok(Server {
            catalog,
            state,
            counters,
            eval,
            store: MemoryStore::new(),
        })
    }

    /// Counters, history and keys, to prove that a rejected step changed nothing.
    fn fingerprint(&self) -> String {
        let rows: Vec<_> = self.store.rows().collect();
        format!(
            "{:?} {:?} {:?}",
            self.eval.prepared().state().usage,
            rows,
            self.store
        )
    }

    fn persist(&mut self, changes: &edge_entitlements::usage::Changes) {
        self.store.apply(changes);
        for c in &changes.counters {
            match self
                .counters
                .iter_mut()
                .find(|u| u.feature_id == c.feature_id)
            {
                Some(u) => *u = c.clone(),
                None => self.counters.push(c.clone()),
            }
        }
    }

    fn step(&mut self, step: &Value, now: Timestamp) -> Result<Value, Error> {
        let op = step["op"].as_str().unwrap_or("");
        let rejected = |e: LedgerError<std::convert::Infallible>| match e {
            LedgerError::Rejected(e) => e,
            LedgerError::Store(never) => match never {},
        };
        match op {
            "report" => {
                let batch = step.get("items");
                let raw: Vec<Value> = match batch {
                    Some(Value::Array(items)) => items.clone(),
                    _ => vec![request_fields(
                        step,
                        &[
                            "featureId",
                            "value",
                            "updateBehavior",
                            "timestamp",
                            "idempotencyKey",
                        ],
                    )],
                };
                let inputs = raw
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        ReportInput::from_json(
                            v,
                            &if batch.is_some() {
                                format!("[{i}].")
                            } else {
                                String::new()
                            },
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let (answers, changes) = Ledger::new(&mut self.eval, &self.store, now)
                    .report(&inputs)
                    .map_err(rejected)?;
                self.persist(&changes);
                Ok(match batch {
                    Some(_) => json!({ "results": answers }),
                    None => answers.into_iter().next().unwrap_or(Value::Null),
                })
            }
            "consume" => {
                let input = ConsumeInput::from_json(
                    &request_fields(step, &["featureId", "requestedUsage", "idempotencyKey"]),
                    "",
                )?;
                let (answer, changes) = Ledger::new(&mut self.eval, &self.store, now)
                    .consume(&input)
                    .map_err(rejected)?;
                self.persist(&changes);
                Ok(answer)
            }
            "check" => {
                let kind: CheckKind = serde_json::from_value(step["kind"].clone())
                    .unwrap_or_else(|e| panic!("check step with a bad kind: {e}"));
                let requested = edge_entitlements::usage::request::requested_usage(
                    step.get("requestedUsage"),
                    "",
                )?;
                let check = Check {
                    feature_id: step["featureId"].as_str().unwrap_or(""),
                    kind,
                    requested_usage: requested,
                    fallback: None,
                };
                Ok(self.eval.check(now, &check).to_json())
            }
            "history" => {
                let instant = |k: &str| {
                    step.get(k)
                        .and_then(Value::as_str)
                        .map(|s| Timestamp::parse(s).unwrap_or_else(|| panic!("bad `{k}`: {s}")))
                };
                let query = HistoryQuery {
                    feature_id: step
                        .get("featureId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    from: instant("from"),
                    to: instant("to"),
                };
                let rows = query.select(self.store.rows().cloned(), now);
                Ok(json!({ "rows": rows }))
            }
            "putCustomer" => {
                let state = CustomerState::from_json(&step["customer"].to_string())?;
                let eval = prepare(&self.catalog, &state, &self.counters)?;
                self.state = state;
                self.eval = eval;
                Ok(Value::Null)
            }
            "putCatalog" => {
                let catalog = Arc::new(ValidCatalog::from_json(&step["catalog"].to_string())?);
                let eval = prepare(&catalog, &self.state, &self.counters)?;
                self.catalog = catalog;
                self.eval = eval;
                Ok(Value::Null)
            }
            other => panic!("unknown op `{other}`"),
        }
    }
}

/// The customer prepared against `catalog` with the stored counters of its metered features.
fn prepare(
    catalog: &Arc<ValidCatalog>,
    state: &CustomerState,
    counters: &[Usage],
) -> Result<Evaluator, Error> {
    let mut state = state.clone();
    state.usage = counters
        .iter()
        .filter(|u| {
            catalog
                .feature(&u.feature_id)
                .is_some_and(|f| f.feature_type == FeatureType::Metered)
        })
        .cloned()
        .collect();
    Ok(Evaluator::new(Prepared::new(catalog.clone(), state)?))
}

/// The request members of a step (the step's other members are `at`, `op`, `expect`...).
fn request_fields(step: &Value, names: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for n in names {
        if let Some(v) = step.get(*n) {
            out.insert((*n).to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// History rows are compared whole: a period field the expectation leaves out must be absent.
fn normalize_expect(op: &str, expect: &Value) -> Value {
    let mut e = expect.clone();
    if op == "history" {
        if let Some(Value::Array(rows)) = e.get_mut("rows") {
            for row in rows.iter_mut().filter_map(Value::as_object_mut) {
                for k in ["periodStart", "periodEnd"] {
                    row.entry(k).or_insert(Value::Null);
                }
            }
        }
    }
    e
}

/// Runs one scenario file; returns one line per failing step.
fn run_file(path: &Path) -> (usize, Vec<String>) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
    let mut server = match Server::new(&scenario["catalog"], &scenario["customer"]) {
        Ok(s) => s,
        Err(e) => return (0, vec![format!("{name}: initial state rejected: {e}")]),
    };
    let steps = scenario["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: no steps"));
    let mut failures = Vec::new();
    let mut last_at = Timestamp::MIN;
    for (i, step) in steps.iter().enumerate() {
        let desc = step["description"].as_str().unwrap_or("");
        let op = step["op"].as_str().unwrap_or("");
        let fail = |what: String| {
            format!(
                "{name} step {i} ({op}{}): {what}",
                if desc.is_empty() {
                    String::new()
                } else {
                    format!(", {desc}")
                }
            )
        };
        let now = step["at"]
            .as_str()
            .and_then(Timestamp::parse)
            .unwrap_or_else(|| panic!("{name} step {i}: bad `at`"));
        assert!(now >= last_at, "{name} step {i}: `at` goes back in time");
        last_at = now;
        let before = server.fingerprint();
        let result = server.step(step, now);
        let expect = step.get("expect").filter(|e| !e.is_null());
        let expected_error = expect.and_then(|e| e.get("error")).and_then(Value::as_str);
        match (result, expected_error) {
            (Err(e), Some(code)) => {
                if e.code.as_str() != code {
                    failures.push(fail(format!(
                        "expected error `{code}`, got `{}`: {e}",
                        e.code
                    )));
                } else if server.fingerprint() != before {
                    failures.push(fail(format!(
                        "the rejected request (`{code}`) changed stored state"
                    )));
                }
            }
            (Err(e), None) => failures.push(fail(format!(
                "rejected with `{}` at `{}`: {e}",
                e.code,
                e.path().unwrap_or("")
            ))),
            (Ok(got), Some(code)) => {
                failures.push(fail(format!("expected error `{code}`, got {got}")))
            }
            (Ok(got), None) => {
                if let Some(expect) = expect {
                    if let Some(m) = mismatch(&normalize_expect(op, expect), Some(&got), "") {
                        failures.push(fail(format!("{m}\n    got {got}")));
                    }
                }
            }
        }
    }
    (steps.len(), failures)
}

#[test]
fn every_scenario() {
    let files = scenario_files();
    let mut failures = Vec::new();
    let mut steps = 0;
    for file in &files {
        let (n, f) = run_file(file);
        steps += n;
        failures.extend(f);
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "{} scenario files, {steps} steps, {} failing",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} scenario steps failed",
        failures.len()
    );
}

#[test]
fn shared_scenarios_are_copied_unchanged() {
    shared_copy::assert_copied_unchanged("scenarios", "scenarios");
}
