//! `cairn hash path|file|convert` (and Nix 2.8's `to-base16`, `to-base32`,
//! `to-base64`, `to-sri`).

use std::io::{self, Write};
use std::path::Path;

use cairn_hash::{Encoding, Hash, HashAlgo, Hasher};
use cairn_util::{Operation, fs};

use crate::args::{HashCommand, HashConvertArgs, HashPathArgs, HashToArgs};
use crate::commands::emit_line;
use crate::error::{CliError, CliResult, ErrorKind, io_help};

/// Runs a `cairn hash` subcommand.
pub(crate) fn run(command: HashCommand, stdout: &mut dyn Write) -> CliResult {
    match command {
        HashCommand::Path(args) => hash_paths(&args, stdout, hash_path),
        HashCommand::File(args) => hash_paths(&args, stdout, hash_file),
        HashCommand::Convert(args) => convert(&args, stdout),
        HashCommand::ToBase16(args) => to(&args, Encoding::Base16, stdout),
        HashCommand::ToBase32(args) => to(&args, Encoding::Nix32, stdout),
        HashCommand::ToBase64(args) => to(&args, Encoding::Base64, stdout),
        HashCommand::ToSri(args) => to(&args, Encoding::Sri, stdout),
    }
}

fn hash_paths(
    args: &HashPathArgs,
    stdout: &mut dyn Write,
    hash: fn(&Path, HashAlgo) -> CliResult<Hash>,
) -> CliResult {
    let encoding = args.format.encoding();
    for path in &args.paths {
        let hash = hash(path, args.algo.into())?;
        emit_line(stdout, &hash.encode(encoding, false))?;
    }
    Ok(())
}

/// The hash of the NAR serialisation of `path`, like `nix hash path`.
fn hash_path(path: &Path, algo: HashAlgo) -> CliResult<Hash> {
    let (hash, _size) = cairn_nar::hash_path(path, algo).map_err(CliError::from)?;
    Ok(hash)
}

/// The hash of the contents of the file at `path` (following symlinks),
/// like `nix hash file`.
fn hash_file(path: &Path, algo: HashAlgo) -> CliResult<Hash> {
    let mut file = fs::open(path)?;
    let mut hasher = Hasher::new(algo);
    io::copy(&mut file, &mut hasher).map_err(|source| {
        let is_dir = source.kind() == io::ErrorKind::IsADirectory;
        let err = CliError::from(cairn_util::Error::new(Operation::Read, path, source));
        if is_dir {
            err.with_help(format!(
                "to hash a directory, hash its NAR serialisation: `cairn hash path {}`",
                path.display()
            ))
        } else {
            err
        }
    })?;
    Ok(hasher.finish())
}

fn convert(args: &HashConvertArgs, stdout: &mut dyn Write) -> CliResult {
    let algo = args.algo.map(HashAlgo::from);
    let to = Encoding::from(args.to);
    for input in &args.hashes {
        let hash = Hash::parse_any(input, algo)?;
        if let Some(from) = args.from.map(Encoding::from) {
            let actual = input_encoding(input, hash.algo());
            if actual != from {
                return Err(CliError::user(format!(
                    "hash '{input}' is in the {actual} encoding, not {from}"
                ))
                .with_help(format!("pass `--from {actual}`, or leave out --from")));
            }
        }
        emit_line(stdout, &hash.encode(to, false))?;
    }
    Ok(())
}

fn to(args: &HashToArgs, to: Encoding, stdout: &mut dyn Write) -> CliResult {
    let algo = args.algo.map(HashAlgo::from);
    for input in &args.hashes {
        let hash = Hash::parse_any(input, algo)?;
        emit_line(stdout, &hash.encode(to, false))?;
    }
    Ok(())
}

/// Which encoding `input` (already known to parse as a hash of `algo`) is
/// written in.
fn input_encoding(input: &str, algo: HashAlgo) -> Encoding {
    let digest = match input.split_once(':') {
        Some((_, digest)) => digest,
        None => match input.split_once('-') {
            Some(_) => return Encoding::Sri,
            None => input,
        },
    };
    if digest.len() == algo.encoded_len(Encoding::Base16) {
        Encoding::Base16
    } else if digest.len() == algo.encoded_len(Encoding::Nix32) {
        Encoding::Nix32
    } else {
        Encoding::Base64
    }
}

impl From<cairn_nar::DumpError> for CliError {
    fn from(err: cairn_nar::DumpError) -> CliError {
        use cairn_nar::DumpError as E;
        let (kind, help) = match &err {
            E::Metadata { source, .. }
            | E::ReadDir { source, .. }
            | E::ReadFile { source, .. }
            | E::ReadLink { source, .. } => (ErrorKind::User, io_help(source.kind())),
            E::FileChanged { .. } => (
                ErrorKind::User,
                Some("run the command again once nothing writes to the file"),
            ),
            E::UnsupportedType { .. } => (
                ErrorKind::User,
                Some(
                    "remove the socket, FIFO or device file, or archive a directory that does not contain one",
                ),
            ),
            E::TooDeep { .. } | E::InvalidTarget { .. } | E::InvalidName { .. } => (
                ErrorKind::User,
                Some("Nix archives cannot hold this file; rename or remove it"),
            ),
            E::Write(source) if source.kind() == io::ErrorKind::BrokenPipe => {
                (ErrorKind::BrokenPipe, None)
            }
            _ => (ErrorKind::User, None),
        };
        let error = CliError::from_error(kind, &err);
        match help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_input_encoding() {
        let hash = Hash::digest(HashAlgo::Sha256, b"x");
        for encoding in [Encoding::Base16, Encoding::Nix32, Encoding::Base64] {
            assert_eq!(
                input_encoding(&hash.encode(encoding, true), HashAlgo::Sha256),
                encoding
            );
            assert_eq!(
                input_encoding(&hash.encode(encoding, false), HashAlgo::Sha256),
                encoding
            );
        }
        assert_eq!(
            input_encoding(&hash.to_sri(), HashAlgo::Sha256),
            Encoding::Sri
        );
    }
}
