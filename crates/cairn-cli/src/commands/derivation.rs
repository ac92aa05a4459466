//! `cairn derivation show`: store derivations as JSON, like
//! `nix show-derivation`.

use std::io::Write;

use cairn_settings::Settings;

use crate::args::DerivationCommand;
use crate::error::{CliError, CliResult};

/// Runs a `cairn derivation` subcommand.
pub(crate) fn run(
    command: DerivationCommand,
    _settings: &Settings,
    _stdout: &mut dyn Write,
) -> CliResult {
    match command {
        DerivationCommand::Show { .. } => Err(CliError::internal(
            "`cairn derivation show` is not wired up yet (waiting for cairn-derivation)",
        )),
    }
}
