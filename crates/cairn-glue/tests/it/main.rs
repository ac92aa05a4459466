//! Integration tests of cairn-glue, one module per area.

mod conformance;
mod fetch;
mod fixtures;
mod read_write;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
