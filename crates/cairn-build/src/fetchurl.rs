//! `builtin:fetchurl`, the builder Nix runs in-process for
//! `<nix/fetchurl.nix>` (the bootstrap tarballs of every package set).
//!
//! It reads `url`, writes the file to the output `out`, makes it
//! executable when `executable = "1"`, and with `unpack = "1"` restores
//! the download as a NAR instead. It is always a fixed-output derivation,
//! so the download is checked against `outputHash` afterwards like any
//! other fixed output, and TLS verification would add nothing.
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
    let result = copy_download(file, target, unpack, executable, &url, &fetch_error);
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
}
