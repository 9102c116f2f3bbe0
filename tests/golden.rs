//! Golden snapshots (API section 1: "a reader rejects foreign or future bytes with a
//! clear error, never a panic or a wrong answer"). `tests/golden/snapshot-v{N}.bin` is
//! the snapshot of the bench fixtures (`benches/fixtures/`, options below) in format
//! version N, committed when that version was current:
//!
//! - the current version's file decodes, answers the fixture's checks as a snapshot
//!   built now does, and re-encodes byte for byte; and building the fixtures today gives
//!   exactly its bytes, so a layout change under an unchanged version number fails here;
//! - every other version's file is refused with `unsupported_snapshot_version`.
//!
//! A new format version adds its file with `WRITE_GOLDEN=1 cargo test --test golden`,
//! which writes only a file that does not exist yet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use edge_entitlements::snapshot::FORMAT_VERSION;
use edge_entitlements::{
    BuildOptions, Check, CheckKind, CustomerState, Evaluator, Snapshot, Timestamp, ValidCatalog,
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn now() -> Timestamp {
    Timestamp::parse("2026-03-15T12:00:00Z").unwrap()
}

fn built() -> Snapshot {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |f: &str| std::fs::read_to_string(root.join("benches/fixtures").join(f)).unwrap();
    let catalog = ValidCatalog::from_json(&read("catalog-50.json")).unwrap();
    let customer = CustomerState::from_json(&read("customer-50.json")).unwrap();
    let opts = BuildOptions {
        environment: "production",
        version: 7,
        catalog_version: 3,
        now: now(),
    };
    Snapshot::build(&catalog, customer, opts).unwrap()
}

/// Every decision of every feature, three days on, as text.
fn answers(s: &Snapshot) -> Vec<String> {
    let mut eval = Evaluator::new(s.prepared().clone());
    let later = Timestamp::from_millis(now().as_millis() + 3 * 86_400_000).unwrap();
    let features = s.prepared().features().clone();
    features
        .as_slice()
        .iter()
        .flat_map(|f| {
            [
                CheckKind::Boolean,
                CheckKind::Numeric,
                CheckKind::Metered,
                CheckKind::Credit,
            ]
            .map(|kind| {
                let check = Check {
                    feature_id: &f.id,
                    kind,
                    requested_usage: 1.0,
                    fallback: None,
                };
                eval.check(later, &check).to_json().to_string()
            })
        })
        .collect()
}

fn golden_files() -> Vec<(u16, PathBuf)> {
    let mut out: Vec<(u16, PathBuf)> = std::fs::read_dir(dir())
        .unwrap_or_else(|e| panic!("tests/golden cannot be read: {e}"))
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let v = name
                .strip_prefix("snapshot-v")?
                .strip_suffix(".bin")?
                .parse()
                .ok()?;
            Some((v, p))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_current_version_has_a_golden_file_that_decodes_and_reencodes_byte_for_byte() {
    let path = dir().join(format!("snapshot-v{FORMAT_VERSION}.bin"));
    if !path.exists() && std::env::var_os("WRITE_GOLDEN").is_some() {
        std::fs::write(&path, built().encode()).unwrap();
    }
    let golden = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): every format version needs its golden file",
            path.display()
        )
    });
    let decoded = Snapshot::decode(&golden).unwrap();
    assert_eq!(
        decoded.encode(),
        golden,
        "the golden file does not re-encode byte for byte"
    );
    let fresh = built();
    assert_eq!(
        fresh.encode(),
        golden,
        "the bytes of format version {FORMAT_VERSION} changed: bump snapshot::FORMAT_VERSION and add its golden file"
    );
    assert_eq!(answers(&decoded), answers(&fresh));
    assert_eq!(decoded.info(), fresh.info());
}

#[test]
fn every_other_version_is_refused_as_unsupported() {
    let files = golden_files();
    assert!(
        files.iter().any(|(v, _)| *v != FORMAT_VERSION),
        "no golden file of an older version"
    );
    for (v, path) in files.into_iter().filter(|(v, _)| *v != FORMAT_VERSION) {
        let bytes = std::fs::read(&path).unwrap();
        let e = Snapshot::decode(&bytes).unwrap_err();
        assert_eq!(
            e.code.as_str(),
            "unsupported_snapshot_version",
            "version {v}: {e}"
        );
        // The same bytes stamped with a future version are refused the same way.
        let mut future = bytes.clone();
        future[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert_eq!(
            Snapshot::decode(&future).unwrap_err().code.as_str(),
            "unsupported_snapshot_version"
        );
    }
}
