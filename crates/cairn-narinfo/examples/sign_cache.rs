//! Signs the narinfos of a `file://` binary cache with a cairn key, so that
//! Nix can be asked to accept cairn's signatures
//! (`tests/fixtures/generate.sh` does that).
//!
//! ```text
//! sign_cache generate-key NAME SECRET_FILE PUBLIC_FILE
//! sign_cache sign [--strip] [--store-dir DIR] CACHE_DIR SECRET_FILE
//! ```
//!
//! `generate-key` writes a fresh key pair in Nix's format (no trailing
//! newline, like `nix key generate-secret`). `sign` rewrites every
//! `CACHE_DIR/*.narinfo` with one more `Sig:` line made with the secret
//! key; `--strip` first removes the signatures already there.
#![expect(clippy::print_stdout, clippy::print_stderr, reason = "an example tool")]

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cairn_narinfo::{NarInfo, SecretKey};
use cairn_store_path::StoreDir;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: sign_cache generate-key NAME SECRET_FILE PUBLIC_FILE\n       \
                     sign_cache sign [--strip] [--store-dir DIR] CACHE_DIR SECRET_FILE";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sign_cache: error: {}", chain(error.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("generate-key") => match &args[1..] {
            [name, secret_file, public_file] => generate_key(name, secret_file, public_file),
            _ => Err(USAGE.into()),
        },
        Some("sign") => {
            let mut strip = false;
            let mut store_dir = StoreDir::default();
            let mut positional = Vec::new();
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--strip" => strip = true,
                    "--store-dir" => {
                        let dir = rest.next().ok_or(USAGE)?;
                        store_dir = StoreDir::new(dir)?;
                    }
                    _ => positional.push(arg),
                }
            }
            match positional[..] {
                [cache, secret_file] => sign(&store_dir, Path::new(cache), secret_file, strip),
                _ => Err(USAGE.into()),
            }
        }
        _ => Err(USAGE.into()),
    }
}

/// `error: cause: cause…`.
fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("reading '{}': {e}", path.display()).into())
}

/// Writes `contents` to a temporary file beside `path`, then renames it.
fn write(path: &Path, contents: &str) -> Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    fs::write(&temp, contents).map_err(|e| format!("writing '{}': {e}", temp.display()))?;
    fs::rename(&temp, path).map_err(|e| format!("renaming to '{}': {e}", path.display()))?;
    Ok(())
}

fn generate_key(name: &str, secret_file: &str, public_file: &str) -> Result<()> {
    let key = SecretKey::generate(name)?;
    write(Path::new(secret_file), &key.to_string())?;
    write(Path::new(public_file), &key.to_public().to_string())?;
    println!("generated key '{name}': {}", key.to_public());
    Ok(())
}

fn sign(store_dir: &StoreDir, cache: &Path, secret_file: &str, strip: bool) -> Result<()> {
    let key: SecretKey = read(Path::new(secret_file))?
        .trim_end()
        .parse()
        .map_err(|e| format!("secret key file '{secret_file}': {}", chain(&e)))?;
    let mut files: Vec<PathBuf> = fs::read_dir(cache)
        .map_err(|e| format!("reading directory '{}': {e}", cache.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "narinfo"));
    files.sort();
    for file in &files {
        let mut narinfo = NarInfo::parse(store_dir, &read(file)?)
            .map_err(|e| format!("'{}': {}", file.display(), chain(&e)))?;
        if strip {
            narinfo.info.signatures.clear();
        }
        narinfo
            .sign(store_dir, &key)
            .map_err(|e| format!("'{}': {e}", file.display()))?;
        write(file, &narinfo.to_text(store_dir))?;
    }
    println!(
        "signed {} narinfo file(s) in '{}' with key '{}'",
        files.len(),
        cache.display(),
        key.name()
    );
    Ok(())
}
