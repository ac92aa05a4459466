//! `cairn profile install` from expressions and `.drv` files, and
//! `cairn profile upgrade`.
//!
//! Installing an attribute goes the way `cairn build` goes (the same
//! evaluator, the same `Builder::realise` with its progress and summary),
//! then the built outputs become manifest elements that remember where
//! they came from: the file and attribute path (so `upgrade` can evaluate
//! them again), or just the store paths (`-E` and `.drv` installs, which
//! upgrading leaves alone). Name and version are `parseDrvName` of the
//! derivation's name; the priority is `--priority`, else `meta.priority`,
//! else 5.
//!
//! Evaluating and building happen before the profile lock is taken, so a
//! long build does not block other changes; the manifest edit and the new
//! generation are then one read-modify-write under the lock.
//!
//! Upgrading follows `nix-env -u` (checked against Nix 2.8): an element
//! is replaced only by a newer version (`builtins.compareVersions`), or
//! with `--leq` by the same or an older one, or with `--always` by any,
//! and never when the store path is unchanged.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use cairn_build::{BuiltPath, DerivedPath, OutputSelection};
use cairn_eval::{Evaluator, Value};
use cairn_profile::{DEFAULT_PRIORITY, Element, ElementSource, Profile};
use cairn_settings::Settings;
use cairn_store::{LocalStore, Store};
use cairn_store_path::StorePath;

use crate::args::BuildFlags;
use crate::commands::{build, emit_line, eval, instantiation};
use crate::environment::Environment;
use crate::error::{CliError, CliResult};

/// What `cairn profile install` was asked to install.
pub(crate) struct InstallRequest {
    /// Store paths and `.drv` files.
    pub(crate) paths: Vec<String>,
    /// `--priority`.
    pub(crate) priority: Option<i64>,
    /// `-f FILE`.
    pub(crate) file: Option<PathBuf>,
    /// `-E EXPR`.
    pub(crate) expr: Option<String>,
    /// `-A ATTRPATH…`.
    pub(crate) attr: Vec<String>,
    /// `-I PATH…`.
    pub(crate) include: Vec<String>,
    /// How to build.
    pub(crate) flags: BuildFlags,
}

/// A derivation output chosen for the profile, before it is built.
struct Chosen {
    /// Where it came from.
    source: ElementSource,
    /// The derivation's name (`hello-2.12`).
    drv_name: String,
    /// What to build.
    target: DerivedPath,
    /// `meta.priority`, when the value had one.
    priority: Option<i64>,
}

/// `cairn profile install`: the elements to add, built.
pub(crate) fn install(
    profile: &Profile,
    store: &Arc<LocalStore>,
    request: &InstallRequest,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let started = Instant::now();
    let chosen = if request.file.is_some() || request.expr.is_some() {
        let mut evaluator =
            instantiation::building_evaluator(store, &request.include, false, settings, env);
        let cwd = eval::current_dir()?;
        let (root, expression) = match (&request.expr, &request.file) {
            (Some(expr), _) => (
                evaluator
                    .eval_source("«string»", expr, &cwd.display().to_string())
                    .map_err(|e| instantiation::eval_error(&e, false))?,
                None,
            ),
            (None, Some(file)) => {
                let absolute = cwd.join(file);
                let value = eval::eval_file(&mut evaluator, &cwd, file)
                    .map_err(|e| instantiation::eval_error(&e, false))?;
                (value, Some(absolute.display().to_string()))
            }
            (None, None) => unreachable!("checked above"),
        };
        let attrs: Vec<&str> = if request.attr.is_empty() {
            vec![""]
        } else {
            request.attr.iter().map(String::as_str).collect()
        };
        let mut chosen = Vec::new();
        for attr in attrs {
            chosen.extend(choose(
                &mut evaluator,
                store.as_ref(),
                &root,
                attr,
                expression.as_deref(),
            )?);
        }
        chosen
    } else {
        request
            .paths
            .iter()
            .map(|text| from_path(store.as_ref(), text))
            .collect::<CliResult<Vec<_>>>()?
    };
    if chosen.is_empty() {
        return Err(
            CliError::user("the expression has no derivations to install")
                .with_help("select one with `-A ATTRPATH`"),
        );
    }
    let elements = build_elements(
        store,
        chosen,
        request.priority,
        &request.flags,
        settings,
        env,
    )?;
    let count = elements.len();
    let names: Vec<String> = elements.iter().map(describe).collect();
    crate::commands::profile::change_packages(
        profile,
        store.as_ref(),
        env,
        stdout,
        |manifest, out| {
            for element in elements {
                let line = format!("Installed {}", describe(&element));
                for old in manifest.install(element) {
                    emit_line(out, &format!("Replaced {}", describe(&old)))?;
                }
                emit_line(out, &line)?;
            }
            Ok(())
        },
    )?;
    summary(&format!(
        "Installed {count} {} in {}",
        if count == 1 { "package" } else { "packages" },
        build::elapsed(started.elapsed())
    ));
    for name in names {
        summary(&format!(" + {name}"));
    }
    Ok(())
}

/// A store path (installed as it is, once valid) or a `.drv` (its `out`).
fn from_path(store: &LocalStore, text: &str) -> CliResult<Chosen> {
    let store_dir = store.store_dir();
    let path = store_dir.parse_path(text).map_err(|err| {
        CliError::from_error(crate::error::ErrorKind::User, &err)
            .with_help(format!("give a path directly inside {store_dir}"))
    })?;
    if let Some(drv_name) = path.name().strip_suffix(".drv") {
        return Ok(Chosen {
            source: ElementSource::StorePaths,
            drv_name: drv_name.to_owned(),
            target: DerivedPath::Built {
                drv: path.clone(),
                outputs: OutputSelection::Names(["out".to_owned()].into()),
            },
            priority: None,
        });
    }
    Ok(Chosen {
        source: ElementSource::StorePaths,
        drv_name: path.name().to_owned(),
        target: DerivedPath::Opaque(path),
        priority: None,
    })
}

/// The derivations at `attr` of `root` (auto-called), instantiated.
fn choose(
    evaluator: &mut Evaluator,
    store: &LocalStore,
    root: &Value,
    attr: &str,
    expression: Option<&str>,
) -> CliResult<Vec<Chosen>> {
    let fail = |err: cairn_eval::EvalError| instantiation::eval_error(&err, false);
    let value = if attr.is_empty() {
        root.clone()
    } else {
        let called = evaluator.auto_call(root, &[]).map_err(fail)?;
        evaluator.select_attr_path(&called, attr).map_err(fail)?
    };
    let found = cairn_glue::find_derivations(evaluator, &value, &[]).map_err(fail)?;
    let mut chosen = Vec::new();
    for info in found {
        let full_attr = match (attr.is_empty(), info.attr_path.is_empty()) {
            (true, _) => info.attr_path.clone(),
            (false, true) => attr.to_owned(),
            (false, false) => format!("{attr}.{}", info.attr_path),
        };
        let priority = if info.attr_path.is_empty() {
            meta_priority(evaluator, &value)
        } else {
            evaluator
                .select_attr_path(&value, &info.attr_path)
                .ok()
                .and_then(|v| meta_priority(evaluator, &v))
        };
        let target = info
            .derived_path(store.store_dir())
            .map_err(|e| instantiation::eval_error(&e, false))?;
        let DerivedPath::Built { drv, .. } = &target else {
            unreachable!("a derivation's derived path is built")
        };
        let drv_name = drv
            .name()
            .strip_suffix(".drv")
            .unwrap_or(drv.name())
            .to_owned();
        let source = match expression {
            Some(expression) if !full_attr.is_empty() => ElementSource::AttrPath {
                expression: expression.to_owned(),
                attr_path: full_attr,
            },
            _ => ElementSource::StorePaths,
        };
        chosen.push(Chosen {
            source,
            drv_name,
            target,
            priority,
        });
    }
    Ok(chosen)
}

/// `meta.priority` of a derivation value, when it is an integer.
fn meta_priority(evaluator: &mut Evaluator, value: &Value) -> Option<i64> {
    let priority = evaluator.select_attr_path(value, "meta.priority").ok()?;
    match evaluator.force(&priority).ok()? {
        Value::Int(n) => Some(n),
        _ => None,
    }
}

/// Builds what `chosen` names and makes manifest elements of the results.
fn build_elements(
    store: &Arc<LocalStore>,
    chosen: Vec<Chosen>,
    priority: Option<i64>,
    flags: &BuildFlags,
    settings: &Settings,
    env: &Environment,
) -> CliResult<Vec<Element>> {
    let targets: Vec<DerivedPath> = chosen.iter().map(|c| c.target.clone()).collect();
    let built = build::build_targets(store, &targets, flags, settings, env)?;
    Ok(chosen
        .into_iter()
        .zip(built)
        .map(|(chosen, built)| {
            let (outputs, store_paths): (Vec<String>, Vec<StorePath>) = match built {
                BuiltPath::Opaque(path) => (vec!["out".to_owned()], vec![path]),
                BuiltPath::Built { outputs, .. } => outputs.into_iter().unzip(),
            };
            let (name, version) = cairn_profile::split_name_version(&chosen.drv_name);
            Element {
                name: name.to_owned(),
                version: version.to_owned(),
                source: chosen.source,
                outputs,
                store_paths,
                priority: priority.or(chosen.priority).unwrap_or(DEFAULT_PRIORITY),
                active: true,
            }
        })
        .collect())
}

/// How `upgrade` decides, as `nix-env -u`'s `--lt` (default), `--leq`
/// and `--always`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UpgradePolicy {
    /// Only newer versions.
    Newer,
    /// Newer, the same or older versions (`--leq`).
    Leq,
    /// Any change of store path.
    Always,
}

/// `cairn profile upgrade [NAME…]`.
#[expect(
    clippy::too_many_arguments,
    reason = "one flag each from the command line"
)]
pub(crate) fn upgrade(
    profile: &Profile,
    store: &Arc<LocalStore>,
    names: &[String],
    policy: UpgradePolicy,
    include: &[String],
    flags: &BuildFlags,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let started = Instant::now();
    let current = {
        let lock = profile
            .lock()
            .map_err(crate::commands::profile::from_profile)?;
        lock.current_manifest(store.as_ref())
            .map_err(crate::commands::profile::from_profile)?
    };
    for name in names {
        if !current.elements.iter().any(|e| &e.name == name) {
            return Err(
                CliError::user(format!("no installed package is named '{name}'"))
                    .with_help("`cairn profile list` shows what is installed"),
            );
        }
    }
    let wanted = |element: &Element| names.is_empty() || names.contains(&element.name);
    let mut evaluator = instantiation::building_evaluator(store, include, false, settings, env);
    let cwd = eval::current_dir()?;
    // Re-evaluate each element from a file; keep the candidates.
    let mut candidates: Vec<(Element, Chosen)> = Vec::new();
    let mut roots: Vec<(String, Value)> = Vec::new();
    for element in current.elements.iter().filter(|e| wanted(e)) {
        let ElementSource::AttrPath {
            expression,
            attr_path,
        } = &element.source
        else {
            continue;
        };
        let root = match roots.iter().find(|(e, _)| e == expression) {
            Some((_, root)) => root.clone(),
            None => {
                let root = eval::eval_file(&mut evaluator, &cwd, Path::new(expression))
                    .map_err(|e| instantiation::eval_error(&e, false))?;
                roots.push((expression.clone(), root.clone()));
                root
            }
        };
        let mut chosen = choose(&mut evaluator, store, &root, attr_path, Some(expression))?;
        if chosen.len() != 1 {
            return Err(CliError::user(format!(
                "attribute '{attr_path}' of '{expression}' is no longer one derivation"
            ))
            .with_help(format!(
                "remove '{}' and install what you want instead",
                element.name
            )));
        }
        let chosen = chosen.remove(0);
        let (name, version) = cairn_profile::split_name_version(&chosen.drv_name);
        if name != element.name {
            continue;
        }
        let order = compare_versions(&mut evaluator, &element.version, version)?;
        let take = match policy {
            UpgradePolicy::Newer => order == std::cmp::Ordering::Less,
            UpgradePolicy::Leq | UpgradePolicy::Always => true,
        };
        if take {
            candidates.push((element.clone(), chosen));
        }
    }
    let (old, chosen): (Vec<Element>, Vec<Chosen>) = candidates.into_iter().unzip();
    let new = if chosen.is_empty() {
        Vec::new()
    } else {
        build_elements(store, chosen, None, flags, settings, env)?
    };
    // Keep each element's priority; drop those whose paths did not change.
    let changes: Vec<(Element, Element)> = old
        .into_iter()
        .zip(new)
        .filter(|(old, new)| old.store_paths != new.store_paths)
        .map(|(old, mut new)| {
            new.priority = old.priority;
            (old, new)
        })
        .collect();
    if changes.is_empty() {
        summary("Nothing to upgrade");
        summary(
            "hint: only packages installed with `-f FILE -A ATTR` are re-evaluated; `--always` also takes older versions",
        );
        return Ok(());
    }
    let count = changes.len();
    crate::commands::profile::change_packages(
        profile,
        store.as_ref(),
        env,
        stdout,
        |manifest, out| {
            for (old, new) in changes {
                if let Some(slot) = manifest.elements.iter_mut().find(|e| e.name == old.name) {
                    *slot = new.clone();
                } else {
                    manifest.elements.push(new.clone());
                }
                let line = if old.version == new.version {
                    format!("Upgraded {} {} (rebuilt)", new.name, new.version)
                } else {
                    format!("Upgraded {} {} → {}", new.name, old.version, new.version)
                };
                emit_line(out, &line)?;
            }
            Ok(())
        },
    )?;
    summary(&format!(
        "Upgraded {count} {} in {}",
        if count == 1 { "package" } else { "packages" },
        build::elapsed(started.elapsed())
    ));
    Ok(())
}

/// `builtins.compareVersions a b`, through the evaluator so the order is
/// exactly the evaluator's.
fn compare_versions(evaluator: &mut Evaluator, a: &str, b: &str) -> CliResult<std::cmp::Ordering> {
    let quote = |s: &str| {
        serde_json::to_string(s)
            .unwrap_or_default()
            .replace('$', "\\$")
    };
    let text = format!("builtins.compareVersions {} {}", quote(a), quote(b));
    let value = evaluator
        .eval_source("«string»", &text, "/")
        .and_then(|v| evaluator.force(&v))
        .map_err(|e| instantiation::eval_error(&e, false))?;
    Ok(match value {
        Value::Int(n) => n.cmp(&0),
        _ => std::cmp::Ordering::Equal,
    })
}

/// `hello 2.12` or just `hello`.
fn describe(element: &Element) -> String {
    if element.version.is_empty() {
        element.name.clone()
    } else {
        format!("{} {}", element.name, element.version)
    }
}

/// A summary line on standard error, as `cairn build` reports.
#[expect(clippy::print_stderr, reason = "the summary is for the user")]
fn summary(line: &str) {
    eprintln!("{line}");
}
