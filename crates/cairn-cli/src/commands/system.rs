//! `cairn system …`: a machine declared in `configuration.nix`, built into
//! a toplevel, kept as generations of the system profile, activated into a
//! root directory.
//!
//! The root is `/` unless `--root DIR` says otherwise; everything lives
//! under it: the store (`ROOT/nix/store`, a chroot store for any other
//! root, unless `--store DIR` names another one), the profile `ROOT/nix/var/cairn/profiles/system` with its
//! generation links, the default configuration
//! `ROOT/etc/cairn/configuration.nix`, and what activation writes
//! (`ROOT/etc`, the account files, boot entries, `ROOT/var/lib/cairn`).
//!
//! The steps of `switch`, each its own module's job:
//!
//! 1. evaluate the configuration with `nix/modules/eval-config.nix`
//!    (cairn-eval + cairn-glue) and build `system.build.toplevel`
//!    (cairn-build), timing each;
//! 2. activate it (cairn-system), coming from the current generation's
//!    toplevel; a failed activation is rolled back by cairn-system and no
//!    generation is made;
//! 3. make it the next generation of the system profile (cairn-profile),
//!    then rewrite the boot entries for every kept generation.
//!
//! `--specialisation NAME` activates the system's specialisation NAME
//! (`TOPLEVEL/specialisation/NAME`) in step 2; the generation is the
//! system's, and the next activation starts from what is linked at
//! `ROOT/run/current-system`.
//!
//! `boot` does 1 and 3, `test` 1 and 2, `build` only 1, `dry-activate`
//! prints what `switch` would change; `activate TOPLEVEL` does 2 (and 3
//! with `--make-generation`) for a system built before, e.g. by
//! `TOPLEVEL/activate` at boot; `rollback` activates the previous
//! generation and makes it current; `generations`, `diff` and `status`
//! only read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_profile::{Generation, Profile};
use cairn_settings::Settings;
use cairn_store::{LocalStore, Store};
use cairn_system::{SystemctlCommand, Toplevel};

use crate::args::{
    ActivateArgs, BuildFlags, ConfigArgs, DiffArgs, ReadArgs, RootArgs, StoreLocation, SystemArgs,
    SystemCommand,
};
use crate::commands::{build, emit_line, instantiation};
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind};

/// The system modules of the source tree cairn was built from.
const SOURCE_TREE_MODULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../nix/modules");

/// Runs `cairn system …`.
pub(crate) fn run(
    args: SystemArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    match args.command {
        SystemCommand::Build(a) => {
            let machine = Machine::open(&a.root, settings, env)?;
            let built = machine.build(&a, settings, env)?;
            built.report_times();
            emit_line(stdout, &built.toplevel.path().display().to_string())
        }
        SystemCommand::Switch(a) => switch(&a, Mode::Switch, settings, env, stdout),
        SystemCommand::Boot(a) => switch(&a, Mode::Boot, settings, env, stdout),
        SystemCommand::Test(a) => switch(&a, Mode::Test, settings, env, stdout),
        SystemCommand::DryActivate(a) => {
            let machine = Machine::open(&a.root, settings, env)?;
            let built = machine.build(&a, settings, env)?;
            built.report_times();
            let target = built.activated(a.specialisation.as_deref())?;
            print_diff(
                &machine,
                machine.active()?.as_ref(),
                &target,
                a.json,
                stdout,
            )
        }
        SystemCommand::Activate(a) => activate_toplevel(&a, settings, env, stdout),
        SystemCommand::Rollback(a) => rollback(&a, settings, env, stdout),
        SystemCommand::Generations(a) => generations(&a, settings, env, stdout),
        SystemCommand::Diff(a) => diff(&a, settings, env, stdout),
        SystemCommand::Status(a) => status(&a, settings, env, stdout),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Switch,
    Boot,
    Test,
}

/// A machine: its root, store and system profile.
struct Machine {
    root: PathBuf,
    /// The directory the store's logical paths are under (the root, or
    /// `--store`).
    store_root: PathBuf,
    store: Arc<LocalStore>,
    profile: Profile,
}

/// A built configuration, with how long each step took.
struct Built {
    toplevel: Toplevel,
    eval: Duration,
    build: Duration,
}

impl Built {
    /// What activating it means: the system, or one of its
    /// specialisations (`--specialisation NAME`).
    fn activated(&self, specialisation: Option<&str>) -> CliResult<Toplevel> {
        match specialisation {
            None => Ok(self.toplevel.clone()),
            Some(name) => self.toplevel.specialisation(name).map_err(|err| {
                system_error(err).with_help("declare it as `specialisation.NAME.configuration`")
            }),
        }
    }

    fn report_times(&self) {
        report(&format!(
            "Evaluated in {}, built in {}",
            build::elapsed(self.eval),
            build::elapsed(self.build)
        ));
    }
}

impl Machine {
    fn open(args: &RootArgs, settings: &Settings, env: &Environment) -> CliResult<Machine> {
        let absolute = |path: &Path| {
            std::path::absolute(path)
                .map_err(|err| CliError::user(format!("bad path '{}': {err}", path.display())))
        };
        let root = absolute(&args.root)?;
        let store_root = match &args.store {
            Some(store) => absolute(store)?,
            None => root.clone(),
        };
        let location = StoreLocation {
            store: Some(store_root.clone()),
        };
        let store = build::open_store(&location, settings, env)?;
        let profiles = root.join("nix/var/cairn/profiles");
        std::fs::create_dir_all(&profiles).map_err(|err| {
            CliError::user(format!("cannot create '{}': {err}", profiles.display()))
                .with_help("check that the root is writable")
        })?;
        let profile = Profile::open(profiles.join("system"), store.store_dir())
            .map_err(|err| CliError::from_error(ErrorKind::User, &err))?;
        Ok(Machine {
            root,
            store_root,
            store,
            profile,
        })
    }

    fn toplevel(&self, logical: &Path) -> Toplevel {
        Toplevel::new(logical, &self.store_root)
    }

    /// The toplevel a generation points at.
    fn generation(&self, g: &Generation) -> Toplevel {
        self.toplevel(Path::new(&self.store.store_dir().display(&g.target)))
    }

    /// The toplevel of the current generation, if there is one.
    fn current(&self) -> CliResult<Option<Toplevel>> {
        let current = self
            .profile
            .current()
            .map_err(|err| CliError::from_error(ErrorKind::User, &err))?;
        Ok(current.map(|g| self.generation(&g)))
    }

    /// The store path (logical) `path` is or links to: a store path, or
    /// a chain of symlinks (`./result`, `/run/current-system`) ending in
    /// one, read under the store root.
    fn store_path_of(&self, path: &Path) -> CliResult<PathBuf> {
        let store_dir = self.store.store_dir();
        let not_in_store = |path: &Path| {
            CliError::user(format!(
                "'{}' is not in the store ({})",
                path.display(),
                store_dir
            ))
            .with_help("pass the store path `cairn system build` printed, or a link to it")
        };
        let mut path = std::path::absolute(path)
            .map_err(|err| CliError::user(format!("bad path '{}': {err}", path.display())))?;
        for _ in 0..40 {
            let text = path.display().to_string();
            if store_dir.is_in_store(&text) {
                // Links inside the store (`TOPLEVEL/specialisation/NAME`)
                // are read under the store root.
                let physical = Toplevel::new(&path, &self.store_root)
                    .resolve(&path)
                    .map_err(system_error)?;
                let logical = Path::new("/").join(
                    physical
                        .strip_prefix(&self.store_root)
                        .map_err(|_| not_in_store(&path))?,
                );
                let text = logical.display().to_string();
                let (store_path, _) = store_dir
                    .parse_path_within(&text)
                    .map_err(|_| not_in_store(&path))?;
                return Ok(PathBuf::from(store_dir.display(&store_path)));
            }
            match std::fs::read_link(&path) {
                Ok(target) => {
                    path = path.parent().unwrap_or(Path::new("/")).join(target);
                }
                Err(_) => return Err(not_in_store(&path)),
            }
        }
        Err(not_in_store(&path))
    }

    /// The system activated in the root: `ROOT/run/current-system`
    /// (which activation links, and which may be a specialisation of the
    /// current generation) when it is a system, else the current
    /// generation's.
    fn active(&self) -> CliResult<Option<Toplevel>> {
        if let Ok(target) = std::fs::read_link(self.root.join("run/current-system")) {
            let active = self.toplevel(&target);
            if target.is_absolute() && active.plan().is_ok() {
                return Ok(Some(active));
            }
        }
        self.current()
    }

    fn generation_toplevel(&self, number: u64) -> CliResult<Toplevel> {
        let generations = self.generations()?;
        let g = generations
            .iter()
            .find(|g| g.number == number)
            .ok_or_else(|| {
                CliError::user(format!("the system has no generation {number}"))
                    .with_help("list them with `cairn system generations`")
            })?;
        Ok(self.generation(g))
    }

    fn generations(&self) -> CliResult<Vec<Generation>> {
        self.profile
            .generations()
            .map_err(|err| CliError::from_error(ErrorKind::User, &err))
    }

    fn config_path(&self, config: Option<&Path>) -> CliResult<PathBuf> {
        let path = match config {
            Some(path) => std::path::absolute(path).map_err(|err| {
                CliError::user(format!(
                    "bad configuration path '{}': {err}",
                    path.display()
                ))
            })?,
            None => self.root.join("etc/cairn/configuration.nix"),
        };
        if !path.exists() {
            return Err(CliError::user(format!(
                "the configuration '{}' does not exist",
                path.display()
            ))
            .with_help("write one (see examples/), or pass `-c FILE`"));
        }
        Ok(path)
    }

    /// Evaluates and builds a configuration.
    fn build_config(
        &self,
        config: Option<&Path>,
        show_trace: bool,
        flags: &BuildFlags,
        settings: &Settings,
        env: &Environment,
    ) -> CliResult<Built> {
        let config = self.config_path(config)?;
        let modules = std::fs::canonicalize(SOURCE_TREE_MODULES).map_err(|_| {
            CliError::user("cannot find cairn's system modules (nix/modules)")
                .with_help("run cairn from a build of its source tree")
        })?;
        let started = Instant::now();
        let mut evaluator =
            instantiation::building_evaluator(&self.store, &[], show_trace, settings, env);
        let expr = format!(
            "(import {}/eval-config.nix {{ configuration = {}; }}).system",
            nix_path(&modules),
            nix_path(&config)
        );
        let cwd = crate::commands::eval::current_dir()?;
        let value = evaluator
            .eval_source("«cairn system»", &expr, &cwd.display().to_string())
            .map_err(|err| instantiation::eval_error(&err, show_trace))?;
        let found = cairn_glue::find_derivations(&mut evaluator, &value, &[])
            .map_err(|err| instantiation::eval_error(&err, show_trace))?;
        let target = found
            .first()
            .ok_or_else(|| CliError::user("the configuration's system is not a derivation"))?
            .derived_path(self.store.store_dir())
            .map_err(|err| instantiation::eval_error(&err, show_trace))?;
        let eval = started.elapsed();
        let started = Instant::now();
        let paths = build::build_targets(&self.store, &[target], flags, settings, env)?;
        let build = started.elapsed();
        let path = match paths.first() {
            Some(cairn_build::BuiltPath::Built { outputs, .. }) => outputs
                .get("out")
                .map(|p| PathBuf::from(self.store.store_dir().display(p))),
            Some(cairn_build::BuiltPath::Opaque(p)) => {
                Some(PathBuf::from(self.store.store_dir().display(p)))
            }
            None => None,
        }
        .ok_or_else(|| CliError::user("building the system produced no output"))?;
        Ok(Built {
            toplevel: self.toplevel(&path),
            eval,
            build,
        })
    }

    fn build(&self, a: &ConfigArgs, settings: &Settings, env: &Environment) -> CliResult<Built> {
        self.build_config(a.config.as_deref(), a.show_trace, &a.flags, settings, env)
    }

    /// Rewrites the boot entries for every kept generation, `default`
    /// first; `None` when the default generation has no kernel to boot.
    fn write_boot_entries(&self, default: u64) -> CliResult<Option<cairn_system::BootReport>> {
        let mut boot = Vec::new();
        let mut loader = cairn_system::BootLoader::default();
        for g in self.generations()? {
            let toplevel = self.generation(&g);
            let plan = toplevel.plan().map_err(system_error)?;
            if g.number == default {
                loader = plan.boot_loader;
            }
            let Some(entry) = plan.boot_entry else {
                continue;
            };
            boot.push(cairn_system::BootGeneration {
                number: g.number,
                toplevel: toplevel.path().to_owned(),
                label: plan.label.clone(),
                entry,
                created: g.created_seconds(),
                specialisations: cairn_system::BootSpecialisation::of(&toplevel)
                    .map_err(system_error)?,
            });
        }
        if !boot
            .iter()
            .any(|g| g.number == default && g.entry.kernel.is_some())
        {
            // Nothing to boot (no `boot.kernelPackage`: a container or a
            // machine booted elsewhere); an entry without a kernel would
            // not start anything.
            return Ok(None);
        }
        cairn_system::write_boot_entries(&self.root, &self.store_root, &boot, default, &loader)
            .map(Some)
            .map_err(system_error)
    }
}

/// A path as a Nix path literal (absolute paths need no quoting unless
/// they hold characters a path literal cannot).
fn nix_path(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b))
    {
        text
    } else {
        format!(
            "/. + \"{}\"",
            text.replace('\\', "\\\\").replace('"', "\\\"")
        )
    }
}

fn system_error(err: cairn_system::Error) -> CliError {
    CliError::from_error(ErrorKind::User, &err)
}

fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `systemctl` for the real machine, when the root is `/` and systemd
/// runs; otherwise the units plan is only printed.
fn systemctl_for(root: &Path) -> Option<SystemctlCommand> {
    SystemctlCommand::for_root(root)
}

fn activate(
    machine: &Machine,
    new: &Toplevel,
    old: Option<&Toplevel>,
) -> CliResult<cairn_system::Report> {
    let mut systemctl = systemctl_for(&machine.root);
    let started = Instant::now();
    let report = cairn_system::activate(
        &machine.root,
        new,
        old,
        systemctl
            .as_mut()
            .map(|s| s as &mut dyn cairn_system::Systemctl),
    )
    .map_err(|err| {
        let help = match &err {
            cairn_system::Error::Clash { .. } => {
                "move those files away (or declare them in environment.etc), then switch again"
            }
            _ => "nothing was changed: the previous system is still active",
        };
        CliError::from_error(ErrorKind::User, &err)
            .context("activation failed")
            .with_help(help)
    })?;
    report_activation(&report, started.elapsed());
    Ok(report)
}

fn report_activation(done: &cairn_system::Report, took: Duration) {
    let mut parts = Vec::new();
    if !done.etc_written.is_empty() || !done.etc_removed.is_empty() {
        parts.push(format!(
            "{} /etc entries written, {} removed",
            done.etc_written.len(),
            done.etc_removed.len()
        ));
    }
    for (what, changes) in [("users", &done.users), ("groups", &done.groups)] {
        if !changes.added.is_empty() {
            parts.push(format!("{what} added: {}", changes.added.join(", ")));
        }
        if !changes.removed.is_empty() {
            parts.push(format!("{what} removed: {}", changes.removed.join(", ")));
        }
    }
    report(&format!(
        "Activated in {}{}",
        build::elapsed(took),
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        }
    ));
    for line in units_lines(&done.units) {
        report(&format!(
            "  {line}{}",
            if done.units_applied {
                ""
            } else {
                " (not applied: no running systemd for this root)"
            }
        ));
    }
    for warning in &done.warnings {
        report(&format!("warning: {warning}"));
    }
    for failure in &done.unit_failures {
        report(&format!("warning: {failure}"));
    }
    for left in &done.etc_left_in_place {
        report(&format!(
            "warning: /etc/{left} is no longer declared but was edited by hand; left in place"
        ));
    }
}

fn units_lines(plan: &cairn_system::UnitsPlan) -> Vec<String> {
    use cairn_system::UnitAction;
    let mut lines = Vec::new();
    for (action, verb) in [
        (UnitAction::Stop, "stop"),
        (UnitAction::Start, "start"),
        (UnitAction::Restart, "restart"),
        (UnitAction::Reload, "reload"),
    ] {
        let units = plan.with_action(action);
        if !units.is_empty() {
            lines.push(format!("{verb}: {}", units.join(", ")));
        }
    }
    lines
}

fn switch(
    a: &ConfigArgs,
    mode: Mode,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let machine = Machine::open(&a.root, settings, env)?;
    let built = machine.build(a, settings, env)?;
    built.report_times();
    let current = machine.current()?;
    if mode != Mode::Boot {
        let target = built.activated(a.specialisation.as_deref())?;
        activate(&machine, &target, machine.active()?.as_ref())?;
    }
    if mode != Mode::Test {
        make_generation(&machine, &built.toplevel, current.as_ref())?;
    }
    emit_line(stdout, &built.toplevel.path().display().to_string())
}

/// Makes `toplevel` the next generation of the system profile (unless it
/// is `current` already) and rewrites the boot menu with it as default.
fn make_generation(
    machine: &Machine,
    toplevel: &Toplevel,
    current: Option<&Toplevel>,
) -> CliResult {
    {
        let target = machine
            .store
            .store_dir()
            .parse_path(&toplevel.path().display().to_string())
            .map_err(|err| CliError::from_error(ErrorKind::User, &err))?;
        let unchanged = current.map(Toplevel::path) == Some(toplevel.path());
        let number = if unchanged {
            machine
                .profile
                .current()
                .map_err(|err| CliError::from_error(ErrorKind::User, &err))?
                .map(|g| g.number)
                .unwrap_or(0)
        } else {
            let switched = machine
                .profile
                .create_generation(&*machine.store, &target)
                .map_err(|err| CliError::from_error(ErrorKind::User, &err))?;
            report(&format!("Made generation {}", switched.to));
            switched.to
        };
        match machine.write_boot_entries(number)? {
            Some(boot) => {
                let mut left_out = Vec::new();
                if !boot.without_kernel.is_empty() {
                    left_out.push(format!("{} without a kernel", boot.without_kernel.len()));
                }
                if !boot.over_limit.is_empty() {
                    left_out.push(format!(
                        "{} over boot.loader.configurationLimit",
                        boot.over_limit.len()
                    ));
                }
                report(&format!(
                    "Boot menu: {} generations{}",
                    boot.written.len(),
                    if left_out.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} left out)", left_out.join(", "))
                    }
                ));
            }
            None => {
                report("Boot menu: not written: this generation has no kernel");
                report("hint: set `boot.kernelPackage = pkgs.linux;` (or boot.kernel) to boot it");
            }
        }
    }
    Ok(())
}

/// `cairn system activate TOPLEVEL`: activation of a system built before
/// (by `cairn system build`, or booted from the menu), coming from the
/// system active in the root.
fn activate_toplevel(
    a: &ActivateArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let machine = Machine::open(&a.root, settings, env)?;
    let toplevel = machine.toplevel(&machine.store_path_of(&a.toplevel)?);
    toplevel.plan().map_err(|err| {
        system_error(err)
            .context(format!("'{}' is not a cairn system", a.toplevel.display()))
            .with_help("build one with `cairn system build`")
    })?;
    let current = machine.current()?;
    activate(&machine, &toplevel, machine.active()?.as_ref())?;
    if a.make_generation {
        make_generation(&machine, &toplevel, current.as_ref())?;
    }
    emit_line(stdout, &toplevel.path().display().to_string())
}

fn rollback(
    a: &RootArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let machine = Machine::open(a, settings, env)?;
    let current = machine.current()?.ok_or_else(|| {
        CliError::user("the system has no generation to roll back from")
            .with_help("make one with `cairn system switch`")
    })?;
    let generations = machine.generations()?;
    let now = machine
        .profile
        .current()
        .map_err(|err| CliError::from_error(ErrorKind::User, &err))?
        .map(|g| g.number)
        .unwrap_or(0);
    let previous = generations
        .iter()
        .filter(|g| g.number < now)
        .max_by_key(|g| g.number)
        .ok_or_else(|| {
            CliError::user(format!(
                "generation {now} is the oldest one; there is nothing to roll back to"
            ))
            .with_help("list the generations with `cairn system generations`")
        })?;
    let target = machine.generation(previous);
    let active = machine.active()?.unwrap_or(current);
    activate(&machine, &target, Some(&active))?;
    let switched = machine
        .profile
        .switch_to(previous.number)
        .map_err(|err| CliError::from_error(ErrorKind::User, &err))?;
    report(&format!(
        "Rolled back from generation {} to {}",
        now, switched.to
    ));
    machine.write_boot_entries(previous.number)?;
    emit_line(stdout, &target.path().display().to_string())
}

fn generations(
    a: &ReadArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let machine = Machine::open(&a.root, settings, env)?;
    let current = machine
        .profile
        .current()
        .map_err(|err| CliError::from_error(ErrorKind::User, &err))?
        .map(|g| g.number);
    let mut rows = Vec::new();
    for g in machine.generations()? {
        let toplevel = machine.generation(&g);
        let version =
            std::fs::read_to_string(toplevel.physical(&toplevel.path().join("nixos-version")))
                .unwrap_or_default();
        let packages = package_count(&machine, &toplevel);
        rows.push((g, version, packages));
    }
    if a.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(g, version, packages)| {
                serde_json::json!({
                    "generation": g.number,
                    "created": g.created_seconds(),
                    "toplevel": machine.store.store_dir().display(&g.target),
                    "version": version,
                    "packages": packages,
                    "current": Some(g.number) == current,
                })
            })
            .collect();
        return emit_line(
            stdout,
            &serde_json::to_string_pretty(&list).unwrap_or_default(),
        );
    }
    if rows.is_empty() {
        report("No generations yet");
        report("hint: make one with `cairn system switch`");
        return Ok(());
    }
    for (g, version, packages) in &rows {
        let line = format!(
            "{:>4}   {}   {:<12} {:>3} packages{}",
            g.number,
            crate::commands::profile::utc_time(g.created_seconds()),
            version,
            packages.map_or_else(|| "?".to_owned(), |n| n.to_string()),
            if Some(g.number) == current {
                "   (current)"
            } else {
                ""
            }
        );
        emit_line(stdout, &line)?;
    }
    Ok(())
}

/// The number of packages in a system's environment: the references of
/// its `sw` path.
fn package_count(machine: &Machine, toplevel: &Toplevel) -> Option<usize> {
    let sw = std::fs::read_link(toplevel.physical(&toplevel.path().join("sw"))).ok()?;
    let sw = machine
        .store
        .store_dir()
        .parse_path(&sw.display().to_string())
        .ok()?;
    let info = machine.store.query_path_info(&sw).ok()??;
    Some(info.info.references.iter().filter(|r| **r != sw).count())
}

fn diff(a: &DiffArgs, settings: &Settings, env: &Environment, stdout: &mut dyn Write) -> CliResult {
    let machine = Machine::open(&a.root, settings, env)?;
    let (old, new) = match a.generations.as_slice() {
        [] => {
            let built =
                machine.build_config(a.config.as_deref(), false, &a.flags, settings, env)?;
            (machine.active()?, built.toplevel)
        }
        [one] => (machine.current()?, machine.generation_toplevel(*one)?),
        [old, new, ..] => (
            Some(machine.generation_toplevel(*old)?),
            machine.generation_toplevel(*new)?,
        ),
    };
    print_diff(&machine, old.as_ref(), &new, a.json, stdout)
}

fn print_diff(
    machine: &Machine,
    old: Option<&Toplevel>,
    new: &Toplevel,
    json: bool,
    stdout: &mut dyn Write,
) -> CliResult {
    let Some(old) = old else {
        report("No current system to compare with: everything would be new");
        return Ok(());
    };
    let system = cairn_system::diff(old, new).map_err(system_error)?;
    let packages = cairn_system::package_diff(&*machine.store as &dyn Store, old, new).ok();
    if json {
        let value = serde_json::json!({
            "system": system,
            "packages": packages.as_ref().map(|p| p.to_string()),
        });
        return emit_line(
            stdout,
            &serde_json::to_string_pretty(&value).unwrap_or_default(),
        );
    }
    let mut lines = Vec::new();
    if let Some(packages) = &packages {
        let text = packages.to_string();
        if !text.trim().is_empty() {
            lines.push("Packages:".to_owned());
            lines.extend(text.lines().map(|l| format!("  {l}")));
        }
    }
    for (what, changes) in [
        ("/etc", &system.etc),
        ("Users", &system.users),
        ("Groups", &system.groups),
    ] {
        if changes.added.is_empty() && changes.removed.is_empty() && changes.changed.is_empty() {
            continue;
        }
        lines.push(format!("{what}:"));
        lines.extend(changes.added.iter().map(|n| format!("  + {n}")));
        lines.extend(changes.removed.iter().map(|n| format!("  - {n}")));
        lines.extend(changes.changed.iter().map(|n| format!("  ~ {n}")));
    }
    if let Some((before, after)) = &system.host_name {
        lines.push(format!(
            "Host name: {} -> {}",
            before.as_deref().unwrap_or("(none)"),
            after.as_deref().unwrap_or("(none)")
        ));
    }
    if let Some((before, after)) = &system.time_zone {
        lines.push(format!(
            "Time zone: {} -> {}",
            before.as_deref().unwrap_or("(none)"),
            after.as_deref().unwrap_or("(none)")
        ));
    }
    let units = units_lines(&system.units);
    if !units.is_empty() {
        lines.push("Units:".to_owned());
        lines.extend(units.into_iter().map(|l| format!("  {l}")));
    }
    if lines.is_empty() {
        report("No differences");
    }
    for line in lines {
        emit_line(stdout, &line)?;
    }
    Ok(())
}

fn status(
    a: &ReadArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let machine = Machine::open(&a.root, settings, env)?;
    // What is activated (a specialisation, after `switch -s`), else the
    // current generation.
    let current = machine.active()?.ok_or_else(|| {
        CliError::user("the system has no generation yet")
            .with_help("make one with `cairn system switch`")
    })?;
    let drift = cairn_system::status(&machine.root, &current).map_err(system_error)?;
    if a.json {
        emit_line(
            stdout,
            &serde_json::to_string_pretty(&drift).unwrap_or_default(),
        )?;
    } else if drift.is_empty() {
        report("The system matches its configuration");
    } else {
        for (path, what) in &drift.etc {
            emit_line(
                stdout,
                &format!("/etc/{path}: {}", describe_etc_drift(what)),
            )?;
        }
        for account in &drift.accounts {
            let what = match &account.found {
                None => "missing".to_owned(),
                Some(found) => format!("is '{found}', declared '{}'", account.expected),
            };
            emit_line(
                stdout,
                &format!("/etc/{}: {}: {what}", account.file, account.name),
            )?;
        }
    }
    if drift.is_empty() {
        Ok(())
    } else {
        Err(
            CliError::user("the system has drifted from its configuration")
                .with_help("`cairn system switch` puts the managed files back"),
        )
    }
}

fn describe_etc_drift(drift: &cairn_system::EtcDrift) -> String {
    use cairn_system::EtcDrift;
    match drift {
        EtcDrift::Missing => "missing".to_owned(),
        EtcDrift::Retargeted { expected, found } => format!(
            "points to '{}' instead of '{}'",
            found.display(),
            expected.display()
        ),
        EtcDrift::ContentChanged => "edited by hand".to_owned(),
        EtcDrift::ModeChanged { expected, found } => {
            format!("mode {found} instead of {expected}")
        }
        EtcDrift::OwnerChanged { expected, found } => {
            format!("owner {found} instead of {expected}")
        }
        EtcDrift::Replaced => "replaced by something cairn did not put there".to_owned(),
    }
}
