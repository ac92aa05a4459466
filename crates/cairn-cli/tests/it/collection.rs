//! The package collection (`nix/pkgs`) as Nix code: its shape (fixed
//! point, overlays, `override`, `overrideAttrs`), its policy (unfree,
//! broken, unsupported and insecure packages refused with every way to
//! allow them) and its metadata. These only evaluate (`cairn eval` on a
//! temporary store): nothing is fetched or built, so they are hermetic and
//! fast. Building the packages is `collection_build` (marked, needs the
//! Debian mirror).

use std::path::PathBuf;

use crate::common::{TestContext, stdout_of};

fn pkgs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../nix/pkgs")
        .canonicalize()
        .unwrap()
}

/// `cairn eval --strict --store TEMP -E EXPR`, where EXPR can say `pkgs`
/// for `import nix/pkgs ARGS`.
fn eval(cx: &TestContext, args: &str, expr: &str, env: &[(&str, &str)]) -> std::process::Output {
    let store = cx.path().join("store");
    let expr = format!(
        "let pkgs = import {} ({args}); lib = pkgs.lib; in {expr}",
        pkgs_dir().display()
    );
    cx.command()
        .args([
            "eval",
            "--strict",
            "--store",
            store.to_str().unwrap(),
            "-E",
            &expr,
        ])
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn eval_ok(cx: &TestContext, args: &str, expr: &str) -> String {
    stdout_of(&eval(cx, args, expr, &[])).trim_end().to_owned()
}

/// The error of an evaluation that must fail, with the collection's
/// directory written as `[PKGS]`.
fn eval_err(cx: &TestContext, args: &str, expr: &str, env: &[(&str, &str)]) -> String {
    let out = eval(cx, args, expr, env);
    assert!(
        !out.status.success(),
        "evaluation succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).replace(pkgs_dir().to_str().unwrap(), "[PKGS]")
}

#[test]
fn an_unfree_package_is_refused_with_the_three_ways_to_allow_it() {
    let cx = TestContext::new();
    let err = eval_err(&cx, "{ }", "pkgs.unfree-greeting.drvPath", &[]);
    insta::assert_snapshot!(err);
    // Its description can still be read, marked unavailable.
    assert_eq!(
        eval_ok(
            &cx,
            "{ }",
            "with pkgs.unfree-greeting.meta; [ available license.free ]"
        ),
        "[ false false ]"
    );
}

#[test]
fn each_way_to_allow_an_unfree_package_works() {
    let cx = TestContext::new();
    let is_drv = "builtins.isString pkgs.unfree-greeting.drvPath";
    assert_eq!(
        eval_ok(&cx, "{ config.allowUnfree = true; }", is_drv),
        "true"
    );
    assert_eq!(
        eval_ok(
            &cx,
            "{ config.allowUnfreePredicate = p: (builtins.parseDrvName p.name).name == \"unfree-greeting\"; }",
            is_drv
        ),
        "true"
    );
    let out = eval(&cx, "{ }", is_drv, &[("CAIRN_ALLOW_UNFREE", "1")]);
    assert_eq!(stdout_of(&out).trim_end(), "true");
    // A predicate for another package allows nothing here.
    let err = eval_err(
        &cx,
        "{ config.allowUnfreePredicate = p: p.pname or \"\" == \"other\"; }",
        is_drv,
        &[],
    );
    assert!(
        err.contains("has an unfree license (unfree), refusing to build it"),
        "{err}"
    );
}

/// An overlay marking hello broken, limited to another platform, or
/// vulnerable: each is refused, then allowed by its own setting.
#[test]
fn broken_unsupported_and_insecure_packages_are_refused_until_allowed() {
    let cx = TestContext::new();
    let overlay = |meta: &str| {
        format!(
            "overlays = [ (final: prev: {{ hello = prev.hello.overrideAttrs (old: {{ meta = old.meta // {{ {meta} }}; }}); }}) ];"
        )
    };
    let cases = [
        (
            "broken = true;",
            "allowBroken = true;",
            "is marked as broken",
        ),
        (
            "platforms = [ \"aarch64-darwin\" ];",
            "allowUnsupportedSystem = true;",
            "is not available on 'x86_64-linux' (meta.platforms: aarch64-darwin)",
        ),
        (
            "knownVulnerabilities = [ \"CVE-0000-0001: made up for this test\" ];",
            "permittedInsecurePackages = [ \"hello-2.10\" ];",
            "- CVE-0000-0001: made up for this test",
        ),
    ];
    let mut errors = Vec::new();
    for (meta, allow, says) in cases {
        let args = format!("{{ system = \"x86_64-linux\"; {} }}", overlay(meta));
        let err = eval_err(&cx, &args, "pkgs.hello.drvPath", &[]);
        assert!(err.contains(says), "{err}");
        errors.push(err);
        let args = format!(
            "{{ system = \"x86_64-linux\"; config = {{ {allow} }}; {} }}",
            overlay(meta)
        );
        assert_eq!(
            eval_ok(&cx, &args, "builtins.isString pkgs.hello.drvPath"),
            "true"
        );
    }
    insta::assert_snapshot!(errors.join("\n---\n"));
}

#[test]
fn a_misspelt_config_option_is_an_error() {
    let cx = TestContext::new();
    let err = eval_err(&cx, "{ config.allowUnfre = true; }", "pkgs.hello.name", &[]);
    assert!(
        err.contains("unknown config option 'allowUnfre'; known options: allowBroken, allowInsecurePredicate, allowUnfree"),
        "{err}"
    );
}

#[test]
fn override_override_attrs_and_overlays() {
    let cx = TestContext::new();
    let base = eval_ok(&cx, "{ }", "pkgs.hello.drvPath");
    // overrideAttrs with finalAttrs: the source URL follows the new version.
    assert_eq!(
        eval_ok(
            &cx,
            "{ }",
            "(pkgs.hello.overrideAttrs (old: { version = \"2.12\"; })).src.urls"
        ),
        "[ \"mirror://debian/pool/main/h/hello/hello_2.12.orig.tar.gz\" ]"
    );
    // final: prev: form, and a change that reaches the derivation.
    let changed = eval_ok(
        &cx,
        "{ }",
        "(pkgs.hello.overrideAttrs (final: prev: { doCheck = false; })).drvPath",
    );
    assert_ne!(changed, base);
    // meta does not change the derivation.
    assert_eq!(
        eval_ok(
            &cx,
            "{ }",
            "(pkgs.hello.overrideAttrs (old: { meta = old.meta // { description = \"x\"; }; })).drvPath"
        ),
        base
    );
    // override changes an argument: file without zlib.
    assert_eq!(
        eval_ok(
            &cx,
            "{ }",
            "builtins.length (pkgs.file.override { zlib = null; }).buildInputs"
        ),
        "0"
    );
    // An overlay's change is seen by the packages that depend on it.
    let expr = "pkgs.file.buildInputs";
    let overlay = "{ overlays = [ (final: prev: { zlib = prev.zlib.overrideAttrs { pname = \"zlib-overlaid\"; }; }) ]; }";
    let inputs = eval_ok(&cx, overlay, &format!("map (d: d.name) {expr}"));
    assert_eq!(inputs, "[ \"zlib-overlaid-1.2.13\" ]");
    // Overlays apply in order: the second sees the first's result.
    let two = "{ overlays = [ (final: prev: { greeting = \"a\"; }) (final: prev: { greeting = prev.greeting + \"b\"; }) ]; }";
    assert_eq!(eval_ok(&cx, two, "pkgs.greeting"), "\"ab\"");
    let err = eval_err(&cx, "{ overlays = final: prev: { }; }", "pkgs.hello", &[]);
    assert!(
        err.contains("'overlays' must be a list of functions"),
        "{err}"
    );
}

/// Every package of the collection instantiates and describes itself:
/// description, homepage, license, platforms, and mainProgram (libraries
/// without a program have a smoke-test script instead).
#[test]
fn every_package_has_meta_and_instantiates() {
    let cx = TestContext::new();
    let expr = r#"
      let
        names = builtins.filter (n: (builtins.tryEval (lib.isDerivation pkgs.${n})).value or false
          && !(builtins.elem n [ "stdenv" "ccWrapper" ]))
          (builtins.attrNames (import ../../../../nix/pkgs/top-level/packages.nix { callPackage = _: _: null; }));
        bad = builtins.filter (n:
          let m = pkgs.${n}.meta; in
          # Packages of our own (no upstream source) have no homepage.
          !(m ? description && (m ? homepage || !(pkgs.${n} ? src)) && m ? license && (m ? mainProgram || pkgs.${n}.smokeTest ? script) && m ? platforms)) names;
        available = builtins.filter (n: pkgs.${n}.meta.available) names;
      in { count = builtins.length names; inherit bad;
           unavailable = builtins.filter (n: !pkgs.${n}.meta.available) names;
           drvs = builtins.length (map (n: pkgs.${n}.drvPath) available); }
    "#;
    let expr = expr.replace(
        "../../../../nix/pkgs/top-level/packages.nix",
        pkgs_dir().join("top-level/packages.nix").to_str().unwrap(),
    );
    let out = eval_ok(&cx, "{ }", &expr);
    let count: usize = out
        .split("count = ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(count >= 25, "only {count} packages: {out}");
    assert!(
        out.contains("bad = [ ];"),
        "packages without full meta: {out}"
    );
    // Refused by the policy: only the unfree demo.
    assert!(
        out.contains("unavailable = [ \"unfree-greeting\" ];"),
        "{out}"
    );
    assert!(out.contains(&format!("drvs = {};", count - 1)), "{out}");
}
