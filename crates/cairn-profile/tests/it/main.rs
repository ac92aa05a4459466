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

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
