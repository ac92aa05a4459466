//! Integration tests of cairn-narinfo: Nix's own files, and properties.

mod fixtures;
mod properties;

/// Every `.rs` file in this directory must be a module above, so that no
/// test file is silently left out.
#[test]
fn no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
        {
            assert!(
                main.contains(&format!("mod {module};")),
                "tests/it/{name} is not listed in tests/it/main.rs"
            );
        }
    }
}
