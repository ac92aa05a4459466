//! Runs a program in a Linux sandbox, the way Nix runs builders.
//!
//! This crate knows nothing of derivations or stores: it takes a
//! [`SandboxSpec`] — a program, its arguments and complete environment, host
//! paths to bind, a build directory, limits — and runs it isolated:
//!
//! * **Namespaces**: a new user namespace (the program runs as
//!   [`SandboxSpec::uid`]/[`SandboxSpec::gid`], 1000/100 like Nix, the only
//!   ids mapped, to the caller's ids or a chosen [`HostIds`]), mount, pid
//!   (the program is pid 1; when it exits or is killed, so is everything it
//!   started), uts (`localhost`), ipc, and network (only `lo`, up) unless
//!   [`SandboxSpec::network`].
//! * **File system**: an empty tmpfs root with the binds (read-only ones
//!   recursively read-only, all nosuid), the build directory at `/build`
//!   (the working directory), `/tmp`, a fresh `/proc`, a minimal `/dev`,
//!   and the given files (such as Nix's `/etc/passwd`,
//!   [`SandboxSpec::with_nix_etc_files`]); entered with `pivot_root`, the
//!   host's tree detached.
//! * **Process**: nothing inherited — no environment, no descriptors
//!   besides stdin (`/dev/null`) and stdout/stderr (one pipe to the
//!   caller, or a pseudo-terminal as in Nix), a new session,
//!   `no_new_privs`, Nix's system-call filter (no setuid/setgid modes, no
//!   extended attributes), no capabilities, signals at their defaults, core dumps
//!   off, an optional process-count limit (a `pids` cgroup of its own, or
//!   `RLIMIT_NPROC` when the sandbox user is not root on the host — the
//!   kernel exempts root from it; see [`ProcessLimit`]), killed if the
//!   calling thread dies.
//! * **Time**: a total [`SandboxSpec::timeout`] and a
//!   [`SandboxSpec::max_silent_time`], enforced with `poll` — no sleeping.
//!
//! [`run`] does all of it and returns an [`Outcome`]; [`Sandbox::spawn`] and
//! [`Sandbox::wait`] split it. Errors name the step and path ("cannot
//! bind-mount '/nix/store/…' into the sandbox at '/nix/store/…'"), including
//! failures inside the sandbox before the program starts, which the child
//! reports through a close-on-exec pipe.
//!
//! Module map: `spec` ([`SandboxSpec`], the data), `plan` (spec → the
//! list of system calls the child makes, prepared before forking),
//! `child` (`clone` and the child's side: the only `unsafe` code), `run`
//! (the parent's side: id maps, waiting, time limits, reaping), `cgroup`
//! (the `pids` cgroup behind [`SandboxSpec::max_processes`]), `seccomp`
//! (the BPF filter behind [`SandboxSpec::filter_syscalls`]).
//!
//! # Compared with Nix 2.8's sandbox
//!
//! Checked against the peer with a busybox builder: the same uid/gid
//! (1000/100, `nixbld`) and uid/gid maps, the same `/etc/passwd`,
//! `/etc/group` and `/etc/hosts` (with [`SandboxSpec::with_nix_etc_files`]),
//! host name `localhost`, domain `(none)`, `/build` as working directory,
//! the same `/dev` entries (Nix adds `/dev/kvm` when the host has it; bind
//! it), the builder as pid 1, core dumps off, umask 022, no capabilities,
//! `no_new_privs`, the same syscall filter. Differences: the root is a
//! tmpfs (Nix: a directory next to the store) with mode 0755 (Nix: 0750);
//! `/proc` is mounted nosuid,nodev,noexec; as root the supplementary groups
//! are dropped with `setgroups` allowed (Nix denies `setgroups`); output is
//! a pipe unless [`SandboxSpec::terminal_output`] (Nix: always a
//! pseudo-terminal).
//!
//! # Example
//!
//! ```no_run
//! use cairn_sandbox::{Bind, Outcome, SandboxSpec, run};
//!
//! let build = tempfile::tempdir().unwrap();
//! let mut spec = SandboxSpec::new("/bin/sh", build.path()).with_nix_etc_files();
//! spec.binds.push(Bind::read_only("/bin/busybox").at("/bin/sh"));
//! spec.args = vec!["-c".into(), "echo hello from $(pwd)".into()];
//! let mut output = Vec::new();
//! let outcome = run(&spec, &mut |bytes| output.extend_from_slice(bytes)).unwrap();
//! assert_eq!(outcome, Outcome::Exited(0));
//! assert_eq!(output, b"hello from /build\n");
//! ```

mod cgroup;
mod child;
mod error;
mod plan;
mod run;
mod seccomp;
mod spec;

pub use error::{SandboxError, SetupStep};
pub use run::{Outcome, PidsCgroupHandle, ProcessLimit, Sandbox, run};
pub use spec::{Bind, HostIds, SandboxFile, SandboxSpec};
