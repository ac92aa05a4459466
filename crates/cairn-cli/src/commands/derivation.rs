//! `cairn derivation show`: store derivations as JSON, exactly as
//! `nix show-derivation` (Nix 2.8) prints them.

use std::io::Write;
use std::path::Path;

use cairn_derivation::{Derivation, show_derivation_json};
use cairn_settings::Settings;
use cairn_store_path::{StoreDir, StorePath};

use crate::args::DerivationCommand;
use crate::commands::emit;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs a `cairn derivation` subcommand.
pub(crate) fn run(
    command: DerivationCommand,
    settings: &Settings,
    stdout: &mut dyn Write,
) -> CliResult {
    let store = StoreDir::new(&settings.store_dir).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .context(format!("bad store-dir '{}'", settings.store_dir))
            .with_help("set store-dir to an absolute path such as /nix/store")
    })?;
    match command {
        DerivationCommand::Show { paths } => {
            let mut derivations = Vec::with_capacity(paths.len());
            for path in &paths {
                derivations.push(read_derivation(&store, path)?);
            }
            let json = show_derivation_json(
                &store,
                derivations.iter().map(|(drv_path, drv)| (drv_path, drv)),
            );
            emit(stdout, &json)
        }
    }
}

/// Reads and parses the `.drv` file at `path`, and finds its store path:
/// the path itself when it is in the store directory, else the path Nix
/// would give it (so a copy outside the store shows under its store path).
fn read_derivation(store: &StoreDir, path: &Path) -> CliResult<(StorePath, Derivation)> {
    let bytes = cairn_util::fs::read(path)?;
    let drv = Derivation::from_aterm(store, &bytes).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .context(format!("failed to parse derivation '{}'", path.display()))
            .with_help("the file must be a .drv as written by Nix or cairn (ATerm `Derive(...)`)")
    })?;
    if let Some(text) = path.to_str()
        && let Ok(drv_path) = store.parse_path(text)
    {
        return Ok((drv_path, drv));
    }
    let file_name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    let name = file_name
        .strip_suffix(".drv")
        .filter(|_| file_name.len() > 4)
        .or_else(|| drv.env_name())
        .unwrap_or(file_name);
    // A copy of a store derivation keeps its `HASH-` prefix; drop it.
    let name = match name.split_once('-') {
        Some((hash, rest)) if hash.len() == 32 && !rest.is_empty() => rest,
        _ => name,
    };
    let drv_path = drv.drv_path(store, name).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err)
            .context(format!(
                "cannot compute the store path of derivation '{}'",
                path.display()
            ))
            .with_help("name the file NAME.drv, where NAME is a valid store path name")
    })?;
    Ok((drv_path, drv))
}
