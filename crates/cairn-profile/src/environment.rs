//! User environments: one store path that merges installed packages' trees
//! with symlinks, plus the `manifest.json` that says what it was made of.
//!
//! The merge is Nix's `buildenv` (checked against Nix 2.8's
//! `builtins/buildenv.cc`): packages go in by ascending priority number
//! (then by path), each file becomes a symlink to the package's file, a
//! directory is linked whole until a second package has the same
//! directory, at which point the link is replaced by a real directory
//! holding links to both. Two files at one place are a collision unless
//! their priorities differ (the lower number wins). Dot files,
//! `nix-support`, `propagated-build-inputs`, `perllocal.pod`, `info/dir`,
//! `log` and packages' own manifests are left out. Packages named in a
//! package's `nix-support/propagated-user-env-packages` go in afterwards
//! with priorities from 1000 up.
//!
//! Links point at logical store paths (`/nix/store/…`); the trees are read
//! through [`Store::real_path`], so chroot stores work.
//!
//! The finished tree is added to the store as a content-addressed object
//! named `user-environment` (recursive SHA-256, a `source` path) whose
//! references are the packages it links to, so the garbage collector keeps
//! them as long as the environment is alive. The same packages and
//! manifest always give the same path. The tree is moved into the store
//! ([`Store::add_tree_by_moving`]) rather than archived and unpacked, so
//! it is written once (copied only when `temp_parent` is on another file
//! system than the store).
//!
//! # Memoised environments
//!
//! Nix makes a user environment with a derivation, so asking for one it
//! made before costs nothing: the output is already valid. Ours is
//! content-addressed, and its path is only known once the tree is built,
//! so an [`EnvironmentCache`] plays the derivation's part: a directory of
//! symlinks named by a hash of the recipe (the store directory and the
//! manifest text, which lists every linked path and its priority) pointing
//! at the environment that recipe made. Store paths are immutable, so the
//! same recipe always merges to the same tree; a hit whose target is still
//! valid (checked after taking a temporary root, so the collector cannot
//! take it in between) is used as it is. Rolling back and installing the
//! same package again, or two users with the same packages, then make
//! no tree at all. The cache is not a garbage-collector root; an entry
//! whose environment was collected is simply rebuilt and overwritten.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use cairn_hash::{Hash, HashAlgo};
use cairn_store::Store;
use cairn_store_path::{StoreDir, StorePath};
use cairn_util::{TempDir, fs};

use crate::error::ProfileError;
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::profile::{ProfileLock, Switch};

/// The name of user-environment store paths.
pub const ENVIRONMENT_NAME: &str = "user-environment";

/// First priority given to propagated packages, as in Nix.
const PROPAGATED_PRIORITY: i64 = 1000;

/// What linking an environment did, besides the tree itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkReport {
    /// Every package linked, explicit and propagated.
    pub packages: BTreeSet<StorePath>,
    /// Number of symlinks made.
    pub symlinks: usize,
    /// Things left out, with the reason (a package that is not a
    /// directory, a dangling symlink), for the caller to show as warnings.
    pub warnings: Vec<String>,
    /// Whether an environment made earlier from the same manifest was
    /// reused (nothing was linked, so the other fields are empty).
    pub reused: bool,
}

/// Merges `packages` (store path and priority; lower wins) into the empty
/// directory `out` with symlinks, as Nix's `buildenv` does.
///
/// # Errors
/// [`ProfileError::Collision`], [`ProfileError::CollisionWithFile`] and
/// [`ProfileError::CollisionWithDirectory`]
/// for files that cannot be merged; I/O errors.
pub fn link_environment(
    store: &dyn Store,
    packages: &[(StorePath, i64)],
    out: &Path,
) -> Result<LinkReport, ProfileError> {
    link_environment_sharing(store, packages, out, None)
}

/// [`link_environment`], sharing the links of the earlier environment
/// `base` (its real directory) where they are the same: a link that
/// `base` has at the same place with the same target is hard-linked
/// instead of made anew (see [`Reuse::base`]). The tree is the same either
/// way.
///
/// # Errors
/// As [`link_environment`].
pub fn link_environment_sharing(
    store: &dyn Store,
    packages: &[(StorePath, i64)],
    out: &Path,
    base: Option<&Path>,
) -> Result<LinkReport, ProfileError> {
    let base = base.filter(|base| is_real_dir(base)).map(Path::to_owned);
    let mut linker = Linker {
        store,
        out,
        made: HashMap::new(),
        report: LinkReport::default(),
        share: base.is_some(),
        base,
    };
    let mut ordered: Vec<(i64, String, &StorePath)> = packages
        .iter()
        .map(|(path, priority)| (*priority, store.store_dir().display(path), path))
        .collect();
    ordered.sort();
    let mut postponed: BTreeSet<StorePath> = BTreeSet::new();
    for (priority, _, path) in ordered {
        linker.add_package(path, priority, &mut postponed)?;
    }
    let mut priority = PROPAGATED_PRIORITY;
    while !postponed.is_empty() {
        let batch = std::mem::take(&mut postponed);
        for path in &batch {
            linker.add_package(path, priority, &mut postponed)?;
            priority += 1;
        }
    }
    Ok(linker.report)
}

/// Shortcuts [`add_user_environment`] may take; none changes the result.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reuse<'a> {
    /// Environments remembered by manifest: a hit is used as it is.
    pub cache: Option<&'a EnvironmentCache>,
    /// An earlier environment (typically the current generation's) whose
    /// links are hard-linked into the new tree where it has the same link
    /// at the same place. Installing one package into a profile of a
    /// thousand then makes one new symlink, not a thousand: a symlink
    /// whose target is too long to live in its inode (most store paths)
    /// costs a block allocation, a hard link only a directory entry.
    /// Symlinks in the store never change (their mode, owner and time are
    /// canonical), so sharing their inodes is as safe as the store's
    /// deduplication of files. Where hard links cannot be made (another
    /// file system, someone else's files) links are made anew.
    pub base: Option<&'a StorePath>,
}

/// Builds the user environment for `manifest` (its active elements'
/// store paths at their priorities), writes the manifest into it, and
/// adds it to `store`. The tree is assembled in a temporary directory
/// under `temp_parent`. With a cache in `reuse`, an environment made before
/// from the same manifest is reused (see the module documentation); the
/// report is then empty and says so ([`LinkReport::reused`]). With a base
/// in `reuse`, its links are shared ([`Reuse::base`]).
///
/// # Errors
/// Collisions, I/O and store errors.
pub fn add_user_environment(
    store: &dyn Store,
    manifest: &Manifest,
    temp_parent: &Path,
    reuse: Reuse<'_>,
) -> Result<(StorePath, LinkReport), ProfileError> {
    let cache = reuse.cache;
    let json = manifest.to_json(store.store_dir());
    let key = cache.map(|_| EnvironmentCache::key(store.store_dir(), &json));
    if let (Some(cache), Some(key)) = (cache, &key)
        && let Some(path) = cache.lookup(store, key)?
    {
        let report = LinkReport {
            reused: true,
            ..LinkReport::default()
        };
        return Ok((path, report));
    }
    let temp = TempDir::new_in(temp_parent, ".cairn-user-environment")?;
    let out = temp.path().join(ENVIRONMENT_NAME);
    fs::create_dir(&out)?;
    let packages: Vec<(StorePath, i64)> = manifest
        .elements
        .iter()
        .filter(|element| element.active)
        .flat_map(|element| {
            element
                .store_paths
                .iter()
                .map(|path| (path.clone(), element.priority))
        })
        .collect();
    // The base's links are only read; a temporary root keeps it whole
    // meanwhile even when it is no longer any generation's.
    let base = match reuse.base {
        Some(base) => {
            store.add_temp_root(base)?;
            store.is_valid_path(base)?.then(|| store.real_path(base))
        }
        None => None,
    };
    let report = link_environment_sharing(store, &packages, &out, base.as_deref())?;
    fs::write(out.join(MANIFEST_FILE), &json)?;

    // Everything the environment links to, and what its manifest names.
    let mut references = report.packages.clone();
    references.extend(
        manifest
            .elements
            .iter()
            .flat_map(|element| element.store_paths.iter().cloned()),
    );
    // Moved into the store, not copied: a large profile's tree of links is
    // written once.
    let path = store.add_tree_by_moving(ENVIRONMENT_NAME, &out, &references)?;
    temp.remove()?;
    if let (Some(cache), Some(key)) = (cache, &key) {
        cache.record(store.store_dir(), key, &path);
    }
    Ok((path, report))
}

/// User environments remembered by recipe, so the same manifest is not
/// merged twice (see the module documentation): a directory of symlinks
/// `KEY -> /nix/store/HASH-user-environment`, `KEY` the base-32 SHA-256 of
/// the store directory and the manifest text.
#[derive(Debug, Clone)]
pub struct EnvironmentCache {
    dir: PathBuf,
}

impl EnvironmentCache {
    /// Bumped whenever the merge changes what it makes from a manifest,
    /// so environments made by an older merge are not reused.
    const RECIPE_VERSION: &'static str = "cairn-user-environment-1";

    /// The cache in `dir` (a store's `nix/var/cairn/user-environments`),
    /// created on first write.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> EnvironmentCache {
        EnvironmentCache { dir: dir.into() }
    }

    /// The cache's directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry name for a manifest's text.
    fn key(store_dir: &StoreDir, manifest_json: &str) -> String {
        let recipe = format!("{}\0{store_dir}\0{manifest_json}", Self::RECIPE_VERSION);
        Hash::digest(HashAlgo::Sha256, recipe.as_bytes()).to_nix32()
    }

    /// The environment recorded under `key`, protected by a temporary
    /// root, if it is still valid.
    fn lookup(&self, store: &dyn Store, key: &str) -> Result<Option<StorePath>, ProfileError> {
        let target = match fs::read_link(self.dir.join(key)) {
            Ok(target) => target,
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        };
        // Anything unexpected in the cache is a miss, never an error: the
        // entry is rewritten after the rebuild.
        let Ok(path) = store.store_dir().parse_path(&target.to_string_lossy()) else {
            return Ok(None);
        };
        if path.name() != ENVIRONMENT_NAME {
            return Ok(None);
        }
        store.add_temp_root(&path)?;
        Ok(store.is_valid_path(&path)?.then_some(path))
    }

    /// Records that `key` made `path`. Best effort: the environment exists
    /// whether or not it is remembered, so a cache that cannot be written
    /// (a read-only state directory) only costs a rebuild next time.
    fn record(&self, store_dir: &StoreDir, key: &str, path: &StorePath) {
        let temp = self.dir.join(format!(".{key}.tmp-{}", std::process::id()));
        let written = fs::create_dir_all(&self.dir)
            .and_then(|()| {
                let _ = fs::remove_file(&temp);
                fs::symlink(store_dir.display(path), &temp)
            })
            .and_then(|()| fs::rename(&temp, self.dir.join(key)));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
    }
}

impl ProfileLock<'_> {
    /// The manifest of the current generation: empty when the profile has
    /// no current generation yet.
    ///
    /// # Errors
    /// [`ProfileError::NotAnEnvironment`] when the current generation is
    /// not a user environment (it has no `manifest.json`); a malformed
    /// manifest; I/O errors.
    pub fn current_manifest(&self, store: &dyn Store) -> Result<Manifest, ProfileError> {
        let Some(target) = self.profile().resolve()? else {
            return Ok(Manifest::default());
        };
        Manifest::read(store, &target)?.ok_or_else(|| ProfileError::NotAnEnvironment {
            profile: self.profile().path().to_owned(),
            path: store.store_dir().display(&target),
        })
    }

    /// Builds the user environment of `manifest` (see
    /// [`add_user_environment`]; with `cache`, and sharing the links of the
    /// current generation's environment) and makes it the profile's new
    /// generation.
    ///
    /// # Errors
    /// As [`add_user_environment`] and [`ProfileLock::create_generation`].
    pub fn create_environment_generation(
        &self,
        store: &dyn Store,
        manifest: &Manifest,
        temp_parent: &Path,
        cache: Option<&EnvironmentCache>,
    ) -> Result<(Switch, LinkReport), ProfileError> {
        // The current generation's environment shares its links.
        let base = self.profile().resolve()?;
        let reuse = Reuse {
            cache,
            base: base.as_ref(),
        };
        let (environment, report) = add_user_environment(store, manifest, temp_parent, reuse)?;
        let switch = self.create_generation(store, &environment)?;
        Ok((switch, report))
    }
}

/// What the merge put at a path of the output.
#[derive(Debug, Clone)]
enum Made {
    /// A symlink to `target` (a logical path), from a package of
    /// `priority`.
    Link { target: PathBuf, priority: i64 },
    /// A real directory, merging several packages' directories; `base`
    /// is its counterpart in the base environment, when that is a real
    /// directory too.
    Dir { base: Option<PathBuf> },
}

/// The state of one merge.
struct Linker<'a> {
    store: &'a dyn Store,
    out: &'a Path,
    /// Everything made under `out` so far, by path. The output starts
    /// empty and only the merge writes it, so this is what is on disk.
    made: HashMap<PathBuf, Made>,
    report: LinkReport,
    /// The real directory of the environment whose links may be shared.
    base: Option<PathBuf>,
    /// Whether hard links still work (false after one failed for a reason
    /// that will not change: another file system, permissions).
    share: bool,
}

impl Linker<'_> {
    /// Links one package and queues what it propagates.
    fn add_package(
        &mut self,
        path: &StorePath,
        priority: i64,
        postponed: &mut BTreeSet<StorePath>,
    ) -> Result<(), ProfileError> {
        if !self.report.packages.insert(path.clone()) {
            return Ok(());
        }
        let real = self.store.real_path(path);
        let logical = PathBuf::from(self.store.store_dir().display(path));
        match fs::symlink_metadata(&real) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => {
                self.report.warnings.push(format!(
                    "not including '{}' in the user environment because it's not a directory",
                    logical.display()
                ));
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        }
        let base = self.base.clone();
        let has_support =
            self.link_directory(&real, &logical, self.out, base.as_deref(), priority)?;
        if !has_support {
            // No `nix-support`, so nothing propagated: spares a failed open
            // per package.
            return Ok(());
        }
        let propagated = real.join("nix-support/propagated-user-env-packages");
        match fs::read_to_string(&propagated) {
            Ok(text) => {
                for word in text.split_whitespace() {
                    let other = self.store.store_dir().parse_path(word).map_err(|source| {
                        ProfileError::BadLink {
                            link: propagated.clone(),
                            target: word.to_owned(),
                            source,
                        }
                    })?;
                    if !self.report.packages.contains(&other) {
                        postponed.insert(other);
                    }
                }
            }
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    /// Nix's `createLinks`: links the entries of the directory `real`
    /// (logically `logical`) into `destination`, whose counterpart in the
    /// base environment is the real directory `base`. Returns whether
    /// `real` has an entry named `nix-support` (which is never linked).
    ///
    /// What is already in the output comes from [`Linker::made`], not
    /// from the disk, and entry kinds from `readdir`, so only symlinks of
    /// the packages are `stat`ed: a package costs two `readdir`s and a
    /// link, not a `stat` of every entry on both sides.
    fn link_directory(
        &mut self,
        real: &Path,
        logical: &Path,
        destination: &Path,
        base: Option<&Path>,
        priority: i64,
    ) -> Result<bool, ProfileError> {
        let read_error =
            |source| cairn_util::Error::new(cairn_util::Operation::ReadDir, real, source);
        let mut entries: Vec<(OsString, std::fs::FileType)> = Vec::new();
        for entry in fs::read_dir(real)? {
            let entry = entry.map_err(read_error)?;
            let file_type = entry.file_type().map_err(read_error)?;
            entries.push((entry.file_name(), file_type));
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut has_support = false;
        for (name, file_type) in entries {
            has_support |= name == "nix-support";
            if name.as_encoded_bytes().first() == Some(&b'.') {
                continue;
            }
            let source_logical = logical.join(&name);
            let target = destination.join(&name);
            if is_excluded(&source_logical) {
                continue;
            }
            let entry = real.join(&name);
            // Follow symlinks, as stat(2) does, but through the store's
            // real location (a chroot store's links name `/nix/store`).
            let is_dir = if file_type.is_symlink() {
                match self.stat(&entry) {
                    Ok(metadata) => metadata.is_dir(),
                    Err(err)
                        if matches!(
                            err.kind(),
                            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                        ) =>
                    {
                        self.report
                            .warnings
                            .push(format!("skipping dangling symlink '{}'", target.display()));
                        continue;
                    }
                    Err(source) => {
                        return Err(cairn_util::Error::new(
                            cairn_util::Operation::Stat,
                            &entry,
                            source,
                        )
                        .into());
                    }
                }
            } else {
                file_type.is_dir()
            };
            match (is_dir, self.made.get(&target).cloned()) {
                (true, Some(Made::Dir { base: sub_base })) => {
                    self.link_directory(
                        &entry,
                        &source_logical,
                        &target,
                        sub_base.as_deref(),
                        priority,
                    )?;
                    continue;
                }
                (
                    true,
                    Some(Made::Link {
                        target: other_logical,
                        priority: other_priority,
                    }),
                ) => {
                    // A directory linked whole by an earlier package: make
                    // it real and link both packages' entries.
                    let other_real = self.real_of(&other_logical);
                    if !self.stat(&other_real).is_ok_and(|m| m.is_dir()) {
                        return Err(ProfileError::CollisionWithFile {
                            directory: source_logical,
                            file: other_logical,
                        });
                    }
                    fs::remove_file(&target)?;
                    self.report.symlinks -= 1;
                    fs::create_dir(&target)?;
                    // Only a real directory of the base is looked into: a
                    // link there would lead out of it.
                    let sub_base = base.map(|b| b.join(&name)).filter(|b| is_real_dir(b));
                    self.made.insert(
                        target.clone(),
                        Made::Dir {
                            base: sub_base.clone(),
                        },
                    );
                    self.link_directory(
                        &other_real,
                        &other_logical,
                        &target,
                        sub_base.as_deref(),
                        other_priority,
                    )?;
                    self.link_directory(
                        &entry,
                        &source_logical,
                        &target,
                        sub_base.as_deref(),
                        priority,
                    )?;
                    continue;
                }
                (
                    false,
                    Some(Made::Link {
                        target: existing,
                        priority: previous,
                    }),
                ) => {
                    if previous == priority {
                        return Err(ProfileError::Collision {
                            file: source_logical,
                            existing,
                            priority,
                        });
                    }
                    if previous < priority {
                        continue;
                    }
                    fs::remove_file(&target)?;
                    self.report.symlinks -= 1;
                }
                (false, Some(Made::Dir { .. })) => {
                    return Err(ProfileError::CollisionWithDirectory {
                        file: source_logical,
                        directory: self.logical_of(&target),
                    });
                }
                (_, None) => {}
            }
            self.make_link(&source_logical, &target, base.map(|b| b.join(&name)))?;
            self.made.insert(
                target,
                Made::Link {
                    target: source_logical,
                    priority,
                },
            );
            self.report.symlinks += 1;
        }
        Ok(has_support)
    }

    /// Makes `link` a symlink to `target`: a hard link of `shared` (the
    /// same place in the base environment) when that is a symlink to the
    /// same target, else a new symlink.
    fn make_link(
        &mut self,
        target: &Path,
        link: &Path,
        shared: Option<PathBuf>,
    ) -> Result<(), ProfileError> {
        if let Some(shared) = shared.filter(|_| self.share)
            && std::fs::read_link(&shared).is_ok_and(|t| t == target)
        {
            // `link(2)` links a symlink itself, never what it points to.
            match std::fs::hard_link(&shared, link) {
                Ok(()) => return Ok(()),
                Err(err) => {
                    // Another file system or someone else's links: that
                    // will not change, so stop trying. Anything else
                    // (a link count at its limit) only costs this one.
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::CrossesDevices | std::io::ErrorKind::PermissionDenied
                    ) {
                        self.share = false;
                    }
                }
            }
        }
        fs::symlink(target, link)?;
        Ok(())
    }

    /// Where the logical path `logical` (inside the store) is on disk.
    fn real_of(&self, logical: &Path) -> PathBuf {
        let text = logical.to_string_lossy();
        match self.store.store_dir().parse_path_within(&text) {
            Ok((path, rest)) => {
                let real = self.store.real_path(&path);
                if rest.is_empty() {
                    real
                } else {
                    real.join(rest.trim_start_matches('/'))
                }
            }
            Err(_) => logical.to_owned(),
        }
    }

    /// `stat(2)` of `path` with each absolute link target inside the
    /// store read at its real location, so packages of a chroot store
    /// whose files link to other store paths are seen as they will be.
    fn stat(&self, path: &Path) -> std::io::Result<std::fs::Metadata> {
        /// As the kernel's limit on symlinks followed in one lookup.
        const MAX_LINKS: usize = 40;
        let mut current = path.to_owned();
        for _ in 0..MAX_LINKS {
            let metadata = std::fs::symlink_metadata(&current)?;
            if !metadata.file_type().is_symlink() {
                return Ok(metadata);
            }
            let target = std::fs::read_link(&current)?;
            current = if target.is_absolute() {
                self.real_of(&target)
            } else {
                current.parent().unwrap_or(Path::new("/")).join(target)
            };
        }
        Err(std::io::Error::other("too many levels of symbolic links"))
    }

    /// A path under the output, for messages.
    fn logical_of(&self, target: &Path) -> PathBuf {
        target
            .strip_prefix(self.out)
            .map_or_else(|_| target.to_owned(), |rest| Path::new("/").join(rest))
    }
}

/// Whether `path` is a directory itself, not a link to one.
fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// The files Nix keeps out of user environments.
fn is_excluded(path: &Path) -> bool {
    let text = path.to_string_lossy();
    [
        "/propagated-build-inputs",
        "/nix-support",
        "/perllocal.pod",
        "/info/dir",
        "/log",
        "/manifest.nix",
        "/manifest.json",
    ]
    .iter()
    .any(|suffix| text.ends_with(suffix))
}
