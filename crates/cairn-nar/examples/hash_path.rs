//! `hash_path [--type ALGO] [--base32] PATH…`: prints the NAR hash of each
//! PATH like `nix hash path` (SRI by default). A stand-in for
//! `cairn hash path` used by `bench/hash-path.sh`.

use std::io::Write;
use std::path::Path;

use cairn_hash::{Encoding, HashAlgo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut algo = HashAlgo::Sha256;
    let mut base32 = false;
    let mut paths = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--type") => {
                let name = args.next().ok_or("--type needs a value")?;
                algo = name
                    .to_str()
                    .and_then(HashAlgo::from_name)
                    .ok_or("unknown --type")?;
            }
            Some("--base32") => base32 = true,
            _ => paths.push(arg),
        }
    }
    let mut out = std::io::stdout().lock();
    for path in paths {
        let (hash, _) = cairn_nar::hash_path(Path::new(&path), algo)?;
        let text = if base32 {
            hash.encode(Encoding::Nix32, false)
        } else {
            hash.to_sri()
        };
        writeln!(out, "{text}")?;
    }
    Ok(())
}
