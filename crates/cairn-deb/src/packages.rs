//! apt's `Packages` indexes and the resolution of package names to exact
//! `.deb` files.
//!
//! Each paragraph of a `Packages` index describes one `.deb`: `Package`,
//! `Version`, `Architecture`, `Filename` (relative to the archive's base
//! URI), `Size` and `SHA256`. The archive's signed `InRelease` covers the
//! index's hash, and the index covers the `.deb`'s, so a lock built from
//! these fields pins exactly what apt would have verified.
//!
//! Resolution takes the newest version (dpkg order) across all indexes
//! given, unless the request names an exact version; indexes are searched
//! in the order given, so with equal versions the first suite wins.

use std::collections::BTreeMap;

use cairn_hash::{Hash, HashAlgo};

use crate::control::{self, ControlError};
use crate::lock::LockEntry;
use crate::version::Version;

/// A `Packages` index that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackagesError {
    /// deb822 syntax.
    #[error("malformed Packages index")]
    Syntax(#[source] ControlError),
    /// A paragraph without a field the lock needs, or with a bad value.
    #[error("package at line {line}: field '{field}' is {problem}")]
    BadField {
        /// 1-based line number of the paragraph.
        line: usize,
        /// The field.
        field: &'static str,
        /// `missing` or what is wrong with the value.
        problem: &'static str,
    },
}

/// Why a requested package could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No index has the package for this architecture.
    #[error("package '{package}' is not in the package lists for {architecture} or all")]
    NotFound {
        /// The package.
        package: String,
        /// The architecture asked for.
        architecture: String,
    },
    /// The package exists, but not in the requested version.
    #[error(
        "package '{package}' has no version '{version}' in the package lists (available: {available})"
    )]
    VersionNotFound {
        /// The package.
        package: String,
        /// The version asked for.
        version: String,
        /// The versions that exist, comma-separated.
        available: String,
    },
}

/// One `.deb` described by an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// `Package`.
    pub package: String,
    /// `Version`.
    pub version: Version,
    /// `Architecture` (`amd64`, `all`, …).
    pub architecture: String,
    /// `Size` in bytes.
    pub size: u64,
    /// `SHA256`.
    pub sha256: Hash,
    /// `Filename`, relative to the archive's base URI.
    pub filename: String,
}

/// Parses a `Packages` index; `Package`, `Version`, `Architecture`,
/// `Filename`, `Size` and `SHA256` are required in every paragraph.
///
/// # Errors
///
/// Syntax errors and missing or malformed required fields.
pub fn parse_packages(text: &str) -> Result<Vec<IndexEntry>, PackagesError> {
    control::paragraphs(text)
        .map(|paragraph| {
            let paragraph = paragraph.map_err(PackagesError::Syntax)?;
            let line = paragraph.line;
            let field = |name: &'static str| {
                paragraph
                    .get(name)
                    .filter(|value| !value.is_empty() && !value.contains(char::is_whitespace))
                    .ok_or(PackagesError::BadField {
                        line,
                        field: name,
                        problem: "missing or not a single word",
                    })
            };
            let size = field("Size")?
                .parse()
                .map_err(|_| PackagesError::BadField {
                    line,
                    field: "Size",
                    problem: "not a number",
                })?;
            let sha256 =
                Hash::parse_unprefixed(field("SHA256")?, HashAlgo::Sha256).map_err(|_| {
                    PackagesError::BadField {
                        line,
                        field: "SHA256",
                        problem: "not a SHA-256 hash",
                    }
                })?;
            Ok(IndexEntry {
                package: field("Package")?.to_owned(),
                version: Version::new(field("Version")?),
                architecture: field("Architecture")?.to_owned(),
                size,
                sha256,
                filename: field("Filename")?.to_owned(),
            })
        })
        .collect()
}

/// A request: a package name and, optionally, an exact version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Request {
    /// The package name.
    pub package: String,
    /// The exact version wanted, if any.
    pub version: Option<String>,
}

impl Request {
    /// Parses `name` or `name=version`.
    #[must_use]
    pub fn parse(text: &str) -> Request {
        match text.split_once('=') {
            Some((package, version)) => Request {
                package: package.trim().to_owned(),
                version: Some(version.trim().to_owned()),
            },
            None => Request {
                package: text.trim().to_owned(),
                version: None,
            },
        }
    }
}

/// Package indexes, each labelled with the suite it came from.
#[derive(Debug, Default)]
pub struct Indexes {
    /// Package name → (suite, entry), in the order the indexes were added.
    by_name: BTreeMap<String, Vec<(String, IndexEntry)>>,
}

impl Indexes {
    /// An empty set.
    #[must_use]
    pub fn new() -> Indexes {
        Indexes::default()
    }

    /// Adds the entries of one index, from `suite`.
    pub fn add(&mut self, suite: &str, entries: Vec<IndexEntry>) {
        for entry in entries {
            self.by_name
                .entry(entry.package.clone())
                .or_default()
                .push((suite.to_owned(), entry));
        }
    }

    /// Resolves `request` for `architecture` (packages of architecture
    /// `all` match too): the exact version if one is asked for, else the
    /// newest.
    ///
    /// # Errors
    ///
    /// No such package, or not in that version.
    pub fn resolve(
        &self,
        request: &Request,
        architecture: &str,
    ) -> Result<LockEntry, ResolveError> {
        let candidates: Vec<&(String, IndexEntry)> = self
            .by_name
            .get(&request.package)
            .into_iter()
            .flatten()
            .filter(|(_, entry)| entry.architecture == architecture || entry.architecture == "all")
            .collect();
        if candidates.is_empty() {
            return Err(ResolveError::NotFound {
                package: request.package.clone(),
                architecture: architecture.to_owned(),
            });
        }
        let chosen = match &request.version {
            Some(version) => candidates
                .iter()
                .find(|(_, entry)| entry.version.as_str() == version)
                .ok_or_else(|| {
                    let mut available: Vec<&Version> =
                        candidates.iter().map(|(_, entry)| &entry.version).collect();
                    available.sort();
                    available.dedup();
                    ResolveError::VersionNotFound {
                        package: request.package.clone(),
                        version: version.clone(),
                        available: available
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                })?,
            // `max_by` keeps the last of equals; walk backwards so the
            // first-added index wins a tie.
            None => candidates
                .iter()
                .rev()
                .max_by(|a, b| a.1.version.cmp(&b.1.version))
                .expect("candidates is not empty"),
        };
        let (suite, entry) = chosen;
        Ok(LockEntry {
            package: entry.package.clone(),
            version: entry.version.as_str().to_owned(),
            architecture: entry.architecture.clone(),
            size: entry.size,
            sha256: entry.sha256,
            suite: suite.clone(),
            filename: entry.filename.clone(),
        })
    }
}

/// The Debian architecture name of a Rust target architecture
/// (`std::env::consts::ARCH`): `x86_64` is `amd64`, `aarch64` is `arm64`.
#[must_use]
pub fn debian_architecture(rust_arch: &str) -> Option<&'static str> {
    Some(match rust_arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "arm" => "armhf",
        "riscv64" => "riscv64",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "mips64" => "mips64el",
        "loongarch64" => "loong64",
        _ => return None,
    })
}

/// The compressions apt stores its lists in, tried in this order after
/// the plain file (`Acquire::GzipIndexes`/`Acquire::CompressionTypes` pick
/// one; Debian's default is lz4).
pub const INDEX_SUFFIXES: &[&str] = &["", ".lz4", ".xz", ".gz", ".zst"];

/// Reads the index `base` (a path without compression suffix) in whichever
/// of [`INDEX_SUFFIXES`] exists; `Ok(None)` if none does.
///
/// # Errors
///
/// A file that exists but cannot be read, decompressed or is not UTF-8.
pub fn read_index(base: &std::path::Path) -> std::io::Result<Option<(std::path::PathBuf, String)>> {
    use std::io::Read;
    for suffix in INDEX_SUFFIXES {
        let mut path = base.as_os_str().to_owned();
        path.push(suffix);
        let path = std::path::PathBuf::from(path);
        let file = match std::fs::File::open(&path) {
            Ok(file) => std::io::BufReader::new(file),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err),
        };
        let mut reader: Box<dyn Read> = match *suffix {
            ".lz4" => Box::new(lz4_flex::frame::FrameDecoder::new(file)),
            ".xz" => Box::new(xz2::read::XzDecoder::new_multi_decoder(file)),
            ".gz" => Box::new(flate2::read::MultiGzDecoder::new(file)),
            ".zst" => Box::new(
                ruzstd::decoding::StreamingDecoder::new(file)
                    .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))?,
            ),
            _ => Box::new(file),
        };
        let mut text = String::new();
        reader.read_to_string(&mut text)?;
        return Ok(Some((path, text)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraph(package: &str, version: &str, arch: &str, digit: char) -> String {
        format!(
            "Package: {package}\nVersion: {version}\nArchitecture: {arch}\n\
Description: a package\n with a long description\n\
Filename: pool/main/x/{package}/{package}_{version}_{arch}.deb\nSize: 1234\n\
SHA256: {}\n\n",
            digit.to_string().repeat(64)
        )
    }

    #[test]
    fn newest_version_across_suites_or_the_pinned_one() {
        let main = parse_packages(&format!(
            "{}{}{}",
            paragraph("libc6", "2.36-9+deb12u10", "amd64", '1'),
            paragraph("libc6", "2.36-9+deb12u10", "i386", '2'),
            paragraph("tzdata", "2024a-0+deb12u1", "all", '3'),
        ))
        .unwrap();
        let security =
            parse_packages(&paragraph("libc6", "2.36-9+deb12u14", "amd64", '4')).unwrap();
        let mut indexes = Indexes::new();
        indexes.add("bookworm", main);
        indexes.add("bookworm-security", security);
        let libc = indexes.resolve(&Request::parse("libc6"), "amd64").unwrap();
        assert_eq!(
            (libc.version.as_str(), libc.suite.as_str()),
            ("2.36-9+deb12u14", "bookworm-security")
        );
        let pinned = indexes
            .resolve(&Request::parse("libc6=2.36-9+deb12u10"), "amd64")
            .unwrap();
        assert_eq!(pinned.suite, "bookworm");
        assert_eq!(pinned.sha256.to_base16(), "1".repeat(64));
        let tz = indexes.resolve(&Request::parse("tzdata"), "amd64").unwrap();
        assert_eq!(tz.architecture, "all");
        assert_eq!(
            indexes.resolve(&Request::parse("libc6=1.0"), "amd64"),
            Err(ResolveError::VersionNotFound {
                package: "libc6".into(),
                version: "1.0".into(),
                available: "2.36-9+deb12u10, 2.36-9+deb12u14".into()
            })
        );
        assert!(matches!(
            indexes.resolve(&Request::parse("libc6"), "arm64"),
            Err(ResolveError::NotFound { .. })
        ));
    }

    #[test]
    fn malformed_paragraphs_name_the_line_and_field() {
        let text = paragraph("a", "1", "amd64", '1').replace("Size: 1234", "Size: big");
        assert_eq!(
            parse_packages(&text),
            Err(PackagesError::BadField {
                line: 1,
                field: "Size",
                problem: "not a number"
            })
        );
        let text = paragraph("a", "1", "amd64", '1').replace("SHA256: 1", "SHA256: z");
        assert!(matches!(
            parse_packages(&text),
            Err(PackagesError::BadField {
                field: "SHA256",
                ..
            })
        ));
        let text = format!("\n{}", paragraph("a", "1", "amd64", '1'))
            .replace("Filename: pool/main/x/a/a_1_amd64.deb\n", "");
        assert_eq!(
            parse_packages(&text),
            Err(PackagesError::BadField {
                line: 2,
                field: "Filename",
                problem: "missing or not a single word"
            })
        );
    }
}
