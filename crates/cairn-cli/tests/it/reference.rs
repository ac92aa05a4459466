//! cairn against Nix 2.8: every command in `fixtures/nix-2.8/transcript.txt`
//! must print exactly what Nix printed.

use crate::common::{TestContext, nix_fixtures};

/// `(arguments, expected stdout)` pairs from the transcript.
fn cases() -> Vec<(String, String)> {
    let transcript = std::fs::read_to_string(nix_fixtures().join("transcript.txt")).unwrap();
    let mut cases: Vec<(String, String)> = Vec::new();
    for line in transcript.lines() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(args) = line.strip_prefix("$ ") {
            cases.push((args.to_owned(), String::new()));
        } else {
            let (_, expected) = cases.last_mut().expect("output before the first command");
            expected.push_str(line);
            expected.push('\n');
        }
    }
    cases
}

#[test]
fn transcript_matches_nix() {
    let context = TestContext::new();
    context.make_tree();
    context.copy_tree_nar();
    let cases = cases();
    assert!(cases.len() > 30, "transcript has {} cases", cases.len());
    let mut failures = Vec::new();
    for (args, expected) in &cases {
        let argv: Vec<&str> = args.split(' ').collect();
        let output = context.run(&argv);
        let actual = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || actual != *expected {
            failures.push(format!(
                "$ cairn {args}\n--- nix ---\n{expected}--- cairn ({}) ---\n{actual}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn store_dump_is_byte_identical_to_nix() {
    let context = TestContext::new();
    context.make_tree();
    let output = context.run(&["store", "dump", "tree"]);
    assert!(output.status.success());
    let expected = std::fs::read(nix_fixtures().join("tree.nar")).unwrap();
    assert!(output.stdout == expected, "cairn's NAR differs from Nix's");
}
