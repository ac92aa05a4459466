//! Safe extraction of a tar stream (a `.deb`'s `data.tar`) into a new
//! directory.
//!
//! The tarball is untrusted input, so extraction never writes outside the
//! target and never follows a link it made:
//!
//! * entry names are normalised (`./` and empty components dropped);
//!   absolute names and `..` components are rejected;
//! * every entry's parent must be a directory this extraction created (or
//!   one it creates now for an entry whose parent directory the tarball did
//!   not list), never a symlink or a file: a symlink `a -> /etc` followed by
//!   `a/passwd` is rejected instead of writing `/etc/passwd`;
//! * files are created with `O_CREAT|O_EXCL`, symlinks and directories by
//!   calls that fail on an existing name, so nothing is overwritten, and an
//!   entry that appears twice is an error;
//! * hard links must point at a regular file extracted earlier;
//! * symlinks are kept as symlinks with their target unchanged (absolute
//!   Debian links such as `lib64/ld-linux-x86-64.so.2 -> /lib/...` are made
//!   relative by the later relocation step, not here);
//! * device nodes and FIFOs are refused; owners, setuid/setgid and sticky
//!   bits are dropped.
//!
//! Permissions are normalised to what a NAR can express: `0755` for
//! directories and files with any execute bit, `0644` for other files. The
//! tree therefore hashes the same before and after a NAR round trip, and
//! `cairn-nar`'s dump accepts it as it is (it has only regular files,
//! executables, directories and symlinks).
//!
//! The target must not exist yet (or be an empty directory); the map of
//! what was created is kept in memory, which is what lets the parent checks
//! work without following anything on disk.
//!
//! Several archives can be extracted into one tree ([`Tree`]), as the
//! bootstrap merges a set of `.deb`s into one store path: a directory that
//! an earlier archive made is shared, any other path an earlier archive
//! made is a conflict naming that archive ([`UnpackError::Conflict`]), and
//! a filter can drop entries (documentation, locales) before a byte of
//! them is written.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why an entry could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The target exists and is not an empty directory.
    #[error("target '{}' exists and is not an empty directory", path.display())]
    TargetNotEmpty {
        /// The target.
        path: PathBuf,
    },
    /// The tar stream itself is corrupt or ended early.
    #[error("failed to decompress or read the tar stream")]
    Tar(#[source] io::Error),
    /// An entry name is absolute.
    #[error("entry '{entry}': absolute path")]
    AbsolutePath {
        /// The entry name as written.
        entry: String,
    },
    /// An entry name has a `..` component.
    #[error("entry '{entry}': path escapes the target ('..' component)")]
    ParentComponent {
        /// The entry name as written.
        entry: String,
    },
    /// Two entries have the same normalised name.
    #[error("entry '{entry}': duplicate entry (the archive already created this path)")]
    Duplicate {
        /// The entry name as written.
        entry: String,
    },
    /// An earlier archive extracted into the same [`Tree`] made this path,
    /// and it is not a directory in both.
    #[error("entry '{entry}': '{}' already provides this path", earlier.display())]
    Conflict {
        /// The entry name as written.
        entry: String,
        /// The earlier archive, as named to [`Tree::unpack_tar`].
        earlier: PathBuf,
    },
    /// An entry's parent is a symlink or a file made by an earlier entry.
    #[error(
        "entry '{entry}': parent '{parent}' is a {kind}, not a directory (refusing to follow it)"
    )]
    ParentNotDirectory {
        /// The entry name as written.
        entry: String,
        /// The offending parent, relative to the target.
        parent: String,
        /// `symlink`, `file` or `hard link`.
        kind: &'static str,
    },
    /// A hard link points at something that is not a regular file
    /// extracted earlier.
    #[error(
        "entry '{entry}': hard link to '{target}', which is not a regular file earlier in the archive"
    )]
    HardLinkTarget {
        /// The entry name as written.
        entry: String,
        /// The link target as written.
        target: String,
    },
    /// A symlink with an empty target.
    #[error("entry '{entry}': symlink with an empty target")]
    EmptySymlink {
        /// The entry name as written.
        entry: String,
    },
    /// A device node, FIFO or other unsupported entry type.
    #[error("entry '{entry}': unsupported entry type '{kind}' (only files, directories and links)")]
    UnsupportedType {
        /// The entry name as written.
        entry: String,
        /// The tar type flag, as a character.
        kind: char,
    },
    /// The root entry (`./`) is not a directory.
    #[error("entry '{entry}': the archive root must be a directory")]
    RootNotDirectory {
        /// The entry name as written.
        entry: String,
    },
    /// Creating or writing a path failed.
    #[error("entry '{entry}': failed to create '{}'", path.display())]
    Create {
        /// The entry name as written.
        entry: String,
        /// The path on disk.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// What an extraction made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnpackStats {
    /// Regular files (hard links not included).
    pub files: u64,
    /// Directories, including ones the archive did not list.
    pub directories: u64,
    /// Symbolic links.
    pub symlinks: u64,
    /// Hard links.
    pub hard_links: u64,
    /// Bytes written to regular files.
    pub bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Directory,
    File,
    Symlink,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Directory => "directory",
            Kind::File => "file",
            Kind::Symlink => "symlink",
        }
    }
}

/// Makes the error for a bad entry name from the name.
type NameError = fn(String) -> UnpackError;

/// Normalises a tar entry name to its components, or says why not.
fn normalise(raw: &[u8]) -> Result<Vec<&[u8]>, NameError> {
    if raw.starts_with(b"/") {
        return Err(|entry| UnpackError::AbsolutePath { entry });
    }
    let mut parts = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err(|entry| UnpackError::ParentComponent { entry }),
            part => parts.push(part),
        }
    }
    Ok(parts)
}

fn join(parts: &[&[u8]]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(&parts.join(&b'/')))
}

/// Extracts the tar stream `reader` into `target` (see the module docs).
///
/// # Errors
///
/// The first entry that is unsafe, unsupported or cannot be written; the
/// target is left partly extracted.
pub fn unpack_tar(reader: impl Read, target: &Path) -> Result<UnpackStats, UnpackError> {
    Tree::new(target)?.unpack_tar(reader, Path::new(""), &mut |_| true)
}

/// A directory that one or more tar streams are extracted into, in order,
/// with the safety rules of the module docs; directories merge, other
/// paths may come from one archive only.
#[derive(Debug)]
pub struct Tree {
    target: PathBuf,
    /// What each path is and which archive (index into `sources`) made it.
    created: HashMap<PathBuf, (Kind, usize)>,
    sources: Vec<PathBuf>,
    buffer: Vec<u8>,
}

impl Tree {
    /// Starts a tree at `target`, which must not exist or be an empty
    /// directory.
    ///
    /// # Errors
    ///
    /// The target exists and is not an empty directory, or cannot be made.
    pub fn new(target: &Path) -> Result<Tree, UnpackError> {
        let create = |source| UnpackError::Create {
            entry: String::new(),
            path: target.to_owned(),
            source,
        };
        match fs::symlink_metadata(target) {
            Ok(meta) if meta.is_dir() => {
                if fs::read_dir(target).map_err(create)?.next().is_some() {
                    return Err(UnpackError::TargetNotEmpty {
                        path: target.to_owned(),
                    });
                }
            }
            Ok(_) => {
                return Err(UnpackError::TargetNotEmpty {
                    path: target.to_owned(),
                });
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                DirBuilder::new()
                    .mode(0o755)
                    .create(target)
                    .map_err(create)?;
            }
            Err(err) => return Err(create(err)),
        }
        Ok(Tree {
            target: target.to_owned(),
            created: HashMap::new(),
            sources: Vec::new(),
            buffer: vec![0; 256 * 1024],
        })
    }

    /// The directory extracted into.
    #[must_use]
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Extracts the tar stream `reader` (named `source` in conflicts with
    /// later archives) into the tree. Entries whose normalised relative
    /// path `keep` rejects are skipped unread; `keep` is asked about every
    /// entry, so to drop a directory with its contents it must reject every
    /// path below it too (a prefix test does).
    ///
    /// # Errors
    ///
    /// The first entry that is unsafe, unsupported, conflicts with an
    /// earlier archive or cannot be written; the tree is left partly
    /// extracted.
    pub fn unpack_tar(
        &mut self,
        reader: impl Read,
        source: &Path,
        keep: &mut dyn FnMut(&Path) -> bool,
    ) -> Result<UnpackStats, UnpackError> {
        self.sources.push(source.to_owned());
        let mut run = Run {
            tree: self,
            keep,
            stats: UnpackStats::default(),
        };
        run.run(reader)?;
        Ok(run.stats)
    }
}

/// One archive being extracted into a [`Tree`].
struct Run<'t, 'k> {
    tree: &'t mut Tree,
    keep: &'k mut dyn FnMut(&Path) -> bool,
    stats: UnpackStats,
}

impl Run<'_, '_> {
    /// The index of the archive being extracted.
    fn source(&self) -> usize {
        self.tree.sources.len() - 1
    }

    fn run(&mut self, reader: impl Read) -> Result<(), UnpackError> {
        let mut archive = tar::Archive::new(reader);
        for entry in archive.entries().map_err(UnpackError::Tar)? {
            let entry = entry.map_err(UnpackError::Tar)?;
            self.entry(entry)?;
        }
        Ok(())
    }

    fn entry(&mut self, mut entry: tar::Entry<'_, impl Read>) -> Result<(), UnpackError> {
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let parts = normalise(&raw).map_err(|make| make(name.clone()))?;
        let kind = entry.header().entry_type();
        if parts.is_empty() {
            // `./`: the target itself, which already exists.
            return if kind.is_dir() {
                Ok(())
            } else {
                Err(UnpackError::RootNotDirectory { entry: name })
            };
        }
        let relative = join(&parts);
        if !(self.keep)(&relative) {
            return Ok(());
        }
        match self.tree.created.get(&relative) {
            None => {}
            Some(&(_, owner)) if owner == self.source() => {
                return Err(UnpackError::Duplicate { entry: name });
            }
            Some(&(Kind::Directory, _)) if kind.is_dir() => return Ok(()),
            Some(&(_, owner)) => {
                return Err(UnpackError::Conflict {
                    entry: name,
                    earlier: self.tree.sources[owner].clone(),
                });
            }
        }
        self.parents(&parts, &name)?;
        let path = self.tree.target.join(&relative);
        let create = |source| UnpackError::Create {
            entry: name.clone(),
            path: path.clone(),
            source,
        };
        let made = match kind {
            tar::EntryType::Directory => {
                DirBuilder::new()
                    .mode(0o755)
                    .create(&path)
                    .map_err(create)?;
                self.stats.directories += 1;
                Kind::Directory
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let executable = entry.header().mode().map_err(UnpackError::Tar)? & 0o111 != 0;
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(if executable { 0o755 } else { 0o644 })
                    .open(&path)
                    .map_err(create)?;
                loop {
                    let n = match entry.read(&mut self.tree.buffer) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                        Err(err) => return Err(UnpackError::Tar(err)),
                    };
                    file.write_all(&self.tree.buffer[..n]).map_err(create)?;
                    self.stats.bytes += n as u64;
                }
                self.stats.files += 1;
                Kind::File
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if target.is_empty() {
                    return Err(UnpackError::EmptySymlink { entry: name });
                }
                std::os::unix::fs::symlink(OsStr::from_bytes(&target), &path).map_err(create)?;
                self.stats.symlinks += 1;
                Kind::Symlink
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let target_name = String::from_utf8_lossy(&target).into_owned();
                let bad = || UnpackError::HardLinkTarget {
                    entry: name.clone(),
                    target: target_name.clone(),
                };
                let target_parts = normalise(&target).map_err(|_| bad())?;
                let target_relative = join(&target_parts);
                if target_parts.is_empty()
                    || !matches!(
                        self.tree.created.get(&target_relative),
                        Some((Kind::File, _))
                    )
                {
                    return Err(bad());
                }
                fs::hard_link(self.tree.target.join(&target_relative), &path).map_err(create)?;
                self.stats.hard_links += 1;
                Kind::File
            }
            other => {
                return Err(UnpackError::UnsupportedType {
                    entry: name,
                    kind: char::from(other.as_byte()),
                });
            }
        };
        let source = self.source();
        self.tree.created.insert(relative, (made, source));
        Ok(())
    }

    /// Checks that every ancestor of `parts` is a directory this
    /// extraction made, creating missing ones.
    fn parents(&mut self, parts: &[&[u8]], name: &str) -> Result<(), UnpackError> {
        for depth in 1..parts.len() {
            let ancestor = join(&parts[..depth]);
            match self.tree.created.get(&ancestor) {
                Some((Kind::Directory, _)) => {}
                Some((kind, _)) => {
                    return Err(UnpackError::ParentNotDirectory {
                        entry: name.to_owned(),
                        parent: ancestor.to_string_lossy().into_owned(),
                        kind: kind.name(),
                    });
                }
                None => {
                    let path = self.tree.target.join(&ancestor);
                    DirBuilder::new()
                        .mode(0o755)
                        .create(&path)
                        .map_err(|source| UnpackError::Create {
                            entry: name.to_owned(),
                            path,
                            source,
                        })?;
                    self.stats.directories += 1;
                    let source = self.source();
                    self.tree
                        .created
                        .insert(ancestor, (Kind::Directory, source));
                }
            }
        }
        Ok(())
    }
}
