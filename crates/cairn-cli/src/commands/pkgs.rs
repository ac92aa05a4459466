//! `cairn pkgs`: the Debian side of the package collection's bootstrap.
//!
//! * `cairn pkgs lock --packages FILE --output LOCK [--update]` resolves
//!   the package names in FILE (one per line, `name` or `name=version`,
//!   `#` comments) against the host's apt lists and writes the lock file
//!   (`cairn_deb::lock`). Like `cargo`'s lock, an existing lock is kept:
//!   only packages new to FILE (or whose pinned version changed) are
//!   resolved, packages gone from FILE are dropped, and when nothing needs
//!   resolving the apt lists are not read at all (so the command checks a
//!   lock offline, anywhere). `--update` re-resolves every package to the
//!   newest version the lists offer.
//! * `cairn pkgs unpack-deb FILE.deb DIR` unpacks one `.deb` with the same
//!   code the bootstrap uses, for debugging.
//!
//! The archives are those apt is configured with (`sources.list`,
//! `sources.list.d/*.list` and `*.sources` under `--apt-dir`), restricted
//! to the suites of `--release`; their downloaded indexes are found in
//! `--apt-lists` under the names apt derives from the same URIs. No mirror
//! host is named anywhere in cairn: the lock records paths relative to an
//! archive and the suite that served them.

use std::collections::BTreeSet;
use std::io::{BufReader, Write};
use std::path::Path;

use cairn_deb::lock::{Lock, LockEntry};
use cairn_deb::packages::{self, Indexes, Request};
use cairn_deb::sources::{self, SourceEntry};

use crate::args::{PkgsCommand, PkgsLockArgs, PkgsUnpackDebArgs};
use crate::commands::emit_line;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs a `cairn pkgs` subcommand.
pub(crate) fn run(command: PkgsCommand, stdout: &mut dyn Write) -> CliResult {
    match command {
        PkgsCommand::Lock(args) => lock(&args, stdout),
        PkgsCommand::UnpackDeb(args) => unpack_deb(&args, stdout),
    }
}

fn unpack_deb(args: &PkgsUnpackDebArgs, stdout: &mut dyn Write) -> CliResult {
    let file = cairn_util::fs::open(&args.deb)?;
    let unpacked = cairn_deb::unpack(BufReader::with_capacity(1 << 20, file), &args.deb, &args.dir)
        .map_err(|err| {
            CliError::from_error(ErrorKind::User, &err).with_help(
                "check that the file is a Debian binary package (`dpkg-deb --info` reads it too) and that the target is new or empty",
            )
        })?;
    let control = &unpacked.control;
    let stats = unpacked.stats;
    emit_line(
        stdout,
        &format!(
            "{} {} {}: {} files, {} directories, {} symlinks, {} hard links, {} bytes",
            control.package().unwrap_or("?"),
            control.version().unwrap_or("?"),
            control.architecture().unwrap_or("?"),
            stats.files,
            stats.directories,
            stats.symlinks,
            stats.hard_links,
            stats.bytes
        ),
    )
}

/// Reads the package list: one request per line, `#` comments.
fn read_requests(path: &Path) -> CliResult<Vec<Request>> {
    let text = cairn_util::fs::read_to_string(path)?;
    let mut requests = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let request = Request::parse(line);
        let valid = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
        if !valid(&request.package) || request.version.as_deref().is_some_and(|v| !valid(v)) {
            return Err(CliError::user(format!(
                "{}:{}: expected a package name or NAME=VERSION, found '{line}'",
                path.display(),
                index + 1
            ))
            .with_help("write one package per line, e.g. `libc6` or `libc6=2.36-9+deb12u14`"));
        }
        if !seen.insert(request.package.clone()) {
            return Err(CliError::user(format!(
                "{}:{}: package '{}' is listed twice",
                path.display(),
                index + 1,
                request.package
            ))
            .with_help("remove one of the lines"));
        }
        requests.push(request);
    }
    Ok(requests)
}

/// The configured binary sources for `release`.
fn configured_sources(apt_dir: &Path, release: &str) -> CliResult<Vec<SourceEntry>> {
    let mut entries = Vec::new();
    for path in crate::apt::source_files(apt_dir)? {
        entries.extend(crate::apt::read_source_file(&path)?);
    }
    let selected: Vec<SourceEntry> = sources::for_release(&entries, release)
        .into_iter()
        .cloned()
        .collect();
    if selected.is_empty() {
        return Err(CliError::user(format!(
            "apt has no 'deb' source for release '{release}' in '{}'",
            apt_dir.display()
        ))
        .with_help(
            "add the release to apt's sources (sources.list or sources.list.d/*.sources), or pass --release / --apt-dir",
        ));
    }
    Ok(selected)
}

/// Loads every `Packages` index of `sources` for `architecture` (and
/// `all`) from `lists`.
fn load_indexes(sources: &[SourceEntry], lists: &Path, architecture: &str) -> CliResult<Indexes> {
    let mut indexes = Indexes::new();
    let mut found = 0;
    let mut expected = Vec::new();
    for source in sources {
        if !source.architectures.is_empty()
            && !source.architectures.iter().any(|a| a == architecture)
        {
            continue;
        }
        for component in &source.components {
            for arch in [architecture, "all"] {
                let base = lists.join(source.packages_file(component, arch));
                let read = packages::read_index(&base).map_err(|err| {
                    CliError::from_error(ErrorKind::User, &err)
                        .context(format!("failed to read apt index '{}'", base.display()))
                        .with_help("run `apt-get update` to download the lists again")
                })?;
                let Some((path, text)) = read else {
                    if arch != "all" {
                        expected.push(base);
                    }
                    continue;
                };
                let entries = packages::parse_packages(&text).map_err(|err| {
                    CliError::from_error(ErrorKind::User, &err)
                        .context(format!("failed to parse apt index '{}'", path.display()))
                        .with_help("run `apt-get update` to download the lists again")
                })?;
                indexes.add(&source.suite, entries);
                found += 1;
            }
        }
    }
    if found == 0 {
        let names: Vec<String> = expected.iter().map(|p| p.display().to_string()).collect();
        return Err(CliError::user(format!(
            "none of apt's package lists were found (looked for {})",
            names.join(", ")
        ))
        .with_help("run `apt-get update`, or pass --apt-lists"));
    }
    Ok(indexes)
}

fn lock(args: &PkgsLockArgs, stdout: &mut dyn Write) -> CliResult {
    let requests = read_requests(&args.packages)?;
    let old = if args.output.exists() {
        let text = cairn_util::fs::read_to_string(&args.output)?;
        Lock::parse(&text).map_err(|err| {
            CliError::from_error(ErrorKind::User, &err)
                .context(format!(
                    "failed to parse lock file '{}'",
                    args.output.display()
                ))
                .with_help("regenerate it with `cairn pkgs lock --update`")
        })?
    } else {
        Lock::default()
    };
    // What can be kept from the old lock, and what must be resolved.
    let mut lock = Lock::default();
    let mut to_resolve = Vec::new();
    for request in &requests {
        let kept = old.entries.get(&request.package).filter(|entry| {
            !args.update
                && request
                    .version
                    .as_deref()
                    .is_none_or(|version| version == entry.version)
        });
        match kept {
            Some(entry) => {
                lock.entries.insert(entry.package.clone(), entry.clone());
            }
            None => to_resolve.push(request),
        }
    }
    if !to_resolve.is_empty() {
        let architecture = match &args.architecture {
            Some(architecture) => architecture.clone(),
            None => packages::debian_architecture(std::env::consts::ARCH)
                .ok_or_else(|| {
                    CliError::user(format!(
                        "no Debian architecture is known for '{}'",
                        std::env::consts::ARCH
                    ))
                    .with_help("pass --architecture")
                })?
                .to_owned(),
        };
        let sources = configured_sources(&args.apt_dir, &args.release)?;
        let indexes = load_indexes(&sources, &args.apt_lists, &architecture)?;
        let mut failures = Vec::new();
        for request in to_resolve {
            match indexes.resolve(request, &architecture) {
                Ok(entry) => {
                    lock.entries.insert(entry.package.clone(), entry);
                }
                Err(err) => failures.push(err.to_string()),
            }
        }
        if !failures.is_empty() {
            return Err(CliError::user(format!(
                "{} of the packages in '{}' could not be resolved:\n  {}",
                failures.len(),
                args.packages.display(),
                failures.join("\n  ")
            ))
            .with_help(
                "check the names with `apt-cache policy NAME`; a dropped point release needs a new pin or `--update`",
            ));
        }
    }
    let changes = describe_changes(&old, &lock);
    for line in &changes {
        emit_line(stdout, line)?;
    }
    let text = lock.render();
    let unchanged = args.output.exists() && cairn_util::fs::read(&args.output)? == text.as_bytes();
    if !unchanged {
        cairn_util::write_atomic(&args.output, text.as_bytes())?;
    }
    emit_line(
        stdout,
        &format!(
            "{} {} packages ({} bytes of .debs) in '{}'{}",
            if unchanged { "kept" } else { "locked" },
            lock.entries.len(),
            lock.total_size(),
            args.output.display(),
            if unchanged {
                "; already up to date"
            } else {
                ""
            }
        ),
    )
}

/// One line per added, changed or removed package.
fn describe_changes(old: &Lock, new: &Lock) -> Vec<String> {
    let mut lines = Vec::new();
    let describe =
        |entry: &LockEntry| format!("{} {} ({})", entry.package, entry.version, entry.suite);
    for (name, entry) in &new.entries {
        match old.entries.get(name) {
            None => lines.push(format!("+ {}", describe(entry))),
            Some(previous) if previous != entry => {
                lines.push(format!("~ {} -> {}", describe(previous), entry.version));
            }
            Some(_) => {}
        }
    }
    for (name, entry) in &old.entries {
        if !new.entries.contains_key(name) {
            lines.push(format!("- {}", describe(entry)));
        }
    }
    lines
}
