//! Integration tests: real sandboxes running the static busybox
//! (`/bin/busybox`, Debian's busybox-static) as their only program.

mod support;

mod basics;
mod errors;
mod isolation;
mod limits;
mod network;

/// Every `.rs` file here is a module above (jj's guard against forgotten
/// test files).
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
                "tests/it/{name} is not listed in main.rs"
            );
        }
    }
}
