//! The path-carrying I/O error.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A `Result` whose error is a path-carrying [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The filesystem operation that failed; it names the verb in [`Error`]'s
/// message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Opening an existing file.
    Open,
    /// Creating or truncating a file.
    Create,
    /// Reading from a file.
    Read,
    /// Writing to a file.
    Write,
    /// Flushing a file or directory to disk (`fsync`).
    Sync,
    /// Creating a directory.
    CreateDir,
    /// Listing a directory.
    ReadDir,
    /// Reading a symlink's target.
    ReadLink,
    /// Creating a symlink.
    Symlink,
    /// Getting a file's metadata (`stat`/`lstat`).
    Stat,
    /// Changing a file's permissions.
    SetPermissions,
    /// Renaming a file into place.
    Rename,
    /// Removing a file or an empty directory.
    Remove,
    /// Removing a directory tree.
    RemoveAll,
    /// Resolving a path to its canonical form.
    Canonicalize,
    /// Taking an advisory lock.
    Lock,
}

impl Operation {
    /// The verb phrase used in messages, e.g. `open` or `create directory`.
    #[must_use]
    pub const fn verb(self) -> &'static str {
        match self {
            Operation::Open => "open",
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Write => "write",
            Operation::Sync => "sync",
            Operation::CreateDir => "create directory",
            Operation::ReadDir => "read directory",
            Operation::ReadLink => "read symlink",
            Operation::Symlink => "create symlink",
            Operation::Stat => "get status of",
            Operation::SetPermissions => "set permissions of",
            Operation::Rename => "rename",
            Operation::Remove => "remove",
            Operation::RemoveAll => "remove directory tree",
            Operation::Canonicalize => "canonicalize",
            Operation::Lock => "lock",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// An I/O error with the operation and the path it happened on.
///
/// The message is `failed to OPERATION 'PATH'` (for a rename,
/// `failed to rename 'FROM' to 'TO'`); the [`io::Error`] is the
/// [`source`](std::error::Error::source) and is not repeated in the message.
#[derive(Debug, thiserror::Error)]
#[error("failed to {operation} '{}'{}", path.display(), Target(target.as_deref()))]
pub struct Error {
    operation: Operation,
    path: PathBuf,
    target: Option<PathBuf>,
    #[source]
    source: io::Error,
}

/// Prints ` to 'TARGET'` for two-path operations.
struct Target<'a>(Option<&'a Path>);

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(target) => write!(f, " to '{}'", target.display()),
            None => Ok(()),
        }
    }
}

impl Error {
    /// Wraps `source`, which happened while doing `operation` on `path`.
    pub fn new(operation: Operation, path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error {
            operation,
            path: path.into(),
            target: None,
            source,
        }
    }

    /// Like [`Error::new`] for operations on two paths (rename, symlink).
    pub fn with_target(
        operation: Operation,
        path: impl Into<PathBuf>,
        target: impl Into<PathBuf>,
        source: io::Error,
    ) -> Error {
        Error {
            operation,
            path: path.into(),
            target: Some(target.into()),
            source,
        }
    }

    /// The operation that failed.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The path the operation was on.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The second path of a rename or symlink, if any.
    #[must_use]
    pub fn target(&self) -> Option<&Path> {
        self.target.as_deref()
    }

    /// The kind of the underlying I/O error.
    #[must_use]
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }

    /// The underlying I/O error.
    #[must_use]
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }

    /// Drops the path and returns the underlying I/O error.
    #[must_use]
    pub fn into_io_error(self) -> io::Error {
        self.source
    }
}

/// Converts to an [`io::Error`] of the same kind whose message still names
/// the path, for APIs that must return `io::Error`.
impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        io::Error::new(err.kind(), err)
    }
}

/// Adds a path to `io::Result`s: `file.sync_all().with_path(Operation::Sync, &path)?`.
pub(crate) trait IoResultExt<T> {
    /// Wraps an error as [`Error`] for `operation` on `path`.
    fn with_path(self, operation: Operation, path: &Path) -> Result<T>;
}

impl<T> IoResultExt<T> for io::Result<T> {
    fn with_path(self, operation: Operation, path: &Path) -> Result<T> {
        self.map_err(|source| Error::new(operation, path, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_operation_and_path() {
        let err = Error::new(
            Operation::Open,
            "/x",
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(err.to_string(), "failed to open '/x'");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("entity not found"));
    }

    #[test]
    fn rename_names_both_paths() {
        let err = Error::with_target(
            Operation::Rename,
            "/a",
            "/b",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(err.to_string(), "failed to rename '/a' to '/b'");
        assert_eq!(err.target(), Some(Path::new("/b")));
    }

    #[test]
    fn converts_back_to_io_error_keeping_kind() {
        let err = Error::new(
            Operation::Stat,
            "/y",
            io::Error::from(io::ErrorKind::NotFound),
        );
        let io: io::Error = err.into();
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
        assert!(io.to_string().contains("'/y'"));
    }
}
