//! The activation plan: `TOPLEVEL/activation-plan.json`, the one file the
//! system modules write for this crate.
//!
//! The plan is the contract between the evaluator side (nix/modules, which
//! computes it from `configuration.nix`) and the runtime side (this crate,
//! which never evaluates). It says what /etc should contain, which users and
//! groups exist, the host name and time zone, and what the boot loader
//! should offer. Everything in it is already resolved: defaults applied,
//! store paths built.
//!
//! # Schema, version 1
//!
//! ```json
//! {
//!   "version": 1,
//!   "label": "25.11.20261124",
//!   "hostName": "homelab",                 // or null: /etc/hostname not managed
//!   "timeZone": "Europe/Berlin",           // or null: /etc/localtime not managed
//!   "etc": {
//!     "ssh/sshd_config": {"source": "/nix/store/…-sshd_config", "mode": "symlink",
//!                         "user": "root", "group": "root"}
//!   },
//!   "users": {
//!     "alice": {"uid": 1000, "group": "users", "extraGroups": ["wheel"], "description": "",
//!               "home": "/home/alice", "createHome": true,
//!               "shell": "/run/current-system/sw/bin/bash", "hashedPassword": null,
//!               "isSystemUser": false, "isNormalUser": true, "authorizedKeys": ["ssh-ed25519 …"]}
//!   },
//!   "groups": {"users": {"gid": 100, "members": ["alice"]}},
//!   "mutableUsers": true,
//!   "bootEntry": {"title": "cairn", "kernel": "/nix/store/…/bzImage",
//!                 "initrd": "/nix/store/…/initrd", "kernelParams": ["quiet"]},
//!   "bootLoader": {"systemdBoot": true, "grub": true, "timeout": 5,
//!                  "configurationLimit": null}
//! }
//! ```
//!
//! `mode` is `"symlink"` (`/etc/REL → /etc/static/REL`, NixOS's default),
//! `"direct-symlink"` (`/etc/REL → source`, straight into the store) or an
//! octal file mode such as `"0644"` (a copy owned by `user`:`group`, as
//! NixOS does for entries with a `mode`). Unknown keys are rejected so that
//! a typo in the modules fails loudly instead of being ignored; a plan with
//! another `version` is refused with [`Error::UnsupportedPlanVersion`].
//! Optional keys may be left out and take the defaults shown by
//! [`UserSpec`], [`GroupSpec`] and [`EtcEntry`].

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The plan version this crate reads and writes.
pub const PLAN_VERSION: u32 = 1;

/// The file name of the plan inside a toplevel.
pub const PLAN_FILE: &str = "activation-plan.json";

/// Names in /etc that the users step writes itself; an `etc` entry may not
/// claim them.
pub const RESERVED_ETC: &[&str] = &["passwd", "group", "shadow", "gshadow", "static"];

/// `TOPLEVEL/activation-plan.json`, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationPlan {
    /// Always [`PLAN_VERSION`].
    pub version: u32,
    /// The system label, e.g. `25.11.20261124`.
    pub label: String,
    /// `networking.hostName`; `None` leaves /etc/hostname alone.
    #[serde(default)]
    pub host_name: Option<String>,
    /// `time.timeZone`; `None` leaves /etc/localtime alone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `environment.etc`, keyed by path relative to /etc.
    #[serde(default)]
    pub etc: BTreeMap<String, EtcEntry>,
    /// `users.users`.
    #[serde(default)]
    pub users: BTreeMap<String, UserSpec>,
    /// `users.groups`.
    #[serde(default)]
    pub groups: BTreeMap<String, GroupSpec>,
    /// `users.mutableUsers`: keep password hashes set with `passwd` when the
    /// configuration declares none, and keep group members added by hand.
    #[serde(default = "yes")]
    pub mutable_users: bool,
    /// What the boot loader offers for this system; `None` for systems that
    /// are not booted by cairn (containers, foreign distributions).
    #[serde(default)]
    pub boot_entry: Option<BootEntry>,
    /// How the boot menu is written (`boot.loader`); the default
    /// generation's settings apply to the whole menu.
    #[serde(default)]
    pub boot_loader: BootLoader,
}

fn yes() -> bool {
    true
}

fn root_name() -> String {
    "root".to_owned()
}

/// One `environment.etc` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EtcEntry {
    /// The store path (or file inside one) with the content.
    pub source: PathBuf,
    /// `symlink`, `direct-symlink` or an octal mode like `0644`.
    #[serde(default = "symlink_mode")]
    pub mode: String,
    /// Owner of a copy (ignored for symlinks).
    #[serde(default = "root_name")]
    pub user: String,
    /// Group of a copy (ignored for symlinks).
    #[serde(default = "root_name")]
    pub group: String,
}

fn symlink_mode() -> String {
    "symlink".to_owned()
}

/// How an /etc entry is installed, parsed from [`EtcEntry::mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtcMode {
    /// `/etc/REL → /etc/static/REL`.
    Symlink,
    /// `/etc/REL → source`.
    DirectSymlink,
    /// A copy with these permission bits.
    Copy(u32),
}

impl EtcEntry {
    /// The parsed mode, `None` when it is neither a symlink kind nor an octal
    /// number up to `07777`.
    #[must_use]
    pub fn parsed_mode(&self) -> Option<EtcMode> {
        match self.mode.as_str() {
            "symlink" => Some(EtcMode::Symlink),
            "direct-symlink" => Some(EtcMode::DirectSymlink),
            octal => u32::from_str_radix(octal, 8)
                .ok()
                .filter(|bits| *bits <= 0o7777 && !octal.is_empty())
                .map(EtcMode::Copy),
        }
    }
}

/// One `users.users` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserSpec {
    /// A fixed uid; `None` allocates one (and remembers it in `uid-map`).
    #[serde(default)]
    pub uid: Option<u32>,
    /// The primary group's name; it must be declared or already exist.
    #[serde(default = "nogroup")]
    pub group: String,
    /// Supplementary groups.
    #[serde(default)]
    pub extra_groups: Vec<String>,
    /// The GECOS field.
    #[serde(default)]
    pub description: String,
    /// The home directory (inside the root).
    #[serde(default = "var_empty")]
    pub home: String,
    /// Create the home directory (mode 0700) when it is missing.
    #[serde(default)]
    pub create_home: bool,
    /// The login shell.
    #[serde(default = "nologin")]
    pub shell: String,
    /// The crypt(3) hash for /etc/shadow; `None` means "no password" (`!`),
    /// or, with `mutableUsers`, whatever hash the user set.
    #[serde(default)]
    pub hashed_password: Option<String>,
    /// Allocate the uid from the system range (999 downwards).
    #[serde(default)]
    pub is_system_user: bool,
    /// Allocate the uid from the normal range (1000 upwards).
    #[serde(default)]
    pub is_normal_user: bool,
    /// Lines of `/etc/ssh/authorized_keys.d/NAME`.
    #[serde(default)]
    pub authorized_keys: Vec<String>,
}

fn nogroup() -> String {
    "nogroup".to_owned()
}

fn var_empty() -> String {
    "/var/empty".to_owned()
}

fn nologin() -> String {
    "/run/current-system/sw/bin/nologin".to_owned()
}

/// One `users.groups` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupSpec {
    /// A fixed gid; `None` allocates one (remembered in `gid-map`).
    #[serde(default)]
    pub gid: Option<u32>,
    /// Declared members; users naming the group in `extraGroups` are added
    /// as well.
    #[serde(default)]
    pub members: Vec<String>,
}

/// The boot loader entry of one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BootEntry {
    /// The menu title, e.g. `cairn`.
    pub title: String,
    /// The kernel image; `None` when the system has no kernel of its own.
    #[serde(default)]
    pub kernel: Option<PathBuf>,
    /// The initrd, if any.
    #[serde(default)]
    pub initrd: Option<PathBuf>,
    /// The kernel command line (without `init=`, which cairn adds).
    #[serde(default)]
    pub kernel_params: Vec<String>,
}

/// The boot loader settings of one system (`boot.loader`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BootLoader {
    /// Write systemd-boot loader entries and `loader.conf`.
    #[serde(default = "yes")]
    pub systemd_boot: bool,
    /// Write the GRUB menu.
    #[serde(default = "yes")]
    pub grub: bool,
    /// Seconds the menu waits before booting the default entry; `None`
    /// waits for a choice.
    #[serde(default = "five")]
    pub timeout: Option<u64>,
    /// List at most this many of the newest generations (the default one
    /// is always listed); `None` lists every kept generation.
    #[serde(default)]
    pub configuration_limit: Option<u64>,
}

fn five() -> Option<u64> {
    Some(5)
}

impl Default for BootLoader {
    fn default() -> BootLoader {
        BootLoader {
            systemd_boot: true,
            grub: true,
            timeout: five(),
            configuration_limit: None,
        }
    }
}

impl ActivationPlan {
    /// Parses and validates a plan read from `path` (used in messages).
    ///
    /// # Errors
    /// Malformed JSON, another version, or an invalid entry
    /// ([`ActivationPlan::validate`]).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<ActivationPlan, Error> {
        #[derive(Deserialize)]
        struct Version {
            version: Option<serde_json::Value>,
        }
        let version: Version =
            serde_json::from_slice(bytes).map_err(|source| Error::PlanSyntax {
                path: path.to_owned(),
                source,
            })?;
        match version.version {
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(PLAN_VERSION)) => {}
            other => {
                return Err(Error::UnsupportedPlanVersion {
                    path: path.to_owned(),
                    found: other.map_or_else(|| "none".to_owned(), |v| v.to_string()),
                });
            }
        }
        let plan: ActivationPlan =
            serde_json::from_slice(bytes).map_err(|source| Error::PlanSyntax {
                path: path.to_owned(),
                source,
            })?;
        plan.validate(path)?;
        Ok(plan)
    }

    /// Checks what serde cannot: /etc paths are relative and stay inside
    /// /etc, modes parse, names are valid passwd/group names, the time zone
    /// is a relative zoneinfo name.
    ///
    /// # Errors
    /// [`Error::InvalidPlan`] naming the entry and what is wrong with it.
    pub fn validate(&self, path: &Path) -> Result<(), Error> {
        let invalid = |what: String| Error::InvalidPlan {
            path: path.to_owned(),
            reason: what,
        };
        for (rel, entry) in &self.etc {
            if !is_clean_relative(rel) {
                return Err(invalid(format!(
                    "etc entry '{rel}' is not a relative path inside /etc"
                )));
            }
            let first = rel.split('/').next().unwrap_or_default();
            if RESERVED_ETC.contains(&first) && (first != "static" || rel == "static") {
                return Err(invalid(format!(
                    "etc entry '{rel}' is written by cairn itself (users and groups, /etc/static)"
                )));
            }
            if first == "static" {
                return Err(invalid(format!(
                    "etc entry '{rel}' is inside /etc/static, which cairn manages"
                )));
            }
            if entry.parsed_mode().is_none() {
                return Err(invalid(format!(
                    "etc entry '{rel}' has mode '{}': expected 'symlink', 'direct-symlink' or an octal mode such as '0644'",
                    entry.mode
                )));
            }
            if !entry.source.is_absolute() {
                return Err(invalid(format!(
                    "etc entry '{rel}' has a relative source '{}'",
                    entry.source.display()
                )));
            }
        }
        for (name, user) in &self.users {
            if !is_valid_name(name) {
                return Err(invalid(format!(
                    "user name '{name}' is not a valid user name"
                )));
            }
            for field in [&user.description, &user.home, &user.shell] {
                if field.contains([':', '\n']) {
                    return Err(invalid(format!(
                        "user '{name}' has a field containing ':' or a newline: '{field}'"
                    )));
                }
            }
            if user
                .hashed_password
                .as_deref()
                .is_some_and(|h| h.contains([':', '\n']))
            {
                return Err(invalid(format!(
                    "user '{name}' has a hashedPassword containing ':' or a newline"
                )));
            }
            if user.authorized_keys.iter().any(|k| k.contains('\n')) {
                return Err(invalid(format!(
                    "user '{name}' has an authorized key containing a newline"
                )));
            }
            if !Path::new(&user.home).is_absolute() {
                return Err(invalid(format!(
                    "user '{name}' has a relative home '{}'",
                    user.home
                )));
            }
        }
        for (name, group) in &self.groups {
            if !is_valid_name(name) {
                return Err(invalid(format!(
                    "group name '{name}' is not a valid group name"
                )));
            }
            if let Some(member) = group.members.iter().find(|m| !is_valid_name(m)) {
                return Err(invalid(format!(
                    "group '{name}' has an invalid member name '{member}'"
                )));
            }
        }
        if let Some(host) = &self.host_name
            && (host.is_empty() || host.len() > 253 || host.contains(['/', '\n', ' ']))
        {
            return Err(invalid(format!(
                "hostName '{host}' is not a valid host name"
            )));
        }
        if let Some(zone) = &self.time_zone
            && !is_clean_relative(zone)
        {
            return Err(invalid(format!(
                "timeZone '{zone}' is not a zoneinfo name such as 'Europe/Berlin'"
            )));
        }
        Ok(())
    }
}

/// A non-empty relative path of normal components (no `.`, `..`, `//`,
/// trailing slash or NUL).
pub(crate) fn is_clean_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.contains('\0')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// A name useradd would accept: `[a-z_][a-z0-9_-]*[$]?`, at most 32 bytes,
/// here relaxed to allow upper case and dots as many distributions do.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let body = name.strip_suffix('$').unwrap_or(name);
    !body.is_empty()
        && name.len() <= 32
        && !body.starts_with(['-', '.'])
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !body.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ActivationPlan, Error> {
        ActivationPlan::parse(Path::new("plan.json"), json.as_bytes())
    }

    #[test]
    fn defaults_fill_the_optional_keys() {
        let plan = parse(
            r#"{"version":1,"label":"x","users":{"alice":{"isNormalUser":true}},
                "etc":{"a/b":{"source":"/nix/store/x-a"}}}"#,
        )
        .unwrap();
        assert!(plan.mutable_users);
        let alice = &plan.users["alice"];
        assert_eq!(alice.group, "nogroup");
        assert_eq!(alice.home, "/var/empty");
        assert_eq!(plan.etc["a/b"].parsed_mode(), Some(EtcMode::Symlink));
        assert_eq!(plan.etc["a/b"].user, "root");
    }

    #[test]
    fn other_versions_are_refused_before_the_schema_is_checked() {
        let err = parse(r#"{"version":2,"label":"x","future":true}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "plan.json: activation plan version 2 is not supported (this cairn reads version 1)"
        );
        assert!(matches!(
            parse(r#"{"label":"x"}"#),
            Err(Error::UnsupportedPlanVersion { .. })
        ));
    }

    #[test]
    fn unknown_keys_and_bad_entries_are_errors() {
        assert!(matches!(
            parse(r#"{"version":1,"label":"x","hostname":"typo"}"#),
            Err(Error::PlanSyntax { .. })
        ));
        for bad in [
            r#"{"version":1,"label":"x","etc":{"../shadow":{"source":"/nix/store/a"}}}"#,
            r#"{"version":1,"label":"x","etc":{"passwd":{"source":"/nix/store/a"}}}"#,
            r#"{"version":1,"label":"x","etc":{"static/x":{"source":"/nix/store/a"}}}"#,
            r#"{"version":1,"label":"x","etc":{"a":{"source":"/nix/store/a","mode":"rw"}}}"#,
            r#"{"version":1,"label":"x","etc":{"a":{"source":"rel"}}}"#,
            r#"{"version":1,"label":"x","users":{"a:b":{}}}"#,
            r#"{"version":1,"label":"x","users":{"a":{"description":"x:y"}}}"#,
            r#"{"version":1,"label":"x","timeZone":"../../etc/shadow"}"#,
        ] {
            let err = parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidPlan { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn modes() {
        let entry = |mode: &str| EtcEntry {
            source: "/nix/store/a".into(),
            mode: mode.to_owned(),
            user: "root".into(),
            group: "root".into(),
        };
        assert_eq!(entry("0644").parsed_mode(), Some(EtcMode::Copy(0o644)));
        assert_eq!(entry("0400").parsed_mode(), Some(EtcMode::Copy(0o400)));
        assert_eq!(
            entry("direct-symlink").parsed_mode(),
            Some(EtcMode::DirectSymlink)
        );
        assert_eq!(entry("99").parsed_mode(), None);
        assert_eq!(entry("").parsed_mode(), None);
    }
}
