//! Integration tests of the `cairn` binary: one test binary for the crate,
//! one module per area (see `no_forgotten_test_files`).
//!
//! Each test runs the built binary in a fresh temporary directory with a
//! cleared environment (see [`common::TestContext`]). Where Nix 2.8 gives a
//! reference, the expected output is Nix's own, committed under
//! `fixtures/nix-2.8/` by `fixtures/generate.sh`; cairn's own wording
//! (errors, help lines) is pinned with insta snapshots under `snapshots/`.

mod build;
mod collection;
mod common;
mod crash;
mod derivation;
mod elf;
mod errors;
mod eval;
mod hash;
mod instantiate;
mod instantiation;
mod key;
mod layering;
mod mirrors;
mod nar;
mod nix_env;
mod pkgs;
mod profile;
mod profile_install;
mod reference;
mod repl;
mod search;
mod settings;
mod store;
mod store_objects;
mod system_modules;
mod traces;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
