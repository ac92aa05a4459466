//! [`CacheInfo`]: a binary cache's `nix-cache-info` file.

use std::fmt;
use std::str::FromStr;

/// The name of the file at a binary cache's root.
pub const CACHE_INFO_FILE: &str = "nix-cache-info";

/// Why a `nix-cache-info` could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseCacheInfoError {
    /// `Priority` does not start with an integer that fits in 32 bits.
    #[error("line {line}: Priority: '{value}' is not an integer")]
    BadPriority {
        /// The line.
        line: usize,
        /// The (trimmed) value.
        value: String,
    },
    /// Two `StoreDir` lines disagree (Nix compares each with its own store
    /// directory, so it would reject such a cache whatever that is).
    #[error("line {line}: StoreDir '{second}' contradicts the earlier '{first}'")]
    ConflictingStoreDir {
        /// The line of the second value.
        line: usize,
        /// The first value.
        first: String,
        /// The second value.
        second: String,
    },
}

/// The contents of `nix-cache-info`.
///
/// Nix 2.8 reads it line by line: lines without a `:` are skipped, the
/// value is trimmed of spaces, tabs and carriage returns, unknown keys
/// are ignored, `WantMassQuery` is true only when it is exactly `1`, and
/// `Priority` is read like C's `stoi` (leading sign and digits, the rest
/// of the value ignored). `nix copy --to file://…` writes only
/// `StoreDir: /nix/store`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheInfo {
    /// The store directory the cache's paths belong to, as written (a
    /// client compares it with its own and refuses the cache if they
    /// differ).
    pub store_dir: Option<String>,
    /// Whether clients may query many paths at once (`WantMassQuery: 1`).
    pub want_mass_query: Option<bool>,
    /// The cache's priority; lower is preferred (cache.nixos.org uses 40,
    /// Nix's default is 50).
    pub priority: Option<i32>,
}

impl CacheInfo {
    /// The cache info Nix writes for a new cache of `store_dir`.
    #[must_use]
    pub fn for_store_dir(store_dir: &str) -> CacheInfo {
        CacheInfo {
            store_dir: Some(store_dir.to_owned()),
            ..CacheInfo::default()
        }
    }
}

/// Prints `StoreDir`, `WantMassQuery` (`1` or `0`) and `Priority`, each
/// when set, in that order, one per line.
impl fmt::Display for CacheInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(store_dir) = &self.store_dir {
            writeln!(f, "StoreDir: {store_dir}")?;
        }
        if let Some(want) = self.want_mass_query {
            writeln!(f, "WantMassQuery: {}", u8::from(want))?;
        }
        if let Some(priority) = self.priority {
            writeln!(f, "Priority: {priority}")?;
        }
        Ok(())
    }
}

impl FromStr for CacheInfo {
    type Err = ParseCacheInfoError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut info = CacheInfo::default();
        for (index, line) in text.split('\n').enumerate() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim_matches([' ', '\t', '\n', '\r']);
            match name {
                "StoreDir" => match &info.store_dir {
                    Some(first) if first != value => {
                        return Err(ParseCacheInfoError::ConflictingStoreDir {
                            line: index + 1,
                            first: first.clone(),
                            second: value.to_owned(),
                        });
                    }
                    _ => info.store_dir = Some(value.to_owned()),
                },
                "WantMassQuery" => info.want_mass_query = Some(value == "1"),
                "Priority" => {
                    info.priority = Some(parse_stoi(value).ok_or_else(|| {
                        ParseCacheInfoError::BadPriority {
                            line: index + 1,
                            value: value.to_owned(),
                        }
                    })?);
                }
                _ => {}
            }
        }
        Ok(info)
    }
}

/// C++'s `std::stoi`: optional leading whitespace, an optional sign,
/// digits; anything after them is ignored. `None` without digits or when
/// out of range.
fn parse_stoi(value: &str) -> Option<i32> {
    let value = value.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (sign, rest) = match value.as_bytes().first() {
        Some(b'-') => ("-", &value[1..]),
        Some(b'+') => ("", &value[1..]),
        _ => ("", value),
    };
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    format!("{sign}{}", &rest[..digits]).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        // What `nix copy --to file://…` of Nix 2.8 writes.
        let nix = "StoreDir: /nix/store\n";
        let info: CacheInfo = nix.parse().unwrap();
        assert_eq!(info, CacheInfo::for_store_dir("/nix/store"));
        assert_eq!(info.to_string(), nix);
        let full = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n";
        let info: CacheInfo = full.parse().unwrap();
        assert_eq!(info.want_mass_query, Some(true));
        assert_eq!(info.priority, Some(40));
        assert_eq!(info.to_string(), full);
    }

    #[test]
    fn lenient_like_nix() {
        let info: CacheInfo =
            "junk\n\nStoreDir:\t/nix/store \r\nWantMassQuery: yes\nPriority: 7x\nOther: 1"
                .parse()
                .unwrap();
        assert_eq!(info.store_dir.as_deref(), Some("/nix/store"));
        assert_eq!(info.want_mass_query, Some(false));
        assert_eq!(info.priority, Some(7));
        assert_eq!("".parse::<CacheInfo>().unwrap(), CacheInfo::default());
    }

    #[test]
    fn errors() {
        assert_eq!(
            "Priority: high"
                .parse::<CacheInfo>()
                .unwrap_err()
                .to_string(),
            "line 1: Priority: 'high' is not an integer"
        );
        assert!("Priority: 99999999999".parse::<CacheInfo>().is_err());
        assert_eq!(
            "StoreDir: /a\nStoreDir: /b\n"
                .parse::<CacheInfo>()
                .unwrap_err()
                .to_string(),
            "line 2: StoreDir '/b' contradicts the earlier '/a'"
        );
        assert_eq!(parse_stoi("-12"), Some(-12));
        assert_eq!(parse_stoi("+"), None);
    }
}
