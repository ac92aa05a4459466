//! [`NarInfo`]: the `.narinfo` file a binary cache keeps for each store
//! object.

use std::collections::BTreeSet;

use cairn_hash::{Encoding, Hash, ParseHashError};
use cairn_store_path::{
    ContentAddress, ParseContentAddressError, StoreDir, StorePath, StorePathError,
};

use crate::keys::{SecretKey, TrustedKeys};
use crate::path_info::{FingerprintError, PathInfo};

/// The compression Nix assumes when a narinfo names none.
pub const DEFAULT_COMPRESSION: &str = "bzip2";

/// Why a `.narinfo` could not be parsed. Every variant that comes from a
/// line carries its 1-based line number and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseNarInfoError {
    /// A line (and everything after it) has no `:`.
    #[error("line {line}: no ':' after a field name")]
    MissingColon {
        /// The line.
        line: usize,
    },
    /// The value of a field is not followed by a newline.
    #[error("line {line}: field '{field}' is not terminated by a newline")]
    MissingNewline {
        /// The line.
        line: usize,
        /// The field.
        field: String,
    },
    /// The value is not UTF-8 (only possible when the byte after the colon
    /// starts a multi-byte character).
    #[error("line {line}: the value of '{field}' is not valid UTF-8")]
    NotUtf8 {
        /// The line.
        line: usize,
        /// The field.
        field: &'static str,
    },
    /// `StorePath` is not absolute.
    #[error("line {line}: StorePath '{value}' is not an absolute path")]
    NotAbsolute {
        /// The line.
        line: usize,
        /// The value.
        value: String,
    },
    /// A store path (`StorePath`, a reference, `Deriver`) is invalid.
    #[error("line {line}: {field}: bad store path")]
    BadStorePath {
        /// The line.
        line: usize,
        /// The field.
        field: &'static str,
        /// Why.
        #[source]
        source: StorePathError,
    },
    /// `FileHash` or `NarHash` is not a hash with an algorithm.
    #[error("line {line}: {field}: bad hash")]
    BadHash {
        /// The line.
        line: usize,
        /// The field.
        field: &'static str,
        /// Why.
        #[source]
        source: ParseHashError,
    },
    /// `FileSize` or `NarSize` is not a non-negative 64-bit integer.
    #[error("line {line}: {field}: '{value}' is not a non-negative integer")]
    BadInteger {
        /// The line.
        line: usize,
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// `CA` is not a content address.
    #[error("line {line}: CA: bad content address")]
    BadContentAddress {
        /// The line.
        line: usize,
        /// Why.
        #[source]
        source: ParseContentAddressError,
    },
    /// A second `References` line after a non-empty one, or a second `CA`
    /// line after a non-empty one.
    #[error("line {line}: field '{field}' is given twice")]
    Duplicate {
        /// The line of the second occurrence.
        line: usize,
        /// The field.
        field: &'static str,
    },
    /// A required field is absent (or `URL` is empty).
    #[error("required field '{field}' is missing")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// `NarSize` is 0.
    #[error("line {line}: NarSize must not be 0")]
    ZeroNarSize {
        /// The line.
        line: usize,
    },
}

/// A parsed `.narinfo`: a store object's [`PathInfo`] and where its
/// (possibly compressed) NAR is in the cache.
///
/// # The format, as Nix 2.8 reads and writes it
///
/// Lines of `Key: value`, written in this order:
///
/// ```text
/// StorePath: /nix/store/HASH-NAME       absolute; required
/// URL: nar/….nar                         required, non-empty
/// Compression: none                      absent or empty means bzip2
/// FileHash: sha256:NIX32                 optional
/// FileSize: 160                          optional
/// NarHash: sha256:NIX32                  required
/// NarSize: 160                           required, not 0
/// References: HASH-NAME HASH-NAME        base names, space-separated, may be empty
/// Deriver: HASH-NAME.drv                 optional; `unknown-deriver` means none
/// System: x86_64-linux                   optional
/// Sig: NAME:BASE64                       any number, printed sorted
/// CA: fixed:r:sha256:NIX32               optional; empty means none
/// ```
///
/// Reading follows Nix's scanner exactly, quirks included (each checked
/// against the Nix 2.8 peer):
///
/// * the key runs up to the next `:`, even across a newline; the value
///   starts two bytes after the colon (the byte after the colon, normally
///   a space, is skipped whatever it is) and runs to the next newline.
///   So every line needs its newline, including the last; a blank line
///   swallows the line after it into an unknown key; and `References:`
///   with nothing after the colon takes the whole next line as its value;
/// * unknown keys are ignored; a repeated key overrides the earlier
///   value, except that `Sig` accumulates, a second non-empty
///   `References` or a second non-empty `CA` is an error;
/// * hashes must carry their algorithm (`ALGO:DIGEST` in any encoding,
///   or SRI); sizes are decimal with an optional `+`;
/// * `StorePath` is canonicalised (`//`, `.`, `..`, a trailing `/`)
///   before it is checked to be directly inside the store directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarInfo {
    /// The object's metadata: path, NAR hash and size, references,
    /// deriver, signatures, content address.
    pub info: PathInfo,
    /// Where the NAR file is, relative to the cache root (or absolute).
    pub url: String,
    /// `none`, `xz`, `bzip2`, `zstd`, `br`, …; parsing sets
    /// [`DEFAULT_COMPRESSION`] when the file names none.
    pub compression: String,
    /// The hash of the (compressed) NAR file.
    pub file_hash: Option<Hash>,
    /// The size of the (compressed) NAR file.
    pub file_size: Option<u64>,
    /// The system type of the derivation that produced the object. Nix
    /// writes the line only when this is non-empty, and parsing an empty
    /// `System:` gives `None`.
    pub system: Option<String>,
}

impl NarInfo {
    /// A narinfo for `info` with the NAR at `url`, uncompressed
    /// (`compression` `none`, file hash and size those of the NAR).
    #[must_use]
    pub fn uncompressed(info: PathInfo, url: String) -> NarInfo {
        NarInfo {
            file_hash: Some(info.nar_hash),
            file_size: Some(info.nar_size),
            url,
            compression: "none".to_owned(),
            system: None,
            info,
        }
    }

    /// Parses a `.narinfo` with Nix 2.8's rules (see [`NarInfo`]).
    /// `store_dir` is the directory `StorePath` must be in.
    ///
    /// # Errors
    /// A [`ParseNarInfoError`] naming the line and field.
    pub fn parse(store_dir: &StoreDir, text: &str) -> Result<NarInfo, ParseNarInfoError> {
        parse(store_dir, text)
    }

    /// Prints the narinfo exactly as Nix 2.8 writes it, so that a file Nix
    /// wrote reads back and prints byte for byte.
    ///
    /// Hashes print as `ALGO:NIX32`. Strings (`url`, `compression`,
    /// `system`, signatures) must not contain newlines, and `url` and
    /// `compression` must be non-empty, or the result will not parse.
    #[must_use]
    pub fn to_text(&self, store_dir: &StoreDir) -> String {
        use std::fmt::Write as _;
        let info = &self.info;
        let mut out = String::with_capacity(512);
        // Writing to a String cannot fail.
        let _ = writeln!(out, "StorePath: {}", store_dir.display(&info.path));
        let _ = writeln!(out, "URL: {}", self.url);
        let _ = writeln!(out, "Compression: {}", self.compression);
        if let Some(file_hash) = &self.file_hash {
            let _ = writeln!(out, "FileHash: {}", file_hash.encode(Encoding::Nix32, true));
        }
        if let Some(file_size) = self.file_size {
            let _ = writeln!(out, "FileSize: {file_size}");
        }
        let _ = writeln!(
            out,
            "NarHash: {}",
            info.nar_hash.encode(Encoding::Nix32, true)
        );
        let _ = writeln!(out, "NarSize: {}", info.nar_size);
        let references: Vec<String> = info.references.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "References: {}", references.join(" "));
        if let Some(deriver) = &info.deriver {
            let _ = writeln!(out, "Deriver: {deriver}");
        }
        if let Some(system) = self.system.as_deref().filter(|s| !s.is_empty()) {
            let _ = writeln!(out, "System: {system}");
        }
        for sig in &info.signatures {
            let _ = writeln!(out, "Sig: {sig}");
        }
        if let Some(ca) = &info.ca {
            let _ = writeln!(out, "CA: {ca}");
        }
        out
    }

    /// [`PathInfo::fingerprint`] of the object.
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when the NAR size is 0.
    pub fn fingerprint(&self, store_dir: &StoreDir) -> Result<String, FingerprintError> {
        self.info.fingerprint(store_dir)
    }

    /// [`PathInfo::sign`]: adds a `Sig` made with `key`.
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when the NAR size is 0.
    pub fn sign(&mut self, store_dir: &StoreDir, key: &SecretKey) -> Result<(), FingerprintError> {
        self.info.sign(store_dir, key)
    }

    /// [`PathInfo::valid_signatures`]: the `Sig` values that verify with
    /// `keys`.
    ///
    /// # Errors
    /// [`FingerprintError::UnknownNarSize`] when the NAR size is 0.
    pub fn valid_signatures(
        &self,
        store_dir: &StoreDir,
        keys: &TrustedKeys,
    ) -> Result<Vec<&str>, FingerprintError> {
        self.info.valid_signatures(store_dir, keys)
    }
}

/// The fields of a narinfo while it is being read.
#[derive(Default)]
struct Fields {
    path: Option<StorePath>,
    url: String,
    compression: String,
    file_hash: Option<Hash>,
    file_size: Option<u64>,
    nar_hash: Option<Hash>,
    nar_size: Option<(u64, usize)>,
    references: BTreeSet<StorePath>,
    deriver: Option<StorePath>,
    system: Option<String>,
    signatures: BTreeSet<String>,
    ca: Option<ContentAddress>,
}

fn parse(store_dir: &StoreDir, text: &str) -> Result<NarInfo, ParseNarInfoError> {
    let bytes = text.as_bytes();
    let mut fields = Fields::default();
    let mut pos = 0;
    let mut line = 1;
    while pos < bytes.len() {
        let Some(colon) = find(bytes, b':', pos) else {
            return Err(ParseNarInfoError::MissingColon { line });
        };
        let key = &bytes[pos..colon];
        // Nix skips the byte after the colon and looks for the newline
        // from there; a value can therefore never start before colon + 2.
        let start = colon + 2;
        // The key may span lines (a line without a colon, or a blank
        // line), and the skipped byte may be a newline: errors name the
        // line the value is on.
        let value_line = line + count_newlines(&bytes[pos..start.min(bytes.len())]);
        let Some(eol) = (start < bytes.len())
            .then(|| find(bytes, b'\n', start))
            .flatten()
        else {
            return Err(ParseNarInfoError::MissingNewline {
                line: value_line,
                field: String::from_utf8_lossy(key).into_owned(),
            });
        };
        let value = &bytes[start..eol];
        field(store_dir, &mut fields, key, value, value_line)?;
        line = value_line + 1 + count_newlines(value);
        pos = eol + 1;
    }
    let path = fields
        .path
        .ok_or(ParseNarInfoError::MissingField { field: "StorePath" })?;
    let nar_hash = fields
        .nar_hash
        .ok_or(ParseNarInfoError::MissingField { field: "NarHash" })?;
    if fields.url.is_empty() {
        return Err(ParseNarInfoError::MissingField { field: "URL" });
    }
    let nar_size = match fields.nar_size {
        None => return Err(ParseNarInfoError::MissingField { field: "NarSize" }),
        Some((0, line)) => return Err(ParseNarInfoError::ZeroNarSize { line }),
        Some((size, _)) => size,
    };
    if fields.compression.is_empty() {
        DEFAULT_COMPRESSION.clone_into(&mut fields.compression);
    }
    Ok(NarInfo {
        info: PathInfo {
            path,
            nar_hash,
            nar_size,
            references: fields.references,
            deriver: fields.deriver,
            signatures: fields.signatures,
            ca: fields.ca,
        },
        url: fields.url,
        compression: fields.compression,
        file_hash: fields.file_hash,
        file_size: fields.file_size,
        system: fields.system,
    })
}

fn field(
    store_dir: &StoreDir,
    fields: &mut Fields,
    key: &[u8],
    value: &[u8],
    line: usize,
) -> Result<(), ParseNarInfoError> {
    let name: &'static str = match key {
        b"StorePath" => "StorePath",
        b"URL" => "URL",
        b"Compression" => "Compression",
        b"FileHash" => "FileHash",
        b"FileSize" => "FileSize",
        b"NarHash" => "NarHash",
        b"NarSize" => "NarSize",
        b"References" => "References",
        b"Deriver" => "Deriver",
        b"System" => "System",
        b"Sig" => "Sig",
        b"CA" => "CA",
        // Nix ignores keys it does not know, without even decoding them.
        _ => return Ok(()),
    };
    let value =
        std::str::from_utf8(value).map_err(|_| ParseNarInfoError::NotUtf8 { line, field: name })?;
    let bad_path = |source| ParseNarInfoError::BadStorePath {
        line,
        field: name,
        source,
    };
    let bad_hash = |source| ParseNarInfoError::BadHash {
        line,
        field: name,
        source,
    };
    match name {
        "StorePath" => {
            let canonical = canonicalise(value).ok_or_else(|| ParseNarInfoError::NotAbsolute {
                line,
                value: value.to_owned(),
            })?;
            fields.path = Some(store_dir.parse_path(&canonical).map_err(bad_path)?);
        }
        "URL" => value.clone_into(&mut fields.url),
        "Compression" => value.clone_into(&mut fields.compression),
        "FileHash" => fields.file_hash = Some(Hash::parse_prefixed(value).map_err(bad_hash)?),
        "FileSize" => fields.file_size = Some(parse_u64(value, line, name)?),
        "NarHash" => fields.nar_hash = Some(Hash::parse_prefixed(value).map_err(bad_hash)?),
        "NarSize" => fields.nar_size = Some((parse_u64(value, line, name)?, line)),
        "References" => {
            if !fields.references.is_empty() {
                return Err(ParseNarInfoError::Duplicate { line, field: name });
            }
            for reference in value.split(' ').filter(|r| !r.is_empty()) {
                fields
                    .references
                    .insert(StorePath::from_base_name(reference).map_err(bad_path)?);
            }
        }
        "Deriver" => {
            if value != "unknown-deriver" {
                fields.deriver = Some(StorePath::from_base_name(value).map_err(bad_path)?);
            }
        }
        // Nix keeps an empty system as "no system" and never prints it.
        "System" => fields.system = (!value.is_empty()).then(|| value.to_owned()),
        "Sig" => {
            fields.signatures.insert(value.to_owned());
        }
        _ => {
            // "CA"
            if fields.ca.is_some() {
                return Err(ParseNarInfoError::Duplicate { line, field: name });
            }
            if !value.is_empty() {
                fields.ca = Some(
                    value
                        .parse()
                        .map_err(|source| ParseNarInfoError::BadContentAddress { line, source })?,
                );
            }
        }
    }
    Ok(())
}

fn find(bytes: &[u8], byte: u8, from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == byte)
        .map(|i| i + from)
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Nix's `canonPath` without symlink resolution: drops empty and `.`
/// components, resolves `..` lexically. `None` when not absolute.
fn canonicalise(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Reads an unsigned decimal as Nix's `string2Int<uint64_t>` does: an
/// optional `+`, then digits, nothing else.
fn parse_u64(value: &str, line: usize, field: &'static str) -> Result<u64, ParseNarInfoError> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseNarInfoError::BadInteger {
            line,
            field,
            value: value.to_owned(),
        });
    }
    digits.parse().map_err(|_| ParseNarInfoError::BadInteger {
        line,
        field,
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
StorePath: /nix/store/1zp2q7m6wjdaj67pa2yhcagshkp95xg1-nf-test
URL: nar/0nim5l43qg1yz6bbwg77ky6rii8ys0jhm6ld10lwrscsz7ssz87j.nar
Compression: none
FileHash: sha256:0nim5l43qg1yz6bbwg77ky6rii8ys0jhm6ld10lwrscsz7ssz87j
FileSize: 160
NarHash: sha256:0nim5l43qg1yz6bbwg77ky6rii8ys0jhm6ld10lwrscsz7ssz87j
NarSize: 160
References: ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref
Deriver: m6d1pp6fshlbjg02qm5s3hfs0rnyh5pw-nf-test.drv
Sig: test1:SnmrY0ZYK7mv4L+ufo6khFupWZ4oP59wume/TIgRXT6SJKk/cUxEDbVIhX9JCOOr9EwVh8X9TD9xOjvqkEGXBA==
";

    fn parse(text: &str) -> Result<NarInfo, ParseNarInfoError> {
        NarInfo::parse(&StoreDir::default(), text)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    fn replace(line_start: &str, with: &str) -> String {
        GOOD.lines()
            .map(|l| {
                if l.starts_with(line_start) {
                    with.to_owned()
                } else {
                    l.to_owned()
                }
            })
            .filter(|l| !l.is_empty())
            .map(|l| l + "\n")
            .collect()
    }

    #[test]
    fn round_trips() {
        let info = parse(GOOD).unwrap();
        assert_eq!(info.to_text(&StoreDir::default()), GOOD);
        assert_eq!(info.compression, "none");
        assert_eq!(info.info.references.len(), 1);
    }

    // Each case below was run through `nix path-info --store file://…`
    // of Nix 2.8 with the same edit to GOOD; the comments say what Nix did.

    #[test]
    fn needs_every_newline() {
        // Nix: corrupt.
        assert_eq!(
            error(GOOD.trim_end()),
            "line 10: field 'Sig' is not terminated by a newline"
        );
        // Nix: corrupt (the blank line has no colon).
        assert_eq!(
            error(&format!("{GOOD}\n")),
            "line 11: no ':' after a field name"
        );
        assert_eq!(
            error(&format!("{GOOD}garbage\n")),
            "line 11: no ':' after a field name"
        );
    }

    #[test]
    fn ignores_unknown_keys_and_applies_defaults() {
        // Nix: accepted.
        let info = parse(&format!("{GOOD}Foo: bar\nSystem: x86_64-linux\n")).unwrap();
        assert_eq!(info.system.as_deref(), Some("x86_64-linux"));
        assert_eq!(parse(&format!("{GOOD}System: \n")).unwrap().system, None);
        // Nix: accepted, with compression bzip2.
        assert_eq!(
            parse(&replace("Compression", "")).unwrap().compression,
            "bzip2"
        );
        assert_eq!(
            parse(&replace("Compression", "Compression: "))
                .unwrap()
                .compression,
            "bzip2"
        );
        // Nix: accepted.
        let info = parse(&replace("File", "")).unwrap();
        assert_eq!((info.file_hash, info.file_size), (None, None));
        // Nix: accepted, with no deriver.
        assert_eq!(
            parse(&replace("Deriver", "Deriver: unknown-deriver"))
                .unwrap()
                .info
                .deriver,
            None
        );
    }

    #[test]
    fn reproduces_the_scanner_quirks() {
        // Nix: accepted with URL "ar/…" (the byte after the colon is skipped).
        assert!(parse(&replace("URL", "URL:nar/x")).unwrap().url == "ar/x");
        // Nix: accepted with no references (the blank line eats the line).
        let text = GOOD.replace("References", "\nReferences");
        assert!(parse(&text).unwrap().info.references.is_empty());
        // Nix: corrupt (URL is eaten, so it is missing).
        assert_eq!(
            error(&GOOD.replace("URL", "\nURL")),
            "required field 'URL' is missing"
        );
        // Nix: "'Deriver:' is too short…": the value is the next line.
        assert_eq!(
            error(&replace("References", "References:")),
            "line 9: References: bad store path"
        );
        // Nix: accepted; canonicalised.
        let odd = replace(
            "StorePath",
            "StorePath: /nix/./store//1zp2q7m6wjdaj67pa2yhcagshkp95xg1-nf-test/",
        );
        assert_eq!(parse(&odd).unwrap(), parse(GOOD).unwrap());
    }

    #[test]
    fn duplicates() {
        let refs = "References: ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref\n";
        // Nix: corrupt.
        assert_eq!(
            error(&format!("{GOOD}{refs}")),
            "line 11: field 'References' is given twice"
        );
        // Nix: accepted.
        assert_eq!(
            parse(&format!("{}{refs}", replace("References", "References: "))).unwrap(),
            parse(GOOD).unwrap()
        );
        // Nix: accepted; duplicates and extra spaces collapse.
        let spaced = replace(
            "References",
            "References:  ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref  ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref ",
        );
        assert_eq!(parse(&spaced).unwrap(), parse(GOOD).unwrap());
        let ca = "CA: text:sha256:10a83a91g1r50bdw8g4hn47m7j7m6angpabwc80l9c16nx11cw9d\n";
        // Nix: corrupt.
        assert_eq!(
            error(&format!("{GOOD}{ca}{ca}")),
            "line 12: field 'CA' is given twice"
        );
        // Nix: accepted.
        assert!(
            parse(&format!("{GOOD}CA: \n{ca}"))
                .unwrap()
                .info
                .ca
                .is_some()
        );
        // Nix: accepted; signatures accumulate, sorted, malformed ones kept.
        let info = parse(&format!("{GOOD}Sig: foo\nSig: \n")).unwrap();
        let sigs: Vec<&str> = info.info.signatures.iter().map(String::as_str).collect();
        assert_eq!(sigs.len(), 3);
        assert_eq!(&sigs[..2], ["", "foo"]);
    }

    #[test]
    fn required_fields_and_numbers() {
        // Nix: corrupt, for each.
        assert_eq!(
            error(&replace("URL", "")),
            "required field 'URL' is missing"
        );
        assert_eq!(
            error(&replace("NarHash", "")),
            "required field 'NarHash' is missing"
        );
        assert_eq!(
            error(&replace("StorePath", "")),
            "required field 'StorePath' is missing"
        );
        assert_eq!(
            error(&replace("NarSize", "")),
            "required field 'NarSize' is missing"
        );
        assert_eq!(
            error(&replace("NarSize", "NarSize: 0")),
            "line 7: NarSize must not be 0"
        );
        assert_eq!(
            error(&replace("NarSize", "NarSize: 160 ")),
            "line 7: NarSize: '160 ' is not a non-negative integer"
        );
        for bad in ["-1", "18446744073709551616", "", "+", "0x10"] {
            assert!(matches!(
                parse(&replace("FileSize", &format!("FileSize: {bad}"))),
                Err(ParseNarInfoError::BadInteger {
                    line: 5,
                    field: "FileSize",
                    ..
                })
            ));
        }
        // Nix: accepted, as 160.
        assert_eq!(
            parse(&replace("NarSize", "NarSize: +160"))
                .unwrap()
                .info
                .nar_size,
            160
        );
        assert_eq!(
            parse(&replace("NarSize", "NarSize: 0160"))
                .unwrap()
                .info
                .nar_size,
            160
        );
        // Nix: accepted (SRI); corrupt (no algorithm).
        assert!(
            parse(&replace(
                "NarHash",
                "NarHash: sha256-8qCv9fma6cwpCI2aCiXQHsWYjZ/nPL6W+T48PAgtNVo="
            ))
            .is_ok()
        );
        assert_eq!(
            error(&replace(
                "NarHash",
                "NarHash: 8qCv9fma6cwpCI2aCiXQHsWYjZ/nPL6W+T48PAgtNVo="
            )),
            "line 6: NarHash: bad hash"
        );
        assert_eq!(
            error(&replace(
                "StorePath",
                "StorePath: /gnu/store/1zp2q7m6wjdaj67pa2yhcagshkp95xg1-nf-test"
            )),
            "line 1: StorePath: bad store path"
        );
        assert_eq!(
            error(&replace("StorePath", "StorePath: nix/store/x")),
            "line 1: StorePath 'nix/store/x' is not an absolute path"
        );
    }

    #[test]
    fn multibyte_after_colon_is_an_error_not_a_panic() {
        assert_eq!(
            error(&replace("URL", "URL:é")),
            "line 2: the value of 'URL' is not valid UTF-8"
        );
        assert!(parse("é:é\n").is_err());
    }

    #[test]
    fn canonicalise_paths() {
        assert_eq!(canonicalise("/a//b/./c/../d/").as_deref(), Some("/a/b/d"));
        assert_eq!(canonicalise("/..").as_deref(), Some("/"));
        assert_eq!(canonicalise("a"), None);
    }
}
