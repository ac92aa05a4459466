//! Which systemd units to stop, start, restart or reload when switching
//! from one system to another, following NixOS's `switch-to-configuration`
//! (the rules in its `handle_modified_unit`, see
//! `shared/notes/system-layer.md` §1.6).
//!
//! Units are read from each toplevel's `etc/systemd/system`: `U` plus its
//! drop-ins `U.d/*.conf` (in name order; an empty value resets a key), and
//! `T.wants/U` / `T.requires/U` links or `[Install] WantedBy=`/`RequiredBy=`
//! say which target pulls a unit in. A unit linked to `/dev/null` is masked.
//!
//! For a unit that was active under the old system:
//!
//! | change | action |
//! |---|---|
//! | removed or masked | stop (skip with `X-StopOnRemoval=false`) |
//! | only ignored `[Unit]` keys (Description, Documentation, …) | none |
//! | only `X-Reload-Triggers`, `[Service] ExecReload` or `[Mount] Options` | reload |
//! | `.target` | start (skip with `RefuseManualStart`/`X-OnlyManualStart`; stop with `X-StopOnReconfiguration`) |
//! | `.path`, `.slice`, `.socket` | skip (NixOS leaves them alone) |
//! | `.mount` | restart (`-.mount` and `nix.mount`: reload) |
//! | `X-ReloadIfChanged=true` | reload |
//! | `X-RestartIfChanged=false`, `RefuseManualStop`, `X-OnlyManualStart` | skip |
//! | `X-StopIfChanged=false`, or not a service | restart |
//! | any other service | restart, stopped before activation and started after |
//!
//! A unit that only the new system has is started when an active target
//! wants it (and so, transitively, are units wanted by targets started that
//! way). Which units are active comes from systemd when it runs
//! ([`Systemctl::active_units`]); otherwise ([`ActiveUnits::Assumed`]) the
//! usual boot targets count as active, and so does every unit of the old
//! system that they pull in.
//!
//! A changed socket-activated service (`Sockets=`, or an active
//! `NAME.socket`; not `X-NotSocketActivated`) is stopped and its socket
//! cycled instead, so the new version starts on the next connection.
//!
//! Not modelled (yet): `fstab` mounts and swaps, user units, `foo@bar`
//! instances falling back to `foo@.service`, `X-StopOnReconfiguration`
//! targets being stopped first when unchanged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::error::Error;
use crate::toplevel::Toplevel;

/// Where unit files live in a toplevel.
pub const UNIT_DIR: &str = "etc/systemd/system";

/// The unit suffixes considered.
const UNIT_SUFFIXES: &[&str] = &[
    "service",
    "socket",
    "target",
    "timer",
    "path",
    "mount",
    "automount",
    "swap",
    "slice",
];

/// Targets assumed active when systemd cannot be asked.
const BOOT_TARGETS: &[&str] = &[
    "default.target",
    "multi-user.target",
    "basic.target",
    "sysinit.target",
    "sockets.target",
    "timers.target",
    "paths.target",
    "local-fs.target",
    "remote-fs.target",
    "network.target",
    "slices.target",
    "getty.target",
];

/// `[Unit]` keys whose change needs no action.
const IGNORED_UNIT_KEYS: &[&str] = &[
    "Description",
    "Documentation",
    "OnFailure",
    "OnSuccess",
    "OnFailureJobMode",
    "IgnoreOnIsolate",
    "StopWhenUnneeded",
    "RefuseManualStart",
    "RefuseManualStop",
    "AllowIsolate",
    "CollectMode",
    "SourcePath",
];

/// A parsed unit: section → key → values (in order; an empty assignment
/// cleared the earlier ones).
pub type UnitSections = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// What to do with one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitAction {
    /// Start it after activation.
    Start,
    /// Stop it before activation.
    Stop,
    /// Restart it (see [`PlannedUnit::stop_before_activation`]).
    Restart,
    /// Reload it after activation.
    Reload,
    /// It changed but is left alone (the reason says why).
    Skip,
}

/// Why a unit got its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitReason {
    /// Only the new system has it, and an active target wants it.
    New,
    /// The new system no longer has it.
    Removed,
    /// The new system masks it.
    Masked,
    /// `X-StopOnRemoval=false`.
    StopOnRemovalFalse,
    /// Its definition changed.
    Changed,
    /// Only reload triggers, `ExecReload` or mount options changed.
    ReloadTriggers,
    /// `X-ReloadIfChanged=true`.
    ReloadIfChanged,
    /// `X-RestartIfChanged=false`.
    RestartIfChangedFalse,
    /// `RefuseManualStop=true`.
    RefuseManualStop,
    /// `X-OnlyManualStart=true` or `RefuseManualStart=true`.
    OnlyManualStart,
    /// A `.path`, `.slice` or `.socket` unit.
    NotRestarted,
    /// A target is started again to pull in its new dependencies.
    Target,
    /// `X-StopOnReconfiguration=true`.
    StopOnReconfiguration,
    /// A changed socket-activated service: its socket is cycled instead
    /// (the service is stopped; the socket restarted starts it on demand).
    SocketActivated,
}

/// One entry of a [`UnitsPlan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedUnit {
    /// What to do.
    pub action: UnitAction,
    /// Why.
    pub reason: UnitReason,
    /// For a restart: stop before activation and start after (NixOS's
    /// default for changed services), rather than restart after.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stop_before_activation: bool,
}

/// What happens to each unit whose state changes, by unit name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitsPlan {
    /// Units, sorted by name.
    pub units: BTreeMap<String, PlannedUnit>,
}

impl UnitsPlan {
    /// The units with `action`, sorted.
    #[must_use]
    pub fn with_action(&self, action: UnitAction) -> Vec<&str> {
        self.units
            .iter()
            .filter(|(_, u)| u.action == action)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Units stopped before activation: stops and stop-first restarts.
    #[must_use]
    pub fn to_stop_first(&self) -> Vec<String> {
        self.units
            .iter()
            .filter(|(_, u)| {
                u.action == UnitAction::Stop
                    || (u.action == UnitAction::Restart && u.stop_before_activation)
            })
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Whether nothing happens.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// Which units are running.
#[derive(Debug, Clone)]
pub enum ActiveUnits {
    /// Asked from systemd.
    Live(BTreeSet<String>),
    /// systemd is not running for this root: boot targets and what the old
    /// system pulls in are assumed active.
    Assumed,
}

/// The units of one system.
#[derive(Debug, Default)]
struct UnitSet {
    units: BTreeMap<String, UnitSections>,
    masked: BTreeSet<String>,
    /// target → units it wants or requires.
    wants: BTreeMap<String, BTreeSet<String>>,
}

impl UnitSet {
    fn read(toplevel: &Toplevel) -> Result<UnitSet, Error> {
        let dir_logical = toplevel.path().join(UNIT_DIR);
        let dir = toplevel.resolve(&dir_logical)?;
        let mut set = UnitSet::default();
        if !dir.is_dir() {
            return Ok(set);
        }
        for entry in cairn_util::fs::read_dir_sorted(&dir)? {
            let name = file_name(&entry);
            let logical = dir_logical.join(&name);
            if let Some(target) = name
                .strip_suffix(".wants")
                .or_else(|| name.strip_suffix(".requires"))
            {
                let physical = toplevel.resolve(&logical)?;
                if physical.is_dir() {
                    for wanted in cairn_util::fs::read_dir_sorted(&physical)? {
                        set.wants
                            .entry(target.to_owned())
                            .or_default()
                            .insert(file_name(&wanted));
                    }
                }
                continue;
            }
            if !is_unit_name(&name) {
                continue;
            }
            if std::fs::read_link(&entry).is_ok_and(|t| t == Path::new("/dev/null")) {
                set.masked.insert(name);
                continue;
            }
            let physical = toplevel.resolve(&logical)?;
            if !physical.is_file() {
                continue;
            }
            let mut text = cairn_util::fs::read_to_string(&physical)?;
            let dropins = toplevel.resolve(&dir_logical.join(format!("{name}.d")))?;
            if dropins.is_dir() {
                for dropin in cairn_util::fs::read_dir_sorted(&dropins)? {
                    if file_name(&dropin).ends_with(".conf") {
                        let physical = toplevel.resolve(
                            &dir_logical
                                .join(format!("{name}.d"))
                                .join(file_name(&dropin)),
                        )?;
                        text.push('\n');
                        text.push_str(&cairn_util::fs::read_to_string(&physical)?);
                    }
                }
            }
            let sections = parse_unit(&text);
            for key in ["WantedBy", "RequiredBy"] {
                for target in values(&sections, "Install", key) {
                    for t in target.split_whitespace() {
                        set.wants
                            .entry(t.to_owned())
                            .or_default()
                            .insert(name.clone());
                    }
                }
            }
            set.units.insert(name, sections);
        }
        Ok(set)
    }

    /// Units transitively wanted by `roots` (included).
    fn closure(&self, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = roots.into_iter().collect();
        while let Some(unit) = todo.pop() {
            if seen.insert(unit.clone())
                && let Some(wanted) = self.wants.get(&unit)
            {
                todo.extend(wanted.iter().cloned());
            }
        }
        seen
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_unit_name(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, suffix)| !stem.is_empty() && UNIT_SUFFIXES.contains(&suffix))
}

/// Parses systemd unit syntax: `[Section]`, `Key=Value`, `#`/`;`
/// comments, trailing-backslash continuations; an empty value resets the
/// key.
#[must_use]
pub fn parse_unit(text: &str) -> UnitSections {
    let mut sections: UnitSections = BTreeMap::new();
    let mut section = String::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if pending.is_empty() && (line.is_empty() || line.starts_with(['#', ';'])) {
            continue;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            pending.push_str(stripped);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let line = std::mem::take(&mut pending);
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            sections.entry(section.clone()).or_default();
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let entry = sections
                .entry(section.clone())
                .or_default()
                .entry(key.trim().to_owned())
                .or_default();
            let value = value.trim();
            if value.is_empty() {
                entry.clear();
            } else {
                entry.push(value.to_owned());
            }
        }
    }
    sections
}

fn values<'a>(sections: &'a UnitSections, section: &str, key: &str) -> &'a [String] {
    sections
        .get(section)
        .and_then(|s| s.get(key))
        .map_or(&[], Vec::as_slice)
}

/// systemd's boolean parsing of the last value of `key`.
fn flag(sections: &UnitSections, section: &str, key: &str, default: bool) -> bool {
    values(sections, section, key).last().map_or(default, |v| {
        matches!(v.to_ascii_lowercase().as_str(), "1" | "yes" | "true" | "on")
    })
}

/// How two versions of a unit differ.
#[derive(Debug, PartialEq, Eq)]
enum Difference {
    Equal,
    OnlyReload,
    Other,
}

fn compare(old: &UnitSections, new: &UnitSections) -> Difference {
    let strip = |s: &UnitSections, reload_keys: bool| -> UnitSections {
        let mut s = s.clone();
        if let Some(unit) = s.get_mut("Unit") {
            for key in IGNORED_UNIT_KEYS {
                unit.remove(*key);
            }
            if reload_keys {
                unit.remove("X-Reload-Triggers");
            }
        }
        if reload_keys {
            if let Some(service) = s.get_mut("Service") {
                service.remove("ExecReload");
            }
            if let Some(mount) = s.get_mut("Mount") {
                mount.remove("Options");
            }
        }
        s.retain(|_, keys| !keys.is_empty());
        s
    };
    if strip(old, false) == strip(new, false) {
        Difference::Equal
    } else if strip(old, true) == strip(new, true) {
        Difference::OnlyReload
    } else {
        Difference::Other
    }
}

fn planned(action: UnitAction, reason: UnitReason) -> PlannedUnit {
    PlannedUnit {
        action,
        reason,
        stop_before_activation: false,
    }
}

/// NixOS's `handle_modified_unit`.
fn modified(name: &str, unit: &UnitSections) -> PlannedUnit {
    let suffix = name.rsplit_once('.').map_or("", |(_, s)| s);
    if matches!(suffix, "path" | "slice" | "socket") {
        return planned(UnitAction::Skip, UnitReason::NotRestarted);
    }
    if suffix == "mount" {
        return if matches!(name, "-.mount" | "nix.mount") {
            planned(UnitAction::Reload, UnitReason::Changed)
        } else {
            planned(UnitAction::Restart, UnitReason::Changed)
        };
    }
    if flag(unit, "Unit", "X-ReloadIfChanged", false) {
        return planned(UnitAction::Reload, UnitReason::ReloadIfChanged);
    }
    if !flag(unit, "Unit", "X-RestartIfChanged", true) {
        return planned(UnitAction::Skip, UnitReason::RestartIfChangedFalse);
    }
    if flag(unit, "Unit", "RefuseManualStop", false) {
        return planned(UnitAction::Skip, UnitReason::RefuseManualStop);
    }
    if flag(unit, "Unit", "X-OnlyManualStart", false) {
        return planned(UnitAction::Skip, UnitReason::OnlyManualStart);
    }
    let stop_first = suffix == "service" && flag(unit, "Unit", "X-StopIfChanged", true);
    PlannedUnit {
        action: UnitAction::Restart,
        reason: UnitReason::Changed,
        stop_before_activation: stop_first,
    }
}

/// NixOS's socket handling for services that are stopped and started: when
/// the service is socket-activated (`Sockets=`, or an active `NAME.socket`;
/// not `X-NotSocketActivated`), stop it and cycle its sockets instead.
fn cycle_sockets(
    plan: &mut UnitsPlan,
    old_units: &UnitSet,
    new_units: &UnitSet,
    is_active: &BTreeSet<String>,
) {
    let services: Vec<String> = plan
        .units
        .iter()
        .filter(|(name, p)| {
            name.ends_with(".service")
                && p.action == UnitAction::Restart
                && p.stop_before_activation
        })
        .map(|(name, _)| name.clone())
        .collect();
    for service in services {
        let unit = &new_units.units[&service];
        if flag(unit, "Unit", "X-NotSocketActivated", false) {
            continue;
        }
        let mut sockets: Vec<String> = values(unit, "Service", "Sockets")
            .iter()
            .flat_map(|v| v.split_whitespace().map(str::to_owned))
            .collect();
        if sockets.is_empty() {
            let stem = service.trim_end_matches(".service");
            sockets.push(format!("{stem}.socket"));
        }
        sockets.retain(|s| {
            is_active.contains(s)
                && old_units.units.contains_key(s)
                && new_units.units.contains_key(s)
        });
        if sockets.is_empty() {
            continue;
        }
        plan.units.insert(
            service,
            planned(UnitAction::Stop, UnitReason::SocketActivated),
        );
        for socket in sockets {
            plan.units.insert(
                socket,
                PlannedUnit {
                    action: UnitAction::Restart,
                    reason: UnitReason::SocketActivated,
                    stop_before_activation: true,
                },
            );
        }
    }
}

/// Compares the units of `old` (none on a first activation) and `new`.
///
/// # Errors
/// A unit file or directory cannot be read.
pub fn plan_units(
    old: Option<&Toplevel>,
    new: &Toplevel,
    active: &ActiveUnits,
) -> Result<UnitsPlan, Error> {
    let old_units = match old {
        Some(old) => UnitSet::read(old)?,
        None => UnitSet::default(),
    };
    let new_units = UnitSet::read(new)?;
    let boot: Vec<String> = BOOT_TARGETS.iter().map(|t| (*t).to_owned()).collect();
    let is_active: BTreeSet<String> = match active {
        ActiveUnits::Live(set) => set.clone(),
        ActiveUnits::Assumed => old_units.closure(boot.clone()),
    };
    let mut plan = UnitsPlan::default();
    for (name, unit) in &old_units.units {
        if !is_active.contains(name) {
            continue;
        }
        let new_unit = new_units.units.get(name);
        let entry = match new_unit {
            None => {
                let reason = if new_units.masked.contains(name) {
                    UnitReason::Masked
                } else {
                    UnitReason::Removed
                };
                if flag(unit, "Unit", "X-StopOnRemoval", true) {
                    Some(planned(UnitAction::Stop, reason))
                } else {
                    Some(planned(UnitAction::Skip, UnitReason::StopOnRemovalFalse))
                }
            }
            Some(new_unit) if name.ends_with(".target") => {
                if compare(unit, new_unit) == Difference::Equal {
                    None
                } else if flag(new_unit, "Unit", "X-StopOnReconfiguration", false) {
                    Some(planned(UnitAction::Stop, UnitReason::StopOnReconfiguration))
                } else if flag(new_unit, "Unit", "RefuseManualStart", false)
                    || flag(new_unit, "Unit", "X-OnlyManualStart", false)
                {
                    Some(planned(UnitAction::Skip, UnitReason::OnlyManualStart))
                } else {
                    Some(planned(UnitAction::Start, UnitReason::Target))
                }
            }
            Some(new_unit) => match compare(unit, new_unit) {
                Difference::Equal => None,
                Difference::OnlyReload => {
                    Some(planned(UnitAction::Reload, UnitReason::ReloadTriggers))
                }
                Difference::Other => Some(modified(name, new_unit)),
            },
        };
        if let Some(entry) = entry {
            plan.units.insert(name.clone(), entry);
        }
    }
    cycle_sockets(&mut plan, &old_units, &new_units, &is_active);
    // New units wanted by active targets, and what targets started that way
    // want in turn.
    let mut running: BTreeSet<String> = is_active
        .iter()
        .filter(|u| new_units.units.contains_key(*u) || BOOT_TARGETS.contains(&u.as_str()))
        .cloned()
        .collect();
    if matches!(active, ActiveUnits::Assumed) {
        running.extend(boot);
    }
    loop {
        let mut started = Vec::new();
        for (target, wanted) in &new_units.wants {
            if !running.contains(target) {
                continue;
            }
            for unit in wanted {
                if new_units.units.contains_key(unit)
                    && !old_units.units.contains_key(unit)
                    && !running.contains(unit)
                {
                    started.push(unit.clone());
                }
            }
        }
        if started.is_empty() {
            break;
        }
        for unit in started {
            plan.units
                .insert(unit.clone(), planned(UnitAction::Start, UnitReason::New));
            running.insert(unit);
        }
    }
    Ok(plan)
}

/// A `systemctl` verb the activation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `systemctl stop`.
    Stop,
    /// `systemctl start`.
    Start,
    /// `systemctl restart`.
    Restart,
    /// `systemctl reload`.
    Reload,
    /// `systemctl daemon-reload` (no units).
    DaemonReload,
}

impl Verb {
    /// The word systemctl takes.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Stop => "stop",
            Verb::Start => "start",
            Verb::Restart => "restart",
            Verb::Reload => "reload",
            Verb::DaemonReload => "daemon-reload",
        }
    }
}

/// The service manager, behind a trait so tests can record calls.
pub trait Systemctl {
    /// The names of active (or activating/reloading) units.
    ///
    /// # Errors
    /// systemctl cannot be asked.
    fn active_units(&mut self) -> Result<BTreeSet<String>, Error>;

    /// Runs `verb` on `units` (none for `daemon-reload`).
    ///
    /// # Errors
    /// systemctl fails.
    fn run(&mut self, verb: Verb, units: &[String]) -> Result<(), Error>;
}

/// The real `systemctl`.
#[derive(Debug)]
pub struct SystemctlCommand {
    program: PathBuf,
}

impl SystemctlCommand {
    /// `systemctl` from `PATH`, but only when `root` is `/` and systemd is
    /// running (`/run/systemd/system` exists); `None` otherwise, and the
    /// caller shows the plan instead.
    #[must_use]
    pub fn for_root(root: &Path) -> Option<SystemctlCommand> {
        (root == Path::new("/") && Path::new("/run/systemd/system").is_dir()).then(|| {
            SystemctlCommand {
                program: PathBuf::from("systemctl"),
            }
        })
    }

    fn output(&self, args: &[&str]) -> Result<String, Error> {
        let command = args.join(" ");
        let output = Command::new(&self.program)
            .args(args)
            .output()
            .map_err(|err| Error::Systemctl {
                command: command.clone(),
                reason: err.to_string(),
            })?;
        if !output.status.success() {
            return Err(Error::Systemctl {
                command,
                reason: format!(
                    "{}: {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Systemctl for SystemctlCommand {
    fn active_units(&mut self) -> Result<BTreeSet<String>, Error> {
        let out = self.output(&[
            "list-units",
            "--all",
            "--state=active,activating,reloading",
            "--plain",
            "--no-legend",
            "--no-pager",
            "--full",
        ])?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect())
    }

    fn run(&mut self, verb: Verb, units: &[String]) -> Result<(), Error> {
        let mut args = vec![verb.as_str()];
        args.extend(units.iter().map(String::as_str));
        self.output(&args).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_handles_continuations_comments_and_resets() {
        let unit = parse_unit(
            "# c\n[Unit]\nDescription=x\nAfter=a.target\nAfter=b.target\n\n[Service]\n\
             ExecStart=/bin/a \\\n  --flag\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n; c\n",
        );
        assert_eq!(values(&unit, "Unit", "After"), ["a.target", "b.target"]);
        assert_eq!(values(&unit, "Service", "ExecStart"), ["/bin/a  --flag"]);
        assert_eq!(values(&unit, "Service", "Environment"), ["B=2"]);
    }

    #[test]
    fn comparison_ignores_descriptions_and_spots_reloads() {
        let a = parse_unit("[Unit]\nDescription=a\n[Service]\nExecStart=/x\nExecReload=/r1\n");
        let b = parse_unit("[Unit]\nDescription=b\n[Service]\nExecStart=/x\nExecReload=/r1\n");
        let c = parse_unit("[Unit]\nDescription=b\n[Service]\nExecStart=/x\nExecReload=/r2\n");
        let d = parse_unit("[Unit]\nDescription=b\n[Service]\nExecStart=/y\nExecReload=/r2\n");
        assert_eq!(compare(&a, &b), Difference::Equal);
        assert_eq!(compare(&a, &c), Difference::OnlyReload);
        assert_eq!(compare(&a, &d), Difference::Other);
    }

    #[test]
    fn modified_unit_rules() {
        let action = |name: &str, unit: &str| {
            let p = modified(name, &parse_unit(unit));
            (p.action, p.stop_before_activation)
        };
        assert_eq!(action("a.service", "[Unit]\n"), (UnitAction::Restart, true));
        assert_eq!(
            action("a.service", "[Unit]\nX-StopIfChanged=false\n"),
            (UnitAction::Restart, false)
        );
        assert_eq!(
            action("a.service", "[Unit]\nX-RestartIfChanged=false\n"),
            (UnitAction::Skip, false)
        );
        assert_eq!(
            action("a.service", "[Unit]\nX-ReloadIfChanged=true\n"),
            (UnitAction::Reload, false)
        );
        assert_eq!(
            action("a.service", "[Unit]\nRefuseManualStop=yes\n"),
            (UnitAction::Skip, false)
        );
        assert_eq!(action("a.timer", "[Unit]\n"), (UnitAction::Restart, false));
        assert_eq!(action("a.socket", "[Unit]\n"), (UnitAction::Skip, false));
        assert_eq!(
            action("srv.mount", "[Unit]\n"),
            (UnitAction::Restart, false)
        );
        assert_eq!(action("nix.mount", "[Unit]\n"), (UnitAction::Reload, false));
    }
}
