//! Generates `$OUT_DIR/vectors.rs`: every vector file of `tests/vectors/`,
//! `tests/vectors-credits/` and `tests/vectors-extra/` (`VECTORS`) and every scenario of `tests/scenarios/`,
//! `tests/scenarios-extra/` and `tests/scenarios-seeded/` (`SCENARIOS`), plus the folders
//! `EXTRA_VECTORS` and `EXTRA_SCENARIOS` name, embedded with `include_str!`, for the
//! browser tests (`tests/browser.rs`), which cannot read files at run time. Generated from
//! the folders, so a new file can never be left out; a folder that cannot be read stops
//! the build.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let mut out = String::new();
    let sets: [(&str, &str, &[&str]); 2] = [
        (
            "VECTORS",
            "EXTRA_VECTORS",
            &[
                "tests/vectors",
                "tests/vectors-credits",
                "tests/vectors-extra",
            ],
        ),
        (
            "SCENARIOS",
            "EXTRA_SCENARIOS",
            &[
                "tests/scenarios",
                "tests/scenarios-extra",
                "tests/scenarios-seeded",
            ],
        ),
    ];
    for (name, extra, dirs) in sets {
        println!("cargo:rerun-if-env-changed={extra}");
        let mut dirs: Vec<String> = dirs.iter().map(|d| format!("{root}/{d}")).collect();
        if let Ok(folder) = std::env::var(extra) {
            dirs.push(folder);
        }
        let _ = writeln!(
            out,
            "/// Every file of {}: `(folder/file, contents)`.\npub const {name}: &[(&str, &str)] = &[",
            dirs.join(", ")
        );
        embed(&dirs, &mut out);
        out.push_str("];\n");
    }
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("vectors.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
        std::process::exit(1);
    }
}

/// Appends one `(name, include_str!(path))` line per JSON file of `dirs`. A folder that
/// cannot be read stops the build: the browser suite must never pass on nothing.
fn embed(dirs: &[String], out: &mut String) {
    for dir in dirs {
        println!("cargo:rerun-if-changed={dir}");
        let path = Path::new(dir);
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => {
                println!("cargo:warning=cannot read {dir}: {e}");
                std::process::exit(1);
            }
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
                file.display().to_string(),
                file.display().to_string()
            );
        }
    }
}
