//! Where a built system lives, and how to read it in a chroot store.
//!
//! A toplevel is named by its logical store path (`/nix/store/…-system`),
//! which is what ends up in symlinks such as `/etc/static` and in boot
//! entries. In a chroot store (`--store DIR`) its files are at
//! `DIR/nix/store/…`, and every symlink inside it still points at logical
//! paths. [`Toplevel::resolve`] therefore walks a logical path one
//! component at a time and re-roots every absolute symlink target under the
//! store root, so reading `TOPLEVEL/etc/systemd/system/foo.service` works
//! whether the store is `/` or a scratch directory, and never leaves the
//! store root.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::plan::{ActivationPlan, PLAN_FILE};

/// The directory of a toplevel that links its specialisations.
pub const SPECIALISATION_DIR: &str = "specialisation";

/// How many symlinks one resolution may follow (Linux's `MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 40;

/// A built system: its logical store path and the root its store lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toplevel {
    path: PathBuf,
    store_root: PathBuf,
}

impl Toplevel {
    /// The toplevel at logical path `path` (absolute), with the store's
    /// files under `store_root` (`/` for the real store).
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, store_root: impl Into<PathBuf>) -> Toplevel {
        Toplevel {
            path: path.into(),
            store_root: store_root.into(),
        }
    }

    /// The logical path, e.g. `/nix/store/…-nixos-system-homelab-25.11`.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory the store's logical paths are relative to.
    #[must_use]
    pub fn store_root(&self) -> &Path {
        &self.store_root
    }

    /// Where the logical `path` is on disk, without following symlinks.
    #[must_use]
    pub fn physical(&self, logical: &Path) -> PathBuf {
        reroot(&self.store_root, logical)
    }

    /// Reads and validates `activation-plan.json`.
    ///
    /// # Errors
    /// The file cannot be read or is not a valid version-1 plan.
    pub fn plan(&self) -> Result<ActivationPlan, Error> {
        let logical = self.path.join(PLAN_FILE);
        let physical = self.resolve(&logical)?;
        let bytes = cairn_util::fs::read(&physical)?;
        ActivationPlan::parse(&logical, &bytes)
    }

    /// The specialisations built with this system
    /// (`TOPLEVEL/specialisation/NAME`, symlinks to their own toplevels),
    /// sorted by name; none when the directory does not exist.
    ///
    /// # Errors
    /// The directory or a link in it cannot be read, or a link does not
    /// point at an absolute store path.
    pub fn specialisations(&self) -> Result<Vec<(String, Toplevel)>, Error> {
        let logical = self.path.join(SPECIALISATION_DIR);
        let dir = self.resolve(&logical)?;
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for link in cairn_util::fs::read_dir_sorted(&dir)? {
            let Some(name) = link.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let target = cairn_util::fs::read_link(&link)?;
            if !target.is_absolute() {
                return Err(Error::InvalidPlan {
                    path: logical.join(&name),
                    reason: format!(
                        "a specialisation must link to a toplevel in the store, not '{}'",
                        target.display()
                    ),
                });
            }
            out.push((name, Toplevel::new(target, &self.store_root)));
        }
        Ok(out)
    }

    /// The specialisation `name` of this system.
    ///
    /// # Errors
    /// [`Error::NoSpecialisation`] (listing the ones there are) when it
    /// has none of that name, or the directory cannot be read.
    pub fn specialisation(&self, name: &str) -> Result<Toplevel, Error> {
        let mut all = self.specialisations()?;
        match all.iter().position(|(n, _)| n == name) {
            Some(i) => Ok(all.swap_remove(i).1),
            None => Err(Error::NoSpecialisation {
                toplevel: self.path.clone(),
                name: name.to_owned(),
                available: all.into_iter().map(|(n, _)| n).collect(),
            }),
        }
    }

    /// The on-disk path of logical `path`, following every symlink on the
    /// way (the last one too) with absolute targets re-rooted under the
    /// store root. A missing component ends the walk early: the result then
    /// names a path that does not exist, as `realpath -m` would.
    ///
    /// # Errors
    /// A symlink cannot be read, or more than 40 were followed.
    pub fn resolve(&self, logical: &Path) -> Result<PathBuf, Error> {
        let mut done = PathBuf::from("/");
        let mut todo: Vec<OsString> = components_reversed(logical);
        let mut followed = 0;
        while let Some(component) = todo.pop() {
            if component == ".." {
                done.pop();
                continue;
            }
            let candidate = done.join(&component);
            let physical = self.physical(&candidate);
            match std::fs::symlink_metadata(&physical) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    followed += 1;
                    if followed > MAX_SYMLINKS {
                        return Err(Error::SymlinkLoop {
                            path: logical.to_owned(),
                        });
                    }
                    let target = cairn_util::fs::read_link(&physical)?;
                    if target.is_absolute() {
                        done = PathBuf::from("/");
                    }
                    todo.extend(components_reversed(&target));
                }
                Ok(_) => done = candidate,
                Err(_) => {
                    // Missing: keep the rest verbatim.
                    let mut rest = candidate;
                    while let Some(c) = todo.pop() {
                        rest.push(c);
                    }
                    return Ok(self.physical(&rest));
                }
            }
        }
        Ok(self.physical(&done))
    }
}

/// `root` + the absolute `logical` path, with `..` resolved lexically and
/// never above `root`, so the result is always inside `root`.
pub(crate) fn reroot(root: &Path, logical: &Path) -> PathBuf {
    let mut relative = PathBuf::new();
    for component in logical.components() {
        match component {
            Component::Normal(name) => relative.push(name),
            Component::ParentDir => {
                relative.pop();
            }
            _ => {}
        }
    }
    if relative.as_os_str().is_empty() {
        root.to_owned()
    } else {
        root.join(relative)
    }
}

/// The normal and `..` components of `path`, last first (a stack).
fn components_reversed(path: &Path) -> Vec<OsString> {
    let mut out: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_are_followed_inside_the_store_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let store = root.join("nix/store");
        std::fs::create_dir_all(store.join("aaa-etc/etc/systemd")).unwrap();
        std::fs::create_dir_all(store.join("bbb-system")).unwrap();
        std::fs::write(store.join("ccc-unit"), "[Unit]\n").unwrap();
        symlink("/nix/store/aaa-etc/etc", store.join("bbb-system/etc")).unwrap();
        symlink(
            "../../../ccc-unit",
            store.join("aaa-etc/etc/systemd/u.service"),
        )
        .unwrap();
        let top = Toplevel::new("/nix/store/bbb-system", root);
        assert_eq!(
            top.resolve(Path::new("/nix/store/bbb-system/etc/systemd/u.service"))
                .unwrap(),
            store.join("ccc-unit")
        );
        assert_eq!(
            top.resolve(Path::new("/nix/store/bbb-system/etc/missing/x"))
                .unwrap(),
            store.join("aaa-etc/etc/missing/x")
        );
        symlink("loop", store.join("loop")).unwrap();
        assert_eq!(
            reroot(root, Path::new("/home/../../../etc/x")),
            root.join("etc/x")
        );
        assert!(matches!(
            top.resolve(Path::new("/nix/store/loop")),
            Err(Error::SymlinkLoop { .. })
        ));
    }
}
