//! Closure diffs: what changes between two store paths' closures, per
//! package, like `nvd diff` and `dix`.
//!
//! Store path names are split into a package name and a version the way
//! `builtins.parseDrvName` splits `name-version` (at the first `-` not
//! followed by a letter), and an output suffix such as `-bin` or `-man` is
//! dropped from the version, so `glibc-2.35-224`, `glibc-2.35-224-bin` and
//! `glibc-2.35-224-dev` all count as `glibc` `2.35-224`. A package is then
//! the set of versions its name has in a closure: it was added, removed,
//! or changed versions. Paths whose version did not change but whose hash
//! did (a rebuild) are not listed; the closure size shows them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cairn_store::Store;
use cairn_store_path::StorePath;
use serde::Serialize;

use crate::error::ProfileError;

/// Output names that end a store path's name and are not part of the
/// version.
const OUTPUT_SUFFIXES: &[&str] = &[
    "bin", "dev", "devdoc", "doc", "info", "lib", "man", "out", "debug", "static", "lib32",
];

/// Splits a store path name (without the hash) into package name and
/// version, the way this diff groups packages. The version is empty when
/// there is none.
///
/// ```
/// use cairn_profile::split_name_version;
/// assert_eq!(split_name_version("hello-2.12"), ("hello", "2.12"));
/// assert_eq!(split_name_version("glibc-2.35-224-bin"), ("glibc", "2.35-224"));
/// assert_eq!(split_name_version("font-util-1.3.3"), ("font-util", "1.3.3"));
/// assert_eq!(split_name_version("source"), ("source", ""));
/// assert_eq!(split_name_version("python3.10-numpy-1.23.4"), ("python3.10-numpy", "1.23.4"));
/// ```
#[must_use]
pub fn split_name_version(name: &str) -> (&str, &str) {
    let bytes = name.as_bytes();
    let split = (0..bytes.len()).find(|&i| {
        bytes[i] == b'-'
            && bytes
                .get(i + 1)
                .is_some_and(|next| !next.is_ascii_alphabetic())
    });
    let Some(split) = split else {
        return (name, "");
    };
    let (package, version) = (&name[..split], &name[split + 1..]);
    let version = OUTPUT_SUFFIXES
        .iter()
        .find_map(|output| {
            version
                .strip_suffix(output)
                .and_then(|v| v.strip_suffix('-'))
                .filter(|v| !v.is_empty())
        })
        .unwrap_or(version);
    (package, version)
}

/// How big a closure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosureSummary {
    /// Number of store paths.
    pub paths: usize,
    /// Sum of their NAR sizes, in bytes.
    pub nar_size: u64,
}

/// A package that is only on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageVersions {
    /// The package name.
    pub name: String,
    /// Its distinct versions, sorted (an empty string for "no version").
    pub versions: Vec<String>,
}

/// A package on both sides whose versions differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionChange {
    /// The package name.
    pub name: String,
    /// Versions before, sorted.
    pub before: Vec<String>,
    /// Versions after, sorted.
    pub after: Vec<String>,
}

/// The difference between two closures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosureDiff {
    /// Packages whose versions changed, by name.
    pub changed: Vec<VersionChange>,
    /// Packages only in the second closure, by name.
    pub added: Vec<PackageVersions>,
    /// Packages only in the first closure, by name.
    pub removed: Vec<PackageVersions>,
    /// The first closure's size.
    pub before: ClosureSummary,
    /// The second closure's size.
    pub after: ClosureSummary,
}

impl ClosureDiff {
    /// Compares the closures of `before` and `after` in `store`.
    ///
    /// # Errors
    /// A path in either closure is not valid; a store error.
    pub fn between(
        store: &dyn Store,
        before: &StorePath,
        after: &StorePath,
    ) -> Result<ClosureDiff, ProfileError> {
        let (before_packages, before_summary) = closure_packages(store, before)?;
        let (after_packages, after_summary) = closure_packages(store, after)?;
        Ok(ClosureDiff::from_packages(
            &before_packages,
            before_summary,
            &after_packages,
            after_summary,
        ))
    }

    /// Compares two closures given as package → versions maps.
    #[must_use]
    pub fn from_packages(
        before: &BTreeMap<String, BTreeSet<String>>,
        before_summary: ClosureSummary,
        after: &BTreeMap<String, BTreeSet<String>>,
        after_summary: ClosureSummary,
    ) -> ClosureDiff {
        let list = |versions: &BTreeSet<String>| versions.iter().cloned().collect::<Vec<_>>();
        let mut diff = ClosureDiff {
            changed: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
            before: before_summary,
            after: after_summary,
        };
        for (name, old) in before {
            match after.get(name) {
                None => diff.removed.push(PackageVersions {
                    name: name.clone(),
                    versions: list(old),
                }),
                Some(new) if new != old => diff.changed.push(VersionChange {
                    name: name.clone(),
                    before: list(old),
                    after: list(new),
                }),
                Some(_) => {}
            }
        }
        for (name, new) in after {
            if !before.contains_key(name) {
                diff.added.push(PackageVersions {
                    name: name.clone(),
                    versions: list(new),
                });
            }
        }
        diff
    }

    /// Whether no package was added, removed or changed versions.
    #[must_use]
    pub fn has_package_changes(&self) -> bool {
        !(self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty())
    }
}

/// The packages of `path`'s closure and its size.
fn closure_packages(
    store: &dyn Store,
    path: &StorePath,
) -> Result<(BTreeMap<String, BTreeSet<String>>, ClosureSummary), ProfileError> {
    let closure = store.compute_closure(&BTreeSet::from([path.clone()]))?;
    let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut nar_size = 0u64;
    for member in &closure {
        let info =
            store
                .query_path_info(member)?
                .ok_or_else(|| cairn_store::StoreError::InvalidPath {
                    path: store.store_dir().display(member),
                })?;
        nar_size = nar_size.saturating_add(info.info.nar_size);
        let (name, version) = split_name_version(member.name());
        packages
            .entry(name.to_owned())
            .or_default()
            .insert(version.to_owned());
    }
    Ok((
        packages,
        ClosureSummary {
            paths: closure.len(),
            nar_size,
        },
    ))
}

/// The text rendering: sections for version changes, added and removed
/// packages (each omitted when empty, names aligned), then the size line.
///
/// ```text
/// Version changes:
///   firefox  120.0 -> 121.0
/// Added packages:
///   ripgrep  14.0.3
/// Removed packages:
///   grep     3.7
/// Closure size: 412 -> 413 paths (+1), 1.2 GiB -> 1.2 GiB (+12.3 MiB)
/// ```
impl fmt::Display for ClosureDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .changed
            .iter()
            .map(|c| c.name.len())
            .chain(self.added.iter().map(|p| p.name.len()))
            .chain(self.removed.iter().map(|p| p.name.len()))
            .max()
            .unwrap_or(0);
        if !self.changed.is_empty() {
            writeln!(f, "Version changes:")?;
            for change in &self.changed {
                writeln!(
                    f,
                    "  {:width$}  {} -> {}",
                    change.name,
                    Versions(&change.before),
                    Versions(&change.after)
                )?;
            }
        }
        for (title, packages) in [
            ("Added packages:", &self.added),
            ("Removed packages:", &self.removed),
        ] {
            if packages.is_empty() {
                continue;
            }
            writeln!(f, "{title}")?;
            for package in packages {
                writeln!(
                    f,
                    "  {:width$}  {}",
                    package.name,
                    Versions(&package.versions)
                )?;
            }
        }
        if !self.has_package_changes() {
            writeln!(f, "No version or package changes")?;
        }
        let paths_change = i128::try_from(self.after.paths).unwrap_or(i128::MAX)
            - i128::try_from(self.before.paths).unwrap_or(i128::MAX);
        let size_change = i128::from(self.after.nar_size) - i128::from(self.before.nar_size);
        writeln!(
            f,
            "Closure size: {} -> {} paths ({paths_change:+}), {} -> {} ({}{})",
            self.before.paths,
            self.after.paths,
            Bytes(u128::from(self.before.nar_size)),
            Bytes(u128::from(self.after.nar_size)),
            if size_change < 0 { "-" } else { "+" },
            Bytes(size_change.unsigned_abs()),
        )
    }
}

/// A version list: `1.0, 2.0`, with `(no version)` for the empty version.
struct Versions<'a>(&'a [String]);

impl fmt::Display for Versions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, version) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if version.is_empty() {
                f.write_str("(no version)")?;
            } else {
                f.write_str(version)?;
            }
        }
        Ok(())
    }
}

/// A byte count in binary units with one decimal (`512 B`, `1.5 KiB`).
pub(crate) struct Bytes(pub(crate) u128);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        // Tenths of the unit, rounded half up, in integers.
        let mut unit = 0;
        let mut scale = 1024u128;
        while unit + 1 < UNITS.len() && (self.0 * 10 + scale / 2) / scale >= 10 * 1024 {
            unit += 1;
            scale *= 1024;
        }
        let tenths = (self.0 * 10 + scale / 2) / scale;
        write!(f, "{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_parse_drv_name_without_outputs() {
        for (input, name, version) in [
            ("hello-2.12", "hello", "2.12"),
            ("hello-2.12-man", "hello", "2.12"),
            ("glibc-2.35-224-bin", "glibc", "2.35-224"),
            ("gcc-wrapper-11.3.0", "gcc-wrapper", "11.3.0"),
            ("user-environment", "user-environment", ""),
            (
                "nixos-system-host-23.05pre",
                "nixos-system-host",
                "23.05pre",
            ),
            ("perl5.36.0-Test-1.0", "perl5.36.0-Test", "1.0"),
            ("foo-1.0-lib", "foo", "1.0"),
            ("foo-lib", "foo-lib", ""),
            ("foo-1-bin", "foo", "1"),
            ("foo-bin", "foo-bin", ""),
            ("a-", "a-", ""),
            ("x-1.0-man-man", "x", "1.0-man"),
        ] {
            assert_eq!(split_name_version(input), (name, version), "{input}");
        }
    }

    #[test]
    fn sizes_in_binary_units() {
        for (bytes, text) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (10 * 1024 * 1024 - 1, "10.0 MiB"),
            (1024 * 1024 - 1, "1.0 MiB"),
            (3 * 1024 * 1024 * 1024 + 300 * 1024 * 1024, "3.3 GiB"),
        ] {
            assert_eq!(Bytes(bytes).to_string(), text, "{bytes}");
        }
    }

    fn packages(list: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        list.iter()
            .map(|(name, versions)| {
                (
                    (*name).to_owned(),
                    versions.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn renders_sections_aligned() {
        let diff = ClosureDiff::from_packages(
            &packages(&[
                ("firefox", &["120.0"]),
                ("grep", &["3.7"]),
                ("python3", &["3.10.8", "3.11.1"]),
                ("same", &["1"]),
            ]),
            ClosureSummary {
                paths: 412,
                nar_size: 1_288_490_188,
            },
            &packages(&[
                ("firefox", &["121.0"]),
                ("python3", &["3.11.1"]),
                ("ripgrep", &["14.0.3"]),
                ("same", &["1"]),
                ("source", &[""]),
            ]),
            ClosureSummary {
                paths: 413,
                nar_size: 1_288_490_188 + 12_897_484,
            },
        );
        assert_eq!(
            diff.to_string(),
            "Version changes:\n\
             \x20 firefox  120.0 -> 121.0\n\
             \x20 python3  3.10.8, 3.11.1 -> 3.11.1\n\
             Added packages:\n\
             \x20 ripgrep  14.0.3\n\
             \x20 source   (no version)\n\
             Removed packages:\n\
             \x20 grep     3.7\n\
             Closure size: 412 -> 413 paths (+1), 1.2 GiB -> 1.2 GiB (+12.3 MiB)\n"
        );
    }

    #[test]
    fn renders_no_changes_and_shrinking() {
        let same = packages(&[("a", &["1"])]);
        let diff = ClosureDiff::from_packages(
            &same,
            ClosureSummary {
                paths: 3,
                nar_size: 4096,
            },
            &same,
            ClosureSummary {
                paths: 2,
                nar_size: 1024,
            },
        );
        assert!(!diff.has_package_changes());
        assert_eq!(
            diff.to_string(),
            "No version or package changes\n\
             Closure size: 3 -> 2 paths (-1), 4.0 KiB -> 1.0 KiB (-3.0 KiB)\n"
        );
    }
}
