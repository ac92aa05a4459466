//! Build logs: kept compressed per derivation, read back for
//! `cairn store log`.
//!
//! Layout (as Nix's `/nix/var/log/nix/drvs/`, under cairn's state
//! directory): `ROOT/nix/var/cairn/log/drvs/XX/REST.bz2`, where `XX` is
//! the first two characters of the `.drv`'s base name and `REST` the
//! remainder, compressed with bzip2 like Nix's logs, so a log can be read
//! with `bzcat` too. A log is written once the build ends (successfully or
//! not), atomically; while it runs its lines go to the observer.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::error::BuildError;

/// How many lines of a failed build's log its error shows.
pub const LOG_TAIL_LINES: usize = 25;

/// The directory of build logs: `STATE_DIR/log`.
#[derive(Debug, Clone)]
pub struct LogStore {
    dir: PathBuf,
}

impl LogStore {
    /// Logs under `dir` (`ROOT/nix/var/cairn/log`).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> LogStore {
        LogStore { dir: dir.into() }
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the log of `drv` is kept.
    #[must_use]
    pub fn path_for(&self, drv: &StorePath) -> PathBuf {
        let base = drv.base_name();
        let (prefix, rest) = base.split_at(2);
        self.dir
            .join("drvs")
            .join(prefix)
            .join(format!("{rest}.bz2"))
    }

    /// Stores `log` as the log of `drv`, replacing any earlier one.
    ///
    /// The file is written under a temporary name and renamed, so a reader
    /// never sees half a log; it is not flushed to disk (a log lost in a
    /// crash is not worth an `fsync` per build).
    ///
    /// # Errors
    /// An I/O error creating or writing the file.
    pub fn write(&self, drv: &StorePath, log: &[u8]) -> Result<(), cairn_util::Error> {
        let path = self.path_for(drv);
        let parent = path.parent().unwrap_or(&self.dir);
        cairn_util::fs::create_dir_all(parent)?;
        let compressed = if log.is_empty() {
            // Most builds print nothing; compressing nothing still costs a
            // compressor's worth of zeroed memory, so reuse the result.
            static EMPTY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            EMPTY
                .get_or_init(|| compress(b"").unwrap_or_default())
                .clone()
        } else {
            compress(log).map_err(|source| {
                cairn_util::Error::new(cairn_util::Operation::Write, &path, source)
            })?
        };
        let mut temp = path.clone().into_os_string();
        temp.push(format!(".tmp-{}", std::process::id()));
        let temp = PathBuf::from(temp);
        cairn_util::fs::write(&temp, compressed)?;
        cairn_util::fs::rename(&temp, &path)
    }

    /// The log of `drv`, if one was kept.
    ///
    /// # Errors
    /// An I/O error, or a file that is not bzip2.
    pub fn read(&self, drv: &StorePath) -> Result<Option<Vec<u8>>, cairn_util::Error> {
        let path = self.path_for(drv);
        let compressed = match cairn_util::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut log = Vec::new();
        bzip2::read::BzDecoder::new(&compressed[..])
            .read_to_end(&mut log)
            .map_err(|source| cairn_util::Error::new(cairn_util::Operation::Read, &path, source))?;
        Ok(Some(log))
    }

    /// The log of `path` for `cairn store log`: `path` itself when it is a
    /// derivation, otherwise the log of a derivation known to produce it.
    /// `Ok(None)` when there is none.
    ///
    /// # Errors
    /// A store or I/O error.
    pub fn read_for_path(
        &self,
        store: &dyn Store,
        path: &StorePath,
    ) -> Result<Option<Vec<u8>>, BuildError> {
        let io = |source| BuildError::Io {
            drv: store.store_dir().display(path),
            source,
        };
        if path.is_derivation() {
            return self.read(path).map_err(io);
        }
        let derivers = store
            .query_valid_derivers(path)
            .map_err(|source| BuildError::Store {
                drv: store.store_dir().display(path),
                source: Box::new(source),
            })?;
        let deriver = store
            .query_path_info(path)
            .ok()
            .flatten()
            .and_then(|info| info.info.deriver);
        for drv in deriver.iter().chain(&derivers) {
            if let Some(log) = self.read(drv).map_err(io)? {
                return Ok(Some(log));
            }
        }
        Ok(None)
    }
}

/// `log`, bzip2-compressed at the fast level (logs are text; level 1
/// compresses them nearly as well as 9, with a ninth of the memory).
fn compress(log: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = bzip2::write::BzEncoder::new(
        Vec::with_capacity(log.len() / 4 + 64),
        bzip2::Compression::fast(),
    );
    encoder.write_all(log)?;
    encoder.finish()
}

/// The last [`LOG_TAIL_LINES`] lines of a log.
#[must_use]
pub fn log_tail(log: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(log);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(LOG_TAIL_LINES);
    lines[start..].iter().map(|l| (*l).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_compressed_under_the_nix_layout() {
        let dir = tempfile::tempdir().unwrap();
        let logs = LogStore::new(dir.path());
        let drv =
            StorePath::from_base_name("31ibx7y66lsfgma8xlbd0a3403gsmraj-failing.drv").unwrap();
        assert_eq!(logs.read(&drv).unwrap(), None);
        logs.write(&drv, b"line 1\nline 2\n").unwrap();
        let file = dir
            .path()
            .join("drvs/31/ibx7y66lsfgma8xlbd0a3403gsmraj-failing.drv.bz2");
        assert!(std::fs::read(&file).unwrap().starts_with(b"BZh"));
        assert_eq!(logs.read(&drv).unwrap().unwrap(), b"line 1\nline 2\n");
        logs.write(&drv, b"").unwrap();
        assert_eq!(logs.read(&drv).unwrap().unwrap(), b"");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let log: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let tail = log_tail(log.as_bytes());
        assert_eq!(tail.len(), LOG_TAIL_LINES);
        assert_eq!(tail[0], "line 6");
        assert_eq!(tail[24], "line 30");
    }
}
