//! apt's source lists on this host, read the way apt reads them:
//! `sources.list` (one-line format), then `sources.list.d/*.list` (one-line)
//! and `sources.list.d/*.sources` (deb822), in file-name order.
//!
//! Two users: `cairn pkgs lock` resolves package names against the
//! archives configured here, and the settings loader derives the default
//! `mirrors.debian` from them ([`default_debian_mirror`]), so that a
//! Debian host fetches `mirror://debian/…` from the mirror it already uses
//! without any host name being written into cairn or its package set.

use std::path::{Path, PathBuf};

use cairn_deb::sources::{self, SourceEntry};

use crate::error::{CliError, CliResult, ErrorKind};

/// The source files apt reads under `apt_dir`, in apt's order. A missing
/// `sources.list` or `sources.list.d` is no error.
pub(crate) fn source_files(apt_dir: &Path) -> CliResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    let main = apt_dir.join("sources.list");
    if main.is_file() {
        files.push(main);
    }
    let parts = apt_dir.join("sources.list.d");
    if parts.is_dir() {
        files.extend(
            cairn_util::fs::read_dir_sorted(&parts)?
                .into_iter()
                .filter(|path| {
                    path.extension()
                        .is_some_and(|ext| ext == "list" || ext == "sources")
                }),
        );
    }
    Ok(files)
}

/// The entries of one source file, parsed by its format (`*.sources`
/// files are deb822, every other one-line).
pub(crate) fn read_source_file(path: &Path) -> CliResult<Vec<SourceEntry>> {
    let text = cairn_util::fs::read_to_string(path)?;
    let parsed = if path.extension().is_some_and(|ext| ext == "sources") {
        sources::parse_deb822(&text)
    } else {
        sources::parse_one_line(&text)
    };
    parsed.map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .context(format!(
                "failed to parse apt sources file '{}'",
                path.display()
            ))
            .with_help("fix the file, or point --apt-dir at another apt configuration")
    })
}

/// The default `mirrors.debian`: the base URIs of the Debian archives apt
/// is configured with under `apt_dir` (see
/// [`cairn_deb::sources::debian_archives`] for which entries count), in
/// apt's order. Best effort: a file apt could not read either is skipped,
/// and no Debian archive at all (not a Debian host) gives an empty list,
/// so that a `mirror://debian/…` URL then fails naming the setting to add.
pub(crate) fn default_debian_mirror(apt_dir: &Path) -> Vec<String> {
    let entries: Vec<SourceEntry> = source_files(apt_dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|path| read_source_file(path).ok())
        .flatten()
        .collect();
    sources::debian_archives(&entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_debian_mirror_reads_apt_order_and_skips_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let apt = dir.path();
        std::fs::create_dir(apt.join("sources.list.d")).unwrap();
        std::fs::write(
            apt.join("sources.list"),
            "deb http://first.invalid/debian bookworm main\n",
        )
        .unwrap();
        std::fs::write(
            apt.join("sources.list.d/b.sources"),
            "Types: deb\nURIs: http://mirror.invalid/debian-security\n\
             Suites: bookworm-security\nComponents: main\n\n\
             Types: deb\nURIs: https://node.invalid/node_20.x\nSuites: nodistro\n\
             Components: main\n",
        )
        .unwrap();
        std::fs::write(apt.join("sources.list.d/a.list"), "not a source line\n").unwrap();
        std::fs::write(
            apt.join("sources.list.d/c.list.disabled"),
            "deb http://disabled.invalid/debian bookworm main\n",
        )
        .unwrap();
        assert_eq!(
            default_debian_mirror(apt),
            [
                "http://first.invalid/debian",
                "http://mirror.invalid/debian-security"
            ]
        );
        assert!(default_debian_mirror(&apt.join("nonexistent")).is_empty());
    }
}
