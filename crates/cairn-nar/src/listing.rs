//! A NAR's table of contents: [`list`], [`Listing`], and the text format of
//! `nix nar ls`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use serde::{Serialize, Serializer};

use crate::decode::{Event, NodeKind, Parser, ReadError};

/// A raw entry name (or symlink target): bytes, ordered as bytes, and
/// serialised as a string (invalid UTF-8 replaced by U+FFFD).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawName(pub Vec<u8>);

impl RawName {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RawName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&String::from_utf8_lossy(&self.0), f)
    }
}

impl fmt::Display for RawName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&String::from_utf8_lossy(&self.0), f)
    }
}

impl Serialize for RawName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The table of contents of a NAR, as a tree.
///
/// # JSON
///
/// Serialises (with `serde_json`) exactly like `nix nar ls --json -R NAR /`
/// of Nix 2.8, keys in this order:
///
/// ```text
/// {"type":"directory","entries":{"f":{"type":"regular","size":5,"narOffset":432},
///  "l":{"type":"symlink","target":"f"},
///  "sub":{"type":"directory","entries":{"x":{"type":"regular","size":3,"executable":true,"narOffset":984}}}}}
/// ```
///
/// (`executable` appears only when true.) Without `-R`, Nix prints the
/// entries of the listed directory as empty objects `{}`; a CLI can do that
/// by serialising only the first level.
///
/// # Text (`nix nar ls`)
///
/// [`Listing::ls_text`] produces what `nix nar ls [-l] [-R] [-d] NAR PATH`
/// prints, one line per node, each ending in `\n`:
///
/// * The listed node's display path is `.` when it is a directory, else its
///   base name (empty for the root file of a single-file NAR). Unless `-d`
///   is given, a listed directory shows its entries instead of itself, as
///   `./NAME`; with `-R` every directory shown is followed by its entries,
///   recursively (`./sub`, then `./sub/x`). Entries come in byte order.
/// * Short form: just the display path.
/// * Long form (`-l`): `TYPE SIZE PATH`, where TYPE is `-r--r--r--` (file),
///   `-r-xr-xr-x` (executable file), `dr-xr-xr-x` (directory) or
///   `lrwxrwxrwx` (symlink); SIZE is the file size right-aligned in 20
///   columns (`0` for directories and symlinks); symlinks append
///   ` -> TARGET`. For example:
///
/// ```text
/// lrwxrwxrwx                    0 ./abs -> /nonexist
/// -r--r--r--                    5 ./f
/// dr-xr-xr-x                    0 ./sub
/// -r-xr-xr-x                    3 ./sub/x
/// ```
///
/// Names and targets are printed as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Listing {
    /// A regular file.
    Regular {
        /// Size of the contents in bytes.
        size: u64,
        /// Whether the file is executable.
        #[serde(skip_serializing_if = "is_false")]
        executable: bool,
        /// Byte offset of the contents in the NAR.
        #[serde(rename = "narOffset")]
        nar_offset: u64,
    },
    /// A symlink.
    Symlink {
        /// The raw target.
        target: RawName,
    },
    /// A directory.
    Directory {
        /// The entries, by name.
        entries: BTreeMap<RawName, Listing>,
    },
}

/// Which of `nix nar ls`'s flags to apply in [`Listing::ls_text`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LsOptions {
    /// `-l`: long format with type, size and symlink target.
    pub long: bool,
    /// `-R`: list directories recursively.
    pub recursive: bool,
    /// `-d`: show a directory itself rather than its entries.
    pub directory: bool,
}

/// Reads a whole NAR and returns its table of contents. File contents are
/// skipped (but still validated: length, padding).
pub fn list<R: Read>(input: R) -> Result<Listing, ReadError> {
    let mut parser = Parser::new(input);
    // Open directories: the entry name each one will be stored under, and
    // its entries so far. Iterative, so depth only costs heap.
    let mut stack: Vec<(Vec<u8>, BTreeMap<RawName, Listing>)> = Vec::new();
    let mut root = None;
    while let Some(event) = parser.next_event()? {
        let (name, node) = match event {
            Event::Node { name, kind, .. } => match kind {
                NodeKind::Directory => {
                    stack.push((name.to_vec(), BTreeMap::new()));
                    continue;
                }
                NodeKind::Regular {
                    executable,
                    size,
                    offset,
                } => (
                    name.to_vec(),
                    Listing::Regular {
                        size,
                        executable,
                        nar_offset: offset,
                    },
                ),
                NodeKind::Symlink { target } => (
                    name.to_vec(),
                    Listing::Symlink {
                        target: RawName(target.to_vec()),
                    },
                ),
            },
            Event::EndDirectory { .. } => {
                let (name, entries) = stack.pop().expect("parser balances directories");
                (name, Listing::Directory { entries })
            }
        };
        match stack.last_mut() {
            Some((_, entries)) => {
                entries.insert(RawName(name), node);
            }
            None => root = Some(node),
        }
    }
    Ok(root.expect("a complete NAR has a root node"))
}

impl Listing {
    /// Finds the node at `path` inside the archive (`/`-separated; empty
    /// components and `.` are ignored, `..` goes up, as Nix's canonical
    /// paths do). Returns `None` when it does not exist.
    pub fn lookup(&self, path: &[u8]) -> Option<&Listing> {
        let mut trail: Vec<&Listing> = vec![self];
        for component in path.split(|&b| b == b'/') {
            match component {
                b"" | b"." => {}
                b".." => {
                    if trail.len() > 1 {
                        trail.pop();
                    }
                }
                name => {
                    let Listing::Directory { entries } = trail.last()? else {
                        return None;
                    };
                    trail.push(entries.get(&RawName(name.to_vec()))?);
                }
            }
        }
        trail.last().copied()
    }

    /// Renders what `nix nar ls` prints for `path` with `options` (see
    /// the type's documentation for the format), or `None` when `path`
    /// does not exist in the archive.
    pub fn ls_text(&self, path: &[u8], options: LsOptions) -> Option<Vec<u8>> {
        let node = self.lookup(path)?;
        let mut out = Vec::new();
        let display: Vec<u8> = if matches!(node, Listing::Directory { .. }) {
            b".".to_vec()
        } else {
            let trimmed = path.strip_suffix(b"/").unwrap_or(path);
            let start = trimmed
                .iter()
                .rposition(|&b| b == b'/')
                .map_or(0, |i| i + 1);
            trimmed[start..].to_vec()
        };
        node.ls_path(&display, options.directory, options, &mut out);
        Some(out)
    }

    fn ls_path(&self, rel: &[u8], show_directory: bool, options: LsOptions, out: &mut Vec<u8>) {
        match self {
            Listing::Directory { entries } if !show_directory => {
                for (name, node) in entries {
                    let mut child = rel.to_vec();
                    child.push(b'/');
                    child.extend_from_slice(name.as_bytes());
                    node.ls_file(&child, options, out);
                }
            }
            _ => self.ls_file(rel, options, out),
        }
    }

    fn ls_file(&self, rel: &[u8], options: LsOptions, out: &mut Vec<u8>) {
        if options.long {
            let (kind, size) = match self {
                Listing::Regular {
                    executable: true,
                    size,
                    ..
                } => ("-r-xr-xr-x", *size),
                Listing::Regular { size, .. } => ("-r--r--r--", *size),
                Listing::Symlink { .. } => ("lrwxrwxrwx", 0),
                Listing::Directory { .. } => ("dr-xr-xr-x", 0),
            };
            out.extend_from_slice(format!("{kind} {size:>20} ").as_bytes());
            out.extend_from_slice(rel);
            if let Listing::Symlink { target } = self {
                out.extend_from_slice(b" -> ");
                out.extend_from_slice(target.as_bytes());
            }
        } else {
            out.extend_from_slice(rel);
        }
        out.push(b'\n');
        if options.recursive && matches!(self, Listing::Directory { .. }) {
            self.ls_path(rel, false, options, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Encoder;

    fn sample() -> Listing {
        let mut e = Encoder::new(Vec::new());
        e.start_directory().unwrap();
        e.entry(b"abs").unwrap();
        e.symlink(b"/nonexist").unwrap();
        e.entry(b"f").unwrap();
        e.regular(false, 5, &b"hello"[..]).unwrap();
        e.entry(b"l").unwrap();
        e.symlink(b"f").unwrap();
        e.entry(b"sub").unwrap();
        e.start_directory().unwrap();
        e.entry(b"x").unwrap();
        e.regular(true, 3, &b"#!x"[..]).unwrap();
        e.end_directory().unwrap();
        e.end_directory().unwrap();
        let (nar, _) = e.finish().unwrap();
        list(&nar[..]).unwrap()
    }

    /// Expected outputs were printed by Nix 2.8 for the same tree.
    #[test]
    fn matches_nix_output() {
        let listing = sample();
        assert_eq!(
            serde_json::to_string(&listing).unwrap(),
            r#"{"type":"directory","entries":{"abs":{"type":"symlink","target":"/nonexist"},"f":{"type":"regular","size":5,"narOffset":432},"l":{"type":"symlink","target":"f"},"sub":{"type":"directory","entries":{"x":{"type":"regular","size":3,"executable":true,"narOffset":984}}}}}"#
        );
        let long_recursive = LsOptions {
            long: true,
            recursive: true,
            directory: false,
        };
        assert_eq!(
            String::from_utf8(listing.ls_text(b"/", long_recursive).unwrap()).unwrap(),
            "lrwxrwxrwx                    0 ./abs -> /nonexist\n\
             -r--r--r--                    5 ./f\n\
             lrwxrwxrwx                    0 ./l -> f\n\
             dr-xr-xr-x                    0 ./sub\n\
             -r-xr-xr-x                    3 ./sub/x\n"
        );
        let short = LsOptions::default();
        assert_eq!(
            listing.ls_text(b"/", short).unwrap(),
            b"./abs\n./f\n./l\n./sub\n"
        );
        let long = LsOptions {
            long: true,
            ..LsOptions::default()
        };
        assert_eq!(
            listing.ls_text(b"/sub", long).unwrap(),
            b"-r-xr-xr-x                    3 ./x\n"
        );
        assert_eq!(
            listing.ls_text(b"/f", long).unwrap(),
            b"-r--r--r--                    5 f\n"
        );
        let dir = LsOptions {
            long: true,
            directory: true,
            ..LsOptions::default()
        };
        assert_eq!(
            listing.ls_text(b"/", dir).unwrap(),
            b"dr-xr-xr-x                    0 .\n"
        );
        assert!(listing.ls_text(b"/nonexist", long).is_none());
        assert!(listing.ls_text(b"/f/x", long).is_none());
    }
}
