//! The `nix-env` personality: started under the name `nix-env` (a symlink
//! to the binary), cairn takes Nix 2.8's `nix-env` command line and
//! reports the way Nix does, so scripts that manage a profile with
//! `nix-env` keep working.
//!
//! This is a front end only. Every operation is the one `cairn profile`
//! runs ([`profile::install_store_paths`], [`profile_install::install`],
//! [`profile::remove_packages`], [`profile_install::upgrade`], the
//! generation operations of `cairn-profile`), called in
//! [`Voice::NixEnv`], which words the reports as Nix does (checked against
//! Nix 2.8): `installing 'hello-2.10'`, `replacing old 'hello-2.10'`,
//! `uninstalling 'hello-2.10'`, `upgrading 'hello-2.10' to 'hello-2.12'`,
//! `switching profile from version 3 to 2`, `removing profile version 1`
//! on standard error; `-q` and `--list-generations` tables on standard
//! output. Errors are `error: MESSAGE` with status 1, and command-line
//! errors add Nix's `Try 'nix-env --help'` line.
//!
//! Supported, as in Nix: `-i`/`--install` (store paths and `.drv`s; with
//! `-f FILE` names, or attribute paths with `-A`; `-E` functions applied
//! to FILE's value), `-e`/`--uninstall`, `-u`/`--upgrade` (`--lt`,
//! `--leq`, `--always`; with `-f` against FILE's derivations, without it
//! against where each package was installed from), `-q`/`--query`
//! (`--installed`, `-a`/`--available` with `-f`, `--out-path`,
//! `-P`/`--attr-path`), `--rollback`, `--list-generations`,
//! `--switch-generation`/`-G`, `--delete-generations`, `-p`/`--profile`,
//! `--dry-run`, `--store`, `-I`; compound short flags (`-iA`, `-qaP`).
//! There is no `~/.nix-defexpr`: installing by name needs `-f`. The
//! default profile is `cairn profile`'s.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use cairn_profile::{DeleteSelector, Element, Manifest, Profile};
use cairn_settings::Settings;
use cairn_store::{LocalStore, Store};

use crate::args::BuildFlags;
use crate::commands::profile::{self, Voice};
use crate::commands::profile_install::{self, InstallRequest, UpgradePolicy, UpgradeRequest};
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ExitStatus};

/// The program name that selects this personality.
pub(crate) const PROGRAM: &str = "nix-env";

/// The operation, one per command line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Operation {
    Install,
    Uninstall,
    Upgrade,
    Query,
    Rollback,
    ListGenerations,
    SwitchGeneration(String),
    DeleteGenerations,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    operation: Option<Operation>,
    profile: Option<PathBuf>,
    file: Option<PathBuf>,
    /// `-A`: the arguments are attribute paths.
    attr: bool,
    /// `-E`: the arguments are functions of FILE's value.
    expr: bool,
    store: Option<PathBuf>,
    dry_run: bool,
    available: bool,
    out_path: bool,
    attr_path: bool,
    /// `-s`: the `IPS` status column.
    status: bool,
    policy: UpgradePolicy,
    include: Vec<String>,
    /// `-j N`, `--cores N`.
    max_jobs: Option<usize>,
    cores: Option<u32>,
    /// `-K`, `-k`, `-L`.
    keep_failed: bool,
    keep_going: bool,
    print_build_logs: bool,
    args: Vec<String>,
}

impl Options {
    /// How to build what an install or upgrade needs.
    fn build_flags(&self) -> BuildFlags {
        BuildFlags {
            max_jobs: self.max_jobs,
            cores: self.cores,
            keep_failed: self.keep_failed,
            keep_going: self.keep_going,
            timeout: None,
            max_silent_time: None,
            check: false,
            print_build_logs: self.print_build_logs,
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
enum Request {
    Run(Box<Options>),
    Help,
    Version,
}

/// Nix's wording of a command-line error (the second line is Nix's too).
fn usage_error(message: &str) -> String {
    format!("error: {message}\nTry '{PROGRAM} --help' for more information.")
}

/// Nix's expansion of compound short flags: `-qaP` is `-q -a -P`, and
/// what follows a non-letter is the value (`-I/dir` is `-I /dir`).
fn expand(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        let bytes = arg.as_bytes();
        if bytes.len() > 2 && bytes[0] == b'-' && bytes[1] != b'-' && bytes[1].is_ascii_alphabetic()
        {
            out.push(format!("-{}", char::from(bytes[1])));
            for (j, c) in arg.char_indices().skip(2) {
                if c.is_ascii_alphabetic() {
                    out.push(format!("-{c}"));
                } else {
                    out.push(arg[j..].to_owned());
                    break;
                }
            }
        } else {
            out.push(arg.clone());
        }
    }
    out
}

/// Parses Nix 2.8's `nix-env` flags (the program name excluded).
fn parse_args(args: &[String]) -> Result<Request, String> {
    let args = expand(args);
    let mut o = Options {
        operation: None,
        profile: None,
        file: None,
        attr: false,
        expr: false,
        store: None,
        dry_run: false,
        available: false,
        out_path: false,
        attr_path: false,
        status: false,
        policy: UpgradePolicy::Newer,
        include: Vec::new(),
        max_jobs: None,
        cores: None,
        keep_failed: false,
        keep_going: false,
        print_build_logs: false,
        args: Vec::new(),
    };
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| usage_error(&format!("flag '{flag}' requires 1 argument(s)")))
    };
    let set = |o: &mut Options, op: Operation| -> Result<(), String> {
        if o.operation.is_some() {
            return Err(usage_error("only one operation may be specified"));
        }
        o.operation = Some(op);
        Ok(())
    };
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "--help" => return Ok(Request::Help),
            "--version" => return Ok(Request::Version),
            "--install" | "-i" => set(&mut o, Operation::Install)?,
            "--uninstall" | "-e" => set(&mut o, Operation::Uninstall)?,
            "--upgrade" | "-u" => set(&mut o, Operation::Upgrade)?,
            "--query" | "-q" => set(&mut o, Operation::Query)?,
            "--rollback" => set(&mut o, Operation::Rollback)?,
            "--list-generations" => set(&mut o, Operation::ListGenerations)?,
            "--delete-generations" => set(&mut o, Operation::DeleteGenerations)?,
            "--switch-generation" | "-G" => {
                let number = value(&mut i, arg)?;
                set(&mut o, Operation::SwitchGeneration(number))?;
            }
            "--profile" | "-p" => o.profile = Some(PathBuf::from(value(&mut i, arg)?)),
            "--file" | "-f" => o.file = Some(PathBuf::from(value(&mut i, arg)?)),
            "--store" => o.store = Some(PathBuf::from(value(&mut i, arg)?)),
            "--include" | "-I" => o.include.push(value(&mut i, arg)?),
            "--attr" | "-A" => o.attr = true,
            "--expr" | "-E" => o.expr = true,
            "--dry-run" => o.dry_run = true,
            "--installed" => o.available = false,
            "--available" | "-a" => o.available = true,
            "--out-path" => o.out_path = true,
            "--attr-path" | "-P" => o.attr_path = true,
            "--status" | "-s" => o.status = true,
            "--max-jobs" | "-j" => {
                let text = value(&mut i, arg)?;
                o.max_jobs = Some(text.parse().map_err(|_| {
                    usage_error(&format!("flag '{arg}' requires an integer argument"))
                })?);
            }
            "--cores" => {
                let text = value(&mut i, arg)?;
                o.cores = Some(text.parse().map_err(|_| {
                    usage_error(&format!("flag '{arg}' requires an integer argument"))
                })?);
            }
            "--keep-failed" | "-K" => o.keep_failed = true,
            "--keep-going" | "-k" => o.keep_going = true,
            "--print-build-logs" | "-L" => o.print_build_logs = true,
            "--lt" => o.policy = UpgradePolicy::Newer,
            "--leq" => o.policy = UpgradePolicy::Leq,
            "--always" => o.policy = UpgradePolicy::Always,
            // Accepted for compatibility; they change nothing here.
            "--no-build-output"
            | "-Q"
            | "--show-trace"
            | "--quiet"
            | "--preserve-installed"
            | "--prebuilt-only"
            | "-b" => {}
            _ if arg.starts_with('-') && arg.len() > 1 => {
                return Err(usage_error(&format!("unrecognised flag '{arg}'")));
            }
            _ => o.args.push(arg.to_owned()),
        }
        i += 1;
    }
    if o.operation.is_none() {
        return Err(usage_error("no operation specified"));
    }
    Ok(Request::Run(Box::new(o)))
}

/// Runs `nix-env ARGS…` (`args` includes the program name).
#[expect(
    clippy::print_stderr,
    reason = "this personality reports errors as Nix does"
)]
pub(crate) fn main(args: Vec<OsString>, env: &Environment, stdout: &mut dyn Write) -> ExitStatus {
    let args: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let options = match parse_args(&args) {
        Ok(Request::Run(options)) => options,
        Ok(Request::Help) => return write_out(stdout, HELP.as_bytes()),
        Ok(Request::Version) => {
            let text = format!(
                "{PROGRAM} (cairn {}) {}\n",
                env!("CARGO_PKG_VERSION"),
                cairn_eval::NIX_VERSION
            );
            return write_out(stdout, text.as_bytes());
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitStatus::UserError;
        }
    };
    let result = run(&options, env, stdout)
        .and_then(|()| stdout.flush().map_err(|err| CliError::stdout(&err)));
    match result {
        Ok(()) => ExitStatus::Success,
        Err(err) if err.kind() == crate::error::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(err) => {
            eprintln!("{}", nix_message(&err));
            ExitStatus::UserError
        }
    }
}

/// An error as Nix prints it: `error: MESSAGE: CAUSE…`; messages already
/// in Nix's layout (the evaluator's, command-line errors) as they are.
fn nix_message(err: &CliError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    if text.starts_with("error: ") {
        text
    } else {
        format!("error: {text}")
    }
}

fn write_out(stdout: &mut dyn Write, bytes: &[u8]) -> ExitStatus {
    // A closed standard output is not an error, as elsewhere.
    let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
    ExitStatus::Success
}

/// The profile and the settings an operation works with.
struct Context<'a> {
    options: &'a Options,
    profile: Profile,
    settings: Settings,
    env: &'a Environment,
}

impl Context<'_> {
    fn store(&self) -> CliResult<Arc<LocalStore>> {
        profile::open_store(self.options.store.clone(), &self.settings, self.env)
    }

    fn voice(&self) -> Voice {
        Voice::NixEnv {
            dry_run: self.options.dry_run,
        }
    }
}

fn run(o: &Options, env: &Environment, stdout: &mut dyn Write) -> CliResult {
    let settings = env.settings(&[])?;
    let store_dir = cairn_store_path::StoreDir::new(&settings.store_dir).map_err(|err| {
        CliError::from_error(crate::error::ErrorKind::User, &err)
            .context(format!("bad store-dir '{}'", settings.store_dir))
    })?;
    let profile_path = match &o.profile {
        Some(path) => path.clone(),
        None => {
            let root = profile::store_root(o.store.as_deref(), env)?;
            profile::default_profile(&root, env)?
        }
    };
    let profile = Profile::open(profile_path, &store_dir).map_err(profile::from_profile)?;
    let cx = Context {
        options: o,
        profile,
        settings,
        env,
    };
    let Some(operation) = &o.operation else {
        return Err(CliError::user("no operation specified"));
    };
    match operation {
        Operation::Install => install(&cx, stdout),
        Operation::Uninstall => {
            let store = cx.store()?;
            profile::remove_packages(&cx.profile, &store, env, stdout, &o.args, cx.voice())
        }
        Operation::Upgrade => {
            let store = cx.store()?;
            let flags = o.build_flags();
            let request = UpgradeRequest {
                names: &o.args,
                policy: o.policy,
                file: o.file.as_deref(),
                include: &o.include,
                flags: &flags,
                voice: cx.voice(),
            };
            profile_install::upgrade(&cx.profile, &store, &request, &cx.settings, env, stdout)
        }
        Operation::Query => query(&cx, stdout),
        Operation::Rollback => {
            let switch = cx.profile.rollback().map_err(profile::from_profile)?;
            report_switch(switch.from, switch.to);
            Ok(())
        }
        Operation::SwitchGeneration(text) => {
            let number = text
                .parse::<u64>()
                .ok()
                .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    CliError::user(usage_error(&format!("invalid generation number '{text}'")))
                })?;
            let switch = cx
                .profile
                .switch_to(number)
                .map_err(profile::from_profile)?;
            report_switch(switch.from, switch.to);
            Ok(())
        }
        Operation::ListGenerations => list_generations(&cx.profile, stdout),
        Operation::DeleteGenerations => {
            // Nix treats a bad argument as a command-line error.
            let selector = DeleteSelector::parse(&o.args)
                .map_err(|err| CliError::user(usage_error(&err.to_string())))?;
            let mut deleted = cx
                .profile
                .delete_generations(&selector, SystemTime::now(), o.dry_run)
                .map_err(profile::from_profile)?;
            deleted.sort_by_key(|g| g.number);
            for generation in deleted {
                let verb = if o.dry_run {
                    "would remove"
                } else {
                    "removing"
                };
                note(&format!("{verb} profile version {}", generation.number));
            }
            Ok(())
        }
    }
}

/// A line on standard error, as Nix reports.
#[expect(clippy::print_stderr, reason = "Nix reports on standard error")]
fn note(line: &str) {
    eprintln!("{line}");
}

/// `switching profile from version M to N`.
fn report_switch(from: Option<u64>, to: u64) {
    note(&format!(
        "switching profile from version {} to {to}",
        from.unwrap_or(0)
    ));
}

/// `nix-env -i`.
fn install(cx: &Context<'_>, stdout: &mut dyn Write) -> CliResult {
    let o = cx.options;
    let store = cx.store()?;
    if o.file.is_none() && !o.expr {
        let store_dir = store.store_dir();
        if let Some(name) = o.args.iter().find(|a| !store_dir.is_in_store(a)) {
            return Err(CliError::user(format!(
                "cannot install '{name}': there is no default collection (~/.nix-defexpr); \
                 pass '-f FILE', or give a store path"
            )));
        }
        if !o.args.iter().any(|a| a.ends_with(".drv")) {
            let paths = o
                .args
                .iter()
                .map(|text| profile::parse_store_path(store_dir, text))
                .collect::<CliResult<Vec<_>>>()?;
            if paths.is_empty() {
                return Ok(());
            }
            return profile::install_store_paths(
                &cx.profile,
                &store,
                cx.env,
                stdout,
                &paths,
                None,
                cx.voice(),
            );
        }
    }
    if o.args.is_empty() {
        return Ok(());
    }
    let base = |paths: Vec<String>, expr: Option<String>, attr: Vec<String>, names: Vec<String>| {
        InstallRequest {
            paths,
            priority: None,
            file: if expr.is_some() { None } else { o.file.clone() },
            expr,
            attr,
            names,
            include: o.include.clone(),
            flags: o.build_flags(),
            voice: cx.voice(),
        }
    };
    let requests: Vec<InstallRequest> = if o.file.is_none() && !o.expr {
        vec![base(o.args.clone(), None, Vec::new(), Vec::new())]
    } else if o.expr {
        // Each argument is a function of FILE's value (`{}` without -f).
        let collection = match &o.file {
            Some(file) => format!("(import {})", nix_string(&absolute(file)?)),
            None => "{}".to_owned(),
        };
        o.args
            .iter()
            .map(|f| {
                base(
                    Vec::new(),
                    Some(format!("({f}) {collection}")),
                    Vec::new(),
                    Vec::new(),
                )
            })
            .collect()
    } else if o.attr {
        vec![base(Vec::new(), None, o.args.clone(), Vec::new())]
    } else {
        vec![base(Vec::new(), None, Vec::new(), o.args.clone())]
    };
    for request in &requests {
        profile_install::install(&cx.profile, &store, request, &cx.settings, cx.env, stdout)?;
    }
    Ok(())
}

/// `path` made absolute against the working directory.
fn absolute(path: &Path) -> CliResult<String> {
    Ok(crate::commands::eval::current_dir()?
        .join(path)
        .display()
        .to_string())
}

/// A Nix string literal of `text`.
fn nix_string(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_default()
        .replace("${", "\\${")
}

/// `nix-env -q`: the installed packages (or with `-a` the file's), one
/// per line, sorted by name, with the columns asked for.
fn query(cx: &Context<'_>, stdout: &mut dyn Write) -> CliResult {
    /// One line of the table.
    struct Row {
        attr: String,
        name: String,
        out: String,
        /// Installed in the profile, the paths valid.
        installed: bool,
        present: bool,
    }
    let o = cx.options;
    let store = cx.store()?;
    let store_dir = cx.profile.store_dir().clone();
    let manifest = installed_manifest(cx, &store)?;
    let valid = |text: &str| {
        store_dir
            .parse_path(text)
            .ok()
            .is_some_and(|p| store.is_valid_path(&p).unwrap_or(false))
    };
    let mut rows: Vec<Row> = if o.available {
        let Some(file) = &o.file else {
            return Err(CliError::user(
                "there is no default collection (~/.nix-defexpr); pass '-f FILE' to query what is available",
            ));
        };
        let installed: Vec<String> = manifest
            .elements
            .iter()
            .flat_map(|e| e.store_paths.iter().map(|p| store_dir.display(p)))
            .collect();
        profile_install::available(&store, file, &o.include, &cx.settings, cx.env)?
            .into_iter()
            .map(|a| Row {
                installed: installed.contains(&a.out_path),
                present: o.status && valid(&a.out_path),
                attr: a.attr_path,
                name: a.name,
                out: a.out_path,
            })
            .collect()
    } else {
        manifest
            .elements
            .iter()
            .map(|e| Row {
                attr: "-".to_owned(),
                name: profile::full_name(e),
                out: out_paths(e, &store_dir),
                installed: true,
                present: o.status
                    && e.store_paths
                        .iter()
                        .all(|p| store.is_valid_path(p).unwrap_or(false)),
            })
            .collect()
    };
    if !o.args.is_empty() {
        for selector in &o.args {
            if !rows.iter().any(|row| name_matches(selector, &row.name)) {
                return Err(CliError::user(format!(
                    "selector '{selector}' matches no derivations"
                )));
            }
        }
        rows.retain(|row| o.args.iter().any(|s| name_matches(s, &row.name)));
    }
    if o.dry_run {
        note("(dry run; not doing anything)");
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.attr.cmp(&b.attr)));
    let statuses: Vec<String> = rows
        .iter()
        .map(|row| {
            format!(
                "{}{}-",
                if row.installed { 'I' } else { '-' },
                if row.present { 'P' } else { '-' }
            )
        })
        .collect();
    let table: Vec<Vec<&str>> = rows
        .iter()
        .zip(&statuses)
        .map(|(row, status)| {
            let mut cells = Vec::new();
            if o.status {
                cells.push(status.as_str());
            }
            if o.attr_path {
                cells.push(row.attr.as_str());
            }
            cells.push(row.name.as_str());
            if o.out_path {
                cells.push(row.out.as_str());
            }
            cells
        })
        .collect();
    crate::commands::emit(stdout, format_table(&table).as_bytes())
}

/// The current generation's manifest; empty when the profile does not
/// exist yet, as Nix shows nothing then.
fn installed_manifest(cx: &Context<'_>, store: &Arc<LocalStore>) -> CliResult<Manifest> {
    let Some(target) = cx.profile.resolve().map_err(profile::from_profile)? else {
        return Ok(Manifest::default());
    };
    Manifest::read(store.as_ref(), &target)
        .map_err(profile::from_profile)?
        .ok_or_else(|| {
            CliError::user(format!(
                "profile '{}' is not a user environment (it has no manifest.json)",
                cx.profile.path().display()
            ))
        })
}

/// The `--out-path` column: the path of a single `out`, else
/// `NAME=PATH` pairs joined by `;`.
fn out_paths(element: &Element, store_dir: &cairn_store_path::StoreDir) -> String {
    if let ([output], [path]) = (element.outputs.as_slice(), element.store_paths.as_slice())
        && output == "out"
    {
        return store_dir.display(path);
    }
    element
        .outputs
        .iter()
        .zip(&element.store_paths)
        .map(|(output, path)| format!("{output}={}", store_dir.display(path)))
        .collect::<Vec<_>>()
        .join(";")
}

/// Whether selector `selector` names the derivation `full` (`hello-2.10`).
fn name_matches(selector: &str, full: &str) -> bool {
    let (name, _) = cairn_profile::split_name_version(full);
    selector == "*" || selector == name || selector == full
}

/// Nix's `printTable`: columns padded to their widest cell and two
/// spaces, the last column not padded.
fn format_table(rows: &[Vec<&str>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - cell.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

/// `nix-env --list-generations`: `   N   YYYY-MM-DD HH:MM:SS   ` and
/// `(current)`, times in UTC.
fn list_generations(profile: &Profile, stdout: &mut dyn Write) -> CliResult {
    let generations = profile.generations().map_err(profile::from_profile)?;
    let current = profile
        .current()
        .map_err(profile::from_profile)?
        .map(|g| g.number);
    let mut text = String::new();
    for generation in &generations {
        text.push_str(&format!(
            "{:4}   {}   {}\n",
            generation.number,
            profile::utc_time(generation.created_seconds()),
            if Some(generation.number) == current {
                "(current)"
            } else {
                ""
            }
        ));
    }
    crate::commands::emit(stdout, text.as_bytes())
}

/// `nix-env --help`.
const HELP: &str = "\
Usage: nix-env OPERATION [OPTIONS...] [ARGS...]

cairn's nix-env: Nix 2.8's command line over `cairn profile`.

Operations:
  -i, --install ARGS...         install store paths, or with -f names (-A: attribute paths)
  -e, --uninstall SELECTORS...  remove installed packages
  -u, --upgrade [SELECTORS...]  upgrade installed packages (--lt, --leq, --always)
  -q, --query [SELECTORS...]    list installed (--installed) or available (-a, with -f) packages
      --rollback                switch to the previous generation
      --list-generations        list the profile's generations
  -G, --switch-generation N     switch to generation N
      --delete-generations GENS delete generations: numbers, +K, Nd or old

Options:
  -p, --profile PATH            the profile (default: cairn's per-user profile)
  -f, --file FILE               the expression to install from
  -A, --attr                    the arguments are attribute paths
  -E, --expr                    the arguments are functions of FILE's value
      --out-path                -q: show output paths
  -P, --attr-path               -q: show attribute paths
      --dry-run                 show what would change, change nothing
      --store DIR               the store's root directory
  -I PATH                       add PATH to the search path
";

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn compound_flags_expand_as_nix_does() {
        assert_eq!(
            expand(&strings(&[
                "-qaP",
                "-iA",
                "-I/dir",
                "-G3",
                "--out-path",
                "-",
                "x"
            ])),
            strings(&[
                "-q",
                "-a",
                "-P",
                "-i",
                "-A",
                "-I",
                "/dir",
                "-G",
                "3",
                "--out-path",
                "-",
                "x"
            ])
        );
    }

    #[test]
    fn one_operation_and_known_flags() {
        let Ok(Request::Run(o)) =
            parse_args(&strings(&["-p", "/p", "-iA", "hello", "-f", "x.nix"]))
        else {
            panic!("parses");
        };
        assert_eq!(o.operation, Some(Operation::Install));
        assert!(o.attr);
        assert_eq!(o.args, strings(&["hello"]));
        assert_eq!(o.file.as_deref(), Some(Path::new("x.nix")));
        assert_eq!(
            parse_args(&strings(&["-i", "-e"])).err().unwrap(),
            "error: only one operation may be specified\nTry 'nix-env --help' for more information."
        );
        assert!(
            parse_args(&strings(&["-p", "/p"]))
                .err()
                .unwrap()
                .contains("no operation specified")
        );
        assert!(
            parse_args(&strings(&["-q", "--bogus"]))
                .err()
                .unwrap()
                .contains("unrecognised flag '--bogus'")
        );
        assert!(
            parse_args(&strings(&["-q", "-p"]))
                .err()
                .unwrap()
                .contains("requires 1 argument")
        );
    }

    #[test]
    fn tables_pad_all_but_the_last_column() {
        assert_eq!(
            format_table(&[
                vec!["cowsay-3.03", "/nix/store/a"],
                vec!["hello-2.10", "/nix/store/b"]
            ]),
            "cowsay-3.03  /nix/store/a\nhello-2.10   /nix/store/b\n"
        );
        assert_eq!(format_table(&[vec!["hello-2.10"]]), "hello-2.10\n");
        assert_eq!(format_table(&[]), "");
    }

    #[test]
    fn selectors_match_names_and_full_names() {
        assert!(name_matches("hello", "hello-2.10"));
        assert!(name_matches("hello-2.10", "hello-2.10"));
        assert!(name_matches("*", "hello-2.10"));
        assert!(!name_matches("hell", "hello-2.10"));
        assert!(!name_matches("hello-2.1", "hello-2.10"));
    }
}
