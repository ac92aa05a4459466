//! From a [`SandboxSpec`] to the exact list of system calls the sandbox
//! process makes before it executes the program.
//!
//! The child of `clone(2)` lives in a copy of a possibly multi-threaded
//! process: another thread may have held the allocator's lock at the moment
//! of the copy, so the child must not allocate. Everything it needs — every
//! path as a `CString`, every file's bytes, the order of the mounts — is
//! therefore decided here, in the parent, with ordinary code. The child
//! ([`crate::child`]) only walks the list. Each [`Op`] has a [`SetupStep`]
//! at the same index, so a failure reported by the child as "op *i*, errno
//! *e*" becomes an error naming the path.
//!
//! How the tree is built, and why in this order:
//!
//! 1. The host's root directory is opened (`O_PATH`): bind sources are
//!    found relative to it later, when a tmpfs covers `/`.
//! 2. A fresh tmpfs is attached over `/` (in the private mount namespace)
//!    and becomes the working directory; every later path is relative to it.
//!    It does not hide the sources, which are found through the handle (a
//!    tmpfs on `/tmp`, another common trick, would hide build directories
//!    there).
//! 3. Each bind, in target order: its mount point, a detached copy of the
//!    source's mount tree (`open_tree` with `OPEN_TREE_CLONE`, recursive),
//!    its flags (`mount_setattr`: nosuid, read-only recursively), and its
//!    attachment (`move_mount`). One copy is open at a time, so thousands
//!    of binds fit in any descriptor limit. Target order attaches an
//!    enclosing bind first, so a bind can sit inside another: read-only
//!    inputs inside a writable `/nix/store` scratch directory (Nix's
//!    chroot layout, where the builder creates `$out`), or a writable
//!    output inside a read-only store. A mount point inside a writable
//!    bind is created in that bind's source on the host if missing; inside
//!    a read-only bind it must exist.
//! 4. `/dev` entries, `/dev/shm`, `/dev/pts`, `/proc`, names, `lo`.
//! 5. `pivot_root(".", ".")` and a lazy unmount of the host's tree.
//! 6. Process attributes and `execve`.

use std::collections::BTreeSet;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, SetupStep};
use crate::spec::SandboxSpec;

/// One step of the child's setup. Paths are relative to the new root
/// (its tmpfs is the working directory) unless they say otherwise.
#[derive(Debug)]
pub(crate) enum Op {
    /// Every signal to its default action, none blocked: the caller's
    /// dispositions (Rust ignores `SIGPIPE`) must not leak into the program.
    ResetSignals,
    /// Switch to the sandbox's gid (dropping supplementary groups when
    /// allowed) and uid.
    SwitchIds {
        uid: u32,
        gid: u32,
        drop_groups: bool,
    },
    /// Die with the parent (`PR_SET_PDEATHSIG`), and die now if it is gone.
    DieWithParent,
    /// Make every mount private so nothing propagates back to the host.
    PrivateMounts,
    /// Open the host's root directory (`O_PATH`), kept until `PivotRoot`.
    HostRoot,
    /// Clone the mount tree at `source` (relative to the host's root) as a
    /// detached tree, the current one.
    Capture { source: CString },
    /// Make the current tree nosuid, and read-only if asked; recursive.
    Restrict { read_only: bool },
    /// A tmpfs attached over `/`, made the working directory.
    RootTmpfs,
    /// `mkdir` with exactly this mode (the umask is 0 during setup),
    /// unless it exists.
    MakeDir { path: CString, mode: u32 },
    /// Create an empty file to mount on, unless it exists.
    MountPointFile(CString),
    /// Create a regular file with these bytes (it must not exist).
    MakeFile {
        path: CString,
        mode: u32,
        contents: Vec<u8>,
    },
    /// `symlink(target, path)`.
    Symlink { target: CString, path: CString },
    /// Attach the current tree at `path` and close it.
    Attach { path: CString },
    /// Mount a kernel file system.
    Mount {
        fstype: &'static CStr,
        path: CString,
        data: CString,
        flags: u64,
        optional: bool,
    },
    /// `sethostname`.
    Hostname(CString),
    /// `setdomainname`.
    Domainname(CString),
    /// Bring `lo` up in the new network namespace.
    Loopback,
    /// `pivot_root(".", ".")`, detach the old root.
    PivotRoot,
    /// `chdir` to an absolute path inside.
    ChangeDir(CString),
    /// `RLIMIT_NPROC`.
    LimitProcesses(u64),
    /// `RLIMIT_CORE` 0 (soft), as Nix does.
    NoCoreDumps,
    /// `setsid`.
    NewSession,
    /// `PR_SET_NO_NEW_PRIVS`.
    NoNewPrivileges,
    /// Install [`Plan::seccomp`] (after `NoNewPrivileges`).
    Seccomp,
    /// stdin from `/dev/null`, stdout and stderr to the log pipe; umask 022.
    Stdio,
    /// Mark every descriptor above 2 close-on-exec.
    CloseFds,
    /// `execve`.
    Exec,
}

/// [`Op::Mount`] flags (`MS_*`).
pub(crate) const MS_NOSUID: u64 = libc::MS_NOSUID;
/// See [`MS_NOSUID`].
pub(crate) const MS_NODEV: u64 = libc::MS_NODEV;
/// See [`MS_NOSUID`].
pub(crate) const MS_NOEXEC: u64 = libc::MS_NOEXEC;

/// The child's complete program.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The steps, in order.
    pub(crate) ops: Vec<Op>,
    /// What each step is, for error messages (same length as `ops`).
    pub(crate) steps: Vec<SetupStep>,
    /// Absolute path inside.
    pub(crate) program: CString,
    /// `argv`, starting with `argv[0]`.
    pub(crate) argv: Vec<CString>,
    /// `NAME=VALUE` strings.
    pub(crate) envp: Vec<CString>,
    /// The system-call filter, when there is one.
    pub(crate) seccomp: Vec<crate::seccomp::Instruction>,
}

/// A host tree to capture and attach.
struct Attachment {
    source: PathBuf,
    target: PathBuf,
    is_dir: bool,
    writable: bool,
}

/// Host device nodes bound into `/dev`, and whether a missing one is an
/// error.
const DEVICE_NODES: [(&str, bool); 6] = [
    ("/dev/null", true),
    ("/dev/zero", false),
    ("/dev/full", false),
    ("/dev/random", false),
    ("/dev/urandom", false),
    ("/dev/tty", false),
];

impl Plan {
    /// Plans `spec` (which must have passed [`SandboxSpec::validate`]).
    /// Looks at the bind sources on the host to know files from
    /// directories and to skip missing optional ones.
    pub(crate) fn new(spec: &SandboxSpec, drop_groups: bool) -> Result<Plan, SandboxError> {
        let mut plan = Plan {
            ops: Vec::new(),
            steps: Vec::new(),
            program: cstring(spec.program.as_os_str(), "program")?,
            argv: Vec::new(),
            envp: Vec::new(),
            seccomp: Vec::new(),
        };
        let argv0 = spec.program.file_name().unwrap_or(spec.program.as_os_str());
        plan.argv.push(cstring(argv0, "argument")?);
        for arg in &spec.args {
            plan.argv.push(cstring(arg, "argument")?);
        }
        for (name, value) in &spec.env {
            if name.is_empty() || name.as_bytes().contains(&b'=') {
                return Err(SandboxError::InvalidSpec {
                    reason: format!(
                        "the environment variable name '{}' is empty or contains '='",
                        name.to_string_lossy()
                    ),
                });
            }
            let mut entry = name.clone().into_vec();
            entry.push(b'=');
            entry.extend_from_slice(value.as_bytes());
            plan.envp
                .push(cstring(OsStr::from_bytes(&entry), "environment variable")?);
        }

        let attachments = attachments(spec)?;

        let (uid, gid) = (spec.uid, spec.gid);
        plan.push(
            Op::ResetSignals,
            SetupStep::ProcessAttribute("signal dispositions"),
        );
        plan.push(
            Op::SwitchIds {
                uid,
                gid,
                drop_groups,
            },
            SetupStep::SwitchIds { uid, gid },
        );
        plan.push(
            Op::DieWithParent,
            SetupStep::ProcessAttribute("parent-death signal"),
        );
        plan.push(Op::PrivateMounts, SetupStep::PrivateMounts);

        // 1. A handle on the host's tree, to find bind sources in after
        //    the tmpfs covers it.
        let mut devices = Vec::new();
        for (node, required) in DEVICE_NODES {
            match std::fs::metadata(node) {
                Ok(_) => devices.push(node),
                Err(err) if err.kind() == io::ErrorKind::NotFound && !required => {}
                Err(source) => {
                    return Err(SandboxError::Setup {
                        step: SetupStep::InspectBindSource(PathBuf::from(node)),
                        source,
                    });
                }
            }
        }
        plan.push(Op::HostRoot, SetupStep::HostRoot);

        // 2. The new root.
        plan.push(Op::RootTmpfs, SetupStep::RootFileSystem);

        // 3. The sandbox's own directories and files, then each attachment
        //    with its mount point made just before it.
        let targets: Vec<&Path> = attachments.iter().map(|a| a.target.as_path()).collect();
        let mut dirs = BTreeSet::new();
        for dir in ["/dev", "/dev/shm", "/dev/pts", "/proc", "/tmp"] {
            dirs.insert(PathBuf::from(dir));
        }
        for file in &spec.files {
            if targets.iter().any(|t| file.path.starts_with(t)) {
                return Err(SandboxError::InvalidSpec {
                    reason: format!(
                        "the file '{}' would be written into a bind mount; files may only go \
                         to the sandbox's own directories",
                        file.path.display()
                    ),
                });
            }
            add_ancestors(&mut dirs, &file.path);
        }
        // BTreeSet order puts every directory after its parent.
        for dir in &dirs {
            let mode = match dir.to_str() {
                Some("/tmp" | "/dev/shm") => 0o1777,
                _ => 0o755,
            };
            plan.push(
                Op::MakeDir {
                    path: relative(dir)?,
                    mode,
                },
                SetupStep::CreateDir(dir.clone()),
            );
        }
        for file in &spec.files {
            plan.push(
                Op::MakeFile {
                    path: relative(&file.path)?,
                    mode: file.mode,
                    contents: file.contents.clone(),
                },
                SetupStep::CreateFile(file.path.clone()),
            );
        }
        // Sorted by target, an enclosing bind is attached before the binds
        // inside it.
        let mut order: Vec<usize> = (0..attachments.len()).collect();
        order.sort_by(|&a, &b| attachments[a].target.cmp(&attachments[b].target));
        for &index in &order {
            let attachment = &attachments[index];
            plan.bind(
                &attachment.source,
                &attachment.target,
                attachment.is_dir,
                !attachment.writable,
            )?;
        }

        // 4. /dev, /proc, names, loopback.
        for node in &devices {
            // Device nodes keep their flags: nosuid is harmless, but
            // nodev would make them useless.
            plan.bind(Path::new(node), Path::new(node), false, false)?;
        }
        for (target, path) in [
            ("/proc/self/fd", "/dev/fd"),
            ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"),
            ("/proc/self/fd/2", "/dev/stderr"),
            ("pts/ptmx", "/dev/ptmx"),
        ] {
            plan.push(
                Op::Symlink {
                    target: c(target),
                    path: relative(Path::new(path))?,
                },
                SetupStep::CreateSymlink(PathBuf::from(path)),
            );
        }
        plan.mount(
            c"tmpfs",
            "/dev/shm",
            "mode=1777",
            MS_NOSUID | MS_NODEV,
            false,
        );
        // Optional: a kernel without unprivileged devpts only loses ptys.
        plan.mount(
            c"devpts",
            "/dev/pts",
            "newinstance,ptmxmode=0666,mode=0620",
            MS_NOSUID | MS_NOEXEC,
            true,
        );
        plan.mount(
            c"proc",
            "/proc",
            "",
            MS_NOSUID | MS_NODEV | MS_NOEXEC,
            false,
        );
        plan.push(
            Op::Hostname(cstring(OsStr::new(&spec.hostname), "host name")?),
            SetupStep::SetName("host name"),
        );
        plan.push(
            Op::Domainname(cstring(OsStr::new(&spec.domainname), "domain name")?),
            SetupStep::SetName("domain name"),
        );
        if !spec.network {
            plan.push(Op::Loopback, SetupStep::Loopback);
        }

        // 5. The switch.
        plan.push(Op::PivotRoot, SetupStep::PivotRoot);
        plan.push(
            Op::ChangeDir(cstring(
                spec.sandbox_build_dir.as_os_str(),
                "build directory",
            )?),
            SetupStep::ChangeDir(spec.sandbox_build_dir.clone()),
        );

        // 6. The process.
        if let Some(max) = spec.max_processes {
            plan.push(
                Op::LimitProcesses(u64::from(max)),
                SetupStep::ResourceLimit("process count"),
            );
        }
        plan.push(Op::NoCoreDumps, SetupStep::ResourceLimit("core dump size"));
        plan.push(Op::NewSession, SetupStep::ProcessAttribute("session"));
        plan.push(
            Op::NoNewPrivileges,
            SetupStep::ProcessAttribute("no-new-privileges flag"),
        );
        if spec.filter_syscalls
            && let Some(filter) = crate::seccomp::filter()
        {
            plan.seccomp = filter;
            plan.push(
                Op::Seccomp,
                SetupStep::ProcessAttribute("system-call filter"),
            );
        }
        plan.push(Op::Stdio, SetupStep::Stdio);
        plan.push(Op::CloseFds, SetupStep::CloseFds);
        plan.push(Op::Exec, SetupStep::Exec(spec.program.clone()));
        Ok(plan)
    }

    fn push(&mut self, op: Op, step: SetupStep) {
        self.ops.push(op);
        self.steps.push(step);
    }

    /// Binds host `source` at `target`: mount point, copy of the source's
    /// mount tree, its flags, attachment. One tree is open at a time, so
    /// any number of binds fits in the descriptor limit.
    fn bind(
        &mut self,
        source: &Path,
        target: &Path,
        is_dir: bool,
        read_only: bool,
    ) -> Result<(), SandboxError> {
        let step = SetupStep::BindMount {
            source_path: source.to_owned(),
            target: target.to_owned(),
        };
        self.mount_point(target, is_dir)?;
        // Relative to the host's root (".": the root itself).
        let from_root = source.strip_prefix("/").unwrap_or(source);
        let from_root = if from_root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            from_root
        };
        self.push(
            Op::Capture {
                source: cstring(from_root.as_os_str(), "bind source")?,
            },
            step.clone(),
        );
        self.push(
            Op::Restrict { read_only },
            SetupStep::MakeReadOnly(target.to_owned()),
        );
        self.push(
            Op::Attach {
                path: relative(target)?,
            },
            step,
        );
        Ok(())
    }

    /// Makes the mount point `path` (a directory or an empty file) and its
    /// missing parents. Existing ones are fine: inside a read-only bind
    /// they must exist already (`mkdir` and `mknod` report `EEXIST` before
    /// `EROFS`); inside a writable bind they are created in its source, on
    /// the host.
    fn mount_point(&mut self, path: &Path, is_dir: bool) -> Result<(), SandboxError> {
        let mut ancestors: Vec<&Path> = path.ancestors().skip(1).collect();
        ancestors.reverse();
        for dir in ancestors.into_iter().filter(|dir| *dir != Path::new("/")) {
            self.push(
                Op::MakeDir {
                    path: relative(dir)?,
                    mode: 0o755,
                },
                SetupStep::CreateDir(dir.to_owned()),
            );
        }
        if is_dir {
            self.push(
                Op::MakeDir {
                    path: relative(path)?,
                    mode: 0o755,
                },
                SetupStep::CreateDir(path.to_owned()),
            );
        } else {
            self.push(
                Op::MountPointFile(relative(path)?),
                SetupStep::CreateFile(path.to_owned()),
            );
        }
        Ok(())
    }

    fn mount(&mut self, fstype: &'static CStr, path: &str, data: &str, flags: u64, optional: bool) {
        let name = fstype.to_str().unwrap_or("a file system");
        self.push(
            Op::Mount {
                fstype,
                path: c(path.trim_start_matches('/')),
                data: c(data),
                flags,
                optional,
            },
            SetupStep::MountFileSystem {
                fstype: name,
                target: PathBuf::from(path),
            },
        );
    }
}

/// The bind mounts to make: the build directory and the spec's binds whose
/// sources exist.
fn attachments(spec: &SandboxSpec) -> Result<Vec<Attachment>, SandboxError> {
    let mut out = Vec::new();
    let build = std::fs::metadata(&spec.build_dir).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            SandboxError::MissingBindSource {
                source_path: spec.build_dir.clone(),
                target: spec.sandbox_build_dir.clone(),
            }
        } else {
            SandboxError::Setup {
                step: SetupStep::InspectBindSource(spec.build_dir.clone()),
                source,
            }
        }
    })?;
    if !build.is_dir() {
        return Err(SandboxError::InvalidSpec {
            reason: format!(
                "the build directory '{}' is not a directory",
                spec.build_dir.display()
            ),
        });
    }
    out.push(Attachment {
        source: spec.build_dir.clone(),
        target: spec.sandbox_build_dir.clone(),
        is_dir: true,
        writable: true,
    });
    for bind in &spec.binds {
        match std::fs::metadata(&bind.source) {
            Ok(metadata) => out.push(Attachment {
                source: bind.source.clone(),
                target: bind.target.clone(),
                is_dir: metadata.is_dir(),
                writable: bind.writable,
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                if !bind.optional {
                    return Err(SandboxError::MissingBindSource {
                        source_path: bind.source.clone(),
                        target: bind.target.clone(),
                    });
                }
            }
            Err(source) => {
                return Err(SandboxError::Setup {
                    step: SetupStep::InspectBindSource(bind.source.clone()),
                    source,
                });
            }
        }
    }
    Ok(out)
}

/// Adds every proper ancestor of `path` except `/`.
fn add_ancestors(dirs: &mut BTreeSet<PathBuf>, path: &Path) {
    for ancestor in path.ancestors().skip(1) {
        if ancestor != Path::new("/") {
            dirs.insert(ancestor.to_owned());
        }
    }
}

/// `/a/b` → `a/b`, for use relative to the new root.
fn relative(path: &Path) -> Result<CString, SandboxError> {
    let stripped = path.strip_prefix("/").unwrap_or(path);
    cstring(stripped.as_os_str(), "path")
}

fn cstring(text: &OsStr, what: &str) -> Result<CString, SandboxError> {
    CString::new(text.as_bytes()).map_err(|_| SandboxError::InvalidSpec {
        reason: format!(
            "the {what} '{}' contains a NUL byte",
            text.to_string_lossy()
        ),
    })
}

/// A constant without NUL bytes.
fn c(text: &str) -> CString {
    CString::new(text).unwrap_or_default()
}

/// For the tests and debugging: the `OsString` of a planned path.
#[cfg(test)]
fn show(path: &CString) -> std::ffi::OsString {
    std::ffi::OsString::from_vec(path.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Bind;

    use std::ffi::OsString;

    fn attach_order(plan: &Plan) -> Vec<OsString> {
        plan.ops
            .iter()
            .filter_map(|op| match op {
                Op::Attach { path, .. } => Some(show(path)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn steps_match_ops_and_binds_attach_parents_first() {
        let build = tempfile::tempdir().unwrap();
        let store = tempfile::tempdir().unwrap();
        std::fs::create_dir(store.path().join("out")).unwrap();
        let mut spec = SandboxSpec::new("/bin/sh", build.path());
        spec.binds
            .push(Bind::writable(store.path().join("out")).at("/nix/store/out"));
        spec.binds
            .push(Bind::read_only(store.path()).at("/nix/store"));
        spec.binds
            .push(Bind::read_only("/does/not/exist").optional());
        spec.binds
            .push(Bind::read_only("/bin/busybox").at("/bin/sh"));
        let plan = Plan::new(&spec, true).unwrap();
        assert_eq!(plan.ops.len(), plan.steps.len());
        let order = attach_order(&plan);
        assert_eq!(
            &order[..4],
            ["bin/sh", "build", "nix/store", "nix/store/out"]
        );
        // Each mount point is made right before its attachment.
        let sequence: Vec<String> = plan
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::MakeDir { path, .. } => Some(format!("mkdir {}", show(path).display())),
                Op::MountPointFile(path) => Some(format!("mknod {}", show(path).display())),
                Op::Attach { path, .. } => Some(format!("attach {}", show(path).display())),
                _ => None,
            })
            .filter(|line| line.contains(" nix") || line.contains(" bin"))
            .collect();
        assert_eq!(
            sequence,
            [
                "mkdir bin",
                "mknod bin/sh",
                "attach bin/sh",
                "mkdir nix",
                "mkdir nix/store",
                "attach nix/store",
                "mkdir nix",
                "mkdir nix/store",
                "mkdir nix/store/out",
                "attach nix/store/out",
            ]
        );
        assert_eq!(plan.argv[0].as_bytes(), b"sh");
    }

    #[test]
    fn missing_bind_source_is_named() {
        let build = tempfile::tempdir().unwrap();
        let mut spec = SandboxSpec::new("/bin/sh", build.path());
        spec.binds.push(Bind::read_only("/nix/store/missing"));
        let err = Plan::new(&spec, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot bind-mount '/nix/store/missing' into the sandbox at '/nix/store/missing': \
             it does not exist"
        );
    }

    #[test]
    fn files_inside_binds_are_refused() {
        let build = tempfile::tempdir().unwrap();
        let mut spec = SandboxSpec::new("/bin/sh", build.path());
        spec.files.push(crate::SandboxFile {
            path: PathBuf::from("/build/x"),
            contents: Vec::new(),
            mode: 0o644,
        });
        let err = Plan::new(&spec, true).unwrap_err();
        assert!(
            err.to_string()
                .contains("'/build/x' would be written into a bind mount")
        );
    }

    #[test]
    fn environment_names_are_checked() {
        let build = tempfile::tempdir().unwrap();
        let mut spec = SandboxSpec::new("/bin/sh", build.path());
        spec.env.push(("A=B".into(), "c".into()));
        let err = Plan::new(&spec, true).unwrap_err();
        assert!(err.to_string().contains("'A=B' is empty or contains '='"));
    }
}
