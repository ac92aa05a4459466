//! Declarative users and groups over `/etc/{passwd,group,shadow,gshadow}`.
//!
//! This follows NixOS's `update-users-groups.pl`, with the state kept under
//! `ROOT/var/lib/cairn/` instead of `/var/lib/nixos/`:
//!
//! * `uid-map` / `gid-map` (JSON objects, name → id) remember every id cairn
//!   ever gave out. A user removed and declared again gets its old id back
//!   (if nobody took it meanwhile), and an id once used is never handed to
//!   someone else.
//! * `declarative-users` / `declarative-groups` (one name a line) list what
//!   the last activation declared. Only those entries are ever removed;
//!   every other line of the four files is kept.
//!
//! Ids: a fixed `uid`/`gid` is used as given; otherwise an entry that
//! already exists keeps its id (an existing id is never changed in mutable
//! mode: NixOS's "not applying UID change"); otherwise the remembered id;
//! otherwise a new one, normal users from 1000 upwards (to 29999), system
//! users and all groups from 999 downwards (to 400).
//!
//! Passwords: a declared `hashedPassword` is written to shadow; without one,
//! `mutableUsers` keeps whatever shadow line the user has (set with
//! `passwd`), and otherwise the account is locked with `!`. New shadow
//! lines are `NAME:HASH:1::::::` as NixOS writes them (a fixed "last
//! change" day keeps the output independent of the clock).
//!
//! Group members are what the group declares plus every declared user that
//! names it in `extraGroups`. Members that are not managed users are kept
//! (in their order) when `mutableUsers` is on or the group is not
//! managed; managed users are always placed by the configuration alone, so
//! dropping a user from `extraGroups` removes it.
//!
//! Output order, chosen so that the bytes depend only on the set of
//! entries (activating v1, v2, v1 gives v1's bytes again): passwd sorted by
//! uid then name, group by gid then name, shadow and gshadow in the order of
//! passwd and group, followed by lines whose name has no passwd/group entry,
//! in their original order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::plan::{ActivationPlan, UserSpec};

/// Normal users are allocated upwards from here.
const NORMAL_UIDS: (u32, u32) = (1000, 29999);
/// System users and all groups are allocated downwards from the top.
const SYSTEM_IDS: (u32, u32) = (400, 999);

/// The four account files, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AccountFiles {
    pub(crate) passwd: String,
    pub(crate) group: String,
    pub(crate) shadow: String,
    pub(crate) gshadow: String,
}

/// The account file names, relative to /etc.
pub(crate) const ACCOUNT_FILES: [&str; 4] = ["passwd", "group", "shadow", "gshadow"];

impl AccountFiles {
    pub(crate) fn get(&self, name: &str) -> &str {
        match name {
            "passwd" => &self.passwd,
            "group" => &self.group,
            "shadow" => &self.shadow,
            _ => &self.gshadow,
        }
    }

    /// Reads the files under `etc`; missing ones are empty.
    pub(crate) fn read(etc: &Path) -> Result<AccountFiles, Error> {
        let read = |name: &str| -> Result<String, Error> {
            let path = etc.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => String::from_utf8(bytes).map_err(|_| Error::BadStateFile {
                    path,
                    line: 0,
                    reason: "not UTF-8".to_owned(),
                }),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
                Err(err) => {
                    Err(cairn_util::Error::new(cairn_util::Operation::Read, path, err).into())
                }
            }
        };
        Ok(AccountFiles {
            passwd: read("passwd")?,
            group: read("group")?,
            shadow: read("shadow")?,
            gshadow: read("gshadow")?,
        })
    }
}

/// What cairn remembers about ids (`ROOT/var/lib/cairn/{uid,gid}-map`,
/// `declarative-{users,groups}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IdState {
    pub(crate) uid_map: BTreeMap<String, u32>,
    pub(crate) gid_map: BTreeMap<String, u32>,
    pub(crate) users: BTreeSet<String>,
    pub(crate) groups: BTreeSet<String>,
}

impl IdState {
    pub(crate) fn read(state_dir: &Path) -> Result<IdState, Error> {
        let map = |name: &str| -> Result<BTreeMap<String, u32>, Error> {
            let path = state_dir.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map_err(|source| Error::PlanSyntax { path, source }),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
                Err(err) => {
                    Err(cairn_util::Error::new(cairn_util::Operation::Read, path, err).into())
                }
            }
        };
        let list = |name: &str| -> Result<BTreeSet<String>, Error> {
            let path = state_dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(text
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
                Err(err) => {
                    Err(cairn_util::Error::new(cairn_util::Operation::Read, path, err).into())
                }
            }
        };
        Ok(IdState {
            uid_map: map("uid-map")?,
            gid_map: map("gid-map")?,
            users: list("declarative-users")?,
            groups: list("declarative-groups")?,
        })
    }

    /// The files and their bytes.
    pub(crate) fn render(&self) -> [(&'static str, String); 4] {
        let json = |m: &BTreeMap<String, u32>| {
            let mut s = serde_json::to_string_pretty(m).expect("a map of strings to numbers");
            s.push('\n');
            s
        };
        let lines = |s: &BTreeSet<String>| s.iter().map(|n| format!("{n}\n")).collect::<String>();
        [
            ("uid-map", json(&self.uid_map)),
            ("gid-map", json(&self.gid_map)),
            ("declarative-users", lines(&self.users)),
            ("declarative-groups", lines(&self.groups)),
        ]
    }

    /// The union of two states, written before changing anything so that a
    /// crash leaves everything touched recorded as managed.
    pub(crate) fn union(&self, other: &IdState) -> IdState {
        let mut out = self.clone();
        out.uid_map
            .extend(other.uid_map.iter().map(|(k, v)| (k.clone(), *v)));
        out.gid_map
            .extend(other.gid_map.iter().map(|(k, v)| (k.clone(), *v)));
        out.users.extend(other.users.iter().cloned());
        out.groups.extend(other.groups.iter().cloned());
        out
    }
}

/// A parsed passwd line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Passwd {
    name: String,
    uid: u32,
    gid: u32,
    line: String,
}

/// A parsed group line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    password: String,
    gid: u32,
    members: Vec<String>,
}

/// The result of applying a plan to the account files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accounts {
    pub(crate) files: AccountFiles,
    pub(crate) state: IdState,
    /// Every user in the new passwd: name → (uid, gid).
    pub(crate) user_ids: BTreeMap<String, (u32, u32)>,
    /// Every group in the new group file: name → gid.
    pub(crate) group_ids: BTreeMap<String, u32>,
    /// The lines of the new files for managed users and groups, for drift
    /// checks: file name → entry name → line.
    pub(crate) managed_lines: BTreeMap<&'static str, BTreeMap<String, String>>,
    pub(crate) warnings: Vec<String>,
}

fn bad(path: &str, line: usize, reason: impl Into<String>) -> Error {
    Error::BadStateFile {
        path: PathBuf::from("/etc").join(path),
        line,
        reason: reason.into(),
    }
}

fn parse_passwd(text: &str) -> Result<Vec<Passwd>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 7 {
            return Err(bad(
                "passwd",
                i + 1,
                format!("expected 7 fields, found {}", fields.len()),
            ));
        }
        let id = |s: &str| {
            s.parse::<u32>()
                .map_err(|_| bad("passwd", i + 1, format!("'{s}' is not a number")))
        };
        out.push(Passwd {
            name: fields[0].to_owned(),
            uid: id(fields[2])?,
            gid: id(fields[3])?,
            line: line.to_owned(),
        });
    }
    Ok(out)
}

fn parse_group(text: &str) -> Result<Vec<Group>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 4 {
            return Err(bad(
                "group",
                i + 1,
                format!("expected 4 fields, found {}", fields.len()),
            ));
        }
        out.push(Group {
            name: fields[0].to_owned(),
            password: fields[1].to_owned(),
            gid: fields[2]
                .parse()
                .map_err(|_| bad("group", i + 1, format!("'{}' is not a number", fields[2])))?,
            members: split_members(fields[3]),
        });
    }
    Ok(out)
}

fn split_members(field: &str) -> Vec<String> {
    field
        .split(',')
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `NAME:…` lines of shadow/gshadow, by name, in order.
fn name_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            (
                l.split(':').next().unwrap_or_default().to_owned(),
                l.to_owned(),
            )
        })
        .collect()
}

/// Picks an id: counting up (`up`) or down through `range`, skipping `used`.
fn allocate(
    kind: &'static str,
    name: &str,
    range: (u32, u32),
    up: bool,
    used: &BTreeSet<u32>,
) -> Result<u32, Error> {
    let mut candidates: Box<dyn Iterator<Item = u32>> = if up {
        Box::new(range.0..=range.1)
    } else {
        Box::new((range.0..=range.1).rev())
    };
    candidates
        .find(|id| !used.contains(id))
        .ok_or_else(|| Error::IdsExhausted {
            kind,
            name: name.to_owned(),
            low: range.0,
            high: range.1,
        })
}

/// Managed users are placed by the configuration; everyone else listed in
/// `existing` stays (unless `keep_others` is false), then `added` follows,
/// sorted.
fn members(
    existing: &[String],
    managed_users: &BTreeSet<String>,
    keep_others: bool,
    added: &BTreeSet<String>,
) -> Vec<String> {
    let mut out: Vec<String> = if keep_others {
        existing
            .iter()
            .filter(|m| !managed_users.contains(*m) && !added.contains(*m))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    out.retain(|m| seen.insert(m.clone()));
    out.extend(added.iter().cloned());
    out
}

/// Applies `plan` to `files`, given the id `state` of the last activation.
pub(crate) fn compute(
    plan: &ActivationPlan,
    files: &AccountFiles,
    state: &IdState,
) -> Result<Accounts, Error> {
    let mut warnings = Vec::new();
    let passwd = parse_passwd(&files.passwd)?;
    let groups = parse_group(&files.group)?;

    let declared_users: BTreeSet<String> = plan.users.keys().cloned().collect();
    let declared_groups: BTreeSet<String> = plan.groups.keys().cloned().collect();
    let managed_users: BTreeSet<String> = state.users.union(&declared_users).cloned().collect();

    // ---- groups ------------------------------------------------------
    let removed_groups: BTreeSet<&String> = state.groups.difference(&declared_groups).collect();
    let existing_groups: BTreeMap<&str, &Group> =
        groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let mut gid_of: BTreeMap<String, u32> = BTreeMap::new();
    let mut used_gids: BTreeSet<u32> = groups
        .iter()
        .filter(|g| !removed_groups.contains(&g.name) || declared_groups.contains(&g.name))
        .map(|g| g.gid)
        .collect();
    used_gids.extend(state.gid_map.values().copied());
    used_gids.extend(plan.groups.values().filter_map(|g| g.gid));
    let mut pending = Vec::new();
    for (name, spec) in &plan.groups {
        let existing = existing_groups.get(name.as_str()).map(|g| g.gid);
        let gid = match (spec.gid, existing) {
            (Some(fixed), Some(current)) if fixed != current && plan.mutable_users => {
                warnings.push(format!(
                    "not applying GID change of group '{name}' ({current} -> {fixed}) in mutable mode"
                ));
                Some(current)
            }
            (Some(fixed), _) => Some(fixed),
            (None, Some(current)) => Some(current),
            (None, None) => state
                .gid_map
                .get(name)
                .copied()
                .filter(|gid| !groups.iter().any(|g| g.gid == *gid && &g.name != name)),
        };
        match gid {
            Some(gid) => {
                gid_of.insert(name.clone(), gid);
            }
            None => pending.push(name),
        }
    }
    for name in pending {
        let gid = allocate("gid", name, SYSTEM_IDS, false, &used_gids)?;
        used_gids.insert(gid);
        gid_of.insert(name.clone(), gid);
    }

    // Which declared users want to be in which group.
    let mut wanted: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (user, spec) in &plan.users {
        for group in &spec.extra_groups {
            wanted.entry(group).or_default().insert(user.clone());
        }
    }
    for (name, spec) in &plan.groups {
        wanted
            .entry(name)
            .or_default()
            .extend(spec.members.iter().cloned());
    }

    let mut out_groups: Vec<Group> = Vec::new();
    let mut group_ids: BTreeMap<String, u32> = BTreeMap::new();
    for group in &groups {
        if removed_groups.contains(&group.name) && !declared_groups.contains(&group.name) {
            continue;
        }
        if declared_groups.contains(&group.name) {
            continue; // written below
        }
        let added = wanted.get(group.name.as_str()).cloned().unwrap_or_default();
        out_groups.push(Group {
            members: members(&group.members, &managed_users, true, &added),
            ..group.clone()
        });
    }
    for name in plan.groups.keys() {
        let existing = existing_groups.get(name.as_str());
        let added = wanted.get(name.as_str()).cloned().unwrap_or_default();
        let old_members = existing.map(|g| g.members.clone()).unwrap_or_default();
        out_groups.push(Group {
            name: name.clone(),
            password: "x".to_owned(),
            gid: gid_of[name],
            members: members(&old_members, &managed_users, plan.mutable_users, &added),
        });
    }
    for (group, users) in &wanted {
        if !out_groups.iter().any(|g| g.name == *group) {
            for user in users {
                warnings.push(format!(
                    "user '{user}' is to be a member of group '{group}', which does not exist; skipped"
                ));
            }
        }
    }
    out_groups.sort_by(|a, b| (a.gid, &a.name).cmp(&(b.gid, &b.name)));
    for group in &out_groups {
        group_ids.insert(group.name.clone(), group.gid);
    }

    // ---- users -------------------------------------------------------
    let removed_users: BTreeSet<&String> = state.users.difference(&declared_users).collect();
    let existing_users: BTreeMap<&str, &Passwd> =
        passwd.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut used_uids: BTreeSet<u32> = passwd
        .iter()
        .filter(|p| !removed_users.contains(&p.name))
        .map(|p| p.uid)
        .collect();
    used_uids.extend(state.uid_map.values().copied());
    used_uids.extend(plan.users.values().filter_map(|u| u.uid));
    let mut uid_of: BTreeMap<&str, u32> = BTreeMap::new();
    let mut pending: Vec<(&String, &UserSpec)> = Vec::new();
    for (name, spec) in &plan.users {
        let existing = existing_users.get(name.as_str()).map(|p| p.uid);
        let uid = match (spec.uid, existing) {
            (Some(fixed), Some(current)) if fixed != current && plan.mutable_users => {
                warnings.push(format!(
                    "not applying UID change of user '{name}' ({current} -> {fixed}) in mutable mode"
                ));
                Some(current)
            }
            (Some(fixed), _) => Some(fixed),
            (None, Some(current)) => Some(current),
            (None, None) => state
                .uid_map
                .get(name)
                .copied()
                .filter(|uid| !passwd.iter().any(|p| p.uid == *uid && &p.name != name)),
        };
        match uid {
            Some(uid) => {
                uid_of.insert(name, uid);
            }
            None => pending.push((name, spec)),
        }
    }
    for (name, spec) in pending {
        let uid = if spec.is_normal_user || !spec.is_system_user {
            allocate("uid", name, NORMAL_UIDS, true, &used_uids)?
        } else {
            allocate("uid", name, SYSTEM_IDS, false, &used_uids)?
        };
        used_uids.insert(uid);
        uid_of.insert(name, uid);
    }

    let mut out_passwd: Vec<Passwd> = passwd
        .iter()
        .filter(|p| !managed_users.contains(&p.name))
        .cloned()
        .collect();
    let mut managed_lines: BTreeMap<&'static str, BTreeMap<String, String>> = BTreeMap::new();
    for (name, spec) in &plan.users {
        let gid = *group_ids
            .get(&spec.group)
            .ok_or_else(|| Error::UnknownGroup {
                user: name.clone(),
                group: spec.group.clone(),
            })?;
        let uid = uid_of[name.as_str()];
        let line = format!(
            "{name}:x:{uid}:{gid}:{}:{}:{}",
            spec.description, spec.home, spec.shell
        );
        managed_lines
            .entry("passwd")
            .or_default()
            .insert(name.clone(), line.clone());
        out_passwd.push(Passwd {
            name: name.clone(),
            uid,
            gid,
            line,
        });
    }
    out_passwd.sort_by(|a, b| (a.uid, &a.name).cmp(&(b.uid, &b.name)));

    // ---- shadow ------------------------------------------------------
    let shadow = name_lines(&files.shadow);
    let shadow_by_name: BTreeMap<&str, &str> = shadow
        .iter()
        .map(|(n, l)| (n.as_str(), l.as_str()))
        .collect();
    let mut shadow_of: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in &plan.users {
        let current = shadow_by_name.get(name.as_str()).copied();
        let current_hash = current.and_then(|l| l.split(':').nth(1));
        let line = match (&spec.hashed_password, current) {
            (Some(hash), Some(line)) if current_hash == Some(hash.as_str()) => line.to_owned(),
            (Some(hash), _) => format!("{name}:{hash}:1::::::"),
            (None, Some(line)) if plan.mutable_users => line.to_owned(),
            (None, _) => format!("{name}:!:1::::::"),
        };
        if spec.hashed_password.is_some() || !plan.mutable_users {
            managed_lines
                .entry("shadow")
                .or_default()
                .insert(name.clone(), line.clone());
        }
        shadow_of.insert(name.clone(), line);
    }
    for (name, line) in &shadow {
        if !managed_users.contains(name) {
            shadow_of
                .entry(name.clone())
                .or_insert_with(|| line.clone());
        }
    }
    let mut out_shadow = String::new();
    let mut placed = BTreeSet::new();
    for p in &out_passwd {
        if let Some(line) = shadow_of.get(&p.name) {
            out_shadow.push_str(line);
            out_shadow.push('\n');
            placed.insert(p.name.clone());
        }
    }
    for (name, line) in &shadow {
        if !placed.contains(name) && !managed_users.contains(name) {
            out_shadow.push_str(line);
            out_shadow.push('\n');
        }
    }

    // ---- gshadow -----------------------------------------------------
    let gshadow = name_lines(&files.gshadow);
    let gshadow_by_name: BTreeMap<&str, &str> = gshadow
        .iter()
        .map(|(n, l)| (n.as_str(), l.as_str()))
        .collect();
    let mut out_gshadow = String::new();
    let mut placed = BTreeSet::new();
    for group in &out_groups {
        let is_managed = declared_groups.contains(&group.name);
        let line = match gshadow_by_name.get(group.name.as_str()) {
            Some(line) if !is_managed => {
                let fields: Vec<&str> = line.splitn(4, ':').collect();
                if fields.len() == 4 {
                    let added = wanted.get(group.name.as_str()).cloned().unwrap_or_default();
                    let kept = members(&split_members(fields[3]), &managed_users, true, &added);
                    Some(format!(
                        "{}:{}:{}:{}",
                        fields[0],
                        fields[1],
                        fields[2],
                        kept.join(",")
                    ))
                } else {
                    Some((*line).to_owned())
                }
            }
            _ if is_managed => Some(format!("{}:!::{}", group.name, group.members.join(","))),
            _ => None,
        };
        if let Some(line) = line {
            if is_managed {
                managed_lines
                    .entry("gshadow")
                    .or_default()
                    .insert(group.name.clone(), line.clone());
            }
            out_gshadow.push_str(&line);
            out_gshadow.push('\n');
            placed.insert(group.name.clone());
        }
    }
    for (name, line) in &gshadow {
        if !placed.contains(name) && !state.groups.contains(name) && !declared_groups.contains(name)
        {
            out_gshadow.push_str(line);
            out_gshadow.push('\n');
        }
    }

    let mut out_group = String::new();
    for group in &out_groups {
        let line = format!(
            "{}:{}:{}:{}",
            group.name,
            group.password,
            group.gid,
            group.members.join(",")
        );
        if declared_groups.contains(&group.name) {
            managed_lines
                .entry("group")
                .or_default()
                .insert(group.name.clone(), line.clone());
        }
        out_group.push_str(&line);
        out_group.push('\n');
    }
    let out_passwd_text: String = out_passwd.iter().map(|p| format!("{}\n", p.line)).collect();

    let mut new_state = state.clone();
    for (name, uid) in &uid_of {
        new_state.uid_map.insert((*name).to_owned(), *uid);
    }
    for (name, gid) in &gid_of {
        new_state.gid_map.insert(name.clone(), *gid);
    }
    new_state.users = declared_users;
    new_state.groups = declared_groups;

    Ok(Accounts {
        files: AccountFiles {
            passwd: out_passwd_text,
            group: out_group,
            shadow: out_shadow,
            gshadow: out_gshadow,
        },
        state: new_state,
        user_ids: out_passwd
            .iter()
            .map(|p| (p.name.clone(), (p.uid, p.gid)))
            .collect(),
        group_ids,
        managed_lines,
        warnings,
    })
}

/// The `(uid, gid)` of `name` in passwd text, for owners of /etc copies
/// when the users step is not run (status).
pub(crate) fn lookup_ids(files: &AccountFiles) -> (BTreeMap<String, u32>, BTreeMap<String, u32>) {
    let users = files
        .passwd
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
        })
        .collect();
    let groups = files
        .group
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
        })
        .collect();
    (users, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::GroupSpec;

    const DEBIAN_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    const DEBIAN_GROUP: &str = "root:x:0:\nwheel:x:10:\nusers:x:100:\nnogroup:x:65534:\n";
    const DEBIAN_SHADOW: &str = "root:$6$root:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n";

    fn debian() -> AccountFiles {
        AccountFiles {
            passwd: DEBIAN_PASSWD.to_owned(),
            group: DEBIAN_GROUP.to_owned(),
            shadow: DEBIAN_SHADOW.to_owned(),
            gshadow: "root:*::\nwheel:*::\nusers:*::\n".to_owned(),
        }
    }

    fn user(normal: bool) -> UserSpec {
        UserSpec {
            uid: None,
            group: "users".into(),
            extra_groups: vec!["wheel".into()],
            description: String::new(),
            home: "/home/x".into(),
            create_home: true,
            shell: "/bin/sh".into(),
            hashed_password: None,
            is_system_user: !normal,
            is_normal_user: normal,
            authorized_keys: vec![],
        }
    }

    fn plan(users: &[(&str, UserSpec)]) -> ActivationPlan {
        ActivationPlan {
            version: 1,
            label: "t".into(),
            host_name: None,
            time_zone: None,
            etc: BTreeMap::new(),
            users: users
                .iter()
                .map(|(n, u)| ((*n).to_owned(), u.clone()))
                .collect(),
            groups: BTreeMap::from([(
                "svc".to_owned(),
                GroupSpec {
                    gid: None,
                    members: vec![],
                },
            )]),
            mutable_users: true,
            boot_entry: None,
            boot_loader: crate::plan::BootLoader::default(),
        }
    }

    #[test]
    fn allocates_like_nixos_and_keeps_unmanaged_entries() {
        let out = compute(
            &plan(&[
                ("alice", user(true)),
                ("bob", user(true)),
                ("svc", user(false)),
            ]),
            &debian(),
            &IdState::default(),
        )
        .unwrap();
        assert_eq!(
            out.files.passwd,
            "root:x:0:0:root:/root:/bin/bash\n\
             daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
             svc:x:999:100::/home/x:/bin/sh\n\
             alice:x:1000:100::/home/x:/bin/sh\n\
             bob:x:1001:100::/home/x:/bin/sh\n\
             nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        );
        assert_eq!(
            out.files.group,
            "root:x:0:\nwheel:x:10:alice,bob,svc\nusers:x:100:\nsvc:x:999:\nnogroup:x:65534:\n"
        );
        assert_eq!(
            out.files.shadow,
            "root:$6$root:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n\
             svc:!:1::::::\nalice:!:1::::::\nbob:!:1::::::\n"
        );
        assert_eq!(
            out.files.gshadow,
            "root:*::\nwheel:*::alice,bob,svc\nusers:*::\nsvc:!::\n"
        );
        assert_eq!(out.state.uid_map["svc"], 999);
        assert_eq!(out.state.gid_map["svc"], 999);
    }

    #[test]
    fn removed_users_leave_and_get_their_uid_back() {
        let files = debian();
        let both = compute(
            &plan(&[("alice", user(true)), ("bob", user(true))]),
            &files,
            &IdState::default(),
        )
        .unwrap();
        let alice_only =
            compute(&plan(&[("alice", user(true))]), &both.files, &both.state).unwrap();
        assert!(!alice_only.files.passwd.contains("bob"));
        assert!(!alice_only.files.shadow.contains("bob"));
        assert!(alice_only.files.group.contains("wheel:x:10:alice\n"));
        // carol arrives while bob is away: bob's 1001 is not handed out.
        let with_carol = compute(
            &plan(&[("alice", user(true)), ("carol", user(true))]),
            &alice_only.files,
            &alice_only.state,
        )
        .unwrap();
        assert_eq!(with_carol.user_ids["carol"].0, 1002);
        let back = compute(
            &plan(&[("alice", user(true)), ("bob", user(true))]),
            &with_carol.files,
            &with_carol.state,
        )
        .unwrap();
        assert_eq!(back.user_ids["bob"].0, 1001);
        assert_eq!(back.files, both.files);
    }

    #[test]
    fn passwords() {
        let mut files = debian();
        let mut alice = user(true);
        let first = compute(
            &plan(&[("alice", alice.clone())]),
            &files,
            &IdState::default(),
        )
        .unwrap();
        // alice runs passwd.
        files = first.files.clone();
        files.shadow = files
            .shadow
            .replace("alice:!:1::::::", "alice:$y$set:20000:0:99999:7:::");
        let kept = compute(&plan(&[("alice", alice.clone())]), &files, &first.state).unwrap();
        assert!(
            kept.files
                .shadow
                .contains("alice:$y$set:20000:0:99999:7:::\n")
        );
        let mut immutable = plan(&[("alice", alice.clone())]);
        immutable.mutable_users = false;
        let locked = compute(&immutable, &files, &first.state).unwrap();
        assert!(locked.files.shadow.contains("alice:!:1::::::\n"));
        alice.hashed_password = Some("$6$declared".into());
        let declared = compute(&plan(&[("alice", alice)]), &files, &first.state).unwrap();
        assert!(
            declared
                .files
                .shadow
                .contains("alice:$6$declared:1::::::\n")
        );
    }

    #[test]
    fn unknown_primary_group_is_an_error() {
        let mut alice = user(true);
        alice.group = "nope".into();
        let err = compute(&plan(&[("alice", alice)]), &debian(), &IdState::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "user 'alice' has primary group 'nope', which is neither declared nor in /etc/group"
        );
    }

    #[test]
    fn output_is_a_fixed_point() {
        let p = plan(&[("alice", user(true)), ("svc", user(false))]);
        let once = compute(&p, &debian(), &IdState::default()).unwrap();
        let twice = compute(&p, &once.files, &once.state).unwrap();
        assert_eq!(once.files, twice.files);
        assert_eq!(once.state, twice.state);
    }
}
