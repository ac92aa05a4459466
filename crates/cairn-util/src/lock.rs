//! Advisory file locks (`flock(2)` on Linux) held for the life of a value.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, IoResultExt, Operation, Result};

/// Whether a lock excludes everyone or only exclusive holders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Many shared holders may coexist; no exclusive holder may.
    Shared,
    /// The only holder.
    Exclusive,
}

/// An advisory lock on a lock file, released when dropped.
///
/// The lock belongs to the open file, so two `FileLock`s on the same path in
/// one process exclude each other just as two processes do. The lock file is
/// created if missing and never deleted (deleting it would let a second
/// locker lock a fresh inode while the first still holds the old one).
///
/// ```
/// use cairn_util::{FileLock, LockMode};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("db.lock");
/// let lock = FileLock::acquire(&path, LockMode::Exclusive).unwrap();
/// assert!(FileLock::try_acquire(&path, LockMode::Shared).unwrap().is_none());
/// drop(lock);
/// assert!(FileLock::try_acquire(&path, LockMode::Shared).unwrap().is_some());
/// ```
#[derive(Debug)]
pub struct FileLock {
    /// Closing the file releases the lock.
    file: File,
    path: PathBuf,
    mode: LockMode,
}

impl FileLock {
    /// Locks `path` in `mode`, waiting as long as it takes.
    pub fn acquire(path: impl AsRef<Path>, mode: LockMode) -> Result<FileLock> {
        let path = path.as_ref();
        let file = open_lock_file(path)?;
        match mode {
            LockMode::Shared => file.lock_shared(),
            LockMode::Exclusive => file.lock(),
        }
        .with_path(Operation::Lock, path)?;
        Ok(FileLock {
            file,
            path: path.to_owned(),
            mode,
        })
    }

    /// Locks `path` in `mode` if that is possible without waiting;
    /// `Ok(None)` when another holder is in the way.
    pub fn try_acquire(path: impl AsRef<Path>, mode: LockMode) -> Result<Option<FileLock>> {
        let path = path.as_ref();
        let file = open_lock_file(path)?;
        let result = match mode {
            LockMode::Shared => file.try_lock_shared(),
            LockMode::Exclusive => file.try_lock(),
        };
        match result {
            Ok(()) => Ok(Some(FileLock {
                file,
                path: path.to_owned(),
                mode,
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(Error::new(Operation::Lock, path, source)),
        }
    }

    /// The lock file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mode the lock is held in.
    #[must_use]
    pub fn mode(&self) -> LockMode {
        self.mode
    }

    /// The open lock file (for writing a pid into it, say).
    #[must_use]
    pub fn file(&self) -> &File {
        &self.file
    }
}

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_path(Operation::Open, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_locks_coexist_and_block_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = FileLock::acquire(&path, LockMode::Shared).unwrap();
        let second = FileLock::try_acquire(&path, LockMode::Shared).unwrap();
        assert!(second.is_some());
        assert!(
            FileLock::try_acquire(&path, LockMode::Exclusive)
                .unwrap()
                .is_none()
        );
        drop((first, second));
        let exclusive = FileLock::try_acquire(&path, LockMode::Exclusive)
            .unwrap()
            .unwrap();
        assert_eq!(exclusive.mode(), LockMode::Exclusive);
        assert_eq!(exclusive.path(), path);
    }

    #[test]
    fn missing_directory_is_an_open_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/lock");
        let err = FileLock::acquire(&path, LockMode::Exclusive).unwrap_err();
        assert_eq!(err.operation(), Operation::Open);
        assert_eq!(err.path(), path);
    }
}
