//! The event-driven NAR [`Encoder`], independent of any filesystem.

use std::io::{self, Read, Write};

use crate::MAX_DEPTH;
use crate::name::{NameError, check_name};
use crate::wire::{self, COPY_BUFFER_SIZE};

/// Why an [`Encoder`] refused an event or failed to write.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Writing the archive to the output failed.
    #[error("writing the NAR failed")]
    Write(#[source] io::Error),
    /// Reading a regular file's contents from the supplied reader failed.
    #[error("reading file contents failed")]
    ReadContents(#[source] io::Error),
    /// The contents reader ended before delivering the announced size.
    #[error("file contents ended after {actual} of {expected} announced bytes")]
    ContentsTooShort {
        /// The size announced to [`Encoder::regular`].
        expected: u64,
        /// How many bytes the reader delivered.
        actual: u64,
    },
    /// The contents delivered more bytes than the announced size.
    #[error("file contents exceed the {expected} announced bytes")]
    ContentsTooLong {
        /// The size announced to [`Encoder::regular_chunks`].
        expected: u64,
    },
    /// An entry name is not allowed in a NAR.
    #[error("invalid entry name {name:?}: {reason}")]
    InvalidName {
        /// The name, lossily decoded.
        name: String,
        /// What is wrong with it.
        #[source]
        reason: NameError,
    },
    /// Entry names must come in strictly increasing byte order.
    #[error("entry {name:?} does not sort after the previous entry {previous:?}")]
    Unsorted {
        /// The offending name, lossily decoded.
        name: String,
        /// The name before it, lossily decoded.
        previous: String,
    },
    /// A symlink target is empty, contains NUL or is too long.
    #[error("invalid symlink target {target:?}")]
    InvalidTarget {
        /// The target, lossily decoded.
        target: String,
    },
    /// Directories nest deeper than [`MAX_DEPTH`].
    #[error("directories nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The event is not valid in the encoder's current state (for example
    /// [`Encoder::entry`] outside a directory, or a second root node).
    #[error("{event} is not allowed here: {state}")]
    UnexpectedEvent {
        /// The event that was called.
        event: &'static str,
        /// What the encoder expected instead.
        state: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A node is expected (the root, or the node of an entry).
    Node,
    /// Inside a directory: an entry or the end of the directory is expected.
    Directory,
    /// The root node is complete.
    Done,
}

/// Writes a NAR from a sequence of events, checking that the sequence
/// describes a valid archive.
///
/// The root is one node: call exactly one of [`regular`](Self::regular),
/// [`symlink`](Self::symlink) or [`start_directory`](Self::start_directory).
/// Inside a directory, call [`entry`](Self::entry) with each name (in
/// strictly increasing byte order) followed by that entry's node, and close
/// it with [`end_directory`](Self::end_directory). [`finish`](Self::finish)
/// checks that the archive is complete and flushes the output.
///
/// Framing tokens are assembled in a small scratch buffer and written in as
/// few calls as possible; file contents go straight from one reusable
/// buffer to the output, so writing into a [`cairn_hash::Hasher`] needs no
/// extra buffering. When writing to a file or socket, wrap it in a
/// [`std::io::BufWriter`].
///
/// ```
/// use cairn_nar::Encoder;
///
/// let mut encoder = Encoder::new(Vec::new());
/// encoder.start_directory()?;
/// encoder.entry(b"hello")?;
/// encoder.regular(false, 5, &b"world"[..])?;
/// encoder.entry(b"link")?;
/// encoder.symlink(b"hello")?;
/// encoder.end_directory()?;
/// let (nar, size) = encoder.finish()?;
/// assert_eq!(nar.len() as u64, size);
/// # Ok::<(), cairn_nar::EncodeError>(())
/// ```
#[derive(Debug)]
pub struct Encoder<W> {
    out: W,
    written: u64,
    state: State,
    /// The last entry name seen in each open directory (empty before the first).
    dirs: Vec<Vec<u8>>,
    scratch: Vec<u8>,
    buffer: Vec<u8>,
}

impl<W: Write> Encoder<W> {
    /// Starts an archive on `out`. Nothing is written until the first event.
    pub fn new(out: W) -> Encoder<W> {
        let mut scratch = Vec::with_capacity(256);
        wire::put_str(&mut scratch, wire::MAGIC);
        Encoder {
            out,
            written: 0,
            state: State::Node,
            dirs: Vec::new(),
            scratch,
            buffer: Vec::new(),
        }
    }

    /// How many bytes have been written to the output so far (framing of
    /// symlinks and directories is buffered until the next file contents,
    /// a few KiB of framing, or [`finish`](Self::finish)).
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    fn expect_node(&self, event: &'static str) -> Result<(), EncodeError> {
        match self.state {
            State::Node => Ok(()),
            State::Directory => Err(EncodeError::UnexpectedEvent {
                event,
                state: "expected an entry or the end of a directory",
            }),
            State::Done => Err(EncodeError::UnexpectedEvent {
                event,
                state: "the archive is already complete",
            }),
        }
    }

    fn flush_scratch(&mut self) -> Result<(), EncodeError> {
        self.out
            .write_all(&self.scratch)
            .map_err(EncodeError::Write)?;
        self.written += self.scratch.len() as u64;
        self.scratch.clear();
        Ok(())
    }

    /// Called after a node is complete: closes the surrounding entry.
    fn node_done(&mut self) {
        if self.dirs.is_empty() {
            self.state = State::Done;
        } else {
            wire::put_str(&mut self.scratch, b")");
            self.state = State::Directory;
        }
    }

    /// Puts the framing before a regular file's contents in the scratch
    /// buffer.
    fn begin_regular(&mut self, executable: bool, size: u64) -> Result<(), EncodeError> {
        self.expect_node("regular file")?;
        self.scratch.extend_from_slice(if executable {
            wire::REGULAR_EXECUTABLE_PREFIX
        } else {
            wire::REGULAR_PREFIX
        });
        self.scratch.extend_from_slice(&size.to_le_bytes());
        Ok(())
    }

    /// Puts the padding and framing after `size` bytes of contents in the
    /// scratch buffer and closes the node.
    fn end_regular(&mut self, size: u64) {
        wire::put_padding(&mut self.scratch, size);
        wire::put_str(&mut self.scratch, b")");
        self.node_done();
    }

    /// Writes a regular file of `size` bytes, read from `contents`.
    ///
    /// Exactly `size` bytes are read; a reader that ends early is an error
    /// ([`EncodeError::ContentsTooShort`]), bytes beyond `size` are not read.
    pub fn regular<R: Read>(
        &mut self,
        executable: bool,
        size: u64,
        mut contents: R,
    ) -> Result<(), EncodeError> {
        self.begin_regular(executable, size)?;
        self.flush_scratch()?;
        if size > 0 {
            let want = usize::try_from(size)
                .unwrap_or(usize::MAX)
                .min(COPY_BUFFER_SIZE);
            if self.buffer.len() < want {
                self.buffer.resize(want, 0);
            }
            let mut remaining = size;
            while remaining > 0 {
                let chunk = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(self.buffer.len());
                let n = match contents.read(&mut self.buffer[..chunk]) {
                    Ok(0) => {
                        return Err(EncodeError::ContentsTooShort {
                            expected: size,
                            actual: size - remaining,
                        });
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(EncodeError::ReadContents(e)),
                };
                self.out
                    .write_all(&self.buffer[..n])
                    .map_err(EncodeError::Write)?;
                self.written += n as u64;
                remaining -= n as u64;
            }
        }
        self.end_regular(size);
        Ok(())
    }

    /// Writes a regular file of `size` bytes whose contents arrive as
    /// `chunks` (for example from a thread that reads ahead), each written
    /// straight to the output without copying. The chunks must add up to
    /// exactly `size` bytes.
    pub fn regular_chunks<I, B>(
        &mut self,
        executable: bool,
        size: u64,
        chunks: I,
    ) -> Result<(), EncodeError>
    where
        I: IntoIterator<Item = io::Result<B>>,
        B: AsRef<[u8]>,
    {
        self.begin_regular(executable, size)?;
        self.flush_scratch()?;
        let mut delivered = 0u64;
        for chunk in chunks {
            let chunk = chunk.map_err(EncodeError::ReadContents)?;
            let chunk = chunk.as_ref();
            delivered += chunk.len() as u64;
            if delivered > size {
                return Err(EncodeError::ContentsTooLong { expected: size });
            }
            self.out.write_all(chunk).map_err(EncodeError::Write)?;
            self.written += chunk.len() as u64;
        }
        if delivered < size {
            return Err(EncodeError::ContentsTooShort {
                expected: size,
                actual: delivered,
            });
        }
        self.end_regular(size);
        Ok(())
    }

    /// Writes a regular file whose contents are `contents`, straight from
    /// the slice (no copy through the encoder's buffer).
    pub fn regular_bytes(&mut self, executable: bool, contents: &[u8]) -> Result<(), EncodeError> {
        self.begin_regular(executable, contents.len() as u64)?;
        if contents.len() <= 4096 {
            // Small: one write with the framing around it.
            self.scratch.extend_from_slice(contents);
        } else {
            self.flush_scratch()?;
            self.out.write_all(contents).map_err(EncodeError::Write)?;
            self.written += contents.len() as u64;
        }
        self.end_regular(contents.len() as u64);
        if self.scratch.len() >= 4096 {
            self.flush_scratch()?;
        }
        Ok(())
    }

    /// Writes a symlink pointing to `target` (raw bytes; must be non-empty,
    /// without NUL and at most [`MAX_TARGET_LEN`](crate::MAX_TARGET_LEN) bytes).
    pub fn symlink(&mut self, target: &[u8]) -> Result<(), EncodeError> {
        self.expect_node("symlink")?;
        if target.is_empty() || target.len() > crate::MAX_TARGET_LEN || target.contains(&0) {
            return Err(EncodeError::InvalidTarget {
                target: String::from_utf8_lossy(target).into_owned(),
            });
        }
        self.scratch.extend_from_slice(wire::SYMLINK_PREFIX);
        wire::put_str(&mut self.scratch, target);
        wire::put_str(&mut self.scratch, b")");
        self.node_done();
        Ok(())
    }

    /// Opens a directory node; follow with [`entry`](Self::entry) calls and
    /// [`end_directory`](Self::end_directory).
    pub fn start_directory(&mut self) -> Result<(), EncodeError> {
        self.expect_node("start of directory")?;
        if self.dirs.len() >= MAX_DEPTH {
            return Err(EncodeError::TooDeep);
        }
        self.scratch.extend_from_slice(wire::DIRECTORY_PREFIX);
        self.dirs.push(Vec::new());
        self.state = State::Directory;
        Ok(())
    }

    /// Starts an entry named `name` in the current directory; the next
    /// event must be the entry's node.
    pub fn entry(&mut self, name: &[u8]) -> Result<(), EncodeError> {
        if self.state != State::Directory {
            return Err(EncodeError::UnexpectedEvent {
                event: "entry",
                state: if self.state == State::Node {
                    "expected a node"
                } else {
                    "the archive is already complete"
                },
            });
        }
        check_name(name).map_err(|reason| EncodeError::InvalidName {
            name: String::from_utf8_lossy(name).into_owned(),
            reason,
        })?;
        let previous = self.dirs.last_mut().expect("state is Directory");
        if !previous.is_empty() && name <= previous.as_slice() {
            return Err(EncodeError::Unsorted {
                name: String::from_utf8_lossy(name).into_owned(),
                previous: String::from_utf8_lossy(previous).into_owned(),
            });
        }
        previous.clear();
        previous.extend_from_slice(name);
        self.scratch.extend_from_slice(wire::ENTRY_PREFIX);
        wire::put_str(&mut self.scratch, name);
        wire::put_str(&mut self.scratch, b"node");
        self.state = State::Node;
        Ok(())
    }

    /// Closes the innermost open directory.
    pub fn end_directory(&mut self) -> Result<(), EncodeError> {
        if self.state != State::Directory {
            return Err(EncodeError::UnexpectedEvent {
                event: "end of directory",
                state: if self.state == State::Node {
                    "expected a node"
                } else {
                    "the archive is already complete"
                },
            });
        }
        self.dirs.pop();
        wire::put_str(&mut self.scratch, b")");
        self.node_done();
        if self.scratch.len() >= 4096 {
            self.flush_scratch()?;
        }
        Ok(())
    }

    /// Checks that the root node is complete, writes what is pending,
    /// flushes, and returns the output with the archive's size in bytes.
    pub fn finish(mut self) -> Result<(W, u64), EncodeError> {
        if self.state != State::Done {
            return Err(EncodeError::UnexpectedEvent {
                event: "finish",
                state: "the root node is not complete",
            });
        }
        self.flush_scratch()?;
        self.out.flush().map_err(EncodeError::Write)?;
        Ok((self.out, self.written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_invalid_sequences() {
        let mut e = Encoder::new(Vec::new());
        assert!(matches!(
            e.entry(b"a"),
            Err(EncodeError::UnexpectedEvent { .. })
        ));
        assert!(matches!(
            e.end_directory(),
            Err(EncodeError::UnexpectedEvent { .. })
        ));
        e.start_directory().unwrap();
        assert!(matches!(
            e.symlink(b"x"),
            Err(EncodeError::UnexpectedEvent { .. })
        ));
        assert!(matches!(
            e.entry(b".."),
            Err(EncodeError::InvalidName { .. })
        ));
        e.entry(b"b").unwrap();
        e.symlink(b"x").unwrap();
        assert!(matches!(e.entry(b"a"), Err(EncodeError::Unsorted { .. })));
        assert!(matches!(e.entry(b"b"), Err(EncodeError::Unsorted { .. })));
        e.end_directory().unwrap();
        assert!(matches!(
            e.start_directory(),
            Err(EncodeError::UnexpectedEvent { .. })
        ));
        e.finish().unwrap();

        let e = Encoder::new(Vec::new());
        assert!(matches!(
            e.finish(),
            Err(EncodeError::UnexpectedEvent { .. })
        ));
    }

    #[test]
    fn chunked_contents_equal_a_reader() {
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let mut a = Encoder::new(Vec::new());
        a.regular(true, data.len() as u64, &data[..]).unwrap();
        let mut b = Encoder::new(Vec::new());
        let chunks = data.chunks(999).map(Ok::<_, io::Error>);
        b.regular_chunks(true, data.len() as u64, chunks).unwrap();
        assert_eq!(a.finish().unwrap().0, b.finish().unwrap().0);

        let mut short = Encoder::new(Vec::new());
        let e = short
            .regular_chunks(false, 5, [Ok::<_, io::Error>(&b"abc"[..])])
            .unwrap_err();
        assert!(
            matches!(e, EncodeError::ContentsTooShort { actual: 3, .. }),
            "{e}"
        );
        let mut long = Encoder::new(Vec::new());
        let e = long
            .regular_chunks(false, 2, [Ok::<_, io::Error>(&b"abc"[..])])
            .unwrap_err();
        assert!(
            matches!(e, EncodeError::ContentsTooLong { expected: 2 }),
            "{e}"
        );
    }

    #[test]
    fn short_reader_is_an_error() {
        let mut e = Encoder::new(Vec::new());
        let err = e.regular(false, 10, &b"abc"[..]).unwrap_err();
        assert!(matches!(
            err,
            EncodeError::ContentsTooShort {
                expected: 10,
                actual: 3
            }
        ));
    }

    #[test]
    fn single_file_bytes() {
        let mut e = Encoder::new(Vec::new());
        e.regular(false, 3, &b"abc"[..]).unwrap();
        let (nar, size) = e.finish().unwrap();
        let mut expected = Vec::new();
        for s in [
            &b"nix-archive-1"[..],
            b"(",
            b"type",
            b"regular",
            b"contents",
            b"abc",
            b")",
        ] {
            wire::put_str(&mut expected, s);
        }
        assert_eq!(nar, expected);
        assert_eq!(size, expected.len() as u64);
    }
}
