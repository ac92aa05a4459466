//! apt's source lists: which archives (base URI, suite, components) the
//! host is configured to use, read from `/etc/apt/sources.list` (one-line
//! format) and `/etc/apt/sources.list.d/*.list` / `*.sources` (deb822).
//!
//! This is how cairn finds a Debian mirror without a host name ever being
//! written into the project: `mirrors.debian` defaults, on a Debian host,
//! to the URIs configured here. It is also how the lock generator finds
//! apt's downloaded indexes, whose file names are derived from the same
//! URIs ([`SourceEntry::list_file_prefix`]).

use crate::control::{self, ControlError};

/// A source-list syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourcesError {
    /// A one-line entry that is not `deb[-src] [options] URI SUITE [COMPONENT…]`.
    #[error("line {line}: expected 'deb [options] URI SUITE [COMPONENT...]'")]
    BadLine {
        /// 1-based line number.
        line: usize,
    },
    /// A deb822 paragraph without a required field.
    #[error("paragraph at line {line}: missing field '{field}'")]
    MissingField {
        /// 1-based line number of the paragraph.
        line: usize,
        /// The missing field.
        field: &'static str,
    },
    /// deb822 syntax.
    #[error("malformed deb822 sources file")]
    Syntax(#[source] ControlError),
}

/// One (URI, suite) source with its components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// `deb` (binary packages) or `deb-src`.
    pub kind: String,
    /// The archive's base URI, e.g. `http://MIRROR/debian`, without a
    /// trailing `/`.
    pub uri: String,
    /// The suite (`bookworm`, `bookworm-security`, …).
    pub suite: String,
    /// Components (`main`, …).
    pub components: Vec<String>,
    /// Architectures restricted by `arch=`/`Architectures:`; empty = all.
    pub architectures: Vec<String>,
}

impl SourceEntry {
    /// The prefix apt gives this source's index files in its lists
    /// directory: the URI without scheme or credentials, special characters
    /// `%`-quoted, `/` turned into `_`, then `_dists_SUITE_`.
    #[must_use]
    pub fn list_file_prefix(&self) -> String {
        let without_scheme = self
            .uri
            .split_once("://")
            .map_or(self.uri.as_str(), |(_, rest)| rest);
        let without_credentials = match without_scheme.split_once('/') {
            Some((host, path)) => {
                let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
                format!("{host}/{path}")
            }
            None => without_scheme
                .rsplit_once('@')
                .map_or(without_scheme, |(_, host)| host)
                .to_owned(),
        };
        let mut quoted = String::new();
        for c in without_credentials.trim_end_matches('/').chars() {
            if "\\|{}[]<>\"^~_=!@#$%^&*".contains(c) || c == ' ' {
                quoted.push_str(&format!("%{:02x}", u32::from(c)));
            } else if c == '/' {
                quoted.push('_');
            } else {
                quoted.push(c);
            }
        }
        format!("{quoted}_dists_{}_", self.suite.replace('/', "_"))
    }

    /// The file name (without compression suffix) of the `Packages` index
    /// for `component` and `architecture`.
    #[must_use]
    pub fn packages_file(&self, component: &str, architecture: &str) -> String {
        format!(
            "{}{component}_binary-{architecture}_Packages",
            self.list_file_prefix()
        )
    }
}

/// Parses a one-line-format file (`sources.list`, `*.list`).
///
/// # Errors
///
/// A line that is not a source entry.
pub fn parse_one_line(text: &str) -> Result<Vec<SourceEntry>, SourcesError> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = || SourcesError::BadLine { line: index + 1 };
        let (kind, rest) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        if kind != "deb" && kind != "deb-src" {
            return Err(bad());
        }
        let mut rest = rest.trim_start();
        let mut architectures = Vec::new();
        if let Some(options) = rest.strip_prefix('[') {
            let (options, after) = options.split_once(']').ok_or_else(bad)?;
            for option in options.split_whitespace() {
                if let Some(archs) = option.strip_prefix("arch=") {
                    architectures = archs.split(',').map(str::to_owned).collect();
                }
            }
            rest = after;
        }
        let mut words = rest.split_whitespace();
        let uri = words.next().ok_or_else(bad)?;
        let suite = words.next().ok_or_else(bad)?;
        entries.push(SourceEntry {
            kind: kind.to_owned(),
            uri: uri.trim_end_matches('/').to_owned(),
            suite: suite.to_owned(),
            components: words.map(str::to_owned).collect(),
            architectures,
        });
    }
    Ok(entries)
}

/// Parses a deb822 `.sources` file; paragraphs with `Enabled: no` are
/// skipped; each (type, URI, suite) combination becomes one entry.
///
/// # Errors
///
/// Syntax errors and paragraphs without `Types`, `URIs` or `Suites`.
pub fn parse_deb822(text: &str) -> Result<Vec<SourceEntry>, SourcesError> {
    let mut entries = Vec::new();
    for paragraph in control::paragraphs(text) {
        let paragraph = paragraph.map_err(SourcesError::Syntax)?;
        if paragraph
            .get("Enabled")
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("no"))
        {
            continue;
        }
        let field = |name: &'static str| {
            paragraph
                .get_folded(name)
                .ok_or(SourcesError::MissingField {
                    line: paragraph.line,
                    field: name,
                })
        };
        let words = |value: Option<String>| -> Vec<String> {
            value
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        };
        let types = field("Types")?;
        let uris = field("URIs")?;
        let suites = field("Suites")?;
        let components = words(paragraph.get_folded("Components"));
        let architectures = words(paragraph.get_folded("Architectures"));
        for kind in types.split_whitespace() {
            for uri in uris.split_whitespace() {
                for suite in suites.split_whitespace() {
                    entries.push(SourceEntry {
                        kind: kind.to_owned(),
                        uri: uri.trim_end_matches('/').to_owned(),
                        suite: suite.to_owned(),
                        components: components.clone(),
                        architectures: architectures.clone(),
                    });
                }
            }
        }
    }
    Ok(entries)
}

/// The binary (`deb`) entries whose suite belongs to `release`: the
/// release itself and its `-updates`, `-security` and `-backports`
/// suites (`bookworm/updates` too, the pre-bullseye security name), in
/// the order given.
#[must_use]
pub fn for_release<'a>(entries: &'a [SourceEntry], release: &str) -> Vec<&'a SourceEntry> {
    entries
        .iter()
        .filter(|entry| entry.kind == "deb")
        .filter(|entry| {
            entry.suite == release
                || entry
                    .suite
                    .strip_prefix(release)
                    .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('/'))
        })
        .collect()
}

/// Debian's release code names, oldest first. A suite belongs to the
/// Debian archive when its release part is one of these or one of
/// [`DEBIAN_SUITE_ALIASES`].
pub const DEBIAN_CODENAMES: &[&str] = &[
    "buzz", "rex", "bo", "hamm", "slink", "potato", "woody", "sarge", "etch", "lenny", "squeeze",
    "wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky", "duke",
];

/// The archive's suite names that follow the releases (`stable`, `sid`, …).
pub const DEBIAN_SUITE_ALIASES: &[&str] = &[
    "oldoldstable",
    "oldstable",
    "stable",
    "testing",
    "unstable",
    "sid",
    "experimental",
    "rc-buggy",
];

/// The companion suites of a release: its updates, security updates
/// (`/updates` is the pre-bullseye security name) and backports.
const SUITE_SUFFIXES: &[&str] = &[
    "-backports-sloppy",
    "-backports",
    "-proposed-updates",
    "-updates",
    "-security",
    "/updates",
];

/// Whether `suite` is a suite of the Debian archive itself: a release
/// code name or alias, possibly with a companion suffix
/// (`bookworm-security`, `stable-updates`, `buster/updates`). Third-party
/// repositories use their own suite names (`nodistro`, `cloud-sdk-bookworm`,
/// Ubuntu's `jammy`), and do not match.
#[must_use]
pub fn is_debian_suite(suite: &str) -> bool {
    let release = SUITE_SUFFIXES
        .iter()
        .find_map(|suffix| suite.strip_suffix(suffix).filter(|rest| !rest.is_empty()))
        .unwrap_or(suite);
    DEBIAN_CODENAMES.contains(&release) || DEBIAN_SUITE_ALIASES.contains(&release)
}

/// The base URIs of the Debian archives among `entries` (binary or
/// source), in apt's order and without duplicates: what `mirrors.debian`
/// defaults to on a Debian host. An archive counts when one of its
/// entries has a Debian suite ([`is_debian_suite`]) and its URI is one
/// cairn can name as a download base (`http`, `https`, `file` or `ftp`;
/// not `cdrom:` or `mirror+file:` lists). The main archive and the
/// security archive are two base URIs; `mirror://debian/pool/…` tries
/// each in turn, so a file in either is found.
#[must_use]
pub fn debian_archives(entries: &[SourceEntry]) -> Vec<String> {
    let mut uris: Vec<String> = Vec::new();
    for entry in entries {
        let fetchable = ["http://", "https://", "file://", "ftp://"]
            .iter()
            .any(|scheme| entry.uri.starts_with(scheme));
        if (entry.kind == "deb" || entry.kind == "deb-src")
            && fetchable
            && is_debian_suite(&entry.suite)
            && !uris.contains(&entry.uri)
        {
            uris.push(entry.uri.clone());
        }
    }
    uris
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_suites() {
        for suite in [
            "bookworm",
            "bookworm-updates",
            "bookworm-security",
            "bookworm-backports",
            "buster/updates",
            "stable-updates",
            "sid",
            "trixie-proposed-updates",
        ] {
            assert!(is_debian_suite(suite), "{suite}");
        }
        for suite in [
            "nodistro",
            "cloud-sdk-bookworm",
            "jammy",
            "jammy-security",
            "-security",
            "stable/main",
        ] {
            assert!(!is_debian_suite(suite), "{suite}");
        }
    }

    #[test]
    fn debian_archives_in_apt_order_without_duplicates() {
        let mut entries = parse_deb822(
            "Types: deb deb-src\nURIs: http://mirror.invalid/debian\n\
             Suites: bookworm bookworm-updates\nComponents: main\n\n\
             Types: deb\nURIs: https://other.invalid/node_20.x\nSuites: nodistro\nComponents: main\n\n\
             Types: deb\nURIs: http://mirror.invalid/debian-security\n\
             Suites: bookworm-security\nComponents: main\n",
        )
        .unwrap();
        entries.extend(
            parse_one_line(
                "deb cdrom:[Debian]/ bookworm main\n\
                 deb https://third.invalid/apt cloud-sdk-bookworm main\n\
                 deb file:///srv/debian bookworm main\n\
                 deb http://mirror.invalid/debian bookworm contrib\n",
            )
            .unwrap(),
        );
        assert_eq!(
            debian_archives(&entries),
            [
                "http://mirror.invalid/debian",
                "http://mirror.invalid/debian-security",
                "file:///srv/debian"
            ]
        );
    }

    #[test]
    fn one_line_format() {
        let text = "# comment\n\ndeb http://mirror.invalid/debian bookworm main contrib # tail\n\
deb-src http://mirror.invalid/debian bookworm main\n\
deb [arch=amd64,arm64 signed-by=/k.gpg] https://u:p@other.invalid/x/ stable main\n";
        let entries = parse_one_line(text).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].uri, "http://mirror.invalid/debian");
        assert_eq!(entries[0].components, ["main", "contrib"]);
        assert_eq!(entries[1].kind, "deb-src");
        assert_eq!(entries[2].architectures, ["amd64", "arm64"]);
        assert_eq!(entries[2].uri, "https://u:p@other.invalid/x");
        assert_eq!(
            entries[2].list_file_prefix(),
            "other.invalid_x_dists_stable_"
        );
        assert_eq!(
            parse_one_line("deb http://x\n"),
            Err(SourcesError::BadLine { line: 1 })
        );
        assert!(parse_one_line("rpm http://x a b\n").is_err());
    }

    #[test]
    fn deb822_format_and_release_filter() {
        let text = "Types: deb\n# http://snapshot.invalid/archive\nURIs: http://mirror.invalid/debian\n\
Suites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n\n\
Types: deb deb-src\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n\
Components: main\n\nTypes: deb\nURIs: https://disabled.invalid/node_20.x\nSuites: nodistro\n\
Components: main\nEnabled: no\n\nTypes: deb\nURIs: http://mirror.invalid/debian\nSuites: trixie\n";
        let entries = parse_deb822(text).unwrap();
        assert_eq!(entries.len(), 5);
        let release = for_release(&entries, "bookworm");
        let suites: Vec<_> = release.iter().map(|e| e.suite.as_str()).collect();
        assert_eq!(
            suites,
            ["bookworm", "bookworm-updates", "bookworm-security"]
        );
        assert_eq!(
            release[2].packages_file("main", "amd64"),
            "mirror.invalid_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
        );
        assert_eq!(
            parse_deb822("Types: deb\nSuites: x\n"),
            Err(SourcesError::MissingField {
                line: 1,
                field: "URIs"
            })
        );
    }

    #[test]
    fn list_file_names_quote_like_apt() {
        let entry = SourceEntry {
            kind: "deb".into(),
            uri: "https://deb.invalid/node_20.x".into(),
            suite: "nodistro".into(),
            components: vec!["main".into()],
            architectures: vec![],
        };
        assert_eq!(
            entry.packages_file("main", "amd64"),
            "deb.invalid_node%5f20.x_dists_nodistro_main_binary-amd64_Packages"
        );
    }
}
