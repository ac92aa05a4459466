//! The store: immutable, hash-named objects under a store directory, and the
//! database that says which of them are valid and what they refer to.
//!
//! [`Store`] is the interface every other crate uses (the evaluator glue
//! writes `.drv` files and imported sources through it, the builder
//! registers outputs through it, profiles and the system layer add roots
//! through it). [`LocalStore`] implements it over a directory tree and a
//! SQLite database at `ROOT/nix/var/cairn/db/db.sqlite`.
//!
//! Invariants every implementation keeps:
//! - an object is registered valid only after its content is complete and
//!   canonical (read-only, mtime 1, no setuid/setgid), and only if every
//!   reference is valid or is the object itself;
//! - a failed operation leaves the store and database as they were;
//! - valid objects are never modified, only deleted by garbage collection
//!   or an explicit delete when nothing refers to them.
//!
//! # File overview
//!
//! | File | What |
//! |---|---|
//! | `lib.rs` | the [`Store`] trait, [`ValidPathInfo`], [`PathFilter`] |
//! | `error.rs` | [`StoreError`] |
//! | `local/mod.rs` | [`LocalStore`]: layout, adding objects, temp roots; the locking protocol between writers and the collector |
//! | `local/db.rs` | the SQLite schema, its migrations and every query |
//! | `local/fsops.rs` | canonicalising, deleting read-only trees, per-path locks |
//! | `local/gc.rs` | roots, liveness, [`LocalStore::collect_garbage`], `why_alive`, `why_depends` |
//! | `local/verify.rs` | [`LocalStore::verify`] and [`LocalStore::optimise`] |
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeSet;
//! use cairn_store::{GcOptions, LocalStore, Store};
//! use cairn_store_path::StoreDir;
//!
//! let root = tempfile::tempdir()?;
//! let store = LocalStore::open(root.path(), StoreDir::default())?;
//! let path = store.add_text_to_store("hello.txt", b"hello\n", &BTreeSet::new())?;
//! assert_eq!(std::fs::read(store.real_path(&path))?, b"hello\n");
//! store.add_permanent_root(&path, "hello")?;
//! drop(store);
//!
//! // A new handle has no temporary roots; the permanent root keeps `path`.
//! let store = LocalStore::open(root.path(), StoreDir::default())?;
//! assert!(store.collect_garbage(&GcOptions::default())?.paths.is_empty());
//! assert!(store.is_valid_path(&path)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use cairn_hash::{Hash, HashAlgo};
use cairn_narinfo::PathInfo;
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

mod error;
mod local;

pub use error::StoreError;
pub use local::{GcAction, GcOptions, GcResults, LocalStore, OptimiseResults, Root, VerifyResults};

/// What the database knows about one valid store object: the portable
/// metadata of [`PathInfo`] plus local bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPathInfo {
    /// Path, NAR hash and size, references, deriver, signatures, ca.
    pub info: PathInfo,
    /// When the object was registered, in seconds since the epoch.
    pub registration_time: i64,
    /// Whether this store built the object itself (Nix's `ultimate`).
    pub ultimate: bool,
}

impl ValidPathInfo {
    /// Metadata for a newly made object, registered now.
    #[must_use]
    pub fn new(info: PathInfo) -> ValidPathInfo {
        ValidPathInfo {
            info,
            registration_time: 0,
            ultimate: false,
        }
    }
}

/// The kind of a file-system object seen by a [`PathFilter`], named as
/// `builtins.filterSource` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterFileType {
    /// A regular file (executable or not).
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// Anything else (sockets, devices, fifos).
    Unknown,
}

/// Decides, for each entry below the root of an imported tree, whether it is
/// included. Called with the entry's host path; the root itself is always
/// included. An error aborts the import.
pub type PathFilter<'a> = dyn FnMut(&Path, FilterFileType) -> Result<bool, StoreError> + 'a;

/// The interface to a store. Implementations are safe to share between
/// threads (the builder runs jobs in parallel).
pub trait Store: Send + Sync {
    /// The logical store directory (`/nix/store` by default): the prefix of
    /// every path this store names, whatever its root on this machine.
    fn store_dir(&self) -> &StoreDir;

    /// Where `path`'s files live on this machine: `ROOT` followed by the
    /// logical path. Equal to the logical path for a store rooted at `/`.
    fn real_path(&self, path: &StorePath) -> PathBuf;

    /// Whether `path` is registered valid.
    ///
    /// # Errors
    /// A database error.
    fn is_valid_path(&self, path: &StorePath) -> Result<bool, StoreError> {
        Ok(self.query_path_info(path)?.is_some())
    }

    /// The metadata of `path`, or `None` when it is not valid.
    ///
    /// # Errors
    /// A database error.
    fn query_path_info(&self, path: &StorePath) -> Result<Option<ValidPathInfo>, StoreError>;

    /// The valid paths that refer to `path` (not counting itself).
    ///
    /// # Errors
    /// A database error.
    fn query_referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError>;

    /// The valid derivations known to produce `path`.
    ///
    /// # Errors
    /// A database error.
    fn query_valid_derivers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError>;

    /// The outputs recorded for the derivation `drv` (output name → path),
    /// whether or not those outputs are valid yet.
    ///
    /// # Errors
    /// A database error.
    fn query_derivation_outputs(
        &self,
        drv: &StorePath,
    ) -> Result<BTreeMap<String, StorePath>, StoreError>;

    /// The valid path whose hash part is `hash_part`, if any.
    ///
    /// # Errors
    /// A database error.
    fn query_path_from_hash_part(&self, hash_part: &str) -> Result<Option<StorePath>, StoreError>;

    /// The closure of `paths` under references: every valid path reachable
    /// from them, themselves included.
    ///
    /// # Errors
    /// [`StoreError::InvalidPath`] when one of `paths` (or a reference) is
    /// not valid; a database error.
    fn compute_closure(
        &self,
        paths: &BTreeSet<StorePath>,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut done = BTreeSet::new();
        let mut todo: Vec<StorePath> = paths.iter().cloned().collect();
        while let Some(path) = todo.pop() {
            if done.contains(&path) {
                continue;
            }
            let info = self
                .query_path_info(&path)?
                .ok_or_else(|| StoreError::InvalidPath {
                    path: self.store_dir().display(&path),
                })?;
            for r in &info.info.references {
                if !done.contains(r) {
                    todo.push(r.clone());
                }
            }
            done.insert(path);
        }
        Ok(done)
    }

    /// `paths` ordered so that every path comes after the paths it refers
    /// to, exactly as `nix-store --query --requisites` prints a closure:
    /// a depth-first post-order over `paths` in sorted order, visiting
    /// each path's references (those in `paths`) in sorted order.
    ///
    /// # Errors
    /// [`StoreError::InvalidPath`] when one of `paths` is not valid; a
    /// database error.
    fn topo_sort_paths(&self, paths: &BTreeSet<StorePath>) -> Result<Vec<StorePath>, StoreError> {
        let mut sorted = Vec::with_capacity(paths.len());
        let mut done: BTreeSet<&StorePath> = BTreeSet::new();
        for start in paths {
            if !done.insert(start) {
                continue;
            }
            // Iterative DFS: each frame is a path and its remaining references.
            let mut stack: Vec<(&StorePath, std::vec::IntoIter<StorePath>)> = Vec::new();
            let refs = |path: &StorePath| -> Result<std::vec::IntoIter<StorePath>, StoreError> {
                let info = self
                    .query_path_info(path)?
                    .ok_or_else(|| StoreError::InvalidPath {
                        path: self.store_dir().display(path),
                    })?;
                Ok(info
                    .info
                    .references
                    .into_iter()
                    .collect::<Vec<_>>()
                    .into_iter())
            };
            stack.push((start, refs(start)?));
            while let Some((path, next)) = stack.last_mut() {
                match next.next() {
                    Some(r) => {
                        if let Some(member) = paths.get(&r)
                            && member != *path
                            && done.insert(member)
                        {
                            let frame = (member, refs(member)?);
                            stack.push(frame);
                        }
                    }
                    None => {
                        sorted.push((*path).clone());
                        stack.pop();
                    }
                }
            }
        }
        Ok(sorted)
    }

    /// Adds a text object (`builtins.toFile`, `.drv` files): its path is
    /// [`StoreDir::make_text_path`] of `name`, the SHA-256 of `text` and
    /// `references`. Does nothing but return the path when it is already
    /// valid.
    ///
    /// # Errors
    /// An invalid name, a reference that is not valid, an I/O or database
    /// error.
    fn add_text_to_store(
        &self,
        name: &str,
        text: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError>;

    /// Imports the host file or tree at `source` as a content-addressed
    /// object named `name` (`./foo` in an expression, `builtins.path`,
    /// `filterSource`, `nix-store --add[-fixed]`). With
    /// [`FileIngestionMethod::Recursive`] the NAR of the tree (as filtered by
    /// `filter`) is hashed with `algo`; with [`FileIngestionMethod::Flat`]
    /// `source` must be a regular file and its contents are hashed.
    ///
    /// # Errors
    /// A missing or unreadable source, an invalid name, an error from
    /// `filter`, an I/O or database error.
    fn add_path_to_store(
        &self,
        name: &str,
        source: &Path,
        method: FileIngestionMethod,
        algo: HashAlgo,
        filter: Option<&mut PathFilter<'_>>,
    ) -> Result<StorePath, StoreError>;

    /// Adds an object from its NAR serialisation (imports, substitution).
    /// The NAR is checked against `info.info.nar_hash` and `nar_size` before
    /// registration; a mismatch leaves nothing behind.
    ///
    /// # Errors
    /// A hash or size mismatch, a malformed NAR, a reference that is not
    /// valid, an I/O or database error.
    fn add_nar_to_store(&self, info: &ValidPathInfo, nar: &mut dyn Read) -> Result<(), StoreError>;

    /// Adds the tree at `source` (which the caller owns and gives up) as a
    /// content-addressed object named `name`: recursive SHA-256 with
    /// `references`, the same path and registration as
    /// [`Store::add_nar_to_store`] of its NAR would give. The tree is
    /// moved into the store rather than copied when it is on the store's
    /// file system, so a large tree (a user environment) is written once.
    /// `source` is gone afterwards, whether it was moved, copied, or
    /// dropped because the object was already valid; on error it may
    /// remain.
    ///
    /// # Errors
    /// An unreadable tree, an invalid name, a reference that is not valid,
    /// an I/O or database error.
    fn add_tree_by_moving(
        &self,
        name: &str,
        source: &Path,
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError>;

    /// Registers objects whose content the caller already put at their real
    /// paths (the builder's outputs), in one transaction. Each is made
    /// canonical first. References may point into `infos` itself.
    ///
    /// # Errors
    /// A missing object, a reference that is neither valid nor in `infos`,
    /// an I/O or database error.
    fn register_valid_paths(&self, infos: &[ValidPathInfo]) -> Result<(), StoreError>;

    /// Records that `drv`'s output `output` is (or will be) `path`.
    ///
    /// # Errors
    /// A database error.
    fn register_derivation_output(
        &self,
        drv: &StorePath,
        output: &str,
        path: &StorePath,
    ) -> Result<(), StoreError>;

    /// Protects `path` from garbage collection for the lifetime of this
    /// store handle (Nix's temporary roots), even before it is valid.
    ///
    /// # Errors
    /// An I/O error writing the temp-roots file.
    fn add_temp_root(&self, path: &StorePath) -> Result<(), StoreError>;

    /// Hash of a file or tree on the host, as [`Store::add_path_to_store`]
    /// would compute it, without adding anything (read-only evaluation).
    ///
    /// # Errors
    /// A missing or unreadable source.
    fn hash_path_for_store(
        &self,
        source: &Path,
        method: FileIngestionMethod,
        algo: HashAlgo,
        filter: Option<&mut PathFilter<'_>>,
    ) -> Result<Hash, StoreError>;
}
