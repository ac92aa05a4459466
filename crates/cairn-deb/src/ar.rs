//! The `ar` container that wraps a `.deb`.
//!
//! A `.deb` is an `ar` archive (`!<arch>\n` magic, then members each behind
//! a 60-byte header, padded to an even offset) holding `debian-binary`,
//! `control.tar.*` and `data.tar.*`. dpkg writes the "common" format with
//! names ending in `/` (GNU style) or, in old archives, padded with spaces;
//! BSD `ar` stores long names as `#1/LEN` with the name in front of the
//! data. All three are read here. GNU's long-name table (`//`) and symbol
//! table (`/`) never occur in a `.deb` and are passed through as members
//! with those names, which the `.deb` reader then rejects as unknown.
//!
//! The reader streams: [`ArReader::next_member`] returns a [`Member`] that
//! reads the member's data straight from the underlying reader, so a
//! 20 MB `data.tar.xz` is never held in memory.

use std::io::{self, Read};

/// The magic that opens every `ar` archive.
pub const MAGIC: &[u8; 8] = b"!<arch>\n";

/// Why an `ar` archive could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArError {
    /// The archive does not start with `!<arch>\n`.
    #[error("not an ar archive (no '!<arch>' magic)")]
    BadMagic,
    /// A member header is malformed.
    #[error("malformed ar member header at byte {offset}: {reason}")]
    BadHeader {
        /// Byte offset of the header in the archive.
        offset: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The archive ended inside a header or a member.
    #[error("ar archive truncated at byte {offset}")]
    Truncated {
        /// Byte offset where data ran out.
        offset: u64,
    },
    /// Reading failed.
    #[error("failed to read ar archive")]
    Io(#[source] io::Error),
}

/// Reads the members of an `ar` archive one after the other.
#[derive(Debug)]
pub struct ArReader<R> {
    inner: R,
    /// Bytes consumed from `inner` so far.
    offset: u64,
    /// Data bytes of the current member not yet read by the caller.
    remaining: u64,
    /// Whether a padding byte follows the current member.
    pad: bool,
}

/// One member's header; its data is read through the [`ArReader`] it came
/// from (which implements [`Read`] for the current member only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberHeader {
    /// The member name, with GNU's trailing `/` and padding removed.
    pub name: String,
    /// The size of the member's data in bytes.
    pub size: u64,
    /// Byte offset of the member's header in the archive.
    pub offset: u64,
}

impl<R: Read> ArReader<R> {
    /// Checks the magic and returns a reader positioned at the first member.
    ///
    /// # Errors
    ///
    /// [`ArError::BadMagic`] for anything that is not an `ar` archive.
    pub fn new(mut inner: R) -> Result<ArReader<R>, ArError> {
        let mut magic = [0u8; 8];
        match read_full(&mut inner, &mut magic).map_err(ArError::Io)? {
            8 if &magic == MAGIC => {}
            _ => return Err(ArError::BadMagic),
        }
        Ok(ArReader {
            inner,
            offset: 8,
            remaining: 0,
            pad: false,
        })
    }

    /// Skips what is left of the current member and reads the next header;
    /// `None` at the end of the archive.
    ///
    /// # Errors
    ///
    /// A malformed or truncated header, or a read error.
    pub fn next_member(&mut self) -> Result<Option<MemberHeader>, ArError> {
        self.skip_rest()?;
        let offset = self.offset;
        let mut header = [0u8; 60];
        let got = read_full(&mut self.inner, &mut header).map_err(ArError::Io)?;
        self.offset += got as u64;
        if got == 0 {
            return Ok(None);
        }
        if got < header.len() {
            return Err(ArError::Truncated {
                offset: self.offset,
            });
        }
        let bad = |reason| ArError::BadHeader { offset, reason };
        if &header[58..60] != b"`\n" {
            return Err(bad("missing '`\\n' terminator"));
        }
        let size = parse_decimal(&header[48..58]).ok_or_else(|| bad("size is not a number"))?;
        let raw_name = &header[0..16];
        let (name, size) = if let Some(len) = raw_name.strip_prefix(b"#1/") {
            // BSD: the name's length follows `#1/`, the name leads the data.
            let len = parse_decimal(len).ok_or_else(|| bad("BSD name length is not a number"))?;
            if len > size || len > 4096 {
                return Err(bad("BSD name longer than the member"));
            }
            let mut name = vec![0u8; usize::try_from(len).map_err(|_| bad("name too long"))?];
            let got = read_full(&mut self.inner, &mut name).map_err(ArError::Io)?;
            self.offset += got as u64;
            if got < name.len() {
                return Err(ArError::Truncated {
                    offset: self.offset,
                });
            }
            // BSD pads the name with NULs to a multiple of 4 or 8.
            while name.last() == Some(&0) {
                name.pop();
            }
            (name, size - len)
        } else {
            let mut name = trim_end(raw_name, b' ').to_vec();
            // GNU ends names with `/`, except the special `/` and `//`.
            if name.len() > 1 && name.last() == Some(&b'/') && name != b"//" {
                name.pop();
            }
            (name, size)
        };
        let name = String::from_utf8(name).map_err(|_| bad("name is not UTF-8"))?;
        if name.is_empty() {
            return Err(bad("empty member name"));
        }
        self.remaining = size;
        // The padding is counted from the header's stated size, which for
        // BSD names includes the name.
        self.pad = (size + (self.offset - offset - 60)) % 2 == 1;
        Ok(Some(MemberHeader { name, size, offset }))
    }

    /// Bytes consumed from the underlying reader so far.
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn skip_rest(&mut self) -> Result<(), ArError> {
        let skip = self.remaining + u64::from(self.pad);
        let skipped =
            io::copy(&mut (&mut self.inner).take(skip), &mut io::sink()).map_err(ArError::Io)?;
        self.offset += skipped;
        self.remaining = 0;
        // A missing final padding byte is tolerated (some writers omit it at
        // the very end); a missing data byte is not.
        let missing_data = skip - skipped > u64::from(self.pad);
        self.pad = false;
        if missing_data {
            return Err(ArError::Truncated {
                offset: self.offset,
            });
        }
        Ok(())
    }
}

impl<R: Read> Read for ArReader<R> {
    /// Reads the current member's data; 0 at its end. A member cut short by
    /// the end of the archive is an [`io::ErrorKind::UnexpectedEof`] error.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let got = self.inner.read(&mut buf[..want])?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("ar member truncated at byte {}", self.offset),
            ));
        }
        self.remaining -= got as u64;
        self.offset += got as u64;
        Ok(got)
    }
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

fn trim_end(bytes: &[u8], pad: u8) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != pad).map_or(0, |i| i + 1);
    &bytes[..end]
}

fn parse_decimal(field: &[u8]) -> Option<u64> {
    let digits = trim_end(field, b' ');
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Writes `ar` archives the way dpkg-deb does (GNU names ending in `/`,
/// mtime 0, uid/gid 0, mode 100644). Used by tests and fuzz seeds to build
/// `.deb` files; cairn never writes `.deb`s otherwise.
#[derive(Debug)]
pub struct ArWriter<W> {
    inner: W,
}

impl<W: io::Write> ArWriter<W> {
    /// Writes the magic.
    ///
    /// # Errors
    ///
    /// A write error.
    pub fn new(mut inner: W) -> io::Result<ArWriter<W>> {
        inner.write_all(MAGIC)?;
        Ok(ArWriter { inner })
    }

    /// Appends a member. Names longer than 15 bytes are written BSD style.
    ///
    /// # Errors
    ///
    /// A write error.
    pub fn append(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let (field, prefix) = if name.len() <= 15 && !name.contains(' ') {
            (format!("{name}/"), &[][..])
        } else {
            (format!("#1/{}", name.len()), name.as_bytes())
        };
        let size = prefix.len() + data.len();
        let header = format!(
            "{field:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n",
            0, 0, 0, "100644"
        );
        self.inner.write_all(header.as_bytes())?;
        self.inner.write_all(prefix)?;
        self.inner.write_all(data)?;
        if size % 2 == 1 {
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Returns the underlying writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ArError> {
        let mut reader = ArReader::new(bytes)?;
        let mut out = Vec::new();
        while let Some(header) = reader.next_member()? {
            let mut data = Vec::new();
            reader.read_to_end(&mut data).map_err(ArError::Io)?;
            out.push((header.name, data));
        }
        Ok(out)
    }

    #[test]
    fn round_trips_gnu_and_bsd_names_with_padding() {
        let mut writer = ArWriter::new(Vec::new()).unwrap();
        writer.append("debian-binary", b"2.0\n").unwrap();
        writer.append("odd", b"abc").unwrap();
        writer.append("a-rather-long-member-name", b"xyz").unwrap();
        let bytes = writer.into_inner();
        let got = members(&bytes).unwrap();
        assert_eq!(
            got,
            vec![
                ("debian-binary".to_owned(), b"2.0\n".to_vec()),
                ("odd".to_owned(), b"abc".to_vec()),
                ("a-rather-long-member-name".to_owned(), b"xyz".to_vec()),
            ]
        );
    }

    #[test]
    fn unread_member_data_is_skipped() {
        let mut writer = ArWriter::new(Vec::new()).unwrap();
        writer.append("one", b"12345").unwrap();
        writer.append("two", b"6").unwrap();
        let bytes = writer.into_inner();
        let mut reader = ArReader::new(&bytes[..]).unwrap();
        assert_eq!(reader.next_member().unwrap().unwrap().name, "one");
        let second = reader.next_member().unwrap().unwrap();
        assert_eq!((second.name.as_str(), second.size), ("two", 1));
        assert!(reader.next_member().unwrap().is_none());
    }

    #[test]
    fn old_space_padded_names_are_read() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(
            b"debian-binary   0           0     0     100644  4         `\n2.0\n",
        );
        assert_eq!(members(&bytes).unwrap()[0].0, "debian-binary");
    }

    #[test]
    fn malformed_archives_are_rejected() {
        assert!(matches!(members(b"!<arch"), Err(ArError::BadMagic)));
        assert!(matches!(members(b"PK\x03\x04...."), Err(ArError::BadMagic)));
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(b"x/              0           0     0     100644  ");
        assert!(matches!(members(&bytes), Err(ArError::Truncated { .. })));
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(b"x/              0           0     0     100644  zz        `\n");
        assert!(matches!(members(&bytes), Err(ArError::BadHeader { .. })));
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(b"x/              0           0     0     100644  9         `\nab");
        assert!(members(&bytes).is_err());
    }
}
