//! [`Derivation`], its outputs and its type.

use std::collections::{BTreeMap, BTreeSet};

use bstr::{BStr, BString};
use cairn_hash::{Hash, HashAlgo};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath, StorePathError};

/// One output of a derivation, as Nix 2.8 models it
/// (`DerivationOutput`'s variants).
///
/// In the ATerm an output is `(NAME,PATH,HASH_ALGO,HASH)`; which fields
/// are empty tells the variants apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DerivationOutput {
    /// An input-addressed output whose path is known: `(NAME,PATH,"","")`.
    InputAddressed(StorePath),
    /// A fixed-output (content-addressed, hash known in advance) output:
    /// `(NAME,PATH,"[r:]ALGO","BASE16")`.
    Fixed {
        /// Flat file or NAR.
        method: FileIngestionMethod,
        /// The expected hash of the output.
        hash: Hash,
        /// The output's path. Nix 2.8 recomputes it from the hash and the
        /// derivation's name; cairn keeps the path the file carries, which
        /// is the same for every `.drv` Nix writes
        /// (see [`DerivationOutput::fixed`]).
        path: StorePath,
    },
    /// A floating content-addressed output (experimental
    /// `ca-derivations`): `(NAME,"","[r:]ALGO","")`.
    Floating {
        /// Flat file or NAR.
        method: FileIngestionMethod,
        /// The algorithm the output will be hashed with.
        algo: HashAlgo,
    },
    /// An input-addressed output whose path is not known yet, because an
    /// input is floating, or because the derivation is being hashed at
    /// instantiation: `(NAME,"","","")`.
    Deferred,
    /// An impure output (experimental `impure-derivations`):
    /// `(NAME,"","[r:]ALGO","impure")`.
    Impure {
        /// Flat file or NAR.
        method: FileIngestionMethod,
        /// The algorithm the output will be hashed with.
        algo: HashAlgo,
    },
}

impl DerivationOutput {
    /// A fixed output named `output` of the derivation `drv_name`, with its
    /// path computed as Nix does (`makeFixedOutputPath` of
    /// `output_path_name(drv_name, output)`, no references).
    pub fn fixed(
        store_dir: &StoreDir,
        method: FileIngestionMethod,
        hash: Hash,
        drv_name: &str,
        output: &str,
    ) -> Result<DerivationOutput, StorePathError> {
        let path = store_dir.make_fixed_output_path(
            method,
            &hash,
            &cairn_store_path::output_path_name(drv_name, output),
            [],
            false,
        )?;
        Ok(DerivationOutput::Fixed { method, hash, path })
    }

    /// The output's store path, when the derivation records one.
    #[must_use]
    pub fn path(&self) -> Option<&StorePath> {
        match self {
            DerivationOutput::InputAddressed(path) | DerivationOutput::Fixed { path, .. } => {
                Some(path)
            }
            DerivationOutput::Floating { .. }
            | DerivationOutput::Deferred
            | DerivationOutput::Impure { .. } => None,
        }
    }

    /// `[r:]ALGO` for outputs that carry a hash algorithm, as written in
    /// the ATerm and in the JSON `hashAlgo` field.
    #[must_use]
    pub fn hash_algo_field(&self) -> Option<String> {
        match self {
            DerivationOutput::Fixed { method, hash, .. } => {
                Some(format!("{}{}", method.prefix(), hash.algo().name()))
            }
            DerivationOutput::Floating { method, algo }
            | DerivationOutput::Impure { method, algo } => {
                Some(format!("{}{}", method.prefix(), algo.name()))
            }
            DerivationOutput::InputAddressed(_) | DerivationOutput::Deferred => None,
        }
    }
}

/// What kind of derivation this is, decided from its outputs exactly as
/// Nix 2.8's `BasicDerivation::type()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DerivationType {
    /// All outputs input-addressed; `deferred` when their paths are not
    /// known yet.
    InputAddressed {
        /// Whether the outputs are [`DerivationOutput::Deferred`].
        deferred: bool,
    },
    /// Content-addressed: one fixed output `out` (`fixed`), or floating
    /// outputs.
    ContentAddressed {
        /// A fixed-output derivation rather than a floating one.
        fixed: bool,
    },
    /// Impure outputs.
    Impure,
}

impl DerivationType {
    /// Whether this is a fixed-output derivation.
    #[must_use]
    pub fn is_fixed(self) -> bool {
        matches!(self, DerivationType::ContentAddressed { fixed: true })
    }
}

/// Why a derivation's outputs do not form a valid derivation type. The
/// messages are Nix's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerivationTypeError {
    /// No outputs at all.
    #[error("must have at least one output")]
    NoOutputs,
    /// Outputs of different kinds.
    #[error("can't mix derivation output types")]
    Mixed,
    /// More than one fixed output.
    #[error("only one fixed output is allowed for now")]
    MultipleFixed,
    /// A single fixed output not called `out`.
    #[error("single fixed output must be named \"out\"")]
    FixedNotOut,
    /// Floating outputs with different hash algorithms.
    #[error("all floating outputs must use the same hash type")]
    FloatingAlgoMismatch,
}

/// A derivation: a build recipe, the contents of a `.drv` file.
///
/// Strings that are not store paths or output names are byte strings
/// ([`BString`]): Nix strings may hold any bytes, and a `.drv` must read
/// and write back byte for byte. Maps and sets are ordered as Nix orders
/// them (bytewise; store paths by base name), which is the order they are
/// written in.
///
/// The derivation's name is not part of the ATerm; Nix takes it from the
/// `.drv` path (`NAME.drv`). Functions that need it take it as an argument.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Derivation {
    /// Outputs by name (`out`, `dev`, …).
    pub outputs: BTreeMap<String, DerivationOutput>,
    /// Input derivations (`.drv` store paths) and the outputs of each that
    /// are used.
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    /// Input sources: store paths that are not derivation outputs.
    pub input_srcs: BTreeSet<StorePath>,
    /// The platform, such as `x86_64-linux`.
    pub system: BString,
    /// The program to run.
    pub builder: BString,
    /// Its arguments.
    pub args: Vec<BString>,
    /// Its environment.
    pub env: BTreeMap<BString, BString>,
}

impl Derivation {
    /// The derivation's type (Nix's `BasicDerivation::type()`).
    pub fn derivation_type(&self) -> Result<DerivationType, DerivationTypeError> {
        let mut input_addressed = 0usize;
        let mut fixed: Vec<&str> = Vec::new();
        let mut floating = 0usize;
        let mut floating_algo: Option<HashAlgo> = None;
        let mut deferred = 0usize;
        let mut impure = 0usize;
        for (name, output) in &self.outputs {
            match output {
                DerivationOutput::InputAddressed(_) => input_addressed += 1,
                DerivationOutput::Fixed { .. } => fixed.push(name),
                DerivationOutput::Floating { algo, .. } => {
                    floating += 1;
                    match floating_algo {
                        None => floating_algo = Some(*algo),
                        Some(first) if first != *algo => {
                            return Err(DerivationTypeError::FloatingAlgoMismatch);
                        }
                        Some(_) => {}
                    }
                }
                DerivationOutput::Deferred => deferred += 1,
                DerivationOutput::Impure { .. } => impure += 1,
            }
        }
        let kinds = [input_addressed, fixed.len(), floating, deferred, impure];
        match kinds {
            [0, 0, 0, 0, 0] => Err(DerivationTypeError::NoOutputs),
            [_, 0, 0, 0, 0] => Ok(DerivationType::InputAddressed { deferred: false }),
            [0, _, 0, 0, 0] => {
                if fixed.len() > 1 {
                    Err(DerivationTypeError::MultipleFixed)
                } else if fixed[0] != "out" {
                    Err(DerivationTypeError::FixedNotOut)
                } else {
                    Ok(DerivationType::ContentAddressed { fixed: true })
                }
            }
            [0, 0, _, 0, 0] => Ok(DerivationType::ContentAddressed { fixed: false }),
            [0, 0, 0, _, 0] => Ok(DerivationType::InputAddressed { deferred: true }),
            [0, 0, 0, 0, _] => Ok(DerivationType::Impure),
            _ => Err(DerivationTypeError::Mixed),
        }
    }

    /// The `name` environment variable, which `derivation` sets to the
    /// derivation's name, if it is there and valid UTF-8.
    #[must_use]
    pub fn env_name(&self) -> Option<&str> {
        self.env_var("name")
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// An environment variable.
    #[must_use]
    pub fn env_var(&self, key: &str) -> Option<&BStr> {
        self.env.get(key.as_bytes()).map(|v| v.as_ref())
    }

    /// Whether the derivation uses structured attributes (its environment
    /// has `__json`).
    #[must_use]
    pub fn has_structured_attrs(&self) -> bool {
        self.env.contains_key(b"__json".as_slice())
    }

    /// The references of the `.drv` file itself: input sources and input
    /// derivations.
    pub fn references(&self) -> impl Iterator<Item = &StorePath> {
        self.input_srcs.iter().chain(self.input_drvs.keys())
    }

    /// The name of the derivation stored at `drv_path`: its name without
    /// `.drv` (Nix's `Derivation::nameFromPath`), or `None` if the path is
    /// not a `.drv`.
    #[must_use]
    pub fn name_from_path(drv_path: &StorePath) -> Option<&str> {
        drv_path.name().strip_suffix(".drv")
    }

    /// The store path of this derivation's `.drv` file, `NAME.drv`: a text
    /// path of its ATerm that refers to its input sources and input
    /// derivations (Nix's `writeDerivation`).
    pub fn drv_path(&self, store_dir: &StoreDir, name: &str) -> Result<StorePath, StorePathError> {
        let aterm = self.to_aterm(store_dir);
        store_dir.text_path_for(&format!("{name}.drv"), &aterm, self.references())
    }
}
