//! Usage errors, help and exit codes.

use insta::assert_snapshot;

use crate::common::TestContext;

#[test]
fn no_subcommand_is_a_usage_error() {
    let context = TestContext::new();
    let output = context.run(&["hash"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage: cairn hash"));
}

#[test]
fn unknown_subcommand() {
    let context = TestContext::new();
    let output = context.run(&["hash", "frobnicate"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn help_exits_zero() {
    let context = TestContext::new();
    let output = context.run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn hash_path_help() {
    let context = TestContext::new();
    let output = context.run(&["hash", "path", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn missing_argument() {
    let context = TestContext::new();
    let output = context.run(&["hash", "path"]);
    assert_snapshot!(context.transcript(&output));
}
