//! Integration tests of the `cairn` binary: one test binary for the crate,
//! one module per area (see `test_files_are_all_listed`).
//!
//! Each test runs the built binary in a fresh temporary directory with a
//! cleared environment (see [`common::TestContext`]). Where Nix 2.8 gives a
//! reference, the expected output is Nix's own, committed under
//! `fixtures/nix-2.8/` by `fixtures/generate.sh`; cairn's own wording
//! (errors, help lines) is pinned with insta snapshots under `snapshots/`.

mod build;
mod common;
mod derivation;
mod errors;
mod eval;
mod hash;
mod instantiate;
mod instantiation;
mod key;
mod layering;
mod nar;
mod pkgs;
mod profile;
mod profile_install;
mod reference;
mod repl;
mod settings;
mod store;
mod store_objects;
mod traces;

/// Fails when a `.rs` file in this directory is not one of the modules
/// above, so that no test file is silently left out.
#[test]
fn test_files_are_all_listed() {
    let listed = [
        "build",
        "common",
        "derivation",
        "errors",
        "eval",
        "hash",
        "instantiate",
        "instantiation",
        "key",
        "layering",
        "main",
        "nar",
        "pkgs",
        "profile",
        "profile_install",
        "reference",
        "repl",
        "settings",
        "store",
        "traces",
        "store_objects",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            assert!(
                listed.contains(&stem),
                "{} is not a module of tests/it/main.rs",
                path.display()
            );
        }
    }
}
