//! Fake systems: a scratch root with Debian-like account files, and
//! toplevels laid out like the system modules build them (an `etc` tree of
//! symlinks into the store, unit files, `activation-plan.json`) under a
//! store root, at logical `/nix/store/…` paths.

use std::collections::BTreeMap;
use std::hash::{Hash as _, Hasher as _};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use cairn_system::Toplevel;
use serde_json::{Value, json};

pub(crate) const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
pub(crate) const GROUP: &str = "root:x:0:\nwheel:x:10:\nusers:x:100:\nnogroup:x:65534:\n";
pub(crate) const SHADOW: &str = "root:$6$rootpw:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n";
pub(crate) const GSHADOW: &str = "root:*::\nwheel:*::\nusers:*::\nnogroup:*::\n";

/// A temp dir with `root/` (the system being activated) and `store/` (the
/// chroot store holding the toplevels).
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) store_root: PathBuf,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let store_root = dir.path().join("store");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(store_root.join("nix/store")).unwrap();
        for (name, content, mode) in [
            ("passwd", PASSWD, 0o644),
            ("group", GROUP, 0o644),
            ("shadow", SHADOW, 0o640),
            ("gshadow", GSHADOW, 0o640),
            ("debian_version", "13.1\n", 0o644),
        ] {
            let path = root.join("etc").join(name);
            std::fs::write(&path, content).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        Fixture {
            _dir: dir,
            root,
            store_root,
        }
    }

    /// Writes `content` as a store object named `name`; returns its logical
    /// path. Same name and content, same path.
    pub(crate) fn store_file(&self, name: &str, content: &str) -> PathBuf {
        let logical = PathBuf::from(format!("/nix/store/{}-{name}", fake_hash(&(name, content))));
        let physical = self.physical(&logical);
        if !physical.exists() {
            std::fs::write(&physical, content).unwrap();
        }
        logical
    }

    pub(crate) fn physical(&self, logical: &Path) -> PathBuf {
        self.store_root.join(logical.strip_prefix("/").unwrap())
    }

    pub(crate) fn system(&self, name: &str) -> SystemBuilder<'_> {
        SystemBuilder {
            fixture: self,
            name: name.to_owned(),
            plan: json!({"version": 1, "label": format!("25.11.{name}"), "mutableUsers": true,
                         "etc": {}, "users": {}, "groups": {}}),
            files: BTreeMap::new(),
            units: BTreeMap::new(),
        }
    }

    /// Every file and symlink under `ROOT/DIRS…`: path → description.
    pub(crate) fn snapshot(&self, dirs: &[&str]) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for dir in dirs {
            walk(&self.root, &self.root.join(dir), &mut out);
        }
        out
    }
}

fn walk(root: &Path, path: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let rel = path.strip_prefix(root).unwrap().display().to_string();
    if meta.file_type().is_symlink() {
        out.insert(
            rel,
            format!("-> {}", std::fs::read_link(path).unwrap().display()),
        );
    } else if meta.is_dir() {
        out.insert(rel, format!("dir {:o}", meta.permissions().mode() & 0o7777));
        for entry in std::fs::read_dir(path).unwrap() {
            walk(root, &entry.unwrap().path(), out);
        }
    } else {
        out.insert(
            rel,
            format!(
                "{:o} {}",
                meta.permissions().mode() & 0o7777,
                String::from_utf8_lossy(&std::fs::read(path).unwrap())
            ),
        );
    }
}

fn fake_hash(value: &impl std::hash::Hash) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    let a = hasher.finish();
    (a, 1u8).hash(&mut hasher);
    let b = hasher.finish();
    let alphabet = b"0123456789abcdfghijklmnpqrsvwxyz";
    let bits = (u128::from(a) << 64) | u128::from(b);
    (0..32)
        .map(|i| alphabet[((bits >> (i * 4)) & 31) as usize] as char)
        .collect()
}

pub(crate) struct SystemBuilder<'a> {
    fixture: &'a Fixture,
    name: String,
    plan: Value,
    /// etc rel → (content, mode)
    files: BTreeMap<String, (String, String)>,
    /// unit name → (content, wanted by)
    units: BTreeMap<String, (String, Option<String>)>,
}

impl SystemBuilder<'_> {
    pub(crate) fn set(mut self, key: &str, value: Value) -> Self {
        self.plan[key] = value;
        self
    }

    pub(crate) fn etc(mut self, rel: &str, content: &str, mode: &str) -> Self {
        self.files
            .insert(rel.to_owned(), (content.to_owned(), mode.to_owned()));
        self
    }

    pub(crate) fn user(mut self, name: &str, spec: Value) -> Self {
        self.plan["users"][name] = spec;
        self
    }

    pub(crate) fn group(mut self, name: &str, spec: Value) -> Self {
        self.plan["groups"][name] = spec;
        self
    }

    pub(crate) fn unit(mut self, name: &str, content: &str, wanted_by: Option<&str>) -> Self {
        self.units.insert(
            name.to_owned(),
            (content.to_owned(), wanted_by.map(str::to_owned)),
        );
        self
    }

    pub(crate) fn build(mut self) -> Toplevel {
        let fx = self.fixture;
        let etc_hash = fake_hash(&(&self.name, &self.files, &self.units));
        let etc_store = PathBuf::from(format!("/nix/store/{etc_hash}-etc"));
        let etc = fx.physical(&etc_store).join("etc");
        std::fs::create_dir_all(etc.join("systemd/system")).unwrap();
        for (rel, (content, mode)) in &self.files {
            let base = rel.rsplit('/').next().unwrap();
            let source = fx.store_file(base, content);
            let link = etc.join(rel);
            std::fs::create_dir_all(link.parent().unwrap()).unwrap();
            symlink(&source, &link).unwrap();
            self.plan["etc"][rel] =
                json!({"source": source, "mode": mode, "user": "root", "group": "root"});
        }
        for (name, (content, wanted_by)) in &self.units {
            let source = fx.store_file(name, content);
            symlink(&source, etc.join("systemd/system").join(name)).unwrap();
            if let Some(target) = wanted_by {
                let wants = etc.join("systemd/system").join(format!("{target}.wants"));
                std::fs::create_dir_all(&wants).unwrap();
                symlink(format!("../{name}"), wants.join(name)).unwrap();
            }
        }
        let top = PathBuf::from(format!(
            "/nix/store/{}-nixos-system-{}",
            fake_hash(&(&self.name, self.plan.to_string(), &etc_hash)),
            self.name
        ));
        let physical = fx.physical(&top);
        std::fs::create_dir_all(physical.join("sw/bin")).unwrap();
        symlink(etc_store.join("etc"), physical.join("etc")).unwrap();
        std::fs::write(physical.join("version"), format!("25.11.{}\n", self.name)).unwrap();
        std::fs::write(
            physical.join("activation-plan.json"),
            serde_json::to_string_pretty(&self.plan).unwrap(),
        )
        .unwrap();
        Toplevel::new(top, &fx.store_root)
    }
}

/// A normal user in group `users`.
pub(crate) fn normal_user(name: &str, extra: &[&str], keys: &[&str]) -> Value {
    json!({"isNormalUser": true, "group": "users", "extraGroups": extra,
           "home": format!("/home/{name}"), "createHome": true, "shell": "/run/current-system/sw/bin/bash",
           "hashedPassword": null, "authorizedKeys": keys})
}
