//! Integration tests of `LocalStore`, one module per area.

mod add;
mod common;
mod concurrency;
mod gc;
mod open;
mod verify;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
