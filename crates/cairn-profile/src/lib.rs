//! Profiles and generations: named, switchable, roll-back-able pointers
//! into the store.
//!
//! # Brief overview
//!
//! A profile `P` is a symlink to `P-N-link` in the same directory, and each
//! generation link `P-N-link` points at a store path (a user environment, a
//! system toplevel, any package). A change writes the new generation link,
//! then switches `P` with one `rename(2)`, so `P` always points at a
//! complete generation, even after a crash; concurrent changes serialise on
//! an `flock` of `P.lock` and none is lost. Every generation link is a
//! garbage-collector root (the collector scans
//! `ROOT/nix/var/cairn/profiles/`), so deleting generations lets it
//! reclaim what only they held.
//!
//! * [`Profile`] opens a profile and lists its [`Generation`]s;
//!   [`Profile::create_generation`], [`Profile::switch_to`],
//!   [`Profile::rollback`], [`Profile::delete_generations`] (with a
//!   [`DeleteSelector`]: numbers, `+K`, `Nd`, `old`) and
//!   [`Profile::wipe_history`] change it under its lock; [`Profile::lock`]
//!   returns a [`ProfileLock`] for read-modify-write changes.
//! * [`Manifest`] is the `manifest.json` of a user environment: what was
//!   installed, from where, with which outputs and priority.
//! * [`link_environment`] merges packages into a symlink tree the way
//!   Nix's `buildenv` does (priorities, collisions, propagated packages);
//!   [`add_user_environment`] adds such a tree with its manifest to the
//!   store, and [`ProfileLock::current_manifest`] and
//!   [`ProfileLock::create_environment_generation`] make installing and
//!   removing a read-modify-write under the profile lock; an
//!   [`EnvironmentCache`] remembers environments by manifest, so making
//!   one again costs no merge.
//! * [`ClosureDiff`] compares two store paths' closures per package
//!   (added, removed, version changes, size), like `nvd diff`.
//! * [`location`] names the profile directories and the per-user default
//!   profile.
//!
//! Links are written exactly as Nix 2.8 writes them (checked against
//! `nix-env --set`, `--switch-generation`, `--rollback`,
//! `--delete-generations` and `--list-generations`): `P -> P-N-link`
//! (relative), `P-N-link -> /nix/store/HASH-NAME` (the logical path), the
//! creation time is the link's `lstat` modification time, and a new
//! generation whose target equals the newest one's is not made.
//!
//! # Example
//!
//! ```no_run
//! # fn example(store: &dyn cairn_store::Store, env: &cairn_store_path::StorePath)
//! #     -> Result<(), cairn_profile::ProfileError> {
//! use cairn_profile::{DeleteSelector, Profile};
//!
//! let profile = Profile::open("/nix/var/cairn/profiles/per-user/alice/profile", store.store_dir())?;
//! let switch = profile.create_generation(store, env)?;
//! println!("switched from {:?} to {}", switch.from, switch.to);
//! profile.rollback()?;
//! profile.delete_generations(&DeleteSelector::KeepLast(5), std::time::SystemTime::now(), false)?;
//! # Ok(()) }
//! ```
//!
//! # File overview
//!
//! | File | Written by | Guarded by |
//! |---|---|---|
//! | `P` (symlink to `P-N-link`) | [`ProfileLock`] methods, atomically by rename | `P.lock` |
//! | `P-N-link` (symlink to a store path) | [`ProfileLock::create_generation`]; removed by deletions | `P.lock` |
//! | `.P.tmp-PID-SEQ` (temporary symlinks) | every change, renamed away at once; stale ones removed by the next `create_generation` | `P.lock` |
//! | `P.lock` | created on first change, never removed | — |
//! | `STOREPATH/manifest.json` | the user-environment builder ([`Manifest::to_json`]) | immutable in the store |

mod diff;
mod environment;
mod error;
mod generation;
pub mod location;
mod manifest;
mod profile;
mod selector;

pub use diff::{ClosureDiff, ClosureSummary, PackageVersions, VersionChange, split_name_version};
pub use environment::{
    ENVIRONMENT_NAME, EnvironmentCache, LinkReport, Reuse, add_user_environment, link_environment,
    link_environment_sharing,
};
pub use error::ProfileError;
pub use generation::{Generation, link_name, parse_link_name};
pub use manifest::{
    DEFAULT_PRIORITY, Element, ElementSource, MANIFEST_FILE, MANIFEST_VERSION, Manifest,
};
pub use profile::{Profile, ProfileLock, ProfileTarget, Switch};
pub use selector::DeleteSelector;
