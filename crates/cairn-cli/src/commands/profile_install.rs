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
use crate::commands::profile::{self, Voice};
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
    /// `nix-env -i NAME…` with `-f`: the derivations of the expression
    /// whose name matches (see [`profile::selector_matches`]), the newest
    /// version of each name. Used instead of `attr` when not empty.
    pub(crate) names: Vec<String>,
    /// `-I PATH…`.
    pub(crate) include: Vec<String>,
    /// How to build.
    pub(crate) flags: BuildFlags,
    /// Whose words to report in (and whether this is a dry run).
    pub(crate) voice: Voice,
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
        let mut chosen = Vec::new();
        if request.names.is_empty() {
            let attrs: Vec<&str> = if request.attr.is_empty() {
                vec![""]
            } else {
                request.attr.iter().map(String::as_str).collect()
            };
            for attr in attrs {
                chosen.extend(choose(
                    &mut evaluator,
                    store.as_ref(),
                    &root,
                    attr,
                    expression.as_deref(),
                )?);
            }
        } else {
            let called = evaluator
                .auto_call(&root, &[])
                .map_err(|e| instantiation::eval_error(&e, false))?;
            let available = choose(
                &mut evaluator,
                store.as_ref(),
                &called,
                "",
                expression.as_deref(),
            )?;
            chosen = select_by_name(&mut evaluator, available, &request.names)?;
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
    if let Voice::NixEnv { dry_run } = request.voice {
        // Nix says what it installs and replaces before it builds; the
        // names come from the derivations.
        let current = {
            let lock = profile.lock().map_err(profile::from_profile)?;
            lock.current_manifest(store.as_ref())
                .map_err(profile::from_profile)?
        };
        let names: Vec<&str> = chosen
            .iter()
            .map(|c| cairn_profile::split_name_version(&c.drv_name).0)
            .collect();
        if dry_run {
            eprintln!("(dry run; not doing anything)");
        }
        for old in current
            .elements
            .iter()
            .filter(|e| names.contains(&e.name.as_str()))
        {
            eprintln!("replacing old {}", request.voice.describe(old));
        }
        for chosen in &chosen {
            eprintln!("installing '{}'", chosen.drv_name);
        }
        if dry_run {
            return Ok(());
        }
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
    profile::change_packages(
        profile,
        store.as_ref(),
        env,
        stdout,
        request.voice,
        |manifest, out| match request.voice {
            Voice::Cairn => profile::install_elements(manifest, elements, request.voice, out),
            // Reported above, before the build.
            Voice::NixEnv { .. } => {
                for element in elements {
                    manifest.install(element);
                }
                Ok(())
            }
        },
    )?;
    if request.voice == Voice::Cairn {
        summary(&format!(
            "Installed {count} {} in {}",
            if count == 1 { "package" } else { "packages" },
            build::elapsed(started.elapsed())
        ));
        for name in names {
            summary(&format!(" + {name}"));
        }
    }
    Ok(())
}

/// For each `nix-env` selector, the derivations of `available` it names:
/// the newest version of each name (Nix's `compareVersions`), the first
/// of equal ones.
///
/// # Errors
/// A selector that matches nothing, with Nix's message.
fn select_by_name(
    evaluator: &mut Evaluator,
    available: Vec<Chosen>,
    selectors: &[String],
) -> CliResult<Vec<Chosen>> {
    let mut wanted = vec![false; available.len()];
    for selector in selectors {
        let mut matched = false;
        for (index, chosen) in available.iter().enumerate() {
            let (name, _) = cairn_profile::split_name_version(&chosen.drv_name);
            if selector == "*" || selector == name || *selector == chosen.drv_name {
                wanted[index] = true;
                matched = true;
            }
        }
        if !matched {
            return Err(CliError::user(format!(
                "selector '{selector}' matches no derivations"
            )));
        }
    }
    // The newest of each name.
    let mut best: Vec<Chosen> = Vec::new();
    for (chosen, wanted) in available.into_iter().zip(wanted) {
        if !wanted {
            continue;
        }
        let (name, version) = cairn_profile::split_name_version(&chosen.drv_name);
        let (name, version) = (name.to_owned(), version.to_owned());
        match best
            .iter_mut()
            .find(|b| cairn_profile::split_name_version(&b.drv_name).0 == name)
        {
            Some(slot) => {
                let (_, old_version) = cairn_profile::split_name_version(&slot.drv_name);
                let old_version = old_version.to_owned();
                if compare_versions(evaluator, &old_version, &version)?.is_lt() {
                    *slot = chosen;
                }
            }
            None => best.push(chosen),
        }
    }
    Ok(best)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpgradePolicy {
    /// Only newer versions.
    Newer,
    /// Newer, the same or older versions (`--leq`).
    Leq,
    /// Any change of store path.
    Always,
}

/// What to upgrade and how to report it.
pub(crate) struct UpgradeRequest<'a> {
    /// Installed elements to consider: names for `cairn profile upgrade`
    /// (all when empty), `nix-env` selectors for `nix-env -u`.
    pub(crate) names: &'a [String],
    /// Which versions may replace an installed one.
    pub(crate) policy: UpgradePolicy,
    /// `nix-env -u -f FILE`: look the installed names up among FILE's
    /// derivations, as Nix does; without it, each element is evaluated
    /// again from the file and attribute it was installed from.
    pub(crate) file: Option<&'a Path>,
    /// `-I PATH…`.
    pub(crate) include: &'a [String],
    /// How to build.
    pub(crate) flags: &'a BuildFlags,
    /// Whose words to report in.
    pub(crate) voice: Voice,
}

/// `cairn profile upgrade [NAME…]` and `nix-env -u`.
pub(crate) fn upgrade(
    profile: &Profile,
    store: &Arc<LocalStore>,
    request: &UpgradeRequest<'_>,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let started = Instant::now();
    let voice = request.voice;
    let names = request.names;
    let current = {
        let lock = profile.lock().map_err(profile::from_profile)?;
        lock.current_manifest(store.as_ref())
            .map_err(profile::from_profile)?
    };
    let wanted = |element: &Element| match voice {
        Voice::Cairn => names.is_empty() || names.contains(&element.name),
        Voice::NixEnv { .. } => {
            names.is_empty() || names.iter().any(|n| profile::selector_matches(n, element))
        }
    };
    if voice == Voice::Cairn {
        for name in names {
            if !current.elements.iter().any(|e| &e.name == name) {
                return Err(
                    CliError::user(format!("no installed package is named '{name}'"))
                        .with_help("`cairn profile list` shows what is installed"),
                );
            }
        }
    }
    let mut evaluator =
        instantiation::building_evaluator(store, request.include, false, settings, env);
    let installed: Vec<&Element> = current.elements.iter().filter(|e| wanted(e)).collect();
    let candidates = match request.file {
        Some(file) => {
            candidates_from_file(&mut evaluator, store, &installed, file, request.policy)?
        }
        None => candidates_from_sources(&mut evaluator, store, &installed, request.policy)?,
    };
    let (old, chosen): (Vec<Element>, Vec<Chosen>) = candidates.into_iter().unzip();
    if let Voice::NixEnv { dry_run: true } = voice {
        eprintln!("(dry run; not doing anything)");
        for (old, chosen) in old.iter().zip(&chosen) {
            eprintln!("upgrading {} to '{}'", voice.describe(old), chosen.drv_name);
        }
        return Ok(());
    }
    let new = if chosen.is_empty() {
        Vec::new()
    } else {
        build_elements(store, chosen, None, request.flags, settings, env)?
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
        if voice == Voice::Cairn {
            summary("Nothing to upgrade");
            summary(
                "hint: only packages installed with `-f FILE -A ATTR` are re-evaluated; `--always` also takes older versions",
            );
        }
        return Ok(());
    }
    let count = changes.len();
    profile::change_packages(
        profile,
        store.as_ref(),
        env,
        stdout,
        voice,
        |manifest, out| {
            for (old, new) in changes {
                if let Some(slot) = manifest.elements.iter_mut().find(|e| e.name == old.name) {
                    *slot = new.clone();
                } else {
                    manifest.elements.push(new.clone());
                }
                let line = match voice {
                    Voice::NixEnv { .. } => format!(
                        "upgrading {} to {}",
                        voice.describe(&old),
                        voice.describe(&new)
                    ),
                    Voice::Cairn if old.version == new.version => {
                        format!("Upgraded {} {} (rebuilt)", new.name, new.version)
                    }
                    Voice::Cairn => {
                        format!("Upgraded {} {} → {}", new.name, old.version, new.version)
                    }
                };
                emit_line(out, &line)?;
            }
            Ok(())
        },
    )?;
    if voice == Voice::Cairn {
        summary(&format!(
            "Upgraded {count} {} in {}",
            if count == 1 { "package" } else { "packages" },
            build::elapsed(started.elapsed())
        ));
    }
    Ok(())
}

/// Each element installed from an attribute of a file, evaluated again
/// there: the result when `policy` takes its version.
fn candidates_from_sources(
    evaluator: &mut Evaluator,
    store: &LocalStore,
    installed: &[&Element],
    policy: UpgradePolicy,
) -> CliResult<Vec<(Element, Chosen)>> {
    let cwd = eval::current_dir()?;
    let mut candidates: Vec<(Element, Chosen)> = Vec::new();
    let mut roots: Vec<(String, Value)> = Vec::new();
    for element in installed {
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
                let root = eval::eval_file(evaluator, &cwd, Path::new(expression))
                    .map_err(|e| instantiation::eval_error(&e, false))?;
                roots.push((expression.clone(), root.clone()));
                root
            }
        };
        let mut chosen = choose(evaluator, store, &root, attr_path, Some(expression))?;
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
        let order = compare_versions(evaluator, &element.version, version)?;
        let take = match policy {
            UpgradePolicy::Newer => order == std::cmp::Ordering::Less,
            UpgradePolicy::Leq | UpgradePolicy::Always => true,
        };
        if take {
            candidates.push(((*element).clone(), chosen));
        }
    }
    Ok(candidates)
}

/// `nix-env -u -f FILE`: for each installed element, the derivation of
/// FILE with its name and the highest version `policy` takes (newer;
/// with `--leq` the same too; with `--always` any).
fn candidates_from_file(
    evaluator: &mut Evaluator,
    store: &LocalStore,
    installed: &[&Element],
    file: &Path,
    policy: UpgradePolicy,
) -> CliResult<Vec<(Element, Chosen)>> {
    let cwd = eval::current_dir()?;
    let fail = |e: cairn_eval::EvalError| instantiation::eval_error(&e, false);
    let root = eval::eval_file(evaluator, &cwd, file).map_err(fail)?;
    let called = evaluator.auto_call(&root, &[]).map_err(fail)?;
    let expression = cwd.join(file).display().to_string();
    let available = choose(evaluator, store, &called, "", Some(&expression))?;
    // Each derivation's output path, to leave out what is installed already.
    let mut out_paths = Vec::with_capacity(available.len());
    for chosen in &available {
        let out = match &chosen.source {
            ElementSource::AttrPath { attr_path, .. } => format!("{attr_path}.outPath"),
            ElementSource::StorePaths => "outPath".to_owned(),
        };
        let path = evaluator
            .select_attr_path(&called, &out)
            .and_then(|v| evaluator.force(&v))
            .map_err(fail)?;
        out_paths.push(match path {
            Value::String(s) => s.as_str().to_owned(),
            _ => String::new(),
        });
    }
    let mut candidates = Vec::new();
    for element in installed {
        let installed_paths: Vec<String> = element
            .store_paths
            .iter()
            .map(|p| store.store_dir().display(p))
            .collect();
        let mut best: Option<(usize, String)> = None;
        for (index, chosen) in available.iter().enumerate() {
            let (name, version) = cairn_profile::split_name_version(&chosen.drv_name);
            if name != element.name || installed_paths.contains(&out_paths[index]) {
                continue;
            }
            let order = compare_versions(evaluator, &element.version, version)?;
            let take = match policy {
                UpgradePolicy::Newer => order.is_lt(),
                UpgradePolicy::Leq => order.is_le(),
                UpgradePolicy::Always => true,
            };
            let better = match &best {
                None => true,
                Some((_, best_version)) => {
                    compare_versions(evaluator, best_version, version)?.is_lt()
                }
            };
            if take && better {
                best = Some((index, version.to_owned()));
            }
        }
        if let Some((index, _)) = best {
            let chosen = &available[index];
            candidates.push((
                (*element).clone(),
                Chosen {
                    source: chosen.source.clone(),
                    drv_name: chosen.drv_name.clone(),
                    target: chosen.target.clone(),
                    priority: chosen.priority,
                },
            ));
        }
    }
    Ok(candidates)
}

/// A derivation of an expression file, as `nix-env -qa` lists it.
pub(crate) struct Available {
    /// Its attribute path in the file's (auto-called) value.
    pub(crate) attr_path: String,
    /// The derivation's name (`hello-2.12`).
    pub(crate) name: String,
    /// Its `outPath`.
    pub(crate) out_path: String,
}

/// The derivations of `file` (auto-called), as `nix-env -qa -f FILE`
/// finds them, instantiated.
pub(crate) fn available(
    store: &Arc<LocalStore>,
    file: &Path,
    include: &[String],
    settings: &Settings,
    env: &Environment,
) -> CliResult<Vec<Available>> {
    let fail = |e: cairn_eval::EvalError| instantiation::eval_error(&e, false);
    let mut evaluator = instantiation::building_evaluator(store, include, false, settings, env);
    let cwd = eval::current_dir()?;
    let root = eval::eval_file(&mut evaluator, &cwd, file).map_err(fail)?;
    let called = evaluator.auto_call(&root, &[]).map_err(fail)?;
    let found = choose(&mut evaluator, store, &called, "", None)?;
    let infos = cairn_glue::find_derivations(&mut evaluator, &called, &[]).map_err(fail)?;
    let mut list = Vec::new();
    for (chosen, info) in found.into_iter().zip(infos) {
        let out = if info.attr_path.is_empty() {
            "outPath".to_owned()
        } else {
            format!("{}.outPath", info.attr_path)
        };
        let value = evaluator
            .select_attr_path(&called, &out)
            .and_then(|v| evaluator.force(&v))
            .map_err(fail)?;
        let out_path = match value {
            Value::String(s) => s.as_str().to_owned(),
            _ => String::new(),
        };
        list.push(Available {
            attr_path: info.attr_path,
            name: chosen.drv_name,
            out_path,
        });
    }
    Ok(list)
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
