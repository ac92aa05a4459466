//! Builds `.deb` files in memory: an `ar` archive of `debian-binary`, a
//! control tarball and a data tarball, each tarball written entry by entry
//! with raw names so hostile archives can be made too.

use std::io::Write;

use cairn_deb::ar::ArWriter;

/// One tar entry.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entry<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8], u32),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
    Fifo(&'a str),
}

fn header(name: &str, kind: tar::EntryType, mode: u32, size: u64, link: &str) -> tar::Header {
    let mut header = tar::Header::new_old();
    {
        let old = header.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    header
}

/// A tarball of `entries`, names written exactly as given.
pub(crate) fn tar(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let (header, data): (tar::Header, &[u8]) = match *entry {
            Entry::Dir(name) => (header(name, tar::EntryType::Directory, 0o755, 0, ""), b""),
            Entry::File(name, data, mode) => (
                header(name, tar::EntryType::Regular, mode, data.len() as u64, ""),
                data,
            ),
            Entry::Symlink(name, target) => {
                (header(name, tar::EntryType::Symlink, 0o777, 0, target), b"")
            }
            Entry::HardLink(name, target) => {
                (header(name, tar::EntryType::Link, 0o644, 0, target), b"")
            }
            Entry::Fifo(name) => (header(name, tar::EntryType::Fifo, 0o644, 0, ""), b""),
        };
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// `bytes` compressed with the compression of suffix `suffix` (`""`,
/// `.gz`, `.xz`, `.zst`, `.bz2`).
pub(crate) fn compress(bytes: &[u8], suffix: &str) -> Vec<u8> {
    match suffix {
        "" => bytes.to_vec(),
        ".gz" => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        }
        ".xz" => {
            let mut encoder = xz2::write::XzEncoder::new(Vec::new(), 1);
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        }
        ".zst" => {
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
        }
        ".bz2" => {
            let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        }
        other => panic!("unknown suffix {other}"),
    }
}

pub(crate) const CONTROL: &str = "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\n\
Maintainer: Nobody <nobody@invalid>\nDescription: example\n a test package\n";

/// A `.deb` from explicit members (name, bytes).
pub(crate) fn ar(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ArWriter::new(Vec::new()).unwrap();
    for (name, data) in members {
        writer.append(name, data).unwrap();
    }
    writer.into_inner()
}

/// A well-formed `.deb` with `data` entries, both tarballs compressed
/// with `suffix` (bz2 control members do not exist; gz is used then).
pub(crate) fn deb(suffix: &str, data: &[Entry<'_>]) -> Vec<u8> {
    let control_suffix = if suffix == ".bz2" { ".gz" } else { suffix };
    let control = tar(&[
        Entry::Dir("./"),
        Entry::File("./control", CONTROL.as_bytes(), 0o644),
        Entry::File("./md5sums", b"", 0o644),
    ]);
    ar(&[
        ("debian-binary", b"2.0\n".to_vec()),
        (
            &format!("control.tar{control_suffix}"),
            compress(&control, control_suffix),
        ),
        (&format!("data.tar{suffix}"), compress(&tar(data), suffix)),
    ])
}
