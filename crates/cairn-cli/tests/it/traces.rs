//! How `cairn eval` shows evaluation errors: Nix 2.8's text (the error,
//! its position and snippet, and with `--show-trace` every `… while
//! evaluating` frame; without it Nix's hint when frames exist), then
//! cairn's `help:` line. The Nix-identical part is checked against the
//! peer in `instantiate.rs`; these snapshots pin cairn's whole rendering.

use crate::common::TestContext;

const FILE: &str = "\
let
  add = x: y: x + y;
  pkgs = {
    hello = { name = \"hello\"; version = add 1 \"2\"; };
  };
in pkgs.hello
";

fn eval(ctx: &TestContext, extra: &[&str]) -> String {
    std::fs::write(ctx.path().join("default.nix"), FILE).unwrap();
    let mut args = vec!["eval", "--strict"];
    args.extend_from_slice(extra);
    let out = ctx.run(&args);
    assert_eq!(out.status.code(), Some(1));
    ctx.transcript(&out)
}

#[test]
fn error_with_hint() {
    let ctx = TestContext::new();
    insta::assert_snapshot!(eval(&ctx, &[]));
}

#[test]
fn error_with_show_trace() {
    let ctx = TestContext::new();
    insta::assert_snapshot!(eval(&ctx, &["--show-trace"]));
}

#[test]
fn lazy_arg_error_with_show_trace() {
    let ctx = TestContext::new();
    let out = ctx.run(&[
        "eval",
        "--show-trace",
        "-E",
        "{ pkg }: pkg.name",
        "--arg",
        "pkg",
        "{ name = throw \"no name\"; }",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(ctx.transcript(&out));
}
