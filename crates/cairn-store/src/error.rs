//! Errors of store operations.

use std::path::PathBuf;

/// An error from a store operation. Each variant names the path it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A path that had to be valid is not.
    #[error("path '{path}' is not valid")]
    InvalidPath {
        /// The path, with the store directory.
        path: String,
    },
    /// A filesystem operation failed; the error names the operation and
    /// the path.
    #[error(transparent)]
    Io(#[from] cairn_util::Error),
    /// The store database could not be opened, read or written.
    #[error("store database '{}': failed while {context}", db.display())]
    Database {
        /// The database file.
        db: PathBuf,
        /// What the store was doing.
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database holds a row cairn cannot make sense of.
    #[error("store database '{}' is corrupt: {reason}", db.display())]
    CorruptDatabase {
        /// The database file.
        db: PathBuf,
        /// What is wrong, naming the row.
        reason: String,
    },
    /// The database was written by a newer cairn.
    #[error(
        "store database '{}' has schema version {found}, newer than the {supported} this cairn knows",
        db.display()
    )]
    SchemaTooNew {
        /// The database file.
        db: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The root already belongs to another Nix installation.
    #[error(
        "the store root '{}' holds another Nix installation's database '{}'; cairn will not share a store with it",
        root.display(),
        db.display()
    )]
    ForeignDatabase {
        /// The store root.
        root: PathBuf,
        /// The other database directory.
        db: PathBuf,
    },
    /// A store path name or path could not be made or parsed.
    #[error("invalid store path or name '{name}'")]
    BadPath {
        /// The name or path.
        name: String,
        /// Why.
        #[source]
        source: cairn_store_path::StorePathError,
    },
    /// A host path is not inside the store directory.
    #[error("path '{}' is not in the store '{store_dir}'", path.display())]
    NotInStore {
        /// The path.
        path: PathBuf,
        /// The store directory.
        store_dir: String,
    },
    /// Serialising a file tree failed.
    #[error("failed to archive '{}'", path.display())]
    Dump {
        /// The path being archived.
        path: PathBuf,
        /// Why.
        #[source]
        source: cairn_nar::DumpError,
    },
    /// Unpacking a NAR into the store failed.
    #[error("failed to unpack the NAR of '{path}'")]
    Restore {
        /// The store path being added.
        path: String,
        /// Why.
        #[source]
        source: cairn_nar::ReadError,
    },
    /// A flat import was asked of something that is not a regular file.
    #[error("'{}' is not a regular file; a flat import needs one", path.display())]
    NotRegularFile {
        /// The source.
        path: PathBuf,
    },
    /// Content did not hash to what it was claimed to.
    #[error("hash mismatch for '{path}': expected {expected}, got {actual}")]
    HashMismatch {
        /// The store path.
        path: String,
        /// The claimed hash.
        expected: String,
        /// The hash of the actual content.
        actual: String,
    },
    /// Content did not have the claimed NAR size.
    #[error("NAR size mismatch for '{path}': expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// The store path.
        path: String,
        /// The claimed size.
        expected: u64,
        /// The actual size.
        actual: u64,
    },
    /// A reference is neither valid nor being registered with the path.
    #[error("cannot register '{path}': its reference '{reference}' is not valid")]
    MissingReference {
        /// The path being registered.
        path: String,
        /// The reference that is not valid.
        reference: String,
    },
    /// An object to register is not at its real path.
    #[error("cannot register '{path}': there is nothing at '{}'", real_path.display())]
    MissingContent {
        /// The store path.
        path: String,
        /// Where its content should be.
        real_path: PathBuf,
    },
    /// A path cannot be deleted because a GC root keeps it alive.
    #[error("cannot delete '{path}': it is still alive ({})", chain.join(" -> "))]
    StillAlive {
        /// The path.
        path: String,
        /// The root that keeps it alive, then each path on the way.
        chain: Vec<String>,
    },
    /// A path cannot be deleted because a path outside the set to delete
    /// refers to it.
    #[error("cannot delete '{path}': '{referrer}' refers to it")]
    Referenced {
        /// The path.
        path: String,
        /// A valid path that refers to it and is not being deleted.
        referrer: String,
    },
    /// A GC root could not be created.
    #[error("cannot add a GC root at '{}': {reason}", path.display())]
    BadRoot {
        /// The root's location.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl StoreError {
    /// A filesystem error on `path`.
    pub(crate) fn io(
        operation: cairn_util::Operation,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> StoreError {
        StoreError::Io(cairn_util::Error::new(operation, path, source))
    }
}
