//! Integration tests of `LocalStore`, one module per area.

mod add;
mod common;
mod concurrency;
mod gc;
mod open;
mod verify;
