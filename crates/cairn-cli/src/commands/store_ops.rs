//! `cairn store add|path-info|query|gc|delete|verify|optimise|why-depends|why-alive|ls|cat`:
//! the local store's objects, roots and garbage, over `cairn-store`'s
//! `LocalStore`.
//!
//! Results go to standard output (store paths one per line, or JSON with
//! `--json`) so scripts can use them; what happened goes to standard
//! error as one summary line (`Deleted 12 paths, freed 3.4 MiB in 41ms`)
//! and, where a next step is likely, a `hint:` line.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cairn_settings::Settings;
use cairn_store::{GcAction, GcOptions, LocalStore, Store, StoreError, ValidPathInfo};
use cairn_store_path::{FileIngestionMethod, StorePath};
use serde_json::{Value, json};

use crate::args::{
    DeleteArgs, GcArgs, PathInfoArgs, QueryArgs, StoreAddArgs, StoreCatArgs, StoreCommand,
    StoreLocation, StoreLsArgs, VerifyArgs, WhyAliveArgs, WhyDependsArgs,
};
use crate::commands::{emit, emit_line};
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind, io_help};

/// Runs one of the store subcommands this module handles.
pub(crate) fn run(
    command: StoreCommand,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let open = |location: &StoreLocation| super::build::open_store(location, settings, env);
    match command {
        StoreCommand::Add(args) => add(&*open(&args.store)?, &args, stdout),
        StoreCommand::PathInfo(args) => path_info(&*open(&args.store)?, &args, stdout),
        StoreCommand::Query(args) => query(&*open(&args.store)?, &args, stdout),
        StoreCommand::Gc(args) => gc(&*open(&args.store)?, &args, stdout),
        StoreCommand::Delete(args) => delete(&*open(&args.store)?, &args),
        StoreCommand::Verify(args) => verify(&*open(&args.store)?, &args, stdout),
        StoreCommand::Optimise(args) => optimise(&*open(&args.store)?),
        StoreCommand::WhyDepends(args) => why_depends(&*open(&args.store)?, &args, stdout),
        StoreCommand::WhyAlive(args) => why_alive(&*open(&args.store)?, &args, stdout),
        StoreCommand::Ls(args) => ls(&*open(&args.store)?, &args, stdout),
        StoreCommand::Cat(args) => cat(&*open(&args.store)?, &args, stdout),
        other => Err(CliError::internal(format!(
            "store_ops::run called for {other:?}"
        ))),
    }
}

/// Prints a line for the user on standard error.
#[expect(clippy::print_stderr, reason = "summaries and hints are for the user")]
fn report(line: &str) {
    eprintln!("{line}");
}

/// A store error for the user, with the next step.
fn store_error(err: StoreError) -> CliError {
    let help: Option<String> = match &err {
        StoreError::InvalidPath { .. } => {
            Some("add it with `cairn store add`, or build it; `cairn store path-info` shows what is valid".to_owned())
        }
        StoreError::ForeignDatabase { root, .. } => Some(format!(
            "use `--store DIR` with a directory of its own, not '{}'",
            root.display()
        )),
        StoreError::StillAlive { chain, path } => Some(match chain.first() {
            Some(root) => format!(
                "remove the root '{root}' first; `cairn store why-alive {path}` shows the chain"
            ),
            None => format!("see `cairn store why-alive {path}`"),
        }),
        StoreError::Referenced { path, referrer } => Some(format!(
            "delete the referrer too: `cairn store delete {referrer} {path}`"
        )),
        StoreError::NotInStore { store_dir, .. } => {
            Some(format!("give a path under '{store_dir}' or a symlink into it"))
        }
        StoreError::Io(io) => io_help(io.kind()).map(str::to_owned),
        StoreError::NotRegularFile { .. } => {
            Some("drop --flat to add a directory or symlink".to_owned())
        }
        StoreError::SchemaTooNew { .. } => Some("use a newer cairn with this store".to_owned()),
        StoreError::BadPath { .. } => Some(
            "a name is 1 to 211 letters, digits and `+-._?=`; pass --name NAME"
                .to_owned(),
        ),
        StoreError::Dump { .. } => {
            Some("check that the path exists and can be read".to_owned())
        }
        _ => None,
    };
    let cli = CliError::from_error(ErrorKind::User, &err);
    match help {
        Some(help) => cli.with_help(help),
        None => cli,
    }
}

/// The store path a command-line argument names: a path in the store
/// (logical or real, possibly a file inside an object) or a symlink into
/// it (`./result`).
fn resolve(store: &LocalStore, arg: &Path) -> CliResult<StorePath> {
    resolve_inner(store, arg).map(|(path, _)| path)
}

/// Like [`resolve`], also returning the part inside the object.
fn resolve_inner(store: &LocalStore, arg: &Path) -> CliResult<(StorePath, PathBuf)> {
    let split = |p: &Path| -> Option<(StorePath, PathBuf)> {
        let path = store.to_store_path(p).ok()?;
        let logical = PathBuf::from(store.store_dir().display(&path));
        let real = store.real_path(&path);
        let rest = p
            .strip_prefix(&real)
            .or_else(|_| p.strip_prefix(&logical))
            .ok()?
            .to_owned();
        Some((path, rest))
    };
    if arg.is_absolute()
        && let Some(found) = split(arg)
    {
        return Ok(found);
    }
    let canonical = std::fs::canonicalize(arg).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .context(format!("cannot resolve '{}'", arg.display()))
            .with_help(format!(
                "give a path under '{}' or a symlink into it",
                store.store_dir().as_str()
            ))
    })?;
    split(&canonical).ok_or_else(|| {
        store_error(StoreError::NotInStore {
            path: arg.to_owned(),
            store_dir: store.store_dir().as_str().to_owned(),
        })
    })
}

/// The metadata of `path`, which must be valid.
fn info_of(store: &LocalStore, path: &StorePath) -> CliResult<ValidPathInfo> {
    store
        .query_path_info(path)
        .map_err(store_error)?
        .ok_or_else(|| {
            store_error(StoreError::InvalidPath {
                path: store.store_dir().display(path),
            })
        })
}

fn json_line(stdout: &mut dyn Write, value: &Value) -> CliResult {
    emit_line(stdout, &value.to_string())
}

/// `3.4 MiB`, `120 B`.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `41ms`, `1.2s`.
fn human_duration(elapsed: Duration) -> String {
    if elapsed < Duration::from_secs(1) {
        format!("{}ms", elapsed.as_millis())
    } else {
        format!("{:.1}s", elapsed.as_secs_f64())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn add(store: &LocalStore, args: &StoreAddArgs, stdout: &mut dyn Write) -> CliResult {
    if args.name.is_some() && args.paths.len() > 1 {
        return Err(
            CliError::user("--name applies to one path, but several were given")
                .with_help("add the paths one at a time, each with its own --name"),
        );
    }
    let method = if args.flat {
        FileIngestionMethod::Flat
    } else {
        FileIngestionMethod::Recursive
    };
    for source in &args.paths {
        let name = match &args.name {
            Some(name) => name.clone(),
            None => source
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
                .ok_or_else(|| {
                    CliError::user(format!(
                        "cannot name a store path after '{}'",
                        source.display()
                    ))
                    .with_help("pass --name NAME")
                })?,
        };
        let path = store
            .add_path_to_store(&name, source, method, args.algo.into(), None)
            .map_err(|err| {
                store_error(err).context(format!("failed to add '{}'", source.display()))
            })?;
        emit_line(stdout, &store.store_dir().display(&path))?;
    }
    Ok(())
}

fn path_info(store: &LocalStore, args: &PathInfoArgs, stdout: &mut dyn Write) -> CliResult {
    let mut paths = BTreeSet::new();
    for arg in &args.paths {
        paths.insert(resolve(store, arg)?);
    }
    if args.recursive {
        paths = store.compute_closure(&paths).map_err(store_error)?;
    }
    let mut rows = Vec::new();
    for path in &paths {
        let info = info_of(store, path)?;
        let closure_size = if args.closure_size {
            let closure = store
                .compute_closure(&BTreeSet::from([path.clone()]))
                .map_err(store_error)?;
            let mut total = 0;
            for p in &closure {
                total += info_of(store, p)?.info.nar_size;
            }
            Some(total)
        } else {
            None
        };
        rows.push((info, closure_size));
    }
    let dir = store.store_dir();
    if args.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(v, closure_size)| {
                let info = &v.info;
                let mut object = serde_json::Map::new();
                object.insert("path".into(), json!(dir.display(&info.path)));
                object.insert("narHash".into(), json!(info.nar_hash.to_sri()));
                object.insert("narSize".into(), json!(info.nar_size));
                object.insert(
                    "references".into(),
                    json!(
                        info.references
                            .iter()
                            .map(|r| dir.display(r))
                            .collect::<Vec<_>>()
                    ),
                );
                if let Some(size) = closure_size {
                    object.insert("closureSize".into(), json!(size));
                }
                if let Some(ca) = &info.ca {
                    object.insert("ca".into(), json!(ca.to_string()));
                }
                if let Some(deriver) = &info.deriver {
                    object.insert("deriver".into(), json!(dir.display(deriver)));
                }
                object.insert("registrationTime".into(), json!(v.registration_time));
                if v.ultimate {
                    object.insert("ultimate".into(), json!(true));
                }
                if !info.signatures.is_empty() {
                    object.insert("signatures".into(), json!(info.signatures));
                }
                Value::Object(object)
            })
            .collect();
        return json_line(stdout, &Value::Array(list));
    }
    let width = rows
        .iter()
        .map(|(v, _)| dir.display(&v.info.path).len())
        .max()
        .unwrap_or(0);
    for (v, closure_size) in &rows {
        let mut line = dir.display(&v.info.path);
        if args.size || closure_size.is_some() {
            line = format!("{line:width$}");
        }
        if args.size {
            line.push_str(&format!("\t{:>11}", v.info.nar_size));
        }
        if let Some(size) = closure_size {
            line.push_str(&format!("\t{size:>11}"));
        }
        emit_line(stdout, &line)?;
    }
    Ok(())
}

fn query(store: &LocalStore, args: &QueryArgs, stdout: &mut dyn Write) -> CliResult {
    let dir = store.store_dir();
    let mut targets = BTreeSet::new();
    for arg in &args.paths {
        targets.insert(resolve(store, arg)?);
    }
    if args.why_alive {
        for path in &targets {
            print_why_alive(store, path, args.json, stdout)?;
        }
        return Ok(());
    }
    if args.roots {
        let mut found = Vec::new();
        for root in store.find_roots().map_err(store_error)? {
            if !store.is_valid_path(&root.path).map_err(store_error)? {
                continue;
            }
            let closure = store
                .compute_closure(&BTreeSet::from([root.path.clone()]))
                .map_err(store_error)?;
            if targets.iter().any(|t| closure.contains(t)) {
                found.push((root.link.display().to_string(), dir.display(&root.path)));
            }
        }
        found.sort();
        found.dedup();
        if args.json {
            let list: Vec<Value> = found
                .iter()
                .map(|(link, path)| json!({"root": link, "path": path}))
                .collect();
            return json_line(stdout, &Value::Array(list));
        }
        for (link, path) in found {
            emit_line(stdout, &format!("{link} -> {path}"))?;
        }
        return Ok(());
    }
    if args.deriver {
        let mut derivers = Vec::new();
        for path in &targets {
            let info = info_of(store, path)?;
            derivers.push(info.info.deriver.map(|d| dir.display(&d)));
        }
        if args.json {
            return json_line(stdout, &json!(derivers));
        }
        for deriver in derivers {
            emit_line(stdout, deriver.as_deref().unwrap_or("unknown-deriver"))?;
        }
        return Ok(());
    }
    let mut result = BTreeSet::new();
    for path in &targets {
        if args.references {
            result.extend(info_of(store, path)?.info.references);
        } else if args.referrers {
            info_of(store, path)?;
            result.extend(store.query_referrers(path).map_err(store_error)?);
        }
    }
    let lines: Vec<String> = if args.requisites {
        // Nix's order: each path after everything it refers to.
        let closure = store.compute_closure(&targets).map_err(store_error)?;
        store
            .topo_sort_paths(&closure)
            .map_err(store_error)?
            .iter()
            .map(|p| dir.display(p))
            .collect()
    } else {
        result.iter().map(|p| dir.display(p)).collect()
    };
    if args.json {
        return json_line(stdout, &json!(lines));
    }
    for line in lines {
        emit_line(stdout, &line)?;
    }
    Ok(())
}

fn gc(store: &LocalStore, args: &GcArgs, stdout: &mut dyn Write) -> CliResult {
    if args.print_roots {
        return print_roots(store, args.json, stdout);
    }
    let action = if args.print_live {
        GcAction::PrintLive
    } else if args.print_dead || args.dry_run {
        GcAction::PrintDead
    } else {
        GcAction::DeleteDead
    };
    let printing = action != GcAction::DeleteDead;
    let options = GcOptions {
        action,
        max_freed: args.max_freed,
        ..GcOptions::default()
    };
    let results = store.collect_garbage(&options).map_err(store_error)?;
    let dir = store.store_dir();
    let lines: Vec<String> = results.paths.iter().map(|p| dir.display(p)).collect();
    if printing {
        if args.json {
            return json_line(stdout, &json!(lines));
        }
        let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        emit(stdout, text.as_bytes())?;
        if args.print_dead || args.dry_run {
            report(&format!(
                "Would delete {}",
                plural(lines.len(), "path", "paths")
            ));
            if !lines.is_empty() {
                report("hint: run `cairn store gc` to delete them");
            }
        }
        return Ok(());
    }
    if args.json {
        json_line(
            stdout,
            &json!({
                "deleted": lines,
                "leftoversDeleted": results.debris_deleted,
                "bytesFreed": results.bytes_freed,
            }),
        )?;
    }
    let mut summary = format!(
        "Deleted {}, freed {} in {}",
        plural(lines.len(), "path", "paths"),
        human_bytes(results.bytes_freed),
        human_duration(results.elapsed)
    );
    if results.debris_deleted > 0 {
        summary.push_str(&format!(
            " (and {} of interrupted writes)",
            plural(results.debris_deleted, "leftover", "leftovers")
        ));
    }
    report(&summary);
    if lines.is_empty() {
        report(
            "hint: everything is reachable from a root; `cairn store query --roots PATH` shows which roots keep a path",
        );
    } else if args.max_freed.is_some_and(|max| results.bytes_freed >= max) {
        report("hint: stopped at --max-freed; run again to delete more");
    }
    Ok(())
}

/// Every root, `LINK -> PATH` (temporary roots name their temp-roots
/// file), like `nix-store --gc --print-roots`.
fn print_roots(store: &LocalStore, json_out: bool, stdout: &mut dyn Write) -> CliResult {
    let dir = store.store_dir();
    let roots = store.find_roots().map_err(store_error)?;
    if json_out {
        let list: Vec<Value> = roots
            .iter()
            .map(|r| {
                json!({
                    "root": r.link.display().to_string(),
                    "path": dir.display(&r.path),
                    "temporary": r.temporary,
                })
            })
            .collect();
        return json_line(stdout, &Value::Array(list));
    }
    for root in &roots {
        emit_line(
            stdout,
            &format!("{} -> {}", root.link.display(), dir.display(&root.path)),
        )?;
    }
    Ok(())
}

fn delete(store: &LocalStore, args: &DeleteArgs) -> CliResult {
    let mut paths = BTreeSet::new();
    for arg in &args.paths {
        paths.insert(resolve(store, arg)?);
    }
    let results = store
        .collect_garbage(&GcOptions {
            action: GcAction::DeleteSpecific(paths),
            ..GcOptions::default()
        })
        .map_err(store_error)?;
    report(&format!(
        "Deleted {}, freed {} in {}",
        plural(results.paths.len(), "path", "paths"),
        human_bytes(results.bytes_freed),
        human_duration(results.elapsed)
    ));
    Ok(())
}

fn verify(store: &LocalStore, args: &VerifyArgs, stdout: &mut dyn Write) -> CliResult {
    let start = Instant::now();
    let results = store
        .verify(args.check_contents, args.repair)
        .map_err(store_error)?;
    let dir = store.store_dir();
    if args.json {
        json_line(
            stdout,
            &json!({
                "checked": results.checked,
                "missing": results.missing.iter().map(|p| dir.display(p)).collect::<Vec<_>>(),
                "modified": results.modified.iter().map(|(p, expected, actual)| json!({
                    "path": dir.display(p), "expected": expected, "actual": actual,
                })).collect::<Vec<_>>(),
                "notCanonical": results.non_canonical.iter().map(|(p, file)| json!({
                    "path": dir.display(p), "file": file,
                })).collect::<Vec<_>>(),
                "repaired": results.repaired,
                "unrepairable": results.unrepairable,
                "databaseProblems": results.database_problems,
            }),
        )?;
    } else {
        for path in &results.missing {
            emit_line(stdout, &format!("missing: {}", dir.display(path)))?;
        }
        for (path, expected, actual) in &results.modified {
            emit_line(
                stdout,
                &format!(
                    "modified: {} (registered {expected}, now {actual})",
                    dir.display(path)
                ),
            )?;
        }
        for (path, file) in &results.non_canonical {
            emit_line(
                stdout,
                &format!("not canonical: {} ('{file}')", dir.display(path)),
            )?;
        }
        for problem in &results.database_problems {
            emit_line(stdout, &format!("database: {problem}"))?;
        }
        for line in &results.repaired {
            emit_line(stdout, &format!("repaired: {line}"))?;
        }
        for line in &results.unrepairable {
            emit_line(stdout, &format!("cannot repair: {line}"))?;
        }
    }
    let problems = results.missing.len()
        + results.modified.len()
        + results.non_canonical.len()
        + results.database_problems.len();
    report(&format!(
        "Checked {}{} in {}: {}",
        plural(results.checked, "path", "paths"),
        match (args.check_contents, results.checked) {
            (false, _) => "",
            (true, 1) => " and its contents",
            (true, _) => " and their contents",
        },
        human_duration(start.elapsed()),
        if problems == 0 {
            "no problems".to_owned()
        } else {
            format!(
                "{} ({} repaired)",
                plural(problems, "problem", "problems"),
                results.repaired.len()
            )
        }
    ));
    if results.is_ok() {
        return Ok(());
    }
    let error = CliError::user("the store has problems that were not repaired");
    Err(if args.repair {
        error.with_help("the 'cannot repair' paths need a copy from a binary cache or a rebuild")
    } else {
        error.with_help("run `cairn store verify --repair` to repair what can be repaired here")
    })
}

fn optimise(store: &LocalStore) -> CliResult {
    let start = Instant::now();
    let results = store.optimise().map_err(store_error)?;
    report(&format!(
        "Linked {} of {}, saved {} in {}",
        plural(
            usize::try_from(results.files_linked).unwrap_or(usize::MAX),
            "file",
            "files"
        ),
        results.files,
        human_bytes(results.bytes_saved),
        human_duration(start.elapsed())
    ));
    Ok(())
}

/// Prints `chain` as a tree: the first line flush, each next one indented
/// under the previous.
fn print_chain(chain: &[String], stdout: &mut dyn Write) -> CliResult {
    for (depth, item) in chain.iter().enumerate() {
        if depth == 0 {
            emit_line(stdout, item)?;
        } else {
            emit_line(stdout, &format!("{}└───{item}", "    ".repeat(depth - 1)))?;
        }
    }
    Ok(())
}

fn why_depends(store: &LocalStore, args: &WhyDependsArgs, stdout: &mut dyn Write) -> CliResult {
    let from = resolve(store, &args.from)?;
    let to = resolve(store, &args.to)?;
    let dir = store.store_dir();
    let chain = store.why_depends(&from, &to).map_err(store_error)?;
    let Some(chain) = chain else {
        return Err(CliError::user(format!(
            "'{}' does not depend on '{}'",
            dir.display(&from),
            dir.display(&to)
        ))
        .with_help(format!(
            "`cairn store query --requisites {}` lists everything it depends on",
            dir.display(&from)
        )));
    };
    let lines: Vec<String> = chain.iter().map(|p| dir.display(p)).collect();
    if args.json {
        return json_line(stdout, &json!(lines));
    }
    print_chain(&lines, stdout)
}

fn print_why_alive(
    store: &LocalStore,
    path: &StorePath,
    json_out: bool,
    stdout: &mut dyn Write,
) -> CliResult {
    let display = store.store_dir().display(path);
    info_of(store, path)?;
    let chain = store.why_alive(path).map_err(store_error)?;
    if json_out {
        return json_line(stdout, &json!({"path": display, "chain": chain}));
    }
    match chain {
        Some(chain) => print_chain(&chain, stdout),
        None => {
            emit_line(
                stdout,
                &format!("{display} is not alive: no root reaches it"),
            )?;
            report("hint: `cairn store gc` would delete it");
            Ok(())
        }
    }
}

fn why_alive(store: &LocalStore, args: &WhyAliveArgs, stdout: &mut dyn Write) -> CliResult {
    let path = resolve(store, &args.path)?;
    print_why_alive(store, &path, args.json, stdout)
}

fn ls(store: &LocalStore, args: &StoreLsArgs, stdout: &mut dyn Write) -> CliResult {
    let (path, inner) = resolve_inner(store, &args.path)?;
    info_of(store, &path)?;
    let mut nar = Vec::new();
    cairn_nar::dump_path(&store.real_path(&path), &mut nar).map_err(|err| {
        store_error(StoreError::Dump {
            path: store.real_path(&path),
            source: err,
        })
    })?;
    let listing = cairn_nar::list(&nar[..]).map_err(CliError::from)?;
    let inner = format!("/{}", inner.display());
    let missing = || {
        CliError::user(format!(
            "'{}' has no entry '{inner}'",
            store.store_dir().display(&path)
        ))
        .with_help(format!(
            "list its top level with `cairn store ls {}`",
            store.store_dir().display(&path)
        ))
    };
    if args.json {
        let node = listing.lookup(inner.as_bytes()).ok_or_else(missing)?;
        let value = match node {
            cairn_nar::Listing::Directory { entries } if !args.recursive => {
                let entries: serde_json::Map<String, Value> = entries
                    .keys()
                    .map(|name| (name.to_string(), json!({})))
                    .collect();
                json!({"type": "directory", "entries": entries})
            }
            _ => serde_json::to_value(node)
                .map_err(|err| CliError::from_error(ErrorKind::Internal, &err))?,
        };
        return json_line(stdout, &value);
    }
    let options = cairn_nar::LsOptions {
        long: args.long,
        recursive: args.recursive,
        directory: false,
    };
    let text = listing
        .ls_text(inner.as_bytes(), options)
        .ok_or_else(missing)?;
    emit(stdout, &text)
}

fn cat(store: &LocalStore, args: &StoreCatArgs, stdout: &mut dyn Write) -> CliResult {
    let (path, inner) = resolve_inner(store, &args.path)?;
    info_of(store, &path)?;
    let real = store.real_path(&path).join(&inner);
    let meta = cairn_util::fs::symlink_metadata(&real)?;
    if !meta.is_file() {
        return Err(
            CliError::user(format!("'{}' is not a regular file", args.path.display())).with_help(
                format!(
                    "`cairn store ls {}` lists what it contains",
                    args.path.display()
                ),
            ),
        );
    }
    let bytes = cairn_util::fs::read(&real)?;
    emit(stdout, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(human_bytes(120), "120 B");
        assert_eq!(human_bytes(3_565_158), "3.4 MiB");
        assert_eq!(human_duration(Duration::from_millis(41)), "41ms");
        assert_eq!(human_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(plural(1, "path", "paths"), "1 path");
        assert_eq!(plural(2, "path", "paths"), "2 paths");
    }
}
