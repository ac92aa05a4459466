//! Generations: the `P-N-link` symlinks beside a profile `P`.
//!
//! A generation is nothing but a symlink named `NAME-N-link` in the
//! profile's directory whose target is an absolute, logical store path
//! (`/nix/store/HASH-NAME`, even for a chroot store). Its creation time is
//! the symlink's own modification time (`lstat`), as Nix 2.8 takes it: the
//! link is written once and never modified, and a rename keeps the time.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cairn_store_path::{StoreDir, StorePath};
use cairn_util::fs;

use crate::error::ProfileError;

/// One generation of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// The generation number, counted from 1.
    pub number: u64,
    /// The generation link, `DIR/NAME-N-link`.
    pub link: PathBuf,
    /// The store path it points to.
    pub target: StorePath,
    /// When the generation was created (the link's modification time).
    pub created: SystemTime,
}

impl Generation {
    /// The creation time in whole seconds since the epoch (Nix compares
    /// these `time_t` values when deleting by age).
    #[must_use]
    pub fn created_seconds(&self) -> i64 {
        seconds_since_epoch(self.created)
    }
}

/// `NAME-N-link`, the file name of generation `number` of profile `name`.
#[must_use]
pub fn link_name(name: &str, number: u64) -> String {
    format!("{name}-{number}-link")
}

/// The generation number in a file name `NAME-N-link`, if it is one. Like
/// Nix, only a plain decimal number counts, so `p-2-3-link` is not a
/// generation of `p` (it is generation 3 of `p-2`).
#[must_use]
pub fn parse_link_name(name: &str, file_name: &str) -> Option<u64> {
    let number = file_name
        .strip_prefix(name)?
        .strip_prefix('-')?
        .strip_suffix("-link")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

/// Every generation of profile `name` in `dir`, oldest first.
pub(crate) fn list(
    dir: &Path,
    name: &str,
    store_dir: &StoreDir,
) -> Result<Vec<Generation>, ProfileError> {
    let mut generations = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry.map_err(|source| {
            cairn_util::Error::new(cairn_util::Operation::ReadDir, dir, source)
        })?;
        let file_name = entry.file_name();
        let Some(number) = file_name.to_str().and_then(|f| parse_link_name(name, f)) else {
            continue;
        };
        let link = entry.path();
        match read(&link, number, store_dir) {
            Ok(generation) => generations.push(generation),
            // Deleted between listing and reading (a concurrent deletion).
            Err(ProfileError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    generations.sort_by_key(|g| g.number);
    Ok(generations)
}

/// Reads the generation link `link` with number `number`.
pub(crate) fn read(
    link: &Path,
    number: u64,
    store_dir: &StoreDir,
) -> Result<Generation, ProfileError> {
    let metadata = fs::symlink_metadata(link)?;
    let target = fs::read_link(link)?;
    let text = target.to_string_lossy();
    let target = store_dir
        .parse_path(&text)
        .map_err(|source| ProfileError::BadLink {
            link: link.to_owned(),
            target: text.clone().into_owned(),
            source,
        })?;
    let created = metadata
        .modified()
        .map_err(|source| cairn_util::Error::new(cairn_util::Operation::Stat, link, source))?;
    Ok(Generation {
        number,
        link: link.to_owned(),
        target,
        created,
    })
}

/// Whole seconds since the epoch, negative before it.
pub(crate) fn seconds_since_epoch(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before: Duration = before.duration();
            // Round towards minus infinity, like time_t.
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            if before.subsec_nanos() > 0 {
                -whole - 1
            } else {
                -whole
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_names_round_trip() {
        assert_eq!(link_name("profile", 7), "profile-7-link");
        assert_eq!(parse_link_name("profile", "profile-7-link"), Some(7));
        assert_eq!(parse_link_name("p", "p-2-3-link"), None);
        assert_eq!(parse_link_name("p-2", "p-2-3-link"), Some(3));
        assert_eq!(parse_link_name("p", "p--link"), None);
        assert_eq!(parse_link_name("p", "p-+1-link"), None);
        assert_eq!(parse_link_name("p", "p-1-link.tmp"), None);
        assert_eq!(parse_link_name("p", "q-1-link"), None);
        assert_eq!(parse_link_name("p", "p-99999999999999999999999-link"), None);
    }

    #[test]
    fn seconds_round_down() {
        assert_eq!(
            seconds_since_epoch(UNIX_EPOCH + Duration::from_millis(1500)),
            1
        );
        assert_eq!(
            seconds_since_epoch(UNIX_EPOCH - Duration::from_millis(1500)),
            -2
        );
        assert_eq!(seconds_since_epoch(UNIX_EPOCH - Duration::from_secs(2)), -2);
    }
}
