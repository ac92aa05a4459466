//! Errors of the system layer. Every variant names the file, entry or unit
//! it is about and why it failed.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Why an operation on a system root failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A filesystem operation failed.
    #[error(transparent)]
    Io(#[from] cairn_util::Error),
    /// A closure could not be read for a package diff.
    #[error(transparent)]
    Profile(#[from] cairn_profile::ProfileError),
    /// A plan or state file is not valid JSON of the expected shape.
    #[error("{}: {source}", path.display())]
    PlanSyntax {
        /// The file.
        path: PathBuf,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The plan was written for another version of this crate.
    #[error(
        "{}: activation plan version {found} is not supported (this cairn reads version {})",
        path.display(),
        crate::plan::PLAN_VERSION
    )]
    UnsupportedPlanVersion {
        /// The plan file.
        path: PathBuf,
        /// The version it declares (`none` when it has none).
        found: String,
    },
    /// The plan parses but makes no sense.
    #[error("{}: {reason}", path.display())]
    InvalidPlan {
        /// The plan file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A state file under `ROOT/var/lib/cairn` or a line of
    /// passwd/group/shadow/gshadow cannot be read.
    #[error("{}:{line}: {reason}", path.display())]
    BadStateFile {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 for the whole file).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Files cairn does not manage are in the way of the new configuration.
    /// Nothing was changed.
    #[error("{}", clash_message(paths))]
    Clash {
        /// Every path in the way, sorted.
        paths: Vec<PathBuf>,
    },
    /// A user's primary group is neither declared nor present in /etc/group.
    #[error(
        "user '{user}' has primary group '{group}', which is neither declared nor in /etc/group"
    )]
    UnknownGroup {
        /// The user.
        user: String,
        /// The group it names.
        group: String,
    },
    /// A copied /etc entry is owned by a user or group that does not exist.
    #[error("/etc/{entry} is to be owned by {kind} '{name}', which does not exist")]
    UnknownOwner {
        /// The /etc entry.
        entry: String,
        /// `user` or `group`.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// No free id is left in the range.
    #[error("no free {kind} left for '{name}' in {low}..={high}")]
    IdsExhausted {
        /// `uid` or `gid`.
        kind: &'static str,
        /// The user or group.
        name: String,
        /// Range start.
        low: u32,
        /// Range end.
        high: u32,
    },
    /// Changing a file's owner failed.
    #[error("failed to change the owner of '{}' to {uid}:{gid}", path.display())]
    Chown {
        /// The file.
        path: PathBuf,
        /// The wanted uid.
        uid: u32,
        /// The wanted gid.
        gid: u32,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An `etc` entry in copy mode names something that is not a file.
    #[error("/etc/{entry}: source '{}' is not a regular file; only files can be copied (use mode \"symlink\")", source_path.display())]
    NotAFile {
        /// The /etc entry.
        entry: String,
        /// Its source.
        source_path: PathBuf,
    },
    /// More than 40 symlinks while resolving a path in the store.
    #[error("too many levels of symbolic links resolving '{}'", path.display())]
    SymlinkLoop {
        /// The logical path.
        path: PathBuf,
    },
    /// `systemctl` could not be run or failed.
    #[error("'systemctl {command}' failed: {reason}")]
    Systemctl {
        /// Its arguments.
        command: String,
        /// Exit status and stderr, or why it did not start.
        reason: String,
    },
    /// A path to be written inside a scratch root goes through a symlink,
    /// which could lead outside the root.
    #[error("refusing to write '{}': '{}' is a symlink and the root is not /", path.display(), symlink.display())]
    ThroughSymlink {
        /// The path to be written.
        path: PathBuf,
        /// The symlink on the way.
        symlink: PathBuf,
    },
    /// A step failed after the root had started to change.
    #[error("activation failed while {step}; {restore}")]
    ActivationFailed {
        /// What was being done.
        step: &'static str,
        /// The failure.
        #[source]
        source: Box<Error>,
        /// What happened to the previous system.
        restore: Restore,
    },
    /// A boot generation to write has an invalid entry.
    #[error("generation {number}: {reason}")]
    InvalidGeneration {
        /// The generation number.
        number: u64,
        /// What is wrong.
        reason: String,
    },
    /// A system has no specialisation of the name asked for.
    #[error(
        "the system {} has no specialisation '{name}' ({})",
        toplevel.display(),
        if available.is_empty() { "it has none".to_owned() } else { format!("it has: {}", available.join(", ")) }
    )]
    NoSpecialisation {
        /// The parent toplevel.
        toplevel: PathBuf,
        /// The name asked for.
        name: String,
        /// The ones it has.
        available: Vec<String>,
    },
}

fn clash_message(paths: &[PathBuf]) -> String {
    let mut message = format!(
        "{} {} not managed by cairn and would be overwritten; nothing was changed:",
        paths.len(),
        if paths.len() == 1 {
            "file is"
        } else {
            "files are"
        }
    );
    for path in paths {
        let _ = write!(message, "\n  {}", path.display());
    }
    message
}

/// What became of the previous system after a failed activation.
#[derive(Debug)]
pub enum Restore {
    /// It was activated again.
    Restored,
    /// There was none (first activation); the root may be half-changed.
    NothingToRestore,
    /// Activating it again failed too.
    Failed(Box<Error>),
}

impl std::fmt::Display for Restore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Restore::Restored => f.write_str("the previous system was restored"),
            Restore::NothingToRestore => f.write_str("there was no previous system to restore"),
            Restore::Failed(err) => write!(f, "restoring the previous system failed too: {err}"),
        }
    }
}
