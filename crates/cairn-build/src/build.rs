//! Building one derivation, from locks to registration.
//!
//! The steps, each of which leaves the store and its database as they were
//! when it fails:
//!
//! 1. Lock every output (`lock.rs`); if another process built them while
//!    we waited, reuse its work.
//! 2. Protect the `.drv`, the outputs and the input closure with temporary
//!    GC roots.
//! 3. Make a build directory (`TMP/cairn-build-NAME.drv-PID-N`) holding
//!    the `passAsFile`/structured-attribute files, and a *scratch store*
//!    `ROOT/nix/store/.cairn-scratch-DRV`, on the same file system as the
//!    store. The scratch store is bound writable at the logical store
//!    directory inside the sandbox, the input closure read-only on top of
//!    it (each at its logical path, so chroot stores work), so the builder
//!    creates `$out` in the scratch store and can touch nothing else.
//! 4. Run the builder in `cairn-sandbox` (`builtin:fetchurl` and
//!    `builtin:unpack-debs` run in-process instead), with the network only for fixed-output
//!    derivations, capturing its output as the build log.
//! 5. Check the outputs (`checks.rs`): each exists; one pass over its NAR
//!    gives the NAR hash and the references; fixed-output hashes; reference
//!    constraints. With `--check`, compare with the valid output instead.
//! 6. Move each output to its real path (a rename within one file system)
//!    and register them all in one transaction, with the deriver set and
//!    `ultimate`; record the derivation's outputs.
//!
//! The log is stored compressed whatever the outcome. The build directory
//! is removed unless the build failed with `--keep-failed`; the scratch
//! store always is. A killed build leaves its scratch store behind: the
//! next build of the same derivation replaces it (under the output
//! locks), and garbage collection deletes any whose `.drv` no live process
//! holds as a temporary root.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cairn_derivation::bstr::BString;
use cairn_derivation::{Derivation, DerivationOutput};
use cairn_narinfo::PathInfo;
use cairn_store::{Store, ValidPathInfo};
use cairn_store_path::{ContentAddress, StorePath};

use crate::api::{BuildConfig, BuildOptions};
use crate::checks::{self, OutputFacts, ScannedOutput};
use crate::environment::{self, EnvironmentContext};
use crate::error::BuildError;
use crate::lock::PathLocks;
use crate::log::{LogStore, log_tail};
use crate::runner::{self, RunBind, RunRequest, RunStatus};

/// A derivation in the build plan.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The `.drv`.
    pub drv_path: StorePath,
    /// Its contents.
    pub drv: Derivation,
    /// Output name → path.
    pub outputs: BTreeMap<String, StorePath>,
    /// The input sources and the used outputs of input derivations.
    pub inputs: BTreeSet<StorePath>,
    /// Rebuild and compare even though the outputs are valid.
    pub check: bool,
}

/// How a build ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Built here.
    Built,
    /// Valid by the time the locks were ours.
    Reused,
}

/// Everything a build needs from the [`crate::Builder`].
pub(crate) struct BuildContext<'a> {
    pub store: &'a dyn Store,
    pub config: &'a BuildConfig,
    pub options: &'a BuildOptions,
    pub logs: &'a LogStore,
    /// The host's environment, for `impureEnvVars`.
    pub host_env: &'a BTreeMap<String, String>,
}

/// What the caller is told about besides the log.
pub(crate) enum Notice {
    /// Builder output.
    Output(Vec<u8>),
    /// The build directory of a failed build was kept.
    KeptBuildDir(PathBuf),
}

/// Removes a file or tree, making directories writable first (outputs
/// may be read-only).
pub(crate) fn remove_tree(path: &Path) -> Result<(), cairn_util::Error> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => {
            return Err(cairn_util::Error::new(
                cairn_util::Operation::Stat,
                path,
                err,
            ));
        }
    };
    if metadata.is_dir() {
        if metadata.permissions().mode() & 0o700 != 0o700 {
            cairn_util::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
        }
        for entry in cairn_util::fs::read_dir_sorted(path)? {
            remove_tree(&entry)?;
        }
        cairn_util::fs::remove_dir(path)
    } else {
        cairn_util::fs::remove_file(path)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn os(bytes: &[u8]) -> OsString {
    OsString::from_vec(bytes.to_vec())
}

/// Parses `sandbox-paths` entries: `PATH`, `TARGET=SOURCE`, with a
/// trailing `?` when the source may be missing. A later entry for the same
/// target replaces an earlier one (a user's `/bin/sh=…` overrides the
/// default), as Nix keeps them in a map by target.
pub(crate) fn sandbox_binds(entries: &[String]) -> Vec<RunBind> {
    let mut binds: Vec<RunBind> = Vec::new();
    for entry in entries {
        let (entry, optional) = match entry.strip_suffix('?') {
            Some(rest) => (rest, true),
            None => (entry.as_str(), false),
        };
        let (target, source) = entry.split_once('=').unwrap_or((entry, entry));
        let bind = RunBind {
            source: PathBuf::from(source),
            target: PathBuf::from(target),
            writable: false,
            optional,
        };
        match binds.iter_mut().find(|b| b.target == bind.target) {
            Some(earlier) => *earlier = bind,
            None => binds.push(bind),
        }
    }
    binds
}

/// Builds `node`.
pub(crate) fn build(
    cx: &BuildContext<'_>,
    node: &Node,
    notify: &mut dyn FnMut(Notice),
) -> Result<Outcome, BuildError> {
    let store = cx.store;
    let store_dir = store.store_dir();
    let drv_display = store_dir.display(&node.drv_path);
    let store_error = |source| BuildError::Store {
        drv: drv_display.clone(),
        source: Box::new(source),
    };
    let io_error = |source| BuildError::Io {
        drv: drv_display.clone(),
        source,
    };

    let builtin = node.drv.builder.starts_with(b"builtin:");
    let system = String::from_utf8_lossy(&node.drv.system).into_owned();
    if system != cx.config.system && !(builtin && system == "builtin") {
        return Err(BuildError::WrongSystem {
            drv: drv_display,
            system,
            host: cx.config.system.clone(),
        });
    }

    // 1. Locks, then a second look at validity.
    let real_outputs: Vec<PathBuf> = node.outputs.values().map(|p| store.real_path(p)).collect();
    let _locks = PathLocks::lock(&real_outputs).map_err(io_error)?;
    let mut valid = BTreeSet::new();
    for path in node.outputs.values() {
        if store.is_valid_path(path).map_err(store_error)? {
            valid.insert(path.clone());
        }
    }
    if !node.check && valid.len() == node.outputs.len() {
        return Ok(Outcome::Reused);
    }

    // 2. Temporary roots. The `.drv` is one too: it keeps the derivation
    // alive, and it marks the scratch store named after it as in use, so
    // that garbage collection removes only scratch stores of dead builds.
    store.add_temp_root(&node.drv_path).map_err(store_error)?;
    for path in node.outputs.values() {
        store.add_temp_root(path).map_err(store_error)?;
    }
    let closure = store.compute_closure(&node.inputs).map_err(store_error)?;
    for path in &closure {
        store.add_temp_root(path).map_err(store_error)?;
    }

    // 3. Build directory and scratch store.
    let drv_type = node
        .drv
        .derivation_type()
        .map_err(|source| BuildError::InvalidDerivation {
            drv: drv_display.clone(),
            source,
        })?;
    let env = environment::builder_environment(
        &node.drv,
        &EnvironmentContext {
            store,
            drv_path: &node.drv_path,
            outputs: &node.outputs,
            // 0 means every core; builders are told the number, as
            // Nix's default (the CPU count) tells them.
            cores: match cx.options.cores.unwrap_or(cx.config.cores) {
                0 => std::thread::available_parallelism()
                    .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
                cores => cores,
            },
            fixed_output: drv_type.is_fixed(),
            host_env: cx.host_env,
        },
    )?;
    cairn_util::fs::create_dir_all(&cx.config.build_dir_parent).map_err(io_error)?;
    let build_dir = cairn_util::TempDir::new_in(
        &cx.config.build_dir_parent,
        &format!("cairn-build-{}", node.drv_path.name()),
    )
    .map_err(io_error)?;
    for (name, contents) in &env.files {
        cairn_util::fs::write(build_dir.path().join(name), contents).map_err(io_error)?;
    }
    let first_output =
        node.outputs
            .values()
            .next()
            .ok_or_else(|| BuildError::InvalidDerivation {
                drv: drv_display.clone(),
                source: cairn_derivation::DerivationTypeError::NoOutputs,
            })?;
    let real_store_dir = store
        .real_path(first_output)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let scratch = real_store_dir.join(format!(".cairn-scratch-{}", node.drv_path.base_name()));
    remove_tree(&scratch).map_err(io_error)?;
    cairn_util::fs::create_dir(&scratch).map_err(io_error)?;
    let scratch_guard = ScratchGuard(&scratch);
    // The inputs go on top of the scratch store. A symlink is copied
    // (binding one would follow it, and its target is a logical path that
    // need not exist on the host in a chroot store); anything else gets an
    // empty mount point of its type and is bound read-only.
    let mut bound = Vec::with_capacity(closure.len());
    for path in &closure {
        let real = store.real_path(path);
        let inside = scratch.join(path.base_name());
        let metadata = cairn_util::fs::symlink_metadata(&real).map_err(io_error)?;
        if metadata.is_symlink() {
            let target = cairn_util::fs::read_link(&real).map_err(io_error)?;
            cairn_util::fs::symlink(&target, &inside).map_err(io_error)?;
            continue;
        }
        if metadata.is_dir() {
            cairn_util::fs::create_dir(&inside).map_err(io_error)?;
        } else {
            cairn_util::fs::write(&inside, b"").map_err(io_error)?;
        }
        bound.push(path);
    }

    // 4. Run.
    let mut log = Vec::new();
    let result = if builtin {
        run_builtin(
            &Builtin {
                cx,
                node,
                drv_display: &drv_display,
                scratch: &scratch,
                env: &env.env,
                closure: &closure,
            },
            &mut log,
            notify,
        )
    } else {
        let request = RunRequest {
            program: PathBuf::from(os(&env.program)),
            args: env.args.iter().map(|a| os(a)).collect(),
            env: env.env.iter().map(|(k, v)| (os(k), os(v))).collect(),
            binds: {
                let mut binds = vec![RunBind {
                    source: scratch.clone(),
                    target: PathBuf::from(store_dir.as_str()),
                    writable: true,
                    optional: false,
                }];
                binds.extend(bound.iter().map(|path| RunBind {
                    source: store.real_path(path),
                    target: PathBuf::from(store_dir.display(path)),
                    writable: false,
                    optional: false,
                }));
                binds.extend(sandbox_binds(&cx.config.sandbox_paths));
                binds
            },
            build_dir: build_dir.path().to_path_buf(),
            network: drv_type.is_fixed(),
            timeout: cx.options.timeout,
            max_silent_time: cx.options.max_silent_time,
            max_processes: cx.config.max_processes,
        };
        let status = runner::run(request, &mut |chunk| {
            log.extend_from_slice(chunk);
            notify(Notice::Output(chunk.to_vec()));
        });
        status
            .map_err(|source| BuildError::Sandbox {
                drv: drv_display.clone(),
                source,
            })
            .and_then(|status| status_error(status, node, &drv_display, &log))
    };
    // The log is kept whatever happened; failing to keep it only matters
    // when nothing else failed.
    let logged = cx.logs.write(&node.drv_path, &log).map_err(io_error);
    let result = match (result, logged) {
        (Ok(()), Err(err)) => Err(err),
        (result, _) => result,
    };

    let finished = result.and_then(|()| finish(cx, node, &drv_display, &scratch, &closure, &valid));
    drop(scratch_guard);
    match finished {
        Ok(()) => {
            build_dir.remove().map_err(io_error)?;
            Ok(Outcome::Built)
        }
        Err(err) => {
            if cx.options.keep_failed {
                notify(Notice::KeptBuildDir(build_dir.keep()));
            }
            Err(err)
        }
    }
}

/// Removes the scratch store when dropped.
struct ScratchGuard<'a>(&'a Path);

impl Drop for ScratchGuard<'_> {
    fn drop(&mut self) {
        let _ = remove_tree(self.0);
    }
}

/// What an in-process builder gets.
struct Builtin<'a> {
    cx: &'a BuildContext<'a>,
    node: &'a Node,
    drv_display: &'a str,
    /// The scratch store the output is made in.
    scratch: &'a Path,
    /// The builder environment, placeholders replaced.
    env: &'a BTreeMap<BString, BString>,
    /// The input closure, the only store paths a builtin may read.
    closure: &'a BTreeSet<StorePath>,
}

impl Builtin<'_> {
    /// Where output `out` is made, or an error if the derivation has none.
    fn out(&self) -> Result<PathBuf, BuildError> {
        let builder = String::from_utf8_lossy(&self.node.drv.builder);
        let out = self
            .node
            .outputs
            .get("out")
            .ok_or_else(|| BuildError::InvalidAttribute {
                drv: self.drv_display.to_owned(),
                attribute: "outputs".to_owned(),
                reason: format!("{builder} needs an output named 'out'"),
            })?;
        Ok(self.scratch.join(out.base_name()))
    }

    /// The real file behind `path`, a logical path in (or inside) a store
    /// path of the input closure; `None` for anything else.
    fn input_file(&self, path: &str) -> Option<PathBuf> {
        let store = self.cx.store;
        let (store_path, within) = store.store_dir().parse_path_within(path).ok()?;
        let within = Path::new(within.trim_start_matches('/'));
        let plain = within
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || !self.closure.contains(&store_path) {
            return None;
        }
        let real = store.real_path(&store_path);
        // Joining an empty path would add a trailing `/`.
        Some(if within.as_os_str().is_empty() {
            real
        } else {
            real.join(within)
        })
    }
}

fn run_builtin(
    builtin: &Builtin<'_>,
    log: &mut Vec<u8>,
    notify: &mut dyn FnMut(Notice),
) -> Result<(), BuildError> {
    let mut say = |text: String| {
        log.extend_from_slice(text.as_bytes());
        notify(Notice::Output(text.into_bytes()));
    };
    match builtin.node.drv.builder.as_slice() {
        name @ (b"builtin:fetchurl" | b"builtin:fetchzip") => {
            // The download runs with the network, so only a content hash
            // may make its result trusted (Nix's rule for builtin:fetchurl).
            let fixed = builtin
                .node
                .drv
                .derivation_type()
                .is_ok_and(cairn_derivation::DerivationType::is_fixed);
            if !fixed {
                let name = String::from_utf8_lossy(name);
                let err = BuildError::InvalidAttribute {
                    drv: builtin.drv_display.to_owned(),
                    attribute: "outputHash".to_owned(),
                    reason: format!("'{name}' must be a fixed-output derivation"),
                };
                say(format!("error: {err}\n"));
                return Err(err);
            }
            let fetch = if name == b"builtin:fetchurl" {
                crate::fetchurl::fetchurl
            } else {
                crate::fetchurl::fetchzip
            };
            let result = fetch(
                &builtin.node.drv,
                builtin.drv_display,
                &builtin.out()?,
                &builtin.cx.config.mirrors,
            );
            if let Err(err) = &result {
                say(format!("error: {err}\n"));
            }
            result
        }
        b"builtin:unpack-debs" => {
            let out = builtin.out()?;
            let result = crate::debs::Request::parse(builtin.env, &|path| builtin.input_file(path))
                .and_then(|request| crate::debs::unpack_debs(&request, &out));
            match result {
                Ok(summary) => {
                    say(summary.to_string());
                    Ok(())
                }
                Err(err) => {
                    let mut text = format!("error: {err}");
                    let mut cause = std::error::Error::source(&err);
                    while let Some(next) = cause {
                        text.push_str(&format!(": {next}"));
                        cause = next.source();
                    }
                    say(text + "\n");
                    Err(Box::new(err).into())
                }
            }
        }
        other => Err(BuildError::Unsupported {
            drv: builtin.drv_display.to_owned(),
            feature: format!("the builder '{}'", String::from_utf8_lossy(other)),
        }),
    }
}

/// The error for a builder's exit status, if it is one.
fn status_error(
    status: RunStatus,
    node: &Node,
    drv_display: &str,
    log: &[u8],
) -> Result<(), BuildError> {
    let seconds = |d: Duration| d.as_secs().max(1);
    let outputs = || node.outputs.keys().cloned().collect::<Vec<_>>().join(",");
    let failed = |status: String| BuildError::BuilderFailed {
        drv: drv_display.to_owned(),
        status,
        log_tail: log_tail(log),
        log_hint: Some(format!(
            "For full logs, run 'cairn store log {drv_display}'."
        )),
    };
    match status {
        RunStatus::Exited(0) => Ok(()),
        RunStatus::Exited(code) => Err(failed(format!("failed with exit code {code}"))),
        RunStatus::Signaled(signal) => Err(failed(format!("failed due to signal {signal}"))),
        RunStatus::TimedOut(limit) => Err(BuildError::TimedOut {
            drv: drv_display.to_owned(),
            outputs: outputs(),
            seconds: seconds(limit),
            silence: false,
        }),
        RunStatus::Silent(limit) => Err(BuildError::TimedOut {
            drv: drv_display.to_owned(),
            outputs: outputs(),
            seconds: seconds(limit),
            silence: true,
        }),
    }
}

/// Steps 5 and 6: check the outputs in the scratch store, move them to
/// their real paths and register them.
fn finish(
    cx: &BuildContext<'_>,
    node: &Node,
    drv_display: &str,
    scratch: &Path,
    closure: &BTreeSet<StorePath>,
    valid: &BTreeSet<StorePath>,
) -> Result<(), BuildError> {
    let store = cx.store;
    let store_dir = store.store_dir();
    let io_error = |source| BuildError::Io {
        drv: drv_display.to_owned(),
        source,
    };
    let mut candidates = closure.clone();
    candidates.extend(node.outputs.values().cloned());

    let mut scanned: BTreeMap<StorePath, ScannedOutput> = BTreeMap::new();
    for (name, path) in &node.outputs {
        let built = scratch.join(path.base_name());
        let display = store_dir.display(path);
        if std::fs::symlink_metadata(&built).is_err() {
            return Err(BuildError::MissingOutput {
                drv: drv_display.to_owned(),
                output: name.clone(),
                path: display,
            });
        }
        let result = checks::scan_output(&built, &display, &candidates)?;
        if let Some(DerivationOutput::Fixed { method, hash, .. }) = node.drv.outputs.get(name) {
            checks::check_fixed_output(drv_display, *method, hash, &built, &display, &result)?;
            if let Some(reference) = result.references.iter().find(|r| *r != path) {
                return Err(BuildError::FixedOutputReferences {
                    drv: drv_display.to_owned(),
                    output: display,
                    reference: store_dir.display(reference),
                });
            }
        }
        scanned.insert(path.clone(), result);
    }
    checks::check_reference_constraints(&OutputFacts {
        drv: &node.drv,
        drv_display,
        store,
        outputs: &node.outputs,
        scanned: &scanned,
    })?;

    if node.check {
        check_determinism(cx, drv_display, scratch, &scanned, valid)?;
    }

    // Move the new outputs into place and register them together.
    let mut moved: Vec<PathBuf> = Vec::new();
    let mut infos = Vec::new();
    for (path, result) in &scanned {
        if valid.contains(path) {
            continue;
        }
        let real = store.real_path(path);
        let step = remove_tree(&real)
            .and_then(|()| cairn_util::fs::rename(scratch.join(path.base_name()), &real));
        if let Err(err) = step {
            for path in &moved {
                let _ = remove_tree(path);
            }
            return Err(io_error(err));
        }
        moved.push(real);
        let ca = match node.drv.outputs.values().find(|o| o.path() == Some(path)) {
            Some(DerivationOutput::Fixed { method, hash, .. }) => Some(ContentAddress::Fixed {
                method: *method,
                hash: *hash,
            }),
            _ => None,
        };
        infos.push(ValidPathInfo {
            info: PathInfo {
                path: path.clone(),
                nar_hash: result.nar_hash,
                nar_size: result.nar_size,
                references: result.references.clone(),
                deriver: Some(node.drv_path.clone()),
                signatures: BTreeSet::new(),
                ca,
            },
            registration_time: now(),
            ultimate: true,
        });
    }
    let registered = store.register_valid_paths(&infos).and_then(|()| {
        node.outputs.iter().try_for_each(|(name, path)| {
            store.register_derivation_output(&node.drv_path, name, path)
        })
    });
    if let Err(source) = registered {
        for path in &moved {
            let _ = remove_tree(path);
        }
        return Err(BuildError::Store {
            drv: drv_display.to_owned(),
            source: Box::new(source),
        });
    }
    Ok(())
}

/// `--check`: an output that was valid before must come out the same.
fn check_determinism(
    cx: &BuildContext<'_>,
    drv_display: &str,
    scratch: &Path,
    scanned: &BTreeMap<StorePath, ScannedOutput>,
    valid: &BTreeSet<StorePath>,
) -> Result<(), BuildError> {
    let store = cx.store;
    for (path, result) in scanned {
        if !valid.contains(path) {
            continue;
        }
        let info = store
            .query_path_info(path)
            .map_err(|source| BuildError::Store {
                drv: drv_display.to_owned(),
                source: Box::new(source),
            })?;
        if info.is_some_and(|info| info.info.nar_hash == result.nar_hash) {
            continue;
        }
        let built = scratch.join(path.base_name());
        let real = store.real_path(path);
        let mut differences = Vec::new();
        crate::diff::diff_trees(&real, &built, Path::new(""), &mut differences);
        let kept = if cx.options.keep_failed {
            let mut check_path = real.clone().into_os_string();
            check_path.push(".check");
            let check_path = PathBuf::from(check_path);
            remove_tree(&check_path).map_err(|source| BuildError::Io {
                drv: drv_display.to_owned(),
                source,
            })?;
            cairn_util::fs::rename(&built, &check_path).map_err(|source| BuildError::Io {
                drv: drv_display.to_owned(),
                source,
            })?;
            Some(format!("{}.check", store.store_dir().display(path)))
        } else {
            None
        };
        return Err(BuildError::NotDeterministic {
            drv: drv_display.to_owned(),
            output: store.store_dir().display(path),
            kept,
            differences,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_paths_parse_and_later_targets_win() {
        let binds = sandbox_binds(&[
            "/bin/sh=/bin/busybox?".to_owned(),
            "/etc/resolv.conf".to_owned(),
            "/bin/sh=/opt/sh".to_owned(),
        ]);
        let seen: Vec<_> = binds
            .iter()
            .map(|b| (b.target.clone(), b.source.clone(), b.optional))
            .collect();
        assert_eq!(
            seen,
            [
                ("/bin/sh".into(), "/opt/sh".into(), false),
                ("/etc/resolv.conf".into(), "/etc/resolv.conf".into(), false),
            ]
        );
    }
}
