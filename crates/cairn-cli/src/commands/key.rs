//! `cairn key generate` and `cairn key public`: ed25519 signing keys in
//! Nix's `NAME:BASE64` format (Nix 2.8's `nix key generate-secret` and
//! `nix key convert-secret-to-public`).

use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cairn_narinfo::{KeyError, SecretKey};
use cairn_util::{AtomicFile, Operation};

use crate::args::KeyCommand;
use crate::commands::emit_line;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs a `cairn key` subcommand.
pub(crate) fn run(command: KeyCommand, stdout: &mut dyn Write) -> CliResult {
    match command {
        KeyCommand::Generate {
            name,
            out_secret,
            out_public,
        } => {
            let secret = SecretKey::generate(&name).map_err(|err| {
                key_error(&err)
                    .with_help("name keys after the cache and a number, e.g. `cache.example.org-1`")
            })?;
            let public = secret.to_public();
            match &out_secret {
                Some(path) => write_key_file(path, &secret.to_string(), 0o600, "--out-secret")?,
                None => emit_line(stdout, &secret.to_string())?,
            }
            match &out_public {
                Some(path) => write_key_file(path, &public.to_string(), 0o644, "--out-public")?,
                // With the secret in a file, the public key is what the
                // user needs next (for trusted-public-keys).
                None if out_secret.is_some() => emit_line(stdout, &public.to_string())?,
                None => {}
            }
            Ok(())
        }
        KeyCommand::Public => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map_err(|err| {
                CliError::from_error(ErrorKind::User, &err)
                    .context("failed to read the secret key from standard input")
                    .with_help("pipe a secret key in: `cairn key public < secret.key`")
            })?;
            let secret: SecretKey = text.trim().parse().map_err(|err| {
                key_error(&err).with_help(
                    "standard input must hold one secret key as written by `cairn key generate` \
                     or `nix key generate-secret`",
                )
            })?;
            emit_line(stdout, &secret.to_public().to_string())
        }
    }
}

fn key_error(err: &KeyError) -> CliError {
    CliError::from_error(ErrorKind::User, err)
}

/// Writes a key file (no trailing newline, as `nix-store
/// --generate-binary-cache-key` writes them) with `mode`, refusing to
/// replace an existing file.
fn write_key_file(path: &Path, contents: &str, mode: u32, flag: &str) -> CliResult {
    if path.symlink_metadata().is_ok() {
        return Err(
            CliError::user(format!("'{}' already exists", path.display())).with_help(format!(
                "keys are never overwritten; remove the file or choose another {flag}"
            )),
        );
    }
    let mut file = AtomicFile::create(path)?;
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|source| {
            cairn_util::Error::new(Operation::SetPermissions, file.temp_path(), source)
        })?;
    file.write_all(contents.as_bytes())
        .map_err(|source| cairn_util::Error::new(Operation::Write, file.temp_path(), source))?;
    file.commit()?;
    Ok(())
}
