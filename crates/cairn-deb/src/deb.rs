//! Reading a `.deb`: the `ar` members in dpkg's order, their compression,
//! the `control` file, and the streamed extraction of `data.tar`.
//!
//! dpkg's binary format 2.0 is an `ar` archive whose first member is
//! `debian-binary` (`2.0\n`; dpkg accepts any `2.x`), then
//! `control.tar[.gz|.xz|.zst]`, then `data.tar[.gz|.xz|.zst|.bz2]`.
//! Members whose names start with `_` (signatures and the like) may sit
//! between them and are skipped. Members after `data.tar` are not read.
//! The data tarball is decompressed and extracted as it streams past;
//! nothing but the small control tarball is held in memory.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::ar::{ArError, ArReader};
use crate::control::{self, ControlError};
use crate::unpack::{Tree, UnpackError, UnpackStats, unpack_tar};

/// The largest `control.tar` member accepted (decompressed `control` file).
const CONTROL_LIMIT: u64 = 4 * 1024 * 1024;

/// A `.deb` that could not be read or extracted: which file, which member,
/// and why.
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(file, member.as_deref()))]
pub struct DebError {
    /// The `.deb` (as named by the caller).
    pub file: PathBuf,
    /// The `ar` member being read, if the error is inside one.
    pub member: Option<String>,
    /// What went wrong.
    #[source]
    pub kind: DebErrorKind,
}

fn describe(file: &Path, member: Option<&str>) -> String {
    match member {
        Some(member) => format!("failed to read member '{member}' of '{}'", file.display()),
        None => format!("failed to read '{}'", file.display()),
    }
}

/// The reasons behind a [`DebError`].
#[derive(Debug, thiserror::Error)]
pub enum DebErrorKind {
    /// The `ar` container is malformed.
    #[error(transparent)]
    Ar(#[from] ArError),
    /// The members are not those of a `.deb`, or not in dpkg's order.
    #[error("not a Debian binary package: {0}")]
    NotADeb(String),
    /// `debian-binary` says a format other than 2.x.
    #[error("unsupported package format version '{0}' (cairn reads 2.x)")]
    UnsupportedFormat(String),
    /// A `control.tar.*`/`data.tar.*` member with an unknown compression.
    #[error("unknown compression suffix (expected none, .gz, .xz, .zst or .bz2)")]
    UnknownCompression,
    /// Decompression or tar reading failed.
    #[error("failed to decompress or read the tarball")]
    Io(#[source] io::Error),
    /// `control.tar` has no `./control` file.
    #[error("control tarball has no 'control' file")]
    NoControlFile,
    /// The `control` file is too large or not UTF-8.
    #[error("'control' file is {0}")]
    BadControlFile(&'static str),
    /// The `control` file's syntax.
    #[error("malformed 'control' file")]
    Control(#[source] ControlError),
    /// Extraction refused or failed.
    #[error(transparent)]
    Unpack(#[from] UnpackError),
}

/// How a tarball member is compressed, from its name's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `.tar`
    None,
    /// `.tar.gz`
    Gzip,
    /// `.tar.xz`
    Xz,
    /// `.tar.zst`
    Zstd,
    /// `.tar.bz2` (data members only, as dpkg)
    Bzip2,
}

impl Compression {
    /// The compression of member `name` that starts with `stem` (`control.tar`
    /// or `data.tar`); `None` if the suffix is unknown.
    #[must_use]
    pub fn from_member(name: &str, stem: &str) -> Option<Compression> {
        match name.strip_prefix(stem)? {
            "" => Some(Compression::None),
            ".gz" => Some(Compression::Gzip),
            ".xz" => Some(Compression::Xz),
            ".zst" => Some(Compression::Zstd),
            ".bz2" if stem == "data.tar" => Some(Compression::Bzip2),
            _ => None,
        }
    }

    /// Wraps `reader` in the matching decompressor.
    ///
    /// # Errors
    ///
    /// A zstd frame header that cannot be read.
    pub fn decoder<'a>(
        self,
        reader: impl Read + Send + 'a,
    ) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Compression::None => Box::new(reader),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(reader)),
            Compression::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(reader)),
            Compression::Zstd => Box::new(
                ruzstd::decoding::StreamingDecoder::new(reader)
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?,
            ),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(reader)),
        })
    }
}

/// A package's `control` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFile {
    text: String,
}

impl ControlFile {
    /// Parses `text` (one deb822 paragraph).
    ///
    /// # Errors
    ///
    /// A syntax error.
    pub fn parse(text: String) -> Result<ControlFile, ControlError> {
        control::parse_single(&text)?;
        Ok(ControlFile { text })
    }

    /// The raw text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value of field `name` (case-insensitive), continuation lines
    /// kept.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        // Parsed once in `parse`, so this cannot fail.
        control::parse_single(&self.text)
            .ok()
            .and_then(|paragraph| paragraph.get(name))
    }

    /// `Package`.
    #[must_use]
    pub fn package(&self) -> Option<&str> {
        self.field("Package")
    }

    /// `Version`.
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.field("Version")
    }

    /// `Architecture`.
    #[must_use]
    pub fn architecture(&self) -> Option<&str> {
        self.field("Architecture")
    }
}

/// The result of [`unpack`].
#[derive(Debug, Clone)]
pub struct Unpacked {
    /// The package's `control` file.
    pub control: ControlFile,
    /// What was extracted.
    pub stats: UnpackStats,
}

/// Reads only the `control` file of the `.deb` in `reader` (`file` names it
/// in errors).
///
/// # Errors
///
/// See [`DebErrorKind`].
pub fn read_control(reader: impl Read + Send, file: &Path) -> Result<ControlFile, DebError> {
    let mut deb = DebStream::open(reader, file)?;
    deb.control()
}

/// Extracts the `.deb` in `reader` into `target` (see [`crate::unpack`] for
/// the safety rules) and returns its control file; `file` names it in
/// errors.
///
/// # Errors
///
/// See [`DebErrorKind`].
pub fn unpack(reader: impl Read + Send, file: &Path, target: &Path) -> Result<Unpacked, DebError> {
    let mut deb = DebStream::open(reader, file)?;
    let control = deb.control()?;
    let stats = deb.data(|data| unpack_tar(data, target).map_err(DebErrorKind::from))?;
    Ok(Unpacked { control, stats })
}

/// Extracts the `.deb` in `reader` into `tree`, next to what earlier
/// archives put there (see [`Tree::unpack_tar`]; `keep` filters entries),
/// and returns its control file; `file` names it in errors and in later
/// conflicts.
///
/// # Errors
///
/// See [`DebErrorKind`]; a path an earlier archive provided is
/// [`UnpackError::Conflict`].
pub fn unpack_into(
    reader: impl Read + Send,
    file: &Path,
    tree: &mut Tree,
    keep: &mut dyn FnMut(&Path) -> bool,
) -> Result<Unpacked, DebError> {
    let mut deb = DebStream::open(reader, file)?;
    let control = deb.control()?;
    let stats = deb.data(|data| {
        tree.unpack_tar(data, file, keep)
            .map_err(DebErrorKind::from)
    })?;
    Ok(Unpacked { control, stats })
}

/// Calls `each` with every `ar` member name and size of the `.deb` in
/// `reader`, checking only the container (for listings and fuzzing).
///
/// # Errors
///
/// A malformed `ar` archive.
pub fn members(reader: impl Read, file: &Path) -> Result<Vec<(String, u64)>, DebError> {
    let mut ar = ArReader::new(reader).map_err(|err| error(file, None, err.into()))?;
    let mut out = Vec::new();
    while let Some(header) = ar
        .next_member()
        .map_err(|err| error(file, None, err.into()))?
    {
        out.push((header.name, header.size));
    }
    Ok(out)
}

fn error(file: &Path, member: Option<&str>, kind: DebErrorKind) -> DebError {
    DebError {
        file: file.to_owned(),
        member: member.map(str::to_owned),
        kind,
    }
}

/// A `.deb` being read front to back.
struct DebStream<'p, R> {
    ar: ArReader<R>,
    file: &'p Path,
}

impl<'p, R: Read + Send> DebStream<'p, R> {
    fn open(reader: R, file: &'p Path) -> Result<DebStream<'p, R>, DebError> {
        let mut ar = ArReader::new(reader).map_err(|err| error(file, None, err.into()))?;
        let header = ar
            .next_member()
            .map_err(|err| error(file, None, err.into()))?
            .ok_or_else(|| error(file, None, DebErrorKind::NotADeb("empty archive".into())))?;
        if header.name != "debian-binary" {
            return Err(error(
                file,
                Some(&header.name),
                DebErrorKind::NotADeb(format!(
                    "first member is '{}', expected 'debian-binary'",
                    header.name
                )),
            ));
        }
        let mut version = Vec::new();
        (&mut ar)
            .take(64)
            .read_to_end(&mut version)
            .map_err(|err| error(file, Some("debian-binary"), DebErrorKind::Io(err)))?;
        let version = String::from_utf8_lossy(&version);
        let first_line = version.lines().next().unwrap_or("").trim();
        if first_line.split('.').next() != Some("2") {
            return Err(error(
                file,
                Some("debian-binary"),
                DebErrorKind::UnsupportedFormat(first_line.to_owned()),
            ));
        }
        Ok(DebStream { ar, file })
    }

    /// Advances to the member named `stem[.suffix]`, skipping `_` members.
    fn member(&mut self, stem: &str) -> Result<(String, Compression), DebError> {
        loop {
            let header = self
                .ar
                .next_member()
                .map_err(|err| error(self.file, None, err.into()))?
                .ok_or_else(|| {
                    error(
                        self.file,
                        None,
                        DebErrorKind::NotADeb(format!("no '{stem}' member")),
                    )
                })?;
            if header.name.starts_with('_') {
                continue;
            }
            if !header.name.starts_with(stem) {
                return Err(error(
                    self.file,
                    Some(&header.name),
                    DebErrorKind::NotADeb(format!(
                        "member '{}' where '{stem}' was expected",
                        header.name
                    )),
                ));
            }
            let compression = Compression::from_member(&header.name, stem).ok_or_else(|| {
                error(
                    self.file,
                    Some(&header.name),
                    DebErrorKind::UnknownCompression,
                )
            })?;
            return Ok((header.name, compression));
        }
    }

    fn control(&mut self) -> Result<ControlFile, DebError> {
        let (name, compression) = self.member("control.tar")?;
        let fail = |kind| error(self.file, Some(&name), kind);
        let decoder = compression
            .decoder(&mut self.ar)
            .map_err(|err| fail(DebErrorKind::Io(err)))?;
        let mut archive = tar::Archive::new(decoder);
        let entries = archive
            .entries()
            .map_err(|err| fail(DebErrorKind::Io(err)))?;
        for entry in entries {
            let mut entry = entry.map_err(|err| fail(DebErrorKind::Io(err)))?;
            let path = entry.path_bytes();
            let path = path.strip_prefix(b"./").unwrap_or(&path);
            if path != b"control" || !entry.header().entry_type().is_file() {
                continue;
            }
            if entry.size() > CONTROL_LIMIT {
                return Err(fail(DebErrorKind::BadControlFile("larger than 4 MiB")));
            }
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|err| fail(DebErrorKind::Io(err)))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| fail(DebErrorKind::BadControlFile("not UTF-8")))?;
            return ControlFile::parse(text).map_err(|err| fail(DebErrorKind::Control(err)));
        }
        Err(fail(DebErrorKind::NoControlFile))
    }

    /// Streams the data member through `consume`. Decompression runs on a
    /// second thread, a few 1 MiB chunks ahead of the extraction (as
    /// `dpkg-deb` runs its decompressor as a separate process): xz
    /// decoding and writing files then overlap instead of taking turns.
    fn data<T>(
        &mut self,
        consume: impl FnOnce(&mut dyn Read) -> Result<T, DebErrorKind>,
    ) -> Result<T, DebError> {
        let (name, compression) = self.member("data.tar")?;
        let fail = |kind| error(self.file, Some(&name), kind);
        let ar = &mut self.ar;
        std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::sync_channel::<io::Result<Vec<u8>>>(CHUNKS_AHEAD);
            scope.spawn(move || {
                let mut decoder = match compression.decoder(ar) {
                    Ok(decoder) => decoder,
                    Err(err) => {
                        let _ = sender.send(Err(err));
                        return;
                    }
                };
                loop {
                    let chunk = read_chunk(&mut decoder);
                    let last = !matches!(&chunk, Ok(bytes) if !bytes.is_empty());
                    // A closed channel means the consumer is done (or
                    // failed): stop decoding.
                    if sender.send(chunk).is_err() || last {
                        return;
                    }
                }
            });
            let mut reader = ChannelReader {
                receiver,
                chunk: Vec::new(),
                position: 0,
                done: false,
            };
            consume(&mut reader).map_err(fail)
        })
    }
}

/// How many decompressed chunks may wait for the extraction.
const CHUNKS_AHEAD: usize = 4;
/// The size of one decompressed chunk.
const CHUNK_SIZE: usize = 1 << 20;

/// Reads up to [`CHUNK_SIZE`] bytes; empty at the end of the stream.
fn read_chunk(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut chunk = vec![0; CHUNK_SIZE];
    let mut filled = 0;
    while filled < chunk.len() {
        match reader.read(&mut chunk[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    chunk.truncate(filled);
    Ok(chunk)
}

/// The consuming end of the decompression thread.
struct ChannelReader {
    receiver: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    position: usize,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.position == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.receiver.recv() {
                Ok(Ok(chunk)) => {
                    self.done = chunk.is_empty();
                    self.chunk = chunk;
                    self.position = 0;
                }
                Ok(Err(err)) => {
                    self.done = true;
                    return Err(err);
                }
                // The thread ended without an empty chunk: it cannot, but
                // treat it as the end.
                Err(mpsc::RecvError) => self.done = true,
            }
        }
        let n = buf.len().min(self.chunk.len() - self.position);
        buf[..n].copy_from_slice(&self.chunk[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}
