//! `cairn store realise` and `cairn store log` on a chroot store with
//! busybox as the only tool.

use std::path::Path;

use cairn_test::store::TempStore;
use insta::assert_snapshot;

use crate::common::TestContext;

/// Writes a derivation running `script` with busybox's sh into the store
/// under `root`; returns its path.
fn derivation(root: &Path, name: &str, script: &str) -> String {
    let mut store = TempStore::at(root);
    let drv = store.derivation(name, script).add();
    store.display(&drv)
}

/// Store hashes and timings vary (busybox differs between hosts).
fn scrubbed(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("/nix/store/") {
        out.push_str(&rest[..i + 11]);
        rest = &rest[i + 11..];
        if rest.len() >= 33 && rest.as_bytes()[32] == b'-' {
            out.push_str("[HASH]");
            rest = &rest[32..];
        }
    }
    out.push_str(rest);
    out.lines()
        .map(|line| match line.find(" in ") {
            Some(i) if line.starts_with("Built ") && line.ends_with('s') => {
                format!("{} in [TIME]", &line[..i])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn realise_builds_links_and_keeps_the_log() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let drv = derivation(&root, "hello", "echo building hello; echo hello > $out");
    let root_arg = root.to_str().unwrap();
    let output = context.run(&[
        "store", "realise", "--store", root_arg, "-L", &drv, "-o", "result",
    ]);
    assert_snapshot!(scrubbed(&context.transcript(&output)), @r"
    exit_code: 0
    ----- stdout -----
    /nix/store/[HASH]-hello
    ----- stderr -----
    Building 1 derivation
       Building hello (1/1)
    hello> building hello
    Built 1 derivation in [TIME]
    ");
    let link = context.path().join("result");
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "hello\n");

    // Nothing to do the second time.
    let output = context.run(&["store", "realise", "--store", root_arg, &drv, "--no-link"]);
    assert_snapshot!(scrubbed(&context.transcript(&output)), @r"
    exit_code: 0
    ----- stdout -----
    /nix/store/[HASH]-hello
    ----- stderr -----
    ");

    let output = context.run(&["store", "log", "--store", root_arg, &drv]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "building hello\n");
    let out_path = String::from_utf8(
        context
            .run(&["store", "realise", "--store", root_arg, &drv, "--no-link"])
            .stdout,
    )
    .unwrap();
    let output = context.run(&["store", "log", "--store", root_arg, out_path.trim()]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "building hello\n");
}

#[test]
fn a_failed_build_shows_the_log_tail_like_nix() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let drv = derivation(&root, "broken", "echo one; echo two >&2; exit 2");
    let output = context.run(&["store", "realise", "--store", root.to_str().unwrap(), &drv]);
    assert_snapshot!(scrubbed(&context.transcript(&output)), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    Building 1 derivation
       Building broken (1/1)
    error: builder for '/nix/store/[HASH]-broken.drv' failed with exit code 2;
           last 2 log lines:
           > one
           > two
           For full logs, run 'cairn store log /nix/store/[HASH]-broken.drv'.

      help: read the log above; `--keep-failed` keeps the build directory to inspect
    ");
}

#[test]
fn log_of_a_path_never_built() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let drv = derivation(&root, "unbuilt", "touch $out");
    let output = context.run(&["store", "log", "--store", root.to_str().unwrap(), &drv]);
    assert_snapshot!(scrubbed(&context.transcript(&output)), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
      × build log of '/nix/store/[HASH]-unbuilt.drv' is not available
      help: only derivations built by this store have logs
    ");
}

#[test]
fn two_processes_realising_one_derivation_build_it_once() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let drv = derivation(&root, "shared", "sleep 1; echo built > $out");
    let root_arg = root.to_str().unwrap();
    let spawn = || {
        context
            .command()
            .args(["store", "realise", "--store", root_arg, &drv, "--no-link"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    for output in &outputs {
        assert!(output.status.success(), "{}", context.transcript(output));
    }
    assert_eq!(outputs[0].stdout, outputs[1].stdout);
    // One of them built it; the other waited for its lock and reused the
    // result, or found it valid from the start.
    let built = outputs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("Built 1 derivation"))
        .count();
    assert_eq!(built, 1);
}
