//! [`ContentAddress`]: the `ca` field of a store object's metadata.

use std::fmt;
use std::str::FromStr;

use cairn_hash::{Encoding, Hash, HashAlgo, ParseHashError};

/// How a fixed-output object's contents are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileIngestionMethod {
    /// The hash of a single regular file's contents.
    Flat,
    /// The hash of the NAR serialisation of a tree (`outputHashMode =
    /// "recursive"`).
    Recursive,
}

impl FileIngestionMethod {
    /// `r:` for recursive, nothing for flat: the prefix Nix writes before
    /// the hash in fixed-output fingerprints, `ca` fields and `.drv` files.
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            FileIngestionMethod::Flat => "",
            FileIngestionMethod::Recursive => "r:",
        }
    }
}

/// How a content-addressed store object's path was derived from its
/// contents, as recorded in Nix's `ca` column and narinfo `CA:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentAddress {
    /// `text:sha256:…`: a text object (`toFile`, `.drv`).
    Text(Hash),
    /// `fixed:[r:]ALGO:…`: a fixed-output object.
    Fixed {
        /// How the contents were hashed.
        method: FileIngestionMethod,
        /// The hash.
        hash: Hash,
    },
}

/// Why a `ca` string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseContentAddressError {
    /// Neither `text:` nor `fixed:`.
    #[error("content address '{0}' does not start with 'text:' or 'fixed:'")]
    UnknownPrefix(String),
    /// A text content address with another algorithm than SHA-256.
    #[error("text content address '{0}' must use sha256")]
    TextNotSha256(String),
    /// The hash part is malformed.
    #[error("content address '{address}' has a bad hash")]
    BadHash {
        /// The whole address.
        address: String,
        /// Why.
        #[source]
        source: ParseHashError,
    },
}

impl ContentAddress {
    /// The hash.
    #[must_use]
    pub fn hash(&self) -> &Hash {
        match self {
            ContentAddress::Text(hash) | ContentAddress::Fixed { hash, .. } => hash,
        }
    }
}

/// Prints as Nix does: `text:sha256:NIX32` or `fixed:[r:]ALGO:NIX32`.
impl fmt::Display for ContentAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentAddress::Text(hash) => write!(f, "text:{}", hash.encode(Encoding::Nix32, true)),
            ContentAddress::Fixed { method, hash } => write!(
                f,
                "fixed:{}{}",
                method.prefix(),
                hash.encode(Encoding::Nix32, true)
            ),
        }
    }
}

impl FromStr for ContentAddress {
    type Err = ParseContentAddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad_hash = |source| ParseContentAddressError::BadHash {
            address: s.to_owned(),
            source,
        };
        if let Some(rest) = s.strip_prefix("text:") {
            let hash = Hash::parse_prefixed(rest).map_err(bad_hash)?;
            if hash.algo() != HashAlgo::Sha256 {
                return Err(ParseContentAddressError::TextNotSha256(s.to_owned()));
            }
            Ok(ContentAddress::Text(hash))
        } else if let Some(rest) = s.strip_prefix("fixed:") {
            let (method, rest) = match rest.strip_prefix("r:") {
                Some(rest) => (FileIngestionMethod::Recursive, rest),
                None => (FileIngestionMethod::Flat, rest),
            };
            let hash = Hash::parse_prefixed(rest).map_err(bad_hash)?;
            Ok(ContentAddress::Fixed { method, hash })
        } else {
            Err(ParseContentAddressError::UnknownPrefix(s.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "text:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h",
            "fixed:r:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h",
            "fixed:sha1:0000000000000000000000000000000z",
        ] {
            let ca: ContentAddress = text.parse().unwrap();
            assert_eq!(ca.to_string(), text);
        }
        assert!(
            "text:sha1:0000000000000000000000000000000z"
                .parse::<ContentAddress>()
                .is_err()
        );
        assert!("blob:sha256:00".parse::<ContentAddress>().is_err());
    }
}
