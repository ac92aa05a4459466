//! Hash algorithms and the textual hash encodings Nix uses.
//!
//! # Brief overview
//!
//! * [`HashAlgo`] names one of the algorithms Nix supports: MD5, SHA-1,
//!   SHA-256 and SHA-512 (the RustCrypto implementations, which use SHA-NI
//!   and assembly where the CPU has them).
//! * [`Hash`] is a digest together with its algorithm. It prints in any
//!   [`Encoding`] (base16, nixbase32, base64, SRI) and parses with exactly
//!   Nix's rules ([`Hash::parse_any`], [`Hash::parse_prefixed`],
//!   [`Hash::parse_sri`], [`Hash::parse_unprefixed`]).
//! * [`Hasher`] is a streaming hasher that also counts the bytes it saw;
//!   it implements [`std::io::Write`] so it can sit at the end of a NAR
//!   writer or an `io::copy`.
//! * [`nixbase32`], [`base16`] and [`base64`] are the bare encodings.
//!
//! # Example
//!
//! ```
//! use cairn_hash::{Encoding, Hash, HashAlgo};
//!
//! let hash = Hash::digest(HashAlgo::Sha256, b"hello");
//! assert_eq!(
//!     hash.encode(Encoding::Nix32, true),
//!     "sha256:094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
//! );
//! let parsed = Hash::parse_any(&hash.to_sri(), None).unwrap();
//! assert_eq!(parsed, hash);
//! ```

pub mod base16;
pub mod base64;
pub mod nixbase32;

use std::fmt;
use std::io;
use std::str::FromStr;

use digest::Digest;

/// The largest digest of any supported algorithm (SHA-512), in bytes.
pub const MAX_DIGEST_LEN: usize = 64;

/// A hash algorithm supported by Nix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    /// MD5 (16 bytes). Only for fixed-output derivations of old fetchers.
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes), the default almost everywhere.
    Sha256,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl HashAlgo {
    /// Every algorithm, in Nix's order.
    pub const ALL: [HashAlgo; 4] = [
        HashAlgo::Md5,
        HashAlgo::Sha1,
        HashAlgo::Sha256,
        HashAlgo::Sha512,
    ];

    /// The name Nix uses (`md5`, `sha1`, `sha256`, `sha512`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// The digest length in bytes.
    #[must_use]
    pub const fn digest_len(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// Length of a digest of this algorithm printed in `encoding`, without
    /// any algorithm prefix.
    #[must_use]
    pub const fn encoded_len(self, encoding: Encoding) -> usize {
        let len = self.digest_len();
        match encoding {
            Encoding::Base16 => len * 2,
            Encoding::Nix32 => nixbase32::encoded_len(len),
            Encoding::Base64 | Encoding::Sri => base64::encoded_len(len),
        }
    }

    /// Parses an algorithm name, or returns `None`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<HashAlgo> {
        HashAlgo::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashAlgo {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgo::from_name(s).ok_or_else(|| ParseHashError::UnknownAlgorithm(s.to_owned()))
    }
}

/// A textual encoding of a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Lowercase hexadecimal.
    Base16,
    /// Nix's base-32 (see [`nixbase32`]).
    Nix32,
    /// Standard base64 with padding.
    Base64,
    /// Subresource Integrity: `ALGO-BASE64`.
    Sri,
}

impl Encoding {
    /// The names Nix's command line uses for the encodings.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Encoding::Base16 => "base16",
            Encoding::Nix32 => "nix32",
            Encoding::Base64 => "base64",
            Encoding::Sri => "sri",
        }
    }

    /// Parses `base16`, `nix32` (or its older name `base32`), `base64` or
    /// `sri`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Encoding> {
        match name {
            "base16" => Some(Encoding::Base16),
            "nix32" | "base32" => Some(Encoding::Nix32),
            "base64" => Some(Encoding::Base64),
            "sri" => Some(Encoding::Sri),
            _ => None,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string could not be parsed as a hash. The messages follow Nix's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseHashError {
    /// The algorithm name is not one Nix knows.
    #[error("unknown hash algorithm '{0}'")]
    UnknownAlgorithm(String),
    /// Neither the string nor the caller says which algorithm it is.
    #[error("hash '{0}' does not include a type, nor is the type otherwise known from context")]
    MissingAlgorithm(String),
    /// The string names a different algorithm than the caller expects.
    #[error("hash '{hash}' should have type '{expected}'")]
    AlgorithmMismatch {
        /// The whole input.
        hash: String,
        /// The algorithm the caller expects.
        expected: HashAlgo,
    },
    /// The caller requires an `ALGO:` or SRI prefix.
    #[error("hash '{0}' does not include a type")]
    MissingPrefix(String),
    /// The digest has a length that matches no encoding of the algorithm.
    #[error("hash '{hash}' has wrong length for hash type '{algo}'")]
    WrongLength {
        /// The digest part of the input.
        hash: String,
        /// The algorithm it was parsed as.
        algo: HashAlgo,
    },
    /// The digest has base16's length but is not hexadecimal.
    #[error("invalid base-16 hash '{0}'")]
    InvalidBase16(String),
    /// The digest has nixbase32's length but is not valid nixbase32.
    #[error("invalid base-32 hash '{0}'")]
    InvalidNix32(String),
    /// The digest has base64's length but is not valid base64 of the
    /// right size.
    #[error("invalid base-64 hash '{0}'")]
    InvalidBase64(String),
    /// The SRI digest is not valid base64 of the right size.
    #[error("invalid SRI hash '{0}'")]
    InvalidSri(String),
}

/// A digest and the algorithm that produced it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    algo: HashAlgo,
    bytes: [u8; MAX_DIGEST_LEN],
}

impl Hash {
    /// Wraps `digest` as a hash of `algo`; `None` when the length is wrong.
    #[must_use]
    pub fn from_bytes(algo: HashAlgo, digest: &[u8]) -> Option<Hash> {
        if digest.len() != algo.digest_len() {
            return None;
        }
        let mut bytes = [0u8; MAX_DIGEST_LEN];
        bytes[..digest.len()].copy_from_slice(digest);
        Some(Hash { algo, bytes })
    }

    /// Hashes `data` in one go.
    #[must_use]
    pub fn digest(algo: HashAlgo, data: &[u8]) -> Hash {
        let mut hasher = Hasher::new(algo);
        hasher.update(data);
        hasher.finish()
    }

    /// The algorithm.
    #[must_use]
    pub const fn algo(&self) -> HashAlgo {
        self.algo
    }

    /// The raw digest.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.algo.digest_len()]
    }

    /// Prints the digest in `encoding`. With `include_algo`, the algorithm
    /// is prefixed as `ALGO:`; SRI always carries its `ALGO-` prefix.
    #[must_use]
    pub fn encode(&self, encoding: Encoding, include_algo: bool) -> String {
        let digest = match encoding {
            Encoding::Base16 => base16::encode(self.as_bytes()),
            Encoding::Nix32 => nixbase32::encode(self.as_bytes()),
            Encoding::Base64 | Encoding::Sri => base64::encode(self.as_bytes()),
        };
        match encoding {
            Encoding::Sri => format!("{}-{digest}", self.algo),
            _ if include_algo => format!("{}:{digest}", self.algo),
            _ => digest,
        }
    }

    /// `ALGO-BASE64`, the SRI form.
    #[must_use]
    pub fn to_sri(&self) -> String {
        self.encode(Encoding::Sri, true)
    }

    /// Bare lowercase hexadecimal.
    #[must_use]
    pub fn to_base16(&self) -> String {
        self.encode(Encoding::Base16, false)
    }

    /// Bare nixbase32.
    #[must_use]
    pub fn to_nix32(&self) -> String {
        self.encode(Encoding::Nix32, false)
    }

    /// Folds the digest to `len` bytes by XOR, as Nix's `compressHash`
    /// does for store path digests.
    #[must_use]
    pub fn compress(&self, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        if len == 0 {
            return out;
        }
        for (i, &b) in self.as_bytes().iter().enumerate() {
            out[i % len] ^= b;
        }
        out
    }

    /// Parses a hash in any of Nix's forms: `ALGO:DIGEST` (base16,
    /// nixbase32 or base64 told apart by length), SRI `ALGO-BASE64`, or a
    /// bare digest when `expected` names the algorithm. When both the
    /// string and `expected` name an algorithm they must agree.
    pub fn parse_any(input: &str, expected: Option<HashAlgo>) -> Result<Hash, ParseHashError> {
        let (parsed_algo, rest, is_sri) = split_prefix(input)?;
        let algo = match (parsed_algo, expected) {
            (None, None) => return Err(ParseHashError::MissingAlgorithm(rest.to_owned())),
            (Some(parsed), Some(expected)) if parsed != expected => {
                return Err(ParseHashError::AlgorithmMismatch {
                    hash: input.to_owned(),
                    expected,
                });
            }
            (Some(algo), _) | (None, Some(algo)) => algo,
        };
        Hash::parse_digest(rest, algo, is_sri)
    }

    /// Parses a hash that must carry its algorithm (`ALGO:DIGEST` or SRI).
    pub fn parse_prefixed(input: &str) -> Result<Hash, ParseHashError> {
        let (algo, rest, is_sri) = split_prefix(input)?;
        let algo = algo.ok_or_else(|| ParseHashError::MissingPrefix(input.to_owned()))?;
        Hash::parse_digest(rest, algo, is_sri)
    }

    /// Parses an SRI hash (`ALGO-BASE64`).
    pub fn parse_sri(input: &str) -> Result<Hash, ParseHashError> {
        let Some((name, rest)) = input.split_once('-') else {
            return Err(ParseHashError::MissingPrefix(input.to_owned()));
        };
        let algo = name.parse()?;
        Hash::parse_digest(rest, algo, true)
    }

    /// Parses a bare digest of `algo` in base16, nixbase32 or base64.
    pub fn parse_unprefixed(input: &str, algo: HashAlgo) -> Result<Hash, ParseHashError> {
        Hash::parse_digest(input, algo, false)
    }

    fn parse_digest(rest: &str, algo: HashAlgo, is_sri: bool) -> Result<Hash, ParseHashError> {
        let bytes = rest.as_bytes();
        let from = |digest: Vec<u8>| Hash::from_bytes(algo, &digest);
        if !is_sri && bytes.len() == algo.encoded_len(Encoding::Base16) {
            base16::decode(bytes)
                .ok()
                .and_then(from)
                .ok_or_else(|| ParseHashError::InvalidBase16(rest.to_owned()))
        } else if !is_sri && bytes.len() == algo.encoded_len(Encoding::Nix32) {
            nixbase32::decode_exact(bytes, algo.digest_len())
                .ok()
                .and_then(from)
                .ok_or_else(|| ParseHashError::InvalidNix32(rest.to_owned()))
        } else if is_sri || bytes.len() == algo.encoded_len(Encoding::Base64) {
            base64::decode(bytes).ok().and_then(from).ok_or_else(|| {
                if is_sri {
                    ParseHashError::InvalidSri(rest.to_owned())
                } else {
                    ParseHashError::InvalidBase64(rest.to_owned())
                }
            })
        } else {
            Err(ParseHashError::WrongLength {
                hash: rest.to_owned(),
                algo,
            })
        }
    }
}

/// Splits `ALGO:` or `ALGO-` (SRI) off the front, as Nix does: a colon is
/// looked for first, then a dash.
fn split_prefix(input: &str) -> Result<(Option<HashAlgo>, &str, bool), ParseHashError> {
    if let Some((name, rest)) = input.split_once(':') {
        return Ok((Some(name.parse()?), rest, false));
    }
    if let Some((name, rest)) = input.split_once('-') {
        return Ok((Some(name.parse()?), rest, true));
    }
    Ok((None, input, false))
}

/// `ALGO:NIX32`, the form Nix uses in its database and in narinfo files.
impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode(Encoding::Nix32, true))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.encode(Encoding::Base16, true))
    }
}

impl FromStr for Hash {
    type Err = ParseHashError;

    /// Same as [`Hash::parse_prefixed`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash::parse_prefixed(s)
    }
}

enum State {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

/// A streaming hasher that also counts the bytes hashed.
pub struct Hasher {
    state: State,
    len: u64,
}

impl Hasher {
    /// Starts a hash of `algo`.
    #[must_use]
    pub fn new(algo: HashAlgo) -> Hasher {
        let state = match algo {
            HashAlgo::Md5 => State::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => State::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => State::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => State::Sha512(sha2::Sha512::new()),
        };
        Hasher { state, len: 0 }
    }

    /// The algorithm.
    #[must_use]
    pub fn algo(&self) -> HashAlgo {
        match self.state {
            State::Md5(_) => HashAlgo::Md5,
            State::Sha1(_) => HashAlgo::Sha1,
            State::Sha256(_) => HashAlgo::Sha256,
            State::Sha512(_) => HashAlgo::Sha512,
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        match &mut self.state {
            State::Md5(h) => h.update(data),
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
            State::Sha512(h) => h.update(data),
        }
    }

    /// Bytes fed so far.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been fed yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Finishes the hash.
    #[must_use]
    pub fn finish(self) -> Hash {
        let algo = self.algo();
        let mut bytes = [0u8; MAX_DIGEST_LEN];
        let n = algo.digest_len();
        match self.state {
            State::Md5(h) => bytes[..n].copy_from_slice(&h.finalize()),
            State::Sha1(h) => bytes[..n].copy_from_slice(&h.finalize()),
            State::Sha256(h) => bytes[..n].copy_from_slice(&h.finalize()),
            State::Sha512(h) => bytes[..n].copy_from_slice(&h.finalize()),
        }
        Hash { algo, bytes }
    }
}

impl io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.update(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nist_vectors() {
        let abc = |algo| Hash::digest(algo, b"abc").to_base16();
        assert_eq!(abc(HashAlgo::Md5), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            abc(HashAlgo::Sha1),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            abc(HashAlgo::Sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            abc(HashAlgo::Sha512),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn nix_printing() {
        // Values printed by `nix hash file` of a file holding "hello".
        let h = Hash::digest(HashAlgo::Sha256, b"hello");
        assert_eq!(
            h.to_sri(),
            "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert_eq!(
            h.to_string(),
            "sha256:094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
        );
        assert_eq!(
            h.encode(Encoding::Base16, true),
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn parse_every_form() {
        let h = Hash::digest(HashAlgo::Sha1, b"x");
        for encoding in [Encoding::Base16, Encoding::Nix32, Encoding::Base64] {
            let bare = h.encode(encoding, false);
            assert_eq!(Hash::parse_any(&bare, Some(HashAlgo::Sha1)).unwrap(), h);
            assert_eq!(Hash::parse_unprefixed(&bare, HashAlgo::Sha1).unwrap(), h);
            let prefixed = h.encode(encoding, true);
            assert_eq!(Hash::parse_any(&prefixed, None).unwrap(), h);
            assert_eq!(prefixed.parse::<Hash>().unwrap(), h);
        }
        assert_eq!(Hash::parse_sri(&h.to_sri()).unwrap(), h);
        assert_eq!(Hash::parse_any(&h.to_sri(), None).unwrap(), h);
        // Uppercase hexadecimal is accepted.
        let upper = h.to_base16().to_uppercase();
        assert_eq!(Hash::parse_unprefixed(&upper, HashAlgo::Sha1).unwrap(), h);
    }

    #[test]
    fn parse_errors_match_nix() {
        let e = |s: &str, algo| Hash::parse_any(s, algo).unwrap_err().to_string();
        assert_eq!(
            e("abcd", None),
            "hash 'abcd' does not include a type, nor is the type otherwise known from context"
        );
        assert_eq!(e("foo:abcd", None), "unknown hash algorithm 'foo'");
        assert_eq!(
            e("sha1:abcd", Some(HashAlgo::Sha256)),
            "hash 'sha1:abcd' should have type 'sha256'"
        );
        assert_eq!(
            e("sha256:abcd", None),
            "hash 'abcd' has wrong length for hash type 'sha256'"
        );
        let bad32 = "e".repeat(52);
        assert_eq!(
            e(&format!("sha256:{bad32}"), None),
            format!("invalid base-32 hash '{bad32}'")
        );
        assert_eq!(e("sha256-AAAA", None), "invalid SRI hash 'AAAA'");
    }

    #[test]
    fn compress_folds_by_xor() {
        let h = Hash::from_bytes(HashAlgo::Md5, &[1u8; 16]).unwrap();
        assert_eq!(h.compress(8), vec![0u8; 8]);
        assert_eq!(h.compress(20)[..16], [1u8; 16]);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut hasher = Hasher::new(HashAlgo::Sha512);
        hasher.update(b"hel");
        hasher.update(b"lo");
        assert_eq!(hasher.len(), 5);
        assert_eq!(hasher.finish(), Hash::digest(HashAlgo::Sha512, b"hello"));
    }

    proptest! {
        #[test]
        fn encode_parse_round_trip(
            algo in prop::sample::select(HashAlgo::ALL.to_vec()),
            data in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let h = Hash::digest(algo, &data);
            for encoding in [Encoding::Base16, Encoding::Nix32, Encoding::Base64, Encoding::Sri] {
                prop_assert_eq!(Hash::parse_any(&h.encode(encoding, true), None).unwrap(), h);
            }
        }
    }
}
