//! Running a builder in `cairn-sandbox`: a derivation-free description of
//! the run ([`RunRequest`]) turned into a [`SandboxSpec`].
//!
//! Nix's sandbox contents are reproduced here: its `/etc/passwd`,
//! `/etc/group` and `/etc/hosts`; and for fixed-output derivations, which
//! get the host's network, the host's `/etc/resolv.conf` and
//! `/etc/services` (when present) and its `/etc/hosts` instead of the
//! generated one, so names resolve.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cairn_sandbox::{Bind, Outcome, SandboxError, SandboxSpec};

/// A host path visible in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunBind {
    pub source: PathBuf,
    pub target: PathBuf,
    pub writable: bool,
    pub optional: bool,
}

/// One builder run.
#[derive(Debug, Clone)]
pub(crate) struct RunRequest {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
    pub binds: Vec<RunBind>,
    pub build_dir: PathBuf,
    pub network: bool,
    pub timeout: Option<Duration>,
    pub max_silent_time: Option<Duration>,
    pub max_processes: Option<u32>,
}

/// How the builder ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunStatus {
    Exited(i32),
    Signaled(i32),
    TimedOut(Duration),
    Silent(Duration),
}

/// Runs `request`, passing the builder's output to `log` as it arrives.
pub(crate) fn run(
    request: RunRequest,
    log: &mut dyn FnMut(&[u8]),
) -> Result<RunStatus, Box<dyn std::error::Error + Send + Sync>> {
    let mut spec = SandboxSpec::new(request.program, request.build_dir).with_nix_etc_files();
    spec.args = request.args;
    spec.env = request.env;
    spec.network = request.network;
    spec.timeout = request.timeout;
    spec.max_silent_time = request.max_silent_time;
    let mut binds: Vec<Bind> = request
        .binds
        .into_iter()
        .map(|b| Bind {
            source: b.source,
            target: b.target,
            writable: b.writable,
            optional: b.optional,
        })
        .collect();
    if spec.network {
        spec.files
            .retain(|file| file.path != Path::new("/etc/hosts"));
        for file in ["/etc/resolv.conf", "/etc/services", "/etc/hosts"] {
            if !binds.iter().any(|b| b.target == Path::new(file)) {
                binds.push(Bind::read_only(file).optional());
            }
        }
    }
    // A `sandbox-paths` entry for a path the sandbox writes itself (such
    // as `/etc/hosts`) wins over the generated file.
    spec.files
        .retain(|file| !binds.iter().any(|b| b.target == file.path));
    spec.binds = binds;
    spec.max_processes = request.max_processes;
    let outcome = match cairn_sandbox::run(&spec, log) {
        // Root on a host offering no `pids` cgroup: the cap cannot be
        // enforced. Refusing every build there would make the builder
        // unusable, so the build runs uncapped (as in Nix) and its log
        // says so.
        Err(err @ SandboxError::ProcessLimitUnavailable { .. }) => {
            log(format!("warning: {err}; building without a process limit\n").as_bytes());
            spec.max_processes = None;
            cairn_sandbox::run(&spec, log)?
        }
        other => other?,
    };
    Ok(match outcome {
        Outcome::Exited(code) => RunStatus::Exited(code),
        Outcome::Signalled(signal) => RunStatus::Signaled(signal),
        Outcome::TimedOut(limit) => RunStatus::TimedOut(limit),
        Outcome::Silent(limit) => RunStatus::Silent(limit),
    })
}
