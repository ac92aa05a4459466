//! `cairn nar ls` errors (its output is checked against Nix in
//! `reference.rs`).

use insta::assert_snapshot;

use crate::common::TestContext;

#[test]
fn path_not_in_archive() {
    let context = TestContext::new();
    context.copy_tree_nar();
    let output = context.run(&["nar", "ls", "tree.nar", "/nope"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn relative_path_in_archive() {
    let context = TestContext::new();
    context.copy_tree_nar();
    let output = context.run(&["nar", "ls", "tree.nar", "sub"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn missing_nar_file() {
    let context = TestContext::new();
    let output = context.run(&["nar", "ls", "missing.nar"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn not_a_nar() {
    let context = TestContext::new();
    std::fs::write(context.path().join("text.nar"), "hello, world\n").unwrap();
    let output = context.run(&["nar", "ls", "text.nar"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn truncated_nar() {
    let context = TestContext::new();
    let nar = context.copy_tree_nar();
    let bytes = std::fs::read(&nar).unwrap();
    std::fs::write(&nar, &bytes[..bytes.len() / 2]).unwrap();
    let output = context.run(&["nar", "ls", "tree.nar"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn directory_flag_conflicts_with_json() {
    let context = TestContext::new();
    let output = context.run(&["nar", "ls", "-d", "--json", "tree.nar"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn default_path_is_the_root() {
    let context = TestContext::new();
    context.copy_tree_nar();
    let with_root = context.run(&["nar", "ls", "-lR", "tree.nar", "/"]);
    let without = context.run(&["nar", "ls", "-lR", "tree.nar"]);
    assert!(with_root.status.success());
    assert_eq!(with_root.stdout, without.stdout);
}
