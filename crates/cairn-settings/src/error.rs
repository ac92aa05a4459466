//! Where a setting came from, and what can go wrong with it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Where a setting (or a line of configuration) came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of a configuration file (`line` counts from 1; 0 means the
    /// file as a whole).
    File {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
    },
    /// An environment variable.
    Environment {
        /// The variable's name, e.g. `CAIRN_MAX_JOBS`.
        variable: String,
    },
    /// `--option NAME VALUE` on the command line.
    CommandLine {
        /// The setting name as given.
        name: String,
    },
}

impl Origin {
    /// A file origin; `line` 0 stands for the whole file.
    pub fn file(path: impl Into<PathBuf>, line: usize) -> Origin {
        Origin::File {
            path: path.into(),
            line,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line: 0 } => write!(f, "{}", path.display()),
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Environment { variable } => write!(f, "environment variable {variable}"),
            Origin::CommandLine { name } => write!(f, "--option {name}"),
        }
    }
}

/// A configuration error, with where it happened: `ORIGIN: WHAT`. Its
/// [`source`](std::error::Error::source) is that of the [`ErrorKind`] (the
/// I/O error of a failed read), so the kind's message is not repeated down
/// the chain.
#[derive(Debug)]
pub struct Error {
    origin: Origin,
    kind: ErrorKind,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

impl Error {
    pub(crate) fn new(origin: Origin, kind: ErrorKind) -> Error {
        Error { origin, kind }
    }

    /// Where the bad line or value came from.
    #[must_use]
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

/// What is wrong with a configuration line or value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration file could not be read (the `io::Error` is the
    /// source).
    #[error("failed to read '{}'", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// `include PATH` names a file that does not exist.
    #[error("included file '{}' not found", path.display())]
    MissingInclude {
        /// The included file, resolved against the including file's
        /// directory.
        path: PathBuf,
    },
    /// Includes nest too deep (probably a file including itself).
    #[error("includes nest deeper than {max} files; does a file include itself?")]
    IncludeTooDeep {
        /// The limit.
        max: usize,
    },
    /// A line that is not `NAME = VALUE`, `include PATH` or `!include PATH`.
    #[error("illegal configuration line '{line}'; expected 'NAME = VALUE'")]
    IllegalLine {
        /// The line, without its comment.
        line: String,
    },
    /// A value that does not parse for its setting.
    #[error("setting '{name}' has invalid value '{value}': expected {expected}")]
    InvalidValue {
        /// The setting.
        name: String,
        /// The value given.
        value: String,
        /// What the setting accepts.
        expected: &'static str,
    },
    /// `extra-NAME` for a setting that is not a list.
    #[error("setting '{name}' is not a list, so 'extra-{name}' cannot add to it")]
    NotAList {
        /// The setting.
        name: String,
    },
}

/// Something worth telling the user that does not stop loading, such as an
/// unknown setting name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub origin: Origin,
    /// What, e.g. `unknown setting 'foo'`.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}
