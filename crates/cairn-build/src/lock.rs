//! Per-output locks, so that two processes (or two threads) never build the
//! same output at once.
//!
//! As in Nix, each output `ROOT/nix/store/HASH-NAME` is guarded by the lock
//! file `ROOT/nix/store/HASH-NAME.lock`, locked with `flock` in sorted
//! order (so two builders needing overlapping sets cannot deadlock). The
//! builder that gets the locks second re-checks validity and reuses what
//! the first one built.
//!
//! Lock files are deleted when released, with Nix's protocol against the
//! race that deleting creates: the holder writes a byte into the file
//! before unlinking it, and a locker that obtains a lock on a non-empty
//! file knows that it holds a lock on a deleted inode and starts over. A
//! marked file still at its path was left by a holder killed between the
//! two steps: the locker that finds it removes it and starts over too.

use std::io::Write;
use std::path::PathBuf;

use cairn_util::{FileLock, LockMode};

/// Locks held on a set of paths; released (and the lock files removed)
/// when dropped.
#[derive(Debug)]
pub(crate) struct PathLocks {
    locks: Vec<FileLock>,
}

impl PathLocks {
    /// Locks `paths.lock` for each of `paths`, waiting as long as it takes.
    pub(crate) fn lock(paths: &[PathBuf]) -> Result<PathLocks, cairn_util::Error> {
        let mut sorted: Vec<PathBuf> = paths
            .iter()
            .map(|p| {
                let mut lock = p.clone().into_os_string();
                lock.push(".lock");
                PathBuf::from(lock)
            })
            .collect();
        sorted.sort();
        sorted.dedup();
        let mut locks = Vec::with_capacity(sorted.len());
        for path in sorted {
            loop {
                let lock = FileLock::acquire(&path, LockMode::Exclusive)?;
                let stale = lock
                    .file()
                    .metadata()
                    .map_err(|e| cairn_util::Error::new(cairn_util::Operation::Stat, &path, e))?
                    .len()
                    > 0;
                if !stale {
                    locks.push(lock);
                    break;
                }
                // Marked, but still at its path: its holder was killed
                // between marking and unlinking it. Every later locker
                // would find it marked and retry forever; holding its
                // lock, remove it, so the next attempt makes a fresh one.
                if same_file(&lock, &path) {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(PathLocks { locks })
    }
}

/// Whether `path` still names the file `lock` holds.
fn same_file(lock: &FileLock, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (lock.file().metadata(), std::fs::symlink_metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

impl Drop for PathLocks {
    fn drop(&mut self) {
        for lock in self.locks.drain(..) {
            // Mark the file stale before it disappears, so that anyone
            // who opened it meanwhile and then gets the lock retries.
            let _ = lock.file().write_all(b"d");
            let _ = std::fs::remove_file(lock.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;

    #[test]
    fn a_marked_lock_file_left_by_a_killed_holder_is_replaced() {
        // Killed after writing the stale mark, before unlinking.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("aaaa-out");
        std::fs::write(dir.path().join("aaaa-out.lock"), "d").unwrap();
        let held = PathLocks::lock(std::slice::from_ref(&out)).unwrap();
        let file = held.locks[0].file().metadata().unwrap();
        assert_eq!(file.len(), 0);
        drop(held);
        assert!(!dir.path().join("aaaa-out.lock").exists());
    }

    #[test]
    fn excludes_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("aaaa-out");
        let held = PathLocks::lock(std::slice::from_ref(&out)).unwrap();
        assert!(dir.path().join("aaaa-out.lock").exists());
        let barrier = Arc::new(Barrier::new(2));
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = {
            let out = out.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let _second = PathLocks::lock(&[out]).unwrap();
                tx.send(()).unwrap();
            })
        };
        barrier.wait();
        // The second locker cannot have finished while the first holds it.
        assert!(rx.try_recv().is_err());
        drop(held);
        rx.recv().unwrap();
        thread.join().unwrap();
        assert!(!dir.path().join("aaaa-out.lock").exists());
    }
}
