//! One module per command group; each is a thin layer over a library.

pub(crate) mod build;
pub(crate) mod collection;
pub(crate) mod config;
pub(crate) mod derivation;
pub(crate) mod elf;
pub(crate) mod eval;
pub(crate) mod hash;
pub(crate) mod instantiate;
pub(crate) mod instantiation;
pub(crate) mod key;
pub(crate) mod nar;
pub(crate) mod nix_env;
pub(crate) mod pkgs;
pub(crate) mod prefetch;
pub(crate) mod profile;
pub(crate) mod profile_install;
pub(crate) mod repl;
pub(crate) mod search;
pub(crate) mod store;
pub(crate) mod store_ops;
pub(crate) mod system;

use std::io::Write;

use crate::error::{CliError, CliResult};

/// Writes `bytes` to standard output.
pub(crate) fn emit(stdout: &mut dyn Write, bytes: &[u8]) -> CliResult {
    stdout
        .write_all(bytes)
        .map_err(|err| CliError::stdout(&err))
}

/// Writes `line` and a newline to standard output.
pub(crate) fn emit_line(stdout: &mut dyn Write, line: &str) -> CliResult {
    writeln!(stdout, "{line}").map_err(|err| CliError::stdout(&err))
}
