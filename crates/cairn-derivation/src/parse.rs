//! Reading a [`Derivation`] from its ATerm, the text of a `.drv` file.
//!
//! The grammar is Nix 2.8's `parseDerivation`:
//!
//! ```text
//! Derive([OUTPUT,…],[(DRV_PATH,[OUTPUT_NAME,…]),…],[SRC_PATH,…],SYSTEM,BUILDER,[ARG,…],[(KEY,VALUE),…])
//! OUTPUT = (NAME,PATH,HASH_ALGO,HASH)
//! ```
//!
//! Strings are `"…"`, with `\n`, `\r` and `\t` escapes; a backslash before
//! any other byte stands for that byte. No whitespace is allowed anywhere.
//!
//! cairn accepts what Nix accepts, with these deliberate exceptions, none
//! of which Nix ever writes: elements must be separated by exactly one
//! comma; nothing may follow the closing parenthesis; duplicate outputs,
//! input derivations, input sources, output names or environment keys are
//! errors (Nix silently keeps one); an output with a hash but no hash
//! algorithm is an error (Nix ignores the hash); output names must be
//! UTF-8; and a field that Nix writes without escapes (output names, the
//! system) may not contain `"` or `\`, since writing it back would give a
//! file nobody can read.

use std::collections::btree_map::Entry;
use std::fmt;

use bstr::{BStr, BString, ByteSlice};
use cairn_hash::{Hash, HashAlgo, ParseHashError};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath, StorePathError};

use crate::derivation::{Derivation, DerivationOutput};

/// Why a `.drv` file could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    offset: usize,
    line: usize,
    column: usize,
    kind: ParseErrorKind,
}

impl ParseError {
    /// The byte offset in the input where the problem is.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based line of [`ParseError::offset`].
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column (in bytes) of [`ParseError::offset`].
    #[must_use]
    pub fn column(&self) -> usize {
        self.column
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {} (line {}, column {})",
            self.kind, self.offset, self.line, self.column
        )
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// What went wrong while parsing a `.drv` file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// Something other than the expected syntax.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the grammar needs here, such as `'Derive(['` or `',' or ']'`.
        expected: &'static str,
        /// The input found instead (a short quoted excerpt, or `end of
        /// input`).
        found: String,
    },
    /// The input ends inside a string.
    #[error("unterminated string")]
    UnterminatedString,
    /// A path that is not a store path in this store directory.
    #[error("bad path '{path}' in derivation")]
    BadPath {
        /// The path as written.
        path: BString,
        /// Why it is not a store path.
        #[source]
        source: StorePathError,
    },
    /// A path that is not even absolute (or not UTF-8).
    #[error("bad path '{path}' in derivation")]
    NotAPath {
        /// The path as written.
        path: BString,
    },
    /// A field that must be UTF-8 is not.
    #[error("{field} '{value}' is not valid UTF-8")]
    NotUtf8 {
        /// Which field.
        field: &'static str,
        /// Its bytes.
        value: BString,
    },
    /// A field Nix writes without escapes holds `"` or `\`.
    #[error(
        "{field} '{value}' contains '\"' or '\\', which Nix writes without escapes, so it could not be written back"
    )]
    VerbatimFieldEscapes {
        /// Which field.
        field: &'static str,
        /// Its bytes.
        value: BString,
    },
    /// An unknown hash algorithm in an output.
    #[error("unknown hash algorithm '{algo}'")]
    UnknownHashAlgo {
        /// The algorithm as written (without `r:`).
        algo: BString,
    },
    /// A fixed output's hash does not parse.
    #[error("bad hash '{hash}' in output '{output}'")]
    BadHash {
        /// The output's name.
        output: String,
        /// The hash as written.
        hash: BString,
        /// Why it does not parse.
        #[source]
        source: ParseHashError,
    },
    /// An output whose fields do not fit together.
    #[error("output '{output}' {reason}")]
    BadOutput {
        /// The output's name.
        output: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The same key twice.
    #[error("duplicate {what} '{key}'")]
    Duplicate {
        /// What is duplicated: `output`, `input derivation`, …
        what: &'static str,
        /// The duplicated key.
        key: BString,
    },
    /// Bytes after the closing parenthesis.
    #[error("unexpected data after the derivation")]
    TrailingData,
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    store_dir: &'a StoreDir,
}

type Result<T> = std::result::Result<T, ParseError>;

impl<'a> Parser<'a> {
    fn error(&self, offset: usize, kind: ParseErrorKind) -> ParseError {
        let before = &self.input[..offset.min(self.input.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        ParseError {
            offset,
            line,
            column: offset - line_start + 1,
            kind,
        }
    }

    fn found(&self) -> String {
        if self.pos >= self.input.len() {
            "end of input".to_owned()
        } else {
            let end = (self.pos + 16).min(self.input.len());
            format!("{:?}", BStr::new(&self.input[self.pos..end]))
        }
    }

    fn expected(&self, expected: &'static str) -> ParseError {
        self.error(
            self.pos,
            ParseErrorKind::Expected {
                expected,
                found: self.found(),
            },
        )
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Consumes `literal`; `description` is how the error names it.
    fn expect(&mut self, literal: &[u8], description: &'static str) -> Result<()> {
        if self.input[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.expected(description))
        }
    }

    /// A quoted string, unescaped; returns where it started too.
    fn string(&mut self) -> Result<(usize, BString)> {
        let start = self.pos;
        self.expect(b"\"", "'\"'")?;
        let mut value = Vec::new();
        loop {
            let rest = &self.input[self.pos..];
            let Some(stop) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
                return Err(self.error(start, ParseErrorKind::UnterminatedString));
            };
            value.extend_from_slice(&rest[..stop]);
            self.pos += stop;
            if self.input[self.pos] == b'"' {
                self.pos += 1;
                return Ok((start, BString::from(value)));
            }
            // A backslash: the next byte, with n, r and t standing for
            // control characters.
            let Some(&escaped) = self.input.get(self.pos + 1) else {
                return Err(self.error(start, ParseErrorKind::UnterminatedString));
            };
            value.push(match escaped {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                other => other,
            });
            self.pos += 2;
        }
    }

    /// A string that Nix writes without escapes.
    fn verbatim_string(&mut self, field: &'static str) -> Result<(usize, BString)> {
        let (start, value) = self.string()?;
        if value.contains(&b'"') || value.contains(&b'\\') {
            return Err(self.error(start, ParseErrorKind::VerbatimFieldEscapes { field, value }));
        }
        Ok((start, value))
    }

    /// A verbatim string that must be UTF-8.
    fn utf8_string(&mut self, field: &'static str) -> Result<(usize, String)> {
        let (start, value) = self.verbatim_string(field)?;
        match String::from_utf8(value.into()) {
            Ok(text) => Ok((start, text)),
            Err(e) => Err(self.error(
                start,
                ParseErrorKind::NotUtf8 {
                    field,
                    value: BString::from(e.into_bytes()),
                },
            )),
        }
    }

    fn store_path_at(&self, start: usize, text: &[u8]) -> Result<StorePath> {
        let not_a_path = || {
            self.error(
                start,
                ParseErrorKind::NotAPath {
                    path: BString::from(text),
                },
            )
        };
        let text_str = std::str::from_utf8(text).map_err(|_| not_a_path())?;
        if !text_str.starts_with('/') {
            return Err(not_a_path());
        }
        self.store_dir.parse_path(text_str).map_err(|source| {
            self.error(
                start,
                ParseErrorKind::BadPath {
                    path: BString::from(text),
                    source,
                },
            )
        })
    }

    fn store_path(&mut self) -> Result<StorePath> {
        let (start, text) = self.string()?;
        self.store_path_at(start, &text)
    }

    /// `[ITEM,…]`.
    fn list(&mut self, mut item: impl FnMut(&mut Self) -> Result<()>) -> Result<()> {
        self.expect(b"[", "'['")?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.expected("',' or ']'")),
            }
        }
    }

    fn output(&mut self, drv: &mut Derivation) -> Result<()> {
        self.expect(b"(", "'('")?;
        let (name_start, name) = self.utf8_string("output name")?;
        self.expect(b",", "','")?;
        let (path_start, path) = self.string()?;
        self.expect(b",", "','")?;
        let (algo_start, algo) = self.verbatim_string("hash algorithm")?;
        self.expect(b",", "','")?;
        let (hash_start, hash) = self.verbatim_string("hash")?;
        self.expect(b")", "')'")?;

        let bad = |reason| ParseErrorKind::BadOutput {
            output: name.clone(),
            reason,
        };
        let output = if algo.is_empty() {
            if !hash.is_empty() {
                return Err(self.error(hash_start, bad("has a hash but no hash algorithm")));
            }
            if path.is_empty() {
                DerivationOutput::Deferred
            } else {
                DerivationOutput::InputAddressed(self.store_path_at(path_start, &path)?)
            }
        } else {
            let (method, algo_name) = match algo.strip_prefix(b"r:") {
                Some(rest) => (FileIngestionMethod::Recursive, rest),
                None => (FileIngestionMethod::Flat, algo.as_slice()),
            };
            let algo = algo_name
                .to_str()
                .ok()
                .and_then(HashAlgo::from_name)
                .ok_or_else(|| {
                    self.error(
                        algo_start,
                        ParseErrorKind::UnknownHashAlgo {
                            algo: BString::from(algo_name),
                        },
                    )
                })?;
            if hash.as_slice() == b"impure" {
                if !path.is_empty() {
                    return Err(self.error(path_start, bad("is impure but has a path")));
                }
                DerivationOutput::Impure { method, algo }
            } else if hash.is_empty() {
                if !path.is_empty() {
                    return Err(self.error(path_start, bad("is floating but has a path")));
                }
                DerivationOutput::Floating { method, algo }
            } else {
                let path = self.store_path_at(path_start, &path)?;
                // Non-UTF-8 bytes become U+FFFD, which no encoding accepts.
                let hash =
                    Hash::parse_unprefixed(&hash.to_str_lossy(), algo).map_err(|source| {
                        self.error(
                            hash_start,
                            ParseErrorKind::BadHash {
                                output: name.clone(),
                                hash: hash.clone(),
                                source,
                            },
                        )
                    })?;
                DerivationOutput::Fixed { method, hash, path }
            }
        };
        match drv.outputs.entry(name) {
            Entry::Vacant(slot) => {
                slot.insert(output);
                Ok(())
            }
            Entry::Occupied(slot) => Err(self.error(
                name_start,
                ParseErrorKind::Duplicate {
                    what: "output",
                    key: BString::from(slot.key().as_str()),
                },
            )),
        }
    }

    fn input_drv(&mut self, drv: &mut Derivation) -> Result<()> {
        self.expect(b"(", "'('")?;
        let start = self.pos;
        let path = self.store_path()?;
        self.expect(b",", "','")?;
        let mut outputs = std::collections::BTreeSet::new();
        self.list(|p| {
            let (start, name) = p.utf8_string("input derivation output name")?;
            if outputs.contains(&name) {
                return Err(p.error(
                    start,
                    ParseErrorKind::Duplicate {
                        what: "input derivation output",
                        key: BString::from(name),
                    },
                ));
            }
            outputs.insert(name);
            Ok(())
        })?;
        self.expect(b")", "')'")?;
        if drv.input_drvs.contains_key(&path) {
            return Err(self.error(
                start,
                ParseErrorKind::Duplicate {
                    what: "input derivation",
                    key: BString::from(self.store_dir.display(&path)),
                },
            ));
        }
        drv.input_drvs.insert(path, outputs);
        Ok(())
    }

    fn input_src(&mut self, drv: &mut Derivation) -> Result<()> {
        let start = self.pos;
        let path = self.store_path()?;
        if drv.input_srcs.contains(&path) {
            return Err(self.error(
                start,
                ParseErrorKind::Duplicate {
                    what: "input source",
                    key: BString::from(self.store_dir.display(&path)),
                },
            ));
        }
        drv.input_srcs.insert(path);
        Ok(())
    }

    fn env_entry(&mut self, drv: &mut Derivation) -> Result<()> {
        self.expect(b"(", "'('")?;
        let (start, key) = self.string()?;
        self.expect(b",", "','")?;
        let (_, value) = self.string()?;
        self.expect(b")", "')'")?;
        match drv.env.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(value);
                Ok(())
            }
            Entry::Occupied(slot) => Err(self.error(
                start,
                ParseErrorKind::Duplicate {
                    what: "environment variable",
                    key: slot.key().clone(),
                },
            )),
        }
    }

    fn derivation(&mut self) -> Result<Derivation> {
        let mut drv = Derivation::default();
        self.expect(b"Derive(", "'Derive('")?;
        self.list(|p| p.output(&mut drv))?;
        self.expect(b",", "','")?;
        self.list(|p| p.input_drv(&mut drv))?;
        self.expect(b",", "','")?;
        self.list(|p| p.input_src(&mut drv))?;
        self.expect(b",", "','")?;
        drv.system = self.verbatim_string("system")?.1;
        self.expect(b",", "','")?;
        drv.builder = self.string()?.1;
        self.expect(b",", "','")?;
        self.list(|p| {
            let arg = p.string()?.1;
            drv.args.push(arg);
            Ok(())
        })?;
        self.expect(b",", "','")?;
        self.list(|p| p.env_entry(&mut drv))?;
        self.expect(b")", "')'")?;
        if self.pos != self.input.len() {
            return Err(self.error(self.pos, ParseErrorKind::TrailingData));
        }
        Ok(drv)
    }
}

impl Derivation {
    /// Parses the ATerm of a `.drv` file; store paths in it must lie in
    /// `store_dir`.
    pub fn from_aterm(store_dir: &StoreDir, input: &[u8]) -> Result<Derivation> {
        Parser {
            input,
            pos: 0,
            store_dir,
        }
        .derivation()
    }
}
