//! Integration tests: real sandboxes running the static busybox.

mod support;

mod basics;
