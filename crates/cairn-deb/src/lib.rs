//! Debian's formats, for bootstrapping cairn's stdenv from pinned Debian
//! binary packages: the `.deb` container and its safe extraction, apt's
//! package indexes and source lists, and the lock file of exact `.deb`s.
//!
//! The bootstrap (see `nix/pkgs/bootstrap/README.md`) starts from a lock
//! file generated from the host's apt lists by `cairn pkgs lock`, fetches
//! the `.deb`s it names, checks their SHA-256, and unpacks them into store
//! paths. This crate is the pure part of that: it reads formats and writes
//! one directory tree; it knows nothing of the store, downloads or
//! configuration.
//!
//! | Module | Format |
//! |---|---|
//! | [`ar`] | the `ar` container (`!<arch>`), GNU and BSD member names |
//! | [`deb`] | `debian-binary`, `control.tar.*`, `data.tar.*` (none, gz, xz, zst, bz2) |
//! | [`unpack`] | safe extraction of tar streams into a new directory, one or several merged |
//! | [`control`] | deb822 paragraphs (`control`, `Packages`, `.sources`) |
//! | [`packages`] | `Packages` indexes and resolving names to `.deb`s |
//! | [`sources`] | `sources.list` and `.sources`: the configured archives |
//! | [`version`] | Debian version order |
//! | [`lock`] | the lock file |
//!
//! # Example
//!
//! ```
//! use cairn_deb::lock::Lock;
//! use cairn_deb::packages::{parse_packages, Indexes, Request};
//!
//! let index = "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\n\
//!              Filename: pool/main/h/hello/hello_2.10-3_amd64.deb\nSize: 53116\n\
//!              SHA256: 0000000000000000000000000000000000000000000000000000000000000000\n";
//! let mut indexes = Indexes::new();
//! indexes.add("bookworm", parse_packages(index)?);
//! let entry = indexes.resolve(&Request::parse("hello"), "amd64")?;
//! let mut lock = Lock::default();
//! lock.entries.insert(entry.package.clone(), entry);
//! assert!(lock.render().contains("hello 2.10-3 amd64 53116 0000"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ar;
pub mod control;
pub mod deb;
pub mod lock;
pub mod packages;
pub mod sources;
pub mod unpack;
pub mod version;

pub use deb::{
    Compression, ControlFile, DebError, DebErrorKind, Unpacked, read_control, unpack, unpack_into,
};
pub use lock::{Lock, LockEntry};
pub use unpack::{Tree, UnpackError, UnpackStats};
