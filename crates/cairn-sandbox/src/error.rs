//! Errors: what failed, on which path, and the operating system's reason.

use std::io;
use std::path::PathBuf;

/// Why a sandbox could not be created or watched.
///
/// A failure of the program itself is not an error: it is an
/// [`Outcome`](crate::Outcome).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The spec is inconsistent; found before anything was created.
    #[error("invalid sandbox specification: {reason}")]
    InvalidSpec {
        /// What is wrong, naming the field and path.
        reason: String,
    },
    /// A bind source that is not optional does not exist on the host.
    #[error("cannot bind-mount '{source_path}' into the sandbox at '{target}': it does not exist")]
    MissingBindSource {
        /// The host path.
        source_path: PathBuf,
        /// Where it was to appear inside.
        target: PathBuf,
    },
    /// [`SandboxSpec::max_processes`](crate::SandboxSpec::max_processes)
    /// was asked for, but nothing here can enforce it.
    #[error(
        "cannot limit the sandbox to {max} processes: no pids cgroup is writable here, and \
         RLIMIT_NPROC does not apply because the sandbox user is root (uid 0) on the host"
    )]
    ProcessLimitUnavailable {
        /// The limit asked for.
        max: u32,
    },
    /// One step of setting the sandbox up failed, on the host side or in
    /// the sandbox before the program was executed.
    #[error("cannot {step}")]
    Setup {
        /// The step, naming its paths.
        step: SetupStep,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
}

/// One step of making a sandbox, as named in [`SandboxError::Setup`]: the
/// message reads "cannot *step*".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetupStep {
    /// Looking at a bind source on the host.
    #[error("inspect the bind source '{0}'")]
    InspectBindSource(PathBuf),
    /// Creating a pipe to talk to the sandbox.
    #[error("create a pipe for the sandbox")]
    CreatePipe,
    /// Creating the pseudo-terminal for the program's output.
    #[error("create a pseudo-terminal for the sandbox's output")]
    PseudoTerminal,
    /// Preparing the process-count limit (a cgroup).
    #[error("set up the process limit in '{0}'")]
    ProcessLimit(PathBuf),
    /// `clone(2)` with new namespaces.
    #[error("create the sandbox process with new namespaces (user, mount, pid, uts, ipc{0})")]
    Clone(&'static str),
    /// Writing `/proc/PID/{uid_map,gid_map,setgroups}`.
    #[error("write the sandbox's id mapping '{0}'")]
    WriteIdMap(PathBuf),
    /// Reading the report of the sandbox's setup.
    #[error("read the sandbox's setup report")]
    ReadReport,
    /// Switching to the sandbox's uid and gid.
    #[error("switch to uid {uid} and gid {gid} in the sandbox")]
    SwitchIds {
        /// The uid inside.
        uid: u32,
        /// The gid inside.
        gid: u32,
    },
    /// Making the host's mounts private to the sandbox.
    #[error("make the host's mounts private to the sandbox")]
    PrivateMounts,
    /// Opening the host's root directory, where bind sources are found.
    #[error("open the host's root directory")]
    HostRoot,
    /// Taking a copy of a host mount tree to bind it.
    #[error("bind-mount '{source_path}' into the sandbox at '{target}'")]
    BindMount {
        /// Host path.
        source_path: PathBuf,
        /// Path inside.
        target: PathBuf,
    },
    /// Making a bind read-only (and nosuid).
    #[error("make the bind of '{0}' read-only")]
    MakeReadOnly(PathBuf),
    /// Creating the tmpfs that becomes the sandbox's root.
    #[error("create the sandbox's root file system (tmpfs)")]
    RootFileSystem,
    /// Creating a directory inside the sandbox.
    #[error("create the directory '{0}' in the sandbox")]
    CreateDir(PathBuf),
    /// Creating a file inside the sandbox.
    #[error("create the file '{0}' in the sandbox")]
    CreateFile(PathBuf),
    /// Creating a symbolic link inside the sandbox.
    #[error("create the symbolic link '{0}' in the sandbox")]
    CreateSymlink(PathBuf),
    /// Mounting a kernel file system (`proc`, `tmpfs`, `devpts`).
    #[error("mount {fstype} at '{target}' in the sandbox")]
    MountFileSystem {
        /// File system type.
        fstype: &'static str,
        /// Path inside.
        target: PathBuf,
    },
    /// Setting the host or domain name.
    #[error("set the sandbox's {0}")]
    SetName(&'static str),
    /// Bringing up the loopback interface.
    #[error("bring up the loopback interface 'lo' in the sandbox")]
    Loopback,
    /// `pivot_root` and detaching the host's tree.
    #[error("switch the sandbox's root (pivot_root) and detach the host's file systems")]
    PivotRoot,
    /// Changing to the working directory.
    #[error("change to the directory '{0}' in the sandbox")]
    ChangeDir(PathBuf),
    /// Setting a resource limit.
    #[error("set the sandbox's {0} limit")]
    ResourceLimit(&'static str),
    /// `setsid`, `PR_SET_NO_NEW_PRIVS`, `PR_SET_PDEATHSIG`.
    #[error("set the sandbox process's {0}")]
    ProcessAttribute(&'static str),
    /// Attaching standard input, output and error.
    #[error("attach the sandbox's standard input, output and error")]
    Stdio,
    /// Closing inherited file descriptors.
    #[error("close the file descriptors the sandbox inherited")]
    CloseFds,
    /// Executing the program.
    #[error("execute '{0}' in the sandbox")]
    Exec(PathBuf),
    /// Waiting for, or signalling, the sandbox.
    #[error("wait for the sandbox")]
    Wait,
    /// Reading the sandbox's output.
    #[error("read the sandbox's output")]
    ReadLog,
}
