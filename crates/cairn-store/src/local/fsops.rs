//! Filesystem operations on store objects: making them canonical, deleting
//! read-only trees, and per-path locks.

use std::fs::{self, File, Permissions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use cairn_util::{FileLock, LockMode, Operation};
use rustix::fs::{AtFlags, CWD, Timespec, Timestamps, UTIME_OMIT};

use crate::StoreError;

/// The modification time every store object has (Nix's `mtimeStore`).
const MTIME: i64 = 1;

/// Makes the tree at `path` canonical, children before parents: regular
/// files 0444 (0555 when the owner could execute them), directories 0555,
/// no setuid/setgid/sticky bits, every entry's mtime 1 (symlinks
/// included, without following them). With `sync`, regular files are
/// flushed to disk. Returns nothing; fails on a socket, FIFO or device.
pub(crate) fn canonicalise(path: &Path, sync: bool) -> Result<(), StoreError> {
    let metadata =
        fs::symlink_metadata(path).map_err(|e| StoreError::io(Operation::Stat, path, e))?;
    let file_type = metadata.file_type();
    if file_type.is_symlink() {
        // A link already canonical is left alone: it may be shared (hard
        // linked) with another store object, as user environments share
        // their unchanged links with the generation before.
        if metadata.mtime() == MTIME {
            return Ok(());
        }
        return set_mtime(path);
    }
    let mode = if file_type.is_dir() {
        for entry in fs::read_dir(path).map_err(|e| StoreError::io(Operation::ReadDir, path, e))? {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, path, e))?;
            canonicalise(&entry.path(), sync)?;
        }
        0o555
    } else if file_type.is_file() {
        if sync {
            File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(|e| StoreError::io(Operation::Sync, path, e))?;
        }
        if metadata.mode() & 0o100 != 0 {
            0o555
        } else {
            0o444
        }
    } else {
        return Err(StoreError::io(
            Operation::Stat,
            path,
            std::io::Error::other("a store object may not contain sockets, FIFOs or devices"),
        ));
    };
    if metadata.mode() & 0o7777 != mode {
        fs::set_permissions(path, Permissions::from_mode(mode))
            .map_err(|e| StoreError::io(Operation::SetPermissions, path, e))?;
    }
    if metadata.mtime() != MTIME {
        set_mtime(path)?;
    }
    Ok(())
}

/// Whether the tree at `path` is canonical (see [`canonicalise`]); the
/// first offending entry otherwise.
pub(crate) fn first_non_canonical(path: &Path) -> Result<Option<PathBuf>, StoreError> {
    let metadata =
        fs::symlink_metadata(path).map_err(|e| StoreError::io(Operation::Stat, path, e))?;
    let file_type = metadata.file_type();
    if metadata.mtime() != MTIME {
        return Ok(Some(path.to_owned()));
    }
    if file_type.is_symlink() {
        return Ok(None);
    }
    let mode = metadata.mode() & 0o7777;
    if file_type.is_dir() {
        if mode != 0o555 {
            return Ok(Some(path.to_owned()));
        }
        for entry in fs::read_dir(path).map_err(|e| StoreError::io(Operation::ReadDir, path, e))? {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, path, e))?;
            if let Some(bad) = first_non_canonical(&entry.path())? {
                return Ok(Some(bad));
            }
        }
        Ok(None)
    } else if file_type.is_file() && (mode == 0o444 || mode == 0o555) {
        Ok(None)
    } else {
        Ok(Some(path.to_owned()))
    }
}

/// Gives the directory `path` itself (not its entries) mode 0555 and
/// mtime 1 again, after an entry was replaced in it.
pub(crate) fn canonicalise_dir_only(path: &Path) -> Result<(), StoreError> {
    fs::set_permissions(path, Permissions::from_mode(0o555))
        .map_err(|e| StoreError::io(Operation::SetPermissions, path, e))?;
    set_mtime(path)
}

fn set_mtime(path: &Path) -> Result<(), StoreError> {
    let times = Timestamps {
        last_access: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_OMIT,
        },
        last_modification: Timespec {
            tv_sec: MTIME,
            tv_nsec: 0,
        },
    };
    rustix::fs::utimensat(CWD, path, &times, AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| StoreError::io(Operation::SetPermissions, path, e.into()))
}

/// Deletes the file, symlink or tree at `path`, making read-only
/// directories writable first. Returns the bytes freed: the sizes of
/// regular files that had no other hard link. A missing `path` frees 0.
pub(crate) fn delete_tree(path: &Path) -> Result<u64, StoreError> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(StoreError::io(Operation::Stat, path, e)),
    };
    let mut freed = 0;
    if metadata.is_dir() {
        if metadata.mode() & 0o700 != 0o700 {
            fs::set_permissions(path, Permissions::from_mode(0o755))
                .map_err(|e| StoreError::io(Operation::SetPermissions, path, e))?;
        }
        for entry in fs::read_dir(path).map_err(|e| StoreError::io(Operation::ReadDir, path, e))? {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, path, e))?;
            freed += delete_tree(&entry.path())?;
        }
        fs::remove_dir(path).map_err(|e| StoreError::io(Operation::Remove, path, e))?;
    } else {
        if metadata.is_file() && metadata.nlink() == 1 {
            freed += metadata.len();
        }
        fs::remove_file(path).map_err(|e| StoreError::io(Operation::Remove, path, e))?;
    }
    Ok(freed)
}

/// Deletes the store object at `real` so that it never appears half
/// deleted: a directory is first renamed to `trash` (one atomic step) and
/// then removed there; a file or symlink is one inode, whose `unlink` is
/// atomic already. Returns the bytes freed; a missing object frees 0.
pub(crate) fn delete_object(real: &Path, trash: &Path) -> Result<u64, StoreError> {
    let metadata = match fs::symlink_metadata(real) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(StoreError::io(Operation::Stat, real, e)),
    };
    if metadata.is_dir() {
        fs::rename(real, trash).map_err(|e| StoreError::io(Operation::Rename, real, e))?;
        return delete_tree(trash);
    }
    match fs::remove_file(real) {
        Ok(()) => Ok(if metadata.is_file() && metadata.nlink() == 1 {
            metadata.len()
        } else {
            0
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(StoreError::io(Operation::Remove, real, e)),
    }
}

/// An exclusive lock on `PATH.lock` that deletes the lock file when
/// released, so lock files do not pile up in the store directory.
///
/// Deleting a lock file that others may be waiting on is safe because of
/// the checks after locking: a waiter that wakes up holding the lock of a
/// file that is no longer the one at `PATH.lock` (deleted, or replaced by
/// a newer one), or that is not empty, drops it and tries again. The
/// holder writes a byte into the file before deleting it: that is Nix's
/// stale mark, which `cairn-build`'s output locks check, so the two lock
/// the same `PATH.lock` files compatibly.
#[derive(Debug)]
pub(crate) struct PathLock {
    lock: Option<FileLock>,
    path: PathBuf,
}

impl PathLock {
    /// Waits for and takes the lock at `path`.
    pub(crate) fn acquire(path: PathBuf) -> Result<PathLock, StoreError> {
        loop {
            let lock = FileLock::acquire(&path, LockMode::Exclusive)?;
            let held = lock
                .file()
                .metadata()
                .map_err(|e| StoreError::io(Operation::Stat, &path, e))?;
            match fs::symlink_metadata(&path) {
                Ok(now)
                    if now.ino() == held.ino() && now.dev() == held.dev() && held.len() == 0 =>
                {
                    return Ok(PathLock {
                        lock: Some(lock),
                        path,
                    });
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(Operation::Stat, &path, e)),
            }
        }
    }
}

impl Drop for PathLock {
    fn drop(&mut self) {
        // Mark stale and delete while still holding the lock, then release
        // it. If the file cannot be deleted, it is emptied again so that
        // it stays usable as a lock.
        if let Some(lock) = self.lock.take() {
            let _ = std::io::Write::write_all(&mut lock.file(), b"d");
            if fs::remove_file(&self.path).is_err() {
                let _ = lock.file().set_len(0);
            }
            drop(lock);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn canonical_modes_and_times() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("obj");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("plain"), "p").unwrap();
        fs::write(root.join("tool"), "t").unwrap();
        fs::set_permissions(root.join("tool"), Permissions::from_mode(0o4755)).unwrap();
        fs::set_permissions(root.join("plain"), Permissions::from_mode(0o666)).unwrap();
        symlink("plain", root.join("link")).unwrap();
        assert_eq!(first_non_canonical(&root).unwrap(), Some(root.clone()));
        canonicalise(&root, true).unwrap();
        let mode = |p: &str| fs::symlink_metadata(root.join(p)).unwrap().mode() & 0o7777;
        assert_eq!(mode("plain"), 0o444);
        assert_eq!(mode("tool"), 0o555);
        assert_eq!(mode("sub"), 0o555);
        assert_eq!(mode(""), 0o555);
        for p in ["plain", "tool", "sub", "link", ""] {
            assert_eq!(
                fs::symlink_metadata(root.join(p)).unwrap().mtime(),
                1,
                "{p}"
            );
        }
        assert_eq!(first_non_canonical(&root).unwrap(), None);
        // Read-only trees can still be deleted, and their bytes are counted.
        assert_eq!(delete_tree(&root).unwrap(), 2);
        assert!(!root.exists());
        assert_eq!(delete_tree(&root).unwrap(), 0);
    }

    #[test]
    fn path_locks_exclude_and_clean_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = PathLock::acquire(path.clone()).unwrap();
        assert!(
            FileLock::try_acquire(&path, LockMode::Exclusive)
                .unwrap()
                .is_none()
        );
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let lock = PathLock::acquire(path.clone()).unwrap();
                // The waiter holds a lock on the file now at `path`.
                assert!(path.exists());
                drop(lock);
            })
        };
        drop(first);
        waiter.join().unwrap();
        assert!(!path.exists());
    }
}
