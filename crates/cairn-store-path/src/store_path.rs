//! [`StorePath`]: a validated `HASH-NAME` base name.

use std::fmt;
use std::str::FromStr;

use cairn_hash::nixbase32;

/// Bytes in a store path digest.
pub const DIGEST_LEN: usize = 20;
/// Characters in a store path's hash part (nixbase32 of [`DIGEST_LEN`] bytes).
pub const HASH_PART_LEN: usize = 32;
/// The longest name Nix allows.
pub const MAX_NAME_LEN: usize = 211;

/// Why a string is not a valid store path. The messages follow Nix's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorePathError {
    /// The base name cannot even hold a hash part and a dash.
    #[error("'{0}' is too short to be a valid store path")]
    TooShort(String),
    /// The hash part has a character outside nixbase32.
    #[error("store path '{path}' contains illegal base-32 character '{character}'")]
    InvalidHashCharacter {
        /// The base name.
        path: String,
        /// The offending character.
        character: char,
    },
    /// The hash part is not followed by `-`.
    #[error("store path '{0}' has no '-' after its hash part")]
    MissingDash(String),
    /// The name is empty.
    #[error("store path '{0}' has an empty name")]
    EmptyName(String),
    /// The name is longer than [`MAX_NAME_LEN`].
    #[error("store path '{0}' has a name longer than 211 characters")]
    NameTooLong(String),
    /// The name has a character Nix does not allow.
    #[error("store path '{path}' contains illegal character '{character}'")]
    InvalidNameCharacter {
        /// The base name.
        path: String,
        /// The offending character.
        character: char,
    },
    /// An absolute path is not directly inside the store directory.
    #[error("path '{path}' is not in the Nix store")]
    NotInStore {
        /// The path as given.
        path: String,
    },
}

/// Checks a store object name against Nix's rules: 1 to 211 characters
/// from `[A-Za-z0-9+-._?=]`. `path` is only used in the error.
pub fn check_name(path: &str, name: &str) -> Result<(), StorePathError> {
    if name.is_empty() {
        return Err(StorePathError::EmptyName(path.to_owned()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StorePathError::NameTooLong(path.to_owned()));
    }
    if let Some(character) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
    {
        return Err(StorePathError::InvalidNameCharacter {
            path: path.to_owned(),
            character,
        });
    }
    Ok(())
}

/// A store path's base name, `HASH-NAME`, validated.
///
/// Ordering is that of the base name as a string, which is the order Nix
/// keeps store path sets in (and so the order references are hashed and
/// printed in).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorePath {
    /// The hash part in nixbase32 (ASCII); kept as text so ordering matches
    /// Nix's.
    hash_part: [u8; HASH_PART_LEN],
    name: Box<str>,
}

impl StorePath {
    /// Parses a base name such as `q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt`.
    ///
    /// Nix itself does not check the character after the hash part; cairn
    /// requires it to be `-`, which is all Nix ever writes there.
    pub fn from_base_name(base_name: &str) -> Result<StorePath, StorePathError> {
        let bytes = base_name.as_bytes();
        if bytes.len() < HASH_PART_LEN + 1 {
            return Err(StorePathError::TooShort(base_name.to_owned()));
        }
        // Every character of the hash part must be a nixbase32 digest, so
        // bytes 0..32 are ASCII and slicing at 33 below is safe.
        for (offset, character) in base_name.char_indices() {
            if offset >= HASH_PART_LEN {
                break;
            }
            if !(character.is_ascii() && nixbase32::is_digit(character as u8)) {
                return Err(StorePathError::InvalidHashCharacter {
                    path: base_name.to_owned(),
                    character,
                });
            }
        }
        if bytes[HASH_PART_LEN] != b'-' {
            return Err(StorePathError::MissingDash(base_name.to_owned()));
        }
        let name = &base_name[HASH_PART_LEN + 1..];
        check_name(base_name, name)?;
        let mut hash_part = [0u8; HASH_PART_LEN];
        hash_part.copy_from_slice(&bytes[..HASH_PART_LEN]);
        Ok(StorePath {
            hash_part,
            name: name.into(),
        })
    }

    /// Builds a store path from a digest and a name, checking the name.
    pub fn from_digest(digest: &[u8; DIGEST_LEN], name: &str) -> Result<StorePath, StorePathError> {
        let text = nixbase32::encode(digest);
        let mut hash_part = [0u8; HASH_PART_LEN];
        hash_part.copy_from_slice(text.as_bytes());
        check_name(&format!("{text}-{name}"), name)?;
        Ok(StorePath {
            hash_part,
            name: name.into(),
        })
    }

    /// The 32-character nixbase32 hash part.
    #[must_use]
    pub fn hash_part(&self) -> &str {
        // Validated as nixbase32, which is ASCII.
        std::str::from_utf8(&self.hash_part).unwrap_or_default()
    }

    /// The 20-byte digest the hash part encodes.
    #[must_use]
    pub fn digest(&self) -> [u8; DIGEST_LEN] {
        let mut digest = [0u8; DIGEST_LEN];
        if let Ok(bytes) = nixbase32::decode_exact(&self.hash_part, DIGEST_LEN) {
            digest.copy_from_slice(&bytes);
        }
        digest
    }

    /// The name after the dash.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is a derivation (`NAME.drv`).
    #[must_use]
    pub fn is_derivation(&self) -> bool {
        self.name.ends_with(".drv")
    }

    /// `HASH-NAME`.
    #[must_use]
    pub fn base_name(&self) -> String {
        self.to_string()
    }
}

/// Prints the base name, `HASH-NAME`.
impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.hash_part(), self.name)
    }
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({self})")
    }
}

impl FromStr for StorePath {
    type Err = StorePathError;

    /// Same as [`StorePath::from_base_name`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorePath::from_base_name(s)
    }
}

impl serde::Serialize for StorePath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for StorePath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        StorePath::from_base_name(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_print_round_trip(
            digest in any::<[u8; DIGEST_LEN]>(),
            name in "[A-Za-z0-9+._?=-]{1,211}",
        ) {
            let path = StorePath::from_digest(&digest, &name).unwrap();
            prop_assert_eq!(path.digest(), digest);
            let reparsed = StorePath::from_base_name(&path.to_string()).unwrap();
            prop_assert_eq!(reparsed, path);
        }

        #[test]
        fn never_panics_on_junk(text in "\\PC{0,80}") {
            let _ = StorePath::from_base_name(&text);
        }
    }

    #[test]
    fn parses_and_prints() {
        let p = StorePath::from_base_name("q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt").unwrap();
        assert_eq!(p.hash_part(), "q790zdjk75hm2cn42nh77pqw4gbv1b88");
        assert_eq!(p.name(), "hello.txt");
        assert_eq!(p.to_string(), "q790zdjk75hm2cn42nh77pqw4gbv1b88-hello.txt");
        assert_eq!(StorePath::from_digest(&p.digest(), p.name()).unwrap(), p);
        // Nix 2.8 accepts names that start with a dot, even `..`.
        assert!(StorePath::from_base_name("hv29bhyiqgqrrvfwnrc9gg9g9cw83k4b-..").is_ok());
    }

    #[test]
    fn errors_match_nix() {
        let e = |s: &str| StorePath::from_base_name(s).unwrap_err().to_string();
        assert_eq!(e("0000"), "'0000' is too short to be a valid store path");
        assert_eq!(
            e("0000000000000000000000000000000e-foo"),
            "store path '0000000000000000000000000000000e-foo' contains illegal base-32 character 'e'"
        );
        assert_eq!(
            e("dm85kbl5cy82j2dzvy1874s14y3salv3-a b"),
            "store path 'dm85kbl5cy82j2dzvy1874s14y3salv3-a b' contains illegal character ' '"
        );
        assert_eq!(
            e("9r1mh2rc3s3i33vpdw86kqqyvy9i1y4w-"),
            "store path '9r1mh2rc3s3i33vpdw86kqqyvy9i1y4w-' has an empty name"
        );
        let long = format!("sk7z62nqxdj2sb8x397my8i4803lhvai-{}", "a".repeat(212));
        assert_eq!(
            e(&long),
            format!("store path '{long}' has a name longer than 211 characters")
        );
        assert!(StorePath::from_base_name(&long[..long.len() - 1]).is_ok());
        assert!(matches!(
            StorePath::from_base_name("00000000000000000000000000000000xfoo"),
            Err(StorePathError::MissingDash(_))
        ));
        assert_eq!(
            e("0000000000000000000000000000000é-foo"),
            "store path '0000000000000000000000000000000é-foo' contains illegal base-32 character 'é'"
        );
    }

    #[test]
    fn orders_like_base_names() {
        let mut paths: Vec<StorePath> = [
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-a",
            "00000000000000000000000000000000-b",
            "00000000000000000000000000000000-a",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        paths.sort();
        let names: Vec<String> = paths.iter().map(ToString::to_string).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
