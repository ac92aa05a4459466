//! [`LocalStore`]: a store on this machine, rooted at a directory.
//!
//! # Layout
//!
//! | What | Where |
//! |---|---|
//! | objects | `ROOT/<store-dir>/HASH-NAME` (`ROOT/nix/store/…` by default) |
//! | per-path locks | `ROOT/<store-dir>/HASH-NAME.lock` while an object is being added |
//! | hard-link pool | `ROOT/<store-dir>/.links/NIX32` (`optimise`) |
//! | database | `ROOT/nix/var/cairn/db/db.sqlite` |
//! | GC lock | `ROOT/nix/var/cairn/gc.lock` |
//! | roots | `ROOT/nix/var/cairn/gcroots/` (`auto/` for indirect roots), `profiles/` |
//! | temporary roots | `ROOT/nix/var/cairn/temproots/PID-N`, one per open store handle |
//!
//! A root of `/` is the system store. A root that holds another Nix's
//! database (`ROOT/nix/var/nix/db`) is refused: two package managers
//! collecting garbage in one store directory would delete each other's
//! objects.
//!
//! # Adding an object
//!
//! 1. record the path as a temporary root of this handle (so GC keeps it);
//! 2. return at once if it is valid;
//! 3. take `PATH.lock` (another process adding the same path waits here)
//!    and check validity again (it may have finished meanwhile);
//! 4. take the GC lock shared, write the content under a temporary name in
//!    the store directory, make it canonical, flush it, rename it into
//!    place, register it in one transaction, release both locks.
//!
//! A failure at any step removes the temporary content; nothing is
//! registered unless its content is complete, and no row names a missing
//! path.
//!
//! # Garbage collection and roots: the locking protocol
//!
//! `gc.lock` is the single point of exclusion between the collector and
//! everyone who makes paths live:
//!
//! - the collector holds `gc.lock` **exclusively for its whole run**: from
//!   reading the roots to deleting the last dead path;
//! - [`Store::add_temp_root`] takes it **shared** while it appends to the
//!   handle's temp-roots file; every write to the store (adding,
//!   registering, optimising) takes it shared from before the first byte
//!   is written until the object is registered.
//!
//! So while the collector runs, nobody can add a root or write an object;
//! and whatever was rooted or written before it started is seen by it:
//! a temporary root recorded before GC is read by GC, and a path recorded
//! after GC can only have been deleted by a GC that finished before the
//! root was recorded, which is why callers check validity *after*
//! [`Store::add_temp_root`] (the add functions here do). A builder's output
//! that is not valid yet survives because the builder temp-roots it before
//! building. The collector deletes unregistered entries of the store
//! directory (debris of crashed writers) unless they are temporary roots;
//! live writers cannot be mid-write then, since they hold the lock shared.
//!
//! Each handle's temp-roots file is locked exclusively by its owner for the
//! handle's life and deleted on drop. The collector takes each file's lock
//! without waiting: if it gets it, the owner is gone and the file is
//! stale, and is deleted; otherwise the file is read (its owner cannot be
//! writing: that needs `gc.lock`).
//!
//! Deleting dead paths: their database rows go first, referrers before
//! their references, in one transaction per batch (so at every moment the
//! rows that remain are closed under references); then the batch's
//! content, in the store directory's own order (cheapest for the file
//! system): a directory is renamed into a trash directory and removed
//! there, a file or symlink (one inode) is unlinked. A crash in between
//! leaves an unregistered entry, which the next collection deletes; never
//! a registered path without content.

mod db;
mod fsops;
mod gc;
mod verify;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use cairn_hash::{Hash, HashAlgo, Hasher};
use cairn_narinfo::PathInfo;
use cairn_store_path::{ContentAddress, FileIngestionMethod, StoreDir, StorePath};
use cairn_util::{FileLock, LockMode, Operation};

use crate::{FilterFileType, PathFilter, Store, StoreError, ValidPathInfo};

pub use gc::{GcAction, GcOptions, GcResults, Root};
pub use verify::{OptimiseResults, VerifyResults};

use db::Db;
use fsops::PathLock;

/// Distinguishes temporary names made by one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A store rooted at a directory of this machine; see the module docs.
///
/// Safe to share between threads; several handles, in one process or
/// many, may use the same store at once.
#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
    store_dir: StoreDir,
    /// `ROOT` + the store directory.
    real_store: PathBuf,
    /// `ROOT/nix/var/cairn`.
    state: PathBuf,
    db: Mutex<Db>,
    temp_roots: Mutex<Option<TempRoots>>,
}

/// This handle's temp-roots file, locked for the handle's life.
#[derive(Debug)]
struct TempRoots {
    lock: Option<FileLock>,
    path: PathBuf,
    recorded: HashSet<StorePath>,
}

impl Drop for TempRoots {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        drop(self.lock.take());
    }
}

impl LocalStore {
    /// Opens (creating what is missing) the store with files under
    /// `ROOT/<store_dir>` and state under `ROOT/nix/var/cairn`. The root is
    /// created if missing and used in canonical form (absolute, no
    /// symlinks).
    ///
    /// # Errors
    /// [`StoreError::ForeignDatabase`] when `ROOT/nix/var/nix/db` exists;
    /// an I/O error creating the directories; a database error.
    pub fn open(root: &Path, store_dir: StoreDir) -> Result<LocalStore, StoreError> {
        // Canonical, so that real paths compare with canonical host paths
        // and symlinks made to them work from anywhere.
        cairn_util::fs::create_dir_all(root)?;
        let root = &cairn_util::fs::canonicalize(root)?;
        let foreign = root.join("nix/var/nix/db");
        if fs::symlink_metadata(&foreign).is_ok() {
            return Err(StoreError::ForeignDatabase {
                root: root.to_owned(),
                db: foreign,
            });
        }
        let real_store = root.join(store_dir.as_str().trim_start_matches('/'));
        let state = root.join("nix/var/cairn");
        for dir in [
            real_store.clone(),
            state.join("db"),
            state.join("gcroots/auto"),
            state.join("temproots"),
            state.join("profiles"),
            state.join("log"),
        ] {
            cairn_util::fs::create_dir_all(&dir)?;
        }
        let db = Db::open(&state.join("db/db.sqlite"))?;
        Ok(LocalStore {
            root: root.to_owned(),
            store_dir,
            real_store,
            state,
            db: Mutex::new(db),
            temp_roots: Mutex::new(None),
        })
    }

    /// The root directory (`/` for the system store).
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the store directory is on this machine: `ROOT/nix/store`.
    #[must_use]
    pub fn real_store_dir(&self) -> &Path {
        &self.real_store
    }

    /// The state directory, `ROOT/nix/var/cairn`.
    #[must_use]
    pub fn state_dir(&self) -> &Path {
        &self.state
    }

    /// The directory of permanent roots, `ROOT/nix/var/cairn/gcroots`.
    #[must_use]
    pub fn gcroots_dir(&self) -> PathBuf {
        self.state.join("gcroots")
    }

    /// The directory of profiles, `ROOT/nix/var/cairn/profiles`.
    #[must_use]
    pub fn profiles_dir(&self) -> PathBuf {
        self.state.join("profiles")
    }

    /// The database's schema version.
    ///
    /// # Errors
    /// A database error.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.db().schema_version()
    }

    /// Every valid path, sorted.
    ///
    /// # Errors
    /// A database error, or a row that is not a store path.
    pub fn query_all_valid_paths(&self) -> Result<Vec<StorePath>, StoreError> {
        let paths = self.db().all_paths()?;
        paths.iter().map(|p| self.parse_logical(p)).collect()
    }

    /// The store path a host path names: a logical path
    /// (`/nix/store/HASH-NAME[/…]`) or a real one (`ROOT/nix/store/…`).
    ///
    /// # Errors
    /// [`StoreError::NotInStore`] when it is neither.
    pub fn to_store_path(&self, path: &Path) -> Result<StorePath, StoreError> {
        self.store_path_in(path)
            .ok_or_else(|| StoreError::NotInStore {
                path: path.to_owned(),
                store_dir: self.store_dir.as_str().to_owned(),
            })
    }

    fn store_path_in(&self, path: &Path) -> Option<StorePath> {
        let rest = path
            .strip_prefix(&self.real_store)
            .or_else(|_| path.strip_prefix(self.store_dir.as_str()))
            .ok()?;
        let first = rest.components().next()?;
        StorePath::from_base_name(first.as_os_str().to_str()?).ok()
    }

    fn parse_logical(&self, text: &str) -> Result<StorePath, StoreError> {
        self.store_dir
            .parse_path(text)
            .map_err(|source| StoreError::BadPath {
                name: text.to_owned(),
                source,
            })
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        // A panic while holding the connection leaves SQLite consistent
        // (an open transaction is rolled back when dropped).
        self.db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn gc_lock_path(&self) -> PathBuf {
        self.state.join("gc.lock")
    }

    /// Takes the GC lock shared (see the module docs).
    fn gc_shared(&self) -> Result<FileLock, StoreError> {
        Ok(FileLock::acquire(self.gc_lock_path(), LockMode::Shared)?)
    }

    /// A fresh temporary name in the store directory.
    fn temp_name(&self, what: &str) -> PathBuf {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        self.real_store
            .join(format!(".cairn-{what}-{}-{n}", std::process::id()))
    }

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    /// Adds `path` unless it is valid: `write` puts the content at the
    /// temporary location it is given and returns the metadata to register.
    fn add_object(
        &self,
        path: &StorePath,
        write: impl FnOnce(&Path) -> Result<ValidPathInfo, StoreError>,
    ) -> Result<(), StoreError> {
        self.add_temp_root(path)?;
        if self.is_valid_path(path)? {
            return Ok(());
        }
        let real = self.real_path(path);
        let _path_lock = PathLock::acquire(lock_path_of(&real))?;
        if self.is_valid_path(path)? {
            return Ok(());
        }
        let _gc = self.gc_shared()?;
        let temp = self.temp_name("add");
        let result = (|| {
            let info = write(&temp)?;
            fsops::canonicalise(&temp, true)?;
            // Debris of an earlier crash under the final name.
            fsops::delete_tree(&real)?;
            cairn_util::fs::rename(&temp, &real)?;
            cairn_util::fs::sync_dir(&self.real_store)?;
            Ok(info)
        })();
        let info = match result {
            Ok(info) => info,
            Err(err) => {
                let _ = fsops::delete_tree(&temp);
                return Err(err);
            }
        };
        let registered = self.db().register(&self.store_dir, &[info], Self::now());
        if let Err(err) = registered {
            let _ = fsops::delete_tree(&real);
            return Err(err);
        }
        Ok(())
    }

    fn check_references_valid(
        &self,
        path: &StorePath,
        references: &BTreeSet<StorePath>,
    ) -> Result<(), StoreError> {
        let others: Vec<String> = references
            .iter()
            .filter(|reference| *reference != path)
            .map(|reference| self.store_dir.display(reference))
            .collect();
        match self.db().first_invalid(&others)? {
            Some(missing) => Err(StoreError::MissingReference {
                path: self.store_dir.display(path),
                reference: missing.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Makes `link` (anywhere on the host) a symlink to `path`'s real
    /// location and registers it as an indirect root, like `nix-build -o
    /// result`: `path` stays alive while `link` points into it, and the
    /// registration disappears with the link.
    ///
    /// # Errors
    /// `path` not valid; `link` exists and is not a symlink; an I/O error.
    pub fn add_indirect_root(&self, path: &StorePath, link: &Path) -> Result<(), StoreError> {
        let link = absolute(link)?;
        self.add_temp_root(path)?;
        if !self.is_valid_path(path)? {
            return Err(StoreError::InvalidPath {
                path: self.store_dir.display(path),
            });
        }
        replace_symlink(&self.real_path(path), &link)?;
        let digest = Hash::digest(HashAlgo::Sha256, link.as_os_str().as_encoded_bytes());
        let name = &digest.to_nix32()[..32];
        replace_symlink(&link, &self.gcroots_dir().join("auto").join(name))
    }

    /// Makes `gcroots/NAME` a symlink to `path`: a permanent root, kept
    /// until it is removed. `name` may contain `/` to group roots.
    ///
    /// # Errors
    /// `path` not valid; a bad name; an I/O error.
    pub fn add_permanent_root(&self, path: &StorePath, name: &str) -> Result<PathBuf, StoreError> {
        let link = self.gcroots_dir().join(name);
        if name.is_empty()
            || Path::new(name).is_absolute()
            || Path::new(name)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(StoreError::BadRoot {
                path: link,
                reason: "the name must be a relative path without '.' or '..'".to_owned(),
            });
        }
        self.add_temp_root(path)?;
        if !self.is_valid_path(path)? {
            return Err(StoreError::InvalidPath {
                path: self.store_dir.display(path),
            });
        }
        if let Some(parent) = link.parent() {
            cairn_util::fs::create_dir_all(parent)?;
        }
        replace_symlink(&self.real_path(path), &link)?;
        Ok(link)
    }

    /// The content-address hash and the NAR of `source`, written to `out`.
    fn dump_source<W: Write>(
        source: &Path,
        method: FileIngestionMethod,
        algo: HashAlgo,
        filter: Option<&mut PathFilter<'_>>,
        out: W,
    ) -> Result<(Hash, Hash, u64), StoreError> {
        let mut nar = Tee {
            out,
            sha256: Hasher::new(HashAlgo::Sha256),
            ca: (method == FileIngestionMethod::Recursive && algo != HashAlgo::Sha256)
                .then(|| Hasher::new(algo)),
        };
        let dump_err = |source_err| StoreError::Dump {
            path: source.to_owned(),
            source: source_err,
        };
        match method {
            FileIngestionMethod::Recursive => match filter {
                None => {
                    cairn_nar::dump_path(source, &mut nar).map_err(dump_err)?;
                }
                Some(filter) => {
                    cairn_nar::dump_path_filtered(source, &mut nar, |p, t| {
                        filter(p, filter_type(t))
                    })
                    .map_err(|e| match e {
                        cairn_nar::FilteredDumpError::Dump(e) => dump_err(e),
                        cairn_nar::FilteredDumpError::Filter { source, .. } => source,
                    })?;
                }
            },
            FileIngestionMethod::Flat => {
                let file =
                    File::open(source).map_err(|e| StoreError::io(Operation::Open, source, e))?;
                let meta = file
                    .metadata()
                    .map_err(|e| StoreError::io(Operation::Stat, source, e))?;
                if !meta.is_file() {
                    return Err(StoreError::NotRegularFile {
                        path: source.to_owned(),
                    });
                }
                let mut flat = Hasher::new(algo);
                let mut reader = HashingReader {
                    inner: io::BufReader::new(file),
                    hasher: &mut flat,
                };
                let mut encoder = cairn_nar::Encoder::new(&mut nar);
                encoder
                    .regular(false, meta.len(), &mut reader)
                    .and_then(|()| encoder.finish().map(drop))
                    .map_err(|e| StoreError::io(Operation::Read, source, io::Error::other(e)))?;
                nar.ca = Some(flat);
            }
        }
        let size = nar.sha256.len();
        let nar_hash = nar.sha256.finish();
        let ca_hash = nar.ca.map_or(nar_hash, Hasher::finish);
        Ok((ca_hash, nar_hash, size))
    }

    /// The path `add_path_to_store` gives content whose CA hash is `hash`.
    fn source_path(
        &self,
        name: &str,
        method: FileIngestionMethod,
        hash: &Hash,
    ) -> Result<StorePath, StoreError> {
        self.store_dir
            .make_source_path(method, hash, name)
            .map_err(|source| StoreError::BadPath {
                name: name.to_owned(),
                source,
            })
    }
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        // Dropping `temp_roots` deletes the file; spelled out for clarity.
        if let Ok(mut roots) = self.temp_roots.lock() {
            roots.take();
        }
    }
}

/// `PATH.lock` for a real path.
fn lock_path_of(real: &Path) -> PathBuf {
    let mut name = real.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn absolute(path: &Path) -> Result<PathBuf, StoreError> {
    std::path::absolute(path).map_err(|e| StoreError::io(Operation::Canonicalize, path, e))
}

/// Atomically makes `link` a symlink to `target`; refuses to replace
/// anything but a symlink.
fn replace_symlink(target: &Path, link: &Path) -> Result<(), StoreError> {
    match fs::symlink_metadata(link) {
        Ok(meta) if !meta.file_type().is_symlink() => {
            return Err(StoreError::BadRoot {
                path: link.to_owned(),
                reason: "it exists and is not a symlink".to_owned(),
            });
        }
        _ => {}
    }
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp_name = link.as_os_str().to_owned();
    temp_name.push(format!(".tmp-{}-{n}", std::process::id()));
    let temp = PathBuf::from(temp_name);
    cairn_util::fs::symlink(target, &temp)?;
    if let Err(err) = cairn_util::fs::rename(&temp, link) {
        let _ = fs::remove_file(&temp);
        return Err(err.into());
    }
    Ok(())
}

fn filter_type(file_type: fs::FileType) -> FilterFileType {
    if file_type.is_file() {
        FilterFileType::Regular
    } else if file_type.is_dir() {
        FilterFileType::Directory
    } else if file_type.is_symlink() {
        FilterFileType::Symlink
    } else {
        FilterFileType::Unknown
    }
}

/// Writes to `out` while hashing with SHA-256 (the NAR hash) and, when
/// set, a second algorithm (the content-address hash).
struct Tee<W> {
    out: W,
    sha256: Hasher,
    ca: Option<Hasher>,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.sha256.update(&buf[..n]);
        if let Some(ca) = &mut self.ca {
            ca.update(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Reads from `inner` while hashing what was read.
struct HashingReader<'a, R> {
    inner: R,
    hasher: &'a mut Hasher,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl Store for LocalStore {
    fn store_dir(&self) -> &StoreDir {
        &self.store_dir
    }

    fn real_path(&self, path: &StorePath) -> PathBuf {
        self.real_store.join(path.base_name())
    }

    fn is_valid_path(&self, path: &StorePath) -> Result<bool, StoreError> {
        Ok(self.db().id_of(&self.store_dir.display(path))?.is_some())
    }

    fn query_path_info(&self, path: &StorePath) -> Result<Option<ValidPathInfo>, StoreError> {
        self.db().query_info(&self.store_dir, path)
    }

    fn query_referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        self.db()
            .referrers(&self.store_dir, &self.store_dir.display(path))
    }

    fn query_valid_derivers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        let db = self.db();
        let mut out = db.derivers(&self.store_dir, &self.store_dir.display(path))?;
        if let Some(info) = db.query_info(&self.store_dir, path)?
            && let Some(deriver) = info.info.deriver
            && db.id_of(&self.store_dir.display(&deriver))?.is_some()
        {
            out.insert(deriver);
        }
        Ok(out)
    }

    fn query_derivation_outputs(
        &self,
        drv: &StorePath,
    ) -> Result<BTreeMap<String, StorePath>, StoreError> {
        self.db()
            .derivation_outputs(&self.store_dir, &self.store_dir.display(drv))
    }

    fn query_path_from_hash_part(&self, hash_part: &str) -> Result<Option<StorePath>, StoreError> {
        let prefix = format!("{}/{hash_part}-", self.store_dir.as_str());
        match self.db().path_with_prefix(&prefix)? {
            Some(path) => self.parse_logical(&path).map(Some),
            None => Ok(None),
        }
    }

    fn add_text_to_store(
        &self,
        name: &str,
        text: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError> {
        let hash = Hash::digest(HashAlgo::Sha256, text);
        let path = self
            .store_dir
            .make_text_path(name, &hash, references)
            .map_err(|source| StoreError::BadPath {
                name: name.to_owned(),
                source,
            })?;
        self.check_references_valid(&path, references)?;
        self.add_object(&path, |temp| {
            let mut file =
                File::create_new(temp).map_err(|e| StoreError::io(Operation::Create, temp, e))?;
            file.write_all(text)
                .map_err(|e| StoreError::io(Operation::Write, temp, e))?;
            let mut encoder = cairn_nar::Encoder::new(Hasher::new(HashAlgo::Sha256));
            encoder
                .regular_bytes(false, text)
                .map_err(|e| StoreError::io(Operation::Write, temp, io::Error::other(e)))?;
            let (hasher, size) = encoder
                .finish()
                .map_err(|e| StoreError::io(Operation::Write, temp, io::Error::other(e)))?;
            let mut info = PathInfo::new(path.clone(), hasher.finish(), size);
            info.references = references.clone();
            info.ca = Some(ContentAddress::Text(hash));
            Ok(ValidPathInfo::new(info))
        })?;
        Ok(path)
    }

    fn add_path_to_store(
        &self,
        name: &str,
        source: &Path,
        method: FileIngestionMethod,
        algo: HashAlgo,
        filter: Option<&mut PathFilter<'_>>,
    ) -> Result<StorePath, StoreError> {
        // One pass: the NAR goes to a scratch file while both hashes are
        // computed; the path is known only at the end.
        let scratch = cairn_util::TempDir::new_in(&self.state, "add-")?;
        let nar_file = scratch.path().join("nar");
        let file = File::create_new(&nar_file)
            .map_err(|e| StoreError::io(Operation::Create, &nar_file, e))?;
        let (ca_hash, nar_hash, nar_size) =
            Self::dump_source(source, method, algo, filter, io::BufWriter::new(&file))?;
        let path = self.source_path(name, method, &ca_hash)?;
        self.add_object(&path, |temp| {
            let reader =
                File::open(&nar_file).map_err(|e| StoreError::io(Operation::Open, &nar_file, e))?;
            cairn_nar::restore(io::BufReader::new(reader), temp).map_err(|source| {
                StoreError::Restore {
                    path: self.store_dir.display(&path),
                    source,
                }
            })?;
            let mut info = PathInfo::new(path.clone(), nar_hash, nar_size);
            info.ca = Some(ContentAddress::Fixed {
                method,
                hash: ca_hash,
            });
            Ok(ValidPathInfo::new(info))
        })?;
        drop(scratch);
        Ok(path)
    }

    fn add_nar_to_store(&self, info: &ValidPathInfo, nar: &mut dyn Read) -> Result<(), StoreError> {
        let path = &info.info.path;
        self.check_references_valid(path, &info.info.references)?;
        self.add_object(path, |temp| {
            let mut hasher = Hasher::new(info.info.nar_hash.algo());
            cairn_nar::restore(
                HashingReader {
                    inner: nar,
                    hasher: &mut hasher,
                },
                temp,
            )
            .map_err(|source| StoreError::Restore {
                path: self.store_dir.display(path),
                source,
            })?;
            let size = hasher.len();
            let actual = hasher.finish();
            if info.info.nar_size != 0 && size != info.info.nar_size {
                return Err(StoreError::SizeMismatch {
                    path: self.store_dir.display(path),
                    expected: info.info.nar_size,
                    actual: size,
                });
            }
            if actual != info.info.nar_hash {
                return Err(StoreError::HashMismatch {
                    path: self.store_dir.display(path),
                    expected: info.info.nar_hash.to_sri(),
                    actual: actual.to_sri(),
                });
            }
            let mut registered = info.clone();
            registered.info.nar_size = size;
            Ok(registered)
        })
    }

    fn add_tree_by_moving(
        &self,
        name: &str,
        source: &Path,
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError> {
        // Hashing first gives the path (and so the lock to take); the tree
        // belongs to the caller, so it cannot change before the move.
        let (nar_hash, nar_size) =
            cairn_nar::hash_path(source, HashAlgo::Sha256).map_err(|source_err| {
                StoreError::Dump {
                    path: source.to_path_buf(),
                    source: source_err,
                }
            })?;
        let path = self
            .store_dir
            .make_fixed_output_path(
                FileIngestionMethod::Recursive,
                &nar_hash,
                name,
                references,
                false,
            )
            .map_err(|source| StoreError::BadPath {
                name: name.to_owned(),
                source,
            })?;
        self.check_references_valid(&path, references)?;
        self.add_object(&path, |temp| {
            match fs::rename(source, temp) {
                Ok(()) => {}
                // Another file system: copy through the NAR.
                Err(err) if err.kind() == io::ErrorKind::CrossesDevices => {
                    let mut nar = Vec::new();
                    cairn_nar::dump_path(source, &mut nar).map_err(|source_err| {
                        StoreError::Dump {
                            path: source.to_path_buf(),
                            source: source_err,
                        }
                    })?;
                    cairn_nar::restore(nar.as_slice(), temp).map_err(|source| {
                        StoreError::Restore {
                            path: self.store_dir.display(&path),
                            source,
                        }
                    })?;
                }
                Err(err) => return Err(StoreError::io(Operation::Rename, source, err)),
            }
            let mut info = PathInfo::new(path.clone(), nar_hash, nar_size);
            info.references = references.clone();
            info.ca = Some(ContentAddress::Fixed {
                method: FileIngestionMethod::Recursive,
                hash: nar_hash,
            });
            Ok(ValidPathInfo::new(info))
        })?;
        // Already valid (or copied across file systems): the tree is not needed.
        if fs::symlink_metadata(source).is_ok() {
            fsops::delete_tree(source)?;
        }
        Ok(path)
    }

    fn register_valid_paths(&self, infos: &[ValidPathInfo]) -> Result<(), StoreError> {
        let batch: HashSet<&StorePath> = infos.iter().map(|i| &i.info.path).collect();
        for v in infos {
            for reference in &v.info.references {
                if !batch.contains(reference) && !self.is_valid_path(reference)? {
                    return Err(StoreError::MissingReference {
                        path: self.store_dir.display(&v.info.path),
                        reference: self.store_dir.display(reference),
                    });
                }
            }
        }
        let _gc = self.gc_shared()?;
        for v in infos {
            let real = self.real_path(&v.info.path);
            if fs::symlink_metadata(&real).is_err() {
                return Err(StoreError::MissingContent {
                    path: self.store_dir.display(&v.info.path),
                    real_path: real,
                });
            }
            fsops::canonicalise(&real, false)?;
        }
        self.db().register(&self.store_dir, infos, Self::now())
    }

    fn register_derivation_output(
        &self,
        drv: &StorePath,
        output: &str,
        path: &StorePath,
    ) -> Result<(), StoreError> {
        let drv_text = self.store_dir.display(drv);
        if self
            .db()
            .add_derivation_output(&drv_text, output, &self.store_dir.display(path))?
        {
            Ok(())
        } else {
            Err(StoreError::InvalidPath { path: drv_text })
        }
    }

    fn add_temp_root(&self, path: &StorePath) -> Result<(), StoreError> {
        let mut guard = self
            .temp_roots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.as_ref().is_some_and(|r| r.recorded.contains(path)) {
            return Ok(());
        }
        let _gc = self.gc_shared()?;
        if guard.is_none() {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let file = self
                .state
                .join("temproots")
                .join(format!("{}-{n}", std::process::id()));
            let lock = FileLock::acquire(&file, LockMode::Exclusive)?;
            lock.file()
                .set_len(0)
                .map_err(|e| StoreError::io(Operation::Write, &file, e))?;
            *guard = Some(TempRoots {
                lock: Some(lock),
                path: file,
                recorded: HashSet::new(),
            });
        }
        let roots = guard.as_mut().ok_or_else(|| {
            StoreError::io(
                Operation::Write,
                self.state.join("temproots"),
                io::Error::other("temp-roots file vanished"),
            )
        })?;
        let line = format!("{}\n", self.store_dir.display(path));
        let lock = roots.lock.as_ref().ok_or_else(|| {
            StoreError::io(
                Operation::Write,
                &roots.path,
                io::Error::other("temp-roots file already released"),
            )
        })?;
        let mut file = lock.file();
        file.seek(SeekFrom::End(0))
            .and_then(|_| file.write_all(line.as_bytes()))
            .map_err(|e| StoreError::io(Operation::Write, &roots.path, e))?;
        roots.recorded.insert(path.clone());
        Ok(())
    }

    fn hash_path_for_store(
        &self,
        source: &Path,
        method: FileIngestionMethod,
        algo: HashAlgo,
        filter: Option<&mut PathFilter<'_>>,
    ) -> Result<Hash, StoreError> {
        if method == FileIngestionMethod::Recursive && filter.is_none() {
            return cairn_nar::hash_path(source, algo)
                .map(|(hash, _)| hash)
                .map_err(|e| StoreError::Dump {
                    path: source.to_owned(),
                    source: e,
                });
        }
        if method == FileIngestionMethod::Flat {
            let file =
                File::open(source).map_err(|e| StoreError::io(Operation::Open, source, e))?;
            let meta = file
                .metadata()
                .map_err(|e| StoreError::io(Operation::Stat, source, e))?;
            if !meta.is_file() {
                return Err(StoreError::NotRegularFile {
                    path: source.to_owned(),
                });
            }
            let mut hasher = Hasher::new(algo);
            io::copy(&mut io::BufReader::new(file), &mut hasher)
                .map_err(|e| StoreError::io(Operation::Read, source, e))?;
            return Ok(hasher.finish());
        }
        let (ca, _, _) = Self::dump_source(source, method, algo, filter, io::sink())?;
        Ok(ca)
    }
}
