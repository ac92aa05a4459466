//! One runner for Nix's language test suites (`shared/conformance/nix-lang`
//! and `nix-lang-latest`), run the way Nix's harness runs them
//! (`nix-instantiate --eval --strict`): `eval-okay-*` must print their
//! `.exp` (or `.exp.xml` under `--xml --no-location`), `eval-fail-*` must
//! fail, `parse-okay-*` must parse and `parse-fail-*` must not.
//!
//! `cairn-eval` runs the suites with the pure evaluator and `cairn-glue`
//! with its store-aware builtins; the two differ only in how the evaluator
//! is built and in their lists, so both call [`run_suite`] with a
//! [`Suite`] and a function that makes an evaluator from the options the
//! harness prescribes.
//!
//! Cases that do not pass yet are listed (`NAME  reason`, one a line) in
//! the suite's not-yet-passing file: they are expected to fail, and one
//! that passes fails the run until it is taken off the list, so the lists
//! only shrink. A listed name that is not a case of the suite fails too.
//! Cases of the newest suite that Nix 2.8 itself does not pass are left out
//! (`Suite::left_out`).
//!
//! Environment: the suite's `corpus_variable` overrides the corpus
//! location; `CAIRN_SKIP_CONFORMANCE=1` skips when the corpus is absent
//! (without it a missing corpus is a failure);
//! `CAIRN_UPDATE_NOTYETPASSING=1` rewrites the list from the current
//! failures (keeping its header comment and the reasons already written);
//! `CAIRN_CONFORMANCE_VERBOSE=1` names each case before running it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cairn_eval::{EvalOptions, EvalResult, Evaluator, Value};

/// One suite and the lists that go with it.
#[derive(Debug, Clone)]
pub struct Suite<'a> {
    /// The corpus directory's name under `shared/conformance/`.
    pub corpus: &'a str,
    /// The environment variable that overrides the corpus location.
    pub corpus_variable: Option<&'a str>,
    /// The calling crate's `CARGO_MANIFEST_DIR` (the repository is found
    /// from it).
    pub manifest_dir: &'a str,
    /// The list of cases expected to fail.
    pub not_yet_passing: PathBuf,
    /// The list of cases left out because they need a Nix newer than 2.8;
    /// given for the newest suite, whose outputs are also compared with
    /// the corpus directory written as `/pwd/lang`, as its harness does.
    pub left_out: Option<PathBuf>,
    /// Who runs the suite, for the report (`cairn-eval`, `cairn-glue`).
    pub runner: &'a str,
}

enum Outcome {
    Pass,
    Fail(String),
    Skip,
}

#[derive(Default)]
struct Flags {
    args: Vec<(String, Arg)>,
    attr: Option<String>,
    include: Vec<String>,
}

enum Arg {
    Expr(String),
    Str(String),
}

#[expect(clippy::disallowed_methods, reason = "test configuration")]
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The flags of a `.flags` file, with the harness's `lang/` written as
/// the corpus directory; `Err` for flags this runner does not support.
fn parse_flags(text: &str, corpus: &str) -> Result<Flags, String> {
    let fix = |s: &str| s.replace("lang/", &format!("{corpus}/"));
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut flags = Flags::default();
    let mut i = 0;
    while i < words.len() {
        match words[i] {
            "--arg" if i + 2 < words.len() => {
                flags
                    .args
                    .push((words[i + 1].to_owned(), Arg::Expr(fix(words[i + 2]))));
                i += 3;
            }
            "--argstr" if i + 2 < words.len() => {
                flags
                    .args
                    .push((words[i + 1].to_owned(), Arg::Str(words[i + 2].to_owned())));
                i += 3;
            }
            "-A" if i + 1 < words.len() => {
                flags.attr = Some(words[i + 1].to_owned());
                i += 2;
            }
            "-I" if i + 1 < words.len() => {
                flags.include.push(fix(words[i + 1]));
                i += 2;
            }
            "--eval" | "--strict" | "--no-show-trace" | "--show-trace" => i += 1,
            other => return Err(format!("unsupported flag {other} in the .flags file")),
        }
    }
    Ok(flags)
}

/// The options Nix's harness evaluates with: `NIX_PATH=lang/dir3:lang/dir4`
/// after the case's `-I`s, `TEST_VAR=foo`, and the newest harness's
/// `HOME=/fake-home` (eval-okay-path-string-interpolation prints `~/${foo}`).
fn options(corpus: &str, include: &[String]) -> EvalOptions {
    let mut nix_path: Vec<String> = include.to_vec();
    nix_path.push(format!("{corpus}/dir3"));
    nix_path.push(format!("{corpus}/dir4"));
    EvalOptions {
        nix_path,
        environment: [("TEST_VAR".to_owned(), "foo".to_owned())]
            .into_iter()
            .collect(),
        home_dir: Some("/fake-home".into()),
        ..EvalOptions::default()
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").to_owned();
    match line.char_indices().nth(160) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

fn nix_file(corpus: &Path, name: &str) -> String {
    corpus
        .join(format!("{name}.nix"))
        .to_str()
        .expect("utf-8 corpus path")
        .to_owned()
}

fn run_eval_okay(
    corpus: &Path,
    name: &str,
    pwd: bool,
    new_evaluator: &dyn Fn(EvalOptions) -> Evaluator,
) -> Outcome {
    let (expected, xml) = match std::fs::read_to_string(corpus.join(format!("{name}.exp"))) {
        Ok(e) => (e, false),
        Err(_) => match std::fs::read_to_string(corpus.join(format!("{name}.exp.xml"))) {
            Ok(e) => (e, true),
            Err(_) => return Outcome::Skip,
        },
    };
    // The harness rewrites the output before comparing; not reproduced.
    if corpus.join(format!("{name}.postprocess")).exists() {
        return Outcome::Skip;
    }
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    let flags = match std::fs::read_to_string(corpus.join(format!("{name}.flags"))) {
        Ok(t) => match parse_flags(&t, corpus_s) {
            Ok(f) => f,
            Err(e) => return Outcome::Fail(e),
        },
        Err(_) => Flags::default(),
    };
    let mut ev = new_evaluator(options(corpus_s, &flags.include));
    let result = (|| -> EvalResult<String> {
        let mut args = Vec::new();
        for (n, a) in &flags.args {
            let v = match a {
                Arg::Expr(e) => ev.eval_source("«string»", e, corpus_s)?,
                Arg::Str(s) => Value::string(s.as_str()),
            };
            args.push((n.clone(), v));
        }
        let root = ev.eval_file(&nix_file(corpus, name))?;
        let mut v = ev.auto_call(&root, &args)?;
        if let Some(attr) = &flags.attr {
            v = ev.select_attr_path(&v, attr)?;
            v = ev.auto_call(&v, &args)?;
        }
        let out = if xml {
            ev.print_xml(&v, true, false)
        } else {
            ev.print_strict(&v)
        }?;
        Ok(if pwd {
            out.replace(corpus_s, "/pwd/lang")
        } else {
            out
        })
    })();
    match result {
        Ok(out) if out.trim_end() == expected.trim_end() => Outcome::Pass,
        Ok(out) => Outcome::Fail(format!("output differs: got {}", first_line(&out))),
        Err(e) => Outcome::Fail(first_line(&e.to_string())),
    }
}

fn run_eval_fail(
    corpus: &Path,
    name: &str,
    new_evaluator: &dyn Fn(EvalOptions) -> Evaluator,
) -> Outcome {
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    let mut ev = new_evaluator(options(corpus_s, &[]));
    let r = ev
        .eval_file(&nix_file(corpus, name))
        .and_then(|v| ev.print_strict(&v));
    match r {
        Ok(out) => Outcome::Fail(format!("evaluated to {}", first_line(&out))),
        // Failing for want of a feature is not the failure the case tests.
        Err(e) if e.to_string().contains("cairn does not implement") => {
            Outcome::Fail(first_line(&e.to_string()))
        }
        Err(_) => Outcome::Pass,
    }
}

fn run_parse(
    corpus: &Path,
    name: &str,
    should_parse: bool,
    new_evaluator: &dyn Fn(EvalOptions) -> Evaluator,
) -> Outcome {
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    let mut ev = new_evaluator(options(corpus_s, &[]));
    let path = nix_file(corpus, name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    match (ev.check_source(&path, &text, corpus_s), should_parse) {
        (Ok(()), true) | (Err(_), false) => Outcome::Pass,
        (Ok(()), false) => Outcome::Fail("parsed but should not".into()),
        (Err(e), true) => Outcome::Fail(first_line(&e.to_string())),
    }
}

/// `NAME  reason` lines (a reason may start with `#`); `#` lines and blank
/// lines are comments.
fn read_list(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, r)) => (
                n.to_owned(),
                r.trim().trim_start_matches('#').trim().to_owned(),
            ),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// Runs `suite` with evaluators made by `new_evaluator` from the options
/// the harness prescribes (search path, environment, home directory).
///
/// # Panics
///
/// On a case that fails and is not listed, a listed case that passes or is
/// unknown, and a missing corpus (unless `CAIRN_SKIP_CONFORMANCE=1`).
#[expect(clippy::print_stderr, reason = "the pass count is the test's report")]
pub fn run_suite(suite: &Suite<'_>, new_evaluator: &dyn Fn(EvalOptions) -> Evaluator) {
    let corpus = match suite.corpus_variable.and_then(env) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(suite.manifest_dir)
            .join("../../../shared/conformance")
            .join(suite.corpus),
    };
    if !corpus.is_dir() {
        if env("CAIRN_SKIP_CONFORMANCE").as_deref() == Some("1") {
            eprintln!(
                "{} missing; skipped because CAIRN_SKIP_CONFORMANCE=1",
                suite.corpus
            );
            return;
        }
        panic!(
            "the conformance corpus ../shared/conformance/{} is missing \
             ({}CAIRN_SKIP_CONFORMANCE=1 skips)",
            suite.corpus,
            suite
                .corpus_variable
                .map(|v| format!("set {v}, or "))
                .unwrap_or_default()
        );
    }
    let corpus = corpus.canonicalize().expect("corpus dir canonicalizes");
    let not_yet = read_list(&suite.not_yet_passing);
    let newer = suite.left_out.as_deref().map(read_list).unwrap_or_default();
    assert!(
        suite.left_out.is_none() || !newer.is_empty(),
        "the list of cases needing newer Nix ({:?}) is missing or empty",
        suite.left_out
    );

    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("read corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".nix").map(str::to_owned))
        .filter(|n| n.starts_with("eval-") || n.starts_with("parse-"))
        .collect();
    names.sort();
    let left_out = names.iter().filter(|n| newer.contains_key(*n)).count();
    names.retain(|n| !newer.contains_key(n));

    let pwd = suite.left_out.is_some();
    let verbose = env("CAIRN_CONFORMANCE_VERBOSE").is_some();
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexpected_failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    let mut failures = BTreeMap::new();
    let mut skipped = 0;
    for name in &names {
        if verbose {
            eprintln!("running {name}");
        }
        let (kind, outcome) = if name.starts_with("eval-okay-") {
            (
                "eval-okay",
                run_eval_okay(&corpus, name, pwd, new_evaluator),
            )
        } else if name.starts_with("eval-fail-") {
            ("eval-fail", run_eval_fail(&corpus, name, new_evaluator))
        } else if name.starts_with("parse-okay-") {
            ("parse-okay", run_parse(&corpus, name, true, new_evaluator))
        } else {
            ("parse-fail", run_parse(&corpus, name, false, new_evaluator))
        };
        let entry = counts.entry(kind).or_default();
        match outcome {
            Outcome::Skip => skipped += 1,
            Outcome::Pass => {
                entry.0 += 1;
                entry.1 += 1;
                if not_yet.contains_key(name) {
                    unexpected_passes.push(name.clone());
                }
            }
            Outcome::Fail(why) => {
                entry.1 += 1;
                if !not_yet.contains_key(name) {
                    unexpected_failures.push(format!("{name}: {why}"));
                }
                failures.insert(name.clone(), why);
            }
        }
    }
    let (passed, total) = counts
        .values()
        .fold((0, 0), |(p, t), (a, b)| (p + a, t + b));
    let report: Vec<String> = counts
        .iter()
        .map(|(k, (p, t))| format!("{p} of {t} {k}"))
        .collect();
    eprintln!(
        "{} with {}: {passed} of {total} ({}), {skipped} skipped (no expected output), \
         {left_out} left out (need Nix newer than 2.8)",
        suite.corpus,
        suite.runner,
        report.join(", ")
    );

    let list_name = suite.not_yet_passing.display();
    if env("CAIRN_UPDATE_NOTYETPASSING").as_deref() == Some("1") {
        write_list(suite, &not_yet, &failures);
        return;
    }
    let stale: Vec<&String> = not_yet.keys().filter(|n| !names.contains(n)).collect();
    assert!(
        stale.is_empty(),
        "{list_name} lists unknown cases: {stale:?}"
    );
    assert!(
        unexpected_passes.is_empty(),
        "these cases pass now; remove them from {list_name}: {unexpected_passes:#?}"
    );
    assert!(
        unexpected_failures.is_empty(),
        "conformance failures: {unexpected_failures:#?}"
    );
}

/// Rewrites the not-yet-passing list from `failures`, keeping the file's
/// header comment and the reasons it already gives.
fn write_list(
    suite: &Suite<'_>,
    not_yet: &BTreeMap<String, String>,
    failures: &BTreeMap<String, String>,
) {
    let old = std::fs::read_to_string(&suite.not_yet_passing).unwrap_or_default();
    let header: String = old
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut out = if header.is_empty() {
        format!(
            "# Cases of shared/conformance/{} that fail with {}.\n\
             # One per line: NAME  reason. The runner fails when a listed case passes.\n",
            suite.corpus, suite.runner
        )
    } else {
        header
    };
    for (name, why) in failures {
        let reason = not_yet.get(name).filter(|r| !r.is_empty()).unwrap_or(why);
        let reason: String = reason
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        out.push_str(&format!("{name}  {reason}\n"));
    }
    std::fs::write(&suite.not_yet_passing, out)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", suite.not_yet_passing.display()));
}
