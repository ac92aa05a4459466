//! A profile `P`: a symlink to `P-N-link` beside it, and the changes to it.
//!
//! # Why each change is safe
//!
//! Every change holds an exclusive `flock` on `P.lock` (through
//! [`ProfileLock`]), so concurrent changes to one profile, from threads or
//! processes, run one after the other and none is lost: each new generation
//! is numbered after the highest existing one *while the lock is held*.
//!
//! Links are never written in place. A new symlink is made under a
//! temporary name `.NAME.tmp-PID-SEQ` in the same directory and renamed
//! over its final name with one `rename(2)`, which replaces a directory
//! entry atomically; the directory is then flushed. A new generation link
//! is renamed into place (and flushed) *before* `P` is switched to it, so
//! after a crash at any point `P` still points at a complete generation:
//! the old one or the new one. A crash can leave a temporary symlink
//! behind; the next change (which holds the lock, so no temporary of this
//! profile can be in flight) removes it.
//!
//! `P` points at its generation by a relative name (`P -> P-7-link`), and a
//! generation link at the logical store path (`/nix/store/HASH-NAME`), as
//! Nix writes them; for a chroot store the real files are reached through
//! `Store::real_path`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use cairn_store::Store;
use cairn_store_path::{StoreDir, StorePath};
use cairn_util::{FileLock, LockMode, fs};

use crate::error::ProfileError;
use crate::generation::{self, Generation, link_name, parse_link_name};
use crate::selector::DeleteSelector;

/// Distinguishes the temporary names one process makes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A profile: the symlink `P` and its generations `P-N-link` beside it.
///
/// Opening does not touch the filesystem; a profile that does not exist
/// yet has no generations, and its first [`Profile::create_generation`]
/// makes generation 1. The profile's directory must exist.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `P` itself.
    path: PathBuf,
    /// The directory holding `P`, its generations and its lock.
    dir: PathBuf,
    /// `P`'s file name.
    name: String,
    store_dir: StoreDir,
}

/// What a change did to the profile link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    /// The generation the profile pointed at before, if any.
    pub from: Option<u64>,
    /// The generation it points at now.
    pub to: u64,
    /// Whether the change made a new generation (false when the new
    /// target equalled the newest generation's, which Nix reuses).
    pub created: bool,
}

/// Where the profile link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileTarget {
    /// The profile does not exist.
    Missing,
    /// It points at one of its generations (which may have been deleted
    /// from under it, in which case [`Profile::current`] is `None`).
    Generation(u64),
    /// It points somewhere else: directly at a store path, or at a link
    /// that is not one of its generations.
    Other(PathBuf),
}

impl Profile {
    /// The profile at `path` (the link `P`, not a generation), whose
    /// generations point into `store_dir`.
    ///
    /// # Errors
    /// [`ProfileError::BadName`] when `path` has no UTF-8 file name.
    pub fn open(path: impl Into<PathBuf>, store_dir: &StoreDir) -> Result<Profile, ProfileError> {
        let path = path.into();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .ok_or_else(|| ProfileError::BadName { path: path.clone() })?
            .to_owned();
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        Ok(Profile {
            path,
            dir,
            name,
            store_dir: store_dir.clone(),
        })
    }

    /// The profile link `P`.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The profile's file name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store directory generation targets are in.
    #[must_use]
    pub fn store_dir(&self) -> &StoreDir {
        &self.store_dir
    }

    /// The link of generation `number` (which may not exist).
    #[must_use]
    pub fn generation_link(&self, number: u64) -> PathBuf {
        self.dir.join(link_name(&self.name, number))
    }

    /// The lock file, `P.lock`.
    #[must_use]
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.name))
    }

    /// Every generation, oldest first. Empty when the profile's directory
    /// holds none.
    ///
    /// # Errors
    /// The directory cannot be read, or a generation link does not point
    /// at a store path.
    pub fn generations(&self) -> Result<Vec<Generation>, ProfileError> {
        generation::list(&self.dir, &self.name, &self.store_dir)
    }

    /// Where the profile link points.
    ///
    /// # Errors
    /// `P` cannot be read, or it exists and is not a symlink.
    pub fn target(&self) -> Result<ProfileTarget, ProfileError> {
        let target = match fs::read_link(&self.path) {
            Ok(target) => target,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ProfileTarget::Missing);
            }
            Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(ProfileError::NotASymlink {
                    path: self.path.clone(),
                });
            }
            Err(err) => return Err(err.into()),
        };
        let beside = target
            .parent()
            .is_none_or(|parent| parent.as_os_str().is_empty() || parent == self.dir);
        let number = target
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| parse_link_name(&self.name, f));
        Ok(match number {
            Some(number) if beside => ProfileTarget::Generation(number),
            _ => ProfileTarget::Other(target),
        })
    }

    /// The generation the profile points at, if it points at an existing
    /// one.
    ///
    /// # Errors
    /// As [`Profile::target`] and [`Profile::generations`].
    pub fn current(&self) -> Result<Option<Generation>, ProfileError> {
        let ProfileTarget::Generation(number) = self.target()? else {
            return Ok(None);
        };
        match generation::read(&self.generation_link(number), number, &self.store_dir) {
            Ok(generation) => Ok(Some(generation)),
            Err(ProfileError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The store path the profile resolves to, following `P` and its
    /// generation link; `None` when `P` does not exist. Works for profiles
    /// that point straight at a store path too (as `nix-build`'s `result`
    /// links do), or into one (the object containing the target).
    ///
    /// # Errors
    /// A dangling or non-store link, or an I/O error.
    pub fn resolve(&self) -> Result<Option<StorePath>, ProfileError> {
        let mut link = self.path.clone();
        // A profile is at most a few links deep; a loop is an error.
        for _ in 0..8 {
            let target = match fs::read_link(&link) {
                Ok(target) => target,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && link == self.path => {
                    return Ok(None);
                }
                Err(err) => return Err(err.into()),
            };
            let absolute = link
                .parent()
                .map_or_else(|| target.clone(), |parent| parent.join(&target));
            let text = absolute.to_string_lossy();
            if self.store_dir.is_in_store(&text) {
                // A link into a store object counts as the object.
                return self
                    .store_dir
                    .parse_path_within(&text)
                    .map(|(path, _)| Some(path))
                    .map_err(|source| ProfileError::BadLink {
                        link,
                        target: text.into_owned(),
                        source,
                    });
            }
            link = absolute;
        }
        Err(cairn_util::Error::new(
            cairn_util::Operation::ReadLink,
            &self.path,
            std::io::Error::other("too many levels of symbolic links"),
        )
        .into())
    }

    /// Takes the profile's lock, waiting for other changes to finish.
    /// Changes made through the returned [`ProfileLock`] are atomic with
    /// respect to each other, across threads and processes; use it for a
    /// read-modify-write such as an upgrade (read the current manifest,
    /// build, create the generation).
    ///
    /// # Errors
    /// The lock file cannot be opened or locked.
    pub fn lock(&self) -> Result<ProfileLock<'_>, ProfileError> {
        let lock = FileLock::acquire(self.lock_path(), LockMode::Exclusive)?;
        Ok(ProfileLock {
            profile: self,
            _lock: lock,
        })
    }

    /// [`ProfileLock::create_generation`] under a lock of its own.
    ///
    /// # Errors
    /// As [`ProfileLock::create_generation`].
    pub fn create_generation(
        &self,
        store: &dyn Store,
        target: &StorePath,
    ) -> Result<Switch, ProfileError> {
        self.lock()?.create_generation(store, target)
    }

    /// [`ProfileLock::switch_to`] under a lock of its own.
    ///
    /// # Errors
    /// As [`ProfileLock::switch_to`].
    pub fn switch_to(&self, number: u64) -> Result<Switch, ProfileError> {
        self.lock()?.switch_to(number)
    }

    /// [`ProfileLock::rollback`] under a lock of its own.
    ///
    /// # Errors
    /// As [`ProfileLock::rollback`].
    pub fn rollback(&self) -> Result<Switch, ProfileError> {
        self.lock()?.rollback()
    }

    /// [`ProfileLock::delete_generations`] under a lock of its own.
    ///
    /// # Errors
    /// As [`ProfileLock::delete_generations`].
    pub fn delete_generations(
        &self,
        selector: &DeleteSelector,
        now: SystemTime,
        dry_run: bool,
    ) -> Result<Vec<Generation>, ProfileError> {
        self.lock()?.delete_generations(selector, now, dry_run)
    }

    /// [`ProfileLock::wipe_history`] under a lock of its own.
    ///
    /// # Errors
    /// As [`ProfileLock::wipe_history`].
    pub fn wipe_history(&self, dry_run: bool) -> Result<Vec<Generation>, ProfileError> {
        self.lock()?.wipe_history(dry_run)
    }

    /// The current generation's number, if the profile points at one.
    fn current_number(&self) -> Result<Option<u64>, ProfileError> {
        Ok(match self.target()? {
            ProfileTarget::Generation(number) => Some(number),
            ProfileTarget::Missing | ProfileTarget::Other(_) => None,
        })
    }

    /// A fresh temporary name in the profile's directory.
    fn temp_path(&self) -> PathBuf {
        let sequence = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!(
            ".{}.tmp-{}-{sequence}",
            self.name,
            std::process::id()
        ))
    }

    /// Whether `file_name` is one of this profile's temporary names.
    fn is_temp_name(&self, file_name: &str) -> bool {
        let Some(rest) = file_name
            .strip_prefix('.')
            .and_then(|f| f.strip_prefix(self.name.as_str()))
            .and_then(|f| f.strip_prefix(".tmp-"))
        else {
            return false;
        };
        let mut parts = rest.split('-');
        let digits = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
    }

    /// Makes `link` a symlink to `target`, atomically replacing whatever
    /// symlink was there, and flushes the directory.
    fn replace_symlink(&self, target: &Path, link: &Path) -> Result<(), ProfileError> {
        let temp = self.temp_path();
        fs::symlink(target, &temp)?;
        if let Err(err) = fs::rename(&temp, link) {
            let _ = fs::remove_file(&temp);
            return Err(err.into());
        }
        fs::sync_dir(&self.dir)?;
        Ok(())
    }
}

/// A profile with its lock held; changes go through here. The lock is
/// released when this is dropped.
#[derive(Debug)]
pub struct ProfileLock<'a> {
    profile: &'a Profile,
    _lock: FileLock,
}

impl ProfileLock<'_> {
    /// The profile.
    #[must_use]
    pub fn profile(&self) -> &Profile {
        self.profile
    }

    /// Makes `target` the profile's new generation and switches to it:
    /// writes `P-(N+1)-link` (N the highest existing number, 0 if none)
    /// and then switches `P` to it. When the newest generation already
    /// points at `target`, no generation is made and `P` is switched to
    /// that one (Nix does the same, so repeated installs do not pile up
    /// generations).
    ///
    /// `target` must be valid in `store`; it is held by a temporary root
    /// until the generation link (a permanent root, since the garbage
    /// collector scans the profiles directory) exists.
    ///
    /// # Errors
    /// [`ProfileError::InvalidTarget`] when `target` is not valid; I/O and
    /// store errors.
    pub fn create_generation(
        &self,
        store: &dyn Store,
        target: &StorePath,
    ) -> Result<Switch, ProfileError> {
        let profile = self.profile;
        store.add_temp_root(target)?;
        if !store.is_valid_path(target)? {
            return Err(ProfileError::InvalidTarget {
                profile: profile.path.clone(),
                path: profile.store_dir.display(target),
            });
        }
        self.remove_stale_temporaries()?;
        let from = profile.current_number()?;
        let generations = profile.generations()?;
        if let Some(last) = generations.last()
            && last.target == *target
        {
            self.point_at(last.number)?;
            return Ok(Switch {
                from,
                to: last.number,
                created: false,
            });
        }
        let number = generations.last().map_or(1, |last| last.number + 1);
        let link = profile.generation_link(number);
        let logical = PathBuf::from(profile.store_dir.display(target));
        profile.replace_symlink(&logical, &link)?;
        self.point_at(number)?;
        Ok(Switch {
            from,
            to: number,
            created: true,
        })
    }

    /// Switches the profile to existing generation `number`.
    ///
    /// # Errors
    /// [`ProfileError::NoSuchGeneration`]; I/O errors.
    pub fn switch_to(&self, number: u64) -> Result<Switch, ProfileError> {
        let profile = self.profile;
        let from = profile.current_number()?;
        if !profile.generations()?.iter().any(|g| g.number == number) {
            return Err(ProfileError::NoSuchGeneration {
                profile: profile.path.clone(),
                number,
            });
        }
        self.point_at(number)?;
        Ok(Switch {
            from,
            to: number,
            created: false,
        })
    }

    /// Switches to the newest existing generation older than the current
    /// one.
    ///
    /// # Errors
    /// [`ProfileError::NoCurrentGeneration`] when the profile does not
    /// point at a generation, [`ProfileError::NoOlderGeneration`] when the
    /// current one is the oldest; I/O errors.
    pub fn rollback(&self) -> Result<Switch, ProfileError> {
        let profile = self.profile;
        let Some(current) = profile.current_number()? else {
            return Err(ProfileError::NoCurrentGeneration {
                profile: profile.path.clone(),
            });
        };
        let previous = profile
            .generations()?
            .iter()
            .rev()
            .find(|g| g.number < current)
            .map(|g| g.number)
            .ok_or_else(|| ProfileError::NoOlderGeneration {
                profile: profile.path.clone(),
                current,
            })?;
        self.point_at(previous)?;
        Ok(Switch {
            from: Some(current),
            to: previous,
            created: false,
        })
    }

    /// Deletes the generations `selector` picks (never the current one),
    /// judging ages against `now`, and returns them in the order removed.
    /// With `dry_run`, returns them without deleting anything.
    ///
    /// # Errors
    /// [`ProfileError::DeleteCurrent`] when numbers name the current
    /// generation; I/O errors.
    pub fn delete_generations(
        &self,
        selector: &DeleteSelector,
        now: SystemTime,
        dry_run: bool,
    ) -> Result<Vec<Generation>, ProfileError> {
        let profile = self.profile;
        let current = profile.current_number()?;
        let generations = profile.generations()?;
        let doomed: Vec<Generation> = selector
            .select(
                &profile.path,
                &generations,
                current,
                generation::seconds_since_epoch(now),
            )?
            .into_iter()
            .cloned()
            .collect();
        if dry_run || doomed.is_empty() {
            return Ok(doomed);
        }
        for generation in &doomed {
            match fs::remove_file(&generation.link) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err.into()),
            }
        }
        fs::sync_dir(&profile.dir)?;
        Ok(doomed)
    }

    /// Deletes every generation except the current one.
    ///
    /// # Errors
    /// I/O errors.
    pub fn wipe_history(&self, dry_run: bool) -> Result<Vec<Generation>, ProfileError> {
        self.delete_generations(&DeleteSelector::AllButCurrent, SystemTime::now(), dry_run)
    }

    /// Points `P` at generation `number` (relative link, atomic rename).
    fn point_at(&self, number: u64) -> Result<(), ProfileError> {
        let profile = self.profile;
        match fs::symlink_metadata(&profile.path) {
            Ok(metadata) if !metadata.file_type().is_symlink() => {
                return Err(ProfileError::NotASymlink {
                    path: profile.path.clone(),
                });
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
        let target = PathBuf::from(link_name(&profile.name, number));
        profile.replace_symlink(&target, &profile.path)
    }

    /// Removes temporary symlinks a killed change left behind. Safe only
    /// with the lock held: then no change of this profile is in flight.
    fn remove_stale_temporaries(&self) -> Result<(), ProfileError> {
        let profile = self.profile;
        for entry in fs::read_dir(&profile.dir)? {
            let entry = entry.map_err(|source| {
                cairn_util::Error::new(cairn_util::Operation::ReadDir, &profile.dir, source)
            })?;
            if entry
                .file_name()
                .to_str()
                .is_some_and(|name| profile.is_temp_name(name))
            {
                match fs::remove_file(entry.path()) {
                    Ok(()) => {}
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(err) => return Err(err.into()),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(path: &str) -> Profile {
        Profile::open(path, &StoreDir::default()).unwrap()
    }

    #[test]
    fn names_beside_the_profile() {
        let p = profile("/nix/var/cairn/profiles/per-user/alice/profile");
        assert_eq!(p.name(), "profile");
        assert_eq!(
            p.generation_link(3),
            Path::new("/nix/var/cairn/profiles/per-user/alice/profile-3-link")
        );
        assert_eq!(
            p.lock_path(),
            Path::new("/nix/var/cairn/profiles/per-user/alice/profile.lock")
        );
        assert_eq!(profile("p").generation_link(1), Path::new("./p-1-link"));
    }

    #[test]
    fn bad_names() {
        for path in ["/", "", "a/..", "."] {
            assert!(
                matches!(
                    Profile::open(path, &StoreDir::default()),
                    Err(ProfileError::BadName { .. })
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn temporary_names_are_recognised_exactly() {
        let p = profile("/x/p");
        assert!(p.is_temp_name(".p.tmp-12-0"));
        assert!(!p.is_temp_name(".p.tmp-12"));
        assert!(!p.is_temp_name(".p.tmp-3.tmp-5-0"));
        assert!(!p.is_temp_name(".p-2.tmp-5-0"));
        assert!(!p.is_temp_name("p.tmp-5-0"));
        assert!(!p.is_temp_name(".p.tmp-1-2-3"));
        let temp = p.temp_path();
        assert!(p.is_temp_name(temp.file_name().unwrap().to_str().unwrap()));
    }
}
