//! Nix's language test suites run with the store-aware builtins, the way
//! Nix's harness runs them (`nix-instantiate --eval --strict`, read-only):
//! `eval-okay-*` must print their `.exp` (or `.exp.xml`), `eval-fail-*`
//! must fail, `parse-okay-*` must parse and `parse-fail-*` must not.
//!
//! `cairn-eval`'s own runner runs `nix-lang` without a store; this one
//! runs it with `cairn-glue`, so the cases that need `derivation` or path
//! copying pass here. Cases still failing are listed in
//! `tests/notyetpassing.txt` (`nix-lang`) and
//! `tests/notyetpassing-latest.txt` (`nix-lang-latest`, Nix's current
//! suite). Cases of the latest suite that Nix 2.8 itself does not pass are
//! left out, as `cairn-eval`'s runner leaves them out (its
//! `tests/latest/needs-newer-nix.txt`, generated with the peer). A listed
//! case that passes fails the run, so the lists only shrink.
//!
//! Environment: `CAIRN_SKIP_CONFORMANCE=1` skips when the corpus is absent;
//! `CAIRN_UPDATE_NOTYETPASSING=1` rewrites the lists from the failures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator, Value};
use cairn_glue::{GlueIo, Mode};
use cairn_store_path::StoreDir;

#[expect(clippy::disallowed_methods, reason = "test configuration")]
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn corpus_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance")
        .join(name);
    dir.is_dir()
        .then(|| dir.canonicalize().expect("corpus dir canonicalizes"))
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

/// The flags of a case; `Err` for flags this runner does not support
/// (newer Nix options), which skips the case.
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
                    .push((words[i + 1].to_string(), Arg::Expr(fix(words[i + 2]))));
                i += 3;
            }
            "--argstr" if i + 2 < words.len() => {
                flags
                    .args
                    .push((words[i + 1].to_string(), Arg::Str(words[i + 2].to_string())));
                i += 3;
            }
            "-A" if i + 1 < words.len() => {
                flags.attr = Some(words[i + 1].to_string());
                i += 2;
            }
            "-I" if i + 1 < words.len() => {
                flags.include.push(fix(words[i + 1]));
                i += 2;
            }
            "--eval" | "--strict" | "--no-show-trace" | "--show-trace" => i += 1,
            other => return Err(format!("unsupported flag {other}")),
        }
    }
    Ok(flags)
}

fn new_evaluator(corpus: &str, include: &[String]) -> Evaluator {
    let mut nix_path: Vec<String> = include.to_vec();
    nix_path.push(format!("{corpus}/dir3"));
    nix_path.push(format!("{corpus}/dir4"));
    let environment = [("TEST_VAR".to_string(), "foo".to_string())]
        .into_iter()
        .collect();
    let options = EvalOptions {
        nix_path,
        environment,
        // The newest suite's harness runs with HOME=/fake-home
        // (eval-okay-path-string-interpolation prints `~/${foo}`).
        home_dir: Some("/fake-home".into()),
        ..EvalOptions::default()
    };
    let io = Rc::new(GlueIo::new(StoreDir::default(), None, Mode::ReadOnly));
    cairn_glue::evaluator(options, io)
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").to_string();
    match line.char_indices().nth(160) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

/// `pwd`: the newest suite's harness writes the directory holding the
/// corpus as `/pwd` (the corpus is `/pwd/lang`) in the outputs it compares.
fn run_eval_okay(corpus: &Path, name: &str, pwd: bool) -> Outcome {
    let (expected, xml) = match std::fs::read_to_string(corpus.join(format!("{name}.exp"))) {
        Ok(e) => (e, false),
        Err(_) => match std::fs::read_to_string(corpus.join(format!("{name}.exp.xml"))) {
            Ok(e) => (e, true),
            Err(_) => return Outcome::Skip,
        },
    };
    if corpus.join(format!("{name}.postprocess")).exists() {
        return Outcome::Skip;
    }
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    let flags = match std::fs::read_to_string(corpus.join(format!("{name}.flags"))) {
        Ok(t) => match parse_flags(&t, corpus_s) {
            Ok(f) => f,
            Err(_) => return Outcome::Skip,
        },
        Err(_) => Flags::default(),
    };
    let mut ev = new_evaluator(corpus_s, &flags.include);
    let result = (|| -> cairn_eval::EvalResult<String> {
        let mut args = Vec::new();
        for (n, a) in &flags.args {
            let v = match a {
                Arg::Expr(e) => ev.eval_source("«string»", e, corpus_s)?,
                Arg::Str(s) => Value::string(s.as_str()),
            };
            args.push((n.clone(), v));
        }
        let root = ev.eval_file(corpus.join(format!("{name}.nix")).to_str().expect("utf-8"))?;
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

fn run_eval_fail(corpus: &Path, name: &str) -> Outcome {
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    if let Ok(t) = std::fs::read_to_string(corpus.join(format!("{name}.flags")))
        && parse_flags(&t, corpus_s).is_err()
    {
        return Outcome::Skip;
    }
    let mut ev = new_evaluator(corpus_s, &[]);
    let r = ev
        .eval_file(corpus.join(format!("{name}.nix")).to_str().expect("utf-8"))
        .and_then(|v| ev.print_strict(&v));
    match r {
        Ok(out) => Outcome::Fail(format!("evaluated to {}", first_line(&out))),
        Err(e) if e.to_string().contains("cairn does not implement") => {
            Outcome::Fail(first_line(&e.to_string()))
        }
        Err(_) => Outcome::Pass,
    }
}

fn run_parse(corpus: &Path, name: &str, should_parse: bool) -> Outcome {
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    let mut ev = new_evaluator(corpus_s, &[]);
    let path = corpus.join(format!("{name}.nix"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    match (
        ev.check_source(path.to_str().expect("utf-8"), &text, corpus_s),
        should_parse,
    ) {
        (Ok(()), true) | (Err(_), false) => Outcome::Pass,
        (Ok(()), false) => Outcome::Fail("parsed but should not".into()),
        (Err(e), true) => Outcome::Fail(first_line(&e.to_string())),
    }
}

fn read_list(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, r)) => (n.to_string(), r.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[expect(clippy::print_stderr, reason = "the pass count is the test's report")]
fn run_suite(corpus_name: &str, list_name: &str, newer_list: Option<&str>) {
    let Some(corpus) = corpus_dir(corpus_name) else {
        if env("CAIRN_SKIP_CONFORMANCE").as_deref() == Some("1") {
            eprintln!("{corpus_name} missing; skipped because CAIRN_SKIP_CONFORMANCE=1");
            return;
        }
        panic!(
            "the conformance corpus ../shared/conformance/{corpus_name} is missing \
             (CAIRN_SKIP_CONFORMANCE=1 skips)"
        );
    };
    let list_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(list_name);
    let not_yet = read_list(&list_path);
    let newer = newer_list
        .map(|p| read_list(&Path::new(env!("CARGO_MANIFEST_DIR")).join(p)))
        .unwrap_or_default();
    assert!(
        newer_list.is_none() || !newer.is_empty(),
        "the list of cases needing newer Nix is missing"
    );
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("read corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".nix").map(str::to_string))
        .filter(|n| n.starts_with("eval-") || n.starts_with("parse-"))
        .collect();
    names.sort();

    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexpected_failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    let mut failures = BTreeMap::new();
    let mut skipped = 0;
    let mut left_out = 0;
    for name in &names {
        if newer.contains_key(name) {
            left_out += 1;
            continue;
        }
        let (kind, outcome) = if name.starts_with("eval-okay-") {
            (
                "eval-okay",
                run_eval_okay(&corpus, name, newer_list.is_some()),
            )
        } else if name.starts_with("eval-fail-") {
            ("eval-fail", run_eval_fail(&corpus, name))
        } else if name.starts_with("parse-okay-") {
            ("parse-okay", run_parse(&corpus, name, true))
        } else {
            ("parse-fail", run_parse(&corpus, name, false))
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
        "{corpus_name} with cairn-glue: {passed} of {total} ({}), {skipped} skipped (no expected output or newer flags), {left_out} left out (need Nix newer than 2.8)",
        report.join(", ")
    );

    if env("CAIRN_UPDATE_NOTYETPASSING").as_deref() == Some("1") {
        let mut out = format!(
            "# Cases of shared/conformance/{corpus_name} that fail with cairn-glue's builtins.\n\
             # One per line: NAME  reason. The runner fails when a listed case passes.\n"
        );
        for (name, why) in &failures {
            let reason = not_yet
                .get(name)
                .filter(|r| !r.is_empty())
                .cloned()
                .unwrap_or_else(|| why.clone());
            out.push_str(&format!("{name}  {reason}\n"));
        }
        std::fs::write(&list_path, out).expect("write the list");
        return;
    }
    let stale: Vec<&String> = not_yet.keys().filter(|n| !names.contains(n)).collect();
    assert!(
        stale.is_empty(),
        "{list_name} lists unknown cases: {stale:?}"
    );
    assert!(
        unexpected_passes.is_empty(),
        "these cases pass now; remove them from tests/{list_name}: {unexpected_passes:#?}"
    );
    assert!(
        unexpected_failures.is_empty(),
        "conformance failures: {unexpected_failures:#?}"
    );
}

#[test]
fn nix_lang_suite_with_the_store_builtins() {
    run_suite("nix-lang", "notyetpassing.txt", None);
}

#[test]
fn nix_lang_latest_suite_with_the_store_builtins() {
    run_suite(
        "nix-lang-latest",
        "notyetpassing-latest.txt",
        Some("../cairn-eval/tests/latest/needs-newer-nix.txt"),
    );
}
