//! Native guard for `tests/browser.rs`: every file of `tests/vectors/` is embedded there,
//! so the browser run cannot silently skip a new vector.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[test]
fn browser_tests_embed_every_vector() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("tests/browser.rs")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/vectors")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".json") && !source.contains(&format!("include_str!(\"vectors/{name}\")"))
        {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "tests/browser.rs does not embed {missing:?}"
    );
}
