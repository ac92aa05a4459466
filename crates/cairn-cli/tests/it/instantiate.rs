//! The `nix-instantiate` personality (cairn started through a symlink
//! named `nix-instantiate`):
//!
//! - transcripts: every command line of
//!   `fixtures/nix-2.8/instantiate/cases.txt` must give Nix 2.8's exit
//!   status, standard output and standard error byte for byte (recorded by
//!   the `generate.sh` beside it), error traces with and without
//!   `--show-trace` included; `known-differences.txt` lists the exceptions;
//! - Nix's own language-test harness (`lang.sh` of Nix 2.8) run through the
//!   symlink over the conformance corpus, as Nix runs it;
//! - insta snapshots of cairn's own wording (`--help`, the instantiation
//!   mode that needs the store layer).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::nix_fixtures;

/// A temporary directory holding a `nix-instantiate` symlink to cairn.
struct Personality {
    dir: tempfile::TempDir,
}

impl Personality {
    fn new() -> Personality {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_cairn"),
            dir.path().join("nix-instantiate"),
        )
        .unwrap();
        Personality { dir }
    }

    /// `nix-instantiate ARGS…` in `cwd`, with a cleared environment.
    fn command(&self, cwd: &Path, args: &[String]) -> Command {
        let mut command = Command::new(self.dir.path().join("nix-instantiate"));
        command
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .env("HOME", self.dir.path().join("home"))
            .env("NIX_PATH", "")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, cwd: &Path, args: &[String], stdin: Option<&Path>) -> Output {
        let mut command = self.command(cwd, args);
        if let Some(file) = stdin {
            command.stdin(std::fs::File::open(file).unwrap());
        }
        command.output().unwrap()
    }
}

/// Splits a case line into words; single quotes group (as in the shell).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

#[test]
fn transcripts_match_nix_2_8() {
    let fixtures = nix_fixtures().join("instantiate");
    let files = fixtures.join("files").canonicalize().unwrap();
    let dir = files.to_str().unwrap();
    let expected = std::fs::read_to_string(fixtures.join("expected.txt")).unwrap();
    let known = std::fs::read_to_string(fixtures.join("known-differences.txt")).unwrap();
    let known: Vec<&str> = known
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let personality = Personality::new();
    let mut failures = Vec::new();
    let mut fixed = Vec::new();
    let mut count = 0;
    for block in expected.split("=== ").skip(1) {
        let (line, want) = block.split_once('\n').unwrap();
        let want = want.replace("@DIR@", dir);
        let (stdin, args) = match line.strip_prefix('<') {
            Some(rest) => {
                let (file, args) = rest.split_once(' ').unwrap();
                (Some(files.join(file)), args)
            }
            None => (None, line),
        };
        let out = personality.run(&files, &words(args), stdin.as_deref());
        let got = format!(
            "--- status {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        count += 1;
        let same = got == want;
        match (same, known.contains(&line)) {
            (false, false) => failures.push(format!(
                "nix-instantiate {line}\n{}",
                similar_diff(&want, &got)
            )),
            (true, true) => fixed.push(line.to_string()),
            _ => {}
        }
    }
    assert!(count >= 30, "only {count} cases");
    assert!(
        fixed.is_empty(),
        "these now match; remove them from known-differences.txt: {fixed:#?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A line diff, enough to see what differs.
fn similar_diff(want: &str, got: &str) -> String {
    let mut out = String::new();
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    for i in 0..w.len().max(g.len()) {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => out.push_str(&format!("   {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    out.push_str(&format!(" - {a}\n"));
                }
                if let Some(b) = b {
                    out.push_str(&format!(" + {b}\n"));
                }
            }
        }
    }
    out
}

/// The conformance corpus of Nix 2.8 (`../shared/conformance/nix-lang`).
fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/nix-lang");
    dir.is_dir().then(|| dir.canonicalize().unwrap())
}

/// Nix 2.8's `tests/lang.sh`, run through the symlink: parse cases from
/// standard input with `--parse -`, `eval-fail` with `--eval`, `eval-okay`
/// with `--eval --strict` (plus `.flags`, `NIX_PATH=lang/dir3:lang/dir4`)
/// against `.exp`, and `--eval --xml --no-location --strict` against
/// `.exp.xml`. Every case runs, those that need the store-aware builtins
/// too (the CLI evaluates with cairn-glue's).
#[test]
fn nix_lang_harness_through_the_symlink() {
    let Some(corpus) = corpus() else {
        // The corpus lives outside the repository; cairn-eval's conformance
        // test fails loudly when it is missing.
        return;
    };
    let personality = Personality::new();
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&corpus, work.path().join("lang")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".nix").map(str::to_string))
        .filter(|n| n.starts_with("eval-") || n.starts_with("parse-"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in &names {
        let file = format!("lang/{name}.nix");
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        if name.starts_with("parse-") {
            let out = personality.run(
                work.path(),
                &s(&["--parse", "-"]),
                Some(&corpus.join(format!("{name}.nix"))),
            );
            ran += 1;
            if out.status.success() != name.starts_with("parse-okay-") {
                failures.push(format!("{name}: --parse exit status {}", out.status));
            }
        } else if name.starts_with("eval-fail-") {
            ran += 1;
            let out = personality.run(work.path(), &s(&["--eval", &file]), None);
            if out.status.success() {
                failures.push(format!("{name}: evaluated"));
            }
        } else {
            let exp = corpus.join(format!("{name}.exp"));
            if exp.exists() {
                ran += 1;
                let flags = std::fs::read_to_string(corpus.join(format!("{name}.flags")))
                    .unwrap_or_default();
                let mut args: Vec<String> = flags.split_whitespace().map(str::to_string).collect();
                args.extend(s(&["--eval", "--strict", &file]));
                let out = personality
                    .command(work.path(), &args)
                    .env("NIX_PATH", "lang/dir3:lang/dir4")
                    .env("HOME", "/fake-home")
                    .env("TEST_VAR", "foo")
                    .output()
                    .unwrap();
                if out.stdout != std::fs::read(&exp).unwrap() {
                    failures.push(format!(
                        "{name}: got {}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
            let xml = corpus.join(format!("{name}.exp.xml"));
            if xml.exists() {
                ran += 1;
                let out = personality.run(
                    work.path(),
                    &s(&["--eval", "--xml", "--no-location", "--strict", &file]),
                    None,
                );
                if out.stdout != std::fs::read(&xml).unwrap() {
                    failures.push(format!("{name}: XML output differs"));
                }
            }
        }
    }
    assert!(ran > 100, "only {ran} cases ran");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `--parse` of every file of both language suites against Nix 2.8's
/// (`fixtures/nix-2.8/parse/expected.sha256`, recorded by its `generate.sh`:
/// only the SHA-256 of each output is kept, so nothing of the suites is
/// copied into the project). Files in `known-differences.txt` there print
/// differently: Nix 2.8 orders formals and attributes by the addresses of
/// its symbols, which no printer can reproduce (cairn uses name order).
#[test]
fn parse_matches_nix_2_8() {
    let Some(nix_lang) = corpus() else {
        return;
    };
    let shared = nix_lang.parent().unwrap().to_path_buf();
    let fixtures = nix_fixtures().join("parse");
    let expected = std::fs::read_to_string(fixtures.join("expected.sha256")).unwrap();
    let known = std::fs::read_to_string(fixtures.join("known-differences.txt")).unwrap();
    let known: Vec<&str> = known
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let personality = Personality::new();
    let (mut same, mut failures, mut fixed) = (0, Vec::new(), Vec::new());
    for line in expected.lines().filter(|l| !l.starts_with('#')) {
        let (name, want) = line.split_once(' ').unwrap();
        let (suite, file) = name.split_once('/').unwrap();
        let dir = shared.join(suite);
        let out = personality
            .command(&dir, &["--parse".to_string(), file.to_string()])
            .env("HOME", "/fake-home")
            .output()
            .unwrap();
        let got = parse_output_hash(&out.stdout, dir.to_str().unwrap());
        match (got == want, known.contains(&name)) {
            (true, false) => same += 1,
            (true, true) => fixed.push(name.to_string()),
            (false, false) => failures.push(name.to_string()),
            (false, true) => {}
        }
    }
    assert!(same > 400, "only {same} files print like Nix 2.8");
    assert!(
        fixed.is_empty(),
        "these match now; remove them from known-differences.txt: {fixed:#?}"
    );
    assert!(
        failures.is_empty(),
        "--parse differs from Nix 2.8 for {failures:#?} (compare with the peer's \
         `nix-instantiate --parse` of the file)"
    );
}

/// The hash `generate.sh` records for `--parse` output: trailing newlines
/// removed, the corpus directory written as `@CORPUS@`, SHA-256 in base 16.
fn parse_output_hash(stdout: &[u8], corpus_dir: &str) -> String {
    let mut bytes = stdout;
    while let [rest @ .., b'\n'] = bytes {
        bytes = rest;
    }
    let text = bstr_replace(bytes, corpus_dir.as_bytes(), b"@CORPUS@");
    // Paths such as `../lang/lib.nix` resolve into the corpus's parent.
    let parent = std::path::Path::new(corpus_dir).parent().unwrap();
    let text = bstr_replace(&text, parent.to_str().unwrap().as_bytes(), b"@CONFORMANCE@");
    cairn_hash::Hash::digest(cairn_hash::HashAlgo::Sha256, &text)
        .encode(cairn_hash::Encoding::Base16, false)
}

/// `haystack` with every `from` replaced by `to`.
fn bstr_replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[test]
fn instantiation_writes_drv_files_like_nix() {
    let personality = Personality::new();
    let cwd = tempfile::tempdir().unwrap();
    let store = cwd.path().join("store");
    let run = |expr: &str| {
        let args: Vec<String> = ["--store", store.to_str().unwrap(), "-E", expr]
            .iter()
            .map(ToString::to_string)
            .collect();
        personality.run(cwd.path(), &args, None)
    };
    // What Nix 2.8 prints for this expression (see cairn-glue's fixtures).
    let out =
        run(r#"derivation { name = "hello"; builder = "/bin/sh"; system = "x86_64-linux"; }"#);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/nix/store/x0sj6ynccvc1a8kxr8fifnlf7qlxw6hd-hello.drv\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n"
    );
    let drv = store.join("nix/store/x0sj6ynccvc1a8kxr8fifnlf7qlxw6hd-hello.drv");
    assert!(std::fs::read(drv).unwrap().starts_with(b"Derive("));

    let out = run("1");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: expression does not evaluate to a derivation (or a set or list of those)\n"
    );
}

#[test]
fn help_text() {
    let personality = Personality::new();
    let cwd = tempfile::tempdir().unwrap();
    let out = personality.run(cwd.path(), &["--help".to_string()], None);
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
