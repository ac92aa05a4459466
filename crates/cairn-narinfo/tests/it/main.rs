//! Integration tests of cairn-narinfo: Nix's own files, and properties.

mod fixtures;
mod properties;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
