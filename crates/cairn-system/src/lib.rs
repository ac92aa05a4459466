//! The system layer's runtime: activating an already-built system into a
//! root directory (`/`, or a scratch root for tests and installs), and
//! answering questions about it.
//!
//! cairn-system never evaluates. The CLI evaluates `configuration.nix`,
//! builds the toplevel and hands this crate its store path; everything the
//! activation needs is in `TOPLEVEL/activation-plan.json` ([`plan`]), the
//! toplevel's `etc/` tree and its unit files.
//!
//! # Brief overview
//!
//! * [`activate`] switches a root from one system to another: /etc
//!   ([`etc`](crate::EtcManifest): `/etc/static` plus managed symlinks and
//!   copies, never overwriting files it does not manage), users and groups
//!   (`passwd`, `group`, `shadow`, `gshadow` with ids remembered across
//!   removals), host name and time zone, then the systemd units plan
//!   ([`plan_units`]), carried out through a [`Systemctl`] only when one is
//!   given. A failure after writes started re-activates the old system.
//! * [`status`] finds drift: managed /etc entries and account lines changed
//!   by hand.
//! * [`diff`] compares two systems (/etc, users, groups, units);
//!   [`package_diff`] compares their `sw` closures through cairn-profile.
//! * [`write_boot_entries`] writes systemd-boot entries and a GRUB menu for
//!   every kept generation.
//! * [`verify_toplevel_units`] runs `systemd-analyze verify` on a
//!   toplevel's units against its (possibly chroot) store, for tests.
//!
//! Every function takes the root explicitly and touches nothing outside
//! it; every file is replaced atomically (temporary file, fsync, rename).
//! State lives in `ROOT/var/lib/cairn/`: `etc-manifest.json`, `uid-map`,
//! `gid-map`, `declarative-users`, `declarative-groups`, and `lock`, held
//! while an activation runs.

mod activate;
mod boot;
mod error;
mod etc;
pub mod plan;
mod toplevel;
mod units;
mod users;
mod verify;

pub use activate::{
    AccountDrift, Changes, Drift, EtcDrift, Report, STATE_DIR, SystemDiff, activate, diff,
    managed_etc_paths, package_diff, status,
};
pub use boot::{BootGeneration, BootReport, BootSpecialisation, write_boot_entries};
pub use error::{Error, Restore};
pub use etc::{EtcManifest, ManifestEntry};
pub use plan::{ActivationPlan, BootEntry, BootLoader, EtcEntry, GroupSpec, UserSpec};
pub use toplevel::{SPECIALISATION_DIR, Toplevel};
pub use units::{
    ActiveUnits, PlannedUnit, Systemctl, SystemctlCommand, UNIT_DIR, UnitAction, UnitReason,
    UnitSections, UnitsPlan, Verb, parse_unit, plan_units,
};
pub use verify::{Verification, systemd_analyze_verify, verify_toplevel_units};
