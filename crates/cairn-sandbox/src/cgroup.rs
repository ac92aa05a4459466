//! The process-count limit as a `pids` cgroup.
//!
//! `RLIMIT_NPROC` alone does not hold a sandbox whose user is root on the
//! host: the kernel exempts uid 0 from it (`copy_process` checks
//! `INIT_USER`), and a root caller mapping the sandbox user to itself is
//! exactly Nix's single-user setup. So when a limit is asked for, the
//! sandbox's init is put into a fresh `pids` cgroup with `pids.max` set,
//! before it may fork; every process and thread of the sandbox counts, and
//! forks beyond fail with `EAGAIN`. Both hierarchies work: cgroup v2, below
//! the nearest cgroup at or above the caller's whose children have the
//! `pids` controller, else the v1 `pids` hierarchy below the caller's. Without either, and with a
//! sandbox user that is root outside, the limit cannot be enforced and
//! [`crate::Sandbox::spawn`] says so rather than run unlimited.
//!
//! The cgroup is removed when the sandbox has been reaped: the pid
//! namespace's init exits only after every other process of the namespace
//! is gone, so by then it is empty. The cgroups of a process killed
//! before it could remove them are removed by the next sandbox made with a
//! limit.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{SandboxError, SetupStep};

/// Distinguishes the cgroups of one process's sandboxes.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A `pids` cgroup made for one sandbox, removed on drop.
#[derive(Debug)]
pub(crate) struct PidsCgroup {
    dir: PathBuf,
}

impl PidsCgroup {
    /// Creates a cgroup allowing `max` tasks, or `None` when this system
    /// offers no writable `pids` controller to the caller.
    pub(crate) fn create(max: u32) -> Result<Option<PidsCgroup>, SandboxError> {
        let Some(parent) = find_parent() else {
            return Ok(None);
        };
        remove_orphans(&parent);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = parent.join(format!("cairn-sandbox-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(err) if is_not_permitted(&err) => return Ok(None),
            Err(source) => {
                return Err(SandboxError::Setup {
                    step: SetupStep::ProcessLimit(dir),
                    source,
                });
            }
        }
        let cgroup = PidsCgroup { dir };
        cgroup.write("pids.max", &max.to_string())?;
        Ok(Some(cgroup))
    }

    /// Moves the process `pid` (and so everything it will start) in.
    pub(crate) fn add(&self, pid: i32) -> Result<(), SandboxError> {
        self.write("cgroup.procs", &pid.to_string())
    }

    /// The cgroup's directory.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    fn write(&self, file: &str, value: &str) -> Result<(), SandboxError> {
        let path = self.dir.join(file);
        std::fs::write(&path, value).map_err(|source| SandboxError::Setup {
            step: SetupStep::ProcessLimit(path),
            source,
        })
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        // Empty once the sandbox is reaped; if something still holds it,
        // an empty directory in cgroupfs is all that is left.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Removes the cgroups of sandboxes whose creating process is gone: a
/// process killed with `SIGKILL` never runs the cleanup on drop, and each
/// would leave an empty cgroup behind for good. A live process's cgroups
/// (even empty ones about to receive their sandbox) are left alone; `rmdir`
/// refuses a cgroup that still has tasks anyway.
fn remove_orphans(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name
            .to_str()
            .and_then(|n| n.strip_prefix("cairn-sandbox-"))
            .and_then(|rest| rest.split_once('-'))
            .map(|(pid, _)| pid)
        else {
            continue;
        };
        if owner.parse::<u32>().is_ok() && !Path::new("/proc").join(owner).exists() {
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

fn is_not_permitted(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::PermissionDenied
            | io::ErrorKind::ReadOnlyFilesystem
            | io::ErrorKind::NotFound
    )
}

/// The cgroup below which to make sandboxes' cgroups: the caller's own,
/// in the v2 hierarchy if `pids` can be enabled there, else in the v1
/// `pids` hierarchy.
fn find_parent() -> Option<PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mounts: Vec<CgroupMount> = mountinfo.lines().filter_map(CgroupMount::parse).collect();
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if id == "0"
            && controllers.is_empty()
            && let Some(mount) = mounts.iter().find(|m| m.v2)
            && let Some(dir) = mount.dir_of(path)
            && let Some(parent) = v2_parent(&mount.mount_point, &dir)
        {
            return Some(parent);
        }
    }
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if controllers.split(',').any(|c| c == "pids") {
            return mounts
                .iter()
                .find(|m| !m.v2 && m.pids)
                .and_then(|m| m.dir_of(path))
                .filter(|dir| dir.is_dir());
        }
    }
    None
}

/// The nearest cgroup (v2) at or above `own`, not above `mount_point`,
/// whose children get the `pids` controller. Going up matters on systemd
/// hosts: the caller's own cgroup (a service or session scope) holds
/// processes, so it may not have children with controllers, but the root
/// and most slices do; root may place a process anywhere. Nothing is
/// enabled here: a host without `pids` delegated anywhere gets `None`.
fn v2_parent(mount_point: &Path, own: &Path) -> Option<PathBuf> {
    own.ancestors()
        .take_while(|dir| dir.starts_with(mount_point))
        .find(|dir| {
            std::fs::read_to_string(dir.join("cgroup.subtree_control"))
                .is_ok_and(|text| text.split_whitespace().any(|c| c == "pids"))
        })
        .map(Path::to_owned)
}

/// One cgroup file system mount, from `/proc/self/mountinfo`.
struct CgroupMount {
    /// The cgroup path mounted at `mount_point`.
    root: String,
    mount_point: PathBuf,
    v2: bool,
    /// A v1 mount carrying the pids controller.
    pids: bool,
}

impl CgroupMount {
    fn parse(line: &str) -> Option<CgroupMount> {
        let (before, after) = line.split_once(" - ")?;
        let mut fields = before.split(' ');
        let root = fields.nth(3)?;
        let mount_point = fields.next()?;
        let mut after = after.split(' ');
        let fstype = after.next()?;
        let super_options = after.nth(1).unwrap_or_default();
        let v2 = fstype == "cgroup2";
        if !v2 && fstype != "cgroup" {
            return None;
        }
        Some(CgroupMount {
            root: unescape(root),
            mount_point: PathBuf::from(unescape(mount_point)),
            v2,
            pids: super_options.split(',').any(|o| o == "pids"),
        })
    }

    /// The directory of the cgroup `path` (as in `/proc/self/cgroup`).
    fn dir_of(&self, path: &str) -> Option<PathBuf> {
        let relative = if self.root == "/" {
            path
        } else {
            path.strip_prefix(self.root.as_str())?
        };
        Some(self.mount_point.join(relative.trim_start_matches('/')))
    }
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(octal) = bytes.get(i + 1..i + 4)
            && let Ok(value) = u8::from_str_radix(std::str::from_utf8(octal).unwrap_or("x"), 8)
        {
            out.push(value);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroups_of_dead_processes_are_removed_and_live_ones_kept() {
        let parent = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("/bin/busybox")
            .arg("true")
            .spawn()
            .unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let orphan = parent.path().join(format!("cairn-sandbox-{dead}-0"));
        let live = parent
            .path()
            .join(format!("cairn-sandbox-{}-0", std::process::id()));
        let other = parent.path().join("someone-else");
        for dir in [&orphan, &live, &other] {
            std::fs::create_dir(dir).unwrap();
        }
        remove_orphans(parent.path());
        assert!(!orphan.exists());
        assert!(live.exists() && other.exists());
    }

    #[test]
    fn parses_v1_and_v2_mounts() {
        let v1 = CgroupMount::parse(
            "35 25 0:30 / /sys/fs/cgroup/pids rw,relatime shared:15 - cgroup cgroup rw,pids",
        )
        .unwrap();
        assert!(!v1.v2 && v1.pids);
        assert_eq!(
            v1.dir_of("/user.slice").unwrap(),
            Path::new("/sys/fs/cgroup/pids/user.slice")
        );
        let v2 = CgroupMount::parse(
            "30 25 0:26 /ns /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw,nsdelegate",
        )
        .unwrap();
        assert!(v2.v2);
        assert_eq!(v2.dir_of("/ns/a").unwrap(), Path::new("/sys/fs/cgroup x/a"));
        assert!(v2.dir_of("/other").is_none());
        assert!(CgroupMount::parse("22 1 0:5 / /proc rw - proc proc rw").is_none());
    }

    #[test]
    fn v2_parent_is_the_nearest_cgroup_delegating_pids() {
        let root = tempfile::tempdir().unwrap();
        let own = root.path().join("system.slice/cairn.service");
        std::fs::create_dir_all(&own).unwrap();
        let controllers = |dir: &Path, text: &str| {
            std::fs::write(dir.join("cgroup.subtree_control"), text).unwrap();
        };
        controllers(&own, "");
        controllers(&root.path().join("system.slice"), "memory");
        controllers(root.path(), "cpu io memory pids");
        assert_eq!(v2_parent(root.path(), &own).unwrap(), root.path());
        controllers(&root.path().join("system.slice"), "memory pids");
        assert_eq!(
            v2_parent(root.path(), &own).unwrap(),
            root.path().join("system.slice")
        );
        controllers(root.path(), "cpu");
        controllers(&root.path().join("system.slice"), "");
        assert!(v2_parent(root.path(), &own).is_none());
    }
}
