//! `systemd-analyze verify` for unit files, so tests can hold generated
//! units to Debian's systemd.
//!
//! Verifying the units of a toplevel in a chroot store takes some care:
//! their `ExecStart=` names logical `/nix/store/…` paths, which exist only
//! under the store root. `systemd-analyze verify --root=STORE_ROOT` checks
//! them there, but under `--root` it finds units by name on its search path
//! only (and follows symlinks on the host). So [`verify_toplevel_units`]
//! copies the toplevel's units (resolved, drop-ins included) and the host's
//! unit library (`/usr/lib/systemd/system`, for `multi-user.target` and
//! friends) into a temporary directory inside the store root, points
//! `SYSTEMD_UNIT_PATH` at the two, runs the check, and removes the
//! directory again.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::toplevel::Toplevel;
use crate::units::UNIT_DIR;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Whether `systemd-analyze` exited 0.
    pub ok: bool,
    /// Its stdout and stderr.
    pub output: String,
    /// The units checked.
    pub units: Vec<String>,
}

fn program() -> Option<&'static Path> {
    ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
}

fn run(command: &mut Command) -> Result<(bool, String), Error> {
    let output = command.output().map_err(|err| Error::Systemctl {
        command: "systemd-analyze verify".to_owned(),
        reason: err.to_string(),
    })?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok((output.status.success(), text))
}

/// Runs `systemd-analyze verify` on unit files of the host. `Ok(None)` when
/// `systemd-analyze` is not installed.
///
/// # Errors
/// The program exists but cannot be run.
pub fn systemd_analyze_verify(units: &[PathBuf]) -> Result<Option<(bool, String)>, Error> {
    let Some(program) = program() else {
        return Ok(None);
    };
    run(Command::new(program)
        .args(["verify", "--man=no", "--generators=no"])
        .args(units))
    .map(Some)
}

/// Verifies every unit in `TOPLEVEL/etc/systemd/system` (masked ones
/// aside) against the store the toplevel lives in. `Ok(None)` when
/// `systemd-analyze` is not installed or the toplevel has no units.
///
/// # Errors
/// A unit cannot be read or copied, or the program cannot be run.
pub fn verify_toplevel_units(toplevel: &Toplevel) -> Result<Option<Verification>, Error> {
    let Some(program) = program() else {
        return Ok(None);
    };
    let store_root = toplevel.store_root();
    let dir = toplevel.resolve(&toplevel.path().join(UNIT_DIR))?;
    if !dir.is_dir() {
        return Ok(None);
    }
    let parent = if store_root.join("tmp").is_dir() {
        store_root.join("tmp")
    } else {
        store_root.to_owned()
    };
    let scratch = cairn_util::TempDir::new_in(&parent, ".cairn-verify")?;
    let units_dir = scratch.path().join("units");
    let library_dir = scratch.path().join("library");
    cairn_util::fs::create_dir(&units_dir)?;
    let mut units = Vec::new();
    for entry in cairn_util::fs::read_dir_sorted(&dir)? {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if std::fs::read_link(&entry).is_ok_and(|t| t == Path::new("/dev/null")) {
            continue;
        }
        let physical = toplevel.resolve(&toplevel.path().join(UNIT_DIR).join(&name))?;
        if name.ends_with(".d") && physical.is_dir() {
            let target = units_dir.join(&name);
            cairn_util::fs::create_dir(&target)?;
            for dropin in cairn_util::fs::read_dir_sorted(&physical)? {
                let file = dropin.file_name().unwrap_or_default();
                let resolved =
                    toplevel.resolve(&toplevel.path().join(UNIT_DIR).join(&name).join(file))?;
                copy_file(&resolved, &target.join(file))?;
            }
        } else if physical.is_file() && name.contains('.') && !name.ends_with(".d") {
            copy_file(&physical, &units_dir.join(&name))?;
            units.push(name);
        }
    }
    if units.is_empty() {
        return Ok(None);
    }
    let host_library = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_dir());
    if let Some(library) = host_library {
        copy_tree(library, &library_dir)?;
    } else {
        cairn_util::fs::create_dir(&library_dir)?;
    }
    // Paths as systemd sees them under --root.
    let in_root =
        |p: &Path| -> PathBuf { Path::new("/").join(p.strip_prefix(store_root).unwrap_or(p)) };
    let unit_path = format!(
        "{}:{}",
        in_root(&units_dir).display(),
        in_root(&library_dir).display()
    );
    let (ok, output) = run(Command::new(program)
        .env("SYSTEMD_UNIT_PATH", unit_path)
        .args(["verify", "--man=no", "--generators=no"])
        .arg(format!("--root={}", store_root.display()))
        .args(units.iter().map(|u| in_root(&units_dir.join(u)))))?;
    scratch.remove()?;
    Ok(Some(Verification { ok, output, units }))
}

fn copy_file(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::copy(from, to).map(drop).map_err(|err| {
        cairn_util::Error::with_target(cairn_util::Operation::Write, from, to, err).into()
    })
}

/// Copies a tree of directories, files and symlinks (kept as symlinks).
fn copy_tree(from: &Path, to: &Path) -> Result<(), Error> {
    cairn_util::fs::create_dir(to)?;
    for entry in cairn_util::fs::read_dir_sorted(from)? {
        let target = to.join(entry.file_name().unwrap_or_default());
        let meta = cairn_util::fs::symlink_metadata(&entry)?;
        if meta.file_type().is_symlink() {
            cairn_util::fs::symlink(cairn_util::fs::read_link(&entry)?, &target)?;
        } else if meta.is_dir() {
            copy_tree(&entry, &target)?;
        } else {
            copy_file(&entry, &target)?;
        }
    }
    Ok(())
}
