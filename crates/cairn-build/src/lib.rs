//! Realising derivations: making the outputs of `.drv` files valid by
//! building them in a sandbox, checking them and registering them.
//!
//! # Brief overview
//!
//! * [`Builder::realise`] is the entry point: given [`DerivedPath`]s
//!   (derivation outputs, or plain store paths that must be valid) and
//!   [`BuildOptions`] (`-j`, `--cores`, `--keep-going`, `--keep-failed`,
//!   `--timeout`, `--max-silent-time`, `--check`), it plans the derivation
//!   graph, builds what is missing in parallel, dependencies first, and
//!   reports progress to a [`BuildObserver`] on the calling thread.
//! * Each build (`build.rs`) runs the builder in `cairn-sandbox` with the
//!   environment Nix 2.8 gives it ([`BuilderEnvironment`]: every
//!   derivation variable, `out` and the other outputs, `/build`,
//!   `/homeless-shelter`, `passAsFile`, structured attributes), the input
//!   closure bound read-only at its logical store paths, and the network
//!   only for fixed-output derivations. `builtin:fetchurl` runs in-process
//!   (`file://` and `http://` URLs, and `mirror://NAME/…` resolved through
//!   [`BuildConfig::mirrors`], see [`mirror_candidates`]), and so does
//!   `builtin:unpack-debs`, which unpacks `.deb`s from the input closure
//!   into one relocated tree (the stdenv bootstrap; `debs.rs`).
//! * Outputs are checked before registration: fixed-output hashes,
//!   references found by [`RefScanner`] in the output's NAR (only paths of
//!   the input closure and the outputs can be references),
//!   `allowedReferences` and friends. A failed build leaves the store and
//!   its database as they were.
//! * [`LogStore`] keeps each build's log, bzip2-compressed, under
//!   `ROOT/nix/var/cairn/log/drvs/`; a failed build's error carries the
//!   last [`LOG_TAIL_LINES`] lines.
//! * Two processes realising the same derivation build it once: outputs
//!   are locked (`HASH-NAME.lock` beside them), and the second reuses the
//!   first one's result.
//!
//! # File overview
//!
//! | File | Written by |
//! |---|---|
//! | `ROOT/nix/store/HASH-NAME` (outputs), `….lock` (while building) | `build.rs`, `lock.rs` |
//! | `ROOT/nix/store/.cairn-scratch-DRV/` (the store the builder writes to; removed after) | `build.rs` |
//! | `TMP/cairn-build-NAME.drv-PID-N/` (the build directory, `/build` inside) | `build.rs`, `environment.rs` |
//! | `ROOT/nix/var/cairn/log/drvs/XX/REST.bz2` | `log.rs` |

mod api;
mod build;
mod builder;
mod checks;
mod debs;
mod diff;
mod environment;
mod error;
mod fetchurl;
mod http;
mod lock;
mod log;
mod mirror;
mod refscan;
mod runner;
mod structured;

pub use api::{
    BuildConfig, BuildEvent, BuildObserver, BuildOptions, BuiltPath, DEFAULT_MAX_PROCESSES,
    DerivedPath, NoObserver, OutputSelection, Realisation, host_system,
};
pub use builder::Builder;
pub use debs::UnpackDebsError;
pub use environment::{BuilderEnvironment, SANDBOX_BUILD_DIR};
pub use error::BuildError;
pub use http::get as http_get;
pub use log::{LOG_TAIL_LINES, LogStore, log_tail};
pub use mirror::{MIRROR_SCHEME, MirrorError, Mirrors, first_success, mirror_candidates};
pub use refscan::RefScanner;
