//! Filesystem helpers for cairn: every error names the path it is about.
//!
//! # Brief overview
//!
//! * [`Error`] is an I/O error together with the [`Operation`] that failed
//!   and the path it failed on. Its message reads `failed to open '/x'`;
//!   the underlying [`std::io::Error`] is its [`source`](std::error::Error::source),
//!   so a renderer that walks the chain prints
//!   `failed to open '/x': No such file or directory`.
//! * [`fs`] wraps the `std::fs` calls later crates need ([`fs::open`],
//!   [`fs::create_dir_all`], [`fs::read_link`], [`fs::symlink_metadata`], …)
//!   so that their errors are [`Error`]s.
//! * [`write_atomic`] and [`AtomicFile`] replace a file so that readers see
//!   either the old or the new content, never a torn one, even after a crash.
//! * [`FileLock`] is an advisory lock on a lock file (`flock(2)` on Linux),
//!   released when it is dropped.
//! * [`TempDir`] is a private temporary directory under a chosen parent,
//!   removed when dropped.
//!
//! # Example
//!
//! ```
//! use cairn_util::{fs, write_atomic, Operation};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("greeting");
//! write_atomic(&path, b"hello").unwrap();
//! assert_eq!(fs::read(&path).unwrap(), b"hello");
//!
//! let missing = dir.path().join("missing");
//! let err = fs::read(&missing).unwrap_err();
//! assert_eq!(err.operation(), Operation::Open);
//! assert_eq!(err.path(), missing);
//! assert_eq!(err.to_string(), format!("failed to open '{}'", missing.display()));
//! ```

mod atomic;
mod error;
pub mod fs;
mod lock;
mod temp;

pub use atomic::{AtomicFile, write_atomic};
pub use error::{Error, Operation, Result};
pub use lock::{FileLock, LockMode};
pub use temp::TempDir;
