//! [`StoreDir`]: the logical store directory and the path computations
//! that depend on it.

use std::fmt;

use cairn_hash::{Encoding, Hash, HashAlgo};

use crate::content_address::FileIngestionMethod;
use crate::store_path::{DIGEST_LEN, StorePath, StorePathError, check_name};

/// Why a string is not a usable store directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreDirError {
    /// The directory is not absolute.
    #[error("store directory '{0}' is not an absolute path")]
    NotAbsolute(String),
    /// The directory is not in canonical form (`//`, `/./`, `/../`, or a
    /// trailing slash).
    #[error(
        "store directory '{0}' is not canonical; write it without '.', '..', '//' or a trailing '/'"
    )]
    NotCanonical(String),
}

/// The logical store directory, `/nix/store` by default.
///
/// Every path computation takes the store directory, since it is hashed
/// into every store path: the same derivation has different output paths
/// in `/nix/store` and in `/gnu/store`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreDir(String);

impl Default for StoreDir {
    fn default() -> StoreDir {
        StoreDir("/nix/store".to_owned())
    }
}

impl fmt::Display for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreDir({})", self.0)
    }
}

impl StoreDir {
    /// Checks and wraps a store directory: absolute and canonical.
    pub fn new(dir: &str) -> Result<StoreDir, StoreDirError> {
        if !dir.starts_with('/') {
            return Err(StoreDirError::NotAbsolute(dir.to_owned()));
        }
        if dir.len() > 1
            && (dir.ends_with('/')
                || dir[1..]
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == ".."))
        {
            return Err(StoreDirError::NotCanonical(dir.to_owned()));
        }
        Ok(StoreDir(dir.to_owned()))
    }

    /// The directory as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute path of `path`: `STORE_DIR/HASH-NAME` (Nix's
    /// `printStorePath`).
    #[must_use]
    pub fn display(&self, path: &StorePath) -> String {
        format!("{}/{path}", self.0)
    }

    /// Parses an absolute path that names a store object directly, such as
    /// `/nix/store/HASH-NAME`. A trailing `/` is tolerated.
    pub fn parse_path(&self, path: &str) -> Result<StorePath, StorePathError> {
        let rest = self.strip(path)?;
        let base = rest.strip_suffix('/').unwrap_or(rest);
        if base.contains('/') {
            return Err(StorePathError::NotInStore {
                path: path.to_owned(),
            });
        }
        StorePath::from_base_name(base)
    }

    /// Splits a path inside a store object, such as
    /// `/nix/store/HASH-NAME/bin/hello`, into the store path and the rest
    /// (`/bin/hello`, or empty).
    pub fn parse_path_within<'a>(
        &self,
        path: &'a str,
    ) -> Result<(StorePath, &'a str), StorePathError> {
        let rest = self.strip(path)?;
        let (base, within) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        Ok((StorePath::from_base_name(base)?, within))
    }

    /// `path` without the leading `STORE_DIR/`.
    fn strip<'a>(&self, path: &'a str) -> Result<&'a str, StorePathError> {
        path.strip_prefix(self.0.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| StorePathError::NotInStore {
                path: path.to_owned(),
            })
    }

    /// Whether `path` lies inside the store directory (at any depth).
    #[must_use]
    pub fn is_in_store(&self, path: &str) -> bool {
        path.strip_prefix(self.0.as_str())
            .is_some_and(|r| r.starts_with('/') && r.len() > 1)
    }

    /// Nix's `makeStorePath`: the path whose digest is the SHA-256 of
    /// `TYPE:ALGO:BASE16:STORE_DIR:NAME` folded to 20 bytes.
    pub fn make_store_path(
        &self,
        path_type: &str,
        hash: &Hash,
        name: &str,
    ) -> Result<StorePath, StorePathError> {
        check_name(name, name)?;
        let fingerprint = format!(
            "{path_type}:{}:{}:{name}",
            hash.encode(Encoding::Base16, true),
            self.0
        );
        let digest = Hash::digest(HashAlgo::Sha256, fingerprint.as_bytes()).compress(DIGEST_LEN);
        let mut fixed = [0u8; DIGEST_LEN];
        fixed.copy_from_slice(&digest);
        StorePath::from_digest(&fixed, name)
    }

    /// The path of output `output` of an input-addressed derivation named
    /// `drv_name` whose `hashDerivationModulo` is `drv_hash`.
    pub fn make_output_path(
        &self,
        output: &str,
        drv_hash: &Hash,
        drv_name: &str,
    ) -> Result<StorePath, StorePathError> {
        self.make_store_path(
            &format!("output:{output}"),
            drv_hash,
            &crate::output_path_name(drv_name, output),
        )
    }

    /// The type string with references appended, as Nix's `makeType` builds
    /// it: `TYPE:/nix/store/REF1:/nix/store/REF2[:self]`.
    fn make_type<'a>(
        &self,
        mut path_type: String,
        references: impl IntoIterator<Item = &'a StorePath>,
        has_self_reference: bool,
    ) -> String {
        let mut sorted: Vec<&StorePath> = references.into_iter().collect();
        sorted.sort();
        sorted.dedup();
        for reference in sorted {
            path_type.push(':');
            path_type.push_str(&self.display(reference));
        }
        if has_self_reference {
            path_type.push_str(":self");
        }
        path_type
    }

    /// The path of a fixed-output object: a recursive SHA-256 gives a
    /// `source` path (which may have references); anything else gives
    /// `output:out` of `fixed:out:[r:]ALGO:BASE16:`, which may not.
    pub fn make_fixed_output_path<'a>(
        &self,
        method: FileIngestionMethod,
        hash: &Hash,
        name: &str,
        references: impl IntoIterator<Item = &'a StorePath>,
        has_self_reference: bool,
    ) -> Result<StorePath, StorePathError> {
        if method == FileIngestionMethod::Recursive && hash.algo() == HashAlgo::Sha256 {
            let path_type = self.make_type("source".to_owned(), references, has_self_reference);
            self.make_store_path(&path_type, hash, name)
        } else {
            let inner = format!(
                "fixed:out:{}{}:",
                method.prefix(),
                hash.encode(Encoding::Base16, true)
            );
            let inner_hash = Hash::digest(HashAlgo::Sha256, inner.as_bytes());
            self.make_store_path("output:out", &inner_hash, name)
        }
    }

    /// The path of a text object (`builtins.toFile`, `.drv` files) whose
    /// contents hash to `hash` (SHA-256) and which refers to `references`.
    pub fn make_text_path<'a>(
        &self,
        name: &str,
        hash: &Hash,
        references: impl IntoIterator<Item = &'a StorePath>,
    ) -> Result<StorePath, StorePathError> {
        let path_type = self.make_type("text".to_owned(), references, false);
        self.make_store_path(&path_type, hash, name)
    }

    /// [`StoreDir::make_text_path`] of `contents`.
    pub fn text_path_for<'a>(
        &self,
        name: &str,
        contents: &[u8],
        references: impl IntoIterator<Item = &'a StorePath>,
    ) -> Result<StorePath, StorePathError> {
        self.make_text_path(name, &Hash::digest(HashAlgo::Sha256, contents), references)
    }

    /// The path `builtins.path`, `filterSource` and `nix-store --add`
    /// give a tree whose NAR hashes to `nar_hash` with `method`. A
    /// recursive SHA-256 (the default) gives a `source` path.
    pub fn make_source_path(
        &self,
        method: FileIngestionMethod,
        hash: &Hash,
        name: &str,
    ) -> Result<StorePath, StorePathError> {
        self.make_fixed_output_path(method, hash, name, [], false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> StoreDir {
        StoreDir::default()
    }

    #[test]
    fn rejects_bad_store_dirs() {
        assert!(StoreDir::new("nix/store").is_err());
        assert!(StoreDir::new("/nix/store/").is_err());
        assert!(StoreDir::new("/nix//store").is_err());
        assert!(StoreDir::new("/nix/../store").is_err());
        assert_eq!(StoreDir::new("/gnu/store").unwrap().as_str(), "/gnu/store");
    }

    #[test]
    fn parses_absolute_paths() {
        let s = store();
        let p = s
            .parse_path("/nix/store/q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt")
            .unwrap();
        assert_eq!(p.name(), "hello.txt");
        assert_eq!(
            s.display(&p),
            "/nix/store/q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt"
        );
        assert_eq!(
            s.parse_path("/nix/storex/q790zdjk75hm2cn42nh77pqw4gbv1b88-a")
                .unwrap_err()
                .to_string(),
            "path '/nix/storex/q790zdjk75hm2cn42nh77pqw4gbv1b88-a' is not in the Nix store"
        );
        assert!(
            s.parse_path("/nix/store/q790zdjk75hm2cn42nh77pqw4gbv1b88-a/bin")
                .is_err()
        );
        let (p, rest) = s
            .parse_path_within("/nix/store/q790zdjk75hm2cn42nh77pqw4gbv1b88-a/bin/x")
            .unwrap();
        assert_eq!((p.name(), rest), ("a", "/bin/x"));
    }

    // Expected values below come from the Nix 2.8 peer.

    #[test]
    fn text_paths() {
        let s = store();
        let a = s.text_path_for("a", b"x", []).unwrap();
        let b = s
            .text_path_for("b", format!("{} y", s.display(&a)).as_bytes(), [&a])
            .unwrap();
        assert_eq!(
            s.display(&b),
            "/nix/store/rc4z8yqv29dmhkmrz4rsxsvwbh90w0j0-b"
        );
        assert_eq!(
            s.display(&s.text_path_for("hello.txt", b"hello", []).unwrap()),
            "/nix/store/q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt"
        );
    }

    #[test]
    fn fixed_output_paths() {
        let s = store();
        let zero_sha1 = Hash::from_bytes(HashAlgo::Sha1, &[0u8; 20]).unwrap();
        let flat = s
            .make_fixed_output_path(FileIngestionMethod::Flat, &zero_sha1, "fo", [], false)
            .unwrap();
        assert_eq!(
            s.display(&flat),
            "/nix/store/l35kf8wgdpsqqxyg3scq1p7h9nlpsqnh-fo"
        );
        let recursive = s
            .make_fixed_output_path(FileIngestionMethod::Recursive, &zero_sha1, "fo", [], false)
            .unwrap();
        assert_eq!(
            s.display(&recursive),
            "/nix/store/4bhyp1az4jd3c1ygwl7pgf6svx7a2y5q-fo"
        );
    }

    #[test]
    fn source_paths() {
        let s = store();
        // `builtins.path { path = ./LICENSE; }` and with `recursive = false`,
        // for a file whose NAR hash and flat hash are these.
        let nar = Hash::parse_any(
            "81b598d3dabe3aed9d32036cbc01d39fc0b8625761c5f6e0a5fcc31a1971b0b1",
            Some(HashAlgo::Sha256),
        )
        .unwrap();
        let flat = Hash::parse_any(
            "0b9d2104af55ee68c217e4f6010921f735ab3bafa59e3b3202b2f841f56bf967",
            Some(HashAlgo::Sha256),
        )
        .unwrap();
        assert_eq!(
            s.display(
                &s.make_source_path(FileIngestionMethod::Recursive, &nar, "LICENSE")
                    .unwrap()
            ),
            "/nix/store/aw3r72j8aafngsb7n0x176c0hkasdgk5-LICENSE"
        );
        assert_eq!(
            s.display(
                &s.make_source_path(FileIngestionMethod::Flat, &flat, "LICENSE")
                    .unwrap()
            ),
            "/nix/store/nnqcxvk5g5q54j77ivjjvn2wscvrjpx4-LICENSE"
        );
    }

    #[test]
    fn store_dir_is_hashed_in() {
        let other = StoreDir::new("/gnu/store").unwrap();
        let a = store().text_path_for("a", b"x", []).unwrap();
        let b = other.text_path_for("a", b"x", []).unwrap();
        assert_ne!(a, b);
    }
}
