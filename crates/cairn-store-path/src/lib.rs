//! Store directories, store paths, and how Nix names store objects.
//!
//! # Brief overview
//!
//! * [`StoreDir`] is the logical store directory (`/nix/store` unless
//!   configured otherwise). It is a value, never a constant: every path
//!   computation takes one, because the store directory is part of every
//!   store path's hash.
//! * [`StorePath`] is a validated base name, `HASH-NAME`: a 32-character
//!   nixbase32 digest (20 bytes) and a name of at most 211 characters from
//!   `[A-Za-z0-9+-._?=]`. It prints as its base name; [`StoreDir::display`]
//!   gives the absolute path.
//! * [`StoreDir::make_store_path`] and its friends compute paths exactly as
//!   Nix does: input-addressed outputs ([`StoreDir::make_output_path`]),
//!   fixed-output paths, flat or recursive, of every hash algorithm
//!   ([`StoreDir::make_fixed_output_path`]), text paths with references
//!   such as `builtins.toFile` and `.drv` files
//!   ([`StoreDir::make_text_path`]), and source paths
//!   (`builtins.path`, `filterSource`: [`StoreDir::make_source_path`]).
//! * [`ContentAddress`] is the `ca` field of a path's metadata
//!   (`text:sha256:…`, `fixed:r:sha256:…`).
//!
//! # Example
//!
//! ```
//! use cairn_store_path::StoreDir;
//!
//! let store = StoreDir::default();
//! let path = store.text_path_for("hello.txt", b"hello", &[]).unwrap();
//! assert_eq!(
//!     store.display(&path),
//!     "/nix/store/q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt"
//! );
//! ```

mod content_address;
mod store_dir;
mod store_path;

pub use content_address::{ContentAddress, FileIngestionMethod, ParseContentAddressError};
pub use store_dir::{StoreDir, StoreDirError};
pub use store_path::{
    DIGEST_LEN, HASH_PART_LEN, MAX_NAME_LEN, StorePath, StorePathError, check_name,
};

use cairn_hash::{Hash, HashAlgo};

/// The placeholder Nix substitutes for an output's path while the path is
/// not known (`builtins.placeholder`): `/` followed by the nixbase32
/// SHA-256 of `nix-output:OUTPUT`.
#[must_use]
pub fn hash_placeholder(output: &str) -> String {
    let hash = Hash::digest(HashAlgo::Sha256, format!("nix-output:{output}").as_bytes());
    format!("/{}", hash.to_nix32())
}

/// The name of output `output` of a derivation called `drv_name`: the
/// derivation name for `out`, `NAME-OUTPUT` for every other output.
#[must_use]
pub fn output_path_name(drv_name: &str, output: &str) -> String {
    if output == "out" {
        drv_name.to_owned()
    } else {
        format!("{drv_name}-{output}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_of_out() {
        // `builtins.placeholder "out"` in Nix 2.8.
        assert_eq!(
            hash_placeholder("out"),
            "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
        );
    }
}
