//! Integration tests of cairn-deb: `.deb` files built in the test, hostile
//! archives, and (when the host has some) real `.deb`s against
//! `dpkg-deb -x`.

mod build;
mod dpkg;
mod hostile;
mod unpack;
