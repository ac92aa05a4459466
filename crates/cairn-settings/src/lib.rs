//! The `cairn.conf` format and cairn's typed settings.
//!
//! # Brief overview
//!
//! `cairn.conf` follows the rules of `nix.conf`:
//!
//! * One `NAME = VALUE` per line. A `#` starts a comment anywhere on a line.
//!   Lines are split on whitespace, so the value's words are joined by
//!   single spaces; list settings are whitespace-separated lists. There is
//!   no line continuation.
//! * `include PATH` reads another file (an error if it is missing);
//!   `!include PATH` does the same but ignores a missing file. A relative
//!   `PATH` is relative to the including file's directory.
//! * `extra-NAME = …` appends to the list setting `NAME` instead of
//!   replacing it (so `extra-sandbox-paths` adds to `sandbox-paths`).
//! * `mirrors.NAME = URL …` lists the base URLs that `mirror://NAME/…`
//!   resolves to.
//!
//! [`Settings::builder`] returns a [`SettingsBuilder`] that applies sources
//! in order, later ones overriding earlier ones: the system file, the user
//! file ([`SettingsBuilder::file`]), environment variables
//! ([`SettingsBuilder::environment`]) and `--option NAME VALUE` pairs
//! ([`SettingsBuilder::option`]). This crate never reads the environment
//! itself: the caller hands the variables in. Unknown names become
//! [`Warning`]s returned to the caller; bad values are an [`Error`] that
//! names where the value came from (`FILE:LINE`, `--option NAME`, or the
//! variable).
//!
//! # Example
//!
//! ```
//! use cairn_settings::{Sandbox, Settings};
//!
//! let mut builder = Settings::builder();
//! builder.text(
//!     "/etc/cairn/cairn.conf",
//!     "cores = 2  # per build\nsubstituters = file:///srv/cache\nfoo = bar\n",
//! )?;
//! builder.option("sandbox", "relaxed")?;
//! builder.option("extra-substituters", "file:///mnt/cache")?;
//! let (settings, warnings) = builder.finish();
//! assert_eq!(settings.cores, 2);
//! assert_eq!(settings.sandbox, Sandbox::Relaxed);
//! assert_eq!(settings.substituters, ["file:///srv/cache", "file:///mnt/cache"]);
//! assert_eq!(settings.store_dir, "/nix/store");
//! assert_eq!(warnings[0].to_string(), "/etc/cairn/cairn.conf:3: unknown setting 'foo'");
//! # Ok::<(), cairn_settings::Error>(())
//! ```

mod builder;
mod error;
mod settings;

pub use builder::SettingsBuilder;
pub use error::{Error, ErrorKind, Origin, Warning};
pub use settings::{DEFAULT_SANDBOX_SHELL, MaxJobs, Sandbox, Settings};
