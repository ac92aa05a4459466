//! `cairn repl` with piped standard input: results only, no prompts.

use crate::common::TestContext;

#[test]
fn piped_session() {
    let ctx = TestContext::new();
    std::fs::write(ctx.path().join("lib.nix"), "{ double = x: x * 2; }").unwrap();
    let input = b"1 + 2\nx = { a = 1; b = [ 1 2 ]; }\nx\n:p x\n{ a =\n1; }\n:l lib.nix\ndouble 21\n:t double\n[ (throw \"no\") ]\n:q\nnot reached\n";
    let out = ctx.run_with_stdin(&["repl"], input);
    assert!(out.status.success(), "{out:?}");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
