//! `cairn store add|path-info|query|gc|delete|verify|optimise|why-depends|why-alive|ls|cat`
//! on a chroot store in the test's temporary directory.

use std::path::{Path, PathBuf};
use std::process::Output;

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

/// Runs `cairn store SUBCOMMAND ARGS… --store [TEMP]/root`.
fn store(context: &TestContext, args: &[&str]) -> Output {
    let mut command = context.command();
    command
        .arg("store")
        .args(args)
        .arg("--store")
        .arg(context.path().join("root"));
    command.output().unwrap()
}

/// The transcript with times and registration dates made stable.
fn transcript(context: &TestContext, output: &Output) -> String {
    let text = context.transcript(output);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // `in 41ms`, `in 1.2s` → `in [TIME]`; `"registrationTime":N` → `[TIME]`.
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        let (head, tail) = rest.split_at(i);
        let digits = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        let unit = if tail[digits..].starts_with("ms") {
            2
        } else if tail[digits..].starts_with('s') {
            1
        } else {
            0
        };
        let timed = head.ends_with("in ") && unit > 0;
        let registered = head.ends_with("\"registrationTime\":");
        out.push_str(head);
        if timed || registered {
            out.push_str("[TIME]");
            rest = &tail[digits + if timed { unit } else { 0 }..];
        } else {
            out.push_str(&tail[..digits.max(1)]);
            rest = &tail[digits.max(1)..];
        }
    }
    out.push_str(rest);
    out
}

/// Adds `name` (a file with `contents`) and returns its store path.
fn add_file(context: &TestContext, name: &str, contents: &str) -> String {
    let file = context.path().join(name);
    std::fs::write(&file, contents).unwrap();
    stdout_of(&store(context, &["add", file.to_str().unwrap()]))
        .trim_end()
        .to_owned()
}

/// Makes `gcroots/NAME` a root of `path` in the test store.
fn add_root(context: &TestContext, name: &str, path: &str) -> PathBuf {
    let link = context.path().join("root/nix/var/cairn/gcroots").join(name);
    let real = context
        .path()
        .join("root")
        .join(path.trim_start_matches('/'));
    std::os::unix::fs::symlink(real, &link).unwrap();
    link
}

fn tree(context: &TestContext) -> PathBuf {
    let tree = context.make_tree();
    // An absolute symlink out of the tree is fine in a NAR.
    assert!(Path::new(&tree).join("abs").symlink_metadata().is_ok());
    tree
}

#[test]
fn add_gives_nix_paths_and_path_info_shows_them() {
    let context = TestContext::new();
    let tree = tree(&context);
    let out = store(&context, &["add", tree.to_str().unwrap()]);
    // Nix 2.8's `nix-store --add tree` gives the same path,
    // /nix/store/k4lkyw2xfrjxk7wll5qkhipqzp96h7qk-tree.
    assert_snapshot!("store_add_tree", transcript(&context, &out));
    let path = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    let flat = store(
        &context,
        &[
            "add",
            "--flat",
            "--name",
            "hello",
            tree.join("hello.txt").to_str().unwrap(),
        ],
    );
    assert_snapshot!("store_add_flat", transcript(&context, &flat));

    // Nix 2.8: `nix-store --add-fixed --recursive sha1 tree` and
    // `nix-store --add-fixed sha512 tree/hello.txt`.
    let sha1 = store(&context, &["add", "--type", "sha1", tree.to_str().unwrap()]);
    assert_eq!(
        stdout_of(&sha1),
        "/nix/store/axzm4dqb46xdfhc23sh06ii3i7f6983h-tree\n"
    );
    let hello = tree.join("hello.txt");
    let sha512 = store(
        &context,
        &["add", "--flat", "--type", "sha512", hello.to_str().unwrap()],
    );
    assert_eq!(
        stdout_of(&sha512),
        "/nix/store/9a8mxachqmcv8x2cfijdps9dyxgyyrzm-hello.txt\n"
    );
    let info = store(&context, &["path-info", "-s", &path]);
    assert_snapshot!("store_path_info_size", transcript(&context, &info));
    let info = store(&context, &["path-info", "--json", &path]);
    assert_snapshot!("store_path_info_json", transcript(&context, &info));
    let ls = store(&context, &["ls", "-lR", &path]);
    assert_snapshot!("store_ls", transcript(&context, &ls));
    let cat = store(&context, &["cat", &format!("{path}/sub/deep/file")]);
    assert_eq!(stdout_of(&cat), "deep\n");
    let cat = store(&context, &["cat", &format!("{path}/sub")]);
    assert_snapshot!("store_cat_directory", transcript(&context, &cat));
}

#[test]
fn gc_deletes_what_no_root_reaches() {
    let context = TestContext::new();
    let kept = add_file(&context, "kept", "kept");
    let dead = add_file(&context, "dead", "dead");
    add_root(&context, "kept", &kept);
    let dry = store(&context, &["gc", "--dry-run"]);
    assert_eq!(stdout_of(&dry), format!("{dead}\n"));
    let live = store(&context, &["gc", "--print-live"]);
    assert_eq!(stdout_of(&live), format!("{kept}\n"));
    let roots = store(&context, &["gc", "--print-roots"]);
    assert_eq!(
        stdout_of(&roots),
        format!(
            "{} -> {kept}\n",
            context
                .path()
                .join("root/nix/var/cairn/gcroots/kept")
                .display()
        )
    );
    let why = store(&context, &["why-alive", &kept]);
    assert_snapshot!("store_why_alive", transcript(&context, &why));

    let gc = store(&context, &["gc"]);
    assert_snapshot!("store_gc", transcript(&context, &gc));
    let again = store(&context, &["gc"]);
    assert_snapshot!("store_gc_nothing", transcript(&context, &again));
    let info = store(&context, &["path-info", &dead]);
    assert_snapshot!("store_path_info_invalid", transcript(&context, &info));

    let refused = store(&context, &["delete", &kept]);
    assert_snapshot!("store_delete_alive", transcript(&context, &refused));
    std::fs::remove_file(context.path().join("root/nix/var/cairn/gcroots/kept")).unwrap();
    let deleted = store(&context, &["delete", &kept]);
    assert_snapshot!("store_delete", transcript(&context, &deleted));
}

#[test]
fn queries_follow_references() {
    let context = TestContext::new();
    // A text file referring to another cannot be made with `store add`;
    // `eval` with `builtins.toFile` would, but keep this test to the store:
    // two independent paths, then queries on them.
    let a = add_file(&context, "a", "a");
    let b = add_file(&context, "b", "b");
    let refs = store(&context, &["query", "--references", &a]);
    assert_eq!(stdout_of(&refs), "");
    let closure = store(&context, &["query", "--requisites", "--json", &a, &b]);
    let mut both = [a.clone(), b.clone()];
    both.sort_by(|x, y| x[44..].cmp(&y[44..]).then(x.cmp(y)));
    both.sort();
    assert_eq!(
        stdout_of(&closure),
        format!("{}\n", serde_json::json!(both))
    );
    let deriver = store(&context, &["query", "--deriver", &a]);
    assert_eq!(stdout_of(&deriver), "unknown-deriver\n");
    let link = add_root(&context, "a-root", &a);
    let roots = store(&context, &["query", "--roots", &a]);
    assert_eq!(stdout_of(&roots), format!("{} -> {a}\n", link.display()));
    let none = store(&context, &["why-depends", &a, &b]);
    assert_snapshot!("store_why_depends_none", transcript(&context, &none));
    let usage = store(&context, &["query", &a]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn verify_reports_and_repairs() {
    let context = TestContext::new();
    let a = add_file(&context, "a", "a");
    let ok = store(&context, &["verify", "--check-contents"]);
    assert_snapshot!("store_verify_ok", transcript(&context, &ok));
    let real = context.path().join("root").join(a.trim_start_matches('/'));
    std::fs::remove_file(&real).unwrap();
    let bad = store(&context, &["verify"]);
    assert_snapshot!("store_verify_missing", transcript(&context, &bad));
    let repaired = store(&context, &["verify", "--repair"]);
    assert_snapshot!("store_verify_repair", transcript(&context, &repaired));
    let opt = store(&context, &["optimise"]);
    assert_snapshot!("store_optimise", transcript(&context, &opt));
}

#[test]
fn another_nix_database_is_refused() {
    let context = TestContext::new();
    std::fs::create_dir_all(context.path().join("root/nix/var/nix/db")).unwrap();
    let out = store(&context, &["gc"]);
    assert_snapshot!("store_foreign_db", transcript(&context, &out));
}

/// `cairn store add` of many files in one process while other processes
/// collect garbage in a loop: every add succeeds (the adder's temporary
/// roots keep its paths alive until it exits), every collection succeeds,
/// and once the adder is gone its paths are garbage.
#[test]
fn add_and_gc_in_separate_processes() {
    let context = TestContext::new();
    let files = context.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let mut names = Vec::new();
    for i in 0..300 {
        let name = files.join(format!("f{i}"));
        std::fs::write(&name, format!("file {i}\n")).unwrap();
        names.push(name);
    }
    // Create the store first so that both sides find it.
    stdout_of(&store(&context, &["gc"]));
    let mut adder = context.command();
    adder
        .args(["store", "add", "--store"])
        .arg(context.path().join("root"))
        .args(&names)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let adder = adder.spawn().unwrap();
    let mut collections = 0;
    let mut adder = Some(adder);
    let mut added = String::new();
    while let Some(mut child) = adder.take() {
        let gc = store(&context, &["gc"]);
        assert!(gc.status.success(), "{}", transcript(&context, &gc));
        collections += 1;
        match child.try_wait().unwrap() {
            Some(_) => {
                let output = child.wait_with_output().unwrap();
                added = stdout_of(&output);
            }
            None => adder = Some(child),
        }
    }
    assert!(collections > 0);
    assert_eq!(added.lines().count(), names.len());
    let dead = stdout_of(&store(&context, &["gc", "--print-dead"]));
    let mut dead: Vec<&str> = dead.lines().collect();
    let mut added: Vec<&str> = added.lines().collect();
    dead.sort_unstable();
    added.sort_unstable();
    // Some may have been collected already by the last loop iteration.
    assert!(dead.iter().all(|p| added.contains(p)));
}

#[test]
fn add_refuses_bad_names_and_missing_files() {
    let context = TestContext::new();
    let file = context.path().join("f");
    std::fs::write(&file, "f").unwrap();
    let bad = store(&context, &["add", "--name", "a b", file.to_str().unwrap()]);
    assert_snapshot!("store_add_bad_name", transcript(&context, &bad));
    let missing = store(&context, &["add", "missing"]);
    assert_snapshot!("store_add_missing", transcript(&context, &missing));
    let empty: Vec<_> = std::fs::read_dir(context.path().join("root/nix/store"))
        .unwrap()
        .collect();
    assert!(empty.is_empty(), "{empty:?}");
}
