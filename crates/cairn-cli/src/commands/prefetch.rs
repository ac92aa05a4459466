//! `cairn store prefetch-url URL [HASH]`: download a file into the store
//! and print its hash, as Nix 2.8's `nix-prefetch-url` does, so that a
//! package's `fetchurl { url; sha256; }` can be pinned before it is built.
//!
//! It downloads exactly as `builtins.fetchurl` does (`cairn-glue`'s
//! [`cairn_glue::fetch_one`]: `file://` and `http://`), with `mirror://NAME/…`
//! resolved through the `mirrors.NAME` settings, each base URL tried in
//! turn. What is added and printed follows `nix-prefetch-url`:
//!
//! * the store path is the fixed-output path of the file named `--name`
//!   (default: everything after the URL's last `/`, undecoded), flat, or
//!   recursive with `--unpack` (the archive is unpacked, and its single
//!   top-level entry, or the whole tree when there are several, is added)
//!   or `--executable` (the file made executable);
//! * standard output gets the hash in nix32 (with `--print-path`, the store
//!   path on a second line); without `--print-path`, standard error gets
//!   `path is '…'`;
//! * with an expected HASH, a path already valid is not downloaded again,
//!   and a download with another hash is an error showing both.

use std::io::Write;
use std::path::{Path, PathBuf};

use cairn_hash::{Encoding, Hash, HashAlgo, Hasher};
use cairn_settings::Settings;
use cairn_store::Store;
use cairn_store_path::FileIngestionMethod;

use crate::args::PrefetchUrlArgs;
use crate::commands::emit_line;
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs `cairn store prefetch-url`.
pub(crate) fn prefetch_url(
    args: &PrefetchUrlArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let url = args.url.as_str();
    let algo = HashAlgo::from(args.algo);
    let name = match &args.name {
        Some(name) => name.clone(),
        None => default_name(url)?,
    };
    let method = if args.unpack || args.executable {
        FileIngestionMethod::Recursive
    } else {
        FileIngestionMethod::Flat
    };
    let expected = args
        .hash
        .as_deref()
        .map(|text| Hash::parse_any(text, Some(algo)))
        .transpose()?;
    let store = super::build::open_store(&args.store, settings, env)?;
    let store_dir = store.store_dir().clone();
    let store_error = |err: cairn_store::StoreError| CliError::from_error(ErrorKind::User, &err);

    if let Some(hash) = &expected {
        let path = store_dir
            .make_fixed_output_path(method, hash, &name, [], false)
            .map_err(|err| {
                CliError::from_error(ErrorKind::User, &err).with_help("pass a valid --name NAME")
            })?;
        if store.is_valid_path(&path).map_err(store_error)? {
            return print_result(hash, &store_dir.display(&path), args.print_path, stdout);
        }
    }

    let tmp = env
        .variables()
        .get("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let work = cairn_util::TempDir::new_in(&tmp, "cairn-prefetch")?;
    let downloaded = download(url, work.path(), settings)?;
    let source = if args.unpack {
        unpack(url, &downloaded, &work.path().join("unpacked"))?
    } else if args.executable {
        executable_copy(&downloaded, &work.path().join("executable"))?
    } else {
        downloaded
    };

    let hash = content_hash(&source, method, algo)?;
    if let Some(expected) = expected
        && expected != hash
    {
        return Err(CliError::user(format!(
            "hash mismatch in file downloaded from '{url}':\n  specified: {}\n  got:       {}",
            expected.encode(Encoding::Nix32, true),
            hash.encode(Encoding::Nix32, true)
        ))
        .with_help("if the new content is right, use the 'got' hash"));
    }
    let path = store
        .add_path_to_store(&name, &source, method, algo, None)
        .map_err(|err| store_error(err).context(format!("failed to add '{url}' to the store")))?;
    print_result(&hash, &store_dir.display(&path), args.print_path, stdout)
}

/// The store path name for `url`: everything after its last `/`, as Nix
/// takes it (not percent-decoded; a name the store refuses needs `--name`).
fn default_name(url: &str) -> CliResult<String> {
    match url.rsplit('/').next() {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(
            CliError::user(format!("cannot name a store path after the URL '{url}'"))
                .with_help("pass --name NAME"),
        ),
    }
}

/// Downloads `url` (a `mirror://` one through the configured mirrors)
/// into `dir`; returns the local file.
fn download(url: &str, dir: &Path, settings: &Settings) -> CliResult<PathBuf> {
    let candidates = cairn_build::mirror_candidates(url, &settings.mirrors)
        .map_err(|err| CliError::user(err.to_string()).with_help(err.help()))?;
    let mut attempts = 0;
    cairn_build::first_success(url, &candidates, |candidate| {
        // Each attempt downloads into a directory of its own, so a failed
        // download leaves nothing in the way of the next one.
        attempts += 1;
        let attempt = dir.join(format!("download-{attempts}"));
        cairn_util::fs::create_dir(&attempt).map_err(|err| err.to_string())?;
        cairn_glue::fetch_one(candidate, &attempt)
    })
    .map_err(|reason| {
        let help = if url.starts_with(cairn_build::MIRROR_SCHEME) {
            "check the URL, or the mirror's base URLs (`cairn config show`)"
        } else {
            "check the URL; cairn downloads file:// and http:// URLs"
        };
        CliError::user(format!("unable to download '{url}': {reason}")).with_help(help)
    })
}

/// Unpacks the archive `file` into `dest`; returns what to add: its single
/// top-level entry, or `dest` itself when there are several.
fn unpack(url: &str, file: &Path, dest: &Path) -> CliResult<PathBuf> {
    let fail = |reason: String| {
        CliError::user(format!("failed to unpack '{url}': {reason}"))
            .with_help("--unpack takes a tar archive (plain, gzip, xz or bzip2)")
    };
    cairn_util::fs::create_dir_all(dest)?;
    cairn_glue::unpack_archive(file, dest).map_err(fail)?;
    let entries = cairn_util::fs::read_dir_sorted(dest)?;
    match entries.as_slice() {
        [] => Err(fail("the archive is empty".to_owned())),
        [one] => Ok(one.clone()),
        _ => Ok(dest.to_path_buf()),
    }
}

/// A copy of `file` at `dest` with mode 0755 (`--executable`).
fn executable_copy(file: &Path, dest: &Path) -> CliResult<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(file, dest).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err).context(format!(
            "failed to copy '{}' to '{}'",
            file.display(),
            dest.display()
        ))
    })?;
    cairn_util::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o755))?;
    Ok(dest.to_path_buf())
}

/// The hash Nix prints: of the file's bytes (flat) or of its NAR.
fn content_hash(source: &Path, method: FileIngestionMethod, algo: HashAlgo) -> CliResult<Hash> {
    match method {
        FileIngestionMethod::Flat => {
            let mut file = cairn_util::fs::open(source)?;
            let mut hasher = HashWriter(Hasher::new(algo));
            std::io::copy(&mut file, &mut hasher).map_err(|err| {
                CliError::from_error(ErrorKind::User, &err)
                    .context(format!("failed to read '{}'", source.display()))
            })?;
            Ok(hasher.0.finish())
        }
        FileIngestionMethod::Recursive => cairn_nar::hash_path(source, algo)
            .map(|(hash, _)| hash)
            .map_err(|err| {
                CliError::from_error(ErrorKind::User, &err)
                    .context(format!("failed to hash '{}'", source.display()))
            }),
    }
}

/// A [`Write`] feeding a [`Hasher`].
struct HashWriter(Hasher);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The hash on standard output, then the path (on standard output with
/// `--print-path`, else as `path is '…'` on standard error).
fn print_result(hash: &Hash, path: &str, print_path: bool, stdout: &mut dyn Write) -> CliResult {
    emit_line(stdout, &hash.encode(Encoding::Nix32, false))?;
    if print_path {
        emit_line(stdout, path)
    } else {
        report(&format!("path is '{path}'"));
        Ok(())
    }
}

/// A line for the user on standard error.
#[expect(clippy::print_stderr, reason = "the path is reported to the user")]
fn report(line: &str) {
    eprintln!("{line}");
}
