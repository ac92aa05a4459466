//! `builtins.fetchurl` and `fetchTarball`, as Nix 2.8 does them, for
//! `file://` and `http://` URLs. `http://` goes through the builder's
//! small HTTP/1.1 client ([`cairn_build::http_get`]), so evaluation and
//! `builtin:fetchurl` download the same way; `https://` is refused with an
//! error naming the URL, as cairn has no TLS stack yet. `mirror://NAME/…`
//! URLs are resolved through the `mirrors.NAME` settings the caller gives
//! [`GlueIo::with_mirrors`](crate::GlueIo::with_mirrors), trying each base
//! URL in turn as `builtin:fetchurl` does ([`cairn_build::mirror_candidates`]).
//!
//! `fetchurl` stores the file flat, named after the URL's last component
//! (or `name`), so its path is the fixed-output path of its SHA-256;
//! `fetchTarball` unpacks a tarball (plain, gzip, xz or bzip2, told apart by
//! their magic bytes, not the URL), requires exactly one
//! top-level entry and stores that as a `source`-style path named `source`
//! (or `name`). With `sha256`, a path already valid is used as it is, and
//! a fetched file whose hash differs is an error that shows both hashes.
//! In read-only mode the paths are computed and nothing is written.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use cairn_eval::{EvalResult, Evaluator, Value};
use cairn_hash::{Encoding, HashAlgo};
use cairn_store_path::FileIngestionMethod;

use crate::io::{GlueIo, other};
use crate::paths::{base_name, parse_hash_allow_empty, store_path_value, string_no_context};

/// `builtins.fetchurl URL-or-ATTRS`.
pub(crate) fn fetchurl(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    fetch(ev, &a[0], "fetchurl", false, "")
}

/// `fetchTarball URL-or-ATTRS`.
pub(crate) fn fetch_tarball(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    fetch(ev, &a[0], "fetchTarball", true, "source")
}

fn fetch(
    ev: &mut Evaluator,
    arg: &Value,
    who: &str,
    unpack: bool,
    default_name: &str,
) -> EvalResult<Value> {
    let mut url = None;
    let mut expected = None;
    let mut name = default_name.to_string();
    match ev.force_value(arg)? {
        Value::Attrs(attrs) => {
            for (k, v) in attrs.iter() {
                match k.as_ref() {
                    "url" => url = Some(string_no_context(ev, v)?),
                    "sha256" => {
                        let s = string_no_context(ev, v)?;
                        expected = Some(parse_hash_allow_empty(&s, Some(HashAlgo::Sha256))?);
                    }
                    "name" => name = string_no_context(ev, v)?,
                    n => {
                        let e = other(format!("unsupported argument '{n}' to '{who}'"));
                        return Err(ev.error_at_attr(e, &attrs, n));
                    }
                }
            }
            if url.is_none() {
                return Err(other("'url' argument required"));
            }
        }
        v => url = Some(string_no_context(ev, &v)?),
    }
    let url = url.unwrap_or_default();
    if name.is_empty() {
        name = base_name(&url).to_string();
    }
    let io = Rc::clone(ev.io());
    let glue = GlueIo::from_io(&io)?;
    let store_dir = glue.store_dir_value().clone();
    let method = if unpack {
        FileIngestionMethod::Recursive
    } else {
        FileIngestionMethod::Flat
    };
    if let Some(h) = &expected {
        let expected_path = store_dir
            .make_fixed_output_path(method, h, &name, [], false)
            .map_err(|e| other(e.to_string()))?;
        if glue.is_known_path(&expected_path)? {
            return Ok(store_path_value(&store_dir, &expected_path));
        }
    }
    // Keeps an `http://` download alive until it has been added.
    let download =
        tempfile::tempdir().map_err(|e| other(format!("creating a temporary directory: {e}")))?;
    let source = source_file(&url, download.path(), glue.mirrors())?;
    let (store_path, hash) = if unpack {
        let dir = tempfile::tempdir()
            .map_err(|e| other(format!("creating a temporary directory: {e}")))?;
        unpack_tarball(&source, dir.path(), &url)?;
        let top = single_top_level(dir.path(), &url)?;
        let hash = crate::paths::hash_host_path(&top, method, HashAlgo::Sha256, None)?;
        (glue.add_host_path(&name, &top, method, None)?, hash)
    } else {
        let hash = crate::paths::hash_host_path(&source, method, HashAlgo::Sha256, None)?;
        (glue.add_host_path(&name, &source, method, None)?, hash)
    };
    if let Some(h) = expected
        && h != hash
    {
        return Err(other(format!(
            "hash mismatch in file downloaded from '{url}':\n  specified: {}\n  got:       {}",
            h.encode(Encoding::Nix32, true),
            hash.encode(Encoding::Nix32, true)
        ))
        .unpositioned());
    }
    Ok(store_path_value(&store_dir, &store_path))
}

/// The local file holding `url`'s contents: the file itself for `file://`,
/// a download into `tmp` for `http://`. A `mirror://` URL is resolved
/// through `mirrors`, trying each base URL in turn.
fn source_file(url: &str, tmp: &Path, mirrors: &cairn_build::Mirrors) -> EvalResult<PathBuf> {
    let candidates = cairn_build::mirror_candidates(url, mirrors)
        .map_err(|err| other(format!("{err} ({})", err.help())))?;
    cairn_build::first_success(url, &candidates, |candidate| fetch_one(candidate, tmp))
        .map_err(|reason| other(format!("unable to download '{url}': {reason}")))
}

/// One concrete URL's contents as a local file: the file itself for
/// `file://`, a download into the directory `tmp` (named after the URL's
/// last component) for `http://`. The error is the reason alone, without
/// the URL. `cairn store prefetch-url` downloads through this too, so it
/// fetches exactly as `builtins.fetchurl` does.
///
/// # Errors
/// The file is missing, the download failed, or the scheme is not
/// `file://` or `http://`.
pub fn fetch_one(url: &str, tmp: &Path) -> Result<PathBuf, String> {
    if let Some(path) = url.strip_prefix("file://") {
        return local_file(path);
    }
    if url.starts_with("http://") {
        // Named after the URL's last component, like the store path.
        let target = tmp.join(match base_name(url) {
            "" | "." | ".." => "download",
            b => b,
        });
        let file = std::fs::File::create(&target)
            .map_err(|e| format!("creating '{}': {e}", target.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        cairn_build::http_get(url, &mut writer).and_then(|()| {
            std::io::Write::flush(&mut writer)
                .map_err(|e| format!("writing '{}': {e}", target.display()))
        })?;
        return Ok(target);
    }
    if url.starts_with("https://") {
        return Err(
            "cairn cannot download https:// URLs yet (no TLS support); use an \
             http:// or file:// URL, or add the file to the store and use its path instead"
                .to_owned(),
        );
    }
    Err("cairn fetches only file:// and http:// URLs during evaluation".to_owned())
}

/// The local file a `file://` URL's `path` names.
fn local_file(path: &str) -> Result<PathBuf, String> {
    let path = percent_decode(path);
    if !Path::new(&path).exists() {
        return Err("Couldn't read a file:// file (37)".to_owned());
    }
    Ok(PathBuf::from(path))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Unpacks a plain, gzip-, xz- or bzip2-compressed tar archive into
/// `dest`, recognising the compression by its magic bytes.
fn unpack_tarball(source: &Path, dest: &Path, url: &str) -> EvalResult<()> {
    unpack_archive(source, dest)
        .map_err(|reason| other(format!("failed to extract archive '{url}': {reason}")))
}

/// Unpacks the tar archive `source` (plain, gzip, xz or bzip2, told apart
/// by their magic bytes) into the directory `dest`, without keeping
/// modification times. Shared with `cairn store prefetch-url --unpack`.
///
/// # Errors
/// `source` cannot be read, or is not such an archive.
pub fn unpack_archive(source: &Path, dest: &Path) -> Result<(), String> {
    let bytes =
        std::fs::read(source).map_err(|e| format!("opening file '{}': {e}", source.display()))?;
    let reader: Box<dyn std::io::Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::GzDecoder::new(bytes.as_slice()))
    } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Box::new(xz2::read::XzDecoder::new(bytes.as_slice()))
    } else if bytes.starts_with(b"BZh") {
        Box::new(bzip2::read::BzDecoder::new(bytes.as_slice()))
    } else {
        Box::new(bytes.as_slice())
    };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_mtime(false);
    archive.unpack(dest).map_err(|e| e.to_string())
}

fn single_top_level(dir: &Path, url: &str) -> EvalResult<PathBuf> {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| other(format!("reading directory '{}': {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    match entries.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(other(format!(
            "tarball '{url}' contains an unexpected number of top-level files"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_and_schemes() {
        assert_eq!(percent_decode("/a%20b"), "/a b");
        assert!(fetch_one("https://example.invalid/x", Path::new("/nonexistent")).is_err());
    }

    fn mirrors(urls: &[String]) -> cairn_build::Mirrors {
        [("m".to_owned(), urls.to_vec())].into()
    }

    #[test]
    fn mirror_urls_try_each_base_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/pool")).unwrap();
        std::fs::write(dir.path().join("b/pool/f"), "x").unwrap();
        let base = |n: &str| format!("file://{}", dir.path().join(n).display());
        let m = mirrors(&[base("a"), base("b")]);
        assert_eq!(
            source_file("mirror://m/pool/f", dir.path(), &m).unwrap(),
            dir.path().join("b/pool/f")
        );
        let err = source_file("mirror://m/pool/g", dir.path(), &m).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "error: unable to download 'mirror://m/pool/g': no mirror has it; tried 2 \
                 URLs:\n         {}/pool/g: Couldn't read a file:// file (37)\n         \
                 {}/pool/g: Couldn't read a file:// file (37)",
                base("a"),
                base("b")
            )
        );
    }

    #[test]
    fn an_unconfigured_mirror_names_the_setting() {
        let err =
            source_file("mirror://debian/pool/x.deb", Path::new("/"), &mirrors(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: mirror://debian/pool/x.deb: no mirror is configured for 'debian' (add \
             `mirrors.debian = URL …` to cairn.conf, or pass `--option mirrors.debian URL`)"
        );
    }
}
