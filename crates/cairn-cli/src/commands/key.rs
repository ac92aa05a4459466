//! `cairn key generate` and `cairn key public`: ed25519 signing keys in
//! Nix's `NAME:BASE64` format.

use std::io::Write;

use crate::args::KeyCommand;
use crate::error::{CliError, CliResult};

/// Runs a `cairn key` subcommand.
pub(crate) fn run(command: KeyCommand, _stdout: &mut dyn Write) -> CliResult {
    match command {
        KeyCommand::Generate { .. } | KeyCommand::Public => Err(CliError::internal(
            "`cairn key` is not wired up yet (waiting for cairn-narinfo)",
        )),
    }
}
