//! Test support: an in-memory `Store`, directory snapshots and a small
//! random number generator.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cairn_hash::{Hash, HashAlgo};
use cairn_narinfo::PathInfo;
use cairn_store::{PathFilter, Store, StoreError, ValidPathInfo};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

/// A store that lives in memory: valid paths and their metadata, nothing
/// on disk except what a test writes under `root` itself.
pub(crate) struct MemoryStore {
    store_dir: StoreDir,
    root: PathBuf,
    paths: Mutex<BTreeMap<StorePath, ValidPathInfo>>,
    temp_roots: Mutex<BTreeSet<StorePath>>,
}

impl MemoryStore {
    /// An empty store whose real paths are under `root`.
    pub(crate) fn new(root: &Path) -> MemoryStore {
        MemoryStore {
            store_dir: StoreDir::default(),
            root: root.to_owned(),
            paths: Mutex::new(BTreeMap::new()),
            temp_roots: Mutex::new(BTreeSet::new()),
        }
    }

    /// Registers a new valid path named `name` that refers to
    /// `references` and has NAR size `nar_size`.
    pub(crate) fn add(&self, name: &str, references: &[&StorePath], nar_size: u64) -> StorePath {
        let mut paths = self.paths.lock().unwrap();
        let seed = format!("{name}:{}", paths.len());
        let digest = Hash::digest(HashAlgo::Sha256, seed.as_bytes());
        let mut short = [0u8; 20];
        short.copy_from_slice(&digest.as_bytes()[..20]);
        let path = StorePath::from_digest(&short, name).unwrap();
        let mut info = PathInfo::new(path.clone(), digest, nar_size);
        info.references = references.iter().map(|r| (*r).clone()).collect();
        paths.insert(path.clone(), ValidPathInfo::new(info));
        path
    }

    /// Registers an existing path (by name) with no references.
    pub(crate) fn add_existing(&self, path: &StorePath) {
        let digest = Hash::digest(HashAlgo::Sha256, path.to_string().as_bytes());
        self.paths.lock().unwrap().insert(
            path.clone(),
            ValidPathInfo::new(PathInfo::new(path.clone(), digest, 0)),
        );
    }

    /// The paths held by temporary roots.
    pub(crate) fn temp_roots(&self) -> BTreeSet<StorePath> {
        self.temp_roots.lock().unwrap().clone()
    }
}

impl Store for MemoryStore {
    fn store_dir(&self) -> &StoreDir {
        &self.store_dir
    }

    fn real_path(&self, path: &StorePath) -> PathBuf {
        self.root
            .join(self.store_dir.display(path).trim_start_matches('/'))
    }

    fn query_path_info(&self, path: &StorePath) -> Result<Option<ValidPathInfo>, StoreError> {
        Ok(self.paths.lock().unwrap().get(path).cloned())
    }

    fn query_referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        Ok(self
            .paths
            .lock()
            .unwrap()
            .values()
            .filter(|v| v.info.path != *path && v.info.references.contains(path))
            .map(|v| v.info.path.clone())
            .collect())
    }

    fn query_valid_derivers(&self, _: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        Ok(BTreeSet::new())
    }

    fn query_derivation_outputs(
        &self,
        _: &StorePath,
    ) -> Result<BTreeMap<String, StorePath>, StoreError> {
        Ok(BTreeMap::new())
    }

    fn query_path_from_hash_part(&self, hash_part: &str) -> Result<Option<StorePath>, StoreError> {
        Ok(self
            .paths
            .lock()
            .unwrap()
            .keys()
            .find(|p| p.hash_part() == hash_part)
            .cloned())
    }

    fn add_text_to_store(
        &self,
        _: &str,
        _: &[u8],
        _: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError> {
        unreachable!("profile tests add paths with MemoryStore::add")
    }

    fn add_path_to_store(
        &self,
        _: &str,
        _: &Path,
        _: FileIngestionMethod,
        _: HashAlgo,
        _: Option<&mut PathFilter<'_>>,
    ) -> Result<StorePath, StoreError> {
        unreachable!("profile tests add paths with MemoryStore::add")
    }

    fn add_nar_to_store(&self, _: &ValidPathInfo, _: &mut dyn Read) -> Result<(), StoreError> {
        unreachable!("profile tests add paths with MemoryStore::add")
    }

    fn add_tree_by_moving(
        &self,
        _: &str,
        _: &Path,
        _: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError> {
        unreachable!("profile tests add paths with MemoryStore::add")
    }

    fn register_valid_paths(&self, _: &[ValidPathInfo]) -> Result<(), StoreError> {
        unreachable!("profile tests add paths with MemoryStore::add")
    }

    fn register_derivation_output(
        &self,
        _: &StorePath,
        _: &str,
        _: &StorePath,
    ) -> Result<(), StoreError> {
        unreachable!("profile tests register no derivations")
    }

    fn add_temp_root(&self, path: &StorePath) -> Result<(), StoreError> {
        self.temp_roots.lock().unwrap().insert(path.clone());
        Ok(())
    }

    fn hash_path_for_store(
        &self,
        _: &Path,
        _: FileIngestionMethod,
        _: HashAlgo,
        _: Option<&mut PathFilter<'_>>,
    ) -> Result<Hash, StoreError> {
        unreachable!("profile tests hash nothing")
    }
}

/// Every entry of `dir` except lock files: symlinks as `name -> target`,
/// anything else as `name (file)`.
pub(crate) fn entries(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let kind = match std::fs::read_link(entry.path()) {
                Ok(target) => target.to_str().unwrap().to_owned(),
                Err(_) => "(file)".to_owned(),
            };
            (name, kind)
        })
        .filter(|(name, _)| !name.ends_with(".lock"))
        .collect()
}

/// `[(name, target)]` as the map [`entries`] returns.
pub(crate) fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, target)| ((*name).to_owned(), (*target).to_owned()))
        .collect()
}

/// xorshift64*: deterministic from its seed, which tests print.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded from the clock.
    pub(crate) fn from_clock() -> (Rng, u64) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let seed = u64::try_from(nanos & u128::from(u64::MAX)).unwrap() | 1;
        (Rng(seed), seed)
    }

    /// A number in `0..bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}
