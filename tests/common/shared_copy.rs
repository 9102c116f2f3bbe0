//! The check that a folder of the project holds exactly the contract's files of a kind
//! (`../shared/spec/<kind>/`), byte for byte. The shared folder must sit beside the
//! project: without it the check fails, it never passes on nothing.

use std::path::Path;

fn json_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| {
            panic!(
                "{} cannot be read ({e}): the contract's files must sit beside the project",
                dir.display()
            )
        })
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Asserts that `tests/<ours>/` holds exactly the JSON files of `../shared/spec/<kind>/`,
/// each identical to its original.
pub fn assert_copied_unchanged(kind: &str, ours: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/spec").join(kind);
    let ours = root.join("tests").join(ours);
    let names = json_files(&shared);
    assert!(
        !names.is_empty(),
        "{} holds no JSON files",
        shared.display()
    );
    assert_eq!(
        json_files(&ours),
        names,
        "{} must hold exactly the shared {kind}",
        ours.display()
    );
    for n in names {
        assert_eq!(
            std::fs::read(shared.join(&n)).unwrap(),
            std::fs::read(ours.join(&n)).unwrap(),
            "{}/{n} differs from the shared copy",
            ours.display()
        );
    }
}
