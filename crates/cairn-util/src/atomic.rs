//! Replacing files atomically: write a temporary file beside the target,
//! flush it to disk, rename it over the target, then flush the directory.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, IoResultExt, Operation, Result};
use crate::fs;

/// Distinguishes temporary files created by one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `contents` to `path` atomically: after a crash `path` holds either
/// its old content or `contents`, never a mix. The parent directory must
/// exist. The new file gets the default mode for new files (0666 minus the
/// umask).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("state.json");
/// cairn_util::write_atomic(&path, b"{}").unwrap();
/// cairn_util::write_atomic(&path, b"{\"generation\":2}").unwrap();
/// assert_eq!(cairn_util::fs::read(&path).unwrap(), b"{\"generation\":2}");
/// ```
pub fn write_atomic(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(contents.as_ref())
        .with_path(Operation::Write, file.temp_path())?;
    file.commit()
}

/// A file being written under a temporary name; [`AtomicFile::commit`]
/// moves it into place. Dropping it without committing deletes the
/// temporary file and leaves the target untouched.
#[derive(Debug)]
pub struct AtomicFile {
    /// Where the file ends up.
    path: PathBuf,
    /// Where it is written meanwhile, in the same directory.
    temp_path: PathBuf,
    /// `None` once committed.
    file: Option<File>,
}

impl AtomicFile {
    /// Starts writing a replacement for `path`. The temporary file is
    /// `.NAME.tmp-PID-N` in the same directory, so the final rename never
    /// crosses filesystems.
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile> {
        let path = path.as_ref();
        let name = path.file_name().ok_or_else(|| {
            Error::new(
                Operation::Create,
                path,
                io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"),
            )
        })?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".tmp-{}-{n}", std::process::id()));
            let temp_path = dir.join(temp_name);
            match fs::create_new(&temp_path) {
                Ok(file) => {
                    return Ok(AtomicFile {
                        path: path.to_owned(),
                        temp_path,
                        file: Some(file),
                    });
                }
                // A leftover from a crashed process with our pid: try the next name.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// The path the file will have after [`AtomicFile::commit`].
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary path being written.
    #[must_use]
    pub fn temp_path(&self) -> &Path {
        &self.temp_path
    }

    /// The open temporary file, e.g. to set its permissions.
    #[must_use]
    pub fn as_file(&self) -> &File {
        self.file
            .as_ref()
            .expect("AtomicFile is only reachable before commit")
    }

    /// Flushes the content to disk, renames the file into place and flushes
    /// the directory entry.
    pub fn commit(mut self) -> Result<()> {
        let file = self
            .file
            .take()
            .expect("AtomicFile is only reachable before commit");
        let result = file
            .sync_all()
            .with_path(Operation::Sync, &self.temp_path)
            .and_then(|()| {
                drop(file);
                fs::rename(&self.temp_path, &self.path)
            });
        if let Err(err) = result {
            // Best effort: the error that matters is the one we return.
            let _ = std::fs::remove_file(&self.temp_path);
            return Err(err);
        }
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        fs::sync_dir(dir)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file
            .as_mut()
            .expect("AtomicFile is only reachable before commit")
            .write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file
            .as_mut()
            .expect("AtomicFile is only reachable before commit")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            // Not committed: nothing else will clean up the temporary file.
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, "new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir_sorted(dir.path()).unwrap(), [path]);
    }

    #[test]
    fn dropping_without_commit_leaves_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"partial").unwrap();
        assert!(file.temp_path().exists());
        drop(file);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir_sorted(dir.path()).unwrap(), [path]);
    }

    #[test]
    fn missing_directory_names_the_temporary_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/f");
        let err = write_atomic(&path, "x").unwrap_err();
        assert_eq!(err.operation(), Operation::Create);
        assert!(err.path().starts_with(dir.path().join("no/such")));
    }
}
