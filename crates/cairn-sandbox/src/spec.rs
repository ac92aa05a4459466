//! What to run and what the sandbox looks like: [`SandboxSpec`].
//!
//! A spec is plain data. It is checked ([`SandboxSpec::validate`]) and turned
//! into a list of system calls for the child ([`crate::plan`]) before any
//! process is created, so that every mistake that can be found without the
//! kernel is reported with the offending path and nothing is half set up.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::error::SandboxError;

/// A host path made visible inside the sandbox with a bind mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    /// The path on the host. Symbolic links in it are followed (by the
    /// kernel, as `mount --bind` does).
    pub source: PathBuf,
    /// Where it appears inside the sandbox (absolute).
    pub target: PathBuf,
    /// Whether the sandbox may write to it. Read-only binds are read-only
    /// recursively (every mount below the source, too).
    pub writable: bool,
    /// Whether a missing `source` is skipped instead of being an error
    /// (Nix's `path?` syntax in `sandbox-paths`).
    pub optional: bool,
}

impl Bind {
    /// A read-only bind of `source` at the same path inside.
    #[must_use]
    pub fn read_only(source: impl Into<PathBuf>) -> Bind {
        let source = source.into();
        Bind {
            target: source.clone(),
            source,
            writable: false,
            optional: false,
        }
    }

    /// A writable bind of `source` at the same path inside.
    #[must_use]
    pub fn writable(source: impl Into<PathBuf>) -> Bind {
        Bind {
            writable: true,
            ..Bind::read_only(source)
        }
    }

    /// The same bind, but at `target` inside the sandbox.
    #[must_use]
    pub fn at(mut self, target: impl Into<PathBuf>) -> Bind {
        self.target = target.into();
        self
    }

    /// The same bind, skipped when its source does not exist.
    #[must_use]
    pub fn optional(mut self) -> Bind {
        self.optional = true;
        self
    }
}

/// A regular file created inside the sandbox (on its private tmpfs) before
/// the program starts, such as `/etc/passwd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxFile {
    /// Absolute path inside the sandbox; missing parent directories are
    /// created (mode 0755).
    pub path: PathBuf,
    /// The file's bytes.
    pub contents: Vec<u8>,
    /// Permission bits, for example `0o644`.
    pub mode: u32,
}

/// Which host uid and gid the sandbox's user is, seen from outside.
///
/// Inside, the program runs as [`SandboxSpec::uid`]/[`SandboxSpec::gid`];
/// that is the only uid and gid mapped into the user namespace, so files the
/// builder creates on the host (in the build directory and writable binds)
/// belong to the host ids chosen here, and a chown to any other id fails
/// with `EINVAL`, as in Nix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostIds {
    /// The calling process's effective uid and gid. This is what Nix does in
    /// single-user mode (`build-users-group` empty): run as root, the
    /// builder is root outside; run as a user, it is that user. No privilege
    /// is needed.
    #[default]
    Caller,
    /// A given host uid and gid, typically an otherwise unused id reserved
    /// for builds (Nix's `nixbld1…N` users). Needs `CAP_SETUID` and
    /// `CAP_SETGID` (run as root). The caller must make the build directory
    /// and writable bind sources writable by this uid (chown them), must
    /// give each concurrently running sandbox its own uid if builds are not
    /// to see each other's processes through signals, and gets a sandbox
    /// whose escape would not be root on the host.
    Fixed {
        /// Host uid of the sandbox user.
        uid: u32,
        /// Host gid of the sandbox user.
        gid: u32,
    },
}

/// Everything about one sandboxed run.
///
/// Build one with [`SandboxSpec::new`], which fills in Nix's defaults, then
/// set fields. Inside, the root is an empty tmpfs holding only: the binds,
/// `build_dir` at `sandbox_build_dir` (the working directory), the `files`,
/// `/tmp` (mode 1777), a fresh `/proc`, and a minimal `/dev` (`null`, `zero`,
/// `full`, `random`, `urandom`, `tty`, `shm/`, `pts/`, `ptmx`, `fd`,
/// `stdin`, `stdout`, `stderr`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxSpec {
    /// The program to execute, as a path inside the sandbox (absolute). It
    /// must be reachable through a bind.
    pub program: PathBuf,
    /// Arguments after `argv[0]`. `argv[0]` is the program's file name, as
    /// Nix passes it.
    pub args: Vec<OsString>,
    /// The complete environment; nothing is inherited from the caller.
    pub env: Vec<(OsString, OsString)>,
    /// Host paths to make visible, in any order (mounted parents first).
    pub binds: Vec<Bind>,
    /// Host directory mounted writable at `sandbox_build_dir`.
    pub build_dir: PathBuf,
    /// Where `build_dir` appears inside; the program's working directory.
    /// `/build` by default, Nix's fixed build directory.
    pub sandbox_build_dir: PathBuf,
    /// `false`: a new network namespace whose only interface is `lo`, up.
    /// `true`: the host's network (for fixed-output fetches). Name
    /// resolution then needs `/etc/resolv.conf` and friends as binds.
    pub network: bool,
    /// `false`: stdout and stderr are one pipe. `true`: they are the slave
    /// side of a new pseudo-terminal in raw mode (no newline translation),
    /// as in Nix 2.8, so programs that ask `isatty(1)` answer as under Nix.
    /// Either way stdin is `/dev/null` and the caller reads one stream.
    pub terminal_output: bool,
    /// Refuse setuid/setgid modes (`EPERM`) and extended attributes
    /// (`ENOTSUP`) with a seccomp filter, as Nix's `filter-syscalls`
    /// (default on) does; see the `seccomp` module.
    pub filter_syscalls: bool,
    /// The host name inside (`localhost`).
    pub hostname: String,
    /// The NIS domain name inside (`(none)`, the kernel's default).
    pub domainname: String,
    /// The uid the program runs as inside (Nix: 1000).
    pub uid: u32,
    /// The gid the program runs as inside (Nix: 100).
    pub gid: u32,
    /// Who the sandbox user is on the host.
    pub host_ids: HostIds,
    /// Files written into the sandbox before the program starts.
    pub files: Vec<SandboxFile>,
    /// The most processes (and threads) that may exist in the sandbox at
    /// once; forks beyond fail with `EAGAIN`. `None`: no limit of ours.
    pub max_processes: Option<u32>,
    /// Kill the sandbox after this long.
    pub timeout: Option<Duration>,
    /// Kill the sandbox when it writes no output for this long.
    pub max_silent_time: Option<Duration>,
}

impl SandboxSpec {
    /// A spec running `program` with no arguments, an empty environment and
    /// no binds, with Nix's defaults: `/build`, no network, host name
    /// `localhost`, uid 1000 and gid 100 inside, the caller's ids outside,
    /// no `/etc` files, no limits.
    #[must_use]
    pub fn new(program: impl Into<PathBuf>, build_dir: impl Into<PathBuf>) -> SandboxSpec {
        SandboxSpec {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            binds: Vec::new(),
            build_dir: build_dir.into(),
            sandbox_build_dir: PathBuf::from("/build"),
            network: false,
            terminal_output: false,
            filter_syscalls: true,
            hostname: "localhost".to_owned(),
            domainname: "(none)".to_owned(),
            uid: 1000,
            gid: 100,
            host_ids: HostIds::Caller,
            files: Vec::new(),
            max_processes: None,
            timeout: None,
            max_silent_time: None,
        }
    }

    /// Adds the `/etc/passwd`, `/etc/group` and `/etc/hosts` that Nix 2.8
    /// writes into its sandbox, byte for byte, for this spec's uid, gid and
    /// build directory:
    ///
    /// ```text
    /// /etc/passwd  root:x:0:0:Nix build user:/build:/noshell
    ///              nixbld:x:1000:100:Nix build user:/build:/noshell
    ///              nobody:x:65534:65534:Nobody:/:/noshell
    /// /etc/group   root:x:0:
    ///              nixbld:!:100:
    ///              nogroup:x:65534:
    /// /etc/hosts   127.0.0.1 localhost
    ///              ::1 localhost
    /// ```
    ///
    /// With `network`, Nix binds the host's `/etc/hosts` instead; a caller
    /// doing the same should drop the generated one.
    #[must_use]
    pub fn with_nix_etc_files(mut self) -> SandboxSpec {
        let build = self.sandbox_build_dir.display();
        let (uid, gid) = (self.uid, self.gid);
        let passwd = format!(
            "root:x:0:0:Nix build user:{build}:/noshell\n\
             nixbld:x:{uid}:{gid}:Nix build user:{build}:/noshell\n\
             nobody:x:65534:65534:Nobody:/:/noshell\n"
        );
        let group = format!("root:x:0:\nnixbld:!:{gid}:\nnogroup:x:65534:\n");
        let hosts = "127.0.0.1 localhost\n::1 localhost\n";
        for (path, contents) in [
            ("/etc/passwd", passwd.into_bytes()),
            ("/etc/group", group.into_bytes()),
            ("/etc/hosts", hosts.as_bytes().to_vec()),
        ] {
            self.files.push(SandboxFile {
                path: PathBuf::from(path),
                contents,
                mode: 0o644,
            });
        }
        self
    }

    /// Checks what can be checked without the kernel: absolute, normal paths
    /// (no `.`/`..`), no two things at one target, no target inside the
    /// sandbox's own `/proc` or `/dev`, no NUL bytes, sane limits.
    ///
    /// # Errors
    ///
    /// [`SandboxError::InvalidSpec`] naming the field and path.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |what: String| Err(SandboxError::InvalidSpec { reason: what });
        check_inside_path("program", &self.program)?;
        check_inside_path("sandbox build directory", &self.sandbox_build_dir)?;
        if self.sandbox_build_dir == Path::new("/") {
            return invalid("the sandbox build directory cannot be '/'".to_owned());
        }
        if !self.build_dir.is_absolute() {
            return invalid(format!(
                "the build directory '{}' is not an absolute path",
                self.build_dir.display()
            ));
        }
        let mut targets: Vec<(&Path, String)> = vec![(
            &self.sandbox_build_dir,
            format!("the build directory '{}'", self.build_dir.display()),
        )];
        for bind in &self.binds {
            if !bind.source.is_absolute() {
                return invalid(format!(
                    "the bind source '{}' is not an absolute path",
                    bind.source.display()
                ));
            }
            check_inside_path("bind target", &bind.target)?;
            if bind.target == Path::new("/") {
                return invalid(format!(
                    "cannot bind '{}' over the sandbox's root",
                    bind.source.display()
                ));
            }
            targets.push((
                &bind.target,
                format!("the bind of '{}'", bind.source.display()),
            ));
        }
        for file in &self.files {
            check_inside_path("file", &file.path)?;
            if file.mode & !0o7777 != 0 {
                return invalid(format!(
                    "the mode {:o} of '{}' is not a permission mode",
                    file.mode,
                    file.path.display()
                ));
            }
            targets.push((&file.path, format!("the file '{}'", file.path.display())));
        }
        for (target, what) in &targets {
            let reserved = RESERVED_TREES.iter().find(|tree| target.starts_with(tree));
            let reserved = reserved.or_else(|| DEVICES.iter().find(|dev| target == *dev));
            if let Some(reserved) = reserved {
                return invalid(format!(
                    "{what} cannot go to '{}': '{reserved}' is made by the sandbox",
                    target.display()
                ));
            }
        }
        let mut sorted: Vec<&(&Path, String)> = targets.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for pair in sorted.windows(2) {
            if pair[0].0 == pair[1].0 {
                return invalid(format!(
                    "{} and {} both go to '{}'",
                    pair[0].1,
                    pair[1].1,
                    pair[0].0.display()
                ));
            }
        }
        for text in [&self.hostname, &self.domainname] {
            if text.len() > 64 || text.contains('\0') {
                return invalid(format!(
                    "'{text}' is not a valid host or domain name (at most 64 bytes, no NUL)"
                ));
            }
        }
        if self.uid == u32::MAX || self.gid == u32::MAX {
            return invalid("uid and gid 4294967295 (-1) cannot be mapped".to_owned());
        }
        if let HostIds::Fixed { uid, gid } = self.host_ids
            && (uid == u32::MAX || gid == u32::MAX)
        {
            return invalid("host uid and gid 4294967295 (-1) cannot be mapped".to_owned());
        }
        if self.max_processes == Some(0) {
            return invalid("max_processes must be at least 1".to_owned());
        }
        Ok(())
    }
}

/// Trees inside the sandbox that it makes itself; nothing may go there.
const RESERVED_TREES: [&str; 3] = ["/proc", "/dev/pts", "/dev/shm"];

/// The entries of the sandbox's `/dev` (other paths under `/dev`, such as
/// `/dev/kvm`, may be bound).
pub(crate) const DEVICES: [&str; 11] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/fd",
    "/dev/stdin",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/ptmx",
];

/// An absolute path without `.` or `..` components.
fn check_inside_path(what: &str, path: &Path) -> Result<(), SandboxError> {
    let normal = path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    if normal {
        Ok(())
    } else {
        Err(SandboxError::InvalidSpec {
            reason: format!(
                "the {what} '{}' is not an absolute path without '.' or '..'",
                path.display()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SandboxSpec {
        SandboxSpec::new("/bin/sh", "/tmp/b")
    }

    #[test]
    fn defaults_are_nix_defaults() {
        let spec = spec();
        assert_eq!(spec.sandbox_build_dir, Path::new("/build"));
        assert_eq!((spec.uid, spec.gid), (1000, 100));
        assert_eq!(spec.hostname, "localhost");
        assert!(!spec.network);
        spec.validate().unwrap();
    }

    #[test]
    fn nix_etc_files() {
        let spec = spec().with_nix_etc_files();
        let passwd = &spec.files[0];
        assert_eq!(passwd.path, Path::new("/etc/passwd"));
        assert_eq!(
            String::from_utf8_lossy(&passwd.contents),
            "root:x:0:0:Nix build user:/build:/noshell\n\
             nixbld:x:1000:100:Nix build user:/build:/noshell\n\
             nobody:x:65534:65534:Nobody:/:/noshell\n"
        );
        assert_eq!(
            spec.files[1].contents,
            b"root:x:0:\nnixbld:!:100:\nnogroup:x:65534:\n"
        );
        assert_eq!(
            spec.files[2].contents,
            b"127.0.0.1 localhost\n::1 localhost\n"
        );
    }

    fn reason(spec: &SandboxSpec) -> String {
        match spec.validate() {
            Err(SandboxError::InvalidSpec { reason }) => reason,
            other => panic!("expected an invalid spec, got {other:?}"),
        }
    }

    #[test]
    fn rejects_relative_and_dotted_paths() {
        let mut s = spec();
        s.program = PathBuf::from("sh");
        assert_eq!(
            reason(&s),
            "the program 'sh' is not an absolute path without '.' or '..'"
        );
        let mut s = spec();
        s.binds
            .push(Bind::read_only("/nix/store").at("/nix/../etc"));
        assert!(reason(&s).contains("'/nix/../etc'"));
        let mut s = spec();
        s.binds.push(Bind::read_only("store"));
        assert_eq!(
            reason(&s),
            "the bind source 'store' is not an absolute path"
        );
    }

    #[test]
    fn rejects_duplicate_and_reserved_targets() {
        let mut s = spec();
        s.binds.push(Bind::read_only("/a").at("/x"));
        s.binds.push(Bind::read_only("/b").at("/x"));
        assert_eq!(
            reason(&s),
            "the bind of '/a' and the bind of '/b' both go to '/x'"
        );
        let mut s = spec();
        s.binds.push(Bind::read_only("/a").at("/build"));
        assert!(reason(&s).contains("both go to '/build'"));
        let mut s = spec();
        s.binds.push(Bind::read_only("/dev/null"));
        assert_eq!(
            reason(&s),
            "the bind of '/dev/null' cannot go to '/dev/null': '/dev/null' is made by the sandbox"
        );
        let mut s = spec();
        s.binds.push(Bind::read_only("/x").at("/proc/x"));
        assert!(reason(&s).ends_with("'/proc' is made by the sandbox"));
        let mut s = spec();
        s.binds.push(Bind::read_only("/dev/kvm").optional());
        s.validate().unwrap();
    }

    #[test]
    fn rejects_zero_processes() {
        let mut s = spec();
        s.max_processes = Some(0);
        assert_eq!(reason(&s), "max_processes must be at least 1");
    }
}
