//! `cairn config show`: the merged settings, like `nix show-config`.

use std::io::Write;

use cairn_settings::Settings;

use crate::args::ConfigCommand;
use crate::commands::emit_line;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs a `cairn config` subcommand.
pub(crate) fn run(
    command: ConfigCommand,
    settings: &Settings,
    stdout: &mut dyn Write,
) -> CliResult {
    match command {
        ConfigCommand::Show { json } => {
            let pairs = pairs(settings);
            if json {
                let object: serde_json::Map<String, serde_json::Value> = pairs
                    .into_iter()
                    .map(|(name, value)| (name, serde_json::Value::from(value)))
                    .collect();
                let text = serde_json::to_string_pretty(&object)
                    .map_err(|err| CliError::from_error(ErrorKind::Internal, &err))?;
                emit_line(stdout, &text)
            } else {
                for (name, value) in pairs {
                    if value.is_empty() {
                        emit_line(stdout, &format!("{name} ="))?;
                    } else {
                        emit_line(stdout, &format!("{name} = {value}"))?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Every setting as `(name, value)`, sorted by name, values as they would
/// be written in cairn.conf.
fn pairs(settings: &Settings) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("cores".to_owned(), settings.cores.to_string()),
        ("max-jobs".to_owned(), settings.max_jobs.to_string()),
        ("sandbox".to_owned(), settings.sandbox.to_string()),
        (
            "sandbox-paths".to_owned(),
            settings.extra_sandbox_paths.join(" "),
        ),
        ("store-dir".to_owned(), settings.store_dir.clone()),
        ("substituters".to_owned(), settings.substituters.join(" ")),
        (
            "trusted-public-keys".to_owned(),
            settings.trusted_public_keys.join(" "),
        ),
    ];
    pairs.extend(
        settings
            .mirrors
            .iter()
            .map(|(name, urls)| (format!("mirrors.{name}"), urls.join(" "))),
    );
    // Unset means the caller's default (the source tree's `nix/pkgs`).
    if let Some(collection) = &settings.collection {
        pairs.push(("collection".to_owned(), collection.display().to_string()));
    }
    pairs.sort();
    pairs
}
