//! The typed settings and how each one parses.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::error::ErrorKind;

/// The default `sandbox-paths` entry: a statically linked busybox (Debian's
/// `busybox-static`) as the builders' `/bin/sh`, the shell Nix 2.8 on Debian
/// is built with. Optional, so a host without it only loses `/bin/sh`.
pub const DEFAULT_SANDBOX_SHELL: &str = "/bin/sh=/bin/busybox?";

/// cairn's settings, after all sources have been merged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `store-dir`: the logical store directory (default `/nix/store`).
    pub store_dir: String,
    /// `max-jobs`: how many builds may run at once (default 1).
    pub max_jobs: MaxJobs,
    /// `cores`: the value of `NIX_BUILD_CORES` for builders; 0 means all
    /// cores (default 0).
    pub cores: u32,
    /// `sandbox`: whether builds run in a sandbox (default on).
    pub sandbox: Sandbox,
    /// `sandbox-paths`, usually given as `extra-sandbox-paths`: host paths
    /// made visible in the sandbox, each `PATH` or `TARGET=SOURCE` (a
    /// trailing `?` marks it optional). The default, [`DEFAULT_SANDBOX_SHELL`],
    /// gives builders a `/bin/sh` as Nix built with a sandbox shell does.
    pub extra_sandbox_paths: Vec<String>,
    /// `substituters`: binary cache URLs, in order of preference.
    pub substituters: Vec<String>,
    /// `trusted-public-keys`: `NAME:BASE64` keys whose signatures are
    /// accepted.
    pub trusted_public_keys: Vec<String>,
    /// `mirrors.NAME`: base URLs for `mirror://NAME/…`, by mirror name.
    pub mirrors: BTreeMap<String, Vec<String>>,
    /// `collection`: the package collection (a Nix file or a directory
    /// with a `default.nix`) that commands looking packages up by name
    /// (`cairn search`) evaluate; unset (the default, or an empty value)
    /// leaves the choice to the caller.
    pub collection: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            store_dir: "/nix/store".to_owned(),
            max_jobs: MaxJobs::Count(1),
            cores: 0,
            sandbox: Sandbox::Enabled,
            extra_sandbox_paths: vec![DEFAULT_SANDBOX_SHELL.to_owned()],
            substituters: Vec::new(),
            trusted_public_keys: Vec::new(),
            mirrors: BTreeMap::new(),
            collection: None,
        }
    }
}

/// The `max-jobs` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxJobs {
    /// `auto`: one job per CPU.
    Auto,
    /// A fixed number of jobs; 0 means builds only happen remotely or by
    /// substitution.
    Count(u32),
}

impl fmt::Display for MaxJobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxJobs::Auto => f.write_str("auto"),
            MaxJobs::Count(n) => write!(f, "{n}"),
        }
    }
}

/// The `sandbox` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sandbox {
    /// `true`: every build is sandboxed.
    Enabled,
    /// `false`: builds run unsandboxed.
    Disabled,
    /// `relaxed`: derivations with `__noChroot = true` may opt out.
    Relaxed,
}

impl fmt::Display for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sandbox::Enabled => "true",
            Sandbox::Disabled => "false",
            Sandbox::Relaxed => "relaxed",
        })
    }
}

/// The names of the settings, for `extra-` and unknown-name checks.
pub(crate) const NAMES: [&str; 8] = [
    "store-dir",
    "max-jobs",
    "cores",
    "sandbox",
    "sandbox-paths",
    "substituters",
    "trusted-public-keys",
    "collection",
];

/// What happened when a name was applied.
pub(crate) enum Applied {
    /// The setting was set.
    Set,
    /// The name is not a setting.
    Unknown,
}

impl Settings {
    /// Sets `name` from the text `value`; with `append`, adds to a list
    /// setting instead of replacing it.
    pub(crate) fn apply(
        &mut self,
        name: &str,
        value: &str,
        append: bool,
    ) -> Result<Applied, ErrorKind> {
        let words = || value.split_whitespace().map(str::to_owned);
        let list = |target: &mut Vec<String>| {
            if !append {
                target.clear();
            }
            target.extend(words());
        };
        if let Some(mirror) = name.strip_prefix("mirrors.") {
            if mirror.is_empty() {
                return Ok(Applied::Unknown);
            }
            list(self.mirrors.entry(mirror.to_owned()).or_default());
            return Ok(Applied::Set);
        }
        let scalar = |append: bool| {
            if append {
                Err(ErrorKind::NotAList {
                    name: name.to_owned(),
                })
            } else {
                Ok(())
            }
        };
        match name {
            "store-dir" => {
                scalar(append)?;
                self.store_dir = parse_store_dir(name, value)?;
            }
            "max-jobs" => {
                scalar(append)?;
                self.max_jobs = if value == "auto" {
                    MaxJobs::Auto
                } else {
                    MaxJobs::Count(parse_count(
                        name,
                        value,
                        "'auto' or a non-negative integer",
                    )?)
                };
            }
            "cores" => {
                scalar(append)?;
                self.cores = parse_count(name, value, "a non-negative integer")?;
            }
            "sandbox" => {
                scalar(append)?;
                self.sandbox = match value {
                    "true" => Sandbox::Enabled,
                    "false" => Sandbox::Disabled,
                    "relaxed" => Sandbox::Relaxed,
                    _ => return Err(invalid(name, value, "'true', 'false' or 'relaxed'")),
                };
            }
            "sandbox-paths" => list(&mut self.extra_sandbox_paths),
            "substituters" => list(&mut self.substituters),
            "trusted-public-keys" => list(&mut self.trusted_public_keys),
            "collection" => {
                scalar(append)?;
                self.collection = parse_collection(name, value)?;
            }
            _ => return Ok(Applied::Unknown),
        }
        Ok(Applied::Set)
    }
}

fn invalid(name: &str, value: &str, expected: &'static str) -> ErrorKind {
    ErrorKind::InvalidValue {
        name: name.to_owned(),
        value: value.to_owned(),
        expected,
    }
}

fn parse_count(name: &str, value: &str, expected: &'static str) -> Result<u32, ErrorKind> {
    value.parse().map_err(|_| invalid(name, value, expected))
}

/// An absolute path, or nothing for an empty value: a relative one would
/// mean something else in every directory cairn runs in.
fn parse_collection(name: &str, value: &str) -> Result<Option<PathBuf>, ErrorKind> {
    if value.is_empty() {
        Ok(None)
    } else if value.starts_with('/') {
        Ok(Some(PathBuf::from(value)))
    } else {
        Err(invalid(name, value, "an absolute path"))
    }
}

fn parse_store_dir(name: &str, value: &str) -> Result<String, ErrorKind> {
    let expected = "an absolute path without '.', '..' or empty components";
    let canonical = value.len() > 1
        && value.starts_with('/')
        && value[1..]
            .split('/')
            .all(|part| !matches!(part, "" | "." | ".."));
    if canonical {
        Ok(value.to_owned())
    } else {
        Err(invalid(name, value, expected))
    }
}
