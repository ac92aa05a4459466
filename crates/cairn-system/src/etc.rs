//! `/etc`: NixOS's `/etc/static` scheme with a manifest of what cairn owns.
//!
//! `ROOT/etc/static` is a symlink to the toplevel's `etc` tree, replaced
//! atomically (new link under a temporary name, `rename`). Each entry of the
//! plan becomes `ROOT/etc/REL → /etc/static/REL` (mode `symlink`; switching
//! systems then only repoints `/etc/static`), `ROOT/etc/REL → SOURCE`
//! (`direct-symlink`) or a copy with its mode and owner. cairn adds entries
//! of its own: `hostname` (a copy, `NAME\n`), `localtime` (a symlink to
//! `/etc/zoneinfo/ZONE`, as NixOS's `time.timeZone` does; the modules are
//! expected to provide `/etc/zoneinfo`) and `ssh/authorized_keys.d/USER`
//! (copies, mode 0444). A plan entry with the same name wins over cairn's
//! own.
//!
//! `ROOT/var/lib/cairn/etc-manifest.json` records every entry cairn wrote
//! (symlink target, or the sha256, mode and owner of a copy) and the
//! directories it created. With it, the next activation removes entries no
//! longer declared (only if they are still as cairn left them: an entry
//! edited by hand stays, with a warning), prunes the directories it
//! created once empty, and `status` finds drift.
//!
//! A path the new configuration wants that exists and is not in the
//! manifest is a clash, unless it already is exactly what would be written
//! (then cairn adopts it). All clashes are collected before anything is
//! written; the error lists them all.
//!
//! Ownership: copies are `chown`ed to the owner resolved through the *new*
//! passwd and group (`root` is 0 even when no passwd names it yet, as in
//! an empty scratch root). When the root is not `/` a `chown` refused with
//! `EPERM` is skipped (an unprivileged user preparing a scratch root gets
//! files it owns); at `/` it is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use cairn_hash::{Hash, HashAlgo};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::plan::{ActivationPlan, EtcMode};
use crate::toplevel::Toplevel;

/// The manifest format version.
const MANIFEST_VERSION: u32 = 1;

/// Where the manifest lives, relative to the root.
pub(crate) const MANIFEST_PATH: &str = "var/lib/cairn/etc-manifest.json";

/// What an /etc entry should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Desired {
    /// A symlink with this target.
    Symlink(PathBuf),
    /// A regular file.
    File {
        content: Vec<u8>,
        mode: u32,
        uid: u32,
        gid: u32,
    },
}

impl Desired {
    pub(crate) fn record(&self) -> ManifestEntry {
        match self {
            Desired::Symlink(target) => ManifestEntry::Symlink {
                target: target.clone(),
            },
            Desired::File {
                content,
                mode,
                uid,
                gid,
            } => ManifestEntry::Copy {
                sha256: sha256(content),
                mode: format!("{mode:04o}"),
                uid: *uid,
                gid: *gid,
            },
        }
    }
}

/// One managed entry in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ManifestEntry {
    /// A symlink cairn made.
    Symlink {
        /// Its target.
        target: PathBuf,
    },
    /// A file cairn copied.
    Copy {
        /// The sha256 of its content, base16.
        sha256: String,
        /// Its permission bits, octal.
        mode: String,
        /// Its owner.
        uid: u32,
        /// Its group.
        gid: u32,
    },
}

/// `ROOT/var/lib/cairn/etc-manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EtcManifest {
    /// Always 1.
    pub version: u32,
    /// Managed entries, by path relative to /etc.
    pub entries: BTreeMap<String, ManifestEntry>,
    /// Directories under /etc that cairn created, relative to /etc.
    pub directories: BTreeSet<String>,
}

impl EtcManifest {
    pub(crate) fn read(root: &Path) -> Result<EtcManifest, Error> {
        let path = root.join(MANIFEST_PATH);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let manifest: EtcManifest =
                    serde_json::from_slice(&bytes).map_err(|source| Error::PlanSyntax {
                        path: path.clone(),
                        source,
                    })?;
                if manifest.version != MANIFEST_VERSION {
                    return Err(Error::BadStateFile {
                        path,
                        line: 0,
                        reason: format!("manifest version {} is not supported", manifest.version),
                    });
                }
                Ok(manifest)
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(EtcManifest {
                version: MANIFEST_VERSION,
                ..EtcManifest::default()
            }),
            Err(err) => Err(cairn_util::Error::new(cairn_util::Operation::Read, path, err).into()),
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serialises");
        s.push('\n');
        s
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    Hash::digest(HashAlgo::Sha256, bytes).to_base16()
}

/// The /etc entries `plan` wants, with owners resolved through `users` and
/// `groups` (name → id).
pub(crate) fn desired(
    plan: &ActivationPlan,
    toplevel: &Toplevel,
    users: &BTreeMap<String, u32>,
    groups: &BTreeMap<String, u32>,
) -> Result<BTreeMap<String, Desired>, Error> {
    let mut out = BTreeMap::new();
    for (rel, entry) in &plan.etc {
        let desired = match entry.parsed_mode().expect("validated plan") {
            EtcMode::Symlink => Desired::Symlink(Path::new("/etc/static").join(rel)),
            EtcMode::DirectSymlink => Desired::Symlink(entry.source.clone()),
            EtcMode::Copy(mode) => {
                let physical = toplevel.resolve(&entry.source)?;
                let meta = cairn_util::fs::metadata(&physical)?;
                if !meta.is_file() {
                    return Err(Error::NotAFile {
                        entry: rel.clone(),
                        source_path: entry.source.clone(),
                    });
                }
                // `root` is 0 even before a passwd declares it.
                let owner = |kind, map: &BTreeMap<String, u32>, name: &String| {
                    let fallback = (name == "root").then_some(0);
                    map.get(name)
                        .copied()
                        .or(fallback)
                        .ok_or_else(|| Error::UnknownOwner {
                            entry: rel.clone(),
                            kind,
                            name: name.clone(),
                        })
                };
                Desired::File {
                    content: cairn_util::fs::read(&physical)?,
                    mode,
                    uid: owner("user", users, &entry.user)?,
                    gid: owner("group", groups, &entry.group)?,
                }
            }
        };
        out.insert(rel.clone(), desired);
    }
    if let Some(host) = &plan.host_name {
        out.entry("hostname".to_owned()).or_insert(Desired::File {
            content: format!("{host}\n").into_bytes(),
            mode: 0o644,
            uid: 0,
            gid: 0,
        });
    }
    if let Some(zone) = &plan.time_zone {
        out.entry("localtime".to_owned())
            .or_insert(Desired::Symlink(Path::new("/etc/zoneinfo").join(zone)));
    }
    for (name, user) in &plan.users {
        if !user.authorized_keys.is_empty() {
            let content: String = user
                .authorized_keys
                .iter()
                .map(|k| format!("{k}\n"))
                .collect();
            out.entry(format!("ssh/authorized_keys.d/{name}"))
                .or_insert(Desired::File {
                    content: content.into_bytes(),
                    mode: 0o444,
                    uid: 0,
                    gid: 0,
                });
        }
    }
    // An entry may not sit below another entry.
    for rel in out.keys() {
        for ancestor in Path::new(rel).ancestors().skip(1) {
            let ancestor = ancestor.to_string_lossy();
            if !ancestor.is_empty() && out.contains_key(ancestor.as_ref()) {
                return Err(Error::InvalidPlan {
                    path: toplevel.path().join(crate::plan::PLAN_FILE),
                    reason: format!("etc entry '{rel}' is inside etc entry '{ancestor}'"),
                });
            }
        }
    }
    Ok(out)
}

/// What is on disk at an /etc path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    Missing,
    Symlink(PathBuf),
    File {
        sha256: String,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Directory,
    Other,
}

pub(crate) fn inspect(path: &Path) -> Result<Found, Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(err) if err.raw_os_error() == Some(20) => return Ok(Found::Missing), // ENOTDIR
        Err(err) => {
            return Err(cairn_util::Error::new(cairn_util::Operation::Stat, path, err).into());
        }
    };
    let ft = meta.file_type();
    Ok(if ft.is_symlink() {
        Found::Symlink(cairn_util::fs::read_link(path)?)
    } else if ft.is_file() {
        Found::File {
            sha256: sha256(&cairn_util::fs::read(path)?),
            mode: meta.permissions().mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
        }
    } else if ft.is_dir() {
        Found::Directory
    } else {
        Found::Other
    })
}

/// Whether what is on disk is exactly the manifest record (owner only
/// compared when `check_owner`).
pub(crate) fn matches(found: &Found, record: &ManifestEntry, check_owner: bool) -> bool {
    match (found, record) {
        (Found::Symlink(t), ManifestEntry::Symlink { target }) => t == target,
        (
            Found::File {
                sha256: h,
                mode: m,
                uid: u,
                gid: g,
            },
            ManifestEntry::Copy {
                sha256,
                mode,
                uid,
                gid,
            },
        ) => h == sha256 && format!("{m:04o}") == *mode && (!check_owner || (u == uid && g == gid)),
        _ => false,
    }
}

/// Everything the etc step will do, decided before anything is written.
#[derive(Debug, Default)]
pub(crate) struct EtcChanges {
    pub(crate) static_target: PathBuf,
    pub(crate) write: BTreeMap<String, Desired>,
    pub(crate) remove: Vec<String>,
    pub(crate) left_in_place: Vec<String>,
    pub(crate) new_manifest: EtcManifest,
    pub(crate) intent_manifest: EtcManifest,
}

/// Compares `desired` with what is under `root/etc` and the old manifest.
/// Fails with [`Error::Clash`] listing every unmanaged path in the way.
pub(crate) fn prepare(
    root: &Path,
    toplevel: &Toplevel,
    desired: &BTreeMap<String, Desired>,
    old: &EtcManifest,
    scratch: bool,
) -> Result<EtcChanges, Error> {
    let etc = root.join("etc");
    let mut clashes = BTreeSet::new();
    match inspect(&etc)? {
        Found::Missing | Found::Directory => {}
        _ => {
            clashes.insert(etc.clone());
        }
    }
    match inspect(&etc.join("static"))? {
        Found::Missing | Found::Symlink(_) => {}
        _ => {
            clashes.insert(etc.join("static"));
        }
    }
    let mut changes = EtcChanges {
        static_target: toplevel.path().join("etc"),
        ..EtcChanges::default()
    };
    // Stale entries: removed if still as cairn left them.
    for (rel, record) in &old.entries {
        if desired.contains_key(rel) {
            continue;
        }
        match inspect(&etc.join(rel))? {
            Found::Missing => {}
            found if matches(&found, record, false) => changes.remove.push(rel.clone()),
            _ => changes.left_in_place.push(rel.clone()),
        }
    }
    let removed: BTreeSet<&str> = changes.remove.iter().map(String::as_str).collect();
    let mut new_dirs = BTreeSet::new();
    for (rel, want) in desired {
        // Ancestors must be directories, or missing, or entries on their
        // way out.
        let rel_path = Path::new(rel);
        let mut prefix = PathBuf::new();
        let components: Vec<_> = rel_path.components().collect();
        let mut blocked = false;
        for component in &components[..components.len() - 1] {
            prefix.push(component);
            let prefix_str = prefix.to_string_lossy().into_owned();
            match inspect(&etc.join(&prefix))? {
                Found::Directory => {
                    if old.directories.contains(&prefix_str) {
                        new_dirs.insert(prefix_str);
                    }
                }
                Found::Missing => {
                    new_dirs.insert(prefix_str);
                }
                _ if removed.contains(prefix_str.as_str()) => {
                    new_dirs.insert(prefix_str);
                }
                _ => {
                    clashes.insert(etc.join(&prefix));
                    blocked = true;
                    break;
                }
            }
        }
        if blocked {
            continue;
        }
        let found = inspect(&etc.join(rel))?;
        let record = want.record();
        let same = matches(&found, &record, !scratch);
        let ok = match &found {
            Found::Missing => true,
            Found::Directory | Found::Other => false,
            _ => same || old.entries.contains_key(rel),
        };
        if !ok {
            clashes.insert(etc.join(rel));
            continue;
        }
        if !same {
            changes.write.insert(rel.clone(), want.clone());
        }
    }
    if !clashes.is_empty() {
        return Err(Error::Clash {
            paths: clashes.into_iter().collect(),
        });
    }
    changes.new_manifest = EtcManifest {
        version: MANIFEST_VERSION,
        entries: desired
            .iter()
            .map(|(k, v)| (k.clone(), v.record()))
            .collect(),
        directories: new_dirs,
    };
    let mut intent = old.clone();
    intent.version = MANIFEST_VERSION;
    intent.entries.extend(
        changes
            .new_manifest
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    intent
        .directories
        .extend(changes.new_manifest.directories.iter().cloned());
    changes.intent_manifest = intent;
    for rel in &changes.left_in_place {
        changes.new_manifest.entries.remove(rel);
    }
    Ok(changes)
}

/// Applies prepared changes. `intent` must already be on disk.
pub(crate) fn apply(
    root: &Path,
    changes: &EtcChanges,
    old: &EtcManifest,
    scratch: bool,
) -> Result<(), Error> {
    let etc = root.join("etc");
    cairn_util::fs::create_dir_all(&etc)?;
    replace_symlink(&etc.join("static"), &changes.static_target)?;
    // Directories whose entries changed, flushed once each at the end
    // rather than after every entry (hundreds of fsyncs otherwise).
    let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
    for rel in &changes.remove {
        let path = etc.join(rel);
        cairn_util::fs::remove_file(&path)?;
        touched.extend(path.parent().map(Path::to_owned));
    }
    // Directories cairn created and no longer needs, deepest first.
    let mut stale: Vec<&String> = old
        .directories
        .iter()
        .filter(|d| !changes.new_manifest.directories.contains(*d))
        .collect();
    stale.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    for dir in stale {
        // Only when empty: anything else put there is not ours to delete.
        let _ = std::fs::remove_dir(etc.join(dir));
    }
    for (rel, want) in &changes.write {
        let path = etc.join(rel);
        if let Some(parent) = path.parent() {
            create_dirs(parent)?;
        }
        // A managed entry turned into something else (a directory) cannot
        // be renamed over; it was checked to be ours.
        match want {
            Desired::Symlink(target) => {
                if replace_symlink_unsynced(&path, target)? {
                    touched.extend(path.parent().map(Path::to_owned));
                }
            }
            Desired::File {
                content,
                mode,
                uid,
                gid,
            } => write_file(&path, content, *mode, Some((*uid, *gid)), scratch)?,
        }
    }
    for dir in touched.iter().filter(|d| d.is_dir()) {
        cairn_util::fs::sync_dir(dir)?;
    }
    Ok(())
}

/// Creates missing directories, mode 0755.
pub(crate) fn create_dirs(dir: &Path) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {
            cairn_util::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(cairn_util::Error::new(cairn_util::Operation::CreateDir, dir, err).into()),
    }
}

/// Points `link` at `target` atomically: a new link under a temporary name
/// renamed over the old one.
pub(crate) fn replace_symlink(link: &Path, target: &Path) -> Result<(), Error> {
    if replace_symlink_unsynced(link, target)?
        && let Some(parent) = link.parent()
    {
        cairn_util::fs::sync_dir(parent)?;
    }
    Ok(())
}

/// [`replace_symlink`] without flushing the directory; `false` when the
/// link was already right.
fn replace_symlink_unsynced(link: &Path, target: &Path) -> Result<bool, Error> {
    if std::fs::read_link(link).is_ok_and(|current| current == target) {
        return Ok(false);
    }
    let name = link
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = link.with_file_name(format!(".{name}.cairn-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    cairn_util::fs::symlink(target, &temp)?;
    if let Err(err) = cairn_util::fs::rename(&temp, link) {
        let _ = std::fs::remove_file(&temp);
        return Err(err.into());
    }
    Ok(true)
}

/// Writes `content` to `path` atomically with `mode` and, if given, owner.
pub(crate) fn write_file(
    path: &Path,
    content: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
    scratch: bool,
) -> Result<(), Error> {
    let mut file = cairn_util::AtomicFile::create(path)?;
    file.write_all(content).map_err(|err| {
        cairn_util::Error::new(cairn_util::Operation::Write, file.temp_path(), err)
    })?;
    if let Some((uid, gid)) = owner {
        chown(file.as_file(), file.temp_path(), uid, gid, scratch)?;
    }
    // After chown, which clears set-id bits.
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|err| {
            cairn_util::Error::new(cairn_util::Operation::SetPermissions, file.temp_path(), err)
        })?;
    file.commit()?;
    Ok(())
}

/// `fchown`, tolerating `EPERM` in scratch roots.
pub(crate) fn chown(
    file: &std::fs::File,
    path: &Path,
    uid: u32,
    gid: u32,
    scratch: bool,
) -> Result<(), Error> {
    let meta = file
        .metadata()
        .map_err(|err| cairn_util::Error::new(cairn_util::Operation::Stat, path, err))?;
    if meta.uid() == uid && meta.gid() == gid {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(uid), Some(gid)) {
        Ok(()) => Ok(()),
        Err(err) if scratch && err.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
        Err(source) => Err(Error::Chown {
            path: path.to_owned(),
            uid,
            gid,
            source,
        }),
    }
}
