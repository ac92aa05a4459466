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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cairn_store::Store;
use cairn_store_path::StorePath;
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
    let mut linker = Linker {
        store,
        out,
        priorities: BTreeMap::new(),
        report: LinkReport::default(),
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

/// Builds the user environment for `manifest` (its active elements'
/// store paths at their priorities), writes the manifest into it, and
/// adds it to `store`. The tree is assembled in a temporary directory
/// under `temp_parent`.
///
/// # Errors
/// Collisions, I/O and store errors.
pub fn add_user_environment(
    store: &dyn Store,
    manifest: &Manifest,
    temp_parent: &Path,
) -> Result<(StorePath, LinkReport), ProfileError> {
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
    let report = link_environment(store, &packages, &out)?;
    fs::write(out.join(MANIFEST_FILE), manifest.to_json(store.store_dir()))?;

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
    Ok((path, report))
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
    /// [`add_user_environment`]) and makes it the profile's new
    /// generation.
    ///
    /// # Errors
    /// As [`add_user_environment`] and [`ProfileLock::create_generation`].
    pub fn create_environment_generation(
        &self,
        store: &dyn Store,
        manifest: &Manifest,
        temp_parent: &Path,
    ) -> Result<(Switch, LinkReport), ProfileError> {
        let (environment, report) = add_user_environment(store, manifest, temp_parent)?;
        let switch = self.create_generation(store, &environment)?;
        Ok((switch, report))
    }
}

/// The state of one merge.
struct Linker<'a> {
    store: &'a dyn Store,
    out: &'a Path,
    /// Priority of each symlink made, by its path under `out`.
    priorities: BTreeMap<PathBuf, i64>,
    report: LinkReport,
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
        self.link_directory(&real, &logical, self.out, priority)?;
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
    /// (logically `logical`) into `destination`.
    fn link_directory(
        &mut self,
        real: &Path,
        logical: &Path,
        destination: &Path,
        priority: i64,
    ) -> Result<(), ProfileError> {
        for entry in fs::read_dir_sorted(real)? {
            let Some(name) = entry.file_name().map(ToOwned::to_owned) else {
                continue;
            };
            if name.as_encoded_bytes().first() == Some(&b'.') {
                continue;
            }
            let source_logical = logical.join(&name);
            let target = destination.join(&name);
            if is_excluded(&source_logical) {
                continue;
            }
            // Follow symlinks, as stat(2) does, but through the store's
            // real location (a chroot store's links name `/nix/store`).
            let metadata = match self.stat(&entry) {
                Ok(metadata) => metadata,
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
            };
            let existing = match std::fs::symlink_metadata(&target) {
                Ok(existing) => Some(existing),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(cairn_util::Error::new(
                        cairn_util::Operation::Stat,
                        &target,
                        source,
                    )
                    .into());
                }
            };
            if metadata.is_dir() {
                if let Some(existing) = existing {
                    if existing.is_dir() {
                        self.link_directory(&entry, &source_logical, &target, priority)?;
                        continue;
                    }
                    if existing.file_type().is_symlink() {
                        // A directory linked whole by an earlier package:
                        // make it real and link both packages' entries.
                        let other_logical = fs::read_link(&target)?;
                        let other_real = self.real_of(&other_logical);
                        if !self.stat(&other_real).is_ok_and(|m| m.is_dir()) {
                            return Err(ProfileError::CollisionWithFile {
                                directory: source_logical,
                                file: other_logical,
                            });
                        }
                        let other_priority =
                            self.priorities.get(&target).copied().unwrap_or(priority);
                        fs::remove_file(&target)?;
                        self.report.symlinks -= 1;
                        fs::create_dir(&target)?;
                        self.link_directory(&other_real, &other_logical, &target, other_priority)?;
                        self.link_directory(&entry, &source_logical, &target, priority)?;
                        continue;
                    }
                }
            } else if let Some(existing) = existing {
                if existing.file_type().is_symlink() {
                    let previous = self.priorities.get(&target).copied().unwrap_or(priority);
                    if previous == priority {
                        return Err(ProfileError::Collision {
                            file: source_logical,
                            existing: fs::read_link(&target)?,
                            priority,
                        });
                    }
                    if previous < priority {
                        continue;
                    }
                    fs::remove_file(&target)?;
                    self.report.symlinks -= 1;
                } else if existing.is_dir() {
                    return Err(ProfileError::CollisionWithDirectory {
                        file: source_logical,
                        directory: self.logical_of(&target),
                    });
                }
            }
            fs::symlink(&source_logical, &target)?;
            self.priorities.insert(target, priority);
            self.report.symlinks += 1;
        }
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
