//! The busybox chroot-store fixture, shared in `cairn-test`.

pub(crate) use cairn_test::store::{Recorder, TempStore as TestStore, read};
