//! `cairn nar ls`: list a path inside a NAR file, printing exactly what
//! `nix nar ls` (Nix 2.8) prints.
//!
//! One deliberate difference: Nix 2.8 reports `/sub/` and `//sub` as not
//! existing; cairn ignores empty components and `.`, so both mean `/sub`.

use std::io::{BufReader, Write};

use cairn_nar::{Listing, LsOptions};
use serde_json::{Map, Value};

use crate::args::{NarCommand, NarLsArgs};
use crate::commands::{emit, emit_line};
use crate::error::{CliError, CliResult};

/// Runs a `cairn nar` subcommand.
pub(crate) fn run(command: NarCommand, stdout: &mut dyn Write) -> CliResult {
    match command {
        NarCommand::Ls(args) => ls(&args, stdout),
    }
}

fn ls(args: &NarLsArgs, stdout: &mut dyn Write) -> CliResult {
    if !args.path.starts_with('/') {
        return Err(
            CliError::user(format!("not an absolute path: '{}'", args.path)).with_help(format!(
                "paths inside a NAR start at its root: `cairn nar ls {} /{}`",
                args.nar.display(),
                args.path
            )),
        );
    }
    let file = cairn_util::fs::open(&args.nar)?;
    let listing = cairn_nar::list(BufReader::new(file)).map_err(|err| {
        CliError::from(err).context(format!("failed to read NAR file '{}'", args.nar.display()))
    })?;
    let missing = || {
        CliError::user(format!("path '{}' does not exist", args.path)).with_help(format!(
            "list the archive's top level with `cairn nar ls {} /`",
            args.nar.display()
        ))
    };
    if args.json {
        let node = listing.lookup(args.path.as_bytes()).ok_or_else(missing)?;
        let value = if args.recursive {
            serde_json::to_value(node)
        } else {
            shallow_json(node)
        }
        .map_err(|err| CliError::from_error(crate::ErrorKind::Internal, &err))?;
        emit_line(stdout, &value.to_string())
    } else {
        let options = LsOptions {
            long: args.long,
            recursive: args.recursive,
            directory: args.directory,
        };
        let text = listing
            .ls_text(args.path.as_bytes(), options)
            .ok_or_else(missing)?;
        emit(stdout, &text)
    }
}

/// The JSON `nix nar ls --json` prints without `-R`: a directory's entries
/// are empty objects.
fn shallow_json(node: &Listing) -> serde_json::Result<Value> {
    match node {
        Listing::Directory { entries } => {
            let entries: Map<String, Value> = entries
                .keys()
                .map(|name| (name.to_string(), Value::Object(Map::new())))
                .collect();
            let mut object = Map::new();
            object.insert("type".to_owned(), Value::from("directory"));
            object.insert("entries".to_owned(), Value::Object(entries));
            Ok(Value::Object(object))
        }
        _ => serde_json::to_value(node),
    }
}
