//! `builtin:fetchurl`, the builder Nix runs in-process for
//! `<nix/fetchurl.nix>` (the bootstrap tarballs of every package set), and
//! `builtin:fetchzip`, cairn's own unpacking variant of it.
//!
//! `builtin:fetchurl` reads `url`, writes the file to the output `out`,
//! makes it executable when `executable = "1"`, and with `unpack = "1"`
//! restores the download as a NAR instead (Nix's meaning of `unpack`). It
//! is always a fixed-output derivation, so the download is checked against
//! `outputHash` afterwards like any other fixed output, and TLS
//! verification would add nothing.
//!
//! `builtin:fetchzip` downloads the same way and unpacks the tarball
//! (plain, gzip, xz, bzip2 or zstd, recognised by its first bytes) with
//! `cairn-deb`'s safe extractor, which never writes outside the output nor
//! through a link; with `stripRoot = "1"` the archive must hold exactly one
//! top-level directory, which becomes the output (as nixpkgs' `fetchzip`
//! does). Its output hash is recursive: a hash of the unpacked tree, so a
//! source re-compressed upstream keeps its hash. Nix has no such builtin
//! (nixpkgs unpacks with curl and tar in a sandboxed FOD); a `.drv` using
//! it fails under Nix with "unsupported builtin builder" rather than
//! giving a different output.
//!
//! `file://` URLs are read directly from the host file system (which
//! makes tests hermetic); `http://` ones are fetched with the small client
//! in `http.rs`. `https://` needs a TLS stack, which cairn does not have
//! yet; it fails with an error saying so.

use std::io::Write;
use std::path::{Path, PathBuf};

use cairn_derivation::Derivation;

use crate::error::BuildError;
use crate::mirror::{Mirrors, first_success, mirror_candidates};

/// Decodes `%XX` escapes in a URL path.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(high * 16 + low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Runs `builtin:fetchurl` for `drv`, writing the result to `target` (the
/// host path where the output is built). A `mirror://` URL is resolved
/// through `mirrors`, trying each base URL in turn.
pub(crate) fn fetchurl(
    drv: &Derivation,
    drv_display: &str,
    target: &Path,
    mirrors: &Mirrors,
) -> Result<(), BuildError> {
    fetch(drv, drv_display, target, mirrors, false)
}

/// Runs `builtin:fetchzip` for `drv`: [`fetchurl`]'s download, unpacked
/// as a tarball into `target`.
pub(crate) fn fetchzip(
    drv: &Derivation,
    drv_display: &str,
    target: &Path,
    mirrors: &Mirrors,
) -> Result<(), BuildError> {
    fetch(drv, drv_display, target, mirrors, true)
}

fn fetch(
    drv: &Derivation,
    drv_display: &str,
    target: &Path,
    mirrors: &Mirrors,
    archive: bool,
) -> Result<(), BuildError> {
    let attr = |name: &str| {
        drv.env_var(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let url = attr("url").ok_or_else(|| BuildError::InvalidAttribute {
        drv: drv_display.to_owned(),
        attribute: "url".to_owned(),
        reason: "attribute 'url' missing".to_owned(),
    })?;
    let unpack = attr("unpack").as_deref() == Some("1");
    let executable = attr("executable").as_deref() == Some("1");
    let fetch_error = |reason: String| BuildError::Fetch {
        url: url.clone(),
        reason,
    };
    let candidates = mirror_candidates(&url, mirrors)?;
    // An `http://` download goes to a temporary file beside the target.
    let mut part = target.as_os_str().to_owned();
    part.push(".download");
    let part = PathBuf::from(part);
    let (file, downloaded) = first_success(&url, &candidates, |candidate| {
        open_download(candidate, &part)
    })
    .map_err(fetch_error)?;
    let result = if archive {
        let strip_root = attr("stripRoot").as_deref() == Some("1");
        unpack_archive(file, target, strip_root, &fetch_error)
    } else {
        copy_download(file, target, unpack, executable, &url, &fetch_error)
    };
    if downloaded {
        let _ = std::fs::remove_file(&part);
    }
    result
}

/// The download of one concrete `url`, as a file to read: the file itself
/// for `file://`, `part` (filled now) for `http://`; `true` when `part`
/// was written and must be removed afterwards.
fn open_download(url: &str, part: &Path) -> Result<(std::fs::File, bool), String> {
    let io = |source: cairn_util::Error| error_chain(&source);
    if let Some(rest) = url.strip_prefix("file://") {
        // `file://HOST/path`: only the local host (empty or `localhost`).
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        if !path.starts_with('/') {
            return Err(format!("'{rest}' is not an absolute path on this host"));
        }
        let source = {
            use std::os::unix::ffi::OsStringExt;
            PathBuf::from(std::ffi::OsString::from_vec(percent_decode(path)))
        };
        return Ok((cairn_util::fs::open(&source).map_err(io)?, false));
    }
    if url.starts_with("http://") {
        let mut writer = std::io::BufWriter::new(cairn_util::fs::create_new(part).map_err(io)?);
        let fetched = crate::http::get(url, &mut writer).and_then(|()| {
            writer
                .flush()
                .map_err(|err| format!("writing '{}': {err}", part.display()))
        });
        drop(writer);
        if let Err(reason) = fetched {
            let _ = std::fs::remove_file(part);
            return Err(reason);
        }
        return match cairn_util::fs::open(part) {
            Ok(file) => Ok((file, true)),
            Err(err) => {
                let _ = std::fs::remove_file(part);
                Err(io(err))
            }
        };
    }
    let scheme = url.split_once("://").map_or("this kind of", |(s, _)| s);
    Err(format!(
        "cairn's builtin:fetchurl cannot download {scheme} URLs yet, only file:// \
         and http:// ones; add the file to the store and use its path instead"
    ))
}

/// Writes the downloaded `file` to `target`: as it is, or restored from a
/// NAR with `unpack`.
fn copy_download(
    file: std::fs::File,
    target: &Path,
    unpack: bool,
    executable: bool,
    url: &str,
    fetch_error: &dyn Fn(String) -> BuildError,
) -> Result<(), BuildError> {
    let io = |source: cairn_util::Error| fetch_error(error_chain(&source));
    if unpack {
        if url.ends_with(".xz") {
            return Err(fetch_error(
                "unpacking xz-compressed NARs is not supported yet".to_owned(),
            ));
        }
        cairn_nar::restore(std::io::BufReader::new(file), target)
            .map_err(|err| fetch_error(format!("the download is not a valid NAR: {err}")))?;
    } else {
        let mut reader = std::io::BufReader::new(file);
        let mut out = cairn_util::fs::create_new(target).map_err(io)?;
        std::io::copy(&mut reader, &mut out)
            .map_err(|err| fetch_error(format!("copying to '{}': {err}", target.display())))?;
        if executable {
            use std::os::unix::fs::PermissionsExt;
            cairn_util::fs::set_permissions(target, std::fs::Permissions::from_mode(0o755))
                .map_err(io)?;
        }
    }
    Ok(())
}

/// The compression of a tarball, from its first bytes.
fn sniff_compression(head: &[u8]) -> cairn_deb::Compression {
    use cairn_deb::Compression;
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Compression::Xz
    } else if head.starts_with(b"BZh") {
        Compression::Bzip2
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Unpacks the downloaded tarball `file` into `target`; with `strip_root`
/// its single top-level directory becomes `target`.
fn unpack_archive(
    file: std::fs::File,
    target: &Path,
    strip_root: bool,
    fetch_error: &dyn Fn(String) -> BuildError,
) -> Result<(), BuildError> {
    use std::io::{BufRead, BufReader};
    let mut reader = BufReader::new(file);
    let head = reader
        .fill_buf()
        .map_err(|err| fetch_error(format!("reading the download: {err}")))?;
    if head.starts_with(b"PK\x03\x04") {
        return Err(fetch_error(
            "the download is a zip archive; builtin:fetchzip unpacks tarballs only".to_owned(),
        ));
    }
    let decoder = sniff_compression(head)
        .decoder(reader)
        .map_err(|err| fetch_error(format!("the download is not a valid archive: {err}")))?;
    let unpack_dir = if strip_root {
        let mut name = target.as_os_str().to_owned();
        name.push(".unpack");
        PathBuf::from(name)
    } else {
        target.to_owned()
    };
    let unpacked = cairn_deb::unpack::unpack_tar(decoder, &unpack_dir)
        .map_err(|err| fetch_error(format!("cannot unpack the archive: {}", error_chain(&err))));
    if let Err(err) = unpacked {
        let _ = remove_tree(&unpack_dir);
        return Err(err);
    }
    if !strip_root {
        return Ok(());
    }
    let stripped = single_root(&unpack_dir).and_then(|root| {
        std::fs::rename(&root, target).map_err(|err| {
            format!(
                "cannot move '{}' to '{}': {err}",
                root.display(),
                target.display()
            )
        })
    });
    let _ = remove_tree(&unpack_dir);
    stripped.map_err(fetch_error)
}

/// The one directory in `dir`, or why there is not exactly one.
fn single_root(dir: &Path) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|err| format!("cannot read '{}': {err}", dir.display()))?;
    match entries.as_slice() {
        [root] if root.symlink_metadata().is_ok_and(|m| m.is_dir()) => Ok(root.clone()),
        [] => Err("the archive is empty".to_owned()),
        _ => {
            let mut names: Vec<String> = entries
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            names.sort();
            Err(format!(
                "the archive does not hold exactly one top-level directory (it has: {}); \
                 set stripRoot = false to keep its top level",
                names.join(", ")
            ))
        }
    }
}

/// Removes a partly unpacked tree (the extractor makes every directory
/// 0755, so nothing in it is read-only to its owner).
fn remove_tree(path: &Path) -> std::io::Result<()> {
    if path.symlink_metadata().is_err() {
        return Ok(());
    }
    std::fs::remove_dir_all(path)
}

/// `error: cause: cause…` for a message that has no room for a chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drv(url: &str) -> Derivation {
        let mut drv = Derivation::default();
        drv.env.insert("url".into(), url.into());
        drv
    }

    #[test]
    fn copies_a_file_url() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a b.txt");
        std::fs::write(&source, "hello\n").unwrap();
        let url = format!("file://{}", dir.path().join("a%20b.txt").display());
        let target = dir.path().join("out");
        fetchurl(&drv(&url), "x.drv", &target, &Mirrors::new()).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"hello\n");
    }

    #[test]
    fn refuses_http_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetchurl(
            &drv("https://example.invalid/x"),
            "x.drv",
            &dir.path().join("o"),
            &Mirrors::new(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with(
            "unable to download 'https://example.invalid/x': cairn's builtin:fetchurl cannot download https URLs yet"
        ));
    }

    #[test]
    fn mirror_urls_fall_back_to_the_next_base() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("second/pool")).unwrap();
        std::fs::write(dir.path().join("second/pool/x.deb"), "deb\n").unwrap();
        let base = |name: &str| format!("file://{}", dir.path().join(name).display());
        let mirrors: Mirrors = [("m".to_owned(), vec![base("first"), base("second/")])].into();
        let target = dir.path().join("out");
        fetchurl(&drv("mirror://m/pool/x.deb"), "x.drv", &target, &mirrors).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"deb\n");

        let err = fetchurl(
            &drv("mirror://m/pool/y.deb"),
            "x.drv",
            &dir.path().join("o2"),
            &mirrors,
        )
        .unwrap_err();
        let first = dir.path().join("first/pool/y.deb");
        let second = dir.path().join("second/pool/y.deb");
        assert_eq!(
            err.to_string(),
            format!(
                "unable to download 'mirror://m/pool/y.deb': no mirror has it; tried 2 URLs:\n  \
                 file://{0}: failed to open '{0}': No such file or directory (os error 2)\n  \
                 file://{1}: failed to open '{1}': No such file or directory (os error 2)",
                first.display(),
                second.display()
            )
        );
    }

    #[test]
    fn an_unconfigured_mirror_is_an_error_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetchurl(
            &drv("mirror://debian/pool/x.deb"),
            "x.drv",
            &dir.path().join("o"),
            &Mirrors::new(),
        )
        .unwrap_err();
        assert!(matches!(err, BuildError::Mirror(_)));
        assert_eq!(
            err.to_string(),
            "mirror://debian/pool/x.deb: no mirror is configured for 'debian'"
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetchurl(
            &drv("file:///nonexistent/x"),
            "x.drv",
            &dir.path().join("o"),
            &Mirrors::new(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to download 'file:///nonexistent/x': failed to open '/nonexistent/x': No such file or directory (os error 2)"
        );
    }
    /// A tarball of `entries` (name, contents, mode), bzip2-compressed.
    fn tarball(dir: &Path, entries: &[(&str, &[u8], u32)]) -> PathBuf {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data, mode) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(*mode);
            header.set_entry_type(tar::EntryType::Regular);
            // `set_path` refuses `..`: write the raw name.
            header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&tar).unwrap();
        let path = dir.join("src.tar.bz2");
        std::fs::write(&path, bz.finish().unwrap()).unwrap();
        path
    }

    fn zip_drv(archive: &Path, strip_root: bool) -> Derivation {
        let mut drv = drv(&format!("file://{}", archive.display()));
        if strip_root {
            drv.env.insert("stripRoot".into(), "1".into());
        }
        drv
    }

    #[test]
    fn fetchzip_unpacks_and_strips_the_single_root() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let archive = tarball(
            dir.path(),
            &[
                ("pkg-1.0/README", b"hi\n", 0o644),
                ("pkg-1.0/bin/run", b"#!/bin/sh\n", 0o755),
            ],
        );
        let target = dir.path().join("out");
        fetchzip(&zip_drv(&archive, true), "x.drv", &target, &Mirrors::new()).unwrap();
        assert_eq!(std::fs::read(target.join("README")).unwrap(), b"hi\n");
        let mode = std::fs::metadata(target.join("bin/run"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "the executable bit is kept");
        assert!(
            !dir.path().join("out.unpack").exists(),
            "the scratch directory is removed"
        );

        // Without stripRoot the top level is kept.
        let kept = dir.path().join("kept");
        fetchzip(&zip_drv(&archive, false), "x.drv", &kept, &Mirrors::new()).unwrap();
        assert!(kept.join("pkg-1.0/bin/run").is_file());
    }

    #[test]
    fn fetchzip_names_the_top_level_when_it_is_not_one_directory() {
        let dir = tempfile::tempdir().unwrap();
        let archive = tarball(dir.path(), &[("a/x", b"1", 0o644), ("b", b"2", 0o644)]);
        let target = dir.path().join("out");
        let err = fetchzip(&zip_drv(&archive, true), "x.drv", &target, &Mirrors::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not hold exactly one top-level directory (it has: a, b)"),
            "{err}"
        );
        assert!(!target.exists() && !dir.path().join("out.unpack").exists());
    }

    #[test]
    fn fetchzip_refuses_entries_outside_the_output_and_zip_files() {
        let dir = tempfile::tempdir().unwrap();
        let archive = tarball(dir.path(), &[("pkg/../../evil", b"x", 0o644)]);
        let target = dir.path().join("out");
        let err = fetchzip(&zip_drv(&archive, true), "x.drv", &target, &Mirrors::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot unpack the archive"), "{err}");
        assert!(!dir.path().join("evil").exists() && !target.exists());

        let zip = dir.path().join("src.zip");
        std::fs::write(&zip, b"PK\x03\x04rest").unwrap();
        let err = fetchzip(&zip_drv(&zip, true), "x.drv", &target, &Mirrors::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a zip archive"), "{err}");
    }
}
