//! Integration tests for cairn-derivation: one binary, one module per area.

mod errors;
mod fixtures;
mod hashing;
mod properties;

use std::path::PathBuf;

/// `tests/fixtures/` of this crate.
pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
