//! Serialising a filesystem tree with some entries left out:
//! [`dump_path_filtered`] and [`hash_path_filtered`].
//!
//! `builtins.filterSource`, `builtins.path { filter = …; }` and the store's
//! source imports decide per entry whether it belongs to the archive. The
//! decision is a callback, so the walk here is a plain sequential one (the
//! read-ahead pipeline of [`crate::dump_path`] would have to call the
//! filter from worker threads, and filters are usually evaluator closures
//! that are not `Send`). A filter that accepts everything yields exactly
//! the archive `dump_path` writes: same order, same framing, same bytes.

use std::ffi::OsStr;
use std::fs::{self, File, FileType};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cairn_hash::{Hash, HashAlgo, Hasher};

use crate::dump::DumpError;
use crate::encode::{EncodeError, Encoder};

/// An error of a filtered walk: either the archive could not be written,
/// or the filter itself failed (its error is passed through unchanged).
#[derive(Debug, thiserror::Error)]
pub enum FilteredDumpError<E> {
    /// Reading the tree or writing the archive failed.
    #[error(transparent)]
    Dump(#[from] DumpError),
    /// The filter returned an error for an entry.
    #[error("the filter failed on `{}`", path.display())]
    Filter {
        /// The entry being decided on.
        path: PathBuf,
        /// The filter's error.
        #[source]
        source: E,
    },
}

/// Serialises `path` like [`crate::dump_path`], but asks `filter` about
/// every entry below the root (never the root itself) and leaves out those
/// for which it returns `false`, with everything beneath them. The filter
/// sees the entry's path on disk and its `lstat` file type. Returns the
/// number of bytes written.
pub fn dump_path_filtered<W, E, F>(
    path: &Path,
    out: W,
    filter: F,
) -> Result<u64, FilteredDumpError<E>>
where
    W: Write,
    F: FnMut(&Path, FileType) -> Result<bool, E>,
{
    let mut writer = BufWriter::with_capacity(64 * 1024, out);
    let written = walk_root(path, &mut writer, filter)?;
    writer
        .flush()
        .map_err(|e| FilteredDumpError::Dump(DumpError::Write(e)))?;
    Ok(written)
}

/// Hashes the NAR that [`dump_path_filtered`] would write, without
/// buffering it, and returns the hash and the archive's size.
pub fn hash_path_filtered<E, F>(
    path: &Path,
    algo: HashAlgo,
    filter: F,
) -> Result<(Hash, u64), FilteredDumpError<E>>
where
    F: FnMut(&Path, FileType) -> Result<bool, E>,
{
    let mut hasher = Hasher::new(algo);
    let size = walk_root(path, &mut hasher, filter)?;
    Ok((hasher.finish(), size))
}

fn walk_root<W, E, F>(root: &Path, out: W, mut filter: F) -> Result<u64, FilteredDumpError<E>>
where
    W: Write,
    F: FnMut(&Path, FileType) -> Result<bool, E>,
{
    let mut encoder = Encoder::new(out);
    let file_type = lstat_type(root)?;
    node(&mut encoder, root, file_type, &mut filter)?;
    let (_, size) = encoder
        .finish()
        .map_err(|e| FilteredDumpError::Dump(encode_error(root, e)))?;
    Ok(size)
}

fn lstat_type(path: &Path) -> Result<FileType, DumpError> {
    fs::symlink_metadata(path)
        .map(|m| m.file_type())
        .map_err(|source| DumpError::Metadata {
            path: path.to_owned(),
            source,
        })
}

fn node<W, E, F>(
    encoder: &mut Encoder<W>,
    path: &Path,
    file_type: FileType,
    filter: &mut F,
) -> Result<(), FilteredDumpError<E>>
where
    W: Write,
    F: FnMut(&Path, FileType) -> Result<bool, E>,
{
    let fail = |e: EncodeError| FilteredDumpError::Dump(encode_error(path, e));
    if file_type.is_symlink() {
        let target = fs::read_link(path).map_err(|source| DumpError::ReadLink {
            path: path.to_owned(),
            source,
        })?;
        encoder.symlink(target.as_os_str().as_bytes()).map_err(fail)
    } else if file_type.is_file() {
        let file = File::open(path).map_err(|source| DumpError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        let metadata = file.metadata().map_err(|source| DumpError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        let executable = metadata.permissions().mode() & 0o100 != 0;
        encoder
            .regular(executable, metadata.len(), io::BufReader::new(file))
            .map_err(fail)
    } else if file_type.is_dir() {
        let mut entries = Vec::new();
        let read_dir = fs::read_dir(path).map_err(|source| DumpError::ReadDir {
            path: path.to_owned(),
            source,
        })?;
        for entry in read_dir {
            let entry = entry.map_err(|source| DumpError::ReadDir {
                path: path.to_owned(),
                source,
            })?;
            entries.push(entry.file_name());
        }
        entries.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        encoder.start_directory().map_err(fail)?;
        for name in entries {
            let child = path.join(&name);
            let child_type = lstat_type(&child)?;
            match filter(&child, child_type) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(source) => {
                    return Err(FilteredDumpError::Filter {
                        path: child,
                        source,
                    });
                }
            }
            encoder
                .entry(OsStr::as_bytes(&name))
                .map_err(|e| FilteredDumpError::Dump(encode_error(&child, e)))?;
            node(encoder, &child, child_type, filter)?;
        }
        encoder.end_directory().map_err(fail)
    } else {
        Err(DumpError::UnsupportedType {
            path: path.to_owned(),
            kind: crate::pipeline::kind_name(file_type),
        }
        .into())
    }
}

/// Maps an encoder error to the filesystem error naming `path`.
fn encode_error(path: &Path, error: EncodeError) -> DumpError {
    let path = path.to_owned();
    match error {
        EncodeError::Write(source) => DumpError::Write(source),
        EncodeError::ReadContents(source) => DumpError::ReadFile { path, source },
        EncodeError::ContentsTooShort { expected, actual } => DumpError::FileChanged {
            path,
            expected,
            actual,
        },
        EncodeError::TooDeep => DumpError::TooDeep { path },
        EncodeError::InvalidTarget { .. } => DumpError::InvalidTarget { path },
        other => DumpError::InvalidName {
            path,
            source: other,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::os::unix::fs::symlink;

    use super::*;

    fn tree() -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("t");
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::write(root.join("a"), "a").unwrap();
        fs::write(root.join("B"), "bb").unwrap();
        fs::set_permissions(root.join("B"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(root.join("sub/x"), "x").unwrap();
        fs::write(root.join("sub/deeper/y"), "").unwrap();
        fs::write(root.join(OsStr::from_bytes(b"\xff")), "ff").unwrap();
        symlink("a", root.join("link")).unwrap();
        temp
    }

    #[test]
    fn accepting_everything_is_byte_identical_to_dump_path() {
        let temp = tree();
        let root = temp.path().join("t");
        let mut fast = Vec::new();
        crate::dump_path(&root, &mut fast).unwrap();
        let mut filtered = Vec::new();
        let size =
            dump_path_filtered(&root, &mut filtered, |_, _| Ok::<_, Infallible>(true)).unwrap();
        assert_eq!(fast, filtered);
        assert_eq!(size, fast.len() as u64);
        let (hash, hsize) =
            hash_path_filtered(&root, HashAlgo::Sha256, |_, _| Ok::<_, Infallible>(true)).unwrap();
        assert_eq!(hash, crate::hash_path(&root, HashAlgo::Sha256).unwrap().0);
        assert_eq!(hsize, size);
    }

    #[test]
    fn rejected_entries_and_their_contents_are_left_out() {
        let temp = tree();
        let root = temp.path().join("t");
        let mut seen = Vec::new();
        let mut nar = Vec::new();
        dump_path_filtered(&root, &mut nar, |path, file_type| {
            seen.push(path.strip_prefix(&root).unwrap().to_owned());
            Ok::<_, Infallible>(!(file_type.is_dir() && path.ends_with("sub")))
        })
        .unwrap();
        assert!(seen.iter().any(|p| p == Path::new("sub")), "{seen:?}");
        assert!(
            !seen
                .iter()
                .any(|p| p.starts_with("sub") && p != Path::new("sub")),
            "{seen:?}"
        );
        // Same as dumping a copy without `sub`.
        fs::remove_dir_all(root.join("sub")).unwrap();
        let mut expected = Vec::new();
        crate::dump_path(&root, &mut expected).unwrap();
        assert_eq!(nar, expected);
    }

    #[test]
    fn filter_errors_name_the_entry() {
        let temp = tree();
        let root = temp.path().join("t");
        let error = hash_path_filtered(&root, HashAlgo::Sha256, |path, _| {
            if path.ends_with("link") {
                Err("no")
            } else {
                Ok(true)
            }
        })
        .unwrap_err();
        match error {
            FilteredDumpError::Filter { path, source } => {
                assert_eq!(path, root.join("link"));
                assert_eq!(source, "no");
            }
            other @ FilteredDumpError::Dump(_) => panic!("{other:?}"),
        }
    }
}
