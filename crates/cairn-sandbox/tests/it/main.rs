//! Integration tests: real sandboxes running the static busybox
//! (`/bin/busybox`, Debian's busybox-static) as their only program.

mod support;

mod basics;
mod errors;
mod isolation;
mod limits;
mod network;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
