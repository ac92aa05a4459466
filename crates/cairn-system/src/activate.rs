//! Activation as a whole, and the questions asked about an activated root:
//! [`status`] (drift) and [`diff`] (what switching would change).
//!
//! [`activate`] decides everything before it writes anything: the new
//! account files, every /etc entry (with all clashes collected), the units
//! plan. Then, in order: units to stop are stopped (when a [`Systemctl`] is
//! given); the union of the old and new state is recorded
//! (`ROOT/var/lib/cairn/`), so a crash leaves everything touched known as
//! managed; account files; home directories; /etc;
//! `ROOT/run/current-system` → the toplevel (what shells such as
//! `/run/current-system/sw/bin/bash` resolve through); the final state; then
//! `daemon-reload` and the reloads, restarts and starts. If a write fails,
//! the old system is activated again the same way and the error says what
//! failed and whether restoring worked. Unit failures after activation do
//! not undo it (as with NixOS, whose switch then exits 4): they are listed
//! in the [`Report`].
//!
//! Only `ROOT` is touched: every path is `ROOT` joined with a path the plan
//! or the manifest gives, /etc entries are checked not to go through
//! symlinks, and the store is only read.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Systemctl;
use crate::error::{Error, Restore};
use crate::etc::{self, Desired, EtcChanges, EtcManifest, Found, ManifestEntry};
use crate::plan::ActivationPlan;
use crate::toplevel::{Toplevel, reroot};
use crate::units::{ActiveUnits, UnitAction, UnitsPlan, Verb, plan_units};
use crate::users::{ACCOUNT_FILES, AccountFiles, Accounts, IdState, compute, lookup_ids};

/// cairn's state directory, relative to the root.
pub const STATE_DIR: &str = "var/lib/cairn";

/// What an activation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The units plan.
    pub units: UnitsPlan,
    /// Whether the plan was carried out with systemctl (else the caller
    /// shows it).
    pub units_applied: bool,
    /// Units whose systemctl command failed, with the error.
    pub unit_failures: Vec<String>,
    /// /etc entries written (relative to /etc).
    pub etc_written: Vec<String>,
    /// /etc entries removed.
    pub etc_removed: Vec<String>,
    /// Entries no longer declared but left because they were edited by
    /// hand; cairn no longer manages them (not repeated in `warnings`).
    pub etc_left_in_place: Vec<String>,
    /// Account files rewritten.
    pub accounts_written: Vec<String>,
    /// Users added and removed.
    pub users: Changes,
    /// Groups added and removed.
    pub groups: Changes,
    /// Warnings (id changes not applied, unknown extra groups, …).
    pub warnings: Vec<String>,
}

/// Names added, removed and changed, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Only in the new system.
    pub added: Vec<String>,
    /// Only in the old system.
    pub removed: Vec<String>,
    /// In both, different.
    pub changed: Vec<String>,
}

impl Changes {
    fn between<V: PartialEq>(old: &BTreeMap<String, V>, new: &BTreeMap<String, V>) -> Changes {
        Changes {
            added: new
                .keys()
                .filter(|k| !old.contains_key(*k))
                .cloned()
                .collect(),
            removed: old
                .keys()
                .filter(|k| !new.contains_key(*k))
                .cloned()
                .collect(),
            changed: new
                .iter()
                .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }

    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Everything an activation will write, decided up front.
struct Prepared {
    toplevel: PathBuf,
    plan: ActivationPlan,
    old_state: IdState,
    accounts: Accounts,
    current_files: AccountFiles,
    old_manifest: EtcManifest,
    etc: EtcChanges,
}

fn is_scratch(root: &Path) -> bool {
    root != Path::new("/")
}

fn prepare(root: &Path, toplevel: &Toplevel) -> Result<Prepared, Error> {
    let plan = toplevel.plan()?;
    let state_dir = root.join(STATE_DIR);
    let old_state = IdState::read(&state_dir)?;
    let current_files = AccountFiles::read(&root.join("etc"))?;
    let accounts = compute(&plan, &current_files, &old_state)?;
    let users: BTreeMap<String, u32> = accounts
        .user_ids
        .iter()
        .map(|(n, (u, _))| (n.clone(), *u))
        .collect();
    let desired = etc::desired(&plan, toplevel, &users, &accounts.group_ids)?;
    check_no_symlinks(root, &root.join("run"))?;
    for spec in plan.users.values().filter(|u| u.create_home) {
        check_no_symlinks(root, &reroot(root, Path::new(&spec.home)))?;
    }
    let old_manifest = EtcManifest::read(root)?;
    let changes = etc::prepare(root, toplevel, &desired, &old_manifest, is_scratch(root))?;
    Ok(Prepared {
        toplevel: toplevel.path().to_owned(),
        plan,
        old_state,
        accounts,
        current_files,
        old_manifest,
        etc: changes,
    })
}

fn write_state(root: &Path, state: &IdState, manifest: &EtcManifest) -> Result<(), Error> {
    let dir = root.join(STATE_DIR);
    etc::create_dirs(&dir)?;
    for (name, bytes) in state.render() {
        write_if_changed(&dir.join(name), bytes.as_bytes(), 0o644)?;
    }
    write_if_changed(
        &root.join(etc::MANIFEST_PATH),
        manifest.render().as_bytes(),
        0o644,
    )
}

fn write_if_changed(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|current| current == bytes) {
        return Ok(());
    }
    etc::write_file(path, bytes, mode, None, true)
}

/// Carries out `prepared`; on failure says which step failed.
/// A failed step of [`commit`] and its error.
struct Failed(&'static str, Box<Error>);

fn commit(root: &Path, prepared: &Prepared) -> Result<Vec<String>, Failed> {
    let scratch = is_scratch(root);
    let intent_state = prepared.old_state.union(&prepared.accounts.state);
    write_state(root, &intent_state, &prepared.etc.intent_manifest)
        .map_err(|e| Failed("recording the state", Box::new(e)))?;
    let mut accounts_written = Vec::new();
    let etc_dir = root.join("etc");
    for name in ACCOUNT_FILES {
        let new = prepared.accounts.files.get(name);
        if prepared.current_files.get(name) == new && etc_dir.join(name).exists() {
            continue;
        }
        let path = etc_dir.join(name);
        let (mode, owner) = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {
                (meta.permissions().mode() & 0o7777, (meta.uid(), meta.gid()))
            }
            _ => (
                if name.ends_with("shadow") {
                    0o600
                } else {
                    0o644
                },
                (0, 0),
            ),
        };
        etc::create_dirs(&etc_dir)
            .and_then(|()| etc::write_file(&path, new.as_bytes(), mode, Some(owner), scratch))
            .map_err(|e| Failed("writing users and groups", Box::new(e)))?;
        accounts_written.push(name.to_owned());
    }
    for (name, spec) in &prepared.plan.users {
        if !spec.create_home {
            continue;
        }
        let (uid, gid) = prepared.accounts.user_ids[name];
        create_home(root, &spec.home, uid, gid, scratch)
            .map_err(|e| Failed("creating home directories", Box::new(e)))?;
    }
    etc::apply(root, &prepared.etc, &prepared.old_manifest, scratch)
        .map_err(|e| Failed("updating /etc", Box::new(e)))?;
    let run = root.join("run");
    etc::create_dirs(&run)
        .and_then(|()| etc::replace_symlink(&run.join("current-system"), &prepared.toplevel))
        .map_err(|e| Failed("linking /run/current-system", Box::new(e)))?;
    write_state(root, &prepared.accounts.state, &prepared.etc.new_manifest)
        .map_err(|e| Failed("recording the state", Box::new(e)))?;
    Ok(accounts_written)
}

fn create_home(root: &Path, home: &str, uid: u32, gid: u32, scratch: bool) -> Result<(), Error> {
    let path = reroot(root, Path::new(home));
    check_no_symlinks(root, &path)?;
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        etc::create_dirs(parent)?;
    }
    cairn_util::fs::create_dir(&path)?;
    cairn_util::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
    match std::os::unix::fs::lchown(&path, Some(uid), Some(gid)) {
        Ok(()) => Ok(()),
        Err(err) if scratch && err.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
        Err(source) => Err(Error::Chown {
            path,
            uid,
            gid,
            source,
        }),
    }
}

/// In a scratch root, fails when a component of `path` below `root` is a
/// symlink: an absolute target would lead out of the root. At `/` nothing
/// can lead out.
fn check_no_symlinks(root: &Path, path: &Path) -> Result<(), Error> {
    if !is_scratch(root) {
        return Ok(());
    }
    let mut at = root.to_owned();
    for component in path.strip_prefix(root).unwrap_or(path).components() {
        at.push(component);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::ThroughSymlink {
                path: path.to_owned(),
                symlink: at,
            });
        }
    }
    Ok(())
}

fn lock(root: &Path) -> Result<cairn_util::FileLock, Error> {
    let dir = root.join(STATE_DIR);
    etc::create_dirs(&dir)?;
    Ok(cairn_util::FileLock::acquire(
        dir.join("lock"),
        cairn_util::LockMode::Exclusive,
    )?)
}

/// Activates `new` in `root`, coming from `old` (the system activated
/// last, `None` the first time). With `systemctl`, the units plan is
/// carried out; without, it is only returned. Use
/// [`SystemctlCommand::for_root`](crate::SystemctlCommand::for_root) to get
/// the real one exactly when `root` is `/` and systemd runs.
///
/// # Errors
/// Before anything is written: the plan is invalid, files are in the way
/// ([`Error::Clash`]), ids or groups cannot be resolved. After writes
/// started: [`Error::ActivationFailed`], with the old system restored if
/// there was one.
pub fn activate(
    root: &Path,
    new: &Toplevel,
    old: Option<&Toplevel>,
    mut systemctl: Option<&mut dyn Systemctl>,
) -> Result<Report, Error> {
    let _lock = lock(root)?;
    let prepared = prepare(root, new)?;
    let active = match systemctl.as_deref_mut() {
        Some(s) => ActiveUnits::Live(s.active_units()?),
        None => ActiveUnits::Assumed,
    };
    let units = plan_units(old, new, &active)?;
    let mut report = Report {
        units_applied: systemctl.is_some(),
        etc_written: prepared.etc.write.keys().cloned().collect(),
        etc_removed: prepared.etc.remove.clone(),
        etc_left_in_place: prepared.etc.left_in_place.clone(),
        users: Changes {
            added: prepared
                .accounts
                .state
                .users
                .difference(&prepared.old_state.users)
                .cloned()
                .collect(),
            removed: prepared
                .old_state
                .users
                .difference(&prepared.accounts.state.users)
                .cloned()
                .collect(),
            changed: Vec::new(),
        },
        groups: Changes {
            added: prepared
                .accounts
                .state
                .groups
                .difference(&prepared.old_state.groups)
                .cloned()
                .collect(),
            removed: prepared
                .old_state
                .groups
                .difference(&prepared.accounts.state.groups)
                .cloned()
                .collect(),
            changed: Vec::new(),
        },
        warnings: prepared.accounts.warnings.clone(),
        ..Report::default()
    };
    let stopped = units.to_stop_first();
    if let Some(s) = systemctl.as_deref_mut() {
        run_units(s, Verb::Stop, &stopped, &mut report.unit_failures);
    }
    match commit(root, &prepared) {
        Ok(written) => report.accounts_written = written,
        Err(Failed(step, err)) => {
            let restore = match old {
                None => Restore::NothingToRestore,
                Some(old) => {
                    match prepare(root, old)
                        .and_then(|p| commit(root, &p).map_err(|Failed(_, e)| *e))
                    {
                        Ok(_) => Restore::Restored,
                        Err(e) => Restore::Failed(Box::new(e)),
                    }
                }
            };
            if let Some(s) = systemctl.as_deref_mut() {
                // Best effort: bring back what was stopped for the switch.
                let mut ignored = Vec::new();
                run_units(s, Verb::Start, &stopped, &mut ignored);
            }
            return Err(Error::ActivationFailed {
                step,
                source: err,
                restore,
            });
        }
    }
    if let Some(s) = systemctl {
        if let Err(err) = s.run(Verb::DaemonReload, &[]) {
            report.unit_failures.push(err.to_string());
        }
        let names = |action| -> Vec<String> {
            units
                .with_action(action)
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        let restart_now: Vec<String> = units
            .units
            .iter()
            .filter(|(_, u)| u.action == UnitAction::Restart && !u.stop_before_activation)
            .map(|(n, _)| n.clone())
            .collect();
        let mut start = names(UnitAction::Start);
        start.extend(
            units
                .units
                .iter()
                .filter(|(_, u)| u.action == UnitAction::Restart && u.stop_before_activation)
                .map(|(n, _)| n.clone()),
        );
        start.sort();
        run_units(
            s,
            Verb::Reload,
            &names(UnitAction::Reload),
            &mut report.unit_failures,
        );
        run_units(s, Verb::Restart, &restart_now, &mut report.unit_failures);
        run_units(s, Verb::Start, &start, &mut report.unit_failures);
    }
    report.units = units;
    Ok(report)
}

fn run_units(s: &mut dyn Systemctl, verb: Verb, units: &[String], failures: &mut Vec<String>) {
    if units.is_empty() {
        return;
    }
    if let Err(err) = s.run(verb, units) {
        failures.push(err.to_string());
    }
}

/// How a managed /etc entry differs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EtcDrift {
    /// It is gone.
    Missing,
    /// A symlink now points elsewhere.
    Retargeted {
        /// What it should point to.
        expected: PathBuf,
        /// What it points to.
        found: PathBuf,
    },
    /// A copy's content changed.
    ContentChanged,
    /// A copy's permission bits changed.
    ModeChanged {
        /// Octal, as declared.
        expected: String,
        /// Octal, on disk.
        found: String,
    },
    /// A copy's owner changed (checked when the root is `/`).
    OwnerChanged {
        /// uid:gid declared.
        expected: String,
        /// uid:gid on disk.
        found: String,
    },
    /// Something else (a file, directory, symlink) stands in its place.
    Replaced,
}

/// A managed account line that differs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountDrift {
    /// `passwd`, `group`, `shadow` or `gshadow`.
    pub file: String,
    /// The user or group.
    pub name: String,
    /// The line the configuration gives.
    pub expected: String,
    /// The line on disk, `None` when missing.
    pub found: Option<String>,
}

/// What was changed by hand since the last activation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// /etc entries, by path relative to /etc (`static` for the link).
    pub etc: BTreeMap<String, EtcDrift>,
    /// Account lines.
    pub accounts: Vec<AccountDrift>,
}

impl Drift {
    /// Whether the root matches the configuration.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.etc.is_empty() && self.accounts.is_empty()
    }
}

/// Compares `root` with `current`, the system activated last. Writes
/// nothing.
///
/// # Errors
/// The plan or a file cannot be read.
pub fn status(root: &Path, current: &Toplevel) -> Result<Drift, Error> {
    let plan = current.plan()?;
    let files = AccountFiles::read(&root.join("etc"))?;
    let state = IdState::read(&root.join(STATE_DIR))?;
    let mut drift = Drift::default();
    let accounts = compute(&plan, &files, &state)?;
    for (file, lines) in &accounts.managed_lines {
        let on_disk: BTreeMap<&str, &str> = files
            .get(file)
            .lines()
            .map(|l| (l.split(':').next().unwrap_or_default(), l))
            .collect();
        for (name, expected) in lines {
            let found = on_disk.get(name.as_str()).copied();
            if found != Some(expected.as_str()) {
                drift.accounts.push(AccountDrift {
                    file: (*file).to_owned(),
                    name: name.clone(),
                    expected: expected.clone(),
                    found: found.map(str::to_owned),
                });
            }
        }
    }
    let (users, groups) = lookup_ids(&files);
    let users: BTreeMap<String, u32> = users
        .into_iter()
        .chain(accounts.user_ids.iter().map(|(n, (u, _))| (n.clone(), *u)))
        .collect();
    let groups: BTreeMap<String, u32> = groups
        .into_iter()
        .chain(accounts.group_ids.clone())
        .collect();
    let desired = etc::desired(&plan, current, &users, &groups)?;
    let etc_dir = root.join("etc");
    let static_target = current.path().join("etc");
    match etc::inspect(&etc_dir.join("static"))? {
        Found::Symlink(found) if found == static_target => {}
        Found::Symlink(found) => {
            drift.etc.insert(
                "static".to_owned(),
                EtcDrift::Retargeted {
                    expected: static_target,
                    found,
                },
            );
        }
        Found::Missing => {
            drift.etc.insert("static".to_owned(), EtcDrift::Missing);
        }
        _ => {
            drift.etc.insert("static".to_owned(), EtcDrift::Replaced);
        }
    }
    for (rel, want) in &desired {
        let found = etc::inspect(&etc_dir.join(rel))?;
        let entry = match (want, want.record(), found) {
            (_, _, Found::Missing) => Some(EtcDrift::Missing),
            (Desired::Symlink(expected), _, Found::Symlink(found)) => {
                (*expected != found).then(|| EtcDrift::Retargeted {
                    expected: expected.clone(),
                    found,
                })
            }
            (
                Desired::File { .. },
                ManifestEntry::Copy {
                    sha256,
                    mode,
                    uid,
                    gid,
                },
                Found::File {
                    sha256: h,
                    mode: m,
                    uid: u,
                    gid: g,
                },
            ) => {
                if h != sha256 {
                    Some(EtcDrift::ContentChanged)
                } else if format!("{m:04o}") != mode {
                    Some(EtcDrift::ModeChanged {
                        expected: mode,
                        found: format!("{m:04o}"),
                    })
                } else if !is_scratch(root) && (u, g) != (uid, gid) {
                    Some(EtcDrift::OwnerChanged {
                        expected: format!("{uid}:{gid}"),
                        found: format!("{u}:{g}"),
                    })
                } else {
                    None
                }
            }
            _ => Some(EtcDrift::Replaced),
        };
        if let Some(entry) = entry {
            drift.etc.insert(rel.clone(), entry);
        }
    }
    Ok(drift)
}

/// What switching from one system to another changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemDiff {
    /// /etc entries (relative paths), including cairn's own (`hostname`,
    /// `localtime`, `ssh/authorized_keys.d/USER`).
    pub etc: Changes,
    /// Users.
    pub users: Changes,
    /// Groups.
    pub groups: Changes,
    /// Host name before and after, when it changes.
    pub host_name: Option<(Option<String>, Option<String>)>,
    /// Time zone before and after, when it changes.
    pub time_zone: Option<(Option<String>, Option<String>)>,
    /// What would happen to units (assuming the usual boot targets run).
    pub units: UnitsPlan,
}

/// A comparable description of every /etc entry a plan declares.
fn etc_summary(plan: &ActivationPlan) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = plan
        .etc
        .iter()
        .map(|(rel, e)| {
            (
                rel.clone(),
                format!("{} {} {}:{}", e.source.display(), e.mode, e.user, e.group),
            )
        })
        .collect();
    if let Some(host) = &plan.host_name {
        out.entry("hostname".to_owned())
            .or_insert_with(|| host.clone());
    }
    if let Some(zone) = &plan.time_zone {
        out.entry("localtime".to_owned())
            .or_insert_with(|| zone.clone());
    }
    for (name, user) in &plan.users {
        if !user.authorized_keys.is_empty() {
            out.entry(format!("ssh/authorized_keys.d/{name}"))
                .or_insert_with(|| user.authorized_keys.join("\n"));
        }
    }
    out
}

/// Compares two systems. Reads both toplevels; touches no root.
///
/// # Errors
/// A plan or unit file cannot be read.
pub fn diff(old: &Toplevel, new: &Toplevel) -> Result<SystemDiff, Error> {
    let old_plan = old.plan()?;
    let new_plan = new.plan()?;
    let changed = |a: &Option<String>, b: &Option<String>| (a != b).then(|| (a.clone(), b.clone()));
    Ok(SystemDiff {
        etc: Changes::between(&etc_summary(&old_plan), &etc_summary(&new_plan)),
        users: Changes::between(&old_plan.users, &new_plan.users),
        groups: Changes::between(&old_plan.groups, &new_plan.groups),
        host_name: changed(&old_plan.host_name, &new_plan.host_name),
        time_zone: changed(&old_plan.time_zone, &new_plan.time_zone),
        units: plan_units(Some(old), new, &ActiveUnits::Assumed)?,
    })
}

/// The package difference between two systems' `sw` environments, through
/// cairn-profile's closure diff. `sw` is a symlink to a store path (or a
/// directory of the toplevel itself, whose closure is then used).
///
/// # Errors
/// `sw` is not a store path, or a closure cannot be read from `store`.
pub fn package_diff(
    store: &dyn cairn_store::Store,
    old: &Toplevel,
    new: &Toplevel,
) -> Result<cairn_profile::ClosureDiff, Error> {
    let old_sw = sw_store_path(old)?;
    let new_sw = sw_store_path(new)?;
    Ok(cairn_profile::ClosureDiff::between(
        store, &old_sw, &new_sw,
    )?)
}

fn sw_store_path(toplevel: &Toplevel) -> Result<cairn_store_path::StorePath, Error> {
    let sw = toplevel.path().join("sw");
    let logical = match std::fs::read_link(toplevel.physical(&sw)) {
        Ok(target) if target.is_absolute() => target,
        _ => toplevel.path().to_owned(),
    };
    // The store directory is the toplevel's parent (`/nix/store`).
    let store_dir = toplevel.path().parent().unwrap_or(Path::new("/"));
    let base = logical
        .strip_prefix(store_dir)
        .ok()
        .and_then(|rest| rest.iter().next())
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_default();
    cairn_store_path::StorePath::from_base_name(&base).map_err(|err| Error::InvalidPlan {
        path: sw,
        reason: format!("'{}' is not a store path: {err}", logical.display()),
    })
}

/// The unchanged parts of an [`EtcManifest`] are not needed outside; this
/// keeps the set of managed paths visible for the CLI's messages.
///
/// # Errors
/// The manifest cannot be read.
pub fn managed_etc_paths(root: &Path) -> Result<BTreeSet<String>, Error> {
    Ok(EtcManifest::read(root)?.entries.into_keys().collect())
}
