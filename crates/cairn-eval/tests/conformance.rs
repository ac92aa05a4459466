//! Runs Nix 2.8's language test suite (`shared/conformance/nix-lang`) the
//! way Nix's harness does: `eval-okay-*` must print their `.exp` under
//! `--eval --strict`, `eval-fail-*` must fail, `parse-okay-*` must parse and
//! `parse-fail-*` must not.
//!
//! Cases that do not pass yet are listed in `tests/notyetpassing.txt` with a
//! reason; they are expected to fail, and one that starts passing fails the
//! run until it is taken off the list.
//!
//! Environment: `CAIRN_CONFORMANCE_DIR` overrides the corpus location;
//! `CAIRN_SKIP_CONFORMANCE=1` skips the test when the corpus is absent
//! (without it a missing corpus is a failure); `CAIRN_UPDATE_NOTYETPASSING=1`
//! rewrites the list from the current failures; `CAIRN_CONFORMANCE_VERBOSE=1`
//! names each case before running it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator, StdIo, Value};

#[expect(clippy::disallowed_methods, reason = "test configuration")]
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn corpus_dir(suite: &str, variable: &str) -> Option<PathBuf> {
    let dir = match env(variable) {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/conformance")
            .join(suite),
    };
    dir.is_dir()
        .then(|| dir.canonicalize().expect("corpus dir canonicalizes"))
}

enum Outcome {
    Pass,
    Fail(String),
    Skip,
}

struct Flags {
    args: Vec<(String, Arg)>,
    attr: Option<String>,
    include: Vec<String>,
}

enum Arg {
    Expr(String),
    Str(String),
}

fn parse_flags(text: &str, corpus: &str) -> Result<Flags, String> {
    let fix = |s: &str| s.replace("lang/", &format!("{corpus}/"));
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut flags = Flags {
        args: Vec::new(),
        attr: None,
        include: Vec::new(),
    };
    let mut i = 0;
    while i < words.len() {
        match words[i] {
            "--arg" => {
                flags
                    .args
                    .push((words[i + 1].to_string(), Arg::Expr(fix(words[i + 2]))));
                i += 3;
            }
            "--argstr" => {
                flags
                    .args
                    .push((words[i + 1].to_string(), Arg::Str(words[i + 2].to_string())));
                i += 3;
            }
            "-A" => {
                flags.attr = Some(words[i + 1].to_string());
                i += 2;
            }
            "-I" => {
                flags.include.push(fix(words[i + 1]));
                i += 2;
            }
            "--eval" | "--strict" | "--no-show-trace" | "--show-trace" => i += 1,
            other => return Err(format!("unsupported flag {other} in the .flags file")),
        }
    }
    Ok(flags)
}

fn new_evaluator(corpus: &str, include: &[String]) -> Evaluator {
    let mut nix_path: Vec<String> = include.to_vec();
    // The harness sets NIX_PATH=lang/dir3:lang/dir4.
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
    Evaluator::new(Rc::new(StdIo), options)
}

/// `pwd`: the newest suite's harness writes the directory that holds the
/// corpus as `/pwd` (so the corpus is `/pwd/lang`) in outputs it compares.
fn run_eval_okay(corpus: &Path, name: &str, pwd: bool) -> Outcome {
    let (expected, xml) = match std::fs::read_to_string(corpus.join(format!("{name}.exp"))) {
        Ok(e) => (e, false),
        Err(_) => match std::fs::read_to_string(corpus.join(format!("{name}.exp.xml"))) {
            // `--eval --xml --no-location --strict`.
            Ok(e) => (e, true),
            Err(_) => return Outcome::Skip,
        },
    };
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
    let flags = match std::fs::read_to_string(corpus.join(format!("{name}.flags"))) {
        Ok(t) => match parse_flags(&t, corpus_s) {
            Ok(f) => f,
            Err(e) => return Outcome::Fail(e),
        },
        Err(_) => Flags {
            args: Vec::new(),
            attr: None,
            include: Vec::new(),
        },
    };
    let mut ev = new_evaluator(corpus_s, &flags.include);
    let result = (|| {
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
        if xml {
            ev.print_xml(&v, true, false)
        } else {
            ev.print_strict(&v)
        }
    })();
    let result = result.map(|out| {
        if pwd {
            out.replace(corpus_s, "/pwd/lang")
        } else {
            out
        }
    });
    match result {
        Ok(out) if out.trim_end() == expected.trim_end() => Outcome::Pass,
        Ok(out) => Outcome::Fail(format!("output differs: got {}", first_line(&out))),
        Err(e) => Outcome::Fail(first_line(&e.to_string())),
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").to_string();
    if line.len() > 160 {
        let mut end = 160;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &line[..end])
    } else {
        line
    }
}

fn run_eval_fail(corpus: &Path, name: &str) -> Outcome {
    let corpus_s = corpus.to_str().expect("utf-8 corpus path");
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
    let r = ev.check_source(path.to_str().expect("utf-8"), &text, corpus_s);
    match (r, should_parse) {
        (Ok(()), true) | (Err(_), false) => Outcome::Pass,
        (Ok(()), false) => Outcome::Fail("parsed but should not".into()),
        (Err(e), true) => Outcome::Fail(first_line(&e.to_string())),
    }
}

fn read_not_yet_passing(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, r)) => (
                n.to_string(),
                r.trim().trim_start_matches('#').trim().to_string(),
            ),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
fn nix_lang_suite() {
    run_suite(
        "nix-lang",
        "CAIRN_CONFORMANCE_DIR",
        "notyetpassing.txt",
        None,
    );
}

/// The newest Nix's suite (`shared/conformance/nix-lang-latest`), run the
/// same way, with outputs compared after writing the corpus directory as
/// `/pwd/lang` as its harness does. Left out: the cases Nix 2.8 itself does
/// not pass (`tests/latest/needs-newer-nix.txt`, generated with the peer by
/// `tests/latest/generate.sh`). Not compared: `.err.exp` (newer Nix's error
/// wording) and the `parse-okay` `.exp` files (newer Nix's `--parse`
/// printer). `tests/notyetpassing-latest.txt` lists what cairn does not
/// pass yet of the rest.
#[test]
fn nix_lang_latest_suite() {
    run_suite(
        "nix-lang-latest",
        "CAIRN_CONFORMANCE_LATEST_DIR",
        "notyetpassing-latest.txt",
        Some("latest/needs-newer-nix.txt"),
    );
}

#[expect(clippy::print_stderr, reason = "the pass count is the test's report")]
fn run_suite(suite: &str, variable: &str, list: &str, newer: Option<&str>) {
    let Some(corpus) = corpus_dir(suite, variable) else {
        if env("CAIRN_SKIP_CONFORMANCE").as_deref() == Some("1") {
            eprintln!("conformance corpus missing; skipped because CAIRN_SKIP_CONFORMANCE=1");
            return;
        }
        panic!(
            "the conformance corpus ../shared/conformance/{suite} is missing \
             (set {variable}, or CAIRN_SKIP_CONFORMANCE=1 to skip)"
        );
    };
    let list_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(list);
    let not_yet = read_not_yet_passing(&list_path);
    let newer: BTreeMap<String, String> = newer
        .map(|f| read_not_yet_passing(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(f)))
        .unwrap_or_default();

    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("read corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".nix").map(str::to_string))
        .filter(|n| n.starts_with("eval-") || n.starts_with("parse-"))
        .collect();
    names.sort();
    let left_out = names.iter().filter(|n| newer.contains_key(*n)).count();
    names.retain(|n| !newer.contains_key(n));

    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexpected_failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    let mut failures = BTreeMap::new();
    let verbose = env("CAIRN_CONFORMANCE_VERBOSE").is_some();
    for name in &names {
        if verbose {
            eprintln!("running {name}");
        }
        let (kind, outcome) = if name.starts_with("eval-okay-") {
            (
                "eval-okay",
                run_eval_okay(&corpus, name, suite != "nix-lang"),
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
            Outcome::Skip => continue,
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
    let report: Vec<String> = counts
        .iter()
        .map(|(k, (p, t))| format!("{p} of {t} {k}"))
        .collect();
    eprintln!(
        "{suite} conformance: {} ({left_out} cases newer than Nix 2.8 left out)",
        report.join(", ")
    );

    if env("CAIRN_UPDATE_NOTYETPASSING").as_deref() == Some("1") {
        let mut out = format!(
            "# Conformance cases of shared/conformance/{suite} that cairn does not pass yet.\n\
             # One per line: NAME  reason. The runner fails when a listed case passes.\n"
        );
        for (name, why) in &failures {
            let reason = not_yet
                .get(name)
                .filter(|r| !r.is_empty())
                .cloned()
                .unwrap_or_else(|| why.clone());
            let reason: String = reason
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            out.push_str(&format!("{name}  {reason}\n"));
        }
        std::fs::write(&list_path, out).expect("write notyetpassing.txt");
        return;
    }
    let stale: Vec<&String> = not_yet.keys().filter(|n| !names.contains(n)).collect();
    assert!(
        stale.is_empty(),
        "notyetpassing.txt lists unknown cases: {stale:?}"
    );
    assert!(
        unexpected_passes.is_empty(),
        "these cases pass now; remove them from tests/notyetpassing.txt: {unexpected_passes:#?}"
    );
    assert!(
        unexpected_failures.is_empty(),
        "conformance failures: {unexpected_failures:#?}"
    );
}
