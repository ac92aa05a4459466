//! Nix's language test suites run with the store-aware builtins
//! (read-only, as `nix-instantiate --eval --strict`), through the runner
//! shared with `cairn-eval` (`cairn_test::conformance`, which documents
//! the rules and the environment variables).
//!
//! `cairn-eval`'s own runner runs the suites without a store; this one
//! runs them with `cairn-glue`, so the cases that need `derivation` or path
//! copying pass here. Cases still failing are listed in
//! `tests/notyetpassing.txt` (`nix-lang`) and
//! `tests/notyetpassing-latest.txt` (`nix-lang-latest`); cases of the
//! latest suite that Nix 2.8 itself does not pass are left out, with
//! `cairn-eval`'s list of them (`tests/latest/needs-newer-nix.txt`).

use std::path::Path;
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator};
use cairn_glue::{GlueIo, Mode};
use cairn_store_path::StoreDir;
use cairn_test::conformance::{Suite, run_suite};

fn glue_evaluator(options: EvalOptions) -> Evaluator {
    let io = Rc::new(GlueIo::new(StoreDir::default(), None, Mode::ReadOnly));
    cairn_glue::evaluator(options, io)
}

fn manifest_path(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

#[test]
fn nix_lang_suite_with_the_store_builtins() {
    let suite = Suite {
        corpus: "nix-lang",
        corpus_variable: None,
        manifest_dir: env!("CARGO_MANIFEST_DIR"),
        not_yet_passing: manifest_path("tests/notyetpassing.txt"),
        left_out: None,
        runner: "cairn-glue",
    };
    run_suite(&suite, &glue_evaluator);
}

#[test]
fn nix_lang_latest_suite_with_the_store_builtins() {
    let suite = Suite {
        corpus: "nix-lang-latest",
        corpus_variable: None,
        manifest_dir: env!("CARGO_MANIFEST_DIR"),
        not_yet_passing: manifest_path("tests/notyetpassing-latest.txt"),
        left_out: Some(manifest_path(
            "../cairn-eval/tests/latest/needs-newer-nix.txt",
        )),
        runner: "cairn-glue",
    };
    run_suite(&suite, &glue_evaluator);
}
