//! Integration tests of cairn-deb: `.deb` files built in the test, hostile
//! archives, and (when the host has some) real `.deb`s against
//! `dpkg-deb -x`.

mod build;
mod dpkg;
mod hostile;
mod unpack;

/// Every `.rs` file in this directory is a module above.
#[test]
fn no_forgotten_test_files() {
    cairn_test::assert_test_modules_listed(env!("CARGO_MANIFEST_DIR"));
}
