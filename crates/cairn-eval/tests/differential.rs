//! Differential tests: expressions of `tests/differential/cases.txt`
//! against the output of the Nix 2.8 peer recorded in `expected.txt` by
//! `tests/differential/generate.sh`. Values must print identically; errors
//! must be errors with the same first line and position (where Nix 2.8
//! gives an error no position, cairn may give one). Like the generator, each
//! expression is evaluated with one leading space (columns match).
//! `known-differences.txt` lists deliberate or not yet fixed differences.

use std::path::Path;
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator, StdIo};

#[test]
fn matches_nix_2_8() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let dir_s = dir.to_str().expect("utf-8 path");
    let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
    let known = std::fs::read_to_string(dir.join("known-differences.txt")).unwrap_or_default();
    let known: Vec<&str> = known
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let mut failures = Vec::new();
    let mut passing_known = Vec::new();
    let mut count = 0;
    for block in expected.split("=== ").skip(1) {
        let (expr, want) = block.split_once('\n').expect("case line");
        let want = want.trim_end_matches('\n').replace("@DIR@", dir_s);
        count += 1;
        let options = EvalOptions {
            home_dir: Some("/fake-home".into()),
            ..EvalOptions::default()
        };
        let mut ev = Evaluator::new(Rc::new(StdIo), options);
        let got = ev
            .eval_source("«string»", &format!(" {expr}"), dir_s)
            .and_then(|v| ev.print_strict(&v))
            .unwrap_or_else(|e| {
                let text = e.to_string();
                let mut lines = text.lines();
                let mut out = lines.next().unwrap_or_default().to_string();
                if let Some(at) = lines.find(|l| l.starts_with("       at ")) {
                    out.push('\n');
                    out.push_str(at.trim_start());
                }
                out
            });
        // Nix 2.8 gives some errors no position; cairn may add one.
        let ok =
            got == want || (!want.contains("\nat ") && got.lines().next() == Some(want.as_str()));
        let is_known = known.contains(&expr);
        if !ok && !is_known {
            failures.push(format!("{expr}\n    nix:   {want}\n    cairn: {got}"));
        }
        if ok && is_known {
            passing_known.push(expr.to_string());
        }
    }
    assert!(count > 100, "only {count} cases found");
    assert!(
        passing_known.is_empty(),
        "remove from known-differences.txt: {passing_known:#?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
