//! `cairn eval`, against what `nix-instantiate --eval` (Nix 2.8) prints for
//! the same arguments. The expected texts were printed by the peer.

use crate::common::{TestContext, stdout_of};

#[test]
fn strict_lazy_and_json_printing() {
    let context = TestContext::new();
    let strict = context.run(&[
        "eval",
        "--strict",
        "-E",
        "let f = { a, b ? 2 }: { x = a * b; y = [ \"s\" 1.5 ]; }; in f { a = 3; }",
    ]);
    assert_eq!(stdout_of(&strict), "{ x = 6; y = [ \"s\" 1.5 ]; }\n");
    let lazy = context.run(&["eval", "-E", "{ a = 1 + 1; }"]);
    assert_eq!(stdout_of(&lazy), "{ a = <CODE>; }\n");
    // Call arguments stay unevaluated too, even integer arithmetic.
    let lazy = context.run(&["eval", "-E", "let n = 3; in (x: { inherit x; }) (n - 1)"]);
    assert_eq!(stdout_of(&lazy), "{ x = <CODE>; }\n");
    // Nix 2.8 refuses `--json` without `--strict` ("cannot convert a thunk
    // to JSON"); cairn's `--json` implies `--strict`.
    let json = context.run(&["eval", "--json", "-E", "{ a = 1 + 1; }"]);
    assert_eq!(stdout_of(&json), "{\"a\":2}\n");
}

#[test]
fn file_with_arguments_and_attribute() {
    let context = TestContext::new();
    std::fs::write(
        context.path().join("t.nix"),
        "{ n ? 1, s }: { r = n * 2; inherit s; }\n",
    )
    .unwrap();
    let output = context.run(&[
        "eval", "--strict", "t.nix", "--arg", "n", "21", "--argstr", "s", "hi", "-A", "r",
    ]);
    assert_eq!(stdout_of(&output), "42\n");
    // Without a file, ./default.nix is evaluated.
    std::fs::write(context.path().join("default.nix"), "[ 1 2 ]\n").unwrap();
    let output = context.run(&["eval", "--strict"]);
    assert_eq!(stdout_of(&output), "[ 1 2 ]\n");
}

#[test]
fn xml_output() {
    // With locations, Nix 2.8 writes the text of a `-E` expression as the
    // `path` of each attribute where cairn writes `«string»`; without them
    // the two agree byte for byte.
    let context = TestContext::new();
    let output = context.run(&[
        "eval",
        "--xml",
        "--no-location",
        "--strict",
        "-E",
        "{ a = [ 1 \"x\" ]; }",
    ]);
    assert_eq!(
        stdout_of(&output),
        "<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <attrs>\n    <attr name=\"a\">\n      \
         <list>\n        <int value=\"1\" />\n        <string value=\"x\" />\n      </list>\n    \
         </attr>\n  </attrs>\n</expr>\n"
    );
}

#[test]
fn errors_are_worded_and_placed_like_nix() {
    let context = TestContext::new();
    let output = context.run(&["eval", "-E", "1 + \"x\""]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Nix 2.8's message and position, then cairn's help line.
    assert!(
        stderr.starts_with(
            "error: cannot add a string to an integer\n\n       at «string»:1:5:\n\n            1| 1 + \"x\"\n             |     ^\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("help: "), "{stderr}");
}
