//! `cairn derivation show` against `nix show-derivation`.

use insta::assert_snapshot;

use crate::common::{TestContext, nix_fixtures, stdout_of};

/// The `.drv` fixtures, by file name.
fn fixture_drvs() -> Vec<std::path::PathBuf> {
    let mut drvs: Vec<_> = std::fs::read_dir(nix_fixtures().join("drv"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    drvs.sort();
    assert_eq!(drvs.len(), 3);
    drvs
}

#[test]
fn show_matches_nix() {
    let context = TestContext::new();
    let expected = std::fs::read_to_string(nix_fixtures().join("show-derivation.json")).unwrap();
    let mut args = vec!["derivation".to_owned(), "show".to_owned()];
    // In reverse order: the output is sorted by path, as Nix sorts it.
    args.extend(fixture_drvs().iter().rev().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(stdout_of(&context.run(&args)), expected);
}

#[test]
fn copy_without_hash_prefix_shows_under_its_store_path() {
    let context = TestContext::new();
    let source = fixture_drvs()
        .into_iter()
        .find(|p| p.to_str().unwrap().ends_with("-plain.drv"))
        .unwrap();
    std::fs::copy(&source, context.path().join("plain.drv")).unwrap();
    let output = stdout_of(&context.run(&["derivation", "show", "plain.drv"]));
    let store_path = format!(
        "/nix/store/{}",
        source.file_name().unwrap().to_str().unwrap()
    );
    assert!(
        output.starts_with(&format!("{{\n  \"{store_path}\": {{\n")),
        "{output}"
    );
}

#[test]
fn missing_file() {
    let context = TestContext::new();
    let output = context.run(&["derivation", "show", "missing.drv"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn not_a_derivation() {
    let context = TestContext::new();
    std::fs::write(
        context.path().join("bad.drv"),
        "Derive([(\"out\",\"/tmp/x\",\"\",\"\")],",
    )
    .unwrap();
    let output = context.run(&["derivation", "show", "bad.drv"]);
    assert_snapshot!(context.transcript(&output));
}
