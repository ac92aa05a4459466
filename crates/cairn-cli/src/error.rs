//! Command errors: what went wrong, why, and what to do next; and the exit
//! code each kind of error maps to.
//!
//! Library errors arrive as `thiserror` types. [`CliError`] sorts them into
//! user errors (exit 1) and internal errors (exit 101), keeps their cause
//! chain for display, and attaches a `help:` line. Rendering goes through
//! miette's graphical handler, so the output looks like:
//!
//! ```text
//!   × failed to get status of '/nonexistent'
//!   ╰─▶ No such file or directory
//!   help: check that the path exists
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::process::ExitCode;

/// The exit statuses cairn uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command did what was asked.
    Success,
    /// The user asked for something impossible: a missing file, a bad hash,
    /// a corrupt archive.
    UserError,
    /// The command line itself was malformed (clap's errors).
    Usage,
    /// A bug in cairn, or an environment it cannot cope with.
    Internal,
}

impl ExitStatus {
    /// The numeric code: 0, 1, 2 or 101 (the code of a Rust panic).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::UserError => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Internal => 101,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input or the request was wrong; the help line says how to fix it.
    User,
    /// cairn could not do something it should be able to do.
    Internal,
    /// Standard output was closed early (`cairn … | head`): not an error
    /// worth reporting, and the exit status is 0.
    BrokenPipe,
}

/// An error on its way to the user.
#[derive(Debug)]
pub struct CliError {
    kind: ErrorKind,
    message: String,
    cause: Option<Box<Cause>>,
    help: Option<String>,
    /// Printed as it is instead of through miette (errors already worded
    /// and laid out like Nix's, which users search for).
    verbatim: bool,
}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    /// A user error with only a message.
    pub fn user(message: impl Into<String>) -> CliError {
        CliError {
            kind: ErrorKind::User,
            message: message.into(),
            cause: None,
            help: None,
            verbatim: false,
        }
    }

    /// An internal error with only a message.
    pub fn internal(message: impl Into<String>) -> CliError {
        CliError {
            kind: ErrorKind::Internal,
            message: message.into(),
            cause: None,
            help: None,
            verbatim: false,
        }
    }

    /// A failure to write to standard output; a closed pipe becomes
    /// [`ErrorKind::BrokenPipe`].
    pub fn stdout(err: &std::io::Error) -> CliError {
        let kind = if err.kind() == std::io::ErrorKind::BrokenPipe {
            ErrorKind::BrokenPipe
        } else {
            ErrorKind::User
        };
        CliError::from_error(kind, err).context("failed to write to standard output")
    }

    /// Wraps a library error: its message becomes ours and its sources the
    /// cause chain.
    pub fn from_error(kind: ErrorKind, error: &(dyn StdError + 'static)) -> CliError {
        CliError {
            kind,
            message: describe(error),
            cause: Cause::chain(error.source()),
            help: None,
            verbatim: false,
        }
    }

    /// Puts `context` in front: the old message becomes the first cause.
    #[must_use]
    pub fn context(self, context: impl Into<String>) -> CliError {
        CliError {
            kind: self.kind,
            message: context.into(),
            cause: Some(Box::new(Cause {
                message: self.message,
                next: self.cause,
            })),
            help: self.help,
            verbatim: self.verbatim,
        }
    }

    /// A user error printed exactly as `text` (plus the help line), for
    /// messages that are already in Nix's layout.
    pub fn verbatim(text: impl Into<String>) -> CliError {
        CliError {
            verbatim: true,
            ..CliError::user(text)
        }
    }

    /// Sets the `help:` line, which says what to do next.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> CliError {
        self.help = Some(help.into());
        self
    }

    /// Sets the `help:` line unless one is set already.
    #[must_use]
    pub fn or_help(mut self, help: impl Into<String>) -> CliError {
        if self.help.is_none() {
            self.help = Some(help.into());
        }
        self
    }

    /// Whose fault it is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The exit status this error leads to.
    #[must_use]
    pub fn exit_status(&self) -> ExitStatus {
        match self.kind {
            ErrorKind::User => ExitStatus::UserError,
            ErrorKind::BrokenPipe => ExitStatus::Success,
            ErrorKind::Internal => ExitStatus::Internal,
        }
    }

    /// Renders the error for a terminal (`color`) or a pipe or file.
    #[must_use]
    pub fn render(&self, color: bool) -> String {
        if self.verbatim {
            let mut out = format!("{}\n", self.message);
            if let Some(help) = &self.help {
                out.push_str(&format!("\n  help: {help}\n"));
            }
            return out;
        }
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_wrap_lines(false)
            .with_links(false);
        let mut out = String::new();
        if handler.render_report(&mut out, self).is_err() {
            // Formatting into a String cannot fail; keep the message anyway.
            out = format!("error: {self}\n");
        }
        if self.kind == ErrorKind::Internal {
            out.push_str(
                "  note: this is a bug in cairn; please report it with the command you ran\n",
            );
        }
        out
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for CliError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn StdError + 'static))
    }
}

impl miette::Diagnostic for CliError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }
}

/// One link of a cause chain, kept as text so that it can be shown after the
/// original error is gone.
#[derive(Debug)]
struct Cause {
    message: String,
    next: Option<Box<Cause>>,
}

impl Cause {
    /// Copies the chain starting at `error`.
    fn chain(error: Option<&(dyn StdError + 'static)>) -> Option<Box<Cause>> {
        let error = error?;
        Some(Box::new(Cause {
            message: describe(error),
            next: Cause::chain(error.source()),
        }))
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.next
            .as_deref()
            .map(|cause| cause as &(dyn StdError + 'static))
    }
}

/// An error's message; for OS errors without the ` (os error N)` suffix,
/// which says nothing to a user.
fn describe(error: &(dyn StdError + 'static)) -> String {
    let message = error.to_string();
    if let Some(io) = error.downcast_ref::<std::io::Error>()
        && let Some(code) = io.raw_os_error()
    {
        let suffix = format!(" (os error {code})");
        if let Some(stripped) = message.strip_suffix(&suffix) {
            return stripped.to_owned();
        }
    }
    message
}

/// The next step after a failed filesystem call, by the kind of error.
pub(crate) fn io_help(kind: std::io::ErrorKind) -> Option<&'static str> {
    match kind {
        std::io::ErrorKind::NotFound => Some("check that the path exists"),
        std::io::ErrorKind::PermissionDenied => {
            Some("check the permissions of the path and its parent directories")
        }
        std::io::ErrorKind::AlreadyExists => Some("remove it first or choose another path"),
        _ => None,
    }
}

impl From<cairn_util::Error> for CliError {
    fn from(err: cairn_util::Error) -> CliError {
        let help = io_help(err.kind());
        let error = CliError::from_error(ErrorKind::User, &err);
        match help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

impl From<cairn_hash::ParseHashError> for CliError {
    fn from(err: cairn_hash::ParseHashError) -> CliError {
        use cairn_hash::ParseHashError as E;
        let help = match &err {
            E::UnknownAlgorithm(_) => "use one of md5, sha1, sha256, sha512",
            E::MissingAlgorithm(_) | E::MissingPrefix(_) => {
                "write it as ALGO:DIGEST or ALGO-BASE64 (SRI), or pass --type ALGO"
            }
            E::AlgorithmMismatch { .. } => "drop --type, or pass a hash of that type",
            E::WrongLength { .. } => {
                "a hash is written in base16, nix32 or base64; check that it was copied whole"
            }
            E::InvalidBase16(_) | E::InvalidNix32(_) | E::InvalidBase64(_) | E::InvalidSri(_) => {
                "check the hash for typos; nix32 omits the letters e, o, t and u"
            }
        };
        CliError::from_error(ErrorKind::User, &err).with_help(help)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_error_suffix_is_dropped() {
        let err = cairn_util::fs::open("/nonexistent/cairn-test").unwrap_err();
        let rendered = CliError::from(err).render(false);
        assert!(rendered.contains("failed to open '/nonexistent/cairn-test'"));
        assert!(rendered.contains("No such file or directory\n"));
        assert!(rendered.contains("help: check that the path exists"));
        assert!(!rendered.contains("os error"));
    }

    #[test]
    fn context_keeps_the_chain_and_the_help() {
        let err = CliError::user("inner")
            .with_help("do this")
            .context("outer");
        assert_eq!(err.to_string(), "outer");
        assert_eq!(
            StdError::source(&err).map(ToString::to_string).as_deref(),
            Some("inner")
        );
        assert!(err.render(false).contains("help: do this"));
    }

    #[test]
    fn kinds_map_to_exit_codes() {
        assert_eq!(CliError::user("x").exit_status().code(), 1);
        assert_eq!(CliError::internal("x").exit_status().code(), 101);
        assert_eq!(ExitStatus::Usage.code(), 2);
    }
}
