//! `nix/lib`, cairn's own Nix library, evaluated by cairn-eval.
//!
//! - `nix/lib/tests/run.nix` runs the library's test suites (lists,
//!   strings, attribute sets, fixed points, customisation, generators and
//!   the module system) and returns the failing cases: it must be `[ ]`.
//! - `nix/lib/tests/errors/*.nix` each make the module system fail. Their
//!   messages are insta snapshots (`tests/snapshots/nix_lib__*.snap`) and
//!   must equal what the Nix 2.8 peer prints for the same file, recorded
//!   in `errors/expected/*.txt` by `nix/lib/tests/peer.sh`.
//! - Warnings (`lib.warn`, `checkAssertWarn`) go through the trace
//!   handler, as `builtins.trace` does.
//!
//! Everything here reads only the repository's files: hermetic and fast.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator, StdIo};

fn lib_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../nix/lib")
        .canonicalize()
        .expect("nix/lib exists")
}

fn evaluator() -> Evaluator {
    Evaluator::new(Rc::new(StdIo), EvalOptions::default())
}

/// The message of an error as `peer.sh` records Nix's: trailing blanks of
/// each line and trailing empty lines removed, the tests directory
/// written as `<tests>`.
fn normalise(message: &str, tests_dir: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim_end).collect();
    lines
        .join("\n")
        .trim_end_matches('\n')
        .replace(tests_dir, "<tests>")
}

#[test]
fn library_test_suites_pass() {
    let run = lib_dir().join("tests/run.nix");
    let mut ev = evaluator();
    let failures = ev
        .eval_file(run.to_str().expect("utf-8 path"))
        .and_then(|v| ev.print_strict(&v))
        .unwrap_or_else(|e| panic!("tests/run.nix failed to evaluate:\n{}", e.render(true)));
    assert_eq!(failures, "[ ]", "failing nix/lib test cases");
}

#[test]
fn module_system_errors_match_snapshots_and_nix() {
    let tests = lib_dir().join("tests");
    let tests_s = tests.to_str().expect("utf-8 path").to_string();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(tests.join("errors"))
        .expect("tests/errors")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "only {} error cases found", cases.len());

    // One evaluator for all cases: the library is parsed once.
    let mut ev = evaluator();
    let mut differences = Vec::new();
    for case in &cases {
        let name = case.file_stem().and_then(|s| s.to_str()).expect("name");
        let result = ev
            .eval_file(case.to_str().expect("utf-8 path"))
            .and_then(|v| ev.force_strict(&v));
        let err = match result {
            Ok(v) => panic!("errors/{name}.nix evaluated without an error: {v}"),
            Err(e) => e,
        };
        let message = normalise(&err.kind.to_string(), &tests_s);
        insta::assert_snapshot!(name, message);

        let expected = tests.join("errors/expected").join(format!("{name}.txt"));
        match std::fs::read_to_string(&expected) {
            Ok(nix) => {
                let nix = nix.trim_end_matches('\n');
                if nix != message {
                    differences.push(format!("{name}:\n  nix:   {nix:?}\n  cairn: {message:?}"));
                }
            }
            Err(_) => differences.push(format!(
                "{name}: no errors/expected/{name}.txt (run nix/lib/tests/peer.sh)"
            )),
        }
    }
    assert!(
        differences.is_empty(),
        "messages that differ from Nix 2.8 running the same library:\n{}",
        differences.join("\n")
    );
}

#[test]
fn warnings_go_to_the_trace_handler() {
    let traces = Rc::new(RefCell::new(Vec::new()));
    let mut ev = evaluator();
    let sink = Rc::clone(&traces);
    ev.set_trace_handler(move |m| sink.borrow_mut().push(m.to_string()));
    let dir = lib_dir();
    let expr = r#"
      let
        lib = import ./.;
        eval = lib.evalModules {
          modules = [
            lib.modules.assertionsModule
            (lib.mkRenamedOptionModule [ "services" "old" ] [ "services" "new" ])
            { options.services.new = lib.mkOption { type = lib.types.int; }; }
            { _file = "/etc/nixos/configuration.nix"; services.old = 1; warnings = [ "a module's own warning" ]; }
          ];
        };
      in
      lib.asserts.checkAssertWarn eval.config.assertions eval.config.warnings eval.config.services.new
    "#;
    let value = ev
        .eval_source("«test»", expr, dir.to_str().expect("utf-8 path"))
        .and_then(|v| ev.print_strict(&v))
        .unwrap_or_else(|e| panic!("{}", e.render(true)));
    assert_eq!(value, "1");
    insta::assert_snapshot!("warnings", traces.borrow().join("\n"));
}
