//! Test support shared by the integration tests of the cairn crates.
//!
//! Code that several crates' `tests/` wrote for themselves lives here once,
//! so that a fix to a test helper reaches every crate. The crate is only
//! ever a `[dev-dependencies]` entry (`cairn-cli/tests/it/layering.rs`
//! fails on any other edge to it), so it may depend on any workspace crate
//! without bending the layering of the libraries.
//!
//! It is used from integration tests (`tests/`), never from a crate's own
//! unit tests: a crate that cairn-test depends on would then be compiled
//! twice (once under test, once as cairn-test's dependency), and its types
//! in the two copies would not match. An integration test links the one
//! library that cairn-test links too.
//!
//! Parts that need a heavy crate sit behind a feature, so that a crate
//! low in the layering builds only what it uses: `eval` (the Nix language
//! conformance runner, [`conformance`]; needs `cairn-eval`) and `store` (a temporary chroot store with busybox
//! for real builds, [`store`]; needs `cairn-store` and `cairn-build`).
//!
//! Panicking is the error handling here: every function is called from a
//! test, and a panic with a message naming the file is the report.

use std::path::Path;

#[cfg(feature = "eval")]
pub mod conformance;
#[cfg(feature = "store")]
pub mod store;

/// Fails when a `.rs` file in `MANIFEST_DIR/tests/it/` is not declared as
/// a module (`mod NAME;`) in that directory's `main.rs`: a forgotten file
/// would compile into nothing and its tests would silently never run.
///
/// Call it from the test binary's `main.rs` with
/// `env!("CARGO_MANIFEST_DIR")`.
///
/// # Panics
///
/// When a file is not listed, naming every such file, or when the
/// directory or `main.rs` cannot be read.
pub fn assert_test_modules_listed(manifest_dir: &str) {
    let dir = Path::new(manifest_dir).join("tests/it");
    let main_rs = dir.join("main.rs");
    let main = std::fs::read_to_string(&main_rs)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", main_rs.display()));
    let unlisted = unlisted_modules(&main, &dir);
    assert!(
        unlisted.is_empty(),
        "not declared as modules in {}: {}",
        main_rs.display(),
        unlisted.join(", ")
    );
}

/// The `.rs` files of `dir` (besides `main.rs`) that `main` does not
/// declare as modules, sorted.
fn unlisted_modules(main: &str, dir: &Path) -> Vec<String> {
    let declared: Vec<&str> = main
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
            line.strip_prefix("mod ")?.strip_suffix(';')
        })
        .map(str::trim)
        .collect();
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the directory {}: {e}", dir.display()));
    let mut unlisted: Vec<String> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            name.strip_suffix(".rs")
                .is_some_and(|module| module != "main" && !declared.contains(&module))
        })
        .collect();
    unlisted.sort();
    unlisted
}

#[cfg(test)]
mod tests {
    use super::unlisted_modules;

    #[test]
    fn finds_the_files_main_rs_does_not_declare() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["main.rs", "a.rs", "b.rs", "c.rs", "notes.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let main = "//! docs mentioning mod c;\nmod a;\npub(crate) mod b;\n";
        assert_eq!(unlisted_modules(main, dir.path()), ["c.rs"]);
        assert!(unlisted_modules("mod a;\nmod b;\nmod c;\n", dir.path()).is_empty());
    }
}
