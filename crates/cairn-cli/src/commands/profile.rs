//! `cairn profile …`: generations of a profile, over `cairn-profile`.
//!
//! The profile is `--profile P`, or the user's default one
//! (`~/.local/state/cairn/profile`, a link made on first use to
//! `ROOT/nix/var/cairn/profiles/per-user/$USER/profile`). `ROOT` is
//! `--store DIR`, else `/` for root and `~/.local/share/cairn` for other
//! users (DESIGN.md, "Store layout").

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cairn_profile::{
    ClosureDiff, DeleteSelector, Element, Generation, Manifest, Profile, ProfileError, Switch,
};
use cairn_settings::Settings;
use cairn_store_path::StoreDir;

use crate::args::{ProfileArgs, ProfileCommand};
use crate::commands::emit_line;
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs a `cairn profile` subcommand.
pub(crate) fn run(
    args: ProfileArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let store_dir = StoreDir::new(&settings.store_dir).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .context(format!("bad store-dir '{}'", settings.store_dir))
            .with_help("set store-dir to an absolute, canonical directory")
    })?;
    let root = store_root(args.store.as_deref(), env)?;
    let profile_path = match args.profile {
        Some(path) => path,
        None => default_profile(&root, env)?,
    };
    let profile = Profile::open(profile_path, &store_dir).map_err(from_profile)?;

    match args.command {
        ProfileCommand::History { json, diff } => {
            let store = if diff {
                Some(open_store(args.store, settings, env)?)
            } else {
                None
            };
            let store = store.as_deref().map(|s| s as &dyn cairn_store::Store);
            history(&profile, store, json, stdout)
        }
        ProfileCommand::List { json } => list(&profile, &root, json, stdout),
        ProfileCommand::Rollback => {
            let switch = profile.rollback().map_err(from_profile)?;
            report_switch(switch, stdout)
        }
        ProfileCommand::Switch { number } => {
            let switch = profile.switch_to(number).map_err(from_profile)?;
            report_switch(switch, stdout)
        }
        ProfileCommand::DeleteGenerations {
            generations,
            older_than,
            dry_run,
        } => {
            let selector = match older_than {
                Some(days) => DeleteSelector::parse_days(&days),
                None => DeleteSelector::parse(&generations),
            }
            .map_err(from_profile)?;
            let deleted = profile
                .delete_generations(&selector, SystemTime::now(), dry_run)
                .map_err(from_profile)?;
            report_deleted(&deleted, dry_run, stdout)
        }
        ProfileCommand::WipeHistory { dry_run } => {
            let deleted = profile.wipe_history(dry_run).map_err(from_profile)?;
            report_deleted(&deleted, dry_run, stdout)
        }
        ProfileCommand::Diff { from, to, json } => {
            let store = open_store(args.store, settings, env)?;
            diff(
                &profile,
                &*store,
                from.as_deref(),
                to.as_deref(),
                json,
                stdout,
            )
        }
        ProfileCommand::Install {
            paths,
            priority,
            file,
            expr,
            attr,
            include,
            flags,
        } => {
            let store = open_store(args.store, settings, env)?;
            let needs_build =
                file.is_some() || expr.is_some() || paths.iter().any(|p| p.ends_with(".drv"));
            if needs_build {
                let request = crate::commands::profile_install::InstallRequest {
                    paths,
                    priority,
                    file,
                    expr,
                    attr,
                    names: Vec::new(),
                    include,
                    flags,
                    voice: Voice::Cairn,
                };
                crate::commands::profile_install::install(
                    &profile, &store, &request, settings, env, stdout,
                )?;
                return hint_if_unrooted(&profile, &root, stdout);
            }
            let paths = paths
                .iter()
                .map(|text| parse_store_path(&store_dir, text))
                .collect::<CliResult<Vec<_>>>()?;
            install_store_paths(
                &profile,
                &store,
                env,
                stdout,
                &paths,
                priority,
                Voice::Cairn,
            )?;
            hint_if_unrooted(&profile, &root, stdout)
        }
        ProfileCommand::Upgrade {
            names,
            leq,
            always,
            include,
            flags,
        } => {
            use crate::commands::profile_install::UpgradePolicy;
            let store = open_store(args.store, settings, env)?;
            let policy = if always {
                UpgradePolicy::Always
            } else if leq {
                UpgradePolicy::Leq
            } else {
                UpgradePolicy::Newer
            };
            let request = crate::commands::profile_install::UpgradeRequest {
                names: &names,
                policy,
                file: None,
                include: &include,
                flags: &flags,
                voice: Voice::Cairn,
            };
            crate::commands::profile_install::upgrade(
                &profile, &store, &request, settings, env, stdout,
            )?;
            hint_if_unrooted(&profile, &root, stdout)
        }
        ProfileCommand::Remove { names } => {
            let store = open_store(args.store, settings, env)?;
            remove_packages(&profile, &store, env, stdout, &names, Voice::Cairn)?;
            hint_if_unrooted(&profile, &root, stdout)
        }
        ProfileCommand::Set { path } => {
            let store = open_store(args.store, settings, env)?;
            let target = parse_store_path(&store_dir, &path)?;
            let switch = profile
                .create_generation(&*store, &target)
                .map_err(from_profile)?;
            report_switch(switch, stdout)?;
            hint_if_unrooted(&profile, &root, stdout)?;
            Ok(())
        }
    }
}

/// Whose words a change is reported in: `cairn profile`'s (`Installed
/// hello 2.12` on standard output, then the generation switched to), or
/// `nix-env`'s (`installing 'hello-2.12'` on standard error, nothing about
/// generations), so the two front ends share every operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Voice {
    /// `cairn profile …`.
    Cairn,
    /// The `nix-env` personality; with `dry_run`, nothing is changed.
    NixEnv {
        /// `--dry-run`: report what would change, change nothing.
        dry_run: bool,
    },
}

impl Voice {
    /// `hello 2.12` (cairn) or `'hello-2.12'` (Nix) for messages.
    pub(crate) fn describe(self, element: &Element) -> String {
        match self {
            Voice::Cairn => describe(element),
            Voice::NixEnv { .. } => format!("'{}'", full_name(element)),
        }
    }
}

/// `hello-2.12`, or `hello` for an element without a version: the
/// derivation name Nix shows.
pub(crate) fn full_name(element: &Element) -> String {
    if element.version.is_empty() {
        element.name.clone()
    } else {
        format!("{}-{}", element.name, element.version)
    }
}

/// Whether a `nix-env` selector names `element`: `*`, its name, or its
/// name with the version.
pub(crate) fn selector_matches(selector: &str, element: &Element) -> bool {
    selector == "*" || selector == element.name || selector == full_name(element)
}

/// Installs store paths as they are (`cairn profile install PATH…`,
/// `nix-env -i PATH…`), each replacing the installed element of its name.
pub(crate) fn install_store_paths(
    profile: &Profile,
    store: &cairn_store::LocalStore,
    env: &Environment,
    stdout: &mut dyn Write,
    paths: &[cairn_store_path::StorePath],
    priority: Option<i64>,
    voice: Voice,
) -> CliResult {
    let elements: Vec<Element> = paths
        .iter()
        .map(|path| {
            let mut element = Element::from_store_path(path);
            if let Some(priority) = priority {
                element.priority = priority;
            }
            element
        })
        .collect();
    change_packages(profile, store, env, stdout, voice, |manifest, out| {
        install_elements(manifest, elements, voice, out)
    })
}

/// Adds `elements` to `manifest`, each replacing the installed elements of
/// its name, and reports it: per element with what it replaced (cairn), or
/// as Nix does, every `replacing old` line (in installed order) before the
/// `installing` lines.
pub(crate) fn install_elements(
    manifest: &mut Manifest,
    elements: Vec<Element>,
    voice: Voice,
    out: &mut dyn Write,
) -> CliResult {
    if let Voice::NixEnv { .. } = voice {
        let names: Vec<&str> = elements.iter().map(|e| e.name.as_str()).collect();
        for old in manifest
            .elements
            .iter()
            .filter(|e| names.contains(&e.name.as_str()))
        {
            emit_line(out, &format!("replacing old {}", voice.describe(old)))?;
        }
        for element in &elements {
            emit_line(out, &format!("installing {}", voice.describe(element)))?;
        }
        for element in elements {
            manifest.install(element);
        }
        return Ok(());
    }
    for element in elements {
        let line = format!("Installed {}", voice.describe(&element));
        for old in manifest.install(element) {
            emit_line(out, &format!("Replaced {}", voice.describe(&old)))?;
        }
        emit_line(out, &line)?;
    }
    Ok(())
}

/// Removes installed elements: by name for `cairn profile remove` (an
/// unknown name is an error), by `nix-env` selector for `nix-env -e` (one
/// matching nothing is a warning, as in Nix).
pub(crate) fn remove_packages(
    profile: &Profile,
    store: &cairn_store::LocalStore,
    env: &Environment,
    stdout: &mut dyn Write,
    names: &[String],
    voice: Voice,
) -> CliResult {
    change_packages(profile, store, env, stdout, voice, |manifest, out| {
        for name in names {
            let (removed, kept): (Vec<Element>, Vec<Element>) =
                std::mem::take(&mut manifest.elements)
                    .into_iter()
                    .partition(|e| match voice {
                        Voice::Cairn => &e.name == name,
                        Voice::NixEnv { .. } => selector_matches(name, e),
                    });
            manifest.elements = kept;
            if removed.is_empty() {
                if let Voice::NixEnv { .. } = voice {
                    emit_line(
                        out,
                        &format!("warning: selector '{name}' matched no installed derivations"),
                    )?;
                    continue;
                }
                let installed: Vec<&str> =
                    manifest.elements.iter().map(|e| e.name.as_str()).collect();
                return Err(
                    CliError::user(format!("no installed package is named '{name}'")).with_help(
                        if installed.is_empty() {
                            "the profile has no packages installed".to_owned()
                        } else {
                            format!("installed: {}", installed.join(", "))
                        },
                    ),
                );
            }
            for element in removed {
                let line = match voice {
                    Voice::Cairn => format!("Removed {}", voice.describe(&element)),
                    Voice::NixEnv { .. } => format!("uninstalling {}", voice.describe(&element)),
                };
                emit_line(out, &line)?;
            }
        }
        Ok(())
    })
}

/// Changes the installed packages: under the profile lock, reads the
/// current manifest, lets `change` edit it (and report), builds the new
/// user environment (or reuses the one made before from the same manifest,
/// remembered in `ROOT/nix/var/cairn/user-environments`) and makes it the
/// new generation.
pub(crate) fn change_packages(
    profile: &Profile,
    store: &cairn_store::LocalStore,
    env: &Environment,
    stdout: &mut dyn Write,
    voice: Voice,
    change: impl FnOnce(&mut Manifest, &mut dyn Write) -> CliResult,
) -> CliResult {
    let lock = profile.lock().map_err(from_profile)?;
    let mut manifest = lock.current_manifest(store).map_err(from_profile)?;
    let mut lines = Vec::new();
    change(&mut manifest, &mut lines)?;
    if let Voice::NixEnv { dry_run } = voice {
        // Nix reports changes on standard error, and says nothing about
        // the generation.
        let mut text = String::from_utf8_lossy(&lines).into_owned();
        if dry_run {
            text.insert_str(0, "(dry run; not doing anything)\n");
        }
        eprint!("{text}");
        if dry_run {
            return Ok(());
        }
    }
    let temp = env
        .variables()
        .get("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let cache = environment_cache(store);
    let (switch, report) = lock
        .create_environment_generation(store, &manifest, &temp, Some(&cache))
        .map_err(from_profile)?;
    drop(lock);
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if voice != Voice::Cairn {
        return Ok(());
    }
    crate::commands::emit(stdout, &lines)?;
    report_switch(switch, stdout)
}

/// The store's memo of user environments by manifest.
pub(crate) fn environment_cache(
    store: &cairn_store::LocalStore,
) -> cairn_profile::EnvironmentCache {
    cairn_profile::EnvironmentCache::new(store.state_dir().join("user-environments"))
}

/// Says so when the profile is outside `ROOT/nix/var/cairn/profiles`, the
/// tree the garbage collector scans, so its generations are not roots.
fn hint_if_unrooted(profile: &Profile, root: &Path, stdout: &mut dyn Write) -> CliResult {
    let profiles = cairn_profile::location::profiles_dir(root);
    let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let dir = profile
        .path()
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if canonical(dir).starts_with(canonical(&profiles)) {
        return Ok(());
    }
    emit_line(
        stdout,
        &format!(
            "hint: '{}' is outside '{}', where the garbage collector looks for roots, \
             so `cairn store gc` may delete what its generations point to",
            profile.path().display(),
            profiles.display()
        ),
    )
}

/// `hello 2.12` or just `hello`.
fn describe(element: &Element) -> String {
    if element.version.is_empty() {
        element.name.clone()
    } else {
        format!("{} {}", element.name, element.version)
    }
}

/// Opens the local store, as `cairn store` commands do.
pub(crate) fn open_store(
    store: Option<PathBuf>,
    settings: &Settings,
    env: &Environment,
) -> CliResult<std::sync::Arc<cairn_store::LocalStore>> {
    crate::commands::build::open_store(&crate::args::StoreLocation { store }, settings, env)
}

/// A store path given on the command line (`/nix/store/HASH-NAME`).
pub(crate) fn parse_store_path(
    store_dir: &StoreDir,
    text: &str,
) -> CliResult<cairn_store_path::StorePath> {
    store_dir.parse_path(text).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .with_help(format!("give a path directly inside {store_dir}"))
    })
}

/// One side of a diff: a generation number, a store path or a symlink
/// into the store.
fn diff_side(profile: &Profile, text: &str) -> CliResult<cairn_store_path::StorePath> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let number: u64 = text
            .parse()
            .map_err(|_| CliError::user(format!("generation number '{text}' is too large")))?;
        let generations = profile.generations().map_err(from_profile)?;
        return generations
            .into_iter()
            .find(|g| g.number == number)
            .map(|g| g.target)
            .ok_or_else(|| {
                from_profile(ProfileError::NoSuchGeneration {
                    profile: profile.path().to_owned(),
                    number,
                })
            });
    }
    let store_dir = profile.store_dir();
    if store_dir.is_in_store(text) {
        let (path, _) = store_dir.parse_path_within(text).map_err(|err| {
            CliError::from_error(ErrorKind::User, &err)
                .with_help(format!("give a path inside {store_dir}"))
        })?;
        return Ok(path);
    }
    let link = Profile::open(text, store_dir).map_err(from_profile)?;
    link.resolve().map_err(from_profile)?.ok_or_else(|| {
        CliError::user(format!("'{text}' does not exist"))
            .with_help("give a generation number, a store path, or a symlink into the store")
    })
}

/// `cairn profile diff [FROM [TO]]`.
fn diff(
    profile: &Profile,
    store: &dyn cairn_store::Store,
    from: Option<&str>,
    to: Option<&str>,
    json: bool,
    stdout: &mut dyn Write,
) -> CliResult {
    let current = || -> CliResult<Generation> {
        profile.current().map_err(from_profile)?.ok_or_else(|| {
            from_profile(ProfileError::NoCurrentGeneration {
                profile: profile.path().to_owned(),
            })
        })
    };
    let to_path = match to {
        Some(text) => diff_side(profile, text)?,
        None => current()?.target,
    };
    let from_path = match from {
        Some(text) => diff_side(profile, text)?,
        None => {
            let current = current()?;
            profile
                .generations()
                .map_err(from_profile)?
                .into_iter()
                .rev()
                .find(|g| g.number < current.number)
                .map(|g| g.target)
                .ok_or_else(|| {
                    from_profile(ProfileError::NoOlderGeneration {
                        profile: profile.path().to_owned(),
                        current: current.number,
                    })
                    .with_help("name the two sides: `cairn profile diff FROM TO`")
                })?
        }
    };
    let diff = ClosureDiff::between(store, &from_path, &to_path).map_err(from_profile)?;
    if json {
        let text = serde_json::to_string_pretty(&diff)
            .map_err(|err| CliError::from_error(ErrorKind::Internal, &err))?;
        return emit_line(stdout, &text);
    }
    crate::commands::emit(stdout, diff.to_string().as_bytes())
}

/// `ROOT`: `--store`, else `/` for root and `~/.local/share/cairn` for
/// everyone else.
pub(crate) fn store_root(flag: Option<&Path>, env: &Environment) -> CliResult<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_owned());
    }
    if running_as_root() {
        return Ok(PathBuf::from("/"));
    }
    let home = env.home().ok_or_else(|| {
        CliError::user("cannot find the store: HOME is not set")
            .with_help("pass `--store DIR`, or set HOME")
    })?;
    Ok(home.join(".local/share/cairn"))
}

/// Whether this process runs as root: `/proc/self` belongs to the
/// effective user.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The user's default profile, making its home link on first use.
pub(crate) fn default_profile(root: &Path, env: &Environment) -> CliResult<PathBuf> {
    let user = env
        .variables()
        .get("USER")
        .filter(|user| !user.is_empty())
        .ok_or_else(|| {
            CliError::user("cannot tell whose default profile to use: USER is not set")
                .with_help("pass `--profile PATH`, or set USER")
        })?;
    let home = env.home().ok_or_else(|| {
        CliError::user("cannot find the default profile: HOME is not set")
            .with_help("pass `--profile PATH`, or set HOME")
    })?;
    cairn_profile::location::default_profile(root, user, home).map_err(from_profile)
}

/// `nix-env --list-generations` lines (`   N   DATE   PATH   (current)`,
/// dates in UTC), or JSON.
fn history(
    profile: &Profile,
    store: Option<&dyn cairn_store::Store>,
    json: bool,
    stdout: &mut dyn Write,
) -> CliResult {
    let generations = profile.generations().map_err(from_profile)?;
    let current = profile.current().map_err(from_profile)?.map(|g| g.number);
    let store_dir = profile.store_dir();
    // With a store: each generation's changes since the one before it.
    let mut diffs: Vec<Option<ClosureDiff>> = Vec::with_capacity(generations.len());
    for (index, generation) in generations.iter().enumerate() {
        let diff = match (store, index.checked_sub(1).map(|i| &generations[i])) {
            (Some(store), Some(previous)) => Some(
                ClosureDiff::between(store, &previous.target, &generation.target)
                    .map_err(from_profile)?,
            ),
            _ => None,
        };
        diffs.push(diff);
    }
    if json {
        let array: Vec<serde_json::Value> = generations
            .iter()
            .zip(&diffs)
            .map(|(g, diff)| {
                let mut entry = serde_json::json!({
                    "number": g.number,
                    "created": g.created_seconds(),
                    "storePath": store_dir.display(&g.target),
                    "current": Some(g.number) == current,
                });
                if let Some(diff) = diff {
                    entry["diff"] = serde_json::to_value(diff).unwrap_or_default();
                }
                entry
            })
            .collect();
        let text = serde_json::to_string_pretty(&array)
            .map_err(|err| CliError::from_error(ErrorKind::Internal, &err))?;
        return emit_line(stdout, &text);
    }
    for (generation, diff) in generations.iter().zip(&diffs) {
        let mut line = format!(
            "{:4}   {}   {}",
            generation.number,
            utc_time(generation.created_seconds()),
            store_dir.display(&generation.target)
        );
        if Some(generation.number) == current {
            line.push_str("   (current)");
        }
        emit_line(stdout, &line)?;
        if let Some(diff) = diff {
            for diff_line in diff.to_string().lines() {
                emit_line(stdout, &format!("       {diff_line}"))?;
            }
        }
    }
    Ok(())
}

/// The current generation's manifest elements, one per line, or its store
/// path and a hint when it is not a user environment.
fn list(profile: &Profile, root: &Path, json: bool, stdout: &mut dyn Write) -> CliResult {
    let Some(target) = profile.resolve().map_err(from_profile)? else {
        return Err(CliError::user(format!(
            "profile '{}' does not exist yet",
            profile.path().display()
        ))
        .with_help("a profile is created by its first generation"));
    };
    let store_dir = profile.store_dir();
    let logical = store_dir.display(&target);
    let real = root.join(logical.trim_start_matches('/'));
    let manifest = Manifest::read_from_dir(&real, store_dir).map_err(from_profile)?;
    let Some(manifest) = manifest else {
        emit_line(stdout, &logical)?;
        return emit_line(
            stdout,
            "hint: this is not a user environment (it has no `manifest.json`), so there are no installed packages to list",
        );
    };
    if json {
        return emit_line(stdout, manifest.to_json(store_dir).trim_end());
    }
    let name_width = manifest.elements.iter().map(|e| e.name.len()).max();
    let version_width = manifest.elements.iter().map(|e| e.version.len()).max();
    for element in &manifest.elements {
        let paths: Vec<String> = element
            .store_paths
            .iter()
            .map(|p| store_dir.display(p))
            .collect();
        let mut line = format!(
            "{:name_width$}  ",
            element.name,
            name_width = name_width.unwrap_or(0)
        );
        if version_width.unwrap_or(0) > 0 {
            line.push_str(&format!(
                "{:version_width$}  ",
                element.version,
                version_width = version_width.unwrap_or(0)
            ));
        }
        line.push_str(&paths.join(" "));
        if !element.active {
            line.push_str("  (inactive)");
        }
        emit_line(stdout, &line)?;
    }
    Ok(())
}

/// `Switched to generation N (was M)`.
fn report_switch(switch: Switch, stdout: &mut dyn Write) -> CliResult {
    let line = match switch.from {
        Some(from) if switch.created => {
            format!("Switched to new generation {} (was {from})", switch.to)
        }
        None if switch.created => format!("Switched to new generation {}", switch.to),
        Some(from) if from == switch.to => format!("Already at generation {}", switch.to),
        Some(from) => format!("Switched to generation {} (was {from})", switch.to),
        None => format!("Switched to generation {}", switch.to),
    };
    emit_line(stdout, &line)
}

/// `Removed generations 1, 2` and a hint about garbage collection.
fn report_deleted(deleted: &[Generation], dry_run: bool, stdout: &mut dyn Write) -> CliResult {
    if deleted.is_empty() {
        return emit_line(stdout, "No generations to remove");
    }
    let mut numbers: Vec<u64> = deleted.iter().map(|g| g.number).collect();
    numbers.sort_unstable();
    let list = ranges(&numbers);
    let what = if numbers.len() == 1 {
        format!("generation {list}")
    } else {
        format!("{} generations ({list})", numbers.len())
    };
    if dry_run {
        emit_line(stdout, &format!("Would remove {what}"))
    } else {
        emit_line(stdout, &format!("Removed {what}"))?;
        emit_line(
            stdout,
            "hint: the store paths only they used are garbage now; collect them with `cairn store gc`",
        )
    }
}

/// Sorted numbers as runs: `1-3, 5, 7-8`.
fn ranges(numbers: &[u64]) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &number in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == number => *end = number,
            _ => runs.push((number, number)),
        }
    }
    runs.iter()
        .map(|&(start, end)| {
            if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub(crate) fn utc_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A profile error for the user, with the next step.
pub(crate) fn from_profile(err: ProfileError) -> CliError {
    let help = match &err {
        ProfileError::NoSuchGeneration { .. } => {
            "`cairn profile history` lists the generations".to_owned()
        }
        ProfileError::NoOlderGeneration { .. } => {
            "there is nothing to roll back to; `cairn profile history` lists the generations"
                .to_owned()
        }
        ProfileError::NoCurrentGeneration { .. } => {
            "switch to a generation first with `cairn profile switch N`".to_owned()
        }
        ProfileError::DeleteCurrent { .. } => {
            "switch to another generation first, or leave the current one out".to_owned()
        }
        ProfileError::BadSelector { .. } => {
            "give generation numbers, or one of `+K` (keep K), `Nd` (older than N days), `old`"
                .to_owned()
        }
        ProfileError::InvalidTarget { .. } => {
            "build it or add it to the store first, e.g. with `cairn store realise`".to_owned()
        }
        ProfileError::Collision { .. } => {
            "give one of them another priority: `cairn profile install --priority N PATH` (lower wins)"
                .to_owned()
        }
        ProfileError::NotAnEnvironment { .. } => {
            "install into another profile (`--profile PATH`), or replace this one with `cairn profile set`"
                .to_owned()
        }
        ProfileError::NotASymlink { .. } => {
            "move the file away, or choose another profile with `--profile`".to_owned()
        }
        ProfileError::Io(io) => crate::error::io_help(io.kind())
            .unwrap_or("check the profile's directory")
            .to_owned(),
        _ => "check the profile and its generation links".to_owned(),
    };
    CliError::from_error(ErrorKind::User, &err).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_ranges() {
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[4]), "4");
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00");
        assert_eq!(utc_time(1_795_513_408), "2026-11-24 09:43:28");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_time(-1), "1969-12-31 23:59:59");
    }
}
