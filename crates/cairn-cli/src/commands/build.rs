//! `cairn store realise` and `cairn store log`: building derivations with
//! `cairn-build`, like `nix-store --realise` and `nix-store --read-log`.
//!
//! Progress goes to standard error in short lines (`Building NAME`, and
//! the builder's output prefixed with `NAME> ` under `-L`), then a summary
//! (`Built 3 derivations in 1.2s`); the output paths go to standard
//! output, one per line, so scripts can use them.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cairn_build::{
    BuildConfig, BuildError, BuildEvent, BuildObserver, BuildOptions, Builder, BuiltPath,
    DerivedPath, OutputSelection,
};
use cairn_settings::Settings;
use cairn_store::{LocalStore, Store, StoreError};
use cairn_store_path::{StoreDir, StorePath};

use crate::args::{BuildFlags, LogArgs, RealiseArgs, StoreLocation};
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind};

/// Opens the local store: `--store DIR`, else `/` for root and
/// `~/.local/share/cairn` for anyone else.
pub(crate) fn open_store(
    location: &StoreLocation,
    settings: &Settings,
    env: &Environment,
) -> CliResult<Arc<LocalStore>> {
    let root = match &location.store {
        Some(dir) => dir.clone(),
        None => {
            use std::os::unix::fs::MetadataExt;
            // /proc/self belongs to the process's effective user.
            let is_root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
            if is_root {
                PathBuf::from("/")
            } else {
                let home = env.home().ok_or_else(|| {
                    CliError::user("cannot find the store: HOME is not set")
                        .with_help("pass `--store DIR` to use a store under DIR")
                })?;
                home.join(".local/share/cairn")
            }
        }
    };
    let store_dir = StoreDir::new(&settings.store_dir).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err).with_help("fix the store-dir setting")
    })?;
    let store = LocalStore::open(&root, store_dir).map_err(|err| {
        let help = match &err {
            StoreError::ForeignDatabase { .. } => {
                "use a store of cairn's own elsewhere with `--store DIR`"
            }
            _ => "check that the directory is writable, or pass `--store DIR`",
        };
        CliError::from_error(ErrorKind::User, &err)
            .context(format!("cannot open the store under '{}'", root.display()))
            .with_help(help)
    })?;
    Ok(Arc::new(store))
}

/// The builder configuration for a store rooted at `root`.
fn config(
    store: &LocalStore,
    settings: &Settings,
    env: &Environment,
    flags: &BuildFlags,
) -> BuildConfig {
    let tmp = env
        .variables()
        .get("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let mut config = BuildConfig::from_settings(settings, store.state_dir(), tmp);
    if let Some(jobs) = flags.max_jobs {
        config.max_jobs = jobs;
    }
    config
}

/// A builder for import from derivation while evaluating (`cairn
/// instantiate`, `cairn eval --read-write-mode`): the machine's
/// configuration, no command-line build flags.
pub(crate) fn evaluation_builder(
    store: &Arc<LocalStore>,
    settings: &Settings,
    env: &Environment,
) -> Builder {
    let tmp = env
        .variables()
        .get("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    Builder::new(
        store.clone(),
        BuildConfig::from_settings(settings, store.state_dir(), tmp),
    )
    .with_host_environment(env.variables().clone())
}

fn options(flags: &BuildFlags) -> BuildOptions {
    BuildOptions {
        max_jobs: flags.max_jobs,
        cores: flags.cores,
        keep_failed: flags.keep_failed,
        keep_going: flags.keep_going,
        timeout: flags.timeout.filter(|&s| s > 0).map(Duration::from_secs),
        max_silent_time: flags
            .max_silent_time
            .filter(|&s| s > 0)
            .map(Duration::from_secs),
        check: flags.check,
    }
}

/// Parses `PATH`, `DRV!out,dev`, `DRV!*` or `DRV^out` into a target.
fn parse_target(store_dir: &StoreDir, text: &str) -> CliResult<DerivedPath> {
    let (path, outputs) = match text.split_once(['!', '^']) {
        Some((path, outputs)) => (path, Some(outputs)),
        None => (text, None),
    };
    let path = store_dir.parse_path(path).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err).with_help(format!(
            "give a path in the store, '{}/…'",
            store_dir.as_str()
        ))
    })?;
    if !path.is_derivation() {
        if outputs.is_some() {
            return Err(CliError::user(format!(
                "'{text}' selects outputs of a path that is not a derivation"
            )));
        }
        return Ok(DerivedPath::Opaque(path));
    }
    let outputs = match outputs {
        None | Some("*") => OutputSelection::All,
        Some(list) => OutputSelection::Names(
            list.split(',')
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect::<BTreeSet<String>>(),
        ),
    };
    Ok(DerivedPath::Built { drv: path, outputs })
}

/// Writes progress to standard error.
struct Progress {
    print_logs: bool,
}

#[expect(clippy::print_stderr, reason = "progress is for the user")]
impl BuildObserver for Progress {
    fn on_event(&mut self, event: &BuildEvent<'_>) {
        let name = |drv: &StorePath| {
            drv.name()
                .strip_suffix(".drv")
                .unwrap_or(drv.name())
                .to_owned()
        };
        match event {
            BuildEvent::Planned { drvs } if !drvs.is_empty() => {
                let noun = if drvs.len() == 1 {
                    "derivation"
                } else {
                    "derivations"
                };
                eprintln!("Building {} {noun}", drvs.len());
            }
            BuildEvent::Started {
                drv, index, total, ..
            } => {
                eprintln!("   Building {} ({index}/{total})", name(drv));
            }
            BuildEvent::Log { drv, line } if self.print_logs => {
                eprintln!("{}> {}", name(drv), String::from_utf8_lossy(line));
            }
            BuildEvent::Reused { drv } => {
                eprintln!("     Reused {} (built by another process)", name(drv));
            }
            BuildEvent::KeptBuildDir { dir, .. } => {
                eprintln!("note: keeping build directory '{}'", dir.display());
            }
            _ => {}
        }
    }
}

/// Formats a build error the way Nix lays them out: `error: ` and
/// continuation lines indented under the message.
fn render(error: &BuildError) -> String {
    let indent = |text: String| text.replace('\n', "\n       ");
    match error {
        BuildError::Several { errors, .. } => {
            let mut out = String::new();
            for each in errors {
                out.push_str(&format!("error: {}\n", indent(each.to_string())));
            }
            out.push_str(&format!("error: {error}"));
            out
        }
        BuildError::NotDeterministic { differences, .. } if !differences.is_empty() => {
            let files: String = differences
                .iter()
                .map(|file| format!("\n  differs: {file}"))
                .collect();
            format!("error: {}", indent(format!("{error}{files}")))
        }
        other => {
            let mut text = format!("error: {}", indent(other.to_string()));
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                text.push_str(&format!("\n       {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

fn build_error(error: &BuildError) -> CliError {
    if let BuildError::Mirror(mirror) = error {
        return CliError::verbatim(render(error)).with_help(mirror.help());
    }
    let help = match error {
        BuildError::BuilderFailed { .. } | BuildError::Several { .. } => {
            "read the log above; `--keep-failed` keeps the build directory to inspect"
        }
        BuildError::HashMismatch { .. } => {
            "if the new content is right, put the 'got' hash into the derivation"
        }
        BuildError::TimedOut { .. } => "raise `--timeout` or `--max-silent-time`",
        BuildError::ForbiddenReferences { .. } => {
            "remove the reference from the output, or allow it in the derivation"
        }
        BuildError::MissingPath { .. } => "instantiate or add the path to the store first",
        _ => "see the error above",
    };
    CliError::verbatim(render(error)).with_help(help)
}

/// The GC-root link name for output `output` of the `index`-th target,
/// as `nix-build -o NAME` names them.
fn link_name(base: &Path, index: usize, output: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    if index > 0 {
        name.push(format!("-{}", index + 1));
    }
    if output != "out" {
        name.push(format!("-{output}"));
    }
    PathBuf::from(name)
}

/// `cairn store realise PATH…`.
pub(crate) fn realise(
    args: &RealiseArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let store = open_store(&args.store, settings, env)?;
    let targets = args
        .paths
        .iter()
        .map(|text| parse_target(store.store_dir(), text))
        .collect::<CliResult<Vec<_>>>()?;
    let link = if args.no_link {
        None
    } else {
        args.out_link.as_deref()
    };
    realise_targets(&store, &targets, &args.flags, link, settings, env, stdout)
}

/// Builds `targets` in `store`, links the results at `link` (GC roots) and
/// prints their paths: the shared end of `cairn store realise` and
/// `cairn build`.
pub(crate) fn realise_targets(
    store: &Arc<LocalStore>,
    targets: &[DerivedPath],
    flags: &BuildFlags,
    link: Option<&Path>,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let paths = build_targets(store, targets, flags, settings, env)?;
    for (index, built) in paths.iter().enumerate() {
        let outputs: Vec<(&str, &StorePath)> = match built {
            BuiltPath::Opaque(path) => vec![("out", path)],
            BuiltPath::Built { outputs, .. } => {
                outputs.iter().map(|(n, p)| (n.as_str(), p)).collect()
            }
        };
        for (output, path) in outputs {
            if let Some(base) = link {
                let name = link_name(base, index, output);
                store.add_indirect_root(path, &name).map_err(|err| {
                    CliError::from_error(ErrorKind::User, &err)
                        .context(format!("cannot create the link '{}'", name.display()))
                })?;
            }
            crate::commands::emit_line(stdout, &store.store_dir().display(path))?;
        }
    }
    Ok(())
}

/// Builds `targets` in `store` with progress and the `Built N
/// derivations in T` summary on standard error, and returns what each
/// target resolved to: the building half of [`realise_targets`], shared
/// with `cairn profile install`.
pub(crate) fn build_targets(
    store: &Arc<LocalStore>,
    targets: &[DerivedPath],
    flags: &BuildFlags,
    settings: &Settings,
    env: &Environment,
) -> CliResult<Vec<BuiltPath>> {
    let builder = Builder::new(store.clone(), config(store, settings, env, flags))
        .with_host_environment(env.variables().clone());
    let mut progress = Progress {
        print_logs: flags.print_build_logs,
    };
    let done = builder
        .realise(targets, &options(flags), &mut progress)
        .map_err(|err| build_error(&err))?;
    if !done.built.is_empty() {
        let noun = if done.built.len() == 1 {
            "derivation"
        } else {
            "derivations"
        };
        report(&format!(
            "Built {} {noun} in {}",
            done.built.len(),
            elapsed(done.elapsed)
        ));
    }
    Ok(done.paths)
}

/// `340ms`, `1.2s`: milliseconds under a second, as uv prints them.
pub(crate) fn elapsed(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[expect(clippy::print_stderr, reason = "the summary is for the user")]
fn report(line: &str) {
    eprintln!("{line}");
}

/// `cairn store log PATH`.
pub(crate) fn log(
    args: &LogArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let store = open_store(&args.store, settings, env)?;
    let path = store.store_dir().parse_path(&args.path).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err).with_help(format!(
            "give a path in the store, '{}/…'",
            store.store_dir().as_str()
        ))
    })?;
    let logs = cairn_build::LogStore::new(store.state_dir().join("log"));
    match logs
        .read_for_path(store.as_ref(), &path)
        .map_err(|err| build_error(&err))?
    {
        Some(log) => crate::commands::emit(stdout, &log),
        None => Err(
            CliError::user(format!("build log of '{}' is not available", args.path))
                .with_help("only derivations built by this store have logs"),
        ),
    }
}
