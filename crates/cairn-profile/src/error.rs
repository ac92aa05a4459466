//! Errors of profile operations.
//!
//! Messages that Nix 2.8 also prints (`profile version 99 does not exist`,
//! `no profile version older than the current (1) exists`, the
//! `--delete-generations` argument errors) use Nix's wording; every variant
//! also carries the profile or file it is about, so the CLI can name it.

use std::path::PathBuf;

use cairn_store::StoreError;
use cairn_store_path::StorePathError;

/// An error from a profile operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// A filesystem operation failed; the error names the path.
    #[error(transparent)]
    Io(#[from] cairn_util::Error),

    /// A store query failed (validity of a new generation's path, a
    /// closure for a diff).
    #[error(transparent)]
    Store(#[from] StoreError),

    /// The profile path has no usable file name (`/`, `..`, not UTF-8).
    #[error("'{}' cannot be a profile: its file name must be UTF-8 text", path.display())]
    BadName {
        /// The path given as the profile.
        path: PathBuf,
    },

    /// The profile path exists and is not a symlink, so switching it would
    /// destroy something that is not a profile.
    #[error("'{}' is not a profile: it exists and is not a symlink", path.display())]
    NotASymlink {
        /// The profile path.
        path: PathBuf,
    },

    /// A generation that was asked for does not exist.
    #[error("profile version {number} does not exist")]
    NoSuchGeneration {
        /// The profile.
        profile: PathBuf,
        /// The missing generation number.
        number: u64,
    },

    /// A rollback found no generation older than the current one.
    #[error("no profile version older than the current ({current}) exists")]
    NoOlderGeneration {
        /// The profile.
        profile: PathBuf,
        /// The current generation.
        current: u64,
    },

    /// The profile does not point to one of its generations (it does not
    /// exist yet, or points somewhere else), so there is nothing to roll
    /// back from.
    #[error("profile '{}' does not point to any of its generations", profile.display())]
    NoCurrentGeneration {
        /// The profile.
        profile: PathBuf,
    },

    /// A deletion named the current generation.
    #[error("cannot delete current version of profile '{}'", profile.display())]
    DeleteCurrent {
        /// The profile.
        profile: PathBuf,
        /// The current generation.
        number: u64,
    },

    /// A new generation would point at a path that is not valid in the
    /// store.
    #[error("cannot make '{path}' a generation of profile '{}': the path is not valid", profile.display())]
    InvalidTarget {
        /// The profile.
        profile: PathBuf,
        /// The store path, with the store directory.
        path: String,
    },

    /// A generation link points at something that is not a store path.
    #[error("generation link '{}' points to '{target}', which is not a store path", link.display())]
    BadLink {
        /// The generation link.
        link: PathBuf,
        /// What it points to.
        target: String,
        /// Why the target is not a store path.
        #[source]
        source: StorePathError,
    },

    /// A `delete-generations` argument is malformed.
    #[error("{message}")]
    BadSelector {
        /// The message, in Nix's wording, naming the argument.
        message: String,
    },

    /// Two packages of a user environment provide the same file at the
    /// same priority.
    #[error("packages '{}' and '{}' have the same priority {priority}", file.display(), existing.display())]
    Collision {
        /// The file being linked.
        file: PathBuf,
        /// The file already linked at that place.
        existing: PathBuf,
        /// Their priority.
        priority: i64,
    },

    /// A package's directory meets another package's file.
    #[error("collision between '{}' and non-directory '{}'", directory.display(), file.display())]
    CollisionWithFile {
        /// The directory being linked.
        directory: PathBuf,
        /// The file already linked there.
        file: PathBuf,
    },

    /// A package's file meets a directory already merged from others.
    #[error("collision between non-directory '{}' and directory '{}'", file.display(), directory.display())]
    CollisionWithDirectory {
        /// The file being linked.
        file: PathBuf,
        /// The directory in the environment.
        directory: PathBuf,
    },

    /// A change to installed packages found that the current generation
    /// is not a user environment, so it has no list of packages to change.
    #[error("profile '{}' points to '{path}', which is not a user environment (it has no manifest.json)", profile.display())]
    NotAnEnvironment {
        /// The profile.
        profile: PathBuf,
        /// The current generation's store path.
        path: String,
    },

    /// The finished user environment could not be serialised.
    #[error("cannot archive the user environment at '{}'", path.display())]
    Archive {
        /// The environment's temporary directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: cairn_nar::DumpError,
    },

    /// A `manifest.json` is not valid JSON of the expected shape.
    #[error("'{}' is not a valid user-environment manifest", path.display())]
    ManifestSyntax {
        /// The manifest file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },

    /// A `manifest.json` has a version this cairn does not know.
    #[error(
        "'{}' has manifest version {version}, but this cairn reads only version {}",
        path.display(),
        crate::manifest::MANIFEST_VERSION
    )]
    ManifestVersion {
        /// The manifest file.
        path: PathBuf,
        /// The version it declares.
        version: u64,
    },

    /// A store path in a manifest is malformed.
    #[error("'{}' lists '{text}', which is not a store path", path.display())]
    ManifestStorePath {
        /// The manifest file.
        path: PathBuf,
        /// The text.
        text: String,
        /// Why it is not a store path.
        #[source]
        source: StorePathError,
    },
}
