//! The one place cairn reads environment variables, and the loading of
//! settings from configuration files, the environment and `--option`.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `CAIRN_CONF_DIR` | directory of the system `cairn.conf` (default `/etc/cairn`) |
//! | `XDG_CONFIG_HOME`, `HOME` | the user file is `$XDG_CONFIG_HOME/cairn/cairn.conf`, else `$HOME/.config/cairn/cairn.conf` |
//! | `CAIRN_<SETTING>` | a setting, e.g. `CAIRN_MAX_JOBS` for `max-jobs` (see [`Settings::environment_variable`]) |
//! | `CAIRN_APT_DIR` | apt's configuration directory, whose sources give the default `mirrors.debian` (default `/etc/apt`) |
//! | `XDG_STATE_HOME`, `HOME` | `cairn repl` history: `$XDG_STATE_HOME/cairn/repl-history`, else `~/.local/state/cairn/repl-history` |
//! | `NO_COLOR` | when set and not empty, errors are not coloured |
//! | `NIX_PATH` | search path for `<name>` in `cairn eval`, after `-I` |
//! | every variable | what `builtins.getEnv` sees in `cairn eval` |

use std::ffi::OsString;
use std::path::PathBuf;

use cairn_settings::Settings;

use crate::error::{CliError, CliResult, ErrorKind};

/// The environment variables cairn looks at, captured once at start-up.
#[derive(Debug, Default, Clone)]
pub(crate) struct Environment {
    conf_dir: Option<PathBuf>,
    apt_dir: Option<PathBuf>,
    xdg_config_home: Option<PathBuf>,
    xdg_state_home: Option<PathBuf>,
    home: Option<PathBuf>,
    no_color: bool,
    /// Every `CAIRN_*` variable with a UTF-8 value.
    cairn_variables: Vec<(String, String)>,
    /// Every variable with a UTF-8 name and value, for `builtins.getEnv`.
    variables: std::collections::BTreeMap<String, String>,
}

impl Environment {
    /// Reads the process environment.
    #[expect(
        clippy::disallowed_methods,
        reason = "the CLI is the one crate that reads the environment; everything else gets values"
    )]
    pub(crate) fn capture() -> Environment {
        Environment::from_variables(std::env::vars_os())
    }

    /// Builds an `Environment` from `variables` (used by [`capture`] and
    /// tests).
    ///
    /// [`capture`]: Environment::capture
    pub(crate) fn from_variables(
        variables: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Environment {
        let mut env = Environment::default();
        for (name, value) in variables {
            let Some(name) = name.to_str() else { continue };
            if let Some(text) = value.to_str() {
                env.variables.insert(name.to_owned(), text.to_owned());
            }
            let non_empty = |value: &OsString| (!value.is_empty()).then(|| PathBuf::from(value));
            match name {
                "CAIRN_CONF_DIR" => env.conf_dir = non_empty(&value),
                "CAIRN_APT_DIR" => env.apt_dir = non_empty(&value),
                "XDG_CONFIG_HOME" => env.xdg_config_home = non_empty(&value),
                "XDG_STATE_HOME" => env.xdg_state_home = non_empty(&value),
                "HOME" => env.home = non_empty(&value),
                "NO_COLOR" => env.no_color = !value.is_empty(),
                _ => {}
            }
            if name.starts_with("CAIRN_")
                && let Ok(value) = value.into_string()
            {
                env.cairn_variables.push((name.to_owned(), value));
            }
        }
        env
    }

    /// Every variable with a UTF-8 name and value.
    pub(crate) fn variables(&self) -> &std::collections::BTreeMap<String, String> {
        &self.variables
    }

    /// The home directory (`HOME`).
    pub(crate) fn home(&self) -> Option<&std::path::Path> {
        self.home.as_deref()
    }

    /// The file `cairn repl` keeps its history in:
    /// `$XDG_STATE_HOME/cairn/repl-history`, else
    /// `~/.local/state/cairn/repl-history`.
    pub(crate) fn repl_history(&self) -> Option<PathBuf> {
        let dir = self
            .xdg_state_home
            .clone()
            .or_else(|| self.home.as_ref().map(|home| home.join(".local/state")))?;
        Some(dir.join("cairn/repl-history"))
    }

    /// Whether output may be coloured (`NO_COLOR` is unset or empty).
    pub(crate) fn color(&self) -> bool {
        !self.no_color
    }

    /// The configuration files in the order they apply.
    fn config_files(&self) -> Vec<PathBuf> {
        let system = self
            .conf_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/etc/cairn"))
            .join("cairn.conf");
        let user_dir = self
            .xdg_config_home
            .clone()
            .or_else(|| self.home.as_ref().map(|home| home.join(".config")));
        let mut files = vec![system];
        files.extend(user_dir.map(|dir| dir.join("cairn/cairn.conf")));
        files
    }

    /// apt's configuration directory (`CAIRN_APT_DIR`, else `/etc/apt`).
    pub(crate) fn apt_dir(&self) -> PathBuf {
        self.apt_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/etc/apt"))
    }

    /// Loads the settings: system file, user file, `CAIRN_*` variables, then
    /// `--option` pairs. Warnings (unknown names) go to standard error.
    ///
    /// Before them all, `mirrors.debian` is set to the Debian archives of
    /// the host's apt sources ([`crate::apt::default_debian_mirror`]), so
    /// that `mirror://debian/…` works on a Debian host with no
    /// configuration: `mirrors.debian = …` (even empty) replaces that
    /// default, `extra-mirrors.debian = …` adds to it.
    pub(crate) fn settings(&self, options: &[(String, String)]) -> CliResult<Settings> {
        let mut builder = Settings::builder();
        let apt_default = crate::apt::default_debian_mirror(&self.apt_dir());
        if !apt_default.is_empty() {
            // A list of URLs is always a valid value.
            let _ = builder.option("mirrors.debian", &apt_default.join(" "));
        }
        let config_error = |err: cairn_settings::Error| {
            let help = match err.origin() {
                cairn_settings::Origin::File { .. } => "fix or remove that line of the file",
                cairn_settings::Origin::Environment { .. } => "fix or unset the variable",
                cairn_settings::Origin::CommandLine { .. } => "fix the --option argument",
            };
            CliError::from_error(ErrorKind::User, &err).with_help(help)
        };
        for file in self.config_files() {
            builder.file(&file, false).map_err(config_error)?;
        }
        builder
            .environment(self.cairn_variables.iter().map(|(k, v)| (k, v)))
            .map_err(config_error)?;
        for (name, value) in options {
            builder.option(name, value).map_err(config_error)?;
        }
        let (settings, warnings) = builder.finish();
        for warning in warnings {
            report_warning(&warning.to_string());
        }
        Ok(settings)
    }
}

/// Prints a warning line to standard error.
#[expect(clippy::print_stderr, reason = "warnings are for the user")]
fn report_warning(message: &str) {
    eprintln!("warning: {message}");
}

/// Pairs up the flat `--option NAME VALUE` values clap collects.
pub(crate) fn option_pairs(values: &[String]) -> Vec<(String, String)> {
    values
        .chunks(2)
        .filter_map(|pair| match pair {
            [name, value] => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_variables(
            pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v))),
        )
    }

    #[test]
    fn config_file_locations() {
        let e = env(&[("HOME", "/home/u")]);
        assert_eq!(
            e.config_files(),
            [
                PathBuf::from("/etc/cairn/cairn.conf"),
                PathBuf::from("/home/u/.config/cairn/cairn.conf")
            ]
        );
        let e = env(&[
            ("HOME", "/home/u"),
            ("XDG_CONFIG_HOME", "/x"),
            ("CAIRN_CONF_DIR", "/c"),
        ]);
        assert_eq!(
            e.config_files(),
            [
                PathBuf::from("/c/cairn.conf"),
                PathBuf::from("/x/cairn/cairn.conf")
            ]
        );
    }

    #[test]
    fn sources_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cairn.conf"), "cores = 1\nmax-jobs = 3\n").unwrap();
        let conf_dir = dir.path().to_str().unwrap();
        let e = env(&[
            ("CAIRN_CONF_DIR", conf_dir),
            ("HOME", "/nonexistent"),
            ("CAIRN_CORES", "2"),
        ]);
        let settings = e
            .settings(&option_pairs(&["max-jobs".into(), "5".into()]))
            .unwrap();
        assert_eq!(settings.cores, 2);
        assert_eq!(settings.max_jobs, cairn_settings::MaxJobs::Count(5));
    }

    #[test]
    fn mirrors_debian_defaults_to_the_apt_sources_unless_set() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("sources.list"),
            "deb http://mirror.invalid/debian bookworm main\n",
        )
        .unwrap();
        let apt_dir = dir.path().to_str().unwrap();
        let e = env(&[
            ("CAIRN_CONF_DIR", "/nonexistent"),
            ("CAIRN_APT_DIR", apt_dir),
        ]);
        assert_eq!(
            e.settings(&[]).unwrap().mirrors["debian"],
            ["http://mirror.invalid/debian"]
        );
        let set = option_pairs(&["mirrors.debian".into(), "file:///m".into()]);
        assert_eq!(e.settings(&set).unwrap().mirrors["debian"], ["file:///m"]);
        let emptied = option_pairs(&["mirrors.debian".into(), String::new()]);
        assert!(e.settings(&emptied).unwrap().mirrors["debian"].is_empty());
        let extra = option_pairs(&["extra-mirrors.debian".into(), "file:///m".into()]);
        assert_eq!(
            e.settings(&extra).unwrap().mirrors["debian"],
            ["http://mirror.invalid/debian", "file:///m"]
        );
    }

    #[test]
    fn no_color() {
        assert!(env(&[]).color());
        assert!(env(&[("NO_COLOR", "")]).color());
        assert!(!env(&[("NO_COLOR", "1")]).color());
    }
}
