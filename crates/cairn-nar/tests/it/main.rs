//! Integration tests of cairn-nar: Nix 2.8 fixtures and round-trip
//! properties.

mod nix_fixtures;
mod round_trip;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
