//! Integration tests of cairn-profile, one module per area.

mod child;
mod common;
mod concurrency;
mod crash;
mod diff;
mod environment;
mod gc;
mod generations;
mod nix;

/// Every `.rs` file here is a module of this binary (a forgotten one
/// would silently never run).
#[test]
fn no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let source = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
        {
            assert!(
                source.contains(&format!("mod {module};")),
                "tests/it/{name} is not listed in main.rs"
            );
        }
    }
}
