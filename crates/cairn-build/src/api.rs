//! The types callers use: what to realise, how, and what they are told
//! while it happens.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use cairn_settings::{MaxJobs, Settings};
use cairn_store_path::StorePath;

use crate::error::BuildError;

/// Something to make valid: a store path that must already be valid (or be
/// substitutable, once substituters exist), or outputs of a derivation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DerivedPath {
    /// A store path (not a `.drv` to build).
    Opaque(StorePath),
    /// Outputs of the derivation `drv` (`/nix/store/…drv!out,dev`).
    Built {
        /// The `.drv`'s store path.
        drv: StorePath,
        /// Which outputs.
        outputs: OutputSelection,
    },
}

/// Which outputs of a derivation are wanted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutputSelection {
    /// Every output (`drv!*`, and what a bare `.drv` means).
    All,
    /// These outputs.
    Names(std::collections::BTreeSet<String>),
}

/// What a realised [`DerivedPath`] gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuiltPath {
    /// A valid store path.
    Opaque(StorePath),
    /// The derivation's selected outputs, by name.
    Built {
        /// The `.drv`.
        drv: StorePath,
        /// Output name → path.
        outputs: BTreeMap<String, StorePath>,
    },
}

/// What [`crate::Builder::realise`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realisation {
    /// One entry per target, in order.
    pub paths: Vec<BuiltPath>,
    /// The derivations built by this call, in completion order.
    pub built: Vec<StorePath>,
    /// Derivations another process built while this one waited.
    pub reused: Vec<StorePath>,
    /// How long the whole call took.
    pub elapsed: Duration,
}

/// Per-call options (command-line flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// `-j N`: builds at once (overrides the configuration).
    pub max_jobs: Option<usize>,
    /// `--cores N`: `NIX_BUILD_CORES` (overrides the configuration).
    pub cores: Option<u32>,
    /// `--keep-failed`: keep the build directory of a failed build.
    pub keep_failed: bool,
    /// `--keep-going`: build what does not depend on a failure.
    pub keep_going: bool,
    /// `--timeout`: kill a build after this long.
    pub timeout: Option<Duration>,
    /// `--max-silent-time`: kill a build silent for this long.
    pub max_silent_time: Option<Duration>,
    /// `--check`: rebuild the targets' already-valid outputs and compare.
    pub check: bool,
}

/// Machine configuration, from the settings and the store's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildConfig {
    /// Where build logs go: `ROOT/nix/var/cairn/log`.
    pub log_dir: PathBuf,
    /// The parent of build directories (the host's temporary directory).
    pub build_dir_parent: PathBuf,
    /// This machine's platform, e.g. `x86_64-linux`.
    pub system: String,
    /// Builds at once.
    pub max_jobs: usize,
    /// `NIX_BUILD_CORES`; 0 means all cores (builders get the number).
    pub cores: u32,
    /// `sandbox-paths`: `PATH`, `TARGET=SOURCE`, `…?` when optional.
    pub sandbox_paths: Vec<String>,
    /// The most processes (and threads) one build may have at once, so that
    /// a fork bomb in a builder fails its build instead of exhausting the
    /// machine (Nix has no such cap). `None`: no cap.
    pub max_processes: Option<u32>,
    /// `mirrors.NAME`: the base URLs `builtin:fetchurl` tries, in order,
    /// for `mirror://NAME/…` URLs.
    pub mirrors: crate::Mirrors,
}

/// The default [`BuildConfig::max_processes`]: far more than a parallel
/// compile needs, far fewer than a machine's `pid_max`.
pub const DEFAULT_MAX_PROCESSES: u32 = 4096;

impl BuildConfig {
    /// The configuration for `settings`, with logs under `state_dir`
    /// (`ROOT/nix/var/cairn`) and builds under `build_dir_parent`.
    #[must_use]
    pub fn from_settings(
        settings: &Settings,
        state_dir: impl Into<PathBuf>,
        build_dir_parent: impl Into<PathBuf>,
    ) -> BuildConfig {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        BuildConfig {
            log_dir: state_dir.into().join("log"),
            build_dir_parent: build_dir_parent.into(),
            system: host_system(),
            max_jobs: match settings.max_jobs {
                MaxJobs::Auto => cpus,
                MaxJobs::Count(n) => usize::try_from(n).unwrap_or(usize::MAX),
            },
            cores: settings.cores,
            sandbox_paths: settings.extra_sandbox_paths.clone(),
            max_processes: Some(DEFAULT_MAX_PROCESSES),
            mirrors: settings.mirrors.clone(),
        }
    }
}

/// `ARCH-OS` of this machine, as Nix names platforms.
#[must_use]
pub fn host_system() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// What happens during [`crate::Builder::realise`], in order, all reported
/// on the calling thread.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildEvent<'a> {
    /// The plan: these derivations will be built (dependencies first).
    Planned {
        /// Derivations to build.
        drvs: &'a [StorePath],
    },
    /// A build started.
    Started {
        /// The derivation.
        drv: &'a StorePath,
        /// How many builds have started, this one included.
        index: usize,
        /// Builds finished so far.
        done: usize,
        /// Builds planned.
        total: usize,
    },
    /// A line of a builder's output (without the newline).
    Log {
        /// The derivation.
        drv: &'a StorePath,
        /// The line.
        line: &'a [u8],
    },
    /// A build succeeded.
    Succeeded {
        /// The derivation.
        drv: &'a StorePath,
        /// How long it took.
        elapsed: Duration,
    },
    /// Another process built it while this one waited for the lock.
    Reused {
        /// The derivation.
        drv: &'a StorePath,
    },
    /// `--keep-failed` kept the build directory of a failed build.
    KeptBuildDir {
        /// The derivation.
        drv: &'a StorePath,
        /// The directory.
        dir: &'a std::path::Path,
    },
    /// A build failed.
    Failed {
        /// The derivation.
        drv: &'a StorePath,
        /// Why.
        error: &'a BuildError,
    },
}

/// Receives [`BuildEvent`]s (the CLI's progress display).
pub trait BuildObserver {
    /// Called for every event.
    fn on_event(&mut self, event: &BuildEvent<'_>);
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl BuildObserver for NoObserver {
    fn on_event(&mut self, _event: &BuildEvent<'_>) {}
}
