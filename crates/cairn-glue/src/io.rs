//! [`GlueIo`]: the evaluator's file access and store seam, and the state
//! the store-aware builtins keep for one evaluation.
//!
//! Builtins are plain `fn`s, so their state lives here and they reach it
//! through [`Evaluator::io`](cairn_eval::Evaluator::io) and [`EvalIo::as_any`] ([`GlueIo::of`]).
//!
//! Two modes, as in Nix 2.8: [`Mode::ReadOnly`] (`nix-instantiate --eval`)
//! computes every store path (sources, `toFile`, `.drv` files) without
//! writing anything; [`Mode::ReadWrite`] (`nix-instantiate`,
//! `--read-write-mode`) adds them to the store. Either way the objects made
//! in this evaluation are remembered (their references, and each
//! derivation), because `hashDerivationModulo` and the closure of a
//! `=`-context need them and in read-only mode they are nowhere else.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use cairn_derivation::{Derivation, DerivationResolver, ModuloHasher, ResolveError};
use cairn_eval::{ErrorKind, EvalError, EvalIo, EvalResult, FileType, StdIo};
use cairn_hash::HashAlgo;
use cairn_store::Store;
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

use crate::paths::{HostFilter, compute_path_for_host};

/// Whether the evaluation may write to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Compute store paths, write nothing (`nix-instantiate --eval`).
    ReadOnly,
    /// Add sources, `toFile` results and `.drv` files to the store.
    ReadWrite,
}

/// Finds input derivations for `hashDerivationModulo`: first among those
/// made in this evaluation, then in the store (parsed from their `.drv`
/// file).
pub(crate) struct DrvResolver {
    made: MadeDrvs,
    store_dir: StoreDir,
    store: Rc<LazyStore>,
}

/// Opens the store the first time the evaluation needs it (see
/// [`GlueIo::with_store_opener`]); the message says why it could not.
pub type StoreOpener = Box<dyn Fn() -> Result<Arc<dyn Store>, String>>;

/// A store opened on first use, so that an evaluation that never touches
/// the store never opens (or creates) one.
pub(crate) struct LazyStore {
    cell: std::cell::OnceCell<Result<Option<Arc<dyn Store>>, String>>,
    opener: Option<StoreOpener>,
}

impl LazyStore {
    fn ready(store: Option<Arc<dyn Store>>) -> LazyStore {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(Ok(store));
        LazyStore { cell, opener: None }
    }

    fn lazy(opener: StoreOpener) -> LazyStore {
        LazyStore {
            cell: std::cell::OnceCell::new(),
            opener: Some(opener),
        }
    }

    /// The store (opening it now if needed), or `None` without one.
    pub(crate) fn get(&self) -> Result<Option<&Arc<dyn Store>>, String> {
        let r = self.cell.get_or_init(|| match &self.opener {
            Some(open) => open().map(Some),
            None => Ok(None),
        });
        match r {
            Ok(s) => Ok(s.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }
}

/// A `.drv` file that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("reading derivation '{path}': {reason}")]
pub(crate) struct ReadDrvError {
    path: String,
    reason: String,
}

impl DrvResolver {
    /// Reads the derivation at `path` (made here, or from the store).
    pub(crate) fn read(&self, path: &StorePath) -> Result<Option<Derivation>, ReadDrvError> {
        if let Some(drv) = self.made.borrow().get(path) {
            return Ok(Some(drv.clone()));
        }
        let store = self.store.get().map_err(|reason| ReadDrvError {
            path: self.store_dir.display(path),
            reason,
        })?;
        let host = real_store_path(store.map(AsRef::as_ref), &self.store_dir, path);
        let bytes = match std::fs::read(&host) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ReadDrvError {
                    path: self.store_dir.display(path),
                    reason: e.to_string(),
                });
            }
        };
        Derivation::from_aterm(&self.store_dir, &bytes)
            .map(Some)
            .map_err(|e| ReadDrvError {
                path: self.store_dir.display(path),
                reason: e.to_string(),
            })
    }
}

impl DerivationResolver for DrvResolver {
    fn resolve(&mut self, drv_path: &StorePath) -> Result<Option<Derivation>, ResolveError> {
        self.read(drv_path).map_err(|e| Box::new(e) as ResolveError)
    }
}

/// The derivations made in this evaluation, shared by the state and the
/// resolver inside the hasher.
pub(crate) type MadeDrvs = Rc<RefCell<HashMap<StorePath, Derivation>>>;

/// Where a store object's files are on this machine.
pub(crate) fn real_store_path(
    store: Option<&dyn Store>,
    store_dir: &StoreDir,
    path: &StorePath,
) -> PathBuf {
    match store {
        Some(s) => s.real_path(path),
        None => PathBuf::from(store_dir.display(path)),
    }
}

/// Mutable state of one evaluation.
pub(crate) struct GlueState {
    /// `hashDerivationModulo` with its memo; its resolver holds every
    /// derivation made in this evaluation.
    pub(crate) hasher: ModuloHasher<DrvResolver>,
    /// References of every object made (or computed) in this evaluation.
    pub(crate) references: HashMap<StorePath, BTreeSet<StorePath>>,
    /// Host paths already copied (Nix's `srcToStore`).
    pub(crate) src_to_store: HashMap<String, StorePath>,
    /// The derivations made in this evaluation (also seen by the hasher).
    pub(crate) made: MadeDrvs,
}

/// The evaluator's I/O with a store behind it. Construct with
/// [`GlueIo::new`] and hand it to [`crate::evaluator`].
pub struct GlueIo {
    store_dir: StoreDir,
    store: Rc<LazyStore>,
    mode: Mode,
    /// `mirrors.NAME`, for `mirror://` URLs in the fetchers.
    mirrors: cairn_build::Mirrors,
    pub(crate) state: RefCell<GlueState>,
}

impl std::fmt::Debug for GlueIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlueIo")
            .field("store_dir", &self.store_dir)
            .field("store_opened", &self.store.cell.get().is_some())
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl GlueIo {
    /// I/O for an evaluation against `store` (or, without one, the store
    /// directory alone: only [`Mode::ReadOnly`] makes sense then, and
    /// existing store objects are read at their logical paths).
    #[must_use]
    pub fn new(store_dir: StoreDir, store: Option<Arc<dyn Store>>, mode: Mode) -> GlueIo {
        GlueIo::with_lazy_store(store_dir, Rc::new(LazyStore::ready(store)), mode)
    }

    /// I/O whose store is opened by `opener` when the evaluation first
    /// needs it (to write, or to read an object it did not make), so an
    /// evaluation that needs no store opens none.
    #[must_use]
    pub fn with_store_opener(store_dir: StoreDir, opener: StoreOpener, mode: Mode) -> GlueIo {
        GlueIo::with_lazy_store(store_dir, Rc::new(LazyStore::lazy(opener)), mode)
    }

    fn with_lazy_store(store_dir: StoreDir, store: Rc<LazyStore>, mode: Mode) -> GlueIo {
        let made = MadeDrvs::default();
        let resolver = DrvResolver {
            made: Rc::clone(&made),
            store_dir: store_dir.clone(),
            store: Rc::clone(&store),
        };
        GlueIo {
            state: RefCell::new(GlueState {
                hasher: ModuloHasher::new(store_dir.clone(), resolver),
                references: HashMap::new(),
                src_to_store: HashMap::new(),
                made,
            }),
            store_dir,
            store,
            mode,
            mirrors: cairn_build::Mirrors::new(),
        }
    }

    /// The same I/O resolving `mirror://NAME/…` URLs in `fetchurl` and
    /// `fetchTarball` through `mirrors` (the `mirrors.NAME` settings);
    /// without it, every `mirror://` URL is an error naming the setting.
    #[must_use]
    pub fn with_mirrors(mut self, mirrors: cairn_build::Mirrors) -> GlueIo {
        self.mirrors = mirrors;
        self
    }

    /// The configured mirrors.
    pub(crate) fn mirrors(&self) -> &cairn_build::Mirrors {
        &self.mirrors
    }

    /// The [`GlueIo`] behind an evaluator's I/O (see [`crate::evaluator`]).
    /// Callers clone the `Rc` out of [`Evaluator::io`](cairn_eval::Evaluator::io) first, so the
    /// evaluator stays free to be borrowed mutably.
    pub(crate) fn from_io(io: &Rc<dyn EvalIo>) -> EvalResult<&GlueIo> {
        io.as_any()
            .and_then(|a| a.downcast_ref::<GlueIo>())
            .ok_or_else(|| {
                other("the store-aware builtins need an evaluator made by cairn_glue::evaluator")
            })
    }

    /// Whether the evaluation writes to the store.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The logical store directory.
    #[must_use]
    pub fn store_dir_value(&self) -> &StoreDir {
        &self.store_dir
    }

    /// The store, if there is one (opened now if it was not yet).
    ///
    /// # Errors
    /// The store could not be opened.
    pub fn store(&self) -> EvalResult<Option<&Arc<dyn Store>>> {
        self.store.get().map_err(other)
    }

    /// The derivations made in this evaluation, by `.drv` path.
    #[must_use]
    pub fn derivations(&self) -> Vec<(StorePath, Derivation)> {
        let state = self.state.borrow();
        let made = state.made.borrow();
        let mut v: Vec<_> = made.iter().map(|(p, d)| (p.clone(), d.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Where `path` (a host path, possibly inside the store) is on this
    /// machine.
    pub(crate) fn host_path(&self, path: &str) -> PathBuf {
        if let Ok((sp, within)) = self.store_dir.parse_path_within(path)
            && let Ok(Some(store)) = self.store.get()
        {
            let mut p = store.real_path(&sp).into_os_string();
            p.push(within);
            return PathBuf::from(p);
        }
        PathBuf::from(path)
    }

    /// Reads a derivation made in this evaluation or found in the store.
    pub(crate) fn read_derivation(&self, path: &StorePath) -> EvalResult<Derivation> {
        let resolver = DrvResolver {
            made: Rc::clone(&self.state.borrow().made),
            store_dir: self.store_dir.clone(),
            store: Rc::clone(&self.store),
        };
        match resolver.read(path) {
            Ok(Some(d)) => Ok(d),
            Ok(None) => Err(other(format!(
                "path '{}' is not valid",
                self.store_dir.display(path)
            ))),
            Err(e) => Err(other(e.to_string())),
        }
    }

    /// The closure of `path` under references, as Nix's `computeFSClosure`,
    /// over the objects made in this evaluation and the store.
    pub(crate) fn closure(&self, path: &StorePath) -> EvalResult<BTreeSet<StorePath>> {
        let mut done = BTreeSet::new();
        let mut todo = vec![path.clone()];
        while let Some(p) = todo.pop() {
            if done.contains(&p) {
                continue;
            }
            let refs = self.references_of(&p)?;
            todo.extend(refs.into_iter().filter(|r| !done.contains(r)));
            done.insert(p);
        }
        Ok(done)
    }

    fn references_of(&self, path: &StorePath) -> EvalResult<BTreeSet<StorePath>> {
        if let Some(refs) = self.state.borrow().references.get(path) {
            return Ok(refs.clone());
        }
        if let Some(store) = self.store()?
            && let Some(info) = store
                .query_path_info(path)
                .map_err(|e| other(e.to_string()))?
        {
            return Ok(info.info.references.iter().cloned().collect());
        }
        Err(other(format!(
            "path '{}' is not valid",
            self.store_dir.display(path)
        )))
    }

    /// Whether `path` is valid in the store or was made in this evaluation.
    pub(crate) fn is_known_path(&self, path: &StorePath) -> EvalResult<bool> {
        if self.state.borrow().references.contains_key(path) {
            return Ok(true);
        }
        match self.store()? {
            Some(s) => s.is_valid_path(path).map_err(|e| other(e.to_string())),
            None => Ok(std::fs::symlink_metadata(self.store_dir.display(path)).is_ok()),
        }
    }

    /// Records an object made in this evaluation.
    pub(crate) fn remember(&self, path: &StorePath, references: BTreeSet<StorePath>) {
        self.state
            .borrow_mut()
            .references
            .insert(path.clone(), references);
    }

    /// Adds (or, read-only, computes the path of) a text object.
    pub(crate) fn add_text(
        &self,
        name: &str,
        text: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> EvalResult<StorePath> {
        let store = match self.mode {
            Mode::ReadWrite => self.store()?,
            Mode::ReadOnly => None,
        };
        let path = match store {
            Some(store) => store
                .add_text_to_store(name, text, references)
                .map_err(|e| other(e.to_string()))?,
            _ => self
                .store_dir
                .text_path_for(name, text, references)
                .map_err(|e| other(e.to_string()))?,
        };
        self.remember(&path, references.clone());
        Ok(path)
    }

    /// Adds (or computes the path of) the host tree or file `source` as
    /// `name`, hashed with `method` and SHA-256, keeping what `filter`
    /// accepts.
    pub(crate) fn add_host_path(
        &self,
        name: &str,
        source: &Path,
        method: FileIngestionMethod,
        filter: Option<&mut HostFilter<'_>>,
    ) -> EvalResult<StorePath> {
        let store = match self.mode {
            Mode::ReadWrite => self.store()?,
            Mode::ReadOnly => None,
        };
        let path = match store {
            Some(store) => {
                crate::paths::add_with_store(store.as_ref(), name, source, method, filter)?
            }
            _ => compute_path_for_host(
                &self.store_dir,
                name,
                source,
                method,
                HashAlgo::Sha256,
                filter,
            )?,
        };
        self.remember(&path, BTreeSet::new());
        Ok(path)
    }
}

/// An [`ErrorKind::Other`] error.
pub(crate) fn other(msg: impl Into<String>) -> EvalError {
    EvalError::new(ErrorKind::Other(msg.into()))
}

impl EvalIo for GlueIo {
    fn path_exists(&self, path: &str) -> io::Result<bool> {
        std::fs::exists(self.host_path(path))
    }

    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.host_path(path))
    }

    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, FileType)>> {
        StdIo.read_dir(self.host_path(path).to_str().unwrap_or(path))
    }

    fn file_type(&self, path: &str) -> io::Result<FileType> {
        StdIo.file_type(self.host_path(path).to_str().unwrap_or(path))
    }

    fn copy_path_to_store(&self, path: &str) -> EvalResult<String> {
        crate::paths::copy_path_to_store(self, path)
    }

    fn store_dir(&self) -> &str {
        self.store_dir.as_str()
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
