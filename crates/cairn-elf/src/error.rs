//! Errors: every variant says where in the file (byte offset) and what.

use std::path::PathBuf;

/// Why a byte string could not be read or rewritten as an ELF file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The first four bytes are not `\x7fELF`.
    #[error("not an ELF file (bad magic at offset 0)")]
    NotElf,
    /// An ELF file of a class, byte order or version this crate does not handle yet.
    #[error("unsupported ELF file: {what}")]
    Unsupported {
        /// What is unsupported, e.g. `32-bit (ELFCLASS32)`.
        what: String,
    },
    /// A structure that should be inside the file is not, or contradicts another.
    #[error("malformed ELF file at offset {offset:#x}: {what}")]
    Malformed {
        /// File offset of the structure at fault.
        offset: u64,
        /// What is wrong with it.
        what: String,
    },
    /// The requested edit needs something the file does not have.
    #[error("cannot edit ELF file: {what}")]
    Unsatisfiable {
        /// What is missing, e.g. `it has no PT_INTERP (statically linked?)`.
        what: String,
    },
}

impl Error {
    pub(crate) fn malformed(offset: u64, what: impl Into<String>) -> Self {
        Error::Malformed {
            offset,
            what: what.into(),
        }
    }
}

/// An [`Error`] or an I/O failure, together with the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading or writing the file failed.
    #[error("failed to {operation} '{}'", path.display())]
    Io {
        /// `read` or `write`.
        operation: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file's contents are not an ELF file this crate can handle.
    #[error("'{}'", path.display())]
    Elf {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Error,
    },
}
