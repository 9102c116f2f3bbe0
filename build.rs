//! Generates `$OUT_DIR/vectors.rs`: every vector file of `tests/vectors/` and
//! `tests/vectors-extra/` (`VECTORS`) and every scenario of `tests/scenarios/`,
//! `tests/scenarios-extra/` and `tests/scenarios-seeded/` (`SCENARIOS`), embedded with `include_str!`, for the browser tests
//! (`tests/browser.rs`), which cannot read files at run time. Generated from the folders,
//! so a new file can never be left out.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let mut out = String::new();
    for (name, dirs) in [
        ("VECTORS", &["tests/vectors", "tests/vectors-extra"][..]),
        (
            "SCENARIOS",
            &[
                "tests/scenarios",
                "tests/scenarios-extra",
                "tests/scenarios-seeded",
            ][..],
        ),
    ] {
        let _ = writeln!(
            out,
            "/// Every file of {}: `(folder/file, contents)`.\npub const {name}: &[(&str, &str)] = &[",
            dirs.join(", ")
        );
        embed(&root, dirs, &mut out);
        out.push_str("];\n");
    }
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("vectors.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}

/// Appends one `(name, include_str!(path))` line per JSON file of `dirs`.
fn embed(root: &str, dirs: &[&str], out: &mut String) {
    for dir in dirs {
        println!("cargo:rerun-if-changed={dir}");
        let path = Path::new(root).join(dir);
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let file = path.join(&name);
            let _ = writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                format!("{dir}/{name}"),
                file.display().to_string()
            );
        }
    }
}
