//! Serialising a filesystem tree: [`dump_path`] and [`hash_path`].

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use cairn_hash::{Hash, HashAlgo, Hasher};

use crate::MAX_DEPTH;
use crate::encode::EncodeError;
use crate::pipeline::archive;

/// An error while archiving a filesystem tree. Each variant names the path
/// on disk it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// `lstat` failed.
    #[error("cannot read metadata of `{}`", path.display())]
    Metadata {
        /// The path on disk.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Listing a directory failed.
    #[error("cannot read directory `{}`", path.display())]
    ReadDir {
        /// The path on disk.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Opening or reading a regular file failed.
    #[error("cannot read file `{}`", path.display())]
    ReadFile {
        /// The path on disk.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Reading a symlink's target failed.
    #[error("cannot read symlink `{}`", path.display())]
    ReadLink {
        /// The path on disk.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A regular file became shorter while it was being archived.
    #[error("file `{}` changed while being archived: expected {expected} bytes, read {actual}", path.display())]
    FileChanged {
        /// The path on disk.
        path: PathBuf,
        /// The size `lstat` reported.
        expected: u64,
        /// How many bytes could be read.
        actual: u64,
    },
    /// The path is a socket, FIFO or device, which a NAR cannot hold.
    #[error("file `{}` has an unsupported type ({kind}); a NAR holds only regular files, directories and symlinks", path.display())]
    UnsupportedType {
        /// The path on disk.
        path: PathBuf,
        /// "socket", "fifo", "block device", "character device" or "unknown".
        kind: &'static str,
    },
    /// Directories nest deeper than [`MAX_DEPTH`].
    #[error("directory `{}` is nested deeper than {MAX_DEPTH} levels", path.display())]
    TooDeep {
        /// The first directory that is too deep.
        path: PathBuf,
    },
    /// A symlink's target cannot be stored (empty, or longer than
    /// [`MAX_TARGET_LEN`](crate::MAX_TARGET_LEN)).
    #[error("symlink `{}` has a target that cannot be archived", path.display())]
    InvalidTarget {
        /// The path on disk.
        path: PathBuf,
    },
    /// A directory entry's name cannot be stored (longer than
    /// [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) bytes).
    #[error("entry `{}` has a name that cannot be archived", path.display())]
    InvalidName {
        /// The path on disk.
        path: PathBuf,
        /// What is wrong with the name.
        #[source]
        source: EncodeError,
    },
    /// Writing the archive to the output failed.
    #[error("writing the NAR failed")]
    Write(#[source] io::Error),
}

/// Serialises the file, directory or symlink at `path` as a NAR into
/// `out`, and returns the number of bytes written.
///
/// Like `nix-store --dump`: symlinks are not followed (not even at the
/// root), entries are sorted by the raw bytes of their names, a regular
/// file is executable when its owner-execute bit (`S_IXUSR`) is set, and
/// modes, owners and times are not recorded. Sockets, FIFOs and devices
/// are an error. `out` is wrapped in a [`BufWriter`] internally.
pub fn dump_path<W: Write>(path: &Path, out: W) -> Result<u64, DumpError> {
    let mut writer = BufWriter::with_capacity(64 * 1024, out);
    let written = archive(path, &mut writer)?;
    writer.flush().map_err(DumpError::Write)?;
    Ok(written)
}

/// Hashes the NAR serialisation of `path` with `algo` without buffering
/// the archive, and returns the hash and the NAR's size in bytes.
///
/// This is what `nix hash path` and `nix-store --add`/`nix-hash` compute
/// (a SHA-256 of it is a store object's `narHash`).
pub fn hash_path(path: &Path, algo: HashAlgo) -> Result<(Hash, u64), DumpError> {
    let mut hasher = Hasher::new(algo);
    let size = archive(path, &mut hasher)?;
    debug_assert_eq!(size, hasher.len());
    Ok((hasher.finish(), size))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::fs::{self, Permissions};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::{Event, NodeKind, Parser};

    /// (path, kind) of every node, in archive order.
    fn nodes(nar: &[u8]) -> Vec<(Vec<u8>, String)> {
        let mut parser = Parser::new(nar);
        let mut out = Vec::new();
        while let Some(event) = parser.next_event().unwrap() {
            if let Event::Node { path, kind, .. } = event {
                let kind = match kind {
                    NodeKind::Regular { executable, .. } => format!("file exec={executable}"),
                    NodeKind::Symlink { target } => {
                        format!("link {}", String::from_utf8_lossy(target))
                    }
                    NodeKind::Directory => "dir".to_owned(),
                };
                out.push((path.to_vec(), kind));
            }
        }
        out
    }

    #[test]
    fn sorts_bytewise_and_uses_owner_execute_bit() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("t");
        fs::create_dir(&root).unwrap();
        for (name, mode) in [
            (&b"a"[..], 0o644),
            (b"B", 0o744),
            (b"\xff", 0o655),
            (b"_", 0o611),
        ] {
            let path = root.join(OsStr::from_bytes(name));
            fs::write(&path, name).unwrap();
            fs::set_permissions(&path, Permissions::from_mode(mode)).unwrap();
        }
        std::os::unix::fs::symlink("a", root.join("link")).unwrap();
        let mut nar = Vec::new();
        dump_path(&root, &mut nar).unwrap();
        let got = nodes(&nar);
        let want: Vec<(Vec<u8>, String)> = vec![
            (b"".to_vec(), "dir".into()),
            (b"/B".to_vec(), "file exec=true".into()),
            (b"/_".to_vec(), "file exec=false".into()),
            (b"/a".to_vec(), "file exec=false".into()),
            (b"/link".to_vec(), "link a".into()),
            (b"/\xff".to_vec(), "file exec=false".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn root_symlink_is_not_followed() {
        let temp = tempfile::tempdir().unwrap();
        let link = temp.path().join("l");
        std::os::unix::fs::symlink("/nonexistent", &link).unwrap();
        let mut nar = Vec::new();
        dump_path(&link, &mut nar).unwrap();
        assert_eq!(
            nodes(&nar),
            vec![(Vec::new(), "link /nonexistent".to_owned())]
        );
    }

    #[test]
    fn sockets_are_rejected_with_their_path() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("t");
        fs::create_dir(&root).unwrap();
        let socket = root.join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let error = hash_path(&root, HashAlgo::Sha256).unwrap_err();
        match &error {
            DumpError::UnsupportedType { path, kind } => {
                assert_eq!(path, &socket);
                assert_eq!(*kind, "socket");
            }
            other => panic!("{other:?}"),
        }
        assert!(error.to_string().contains("sock"), "{error}");
    }

    #[test]
    fn missing_path_is_named() {
        let temp = tempfile::tempdir().unwrap();
        let missing = temp.path().join("missing");
        match dump_path(&missing, Vec::new()).unwrap_err() {
            DumpError::Metadata { path, source } => {
                assert_eq!(path, missing);
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn depth_limit_applies_when_writing() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("t");
        // The root and MAX_DEPTH - 1 levels below it.
        let mut deep = root.clone();
        for _ in 1..MAX_DEPTH {
            deep.push("d");
        }
        fs::create_dir_all(&deep).unwrap();
        hash_path(&root, HashAlgo::Sha256).unwrap();
        fs::create_dir(deep.join("d")).unwrap();
        assert!(matches!(
            hash_path(&root, HashAlgo::Sha256),
            Err(DumpError::TooDeep { .. })
        ));
    }
}
