//! Integration tests of cairn-build: real builds with busybox in a
//! temporary chroot store, sandboxed.

mod basics;
mod debs;
mod failures;
mod fixed;
mod hostile;
mod references;
mod scheduling;
mod scratch;
mod support;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
