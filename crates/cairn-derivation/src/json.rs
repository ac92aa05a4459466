//! The JSON form `nix show-derivation` prints (Nix 2.8).
//!
//! `nix show-derivation` prints one object keyed by `.drv` path:
//!
//! ```json
//! { "/nix/store/…-hello.drv": {
//!     "outputs": { "out": { "path": "/nix/store/…-hello" } },
//!     "inputSrcs": [], "inputDrvs": { "/nix/store/…-dep.drv": ["out"] },
//!     "system": "x86_64-linux", "builder": "/bin/sh", "args": [], "env": { … } } }
//! ```
//!
//! A fixed output also has `"hashAlgo": "r:sha256"` and `"hash": BASE16`;
//! a floating output has only `hashAlgo`; an impure one `hashAlgo` and
//! `"impure": true`; a deferred one is `{}`.
//!
//! Nix writes the bytes of its strings as they are, escaping only `"`,
//! `\`, and control characters (`\n`, `\r`, `\t`, `\u00XX`), so a string
//! that is not UTF-8 gives output that is not valid JSON.
//! [`show_derivation_json`] reproduces those bytes exactly;
//! [`DerivationJson`] (serde) holds proper JSON strings, and so replaces
//! invalid UTF-8 with U+FFFD.

use std::collections::BTreeMap;

use bstr::{BString, ByteSlice};
use cairn_hash::{Encoding, Hash, HashAlgo, ParseHashError};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath, StorePathError};
use serde::{Deserialize, Serialize};

use crate::derivation::{Derivation, DerivationOutput};

/// One derivation in `nix show-derivation`'s JSON: the value under its
/// `.drv` path.
///
/// Fields, in Nix's order: `outputs` (each `{"path"}` when input-addressed,
/// `{"path", "hashAlgo": "[r:]ALGO", "hash": BASE16}` when fixed,
/// `{"hashAlgo"}` when floating, `{"hashAlgo", "impure": true}` when
/// impure, `{}` when deferred), `inputSrcs`, `inputDrvs` (path → output
/// names), `system`, `builder`, `args` and `env`.
///
/// JSON strings are UTF-8, so [`Derivation::to_json`] replaces bytes that
/// are not with U+FFFD; Nix writes them raw, which
/// [`show_derivation_json`] reproduces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DerivationJson {
    /// Outputs by name.
    pub outputs: BTreeMap<String, OutputJson>,
    /// Absolute paths of the input sources.
    pub input_srcs: Vec<String>,
    /// Absolute paths of the input derivations, with the outputs used.
    pub input_drvs: BTreeMap<String, Vec<String>>,
    /// The platform.
    pub system: String,
    /// The builder.
    pub builder: String,
    /// The builder's arguments.
    pub args: Vec<String>,
    /// The environment.
    pub env: BTreeMap<String, String>,
}

/// One output in `nix show-derivation`'s JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutputJson {
    /// The absolute path (input-addressed and fixed outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `[r:]ALGO` (fixed, floating and impure outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_algo: Option<String>,
    /// The expected hash in base16 (fixed outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// `true` for impure outputs; absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub impure: bool,
}

/// Why a [`DerivationJson`] does not describe a derivation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// A path that is not a store path.
    #[error("bad store path '{path}'")]
    BadPath {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: StorePathError,
    },
    /// An unknown `hashAlgo`.
    #[error("output '{output}' has unknown hash algorithm '{algo}'")]
    UnknownHashAlgo {
        /// The output.
        output: String,
        /// The `hashAlgo` field.
        algo: String,
    },
    /// A `hash` that does not parse.
    #[error("output '{output}' has a bad hash")]
    BadHash {
        /// The output.
        output: String,
        /// Why.
        #[source]
        source: ParseHashError,
    },
    /// Fields that fit no kind of output.
    #[error("output '{output}' has fields that fit no kind of output")]
    BadOutput {
        /// The output.
        output: String,
    },
}

fn lossy(bytes: &[u8]) -> String {
    bytes.to_str_lossy().into_owned()
}

impl Derivation {
    /// This derivation as `nix show-derivation` shows it (the value under
    /// its `.drv` path).
    #[must_use]
    pub fn to_json(&self, store_dir: &StoreDir) -> DerivationJson {
        let outputs = self
            .outputs
            .iter()
            .map(|(name, output)| {
                let json = OutputJson {
                    path: output.path().map(|p| store_dir.display(p)),
                    hash_algo: output.hash_algo_field(),
                    hash: match output {
                        DerivationOutput::Fixed { hash, .. } => {
                            Some(hash.encode(Encoding::Base16, false))
                        }
                        _ => None,
                    },
                    impure: matches!(output, DerivationOutput::Impure { .. }),
                };
                (name.clone(), json)
            })
            .collect();
        DerivationJson {
            outputs,
            input_srcs: self
                .input_srcs
                .iter()
                .map(|p| store_dir.display(p))
                .collect(),
            input_drvs: self
                .input_drvs
                .iter()
                .map(|(p, outs)| (store_dir.display(p), outs.iter().cloned().collect()))
                .collect(),
            system: lossy(&self.system),
            builder: lossy(&self.builder),
            args: self.args.iter().map(|a| lossy(a)).collect(),
            env: self.env.iter().map(|(k, v)| (lossy(k), lossy(v))).collect(),
        }
    }
}

fn split_method(algo: &str) -> (FileIngestionMethod, &str) {
    match algo.strip_prefix("r:") {
        Some(rest) => (FileIngestionMethod::Recursive, rest),
        None => (FileIngestionMethod::Flat, algo),
    }
}

impl DerivationJson {
    /// The derivation this JSON describes.
    pub fn to_derivation(&self, store_dir: &StoreDir) -> Result<Derivation, JsonError> {
        let path = |text: &str| {
            store_dir
                .parse_path(text)
                .map_err(|source| JsonError::BadPath {
                    path: text.to_owned(),
                    source,
                })
        };
        let mut drv = Derivation::default();
        for (name, output) in &self.outputs {
            let bad = || JsonError::BadOutput {
                output: name.clone(),
            };
            let algo = match &output.hash_algo {
                None => None,
                Some(field) => {
                    let (method, algo_name) = split_method(field);
                    let algo = HashAlgo::from_name(algo_name).ok_or_else(|| {
                        JsonError::UnknownHashAlgo {
                            output: name.clone(),
                            algo: field.clone(),
                        }
                    })?;
                    Some((method, algo))
                }
            };
            let parsed = match (algo, &output.path, &output.hash, output.impure) {
                (None, None, None, false) => DerivationOutput::Deferred,
                (None, Some(p), None, false) => DerivationOutput::InputAddressed(path(p)?),
                (Some((method, algo)), Some(p), Some(h), false) => DerivationOutput::Fixed {
                    method,
                    hash: Hash::parse_unprefixed(h, algo).map_err(|source| JsonError::BadHash {
                        output: name.clone(),
                        source,
                    })?,
                    path: path(p)?,
                },
                (Some((method, algo)), None, None, false) => {
                    DerivationOutput::Floating { method, algo }
                }
                (Some((method, algo)), None, None, true) => {
                    DerivationOutput::Impure { method, algo }
                }
                _ => return Err(bad()),
            };
            drv.outputs.insert(name.clone(), parsed);
        }
        for src in &self.input_srcs {
            drv.input_srcs.insert(path(src)?);
        }
        for (drv_path, outputs) in &self.input_drvs {
            drv.input_drvs
                .insert(path(drv_path)?, outputs.iter().cloned().collect());
        }
        drv.system = self.system.as_str().into();
        drv.builder = self.builder.as_str().into();
        drv.args = self
            .args
            .iter()
            .map(|a| BString::from(a.as_str()))
            .collect();
        drv.env = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
            .collect();
        Ok(drv)
    }
}

/// A writer of JSON the way Nix 2.8's `JSONWriter` writes it, with
/// indentation.
struct NixJson {
    out: Vec<u8>,
    depth: usize,
}

impl NixJson {
    fn string(&mut self, s: &[u8]) {
        self.out.push(b'"');
        for &byte in s {
            match byte {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                0..0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(HEX[usize::from(byte >> 4)]);
                    self.out.push(HEX[usize::from(byte & 0xf)]);
                }
                other => self.out.push(other),
            }
        }
        self.out.push(b'"');
    }

    fn indent(&mut self) {
        self.out.push(b'\n');
        self.out.resize(self.out.len() + self.depth * 2, b' ');
    }

    /// Writes `open`, the items (each preceded by a comma when not first
    /// and an indent), and `close`.
    fn container<I>(
        &mut self,
        open: u8,
        close: u8,
        items: I,
        mut item: impl FnMut(&mut Self, I::Item),
    ) where
        I: IntoIterator,
    {
        self.out.push(open);
        self.depth += 1;
        let mut first = true;
        for element in items {
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.indent();
            item(self, element);
        }
        self.depth -= 1;
        if !first {
            self.indent();
        }
        self.out.push(close);
    }

    fn key(&mut self, key: &[u8]) {
        self.string(key);
        self.out.extend_from_slice(b": ");
    }

    fn string_list<'a>(&mut self, items: impl IntoIterator<Item = &'a [u8]>) {
        self.container(b'[', b']', items, |w, s| w.string(s));
    }
}

/// Exactly the bytes `nix show-derivation` prints for these derivations
/// (each with its `.drv` path), trailing newline included: indented JSON
/// with the bytes of strings written as they are: only `"`, `\` and
/// control characters are escaped, so a string that is not UTF-8 gives
/// output that is not valid JSON, exactly as Nix prints it.
#[must_use]
pub fn show_derivation_json<'a>(
    store_dir: &StoreDir,
    derivations: impl IntoIterator<Item = (&'a StorePath, &'a Derivation)>,
) -> Vec<u8> {
    let mut sorted: Vec<(&StorePath, &Derivation)> = derivations.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted.dedup_by(|a, b| a.0 == b.0);
    let mut w = NixJson {
        out: Vec::new(),
        depth: 0,
    };
    w.container(b'{', b'}', sorted, |w, (drv_path, drv)| {
        w.key(store_dir.display(drv_path).as_bytes());
        write_derivation(w, store_dir, drv);
    });
    w.out.push(b'\n');
    w.out
}

fn write_derivation(w: &mut NixJson, store_dir: &StoreDir, drv: &Derivation) {
    let json = drv.to_json(store_dir);
    #[derive(Clone, Copy)]
    enum Field {
        Outputs,
        InputSrcs,
        InputDrvs,
        System,
        Builder,
        Args,
        Env,
    }
    let fields = [
        Field::Outputs,
        Field::InputSrcs,
        Field::InputDrvs,
        Field::System,
        Field::Builder,
        Field::Args,
        Field::Env,
    ];
    w.container(b'{', b'}', fields, |w, field| match field {
        Field::Outputs => {
            w.key(b"outputs");
            w.container(b'{', b'}', &json.outputs, |w, (name, output)| {
                w.key(name.as_bytes());
                let mut attrs: Vec<(&[u8], Option<&str>)> = Vec::new();
                if let Some(path) = &output.path {
                    attrs.push((b"path", Some(path)));
                }
                if let Some(algo) = &output.hash_algo {
                    attrs.push((b"hashAlgo", Some(algo)));
                }
                if let Some(hash) = &output.hash {
                    attrs.push((b"hash", Some(hash)));
                }
                if output.impure {
                    attrs.push((b"impure", None));
                }
                w.container(b'{', b'}', attrs, |w, (key, value)| {
                    w.key(key);
                    match value {
                        Some(text) => w.string(text.as_bytes()),
                        None => w.out.extend_from_slice(b"true"),
                    }
                });
            });
        }
        Field::InputSrcs => {
            w.key(b"inputSrcs");
            w.string_list(json.input_srcs.iter().map(|s| s.as_bytes()));
        }
        Field::InputDrvs => {
            w.key(b"inputDrvs");
            w.container(b'{', b'}', &json.input_drvs, |w, (path, outputs)| {
                w.key(path.as_bytes());
                w.string_list(outputs.iter().map(|s| s.as_bytes()));
            });
        }
        Field::System => {
            w.key(b"system");
            w.string(&drv.system);
        }
        Field::Builder => {
            w.key(b"builder");
            w.string(&drv.builder);
        }
        Field::Args => {
            w.key(b"args");
            w.string_list(drv.args.iter().map(|a| a.as_slice()));
        }
        Field::Env => {
            w.key(b"env");
            w.container(b'{', b'}', &drv.env, |w, (key, value)| {
                w.key(key);
                w.string(value);
            });
        }
    });
}
