//! [`PathInfo`]: a store object's metadata, its fingerprint and its
//! signatures.

use std::collections::BTreeSet;

use cairn_hash::{Encoding, Hash};
use cairn_store_path::{ContentAddress, StoreDir, StorePath};

use crate::keys::{SecretKey, SignatureStatus, TrustedKeys};

/// Why a fingerprint cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// The NAR size is 0, which Nix takes to mean "unknown".
    #[error("cannot calculate fingerprint of path '{path}' because its size is not known")]
    UnknownNarSize {
        /// The absolute store path.
        path: String,
    },
}

/// The metadata of a store object that signatures cover and that stores
/// and binary caches exchange (Nix's `ValidPathInfo`, without the
/// local-database fields such as the registration time).
///
/// [`NarInfo`](crate::NarInfo) contains one, next to the fields that say
/// where and how the NAR is stored in a cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// The store path.
    pub path: StorePath,
    /// The hash of the NAR serialisation (SHA-256 in practice).
    pub nar_hash: Hash,
    /// The size of the NAR serialisation in bytes; 0 means unknown.
    pub nar_size: u64,
    /// The store paths this object refers to, possibly itself.
    pub references: BTreeSet<StorePath>,
    /// The derivation that produced the object, when known.
    pub deriver: Option<StorePath>,
    /// Signatures as Nix keeps them: unvalidated `NAME:BASE64` strings,
    /// ordered and without duplicates. A malformed one is kept (Nix does
    /// too) and simply never verifies; see [`crate::Signature`] for the
    /// typed form.
    pub signatures: BTreeSet<String>,
    /// The content address, for content-addressed objects.
    pub ca: Option<ContentAddress>,
}

impl PathInfo {
    /// Metadata with no references, deriver, signatures or content address.
    #[must_use]
    pub fn new(path: StorePath, nar_hash: Hash, nar_size: u64) -> PathInfo {
        PathInfo {
            path,
            nar_hash,
            nar_size,
            references: BTreeSet::new(),
            deriver: None,
            signatures: BTreeSet::new(),
            ca: None,
        }
    }

    /// The string Nix signs, see [`fingerprint`].
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when `nar_size` is 0.
    pub fn fingerprint(&self, store_dir: &StoreDir) -> Result<String, FingerprintError> {
        fingerprint(
            store_dir,
            &self.path,
            &self.nar_hash,
            self.nar_size,
            &self.references,
        )
    }

    /// Signs the fingerprint with `key` and adds the signature (Nix's
    /// `ValidPathInfo::sign`). Signing twice with the same key adds
    /// nothing, since ed25519 signatures are deterministic.
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when `nar_size` is 0.
    pub fn sign(&mut self, store_dir: &StoreDir, key: &SecretKey) -> Result<(), FingerprintError> {
        let fingerprint = self.fingerprint(store_dir)?;
        self.signatures
            .insert(key.sign(fingerprint.as_bytes()).to_string());
        Ok(())
    }

    /// Checks every signature against `keys`, in the order of
    /// [`PathInfo::signatures`].
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when `nar_size` is 0.
    pub fn check_signatures(
        &self,
        store_dir: &StoreDir,
        keys: &TrustedKeys,
    ) -> Result<Vec<(&str, SignatureStatus)>, FingerprintError> {
        let fingerprint = self.fingerprint(store_dir)?;
        Ok(self
            .signatures
            .iter()
            .map(|sig| (sig.as_str(), keys.verify(fingerprint.as_bytes(), sig)))
            .collect())
    }

    /// The signatures that verify with `keys`.
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when `nar_size` is 0.
    pub fn valid_signatures(
        &self,
        store_dir: &StoreDir,
        keys: &TrustedKeys,
    ) -> Result<Vec<&str>, FingerprintError> {
        Ok(self
            .check_signatures(store_dir, keys)?
            .into_iter()
            .filter(|(_, status)| status.is_valid())
            .map(|(sig, _)| sig)
            .collect())
    }

    /// Whether the object's path really follows from its content address
    /// and references (Nix's `isContentAddressed`). Nix trusts such
    /// objects without any signature, since their path proves their
    /// content.
    #[must_use]
    pub fn is_content_addressed(&self, store_dir: &StoreDir) -> bool {
        let computed = match &self.ca {
            None => return false,
            Some(ContentAddress::Text(hash)) => {
                store_dir.make_text_path(self.path.name(), hash, &self.references)
            }
            Some(ContentAddress::Fixed { method, hash }) => {
                let has_self_reference = self.references.contains(&self.path);
                let others = self.references.iter().filter(|r| **r != self.path);
                store_dir.make_fixed_output_path(
                    *method,
                    hash,
                    self.path.name(),
                    others,
                    has_self_reference,
                )
            }
        };
        computed.is_ok_and(|computed| computed == self.path)
    }

    /// Whether Nix would accept the object under `require-sigs`: it is
    /// content-addressed, or at least one signature verifies with `keys`.
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when `nar_size` is 0 and the
    /// object is not content-addressed.
    pub fn is_trusted(
        &self,
        store_dir: &StoreDir,
        keys: &TrustedKeys,
    ) -> Result<bool, FingerprintError> {
        if self.is_content_addressed(store_dir) {
            return Ok(true);
        }
        Ok(!self.valid_signatures(store_dir, keys)?.is_empty())
    }
}

/// The string Nix signs for a store object (its `fingerprint`):
///
/// ```text
/// 1;STORE_PATH;NAR_HASH;NAR_SIZE;REF1,REF2,…
/// ```
///
/// with absolute paths, the NAR hash as `ALGO:NIX32`, and the references
/// sorted. Like Nix 2.8, this refuses a NAR size of 0 (unknown) and
/// accepts any hash algorithm, which then appears in the fingerprint
/// (`sha512:…`). Nix itself only ever writes SHA-256 NAR hashes, but the
/// 2.8 peer verifies a SHA-512 one signed this way (see
/// `tests/fixtures/peer-verify.txt`), so refusing it would only break
/// compatibility.
///
/// # Errors
/// [`FingerprintError::UnknownNarSize`] when `nar_size` is 0.
pub fn fingerprint<'a>(
    store_dir: &StoreDir,
    path: &StorePath,
    nar_hash: &Hash,
    nar_size: u64,
    references: impl IntoIterator<Item = &'a StorePath>,
) -> Result<String, FingerprintError> {
    if nar_size == 0 {
        return Err(FingerprintError::UnknownNarSize {
            path: store_dir.display(path),
        });
    }
    let references: BTreeSet<&StorePath> = references.into_iter().collect();
    let references: Vec<String> = references.iter().map(|r| store_dir.display(r)).collect();
    Ok(format!(
        "1;{};{};{nar_size};{}",
        store_dir.display(path),
        nar_hash.encode(Encoding::Nix32, true),
        references.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_hash::HashAlgo;

    fn path(s: &str) -> StorePath {
        s.parse().unwrap()
    }

    #[test]
    fn fingerprint_format() {
        let store = StoreDir::default();
        let mut info = PathInfo::new(
            path("1zp2q7m6wjdaj67pa2yhcagshkp95xg1-nf-test"),
            Hash::parse_any("sha256-8qCv9fma6cwpCI2aCiXQHsWYjZ/nPL6W+T48PAgtNVo=", None).unwrap(),
            160,
        );
        info.references
            .insert(path("zbnjlfwq7lx5jg4xzz91zlk0yf2clz2n-b"));
        info.references
            .insert(path("ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref"));
        assert_eq!(
            info.fingerprint(&store).unwrap(),
            "1;/nix/store/1zp2q7m6wjdaj67pa2yhcagshkp95xg1-nf-test;\
             sha256:0nim5l43qg1yz6bbwg77ky6rii8ys0jhm6ld10lwrscsz7ssz87j;160;\
             /nix/store/ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref,/nix/store/zbnjlfwq7lx5jg4xzz91zlk0yf2clz2n-b"
        );
        info.nar_size = 0;
        assert_eq!(
            info.fingerprint(&store).unwrap_err().to_string(),
            "cannot calculate fingerprint of path '/nix/store/1zp2q7m6wjdaj67pa2yhcagshkp95xg1-nf-test' because its size is not known"
        );
        info.nar_size = 1;
        info.nar_hash = Hash::digest(HashAlgo::Sha512, b"");
        assert!(info.fingerprint(&store).unwrap().contains(";sha512:"));
    }

    #[test]
    fn content_addressed_paths_are_recognised() {
        let store = StoreDir::default();
        // `builtins.toFile "ref" "x"` in Nix 2.8.
        let mut info = PathInfo::new(
            path("ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref"),
            Hash::digest(HashAlgo::Sha256, b"nar"),
            120,
        );
        info.ca = Some(
            "text:sha256:10a83a91g1r50bdw8g4hn47m7j7m6angpabwc80l9c16nx11cw9d"
                .parse()
                .unwrap(),
        );
        assert!(info.is_content_addressed(&store));
        assert!(info.is_trusted(&store, &TrustedKeys::new()).unwrap());
        info.references
            .insert(path("zbnjlfwq7lx5jg4xzz91zlk0yf2clz2n-b"));
        assert!(!info.is_content_addressed(&store));
        info.ca = None;
        assert!(!info.is_content_addressed(&store));
    }
}
