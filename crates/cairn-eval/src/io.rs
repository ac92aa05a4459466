//! The evaluator's only ways out: file access ([`EvalIo`]) and
//! import-from-derivation ([`BuildHook`]). The evaluator never touches the
//! file system or the store directly; callers choose the implementation
//! (the CLI uses [`StdIo`], the store-aware layer wraps it).

use std::io;

use crate::error::{ErrorKind, EvalError, EvalResult};

/// The type of a directory entry, as `builtins.readDir` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// Anything else.
    Unknown,
}

impl FileType {
    /// The name Nix uses (`regular`, `directory`, `symlink`, `unknown`).
    pub fn nix_name(self) -> &'static str {
        match self {
            FileType::Regular => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

/// File access for `import`, `readFile`, `pathExists`, `readDir`, and the
/// store seam for copying paths (`"${./file}"`).
pub trait EvalIo {
    /// Whether `path` exists (following symlinks).
    fn path_exists(&self, path: &str) -> io::Result<bool>;

    /// The contents of a file.
    fn read_file(&self, path: &str) -> io::Result<Vec<u8>>;

    /// The entries of a directory with their types (not following symlinks).
    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, FileType)>>;

    /// The type of `path` itself (not following a final symlink).
    fn file_type(&self, path: &str) -> io::Result<FileType>;

    /// Copies `path` into the store and returns the store path. The default
    /// refuses: only the store-aware layer can do this.
    fn copy_path_to_store(&self, path: &str) -> EvalResult<String> {
        Err(EvalError::new(ErrorKind::NotImplemented(format!(
            "copying the path '{path}' to the store"
        ))))
    }

    /// The logical store directory.
    fn store_dir(&self) -> &str {
        "/nix/store"
    }

    /// This implementation as [`Any`](std::any::Any), so that builtins
    /// added through [`EvalOptions::extra_builtins`](crate::EvalOptions::extra_builtins)
    /// (plain `fn`s) can reach the state of the layer that added them
    /// through [`Evaluator::io`](crate::Evaluator::io). `None` by default.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// Builds derivations the evaluator needs to read from
/// (import-from-derivation). Given a string context, makes its paths valid.
pub trait BuildHook {
    /// Realises every store path in `context`.
    fn realise_context(&self, context: &[&str]) -> EvalResult<()>;
}

/// [`EvalIo`] on the real file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct StdIo;

impl EvalIo for StdIo {
    fn path_exists(&self, path: &str) -> io::Result<bool> {
        std::fs::exists(path)
    }

    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, FileType)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let ft = entry.file_type()?;
            out.push((
                entry.file_name().to_string_lossy().into_owned(),
                to_file_type(ft),
            ));
        }
        Ok(out)
    }

    fn file_type(&self, path: &str) -> io::Result<FileType> {
        Ok(to_file_type(std::fs::symlink_metadata(path)?.file_type()))
    }
}

fn to_file_type(ft: std::fs::FileType) -> FileType {
    if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_io_reads_a_temp_dir() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "hi").unwrap();
        let io = StdIo;
        let ps = p.to_str().unwrap();
        assert!(io.path_exists(ps).unwrap());
        assert_eq!(io.read_file(ps).unwrap(), b"hi");
        assert_eq!(io.file_type(ps).unwrap(), FileType::Regular);
        let entries = io.read_dir(dir.path().to_str().unwrap()).unwrap();
        assert_eq!(entries, vec![("f".to_string(), FileType::Regular)]);
        assert!(io.copy_path_to_store(ps).is_err());
    }
}
