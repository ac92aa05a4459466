//! Checking the store against its database (`verify`) and sharing
//! identical files between objects (`optimise`).
//!
//! `optimise` uses Nix's scheme: every regular file of every valid object
//! is hashed (the SHA-256 of the file's own NAR, so the executable bit is
//! part of the identity) and hard-linked to `ROOT/<store>/.links/NIX32`;
//! a file whose content is already there is replaced, atomically, by a
//! hard link to it. Garbage collection removes `.links` entries that no
//! object uses any more (link count 1).

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use cairn_hash::HashAlgo;
use cairn_store_path::StorePath;
use cairn_util::Operation;

use super::{COUNTER, LocalStore, fsops};
use crate::{Store, StoreError};

/// What [`LocalStore::verify`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyResults {
    /// How many valid paths were checked.
    pub checked: usize,
    /// Valid paths whose content is missing.
    pub missing: Vec<StorePath>,
    /// Valid paths whose content does not hash to the registered NAR hash:
    /// (path, registered hash, actual hash), hashes in SRI form.
    pub modified: Vec<(StorePath, String, String)>,
    /// Valid paths with an entry that is writable, has a wrong mode or an
    /// mtime other than 1: (path, first offending file).
    pub non_canonical: Vec<(StorePath, String)>,
    /// What was repaired, one line each.
    pub repaired: Vec<String>,
    /// What could not be repaired here, one line each, with the reason.
    pub unrepairable: Vec<String>,
    /// Problems `PRAGMA foreign_key_check` reports.
    pub database_problems: Vec<String>,
}

impl VerifyResults {
    /// Whether nothing is wrong (after repairs).
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.unrepairable.is_empty()
            && self.database_problems.is_empty()
            && (self.missing.len() + self.modified.len() + self.non_canonical.len()
                == self.repaired.len())
    }
}

/// What [`LocalStore::optimise`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptimiseResults {
    /// Regular files looked at.
    pub files: u64,
    /// Files replaced by a hard link to an identical one.
    pub files_linked: u64,
    /// Bytes no longer stored twice.
    pub bytes_saved: u64,
}

impl LocalStore {
    /// Checks that every valid path exists and is canonical, and with
    /// `check_contents` that it hashes to its registered NAR hash. With
    /// `repair`, makes non-canonical paths canonical and drops the rows of
    /// missing paths that no valid path refers to; modified contents and
    /// missing paths with referrers cannot be repaired without a copy from
    /// elsewhere and are reported.
    ///
    /// # Errors
    /// An I/O or database error.
    pub fn verify(&self, check_contents: bool, repair: bool) -> Result<VerifyResults, StoreError> {
        let mut results = VerifyResults::default();
        for problem in self.db().foreign_key_problems()? {
            results.database_problems.push(problem);
        }
        for path in self.query_all_valid_paths()? {
            results.checked += 1;
            let real = self.real_path(&path);
            let display = self.store_dir().display(&path);
            if fs::symlink_metadata(&real).is_err() {
                results.missing.push(path.clone());
                if !repair {
                    continue;
                }
                let referrers = self.query_referrers(&path)?;
                if let Some(referrer) = referrers.first() {
                    results.unrepairable.push(format!(
                        "{display}: missing, and '{}' refers to it; copy it from a cache or rebuild it",
                        self.store_dir().display(referrer)
                    ));
                } else {
                    let _gc = cairn_util::FileLock::acquire(
                        self.gc_lock_path(),
                        cairn_util::LockMode::Exclusive,
                    )?;
                    let id = self.db().id_of(&display)?;
                    if let Some(id) = id {
                        self.db().invalidate(&[id])?;
                    }
                    results
                        .repaired
                        .push(format!("{display}: missing, no longer registered"));
                }
                continue;
            }
            if check_contents && let Some(info) = self.query_path_info(&path)? {
                let algo = info.info.nar_hash.algo();
                let (actual, _) =
                    cairn_nar::hash_path(&real, algo).map_err(|source| StoreError::Dump {
                        path: real.clone(),
                        source,
                    })?;
                if actual != info.info.nar_hash {
                    results.modified.push((
                        path.clone(),
                        info.info.nar_hash.to_sri(),
                        actual.to_sri(),
                    ));
                    if repair {
                        results.unrepairable.push(format!(
                            "{display}: content was modified; copy it from a cache or rebuild it"
                        ));
                    }
                    continue;
                }
            }
            if let Some(bad) = fsops::first_non_canonical(&real)? {
                results
                    .non_canonical
                    .push((path.clone(), bad.display().to_string()));
                if repair {
                    let _gc = self.gc_shared()?;
                    fsops::canonicalise(&real, false)?;
                    results
                        .repaired
                        .push(format!("{display}: made canonical again"));
                }
            }
        }
        Ok(results)
    }

    /// Replaces identical files in the store by hard links to one copy
    /// (see the module docs).
    ///
    /// # Errors
    /// An I/O or database error.
    pub fn optimise(&self) -> Result<OptimiseResults, StoreError> {
        let links = self.real_store_dir().join(".links");
        cairn_util::fs::create_dir_all(&links)?;
        let mut results = OptimiseResults::default();
        for path in self.query_all_valid_paths()? {
            let _gc = self.gc_shared()?;
            let real = self.real_path(&path);
            if fs::symlink_metadata(&real).is_ok() {
                self.optimise_tree(&real, &links, &mut results)?;
            }
        }
        Ok(results)
    }

    fn optimise_tree(
        &self,
        path: &Path,
        links: &Path,
        results: &mut OptimiseResults,
    ) -> Result<(), StoreError> {
        let meta =
            fs::symlink_metadata(path).map_err(|e| StoreError::io(Operation::Stat, path, e))?;
        if meta.is_dir() {
            for entry in
                fs::read_dir(path).map_err(|e| StoreError::io(Operation::ReadDir, path, e))?
            {
                let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, path, e))?;
                self.optimise_tree(&entry.path(), links, results)?;
            }
            return Ok(());
        }
        if !meta.is_file() {
            return Ok(());
        }
        results.files += 1;
        let (hash, _) =
            cairn_nar::hash_path(path, HashAlgo::Sha256).map_err(|source| StoreError::Dump {
                path: path.to_owned(),
                source,
            })?;
        let link = links.join(hash.to_nix32());
        match fs::symlink_metadata(&link) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match fs::hard_link(path, &link) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(StoreError::io(Operation::Create, &link, e)),
                }
                Ok(())
            }
            Err(e) => Err(StoreError::io(Operation::Stat, &link, e)),
            Ok(existing) if existing.ino() == meta.ino() && existing.dev() == meta.dev() => Ok(()),
            Ok(_) => {
                let parent = path.parent().unwrap_or(Path::new("/"));
                let parent_meta =
                    fs::metadata(parent).map_err(|e| StoreError::io(Operation::Stat, parent, e))?;
                let writable = parent_meta.mode() & 0o200 != 0;
                if !writable {
                    fs::set_permissions(
                        parent,
                        std::os::unix::fs::PermissionsExt::from_mode(0o755),
                    )
                    .map_err(|e| StoreError::io(Operation::SetPermissions, parent, e))?;
                }
                let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let temp = parent.join(format!(".cairn-link-{}-{n}", std::process::id()));
                let result = fs::hard_link(&link, &temp)
                    .map_err(|e| StoreError::io(Operation::Create, &temp, e))
                    .and_then(|()| {
                        fs::rename(&temp, path).map_err(|e| {
                            let _ = fs::remove_file(&temp);
                            StoreError::io(Operation::Rename, &temp, e)
                        })
                    });
                // Restore the parent's canonical mode and mtime either way.
                fsops::canonicalise_dir_only(parent)?;
                result?;
                results.files_linked += 1;
                results.bytes_saved += meta.len();
                Ok(())
            }
        }
    }
}
