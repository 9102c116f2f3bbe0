//! Runs every spec vector in `tests/vectors/` and `tests/vectors-credits/` (copies of
//! `../shared/spec/vectors/` and `../shared/spec/vectors-credits/`), the
//! project's own vectors in `tests/vectors-extra/` (same format), and, when
//! `EXTRA_VECTORS` names a folder, every JSON file there too.
//!
//! Each case is decided twice: straight from catalog + customer, and through a snapshot
//! built, encoded to bytes, decoded and evaluated; both must match `expect` and each
//! other. Every failing case is printed with its file and description.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use edge_entitlements::{
    BuildOptions, Check, CheckKind, CustomerState, Decision, DeniedReason, Error, Evaluator,
    Fallback, Prepared, Snapshot, Timestamp, ValidCatalog,
};
use serde_json::Value;

#[path = "common/matcher.rs"]
mod matcher;
#[path = "common/shared_copy.rs"]
mod shared_copy;
use matcher::matches;

fn vector_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("tests/vectors"),
        root.join("tests/vectors-credits"),
        root.join("tests/vectors-extra"),
    ];
    if let Some(extra) = std::env::var_os("EXTRA_VECTORS") {
        dirs.push(PathBuf::from(extra));
    }
    let mut files = Vec::new();
    for dir in dirs {
        let mut found: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

fn check_error(err: &Error, expected: &Value) -> Result<(), String> {
    let code = expected.get("code").and_then(Value::as_str).unwrap_or("");
    if err.code.as_str() != code {
        return Err(format!(
            "expected error `{code}`, got `{}`: {err}",
            err.code
        ));
    }
    if let Some(path) = expected.get("path").and_then(Value::as_str) {
        if !err.violations.iter().any(|v| v.path == path) {
            return Err(format!(
                "expected a violation at `{path}`, got {:?}",
                err.violations
            ));
        }
    }
    Ok(())
}

struct Case<'a> {
    now: Timestamp,
    feature_id: &'a str,
    kind: CheckKind,
    requested: f64,
    fallback: Option<Fallback>,
}

fn parse_case(case: &Value) -> Result<Case<'_>, String> {
    let now = case["now"]
        .as_str()
        .and_then(Timestamp::parse)
        .ok_or("case has no valid `now`")?;
    let check = &case["check"];
    let kind: CheckKind =
        serde_json::from_value(check["kind"].clone()).map_err(|e| format!("check.kind: {e}"))?;
    let fallback = match check.get("fallback") {
        None | Some(Value::Null) => None,
        Some(f) => Some(serde_json::from_value(f.clone()).map_err(|e| format!("fallback: {e}"))?),
    };
    Ok(Case {
        now,
        feature_id: check["featureId"]
            .as_str()
            .ok_or("check has no featureId")?,
        kind,
        requested: check
            .get("requestedUsage")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
        fallback,
    })
}

fn decide_json(eval: &mut Evaluator, case: &Case<'_>) -> Value {
    let check = Check {
        feature_id: case.feature_id,
        kind: case.kind,
        requested_usage: case.requested,
        fallback: case.fallback.as_ref(),
    };
    eval.check(case.now, &check).to_json()
}

/// Runs one vector file; returns one line per failure.
fn run_file(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).unwrap();
    let vector: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{name}: not JSON: {e}")],
    };
    let desc = vector["description"].as_str().unwrap_or("").to_string();
    let fail = |what: String| format!("{name} ({desc}): {what}");
    let expect_error = vector.get("expectError").filter(|v| !v.is_null());

    let catalog = match ValidCatalog::from_json(&vector["catalog"].to_string()) {
        Ok(c) => Arc::new(c),
        Err(err) => {
            return match expect_error {
                Some(exp) => check_error(&err, exp).err().map(fail).into_iter().collect(),
                None => vec![fail(format!("catalog rejected: {err}"))],
            }
        }
    };
    let customer = vector.get("customer").filter(|c| !c.is_null());
    let Some(customer) = customer else {
        if let Some(exp) = expect_error {
            return vec![fail(format!("expected error {exp}, catalog was accepted"))];
        }
        // No customer: a server-side check of an unknown customer.
        return cases(&vector)
            .iter()
            .filter_map(|c| {
                let got = Decision::denied(DeniedReason::CustomerNotFound).to_json();
                (!matches(&c["expect"], Some(&got))).then(|| {
                    fail(format!(
                        "case `{}`: got {got}",
                        c["description"].as_str().unwrap_or("")
                    ))
                })
            })
            .collect();
    };
    let state = CustomerState::from_json(&customer.to_string())
        .and_then(|s| Prepared::new(catalog.clone(), s.clone()).map(|p| (s, p)));
    let (state, prepared) = match (state, expect_error) {
        (Err(err), Some(exp)) => {
            return check_error(&err, exp).err().map(fail).into_iter().collect()
        }
        (Err(err), None) => return vec![fail(format!("customer rejected: {err}"))],
        (Ok(_), Some(exp)) => {
            return vec![fail(format!("expected error {exp}, input was accepted"))]
        }
        (Ok(x), None) => x,
    };
    let mut direct = Evaluator::new(prepared);

    let mut failures = Vec::new();
    for case_value in cases(&vector) {
        let cdesc = case_value["description"].as_str().unwrap_or("").to_string();
        let case = match parse_case(case_value) {
            Ok(c) => c,
            Err(e) => {
                failures.push(fail(format!("case `{cdesc}`: {e}")));
                continue;
            }
        };
        let got = decide_json(&mut direct, &case);
        if !matches(&case_value["expect"], Some(&got)) {
            failures.push(fail(format!(
                "case `{cdesc}`:\n    expected {}\n    got      {got}",
                case_value["expect"]
            )));
            continue;
        }
        // The same answer through a snapshot built at an earlier instant, as bytes.
        let opts = BuildOptions {
            environment: "test",
            version: 1,
            catalog_version: 1,
            now: Timestamp::from_millis(case.now.as_millis() - 86_400_000).unwrap(),
        };
        let via_snapshot = Snapshot::build(&catalog, state.clone(), opts)
            .map(|s| s.encode())
            .and_then(|bytes| Snapshot::decode(&bytes))
            .map(|s| Evaluator::new(s.into_parts().1));
        match via_snapshot {
            Ok(mut eval) => {
                let snap = decide_json(&mut eval, &case);
                if snap != got {
                    failures.push(fail(format!(
                        "case `{cdesc}`: snapshot answers differently:\n    direct   {got}\n    snapshot {snap}"
                    )));
                }
            }
            Err(e) => failures.push(fail(format!("case `{cdesc}`: snapshot failed: {e}"))),
        }
    }
    failures
}

fn cases(vector: &Value) -> &[Value] {
    vector["cases"].as_array().map_or(&[], Vec::as_slice)
}

#[test]
fn spec_vectors() {
    let files = vector_files();
    assert!(!files.is_empty(), "no vector files found");
    let mut failures = Vec::new();
    let mut case_count = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        case_count += cases(&v).len().max(1);
        failures.extend(run_file(file));
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "{} vector files, {case_count} cases, {} failures",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} vector cases failed",
        failures.len()
    );
}

#[test]
fn shared_vectors_are_copied_unchanged() {
    shared_copy::assert_copied_unchanged("vectors", "vectors");
}

#[test]
fn shared_credit_vectors_are_copied_unchanged() {
    shared_copy::assert_copied_unchanged("vectors-credits", "vectors-credits");
}
