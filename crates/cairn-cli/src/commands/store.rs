//! `cairn store dump` and `cairn store restore`: NAR serialisation of a
//! path to standard output and back, like `nix-store --dump/--restore`.

use std::io::{self, IsTerminal, Write};

use cairn_nar::{ReadError, ReadErrorKind};

use crate::args::StoreCommand;
use crate::error::{CliError, CliResult, ErrorKind, io_help};

/// Runs a `cairn store` subcommand.
pub(crate) fn run(command: StoreCommand, stdout: &mut dyn Write) -> CliResult {
    match command {
        StoreCommand::Dump { path } => {
            if io::stdout().is_terminal() {
                return Err(
                    CliError::user("refusing to write a binary NAR to a terminal").with_help(
                        format!(
                            "redirect standard output to a file: `cairn store dump {} > out.nar`",
                            path.display()
                        ),
                    ),
                );
            }
            cairn_nar::dump_path(&path, stdout)?;
            Ok(())
        }
        StoreCommand::Restore { path } => {
            let stdin = io::stdin().lock();
            cairn_nar::restore(io::BufReader::new(stdin), &path).map_err(|err| {
                CliError::from(err).context(format!(
                    "failed to restore the NAR from standard input to '{}'",
                    path.display()
                ))
            })
        }
        // Commands that need the settings and a store are dispatched by
        // `dispatch` in lib.rs before this is called.
        other => Err(CliError::internal(format!(
            "{other:?} is dispatched in lib.rs, not here"
        ))),
    }
}

impl From<ReadError> for CliError {
    fn from(err: ReadError) -> CliError {
        let help = match err.kind() {
            ReadErrorKind::BadMagic => {
                "the input is not a NAR; create one with `cairn store dump PATH > FILE.nar`"
                    .to_owned()
            }
            ReadErrorKind::Truncated => {
                "the archive is incomplete; was its download or copy interrupted?".to_owned()
            }
            ReadErrorKind::Restore { .. } => {
                let kind = std::error::Error::source(&err)
                    .and_then(|source| source.downcast_ref::<io::Error>())
                    .map(io::Error::kind);
                match kind {
                    Some(io::ErrorKind::AlreadyExists) => {
                        "restore into a path that does not exist yet".to_owned()
                    }
                    Some(kind) => io_help(kind)
                        .unwrap_or("check the destination's file system")
                        .to_owned(),
                    None => "check the destination's file system".to_owned(),
                }
            }
            ReadErrorKind::Io => "check that the input can be read".to_owned(),
            _ => "the archive is corrupt, or was not written by Nix or cairn".to_owned(),
        };
        CliError::from_error(ErrorKind::User, &err).with_help(help)
    }
}
