//! Thin wrappers over [`std::fs`] whose errors name the path.
//!
//! Each function does exactly what its `std::fs` namesake does; only the
//! error type differs. Use these instead of `std::fs` in library code.

use std::fs::{self, File, Metadata, Permissions, ReadDir};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, IoResultExt, Operation, Result};

/// Opens an existing file for reading.
pub fn open(path: impl AsRef<Path>) -> Result<File> {
    let path = path.as_ref();
    File::open(path).with_path(Operation::Open, path)
}

/// Creates a file for writing, truncating it if it exists.
pub fn create(path: impl AsRef<Path>) -> Result<File> {
    let path = path.as_ref();
    File::create(path).with_path(Operation::Create, path)
}

/// Creates a new file for writing; fails if anything exists at `path`.
pub fn create_new(path: impl AsRef<Path>) -> Result<File> {
    let path = path.as_ref();
    File::create_new(path).with_path(Operation::Create, path)
}

/// Reads a whole file into memory.
pub fn read(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let mut file = open(path)?;
    let mut contents = Vec::new();
    file.read_to_end(&mut contents)
        .with_path(Operation::Read, path)?;
    Ok(contents)
}

/// Reads a whole UTF-8 file into memory; invalid UTF-8 is a
/// [`Operation::Read`] error of kind `InvalidData`.
pub fn read_to_string(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    let mut file = open(path)?;
    let mut contents = String::new();
    file.read_to_string(&mut contents)
        .with_path(Operation::Read, path)?;
    Ok(contents)
}

/// Writes `contents` to `path`, creating or truncating it (not atomic; see
/// [`crate::write_atomic`]).
pub fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Result<()> {
    let path = path.as_ref();
    fs::write(path, contents).with_path(Operation::Write, path)
}

/// Creates one directory; its parent must exist.
pub fn create_dir(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    fs::create_dir(path).with_path(Operation::CreateDir, path)
}

/// Creates a directory and any missing parents; succeeds if it exists.
pub fn create_dir_all(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    fs::create_dir_all(path).with_path(Operation::CreateDir, path)
}

/// Lists a directory. Errors while iterating are plain `io::Error`s; use
/// [`read_dir_sorted`] to get them with the path.
pub fn read_dir(path: impl AsRef<Path>) -> Result<ReadDir> {
    let path = path.as_ref();
    fs::read_dir(path).with_path(Operation::ReadDir, path)
}

/// Lists a directory and returns the full paths of its entries sorted by
/// file name (byte order), which is the order NAR and Nix use.
pub fn read_dir_sorted(path: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let path = path.as_ref();
    let mut entries = read_dir(path)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_path(Operation::ReadDir, path)?;
    entries.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(entries)
}

/// Reads a symlink's target.
pub fn read_link(path: impl AsRef<Path>) -> Result<PathBuf> {
    let path = path.as_ref();
    fs::read_link(path).with_path(Operation::ReadLink, path)
}

/// Creates a symlink at `link` pointing at `target`. The error names `link`
/// first, then `target`.
pub fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) -> Result<()> {
    let (target, link) = (target.as_ref(), link.as_ref());
    std::os::unix::fs::symlink(target, link)
        .map_err(|source| Error::with_target(Operation::Symlink, link, target, source))
}

/// Metadata of `path`, following symlinks (`stat`).
pub fn metadata(path: impl AsRef<Path>) -> Result<Metadata> {
    let path = path.as_ref();
    fs::metadata(path).with_path(Operation::Stat, path)
}

/// Metadata of `path` itself, not following a final symlink (`lstat`).
pub fn symlink_metadata(path: impl AsRef<Path>) -> Result<Metadata> {
    let path = path.as_ref();
    fs::symlink_metadata(path).with_path(Operation::Stat, path)
}

/// Sets the permissions of `path`.
pub fn set_permissions(path: impl AsRef<Path>, permissions: Permissions) -> Result<()> {
    let path = path.as_ref();
    fs::set_permissions(path, permissions).with_path(Operation::SetPermissions, path)
}

/// Renames `from` to `to`, replacing `to` if it is a file.
pub fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> Result<()> {
    let (from, to) = (from.as_ref(), to.as_ref());
    fs::rename(from, to).map_err(|source| Error::with_target(Operation::Rename, from, to, source))
}

/// Removes a file or symlink.
pub fn remove_file(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    fs::remove_file(path).with_path(Operation::Remove, path)
}

/// Removes an empty directory.
pub fn remove_dir(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    fs::remove_dir(path).with_path(Operation::Remove, path)
}

/// Removes a directory and everything in it.
pub fn remove_dir_all(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    fs::remove_dir_all(path).with_path(Operation::RemoveAll, path)
}

/// Resolves `path` to an absolute path with no symlinks, `.` or `..`.
pub fn canonicalize(path: impl AsRef<Path>) -> Result<PathBuf> {
    let path = path.as_ref();
    fs::canonicalize(path).with_path(Operation::Canonicalize, path)
}

/// Flushes a directory's entries to disk, so that a rename or create in it
/// survives a crash.
pub fn sync_dir(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let dir = open(path)?;
    dir.sync_all().with_path(Operation::Sync, path)
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use super::*;

    #[test]
    fn errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        for (err, operation) in [
            (open(&missing).unwrap_err(), Operation::Open),
            (read_link(&missing).unwrap_err(), Operation::ReadLink),
            (symlink_metadata(&missing).unwrap_err(), Operation::Stat),
            (read_dir(&missing).unwrap_err(), Operation::ReadDir),
            (remove_file(&missing).unwrap_err(), Operation::Remove),
        ] {
            assert_eq!(err.operation(), operation);
            assert_eq!(err.path(), missing);
            assert_eq!(err.kind(), ErrorKind::NotFound);
        }
    }

    #[test]
    fn create_dir_all_then_list_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_dir_all(&nested).unwrap();
        create_dir_all(&nested).unwrap();
        for name in ["zeta", "Alpha", "beta"] {
            write(nested.join(name), name).unwrap();
        }
        let names: Vec<_> = read_dir_sorted(&nested)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["Alpha", "beta", "zeta"]);
    }

    #[test]
    fn symlink_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        symlink("target", &link).unwrap();
        assert_eq!(read_link(&link).unwrap(), Path::new("target"));
        assert!(symlink_metadata(&link).unwrap().file_type().is_symlink());
        let err = symlink("other", &link).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(err.target(), Some(Path::new("other")));
    }

    #[test]
    fn read_to_string_rejects_invalid_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        write(&path, [0xff, 0xfe]).unwrap();
        let err = read_to_string(&path).unwrap_err();
        assert_eq!(err.operation(), Operation::Read);
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    }
}
