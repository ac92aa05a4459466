//! Integration tests for cairn-derivation: one binary, one module per area.

mod errors;
mod fixtures;
mod hashing;
mod properties;

use std::path::PathBuf;

/// `tests/fixtures/` of this crate.
pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every `.rs` file in `tests/it/` is declared as a module above.
#[test]
fn no_forgotten_test_files() {
    let main = include_str!("main.rs");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
        {
            assert!(
                main.contains(&format!("mod {module};")),
                "tests/it/{name} is not declared in main.rs"
            );
        }
    }
}
