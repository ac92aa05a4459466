//! `cairn search`: which collection it evaluates (`-f`, the `collection`
//! setting, the source tree's `nix/pkgs`), what counts as a package, how
//! terms match, the text and JSON output, and finding nothing.
//!
//! Most tests search a small collection written into the temporary
//! directory, so their snapshots do not change when `nix/pkgs` gains a
//! package; one checks a few known lines of the real collection. Nothing
//! is built or fetched: search only reads names and `meta`.

use std::path::PathBuf;
use std::process::Output;

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

/// A collection of fake packages (`derivation` plus `meta`), with what a
/// search must leave out: build support without a description, a
/// function, attributes that throw or fail an assertion (both skipped
/// silently, as `builtins.tryEval` would), and a set without
/// `recurseForDerivations`.
const COLLECTION: &str = r#"
{ config ? { } }:
let
  package = attrs: meta:
    derivation ({ system = "x86_64-linux"; builder = "/bin/sh"; } // attrs) // { inherit meta; };
  gpl3 = { spdxId = "GPL-3.0-or-later"; shortName = "gpl3Plus"; free = true; };
in
{
  hello = package { name = "hello-2.10"; pname = "hello"; version = "2.10"; } {
    description = "A program that produces a familiar, friendly greeting";
    homepage = "https://www.gnu.org/software/hello/";
    license = gpl3;
    mainProgram = "hello";
  };
  gnugrep = package { name = "grep-3.8"; pname = "grep"; version = "3.8"; } {
    description = "GNU implementation of the Unix grep command";
    homepage = [ "https://www.gnu.org/software/grep/" "https://example.org/grep" ];
    license = [ gpl3 { shortName = "fdl"; free = true; } ];
    mainProgram = "grep";
  };
  # No pname or version: both come from the name.
  greeter = package { name = "greeter-0.1"; } {
    description = "Says GREETINGS in capitals";
  };
  unfree-greeting = package { name = "unfree-greeting-1.0"; pname = "unfree-greeting"; version = "1.0"; } {
    description = "A greeting under an unfree license";
    license = { shortName = "unfree"; free = false; };
    available = false;
  };
  old-tool = package { name = "old-tool-0.9"; } {
    description = "A tool nobody fixed";
    broken = true;
    available = false;
  };
  leaky = package { name = "leaky-1.0"; } {
    description = "A server with a known hole";
    knownVulnerabilities = [ "CVE-0000-0000" ];
    available = false;
  };
  elsewhere = package { name = "elsewhere-1.0"; } {
    description = "Only for another system";
    platforms = [ "riscv64-linux" ];
    available = false;
  };
  tools = {
    recurseForDerivations = true;
    sed = package { name = "gnused-4.9"; pname = "gnused"; version = "4.9"; } {
      description = "The stream editor";
    };
  };
  hidden = { sed = package { name = "hidden-1"; } { description = "Not searched"; }; };
  stdenv = derivation { name = "stdenv"; system = "x86_64-linux"; builder = "/bin/sh"; };
  fetchurl = { url, sha256 }: null;
  removed = throw "removed: use hello instead";
  asserted = assert config ? nothing; package { name = "asserted-1"; } { description = "x"; };
}
"#;

/// A test directory holding `collection.nix`.
fn context() -> TestContext {
    let cx = TestContext::new();
    std::fs::write(cx.path().join("collection.nix"), COLLECTION).unwrap();
    cx
}

/// `cairn search --store store ARGS…` (the collection given in `args`).
fn search(cx: &TestContext, args: &[&str]) -> Output {
    cx.command()
        .args(["search", "--store", "store"])
        .args(args)
        .output()
        .unwrap()
}

/// `cairn search -f collection.nix ARGS…`.
fn search_test_collection(cx: &TestContext, args: &[&str]) -> Output {
    let mut all = vec!["-f", "collection.nix"];
    all.extend_from_slice(args);
    search(cx, &all)
}

#[test]
fn without_a_term_lists_every_package() {
    let cx = context();
    let output = search_test_collection(&cx, &[]);
    assert_snapshot!(cx.transcript(&output));
    // Only read: the store was not even created.
    assert!(!cx.path().join("store").exists());
}

#[test]
fn one_term_matches_names_and_descriptions_case_insensitively() {
    let cx = context();
    assert_snapshot!(cx.transcript(&search_test_collection(&cx, &["GR"])));
}

#[test]
fn every_term_must_match() {
    let cx = context();
    let output = search_test_collection(&cx, &["gr", "unix|capitals"]);
    assert_snapshot!(cx.transcript(&output));
}

#[test]
fn the_package_name_matches_too() {
    let cx = context();
    // `gnused` is only the package name of `tools.sed`.
    let output = search_test_collection(&cx, &["^gnused$"]);
    assert_eq!(
        stdout_of(&output),
        "* tools.sed (4.9)\n  The stream editor\n"
    );
}

#[test]
fn finding_nothing_exits_1_with_a_hint() {
    let cx = context();
    let output = search_test_collection(&cx, &["xyz"]);
    assert_snapshot!(cx.transcript(&output));
    let output = search_test_collection(&cx, &["hello", "grep"]);
    assert_snapshot!(cx.transcript(&output));
}

#[test]
fn json_has_the_metadata() {
    let cx = context();
    let output = search_test_collection(&cx, &["--json", "gr"]);
    assert_snapshot!(cx.transcript(&output));
    // Finding nothing is no error with --json, as with `nix search --json`.
    let output = search_test_collection(&cx, &["--json", "xyz"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_of(&output), "{}\n");
}

#[test]
fn an_attribute_failing_otherwise_is_skipped_with_a_warning() {
    let cx = context();
    std::fs::write(
        cx.path().join("mistyped.nix"),
        "import ./collection.nix { } // {\n  \
           mistyped = derivation { name = \"m\"; system = \"x\"; builder = \"/bin/sh\"; }\n    \
             // { meta.description = 1 + \"one\"; };\n}\n",
    )
    .unwrap();
    let output = search(&cx, &["-f", "mistyped.nix", "hello"]);
    assert_snapshot!(cx.transcript(&output));
}

#[test]
fn an_invalid_term_is_named() {
    let cx = context();
    let output = search_test_collection(&cx, &["(grep"]);
    assert_snapshot!(cx.transcript(&output));
}

#[test]
fn the_collection_setting_chooses_the_collection() {
    let cx = context();
    let path = cx.path().join("collection.nix");
    let output = cx
        .command()
        .args(["search", "--store", "store", "hello"])
        .env("CAIRN_COLLECTION", &path)
        .output()
        .unwrap();
    assert_snapshot!(cx.transcript(&output));
    let output = cx
        .command()
        .args(["config", "show"])
        .env("CAIRN_COLLECTION", &path)
        .output()
        .unwrap();
    let shown = stdout_of(&output);
    let line = format!("collection = {}", path.display());
    assert!(shown.lines().any(|l| l == line), "{shown}");
    // `-f` wins over the setting.
    std::fs::write(
        cx.path().join("other.nix"),
        r#"{ only = derivation { name = "only-1"; system = "x"; builder = "/bin/sh"; } // { meta.description = "hello from elsewhere"; }; }"#,
    )
    .unwrap();
    let output = cx
        .command()
        .args(["search", "--store", "store", "-f", "other.nix", "hello"])
        .env("CAIRN_COLLECTION", &path)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&output), "* only (1)\n  hello from elsewhere\n");
}

#[test]
fn a_missing_collection_names_the_setting_or_flag() {
    let cx = context();
    let output = search(
        &cx,
        &["--option", "collection", "/nonexistent/pkgs", "hello"],
    );
    assert_snapshot!(cx.transcript(&output));
    let output = search(&cx, &["-f", "missing.nix", "hello"]);
    assert_snapshot!(cx.transcript(&output));
    let output = search(&cx, &["--option", "collection", "pkgs", "hello"]);
    assert_snapshot!(cx.transcript(&output));
}

/// The repository's collection, the default: a few known lines only, so
/// that adding packages does not change this test.
#[test]
fn the_source_tree_collection_is_the_default() {
    let cx = TestContext::new();
    let output = search(&cx, &[]);
    let text = stdout_of(&output);
    assert!(
        text.contains("* hello (2.10)\n  A program that produces a familiar, friendly greeting\n"),
        "{text}"
    );
    assert!(
        text.contains("* unfree-greeting (1.0) [unfree: not allowed]\n"),
        "{text}"
    );
    for support in ["stdenv", "ccWrapper", "bootstrap", "fetchurl", "smokeTests"] {
        assert!(
            !text.contains(&format!("* {support} ")),
            "{support} is listed:\n{text}"
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("Found ") && stderr.ends_with(" packages\n"),
        "{stderr}"
    );
    // The same collection when named explicitly.
    let pkgs: PathBuf = [env!("CARGO_MANIFEST_DIR"), "../../nix/pkgs"]
        .iter()
        .collect();
    let explicit = search(&cx, &["-f", pkgs.to_str().unwrap()]);
    assert_eq!(stdout_of(&explicit), text);
}
