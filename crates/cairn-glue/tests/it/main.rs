//! Integration tests of cairn-glue, one module per area.

mod conformance;
mod fixtures;
mod read_write;
