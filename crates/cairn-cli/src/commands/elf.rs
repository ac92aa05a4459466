//! `cairn elf …`: a debugging window on `cairn-elf`, the relocation the
//! bootstrap and the stdenv fixup do, with patchelf's vocabulary.
//!
//! `print` shows what `patchelf --print-interpreter`, `--print-rpath`,
//! `--print-needed` and `--print-soname` would, plus the file's kind; the
//! other subcommands edit the file in place.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use cairn_elf::{Edits, Elf, FileError, Kind, RpathEdit};

use crate::args::ElfCommand;
use crate::commands::emit;
use crate::error::{CliError, CliResult, ErrorKind};

/// Runs a `cairn elf` subcommand.
pub(crate) fn run(command: ElfCommand, stdout: &mut dyn Write) -> CliResult {
    match command {
        ElfCommand::Print { file } => print(&file, stdout),
        ElfCommand::SetInterpreter { file, interpreter } => edit(&file, |_| Edits {
            interpreter: Some(interpreter.as_os_str().as_bytes().to_vec()),
            rpath: RpathEdit::Keep,
        }),
        ElfCommand::SetRpath { file, rpath } => edit(&file, |_| Edits {
            interpreter: None,
            rpath: RpathEdit::Set(rpath.into_bytes()),
        }),
        ElfCommand::RemoveRpath { file } => edit(&file, |_| Edits {
            interpreter: None,
            rpath: RpathEdit::Remove,
        }),
        ElfCommand::ShrinkRpath { file } => edit(&file, |elf| {
            let exists = |dir: &[u8], name: &[u8]| {
                Path::new(std::ffi::OsStr::from_bytes(dir))
                    .join(std::ffi::OsStr::from_bytes(name))
                    .exists()
            };
            Edits {
                interpreter: None,
                rpath: match cairn_elf::shrink_rpath(elf, exists) {
                    Some(path) => RpathEdit::Set(path),
                    None => RpathEdit::Keep,
                },
            }
        }),
    }
}

fn elf_error(err: &FileError) -> CliError {
    CliError::from_error(ErrorKind::User, err).with_help(
        "only ELF64 little-endian executables and shared libraries can be read or edited",
    )
}

fn print(file: &Path, stdout: &mut dyn Write) -> CliResult {
    let data = cairn_elf::read_file(file).map_err(|err| elf_error(&err))?;
    let elf = Elf::parse(&data).map_err(|source| {
        elf_error(&FileError::Elf {
            path: file.to_owned(),
            source,
        })
    })?;
    let kind = match elf.kind() {
        Kind::Relocatable => "relocatable object",
        Kind::StaticExecutable => "static executable",
        Kind::DynamicExecutable => "dynamic executable",
        Kind::SharedLibrary => "shared library",
        Kind::DynamicLoader => "dynamic loader",
        Kind::Other => "other",
    };
    let mut text = format!("kind: {kind}\n").into_bytes();
    let mut line = |label: &str, value: Option<&[u8]>| {
        if let Some(value) = value {
            text.extend_from_slice(label.as_bytes());
            text.extend_from_slice(b": ");
            text.extend_from_slice(value);
            text.push(b'\n');
        }
    };
    line("interpreter", elf.interpreter());
    line("soname", elf.soname());
    line("rpath", elf.rpath_tag());
    line("runpath", elf.runpath());
    for needed in elf.needed() {
        line("needed", Some(needed));
    }
    emit(stdout, &text)
}

fn edit(file: &Path, edits: impl FnOnce(&Elf<'_>) -> Edits) -> CliResult {
    cairn_elf::patch_file(file, edits).map_err(|err| elf_error(&err))?;
    Ok(())
}
