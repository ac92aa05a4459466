//! Integration tests of cairn-build: real builds with busybox in a
//! temporary chroot store, sandboxed.

mod basics;
mod failures;
mod fixed;
mod hostile;
mod references;
mod scheduling;
mod scratch;
mod support;
