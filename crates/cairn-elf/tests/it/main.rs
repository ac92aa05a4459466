//! Integration tests for cairn-elf: real binaries compiled with the host C
//! compiler, patched, and run.

mod malformed;
mod patch;
mod seeds;
