//! `mirror://NAME/…` URLs: `builtin:fetchurl` builds resolve them through
//! the `mirrors.NAME` setting, trying each base URL in order, and say
//! which setting to add when none is configured.

use cairn_hash::{Encoding, Hash, HashAlgo};
use insta::assert_snapshot;

use crate::common::TestContext;

/// A fixed-output `builtin:fetchurl` derivation of `url` whose flat
/// SHA-256 is that of `content`.
fn fetch_expression(url: &str, content: &[u8]) -> String {
    let hash = Hash::digest(HashAlgo::Sha256, content).encode(Encoding::Nix32, false);
    format!(
        "derivation {{ name = \"x.deb\"; builder = \"builtin:fetchurl\"; system = \"builtin\"; \
         url = \"{url}\"; outputHashMode = \"flat\"; outputHashAlgo = \"sha256\"; \
         outputHash = \"{hash}\"; }}"
    )
}

/// Two `file://` mirror directories, `a` (empty) and `b` (holding
/// `pool/x.deb`), as the value of a `mirrors.NAME` setting.
fn two_mirrors(context: &TestContext) -> String {
    let a = context.path().join("mirror-a");
    let b = context.path().join("mirror-b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(b.join("pool")).unwrap();
    std::fs::write(b.join("pool/x.deb"), b"the deb\n").unwrap();
    format!("file://{}/ file://{}", a.display(), b.display())
}

#[test]
fn a_build_falls_back_to_the_next_mirror() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let expression = fetch_expression("mirror://test/pool/x.deb", b"the deb\n");
    let output = context.run(&[
        "build",
        "--store",
        "root",
        "--no-link",
        "-E",
        &expression,
        "--option",
        "mirrors.test",
        &mirrors,
    ]);
    assert!(output.status.success(), "{}", context.transcript(&output));
    let path = String::from_utf8(output.stdout).unwrap();
    let path = path.trim().strip_prefix('/').unwrap();
    assert_eq!(
        std::fs::read(context.path().join("root").join(path)).unwrap(),
        b"the deb\n"
    );
}

#[test]
fn a_hash_mismatch_stays_fatal() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let expression = fetch_expression("mirror://test/pool/x.deb", b"another deb\n");
    let output = context.run(&[
        "build",
        "--store",
        "root",
        "--no-link",
        "-E",
        &expression,
        "--option",
        "mirrors.test",
        &mirrors,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("hash mismatch in fixed-output derivation"),
        "{stderr}"
    );
}

#[test]
fn every_mirror_failing_lists_each_url() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let expression = fetch_expression("mirror://test/pool/missing.deb", b"");
    let output = context.run(&[
        "build",
        "--store",
        "root",
        "--no-link",
        "-E",
        &expression,
        "--option",
        "mirrors.test",
        &mirrors,
    ]);
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    Building 1 derivation
       Building x.deb (1/1)
    error: unable to download 'mirror://test/pool/missing.deb': no mirror has it; tried 2 URLs:
             file://[TEMP]/mirror-a/pool/missing.deb: failed to open '[TEMP]/mirror-a/pool/missing.deb': No such file or directory (os error 2)
             file://[TEMP]/mirror-b/pool/missing.deb: failed to open '[TEMP]/mirror-b/pool/missing.deb': No such file or directory (os error 2)

      help: see the error above
    ");
}

#[test]
fn an_unconfigured_mirror_names_the_setting_to_add() {
    let context = TestContext::new();
    let expression = fetch_expression("mirror://test/pool/x.deb", b"the deb\n");
    let output = context.run(&["build", "--store", "root", "--no-link", "-E", &expression]);
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    Building 1 derivation
       Building x.deb (1/1)
    error: mirror://test/pool/x.deb: no mirror is configured for 'test'

      help: add `mirrors.test = URL …` to cairn.conf, or pass `--option mirrors.test URL`
    ");
}
