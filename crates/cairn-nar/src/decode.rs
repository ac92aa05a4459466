//! The streaming, validating NAR [`Parser`].

use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use crate::name::{NameError, check_name};
use crate::wire::{self, MAGIC};
use crate::{MAX_DEPTH, MAX_NAME_LEN, MAX_TARGET_LEN};

/// Longest keyword of the format (`executable`, `directory`), rounded up.
const MAX_TOKEN_LEN: usize = 16;

/// An error while reading (or restoring) a NAR: what went wrong, the byte
/// offset in the archive where the offending field starts, and the path of
/// the entry inside the archive (`/` for the root, `/a/b` below it).
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(kind, *offset, path))]
pub struct ReadError {
    kind: ReadErrorKind,
    offset: u64,
    path: Vec<u8>,
    #[source]
    source: Option<io::Error>,
}

fn display_path(path: &[u8]) -> String {
    if path.is_empty() {
        "/".to_owned()
    } else {
        String::from_utf8_lossy(path).into_owned()
    }
}

/// The message: the kind, then where. Input that is not a NAR at all has
/// no "where" worth saying.
fn describe(kind: &ReadErrorKind, offset: u64, path: &[u8]) -> String {
    if matches!(kind, ReadErrorKind::BadMagic) {
        kind.to_string()
    } else {
        format!(
            "{kind} (at byte offset {offset}, in entry `{}`)",
            display_path(path)
        )
    }
}

impl ReadError {
    /// The same error with another kind.
    fn with_kind(mut self, kind: ReadErrorKind) -> ReadError {
        self.kind = kind;
        self
    }

    fn new(kind: ReadErrorKind, offset: u64, path: &[u8]) -> ReadError {
        ReadError {
            kind,
            offset,
            path: path.to_vec(),
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: io::Error) -> ReadError {
        self.source = Some(source);
        self
    }

    /// Turns an [`ReadErrorKind::Output`] error into a
    /// [`ReadErrorKind::Restore`] one about `target`, keeping the source.
    pub(crate) fn into_restore(mut self, target: PathBuf) -> ReadError {
        self.kind = ReadErrorKind::Restore { target };
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ReadErrorKind {
        &self.kind
    }

    /// Byte offset in the archive of the field the error is about.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Path of the entry inside the archive, as raw bytes: empty for the
    /// root, `/a/b` below it.
    pub fn path(&self) -> &[u8] {
        &self.path
    }
}

/// The kinds of [`ReadError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// Reading the input failed (the `io::Error` is the source).
    Io,
    /// The input ended in the middle of the archive.
    Truncated,
    /// The input does not start with `nix-archive-1`.
    BadMagic,
    /// A keyword other than the one the format requires here.
    UnexpectedToken {
        /// What the format requires.
        expected: &'static str,
        /// What was found, lossily decoded (or a description when long).
        found: String,
    },
    /// A string is longer than its field allows.
    StringTooLong {
        /// The claimed length.
        length: u64,
        /// The largest allowed length.
        max: u64,
    },
    /// Padding after a string or file contents is not all zero bytes.
    NonZeroPadding,
    /// An entry name is not allowed.
    InvalidName {
        /// The name, lossily decoded.
        name: String,
        /// Why it is rejected.
        reason: NameError,
    },
    /// Two entries of one directory have the same name.
    DuplicateEntry {
        /// The name, lossily decoded.
        name: String,
    },
    /// Entries are not in strictly increasing byte order of their names.
    UnsortedEntry {
        /// The name, lossily decoded.
        name: String,
        /// The entry before it, lossily decoded.
        previous: String,
    },
    /// A symlink target is empty or contains NUL.
    InvalidTarget,
    /// Directories nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The file contents' claimed size overflows the archive's offsets.
    SizeOverflow,
    /// Bytes follow the root node.
    TrailingData,
    /// Writing a file's contents to the caller failed (the `io::Error` is
    /// the source).
    Output,
    /// Creating or writing a file while restoring failed (the `io::Error`
    /// is the source).
    Restore {
        /// The path on disk.
        target: PathBuf,
    },
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadErrorKind::Io => write!(f, "cannot read the NAR"),
            ReadErrorKind::Truncated => write!(f, "NAR is truncated"),
            ReadErrorKind::BadMagic => write!(
                f,
                "input is not a NAR: it does not start with the `nix-archive-1` header"
            ),
            ReadErrorKind::UnexpectedToken { expected, found } => {
                write!(f, "expected `{expected}` in NAR, found `{found}`")
            }
            ReadErrorKind::StringTooLong { length, max } => {
                write!(
                    f,
                    "NAR string of {length} bytes is longer than the {max} allowed"
                )
            }
            ReadErrorKind::NonZeroPadding => write!(f, "NAR padding is not zero"),
            ReadErrorKind::InvalidName { name, reason } => {
                write!(f, "invalid entry name `{name}` in NAR: {reason}")
            }
            ReadErrorKind::DuplicateEntry { name } => {
                write!(f, "duplicate entry `{name}` in NAR directory")
            }
            ReadErrorKind::UnsortedEntry { name, previous } => write!(
                f,
                "NAR directory is not sorted: `{name}` comes after `{previous}`"
            ),
            ReadErrorKind::InvalidTarget => {
                write!(f, "NAR symlink target is empty or contains NUL")
            }
            ReadErrorKind::TooDeep => {
                write!(f, "NAR directories nest deeper than {MAX_DEPTH} levels")
            }
            ReadErrorKind::SizeOverflow => write!(f, "NAR file size is impossibly large"),
            ReadErrorKind::TrailingData => write!(f, "data after the end of the NAR"),
            ReadErrorKind::Output => write!(f, "cannot write file contents"),
            ReadErrorKind::Restore { target } => {
                write!(f, "cannot restore to `{}`", target.display())
            }
        }
    }
}

/// The kind of node an [`Event::Node`] announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind<'a> {
    /// A regular file. Its contents can be read with
    /// [`Parser::read_contents`] before the next call to
    /// [`Parser::next_event`], which otherwise skips them.
    Regular {
        /// Whether the file is executable.
        executable: bool,
        /// Size of the contents in bytes.
        size: u64,
        /// Byte offset of the contents in the archive.
        offset: u64,
    },
    /// A symlink.
    Symlink {
        /// The raw target.
        target: &'a [u8],
    },
    /// The start of a directory; its entries follow as further events, and
    /// [`Event::EndDirectory`] closes it.
    Directory,
}

/// One step of a NAR, as returned by [`Parser::next_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A node (the root, or an entry of the current directory).
    Node {
        /// The node's path inside the archive: empty for the root,
        /// `/a/b` below it (raw bytes, `/`-separated).
        path: &'a [u8],
        /// The node's name: empty for the root.
        name: &'a [u8],
        /// How deep the node is (0 for the root).
        depth: usize,
        /// What the node is.
        kind: NodeKind<'a>,
    },
    /// The end of the directory at `path`.
    EndDirectory {
        /// The directory's path (see [`Event::Node`]).
        path: &'a [u8],
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Magic,
    /// Inside a directory, before `entry` or `)`.
    Directory,
    /// After a regular file's size: contents, padding and `)` remain.
    Contents {
        remaining: u64,
        size: u64,
    },
    /// A node is complete.
    AfterNode,
    Done,
}

struct OpenDirectory {
    /// Length of `Parser::path` of this directory.
    path_len: usize,
    /// The last entry's name (empty before the first entry).
    last_name: Vec<u8>,
}

/// A streaming NAR parser over any [`Read`]: it validates as it goes and
/// never allocates according to a claimed length.
///
/// Pull [`Event`]s with [`next_event`](Self::next_event) until it returns
/// `None`; after a regular file's event, its contents may be read with
/// [`read_contents`](Self::read_contents). The parser accepts exactly the
/// canonical archives Nix writes, so parsing and re-encoding any accepted
/// archive gives the same bytes.
///
/// ```
/// use cairn_nar::{Encoder, Event, NodeKind, Parser};
///
/// let mut encoder = Encoder::new(Vec::new());
/// encoder.regular(true, 2, &b"hi"[..])?;
/// let (nar, _) = encoder.finish()?;
///
/// let mut parser = Parser::new(&nar[..]);
/// match parser.next_event()? {
///     Some(Event::Node { kind: NodeKind::Regular { executable, size, .. }, .. }) => {
///         assert!(executable);
///         assert_eq!(size, 2);
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// let mut contents = Vec::new();
/// parser.read_contents(|chunk| { contents.extend_from_slice(chunk); Ok(()) })?;
/// assert_eq!(contents, b"hi");
/// assert!(parser.next_event()?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Parser<R> {
    input: R,
    buffer: Box<[u8]>,
    /// Start of unread data in `buffer`.
    start: usize,
    /// End of valid data in `buffer`.
    end: usize,
    /// Archive offset of `buffer[start]`.
    offset: u64,
    state: State,
    dirs: Vec<OpenDirectory>,
    path: Vec<u8>,
    token: Vec<u8>,
    target: Vec<u8>,
}

impl<R> fmt::Debug for Parser<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("offset", &self.offset)
            .field("state", &self.state)
            .field("path", &String::from_utf8_lossy(&self.path))
            .finish_non_exhaustive()
    }
}

impl<R: Read> Parser<R> {
    /// Starts parsing `input`. Reads are buffered internally.
    pub fn new(input: R) -> Parser<R> {
        Parser {
            input,
            buffer: vec![0u8; 64 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            offset: 0,
            state: State::Magic,
            dirs: Vec::new(),
            path: Vec::new(),
            token: Vec::with_capacity(MAX_TARGET_LEN),
            target: Vec::with_capacity(MAX_TARGET_LEN),
        }
    }

    /// Archive offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// An error about the current entry at the current offset.
    pub(crate) fn error_here(&self, kind: ReadErrorKind) -> ReadError {
        self.error(kind, self.offset)
    }

    fn error(&self, kind: ReadErrorKind, offset: u64) -> ReadError {
        ReadError::new(kind, offset, &self.path)
    }

    /// Makes at least one unread byte available; `false` at end of input.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.start < self.end {
            return Ok(true);
        }
        loop {
            match self.input.read(&mut self.buffer) {
                Ok(n) => {
                    self.start = 0;
                    self.end = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(ReadErrorKind::Io, self.offset).with_source(e)),
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.offset += n as u64;
    }

    /// Reads exactly `out.len()` bytes.
    fn read_exact(&mut self, out: &mut [u8], field_offset: u64) -> Result<(), ReadError> {
        let mut done = 0;
        while done < out.len() {
            if !self.fill()? {
                return Err(self.error(ReadErrorKind::Truncated, field_offset));
            }
            let n = (self.end - self.start).min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.buffer[self.start..self.start + n]);
            self.consume(n);
            done += n;
        }
        Ok(())
    }

    fn read_u64(&mut self) -> Result<u64, ReadError> {
        let mut bytes = [0u8; 8];
        let at = self.offset;
        self.read_exact(&mut bytes, at)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn read_padding(&mut self, len: u64) -> Result<(), ReadError> {
        let pad = wire::padding(len);
        if pad > 0 {
            let mut bytes = [0u8; 8];
            let at = self.offset;
            self.read_exact(&mut bytes[..pad], at)?;
            if bytes[..pad].iter().any(|&b| b != 0) {
                return Err(self.error(ReadErrorKind::NonZeroPadding, at));
            }
        }
        Ok(())
    }

    /// Reads a string of at most `max` bytes into `self.token`; returns the
    /// offset where the string (its length field) starts.
    fn read_string(&mut self, max: usize) -> Result<u64, ReadError> {
        let at = self.offset;
        let len = self.read_u64()?;
        if len > max as u64 {
            return Err(self.error(
                ReadErrorKind::StringTooLong {
                    length: len,
                    max: max as u64,
                },
                at,
            ));
        }
        let mut token = std::mem::take(&mut self.token);
        token.clear();
        token.resize(len as usize, 0);
        let result = self.read_exact(&mut token, at);
        self.token = token;
        result?;
        self.read_padding(len)?;
        Ok(at)
    }

    /// Reads a keyword and checks it is `expected`.
    fn expect(&mut self, expected: &'static str) -> Result<(), ReadError> {
        let at = self.read_token(expected)?;
        if self.token != expected.as_bytes() {
            return Err(self.unexpected(expected, at));
        }
        Ok(())
    }

    /// Reads a keyword-sized string; a longer one is reported as
    /// unexpected rather than as too long.
    fn read_token(&mut self, expected: &'static str) -> Result<u64, ReadError> {
        let at = self.offset;
        let len = self.read_u64()?;
        if len > MAX_TOKEN_LEN as u64 {
            return Err(self.error(
                ReadErrorKind::UnexpectedToken {
                    expected,
                    found: format!("<string of {len} bytes>"),
                },
                at,
            ));
        }
        let mut token = std::mem::take(&mut self.token);
        token.clear();
        token.resize(len as usize, 0);
        let result = self.read_exact(&mut token, at);
        self.token = token;
        result?;
        self.read_padding(len)?;
        Ok(at)
    }

    fn unexpected(&self, expected: &'static str, at: u64) -> ReadError {
        self.error(
            ReadErrorKind::UnexpectedToken {
                expected,
                found: String::from_utf8_lossy(&self.token).into_owned(),
            },
            at,
        )
    }

    /// Returns the next event, or `None` once the root node is complete and
    /// the input has been checked to end there.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, ReadError> {
        loop {
            match self.state {
                State::Magic => {
                    let at = self.offset;
                    // Input that ends inside the magic is not a truncated
                    // NAR but something else (or nothing): say so.
                    let not_a_nar = |e: ReadError| {
                        if matches!(e.kind(), ReadErrorKind::Truncated) {
                            e.with_kind(ReadErrorKind::BadMagic)
                        } else {
                            e
                        }
                    };
                    let len = self.read_u64().map_err(not_a_nar)?;
                    if len != MAGIC.len() as u64 {
                        return Err(self.error(ReadErrorKind::BadMagic, at));
                    }
                    let mut magic = [0u8; 13];
                    self.read_exact(&mut magic, at).map_err(not_a_nar)?;
                    if magic != MAGIC {
                        return Err(self.error(ReadErrorKind::BadMagic, at));
                    }
                    self.read_padding(len).map_err(not_a_nar)?;
                    return self.parse_node(0);
                }
                State::Contents { .. } => {
                    self.read_contents(|_| Ok(()))?;
                }
                State::AfterNode => {
                    if self.dirs.is_empty() {
                        let at = self.offset;
                        if self.fill()? {
                            return Err(self.error(ReadErrorKind::TrailingData, at));
                        }
                        self.state = State::Done;
                        return Ok(None);
                    }
                    self.expect(")")?;
                    let dir = self.dirs.last().expect("inside a directory");
                    self.path.truncate(dir.path_len);
                    self.state = State::Directory;
                }
                State::Directory => {
                    let at = self.read_token("entry")?;
                    if self.token == b")" {
                        let dir = self.dirs.pop().expect("inside a directory");
                        self.state = State::AfterNode;
                        return Ok(Some(Event::EndDirectory {
                            path: &self.path[..dir.path_len],
                        }));
                    }
                    if self.token != b"entry" {
                        return Err(self.unexpected("entry", at));
                    }
                    self.expect("(")?;
                    self.expect("name")?;
                    let at = self.read_string(MAX_NAME_LEN).map_err(|mut e| {
                        if let ReadErrorKind::StringTooLong { .. } = e.kind {
                            e.kind = ReadErrorKind::InvalidName {
                                name: String::from("<too long>"),
                                reason: NameError::TooLong,
                            };
                        }
                        e
                    })?;
                    if let Err(reason) = check_name(&self.token) {
                        let name = String::from_utf8_lossy(&self.token).into_owned();
                        return Err(self.error(ReadErrorKind::InvalidName { name, reason }, at));
                    }
                    let dir = self.dirs.last_mut().expect("inside a directory");
                    if !dir.last_name.is_empty() && self.token <= dir.last_name {
                        let name = String::from_utf8_lossy(&self.token).into_owned();
                        let kind = if self.token == dir.last_name {
                            ReadErrorKind::DuplicateEntry { name }
                        } else {
                            ReadErrorKind::UnsortedEntry {
                                name,
                                previous: String::from_utf8_lossy(&dir.last_name).into_owned(),
                            }
                        };
                        return Err(self.error(kind, at));
                    }
                    dir.last_name.clear();
                    dir.last_name.extend_from_slice(&self.token);
                    self.path.push(b'/');
                    self.path.extend_from_slice(&self.token);
                    self.expect("node")?;
                    let depth = self.dirs.len();
                    return self.parse_node(depth);
                }
                State::Done => return Ok(None),
            }
        }
    }

    /// Parses `( type …` up to the point where the node's event can be
    /// returned.
    fn parse_node(&mut self, depth: usize) -> Result<Option<Event<'_>>, ReadError> {
        self.expect("(")?;
        self.expect("type")?;
        let at = self.read_token("regular")?;
        let kind = match self.token.as_slice() {
            b"regular" => {
                let at = self.read_token("contents")?;
                let executable = match self.token.as_slice() {
                    b"executable" => {
                        self.expect("")?;
                        self.expect("contents")?;
                        true
                    }
                    b"contents" => false,
                    _ => return Err(self.unexpected("contents", at)),
                };
                let at = self.offset;
                let size = self.read_u64()?;
                let offset = self.offset;
                if offset
                    .checked_add(size)
                    .and_then(|e| e.checked_add(8))
                    .is_none()
                {
                    return Err(self.error(ReadErrorKind::SizeOverflow, at));
                }
                self.state = State::Contents {
                    remaining: size,
                    size,
                };
                NodeKind::Regular {
                    executable,
                    size,
                    offset,
                }
            }
            b"symlink" => {
                self.expect("target")?;
                let at = self.read_string(MAX_TARGET_LEN)?;
                if self.token.is_empty() || self.token.contains(&0) {
                    return Err(self.error(ReadErrorKind::InvalidTarget, at));
                }
                // Keep the target aside while checking the closing `)`.
                std::mem::swap(&mut self.token, &mut self.target);
                self.expect(")")?;
                self.state = State::AfterNode;
                NodeKind::Symlink { target: &[] }
            }
            b"directory" => {
                if self.dirs.len() >= MAX_DEPTH {
                    return Err(self.error(ReadErrorKind::TooDeep, at));
                }
                self.dirs.push(OpenDirectory {
                    path_len: self.path.len(),
                    last_name: Vec::new(),
                });
                self.state = State::Directory;
                NodeKind::Directory
            }
            _ => return Err(self.unexpected("regular`, `symlink` or `directory", at)),
        };
        let name_start = self
            .path
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(self.path.len(), |i| i + 1);
        let kind = match kind {
            NodeKind::Symlink { .. } => NodeKind::Symlink {
                target: &self.target,
            },
            other => other,
        };
        Ok(Some(Event::Node {
            path: &self.path,
            name: &self.path[name_start..],
            depth,
            kind,
        }))
    }

    /// Passes the remaining contents of the current regular file to `sink`
    /// in chunks, then checks the padding and the node's end. Does nothing
    /// when no file contents are pending. An error returned by `sink`
    /// becomes a [`ReadErrorKind::Output`] error.
    pub fn read_contents(
        &mut self,
        mut sink: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<(), ReadError> {
        let State::Contents {
            mut remaining,
            size,
        } = self.state
        else {
            return Ok(());
        };
        while remaining > 0 {
            if !self.fill()? {
                return Err(self.error(ReadErrorKind::Truncated, self.offset));
            }
            let n = ((self.end - self.start) as u64).min(remaining) as usize;
            let result = sink(&self.buffer[self.start..self.start + n]);
            self.consume(n);
            remaining -= n as u64;
            self.state = State::Contents { remaining, size };
            if let Err(e) = result {
                return Err(self
                    .error(ReadErrorKind::Output, self.offset)
                    .with_source(e));
            }
        }
        self.read_padding(size)?;
        self.expect(")")?;
        self.state = State::AfterNode;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::put_str;

    /// Builds a raw (possibly malicious) NAR from strings; `Raw::u64` and
    /// `Raw::bytes` allow breaking the framing.
    #[derive(Default)]
    struct Raw(Vec<u8>);

    impl Raw {
        fn nar() -> Raw {
            Raw::default().s(b"nix-archive-1")
        }
        fn s(mut self, s: &[u8]) -> Raw {
            put_str(&mut self.0, s);
            self
        }
        fn ss(mut self, parts: &[&[u8]]) -> Raw {
            for p in parts {
                put_str(&mut self.0, p);
            }
            self
        }
        fn u64(mut self, n: u64) -> Raw {
            self.0.extend_from_slice(&n.to_le_bytes());
            self
        }
        fn bytes(mut self, b: &[u8]) -> Raw {
            self.0.extend_from_slice(b);
            self
        }
        fn dir(self) -> Raw {
            self.ss(&[b"(", b"type", b"directory"])
        }
        fn entry(self, name: &[u8]) -> Raw {
            self.ss(&[b"entry", b"(", b"name", name, b"node"])
        }
        fn file(self, contents: &[u8]) -> Raw {
            self.ss(&[b"(", b"type", b"regular", b"contents", contents, b")"])
        }
        fn close(self) -> Raw {
            self.s(b")")
        }
    }

    fn parse(nar: &[u8]) -> Result<Vec<String>, ReadError> {
        let mut parser = Parser::new(nar);
        let mut events = Vec::new();
        while let Some(event) = parser.next_event()? {
            events.push(format!("{event:?}"));
        }
        Ok(events)
    }

    fn error(nar: &Raw) -> ReadError {
        parse(&nar.0).expect_err("must be rejected")
    }

    /// A directory with one file `a` holding "x" parses.
    fn good() -> Raw {
        Raw::nar().dir().entry(b"a").file(b"x").close().close()
    }

    #[test]
    fn accepts_a_good_archive() {
        let events = parse(&good().0).unwrap();
        assert_eq!(events.len(), 3);
    }

    #[test]
    fn rejects_bad_magic() {
        let e = error(&Raw::default().s(b"nix-archive-2").file(b""));
        assert!(matches!(e.kind(), ReadErrorKind::BadMagic));
        assert_eq!(e.offset(), 0);
        let e = error(&Raw::default().u64(1 << 40));
        assert!(matches!(e.kind(), ReadErrorKind::BadMagic));
        // Empty input, or input that ends inside the magic, is not a NAR.
        let e = error(&Raw::default());
        assert!(matches!(e.kind(), ReadErrorKind::BadMagic));
        let e = error(&Raw::default().u64(13));
        assert!(matches!(e.kind(), ReadErrorKind::BadMagic));
    }

    #[test]
    fn rejects_bad_names_with_offset_and_path() {
        for (name, reason) in [
            (&b""[..], NameError::Empty),
            (b".", NameError::Dot),
            (b"..", NameError::Dot),
            (b"a/b", NameError::Slash),
            (b"a\0", NameError::Nul),
        ] {
            let nar = Raw::nar()
                .dir()
                .entry(b"ok")
                .dir()
                .entry(name)
                .file(b"")
                .close()
                .close()
                .close();
            let e = error(&nar);
            match e.kind() {
                ReadErrorKind::InvalidName { reason: r, .. } => assert_eq!(*r, reason),
                other => panic!("{other:?}"),
            }
            assert_eq!(e.path(), b"/ok");
            // magic 24, dir 3*16=48, entry( name: 5*16=80 → ok entry; "ok" at 24+48+16+16+16=120
            assert!(e.offset() > 120, "{}", e.offset());
            assert!(e.to_string().contains("/ok"), "{e}");
        }
        let e = error(
            &Raw::nar()
                .dir()
                .entry(&[b'n'; 256])
                .file(b"")
                .close()
                .close(),
        );
        assert!(matches!(
            e.kind(),
            ReadErrorKind::InvalidName {
                reason: NameError::TooLong,
                ..
            }
        ));
    }

    #[test]
    fn rejects_duplicate_and_unsorted_entries() {
        let nar = Raw::nar()
            .dir()
            .entry(b"a")
            .file(b"")
            .close()
            .entry(b"a")
            .file(b"")
            .close()
            .close();
        let e = error(&nar);
        assert!(
            matches!(e.kind(), ReadErrorKind::DuplicateEntry { .. }),
            "{e}"
        );
        let nar = Raw::nar()
            .dir()
            .entry(b"b")
            .file(b"")
            .close()
            .entry(b"a")
            .file(b"")
            .close()
            .close();
        let e = error(&nar);
        assert!(
            matches!(e.kind(), ReadErrorKind::UnsortedEntry { .. }),
            "{e}"
        );
        // Byte order, not locale order: "B" (0x42) sorts before "a" (0x61).
        let nar = Raw::nar()
            .dir()
            .entry(b"B")
            .file(b"")
            .close()
            .entry(b"a")
            .file(b"")
            .close()
            .close();
        parse(&nar.0).unwrap();
    }

    #[test]
    fn rejects_truncation_everywhere() {
        let full = good().0;
        // Past the 24 bytes of magic; before them see `rejects_bad_magic`.
        for len in 24..full.len() {
            let e = parse(&full[..len]).expect_err("truncated");
            assert!(
                matches!(e.kind(), ReadErrorKind::Truncated),
                "at {len}: {e}"
            );
        }
    }

    #[test]
    fn rejects_trailing_data() {
        let e = error(&good().bytes(b"\0"));
        assert!(matches!(e.kind(), ReadErrorKind::TrailingData));
        assert_eq!(e.offset(), good().0.len() as u64);
    }

    #[test]
    fn rejects_non_zero_padding() {
        // In a keyword.
        let mut nar = good().0;
        nar[24 + 9] = 1; // padding of "(" after the magic
        let e = parse(&nar).unwrap_err();
        assert!(matches!(e.kind(), ReadErrorKind::NonZeroPadding), "{e}");
        // After file contents.
        let nar = Raw::nar()
            .ss(&[b"(", b"type", b"regular", b"contents"])
            .u64(1)
            .bytes(b"x\0\0\0\0\0\0\x01")
            .s(b")");
        let e = error(&nar);
        assert!(matches!(e.kind(), ReadErrorKind::NonZeroPadding), "{e}");
        assert_eq!(e.offset(), 24 + 4 * 16 + 8 + 1);
    }

    #[test]
    fn rejects_unknown_tags() {
        let e = error(&Raw::nar().ss(&[b"(", b"type", b"fifo", b")"]));
        assert!(
            matches!(e.kind(), ReadErrorKind::UnexpectedToken { .. }),
            "{e}"
        );
        let e = error(&Raw::nar().ss(&[b"(", b"kind"]));
        assert!(
            matches!(e.kind(), ReadErrorKind::UnexpectedToken { .. }),
            "{e}"
        );
        let e = error(&Raw::nar().ss(&[b"(", b"type", b"regular", b"contentz"]));
        assert!(
            matches!(e.kind(), ReadErrorKind::UnexpectedToken { .. }),
            "{e}"
        );
        let e = error(&Raw::nar().dir().s(b"entri"));
        assert!(
            matches!(e.kind(), ReadErrorKind::UnexpectedToken { .. }),
            "{e}"
        );
        // "executable" must be followed by the empty string.
        let e = error(&Raw::nar().ss(&[b"(", b"type", b"regular", b"executable", b"x"]));
        assert!(
            matches!(e.kind(), ReadErrorKind::UnexpectedToken { .. }),
            "{e}"
        );
    }

    #[test]
    fn rejects_absurd_lengths_without_allocating() {
        // A keyword claiming 2^63 bytes.
        let e = error(&Raw::nar().u64(1 << 63));
        assert!(
            matches!(e.kind(), ReadErrorKind::UnexpectedToken { .. }),
            "{e}"
        );
        // A symlink target claiming 2^62 bytes.
        let e = error(
            &Raw::nar()
                .ss(&[b"(", b"type", b"symlink", b"target"])
                .u64(1 << 62),
        );
        assert!(
            matches!(e.kind(), ReadErrorKind::StringTooLong { .. }),
            "{e}"
        );
        // File contents claiming u64::MAX bytes: offsets would overflow.
        let e = error(
            &Raw::nar()
                .ss(&[b"(", b"type", b"regular", b"contents"])
                .u64(u64::MAX),
        );
        assert!(matches!(e.kind(), ReadErrorKind::SizeOverflow), "{e}");
        // File contents claiming 1 TiB: streamed, so this is just truncated.
        let e = error(
            &Raw::nar()
                .ss(&[b"(", b"type", b"regular", b"contents"])
                .u64(1 << 40),
        );
        assert!(matches!(e.kind(), ReadErrorKind::Truncated), "{e}");
    }

    #[test]
    fn rejects_bad_symlink_targets() {
        let e = error(&Raw::nar().ss(&[b"(", b"type", b"symlink", b"target", b"", b")"]));
        assert!(matches!(e.kind(), ReadErrorKind::InvalidTarget), "{e}");
        let e = error(&Raw::nar().ss(&[b"(", b"type", b"symlink", b"target", b"a\0b", b")"]));
        assert!(matches!(e.kind(), ReadErrorKind::InvalidTarget), "{e}");
    }

    #[test]
    fn depth_limit() {
        let nested = |depth: usize| {
            let mut raw = Raw::nar();
            for _ in 1..depth {
                raw = raw.dir().entry(b"d");
            }
            raw = raw.dir().close();
            for _ in 1..depth {
                raw = raw.close().close();
            }
            raw
        };
        parse(&nested(MAX_DEPTH).0).unwrap();
        let e = error(&nested(MAX_DEPTH + 1));
        assert!(matches!(e.kind(), ReadErrorKind::TooDeep), "{e}");
        assert_eq!(e.path().len(), 2 * MAX_DEPTH);
    }

    #[test]
    fn reports_offsets_of_file_contents() {
        let nar = Raw::nar().dir().entry(b"a").file(b"xyz").close().close().0;
        let mut parser = Parser::new(&nar[..]);
        parser.next_event().unwrap();
        let Some(Event::Node {
            path,
            name,
            depth,
            kind: NodeKind::Regular { size, offset, .. },
        }) = parser.next_event().unwrap()
        else {
            panic!()
        };
        assert_eq!((path, name, depth, size), (&b"/a"[..], &b"a"[..], 1, 3));
        assert_eq!(&nar[offset as usize..offset as usize + 3], b"xyz");
    }
}
