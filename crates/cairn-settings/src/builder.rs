//! Reading configuration text and merging sources in order.

use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Origin, Warning};
use crate::settings::{Applied, NAMES, Settings};

/// How deep `include`s may nest.
const MAX_INCLUDE_DEPTH: usize = 32;

/// Applies configuration sources one after another; later ones override
/// earlier ones (`extra-NAME` appends instead).
#[derive(Debug, Clone, Default)]
pub struct SettingsBuilder {
    settings: Settings,
    warnings: Vec<Warning>,
}

impl Settings {
    /// Starts from the defaults.
    #[must_use]
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder::default()
    }

    /// The environment variable that overrides `setting`:
    /// `max-jobs` → `CAIRN_MAX_JOBS`.
    #[must_use]
    pub fn environment_variable(setting: &str) -> String {
        let mut variable = String::from("CAIRN_");
        variable.extend(setting.chars().map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        }));
        variable
    }
}

impl SettingsBuilder {
    /// Reads the configuration file at `path`. A missing file is skipped
    /// unless `required`.
    pub fn file(&mut self, path: impl AsRef<Path>, required: bool) -> Result<&mut Self, Error> {
        self.file_at_depth(path.as_ref(), required, None, 0)?;
        Ok(self)
    }

    /// Applies configuration `text` as if read from the file `path`
    /// (which names lines in errors and anchors relative includes).
    pub fn text(&mut self, path: impl AsRef<Path>, text: &str) -> Result<&mut Self, Error> {
        self.text_at_depth(path.as_ref(), text, 0)?;
        Ok(self)
    }

    /// Applies `--option NAME VALUE`.
    pub fn option(&mut self, name: &str, value: &str) -> Result<&mut Self, Error> {
        let origin = Origin::CommandLine {
            name: name.to_owned(),
        };
        self.set(origin, name, value)?;
        Ok(self)
    }

    /// Applies the `CAIRN_*` variables among `variables` that name a
    /// setting (see [`Settings::environment_variable`]); others are
    /// ignored. The caller reads the environment and passes it in.
    pub fn environment<I, K, V>(&mut self, variables: I) -> Result<&mut Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let variables: Vec<(K, V)> = variables.into_iter().collect();
        for name in NAMES {
            let wanted = Settings::environment_variable(name);
            for (variable, value) in &variables {
                if variable.as_ref() == wanted {
                    let origin = Origin::Environment {
                        variable: wanted.clone(),
                    };
                    self.set(origin, name, value.as_ref())?;
                }
            }
        }
        Ok(self)
    }

    /// The merged settings and the warnings collected on the way.
    #[must_use]
    pub fn finish(self) -> (Settings, Vec<Warning>) {
        (self.settings, self.warnings)
    }

    fn file_at_depth(
        &mut self,
        path: &Path,
        required: bool,
        included_from: Option<&Origin>,
        depth: usize,
    ) -> Result<(), Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound && !required => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound && included_from.is_some() => {
                let origin = included_from
                    .cloned()
                    .unwrap_or_else(|| Origin::file(path, 0));
                return Err(Error::new(
                    origin,
                    ErrorKind::MissingInclude {
                        path: path.to_owned(),
                    },
                ));
            }
            Err(source) => {
                let origin = included_from
                    .cloned()
                    .unwrap_or_else(|| Origin::file(path, 0));
                return Err(Error::new(
                    origin,
                    ErrorKind::Read {
                        path: path.to_owned(),
                        source,
                    },
                ));
            }
        };
        self.text_at_depth(path, &text, depth)
    }

    fn text_at_depth(&mut self, path: &Path, text: &str, depth: usize) -> Result<(), Error> {
        for (index, line) in text.lines().enumerate() {
            let origin = Origin::file(path, index + 1);
            let content = line.split_once('#').map_or(line, |(before, _)| before);
            let words: Vec<&str> = content.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                [keyword @ ("include" | "!include"), target] => {
                    if depth + 1 >= MAX_INCLUDE_DEPTH {
                        return Err(Error::new(
                            origin,
                            ErrorKind::IncludeTooDeep {
                                max: MAX_INCLUDE_DEPTH,
                            },
                        ));
                    }
                    let target = resolve(path, target);
                    let required = *keyword == "include";
                    self.file_at_depth(&target, required, Some(&origin), depth + 1)?;
                }
                [name, "=", value @ ..] => {
                    let value = value.join(" ");
                    self.set(origin, name, &value)?;
                }
                _ => {
                    return Err(Error::new(
                        origin,
                        ErrorKind::IllegalLine {
                            line: content.trim().to_owned(),
                        },
                    ));
                }
            }
        }
        Ok(())
    }

    fn set(&mut self, origin: Origin, name: &str, value: &str) -> Result<(), Error> {
        let applied = match name.strip_prefix("extra-") {
            Some(base) if NAMES.contains(&base) || base.starts_with("mirrors.") => {
                self.settings.apply(base, value, true)
            }
            _ => self.settings.apply(name, value, false),
        }
        .map_err(|kind| Error::new(origin.clone(), kind))?;
        if let Applied::Unknown = applied {
            self.warnings.push(Warning {
                origin,
                message: format!("unknown setting '{name}'"),
            });
        }
        Ok(())
    }
}

/// Resolves an include target against the including file's directory.
fn resolve(including: &Path, target: &str) -> PathBuf {
    let target = Path::new(target);
    match including.parent() {
        Some(dir) if target.is_relative() => dir.join(target),
        _ => target.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{MaxJobs, Sandbox};

    use super::*;

    fn parse(text: &str) -> Result<(Settings, Vec<Warning>), Error> {
        let mut builder = Settings::builder();
        builder.text("/etc/cairn/cairn.conf", text)?;
        Ok(builder.finish())
    }

    #[test]
    fn defaults() {
        let settings = Settings::default();
        assert_eq!(settings.store_dir, "/nix/store");
        assert_eq!(settings.max_jobs, MaxJobs::Count(1));
        assert_eq!(settings.sandbox, Sandbox::Enabled);
        assert_eq!(settings.extra_sandbox_paths, ["/bin/sh=/bin/busybox?"]);
    }

    #[test]
    fn parses_every_setting() {
        let (settings, warnings) = parse(
            "# a comment\n\
             store-dir = /tmp/store\n\
             max-jobs = auto\n\
             cores   =   3\n\
             \n\
             sandbox = false   # trailing comment\n\
             extra-sandbox-paths = /bin/sh=/busybox /etc/resolv.conf?\n\
             substituters = file:///a   file:///b\n\
             trusted-public-keys = k-1:AAAA\n\
             mirrors.debian = file:///m1 file:///m2\n\
             collection = /srv/pkgs\n",
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(settings.store_dir, "/tmp/store");
        assert_eq!(settings.max_jobs, MaxJobs::Auto);
        assert_eq!(settings.cores, 3);
        assert_eq!(settings.sandbox, Sandbox::Disabled);
        assert_eq!(
            settings.extra_sandbox_paths,
            [
                "/bin/sh=/bin/busybox?",
                "/bin/sh=/busybox",
                "/etc/resolv.conf?"
            ]
        );
        assert_eq!(settings.substituters, ["file:///a", "file:///b"]);
        assert_eq!(settings.trusted_public_keys, ["k-1:AAAA"]);
        assert_eq!(settings.mirrors["debian"], ["file:///m1", "file:///m2"]);
        assert_eq!(settings.collection, Some("/srv/pkgs".into()));
    }

    #[test]
    fn an_empty_collection_restores_the_default() {
        let mut builder = Settings::builder();
        builder
            .text("/etc/cairn/cairn.conf", "collection = /srv/pkgs\n")
            .unwrap()
            .environment([("CAIRN_COLLECTION", "")])
            .unwrap();
        assert_eq!(builder.finish().0.collection, None);
    }

    #[test]
    fn equals_sign_must_be_its_own_word() {
        let err = Settings::builder()
            .text("/c.conf", "cores = 1\ncores=3\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/c.conf:2: illegal configuration line 'cores=3'; expected 'NAME = VALUE'"
        );
    }

    #[test]
    fn later_sources_override_and_extra_appends() {
        let mut builder = Settings::builder();
        builder
            .text("/etc/cairn/cairn.conf", "substituters = a\ncores = 1\n")
            .unwrap()
            .text(
                "/home/u/.config/cairn/cairn.conf",
                "extra-substituters = b\n",
            )
            .unwrap()
            .environment([("CAIRN_CORES", "4"), ("CAIRN_UNRELATED", "x")])
            .unwrap()
            .option("extra-mirrors.gnu", "m")
            .unwrap();
        let (settings, warnings) = builder.finish();
        assert!(warnings.is_empty());
        assert_eq!(settings.substituters, ["a", "b"]);
        assert_eq!(settings.cores, 4);
        assert_eq!(settings.mirrors["gnu"], ["m"]);

        let mut builder = Settings::builder();
        builder.option("substituters", "x").unwrap();
        builder.option("substituters", "").unwrap();
        assert!(builder.finish().0.substituters.is_empty());
    }

    #[test]
    fn unknown_names_are_warnings() {
        let (_, warnings) = parse("foo = 1\n\nextra-bar = 2\n").unwrap();
        let messages: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "/etc/cairn/cairn.conf:1: unknown setting 'foo'",
                "/etc/cairn/cairn.conf:3: unknown setting 'extra-bar'",
            ]
        );
    }

    #[test]
    fn bad_values_name_file_and_line() {
        let cases = [
            (
                "\ncores = many\n",
                "/etc/cairn/cairn.conf:2: setting 'cores' has invalid value 'many': expected a non-negative integer",
            ),
            (
                "sandbox = yes\n",
                "/etc/cairn/cairn.conf:1: setting 'sandbox' has invalid value 'yes': expected 'true', 'false' or 'relaxed'",
            ),
            (
                "store-dir = nix/store\n",
                "/etc/cairn/cairn.conf:1: setting 'store-dir' has invalid value 'nix/store': expected an absolute path without '.', '..' or empty components",
            ),
            (
                "collection = nix/pkgs\n",
                "/etc/cairn/cairn.conf:1: setting 'collection' has invalid value 'nix/pkgs': expected an absolute path",
            ),
            (
                "extra-cores = 2\n",
                "/etc/cairn/cairn.conf:1: setting 'cores' is not a list, so 'extra-cores' cannot add to it",
            ),
            (
                "substituters\n",
                "/etc/cairn/cairn.conf:1: illegal configuration line 'substituters'; expected 'NAME = VALUE'",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), message, "{text:?}");
        }
    }

    #[test]
    fn option_and_environment_errors_name_their_origin() {
        let err = Settings::builder().option("max-jobs", "-1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--option max-jobs: setting 'max-jobs' has invalid value '-1': expected 'auto' or a non-negative integer"
        );
        let err = Settings::builder()
            .environment([("CAIRN_SANDBOX", "maybe")])
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable CAIRN_SANDBOX: ")
        );
        assert_eq!(Settings::environment_variable("max-jobs"), "CAIRN_MAX_JOBS");
    }

    #[test]
    fn includes() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("cairn.conf");
        std::fs::write(dir.path().join("extra.conf"), "cores = 7\n").unwrap();
        std::fs::write(
            &main,
            "include extra.conf\n!include missing.conf\nmax-jobs = 2\n",
        )
        .unwrap();
        let mut builder = Settings::builder();
        builder.file(&main, true).unwrap();
        let (settings, _) = builder.finish();
        assert_eq!(settings.cores, 7);
        assert_eq!(settings.max_jobs, MaxJobs::Count(2));

        std::fs::write(&main, "\ninclude missing.conf\n").unwrap();
        let err = Settings::builder().file(&main, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:2: included file '{}' not found",
                main.display(),
                dir.path().join("missing.conf").display()
            )
        );

        std::fs::write(&main, "include cairn.conf\n").unwrap();
        let err = Settings::builder().file(&main, true).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::IncludeTooDeep { .. }));
    }

    #[test]
    fn missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.conf");
        assert!(Settings::builder().file(&path, false).is_ok());
        let err = Settings::builder().file(&path, true).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Read { .. }));
        assert_eq!(
            err.to_string(),
            format!("{}: failed to read '{}'", path.display(), path.display())
        );
    }
}
