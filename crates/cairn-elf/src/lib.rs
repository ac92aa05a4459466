//! Reading and relocating ELF files, the job patchelf does for Nix.
//!
//! Binaries built elsewhere (Debian's, for the bootstrap) name their loader
//! as `/lib64/ld-linux-x86-64.so.2` and find libraries in `/lib/…`. To run
//! from a store path they must name the store's loader (`PT_INTERP`) and
//! search the store's library directories (`DT_RUNPATH`). The stdenv fixup
//! then trims each RUNPATH to the directories that are actually used, so
//! that a build does not keep its whole toolchain alive as a reference.
//!
//! # Brief overview
//!
//! * [`Elf::parse`] reads an ELF64 little-endian file (x86-64, aarch64, …):
//!   header, program and section headers, the dynamic section and its
//!   strings. Every offset is checked; a bad file is an [`Error::Malformed`]
//!   naming the offset and what is wrong, never a panic.
//! * [`Elf::kind`] classifies it ([`Kind`]): object file, static or dynamic
//!   executable, shared library, or the dynamic loader itself, which is what
//!   a relocation pass needs to decide what to skip.
//! * [`Elf::interpreter`], [`Elf::rpath`], [`Elf::needed`] print what
//!   `patchelf --print-interpreter/--print-rpath/--print-needed` print.
//! * [`rewrite`] applies [`Edits`] (set interpreter; set RUNPATH, remove the
//!   search path) and returns the new bytes; [`shrink_rpath`] computes the
//!   trimmed search path. When a new string does not fit in place, the file
//!   grows by one loadable segment; the `rewrite` module docs describe the
//!   layout and why it satisfies the kernel and ld.so.
//! * [`patch_file`] and [`read_file`] do the same on a path, with errors
//!   that name it.
//!
//! The crate is pure: apart from the two file helpers it works on byte
//! slices, and it never runs patchelf or readelf.
//!
//! # Not yet
//!
//! ELF32 and big-endian files are refused with [`Error::Unsupported`]; the
//! field reads are centralised in `parse::Bytes` and the record readers so
//! that they can be added without changing callers.

mod error;
mod parse;
mod rewrite;

use std::path::Path;

pub use error::{Error, FileError};
pub use parse::{
    Class, DynEntry, Dynamic, Elf, Header, Kind, ProgramHeader, SectionHeader, is_elf,
};
pub use rewrite::{Edits, RpathEdit, rewrite, shrink_rpath};

/// Reads `path` whole, for [`Elf::parse`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, FileError> {
    std::fs::read(path).map_err(|source| FileError::Io {
        operation: "read",
        path: path.to_owned(),
        source,
    })
}

/// Rewrites the ELF file at `path` with the edits `edits(&elf)` returns,
/// in place (same inode, so hard links to it see the change too; copy
/// first when that matters). Returns whether the file changed.
pub fn patch_file(path: &Path, edits: impl FnOnce(&Elf<'_>) -> Edits) -> Result<bool, FileError> {
    let data = read_file(path)?;
    let elf_error = |source| FileError::Elf {
        path: path.to_owned(),
        source,
    };
    let elf = Elf::parse(&data).map_err(elf_error)?;
    let edits = edits(&elf);
    let new = rewrite(&data, &edits).map_err(elf_error)?;
    if new == data {
        return Ok(false);
    }
    std::fs::write(path, &new).map_err(|source| FileError::Io {
        operation: "write",
        path: path.to_owned(),
        source,
    })?;
    Ok(true)
}
