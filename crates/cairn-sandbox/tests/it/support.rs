//! A sandbox with busybox as `/bin/sh` and nothing else.

use std::path::Path;

use cairn_sandbox::{Bind, Outcome, SandboxError, SandboxSpec, run};

/// The static busybox every test binds as `/bin/sh`.
pub(crate) const BUSYBOX: &str = "/bin/busybox";

/// A spec running `sh -c SCRIPT` in `build_dir`, with Nix's /etc files.
pub(crate) fn shell(build_dir: &Path, script: &str) -> SandboxSpec {
    let mut spec = SandboxSpec::new("/bin/sh", build_dir).with_nix_etc_files();
    spec.binds.push(Bind::read_only(BUSYBOX).at("/bin/sh"));
    spec.args = vec!["-c".into(), script.into()];
    spec.env = vec![("PATH".into(), "/path-not-set".into())];
    spec
}

/// Runs `spec`, collecting the output.
pub(crate) fn output(spec: &SandboxSpec) -> Result<(Outcome, String), SandboxError> {
    let mut out = Vec::new();
    let outcome = run(spec, &mut |bytes| out.extend_from_slice(bytes))?;
    Ok((outcome, String::from_utf8_lossy(&out).into_owned()))
}

/// Runs `sh -c SCRIPT` in a fresh build directory; the outcome and output.
pub(crate) fn sh(script: &str) -> (Outcome, String) {
    let build = tempfile::tempdir().unwrap();
    output(&shell(build.path(), script)).unwrap()
}

/// The full error message with its causes, as the CLI would print it.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether a host process has `marker` in its command line.
pub(crate) fn host_process_with(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| {
            cmdline
                .split(|&b| b == 0)
                .any(|arg| arg == marker.as_bytes())
        })
    })
}
