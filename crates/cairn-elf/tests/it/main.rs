//! Integration tests for cairn-elf: real binaries compiled with the host C
//! compiler, patched, and run.

mod malformed;
mod patch;
mod seeds;

/// Every `.rs` file in this directory is a module above.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
