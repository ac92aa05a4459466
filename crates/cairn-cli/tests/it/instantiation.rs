//! `cairn instantiate`, `cairn build` and `cairn eval --read-write-mode`
//! on a chroot store under the test's directory.

use std::path::Path;

use crate::common::{TestContext, stdout_of};

/// The fixtures of cairn-glue, whose expected `.drv` paths come from Nix 2.8.
fn glue_fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cairn-glue/tests/fixtures")
}

#[test]
fn instantiate_prints_what_nix_prints_and_writes_the_drv_files() {
    let t = TestContext::new();
    let store = t.path().join("store");
    let file = glue_fixtures().join("attrset.nix");
    let out = t.run(&[
        "instantiate",
        "--store",
        store.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: String = std::fs::read_to_string(glue_fixtures().join("attrset.exp"))
        .unwrap()
        .lines()
        .map(|l| format!("{}\n", l.split(' ').next().unwrap()))
        .collect();
    assert_eq!(stdout_of(&out), expected);
    for line in expected.lines() {
        let drv = store.join(line.trim_start_matches('/'));
        let nix = glue_fixtures().join("drvs").join(drv.file_name().unwrap());
        assert_eq!(std::fs::read(&drv).unwrap(), std::fs::read(nix).unwrap());
    }

    // -A selects, --argstr passes arguments.
    let out = t.run(&[
        "instantiate",
        "--store",
        store.to_str().unwrap(),
        "-E",
        "{ n }: { a = derivation { name = n; builder = \"/bin/sh\"; system = \"x86_64-linux\"; }; }",
        "--argstr",
        "n",
        "hello",
        "-A",
        "a",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout_of(&out),
        "/nix/store/x0sj6ynccvc1a8kxr8fifnlf7qlxw6hd-hello.drv\n"
    );
}

#[test]
fn eval_is_read_only_unless_asked() {
    let t = TestContext::new();
    let store = t.path().join("store");
    let expr = "builtins.toFile \"greeting\" \"hello\"";
    let out = t.run(&["eval", "--store", store.to_str().unwrap(), "-E", expr]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = stdout_of(&out);
    let path = printed.trim().trim_matches('"').to_string();
    assert!(!store.join(path.trim_start_matches('/')).exists());

    let out = t.run(&[
        "eval",
        "--read-write-mode",
        "--store",
        store.to_str().unwrap(),
        "-E",
        expr,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_of(&out), printed);
    assert_eq!(
        std::fs::read_to_string(store.join(path.trim_start_matches('/'))).unwrap(),
        "hello"
    );
}

#[test]
fn build_evaluates_instantiates_builds_and_links_result() {
    let t = TestContext::new();
    let store = t.path().join("store");
    let tree = t.path().join("busybox");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", tree.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", tree.join("bin/sh")).unwrap();
    let added = t.run(&[
        "store",
        "add",
        "--store",
        store.to_str().unwrap(),
        tree.to_str().unwrap(),
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let busybox = stdout_of(&added).trim().to_string();
    let expr = format!(
        "let bb = builtins.storePath \"{busybox}\"; in derivation {{ name = \"greeting\"; \
         system = builtins.currentSystem; builder = \"${{bb}}/bin/sh\"; \
         args = [ \"-c\" \"${{bb}}/bin/busybox echo hello > $out\" ]; }}"
    );
    let out = t.run(&["build", "--store", store.to_str().unwrap(), "-E", &expr]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = stdout_of(&out).trim().to_string();
    assert!(built.ends_with("-greeting"), "{built}");
    assert_eq!(
        std::fs::read_to_string(t.path().join("result")).unwrap(),
        "hello\n"
    );
    // Already valid: nothing is built again, and --no-link makes no link.
    std::fs::remove_file(t.path().join("result")).unwrap();
    let out = t.run(&[
        "build",
        "--store",
        store.to_str().unwrap(),
        "--no-link",
        "-E",
        &expr,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_of(&out).trim(), built);
    assert!(!t.path().join("result").exists());
}
