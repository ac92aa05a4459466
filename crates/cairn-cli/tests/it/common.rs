//! The test context: a temporary directory, a cleared environment and
//! output scrubbing.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The directory of committed Nix 2.8 outputs.
pub(crate) fn nix_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/nix-2.8")
}

/// A temporary working directory in which `cairn` runs with a cleared
/// environment: `HOME`, `CAIRN_CONF_DIR`, `CAIRN_APT_DIR` and `TMPDIR` point
/// inside it (so no host configuration, apt's sources included, leaks in,
/// and build directories of killed builds go away with the test) and
/// `NO_COLOR` is set.
pub(crate) struct TestContext {
    dir: tempfile::TempDir,
}

impl TestContext {
    pub(crate) fn new() -> TestContext {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        TestContext { dir }
    }

    /// The working directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `cairn` command with no arguments yet.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
        command
            .current_dir(self.path())
            .env_clear()
            .env("HOME", self.path().join("home"))
            .env("CAIRN_CONF_DIR", self.path().join("etc"))
            .env("CAIRN_APT_DIR", self.path().join("etc/apt"))
            .env("TMPDIR", self.path().join("tmp"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    /// Runs `cairn ARGS…`.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs `cairn ARGS…` with `input` on standard input.
    pub(crate) fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The command may exit before reading everything; that is its business.
        let _ = child.stdin.take().unwrap().write_all(input);
        child.wait_with_output().unwrap()
    }

    /// Exit code, stdout and stderr as one text, with the temporary
    /// directory replaced by `[TEMP]`.
    pub(crate) fn transcript(&self, output: &Output) -> String {
        let text = format!(
            "exit_code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            output
                .status
                .code()
                .map_or("signal".to_owned(), |c| c.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        self.scrub(&text)
    }

    /// Replaces the temporary directory (also as its canonical path) by
    /// `[TEMP]`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let canonical = self.path().canonicalize().unwrap();
        text.replace(canonical.to_str().unwrap(), "[TEMP]")
            .replace(self.path().to_str().unwrap(), "[TEMP]")
    }

    /// Builds the reference tree of `fixtures/generate.sh` at `tree/`:
    ///
    /// ```text
    /// tree/abs -> /nonexistent/target   tree/empty/          tree/link -> hello.txt
    /// tree/bin/run (executable)         tree/hello.txt       tree/sub/deep/file
    /// ```
    pub(crate) fn make_tree(&self) -> PathBuf {
        let tree = self.path().join("tree");
        std::fs::create_dir_all(tree.join("bin")).unwrap();
        std::fs::create_dir_all(tree.join("empty")).unwrap();
        std::fs::create_dir_all(tree.join("sub/deep")).unwrap();
        std::fs::write(tree.join("hello.txt"), "hello\n").unwrap();
        std::fs::write(tree.join("bin/run"), "#!/bin/sh\necho run\n").unwrap();
        std::fs::set_permissions(tree.join("bin/run"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::write(tree.join("sub/deep/file"), "deep\n").unwrap();
        std::os::unix::fs::symlink("hello.txt", tree.join("link")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/target", tree.join("abs")).unwrap();
        tree
    }

    /// Copies Nix's NAR of the reference tree to `tree.nar`.
    pub(crate) fn copy_tree_nar(&self) -> PathBuf {
        let nar = self.path().join("tree.nar");
        std::fs::copy(nix_fixtures().join("tree.nar"), &nar).unwrap();
        nar
    }
}

/// Asserts that the command succeeded and returns its standard output.
pub(crate) fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "command failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}
