//! Integration tests of cairn-system, one module per area. Systems are fake
//! toplevels built as plain directories in a chroot-style store
//! (`common.rs`); nothing here needs a real store, systemd or root.

mod activate;
mod boot;
mod common;
mod units;

/// Every `.rs` file in this directory is a module above, so that no test
/// file is silently left out.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
