//! Temporary directories that are removed when dropped.

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Operation, Result};

/// Distinguishes temporary directories created by one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A directory created with mode 0700 under a chosen parent, removed with
/// everything in it when dropped (unless [`TempDir::keep`] is called).
///
/// Unlike a system-wide temporary directory, the parent is explicit, so a
/// build directory or a store's temporary area can sit on the same file
/// system as the final destination and be renamed into place.
///
/// ```
/// let parent = tempfile::tempdir().unwrap();
/// let dir = cairn_util::TempDir::new_in(parent.path(), "build").unwrap();
/// let path = dir.path().to_owned();
/// assert!(path.file_name().unwrap().to_str().unwrap().starts_with("build-"));
/// drop(dir);
/// assert!(!path.exists());
/// ```
#[derive(Debug)]
pub struct TempDir {
    /// `None` once kept.
    path: Option<PathBuf>,
}

impl TempDir {
    /// Creates `PARENT/PREFIX-PID-N`, trying the next `N` while the name is
    /// taken. `parent` must exist.
    pub fn new_in(parent: impl AsRef<Path>, prefix: &str) -> Result<TempDir> {
        let parent = parent.as_ref();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!("{prefix}-{}-{n}", std::process::id()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(TempDir { path: Some(path) }),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(source) => return Err(Error::new(Operation::CreateDir, path, source)),
            }
        }
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.path
            .as_deref()
            .expect("TempDir is only reachable before keep")
    }

    /// Keeps the directory: it is no longer removed, and its path is
    /// returned.
    #[must_use]
    pub fn keep(mut self) -> PathBuf {
        self.path
            .take()
            .expect("TempDir is only reachable before keep")
    }

    /// Removes the directory now, reporting any error (dropping also
    /// removes it, but ignores errors).
    pub fn remove(mut self) -> Result<()> {
        match self.path.take() {
            Some(path) => crate::fs::remove_dir_all(path),
            None => Ok(()),
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Best effort: a destructor cannot report errors; use `remove`
            // to see them.
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn created_private_and_removed_with_contents() {
        let parent = tempfile::tempdir().unwrap();
        let dir = TempDir::new_in(parent.path(), "t").unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/f"), "x").unwrap();
        let path = dir.path().to_owned();
        dir.remove().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn names_are_unique_and_keep_disowns() {
        let parent = tempfile::tempdir().unwrap();
        let a = TempDir::new_in(parent.path(), "t").unwrap();
        let b = TempDir::new_in(parent.path(), "t").unwrap();
        assert_ne!(a.path(), b.path());
        let kept = a.keep();
        drop(b);
        assert!(kept.is_dir());
    }

    #[test]
    fn missing_parent_names_the_path() {
        let parent = tempfile::tempdir().unwrap();
        let err = TempDir::new_in(parent.path().join("missing"), "t").unwrap_err();
        assert_eq!(err.operation(), Operation::CreateDir);
        assert!(err.path().starts_with(parent.path().join("missing")));
    }
}
