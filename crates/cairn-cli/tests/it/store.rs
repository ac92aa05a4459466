//! `cairn store dump` and `cairn store restore`.

use insta::assert_snapshot;

use crate::common::{TestContext, nix_fixtures, stdout_of};

#[test]
fn restore_then_dump_round_trips_nix_nar() {
    let context = TestContext::new();
    let nar = std::fs::read(nix_fixtures().join("tree.nar")).unwrap();
    let output = context.run_with_stdin(&["store", "restore", "copy"], &nar);
    assert_eq!(stdout_of(&output), "");
    let copy = context.path().join("copy");
    assert_eq!(
        std::fs::read_to_string(copy.join("hello.txt")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        std::fs::read_link(copy.join("abs")).unwrap(),
        std::path::Path::new("/nonexistent/target")
    );
    let output = context.run(&["store", "dump", "copy"]);
    assert!(output.status.success());
    assert!(output.stdout == nar, "dump of the restored tree differs");
}

#[test]
fn restore_into_existing_path() {
    let context = TestContext::new();
    std::fs::create_dir(context.path().join("taken")).unwrap();
    let nar = std::fs::read(nix_fixtures().join("tree.nar")).unwrap();
    let output = context.run_with_stdin(&["store", "restore", "taken"], &nar);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn restore_garbage() {
    let context = TestContext::new();
    let output = context.run_with_stdin(&["store", "restore", "out"], b"garbage\n");
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn dump_missing_path() {
    let context = TestContext::new();
    let output = context.run(&["store", "dump", "missing"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn dump_into_closed_pipe_is_quiet() {
    let context = TestContext::new();
    let tree = context.make_tree();
    // A file big enough not to fit in a pipe buffer.
    std::fs::write(tree.join("big"), vec![b'x'; 4 << 20]).unwrap();
    let mut child = context
        .command()
        .args(["store", "dump", "tree"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
}
