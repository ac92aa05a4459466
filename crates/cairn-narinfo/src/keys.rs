//! ed25519 keys and detached signatures in Nix's textual format.
//!
//! Nix writes every key and signature as `NAME:BASE64`:
//!
//! * a secret key is the 64-byte libsodium key pair, the 32-byte seed
//!   followed by the 32-byte public key (`nix key generate-secret`);
//! * a public key is the 32-byte public key
//!   (`nix key convert-secret-to-public`);
//! * a signature is the 64-byte ed25519 signature, named after the key
//!   that made it.
//!
//! Base64 is decoded with Nix's lenient rules ([`cairn_hash::base64`]):
//! newlines are skipped and decoding stops at the first `=`, so a key file
//! with a trailing newline reads fine.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use cairn_hash::base64;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

/// Bytes in a secret key (seed and public key).
pub const SECRET_KEY_LEN: usize = 64;
/// Bytes in a public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Bytes in a signature.
pub const SIGNATURE_LEN: usize = 64;

/// What kind of `NAME:BASE64` value was being read, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A secret key.
    Secret,
    /// A public key.
    Public,
    /// A signature.
    Signature,
}

impl KeyKind {
    const fn expected_len(self) -> usize {
        match self {
            KeyKind::Secret => SECRET_KEY_LEN,
            KeyKind::Public => PUBLIC_KEY_LEN,
            KeyKind::Signature => SIGNATURE_LEN,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Secret => "secret key",
            KeyKind::Public => "public key",
            KeyKind::Signature => "signature",
        })
    }
}

/// Why a key, a key name or a signature is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// There is no `NAME:` in front of the base64 (no colon, or nothing
    /// before it).
    #[error("{kind} has no name; expected NAME:BASE64")]
    MissingName {
        /// What was being read.
        kind: KeyKind,
    },
    /// Nothing follows `NAME:`.
    #[error("{kind} '{name}' is empty after 'NAME:'")]
    Empty {
        /// What was being read.
        kind: KeyKind,
        /// The key name.
        name: String,
    },
    /// The part after `NAME:` is not base64.
    #[error("{kind} '{name}' is not valid base64")]
    BadBase64 {
        /// What was being read.
        kind: KeyKind,
        /// The key name.
        name: String,
        /// Where the decoding failed.
        #[source]
        source: base64::DecodeError,
    },
    /// The decoded bytes have the wrong length.
    #[error("{kind} '{name}' decodes to {actual} bytes, expected {}", kind.expected_len())]
    WrongLength {
        /// What was being read.
        kind: KeyKind,
        /// The key name.
        name: String,
        /// How many bytes were decoded.
        actual: usize,
    },
    /// The second half of a secret key is not the public key of its first
    /// half (Nix would accept such a key, but every signature it made
    /// would fail to verify).
    #[error("secret key '{name}' is corrupt: its public half does not match its seed")]
    MismatchedPublicHalf {
        /// The key name.
        name: String,
    },
    /// The 32 bytes of a public key are not a point on the curve.
    #[error("public key '{name}' is not a valid ed25519 point")]
    InvalidPoint {
        /// The key name.
        name: String,
    },
    /// A key name to generate a key with is empty or contains `:`.
    #[error("key name '{0}' is not usable: it must be non-empty and contain no ':'")]
    BadName(String),
}

/// Splits `NAME:BASE64` and decodes the base64 to exactly `N` bytes, as
/// Nix's `Key` constructor does (plus the length check of each kind).
fn split_and_decode<const N: usize>(
    kind: KeyKind,
    text: &str,
) -> Result<(String, [u8; N]), KeyError> {
    let (name, data) = match text.split_once(':') {
        Some((name, data)) if !name.is_empty() => (name, data),
        _ => return Err(KeyError::MissingName { kind }),
    };
    if data.is_empty() {
        return Err(KeyError::Empty {
            kind,
            name: name.to_owned(),
        });
    }
    let bytes = base64::decode(data.as_bytes()).map_err(|source| KeyError::BadBase64 {
        kind,
        name: name.to_owned(),
        source,
    })?;
    let array = <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| KeyError::WrongLength {
        kind,
        name: name.to_owned(),
        actual: bytes.len(),
    })?;
    Ok((name.to_owned(), array))
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if name.is_empty() || name.contains(':') {
        return Err(KeyError::BadName(name.to_owned()));
    }
    Ok(())
}

/// An ed25519 secret key with its name, as `nix key generate-secret`
/// writes it: `NAME:BASE64(SEED ++ PUBLIC_KEY)`.
///
/// [`Debug`](fmt::Debug) shows only the name; [`Display`](fmt::Display)
/// prints the whole secret, for writing a key file.
#[derive(Clone)]
pub struct SecretKey {
    name: String,
    key: SigningKey,
}

impl SecretKey {
    /// Generates a fresh key from the operating system's random source.
    ///
    /// # Errors
    /// [`KeyError::BadName`] when `name` is empty or contains `:`.
    pub fn generate(name: &str) -> Result<SecretKey, KeyError> {
        check_name(name)?;
        Ok(SecretKey {
            name: name.to_owned(),
            key: SigningKey::generate(&mut rand_core::OsRng),
        })
    }

    /// Builds a key from its 32-byte seed.
    ///
    /// # Errors
    /// [`KeyError::BadName`] when `name` is empty or contains `:`.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SecretKey, KeyError> {
        check_name(name)?;
        Ok(SecretKey {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching public key, with the same name.
    #[must_use]
    pub fn to_public(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Signs `data` (Nix's `signDetached`). ed25519 is deterministic: the
    /// same key and data always give the same signature.
    #[must_use]
    pub fn sign(&self, data: &[u8]) -> Signature {
        Signature {
            key_name: self.name.clone(),
            bytes: self.key.sign(data).to_bytes(),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.name)
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.name,
            base64::encode(&self.key.to_keypair_bytes())
        )
    }
}

impl FromStr for SecretKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, bytes) = split_and_decode::<SECRET_KEY_LEN>(KeyKind::Secret, s)?;
        let key = SigningKey::from_keypair_bytes(&bytes)
            .map_err(|_| KeyError::MismatchedPublicHalf { name: name.clone() })?;
        Ok(SecretKey { name, key })
    }
}

/// An ed25519 public key with its name: `NAME:BASE64(32 BYTES)`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw 32 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        self.key.as_bytes()
    }

    /// Whether `signature` is a valid signature of `data` by this key.
    /// The signature's key name is not looked at; see
    /// [`TrustedKeys::verify`] for the lookup by name.
    ///
    /// Uses strict verification (no small-order points, canonical
    /// scalars), which is what libsodium, and so Nix, does.
    #[must_use]
    pub fn verify(&self, data: &[u8], signature: &Signature) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(&signature.bytes);
        self.key.verify_strict(data, &signature).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, base64::encode(self.key.as_bytes()))
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, bytes) = split_and_decode::<PUBLIC_KEY_LEN>(KeyKind::Public, s)?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError::InvalidPoint { name: name.clone() })?;
        Ok(PublicKey { name, key })
    }
}

/// A detached signature with the name of the key that made it:
/// `NAME:BASE64(64 BYTES)`, the value of a narinfo `Sig:` line.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    key_name: String,
    bytes: [u8; SIGNATURE_LEN],
}

impl Signature {
    /// Wraps raw signature bytes.
    #[must_use]
    pub fn new(key_name: &str, bytes: [u8; SIGNATURE_LEN]) -> Signature {
        Signature {
            key_name: key_name.to_owned(),
            bytes,
        }
    }

    /// The name of the key that made the signature.
    #[must_use]
    pub fn key_name(&self) -> &str {
        &self.key_name
    }

    /// The raw 64 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.bytes
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.key_name, base64::encode(&self.bytes))
    }
}

impl FromStr for Signature {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key_name, bytes) = split_and_decode::<SIGNATURE_LEN>(KeyKind::Signature, s)?;
        Ok(Signature { key_name, bytes })
    }
}

/// The outcome of checking one signature against [`TrustedKeys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Made by a trusted key over the data.
    Valid,
    /// Names a trusted key but does not verify.
    Invalid,
    /// Names no trusted key (Nix ignores such signatures).
    UntrustedKey,
    /// Not `NAME:BASE64(64 bytes)`. Nix ignores such a signature when its
    /// name is untrusted and fails with an error when it is trusted.
    Malformed(KeyError),
}

impl SignatureStatus {
    /// Whether the signature counts.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        matches!(self, SignatureStatus::Valid)
    }
}

/// A set of trusted public keys, looked up by name (Nix's `PublicKeys`,
/// built from the `trusted-public-keys` setting). A later key with the
/// same name replaces an earlier one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedKeys {
    keys: BTreeMap<String, PublicKey>,
}

impl TrustedKeys {
    /// An empty set.
    #[must_use]
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    /// Parses a whitespace-separated list of public keys, the format of
    /// the `trusted-public-keys` setting.
    ///
    /// # Errors
    /// The first key that does not parse.
    pub fn parse_list(list: &str) -> Result<TrustedKeys, KeyError> {
        list.split_ascii_whitespace().map(str::parse).collect()
    }

    /// Adds `key`, replacing any key with the same name.
    pub fn insert(&mut self, key: PublicKey) {
        self.keys.insert(key.name.clone(), key);
    }

    /// The key called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&PublicKey> {
        self.keys.get(name)
    }

    /// Whether there are no keys.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.values()
    }

    /// Checks one signature, as text (a narinfo `Sig:` value), over
    /// `data` (Nix's `verifyDetached`, without its exceptions).
    #[must_use]
    pub fn verify(&self, data: &[u8], signature: &str) -> SignatureStatus {
        // Nix looks the name up before decoding, so a malformed signature
        // of an untrusted key is simply not trusted.
        let name = match signature.split_once(':') {
            Some((name, _)) if !name.is_empty() => name,
            _ => "",
        };
        let Some(key) = self.keys.get(name) else {
            return match signature.parse::<Signature>() {
                Err(error @ KeyError::MissingName { .. }) => SignatureStatus::Malformed(error),
                _ => SignatureStatus::UntrustedKey,
            };
        };
        match signature.parse::<Signature>() {
            Err(error) => SignatureStatus::Malformed(error),
            Ok(signature) if key.verify(data, &signature) => SignatureStatus::Valid,
            Ok(_) => SignatureStatus::Invalid,
        }
    }
}

impl FromIterator<PublicKey> for TrustedKeys {
    fn from_iter<I: IntoIterator<Item = PublicKey>>(iter: I) -> TrustedKeys {
        let mut keys = TrustedKeys::new();
        for key in iter {
            keys.insert(key);
        }
        keys
    }
}

impl Extend<PublicKey> for TrustedKeys {
    fn extend<I: IntoIterator<Item = PublicKey>>(&mut self, iter: I) {
        for key in iter {
            self.insert(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by `nix key generate-secret --key-name test1` (Nix 2.8) and
    // `nix key convert-secret-to-public`.
    const NIX_SECRET: &str = "test1:FPpzodVXBPg/goADvmJkBYvh0aVedTFwAEIi2YAjKYstZuPkMzWiGXl8ZTZ4lKGneRCQBUWEdMVWfC0779N8zQ==";
    const NIX_PUBLIC: &str = "test1:LWbj5DM1ohl5fGU2eJShp3kQkAVFhHTFVnwtO+/TfM0=";

    #[test]
    fn nix_keys_round_trip_and_match() {
        let secret: SecretKey = NIX_SECRET.parse().unwrap();
        assert_eq!(secret.name(), "test1");
        assert_eq!(secret.to_string(), NIX_SECRET);
        assert_eq!(secret.to_public().to_string(), NIX_PUBLIC);
        let public: PublicKey = NIX_PUBLIC.parse().unwrap();
        assert_eq!(public, secret.to_public());
        // A trailing newline, as in a key file written by an editor.
        assert_eq!(
            format!("{NIX_SECRET}\n")
                .parse::<SecretKey>()
                .unwrap()
                .to_string(),
            NIX_SECRET
        );
        assert_eq!(format!("{secret:?}"), "SecretKey(test1)");
    }

    #[test]
    fn generated_keys_sign_and_verify() {
        let secret = SecretKey::generate("cairn-test-1").unwrap();
        let public = secret.to_public();
        let again: SecretKey = secret.to_string().parse().unwrap();
        assert_eq!(again.to_public(), public);
        let signature = secret.sign(b"data");
        assert_eq!(signature, again.sign(b"data"), "ed25519 is deterministic");
        assert!(public.verify(b"data", &signature));
        assert!(!public.verify(b"other", &signature));
        let parsed: Signature = signature.to_string().parse().unwrap();
        assert_eq!(parsed, signature);
        assert!(SecretKey::generate("").is_err());
        assert!(SecretKey::generate("a:b").is_err());
    }

    #[test]
    fn errors_name_the_problem() {
        let e = |s: &str| s.parse::<SecretKey>().unwrap_err().to_string();
        assert_eq!(e("abc"), "secret key has no name; expected NAME:BASE64");
        assert_eq!(e(":abc"), "secret key has no name; expected NAME:BASE64");
        assert_eq!(e("k:"), "secret key 'k' is empty after 'NAME:'");
        assert_eq!(e("k:a!b"), "secret key 'k' is not valid base64");
        assert_eq!(
            e("k:AAAA"),
            "secret key 'k' decodes to 3 bytes, expected 64"
        );
        let zeros = base64::encode(&[0u8; 64]);
        assert_eq!(
            e(&format!("k:{zeros}")),
            "secret key 'k' is corrupt: its public half does not match its seed"
        );
        assert_eq!(
            "k:AAAA".parse::<PublicKey>().unwrap_err().to_string(),
            "public key 'k' decodes to 3 bytes, expected 32"
        );
        assert_eq!(
            "k:AAAA".parse::<Signature>().unwrap_err().to_string(),
            "signature 'k' decodes to 3 bytes, expected 64"
        );
    }

    #[test]
    fn trusted_keys_look_up_by_name() {
        let a = SecretKey::generate("a").unwrap();
        let b = SecretKey::generate("b").unwrap();
        let keys = TrustedKeys::parse_list(&format!("  {}\n", a.to_public())).unwrap();
        let sig_a = a.sign(b"x").to_string();
        assert_eq!(keys.verify(b"x", &sig_a), SignatureStatus::Valid);
        assert_eq!(keys.verify(b"y", &sig_a), SignatureStatus::Invalid);
        assert_eq!(
            keys.verify(b"x", &b.sign(b"x").to_string()),
            SignatureStatus::UntrustedKey
        );
        // b's signature relabelled as a's does not verify.
        let forged = format!("a:{}", base64::encode(b.sign(b"x").as_bytes()));
        assert_eq!(keys.verify(b"x", &forged), SignatureStatus::Invalid);
        assert!(matches!(
            keys.verify(b"x", "a:AAAA"),
            SignatureStatus::Malformed(KeyError::WrongLength { .. })
        ));
        assert_eq!(keys.verify(b"x", "zzz:AAAA"), SignatureStatus::UntrustedKey);
        assert!(matches!(
            keys.verify(b"x", "garbage"),
            SignatureStatus::Malformed(KeyError::MissingName { .. })
        ));
    }
}
