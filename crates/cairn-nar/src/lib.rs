//! Nix archives (NAR): writing, hashing, reading, restoring and listing,
//! byte-exact with Nix 2.8.
//!
//! A NAR is Nix's canonical serialisation of a file, symlink or directory
//! tree: no times, owners or modes except one executable bit, entries
//! sorted by the bytes of their names. A store object's `narHash` is the
//! SHA-256 of its NAR. The wire format is described in the `wire` module's
//! source; in short, every field is a u64 little-endian length followed by
//! the bytes, zero-padded to a multiple of 8.
//!
//! # Brief overview
//!
//! * Writing: [`dump_path`] serialises a path like `nix-store --dump`;
//!   [`hash_path`] hashes that serialisation without buffering it, like
//!   `nix hash path`. [`dump_path_filtered`] and [`hash_path_filtered`]
//!   do the same with a per-entry filter (`builtins.filterSource`).
//!   [`Encoder`] writes a NAR from events (directory,
//!   entry, file, symlink) for producers that are not a filesystem tree.
//! * Reading: [`Parser`] is a streaming pull parser over any
//!   [`std::io::Read`] that yields [`Event`]s and rejects anything but a
//!   canonical, well-formed archive with a [`ReadError`] naming the byte
//!   offset and the entry path. [`restore`] recreates the tree like
//!   `nix-store --restore`; [`list`] returns a [`Listing`] (what
//!   `nix nar ls` shows, serialisable to the same JSON).
//!
//! # Limits
//!
//! Names are at most [`MAX_NAME_LEN`] bytes, symlink targets at most
//! [`MAX_TARGET_LEN`], and directories nest at most [`MAX_DEPTH`] deep —
//! when writing as well as when reading, so every archive this crate writes
//! it can also read.
//!
//! # Example
//!
//! ```
//! use cairn_hash::HashAlgo;
//!
//! let dir = tempfile::tempdir()?;
//! let tree = dir.path().join("tree");
//! std::fs::create_dir(&tree)?;
//! std::fs::write(tree.join("hello"), "world")?;
//!
//! let mut nar = Vec::new();
//! let size = cairn_nar::dump_path(&tree, &mut nar)?;
//! assert_eq!(size, nar.len() as u64);
//!
//! let (hash, nar_size) = cairn_nar::hash_path(&tree, HashAlgo::Sha256)?;
//! assert_eq!(nar_size, size);
//! assert_eq!(hash, cairn_hash::Hash::digest(HashAlgo::Sha256, &nar));
//!
//! let listing = cairn_nar::list(&nar[..])?;
//! assert_eq!(
//!     serde_json::to_string(&listing)?,
//!     r#"{"type":"directory","entries":{"hello":{"type":"regular","size":5,"narOffset":232}}}"#
//! );
//!
//! cairn_nar::restore(&nar[..], &dir.path().join("copy"))?;
//! assert_eq!(std::fs::read(dir.path().join("copy/hello"))?, b"world");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decode;
mod dump;
mod encode;
mod filtered;
mod listing;
mod name;
mod pipeline;
mod restore;
mod wire;

pub use decode::{Event, NodeKind, Parser, ReadError, ReadErrorKind};
pub use dump::{DumpError, dump_path, hash_path};
pub use encode::{EncodeError, Encoder};
pub use filtered::{FilteredDumpError, dump_path_filtered, hash_path_filtered};
pub use listing::{Listing, LsOptions, RawName, list};
pub use name::{NameError, check_name};
pub use restore::restore;

/// Longest entry name, in bytes (Linux's `NAME_MAX`).
pub const MAX_NAME_LEN: usize = 255;

/// Longest symlink target, in bytes (Linux's `PATH_MAX` minus the NUL).
pub const MAX_TARGET_LEN: usize = 4095;

/// Deepest directory nesting accepted (the root directory is level 1).
///
/// Nix itself has no limit, but a real tree this deep cannot be addressed
/// by a `PATH_MAX`-long path anyway (256 levels of even one-byte names is
/// 512 bytes, typical names make it several KiB), while consumers of the
/// event stream commonly recurse per level (tree builders, serializers,
/// `Drop` of nested trees). 256 keeps every such consumer far from stack
/// exhaustion on small thread stacks, and bounds the parser's own state
/// for hostile input.
pub const MAX_DEPTH: usize = 256;
