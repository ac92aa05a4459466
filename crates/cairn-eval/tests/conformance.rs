//! Runs Nix 2.8's language test suite (`shared/conformance/nix-lang`) and
//! the newest Nix's (`nix-lang-latest`) with the pure evaluator, through
//! the runner shared with `cairn-glue` (`cairn_test::conformance`, which
//! documents the rules and the environment variables).
//!
//! Cases that do not pass yet are listed in `tests/notyetpassing.txt` and
//! `tests/notyetpassing-latest.txt`; newest-suite cases Nix 2.8 itself does
//! not pass are left out (`tests/latest/needs-newer-nix.txt`, generated
//! with the peer by `tests/latest/generate.sh`). For the newest suite, not
//! compared: `.err.exp` (newer Nix's error wording) and the `parse-okay`
//! `.exp` files (newer Nix's `--parse` printer).

use std::path::Path;
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator, StdIo};
use cairn_test::conformance::{Suite, run_suite};

fn tests_dir(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(file)
}

fn pure_evaluator(options: EvalOptions) -> Evaluator {
    Evaluator::new(Rc::new(StdIo), options)
}

#[test]
fn nix_lang_suite() {
    let suite = Suite {
        corpus: "nix-lang",
        corpus_variable: Some("CAIRN_CONFORMANCE_DIR"),
        manifest_dir: env!("CARGO_MANIFEST_DIR"),
        not_yet_passing: tests_dir("notyetpassing.txt"),
        left_out: None,
        runner: "cairn-eval",
    };
    run_suite(&suite, &pure_evaluator);
}

#[test]
fn nix_lang_latest_suite() {
    let suite = Suite {
        corpus: "nix-lang-latest",
        corpus_variable: Some("CAIRN_CONFORMANCE_LATEST_DIR"),
        manifest_dir: env!("CARGO_MANIFEST_DIR"),
        not_yet_passing: tests_dir("notyetpassing-latest.txt"),
        left_out: Some(tests_dir("latest/needs-newer-nix.txt")),
        runner: "cairn-eval",
    };
    run_suite(&suite, &pure_evaluator);
}
