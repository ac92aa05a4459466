//! `hashDerivationModulo` and output path computation, as Nix 2.8 does
//! them.
//!
//! A derivation's output paths depend on a hash of the derivation in which
//! every input derivation is replaced by *its* hash "modulo" fixed-output
//! derivations: a fixed-output derivation hashes to a digest of its output
//! hash and path only, so changing how it fetches (its URL, its builder)
//! does not change anything that depends on it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cairn_hash::{Encoding, Hash, HashAlgo};
use cairn_store_path::{StoreDir, StorePath, StorePathError};

use crate::derivation::{Derivation, DerivationOutput, DerivationType, DerivationTypeError};
use crate::print::{PrintOptions, print};

/// A boxed error from a [`DerivationResolver`].
pub type ResolveError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Looks up input derivations by their `.drv` store path: a store, a
/// directory of `.drv` files, or a map in a test.
///
/// Implemented for closures `FnMut(&StorePath) -> Option<Derivation>` and
/// for maps from `.drv` paths to derivations.
pub trait DerivationResolver {
    /// The derivation at `drv_path`, `Ok(None)` if there is none, or an
    /// error if looking failed.
    fn resolve(&mut self, drv_path: &StorePath) -> Result<Option<Derivation>, ResolveError>;
}

impl<F> DerivationResolver for F
where
    F: FnMut(&StorePath) -> Option<Derivation>,
{
    fn resolve(&mut self, drv_path: &StorePath) -> Result<Option<Derivation>, ResolveError> {
        Ok(self(drv_path))
    }
}

impl DerivationResolver for BTreeMap<StorePath, Derivation> {
    fn resolve(&mut self, drv_path: &StorePath) -> Result<Option<Derivation>, ResolveError> {
        Ok(self.get(drv_path).cloned())
    }
}

impl<S: std::hash::BuildHasher> DerivationResolver for HashMap<StorePath, Derivation, S> {
    fn resolve(&mut self, drv_path: &StorePath) -> Result<Option<Derivation>, ResolveError> {
        Ok(self.get(drv_path).cloned())
    }
}

/// Why a derivation could not be hashed or its outputs computed.
#[derive(Debug, thiserror::Error)]
pub enum HashModuloError {
    /// The resolver does not know an input derivation.
    #[error("input derivation '{drv_path}' of {needed_by} was not found")]
    MissingInput {
        /// The missing `.drv`, as an absolute path.
        drv_path: String,
        /// The derivation that needs it (its absolute path, or `the
        /// derivation being hashed`).
        needed_by: String,
    },
    /// The resolver failed while looking up an input derivation.
    #[error("could not read input derivation '{drv_path}'")]
    Resolve {
        /// The `.drv` being looked up, as an absolute path.
        drv_path: String,
        /// Why.
        #[source]
        source: ResolveError,
    },
    /// A derivation uses an output its input derivation does not have.
    #[error("input derivation '{drv_path}' has no output '{output}'")]
    MissingOutput {
        /// The input `.drv`, as an absolute path.
        drv_path: String,
        /// The output asked for.
        output: String,
    },
    /// A derivation's outputs do not form a valid type.
    #[error("derivation '{drv_path}' is invalid")]
    InvalidType {
        /// The derivation's absolute path, or `the derivation being hashed`.
        drv_path: String,
        /// Why.
        #[source]
        source: DerivationTypeError,
    },
    /// A derivation is, through its inputs, an input of itself (impossible
    /// for `.drv` files named by their contents; a resolver can still say so).
    #[error("derivation '{drv_path}' depends on itself")]
    Cycle {
        /// A derivation on the cycle, as an absolute path.
        drv_path: String,
    },
    /// An output path could not be made (for instance, the name is not a
    /// valid store path name).
    #[error("cannot compute the path of output '{output}' of '{drv_name}'")]
    OutputPath {
        /// The derivation's name.
        drv_name: String,
        /// The output.
        output: String,
        /// Why.
        #[source]
        source: StorePathError,
    },
}

/// Whether a derivation's hash can give output paths now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrvHashKind {
    /// The hash is final: output paths follow from it.
    Regular,
    /// The derivation (or one of its inputs) is floating or impure, so its
    /// output paths are not known until it is built.
    Deferred,
}

/// The result of `hashDerivationModulo`: a hash per output.
///
/// A fixed-output derivation has its own hash for its output; every other
/// derivation has the same hash for all outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrvHash {
    /// The hash of each output.
    pub hashes: BTreeMap<String, Hash>,
    /// Whether the hash is final.
    pub kind: DrvHashKind,
}

const BEING_HASHED: &str = "the derivation being hashed";

/// Computes `hashDerivationModulo`, resolving input derivations through a
/// [`DerivationResolver`] and remembering each input's hash (Nix's
/// `drvHashes` cache), so a diamond of inputs is hashed once.
pub struct ModuloHasher<R> {
    store_dir: StoreDir,
    resolver: R,
    memo: HashMap<StorePath, DrvHash>,
}

impl<R: DerivationResolver> ModuloHasher<R> {
    /// A hasher for derivations in `store_dir` whose inputs `resolver`
    /// finds.
    pub fn new(store_dir: StoreDir, resolver: R) -> ModuloHasher<R> {
        ModuloHasher {
            store_dir,
            resolver,
            memo: HashMap::new(),
        }
    }

    /// The store directory.
    pub fn store_dir(&self) -> &StoreDir {
        &self.store_dir
    }

    /// The resolver, for instance to add derivations to it.
    pub fn resolver_mut(&mut self) -> &mut R {
        &mut self.resolver
    }

    /// Nix's `hashDerivationModulo(drv, maskOutputs)`.
    ///
    /// * A fixed-output derivation hashes, per output, to the SHA-256 of
    ///   `fixed:out:[r:]ALGO:BASE16:OUT_PATH`.
    /// * An impure derivation hashes to the SHA-256 of `impure`, deferred.
    /// * Any other derivation hashes to the SHA-256 of its ATerm with each
    ///   input derivation replaced by the base16 of its own hash (one
    ///   entry per distinct hash, with the outputs used), sorted; with
    ///   `mask_outputs`, output paths and the environment variables named
    ///   after outputs are blanked.
    pub fn hash_derivation_modulo(
        &mut self,
        drv: &Derivation,
        mask_outputs: bool,
    ) -> Result<DrvHash, HashModuloError> {
        self.hash_inner(drv, mask_outputs, None)
    }

    /// The hash of the derivation at `drv_path`, resolved and hashed
    /// unmasked, and remembered (Nix's `pathDerivationModulo`).
    pub fn path_derivation_modulo(
        &mut self,
        drv_path: &StorePath,
    ) -> Result<DrvHash, HashModuloError> {
        self.path_inner(drv_path, None)
    }

    /// Hashes the derivation at `drv_path` and every input it needs that is
    /// not remembered yet, inputs first, with an explicit stack: a chain of
    /// input derivations of any length never deepens the native stack, and
    /// [`ModuloHasher::hash_inner`] only ever finds its inputs remembered.
    fn path_inner(
        &mut self,
        drv_path: &StorePath,
        needed_by: Option<&StorePath>,
    ) -> Result<DrvHash, HashModuloError> {
        if let Some(hash) = self.memo.get(drv_path) {
            return Ok(hash.clone());
        }
        struct Pending {
            path: StorePath,
            drv: Derivation,
            inputs: Vec<StorePath>,
            next: usize,
        }
        let mut on_stack: HashSet<StorePath> = HashSet::new();
        let first = self.resolve_for_hashing(drv_path, needed_by)?;
        on_stack.insert(drv_path.clone());
        let mut stack = vec![Pending {
            path: drv_path.clone(),
            inputs: first.input_drvs.keys().cloned().collect(),
            drv: first,
            next: 0,
        }];
        while let Some(top) = stack.last_mut() {
            if let Some(input) = top.inputs.get(top.next).cloned() {
                top.next += 1;
                if self.memo.contains_key(&input) {
                    continue;
                }
                if on_stack.contains(&input) {
                    return Err(HashModuloError::Cycle {
                        drv_path: self.store_dir.display(&input),
                    });
                }
                let needed_by = top.path.clone();
                let drv = self.resolve_for_hashing(&input, Some(&needed_by))?;
                on_stack.insert(input.clone());
                stack.push(Pending {
                    path: input,
                    inputs: drv.input_drvs.keys().cloned().collect(),
                    drv,
                    next: 0,
                });
                continue;
            }
            let done = stack.pop().expect("the loop saw a top");
            on_stack.remove(&done.path);
            let hash = self.hash_inner(&done.drv, false, Some(&done.path))?;
            self.memo.insert(done.path, hash);
        }
        Ok(self.memo[drv_path].clone())
    }

    fn resolve_for_hashing(
        &mut self,
        drv_path: &StorePath,
        needed_by: Option<&StorePath>,
    ) -> Result<Derivation, HashModuloError> {
        self.resolver
            .resolve(drv_path)
            .map_err(|source| HashModuloError::Resolve {
                drv_path: self.store_dir.display(drv_path),
                source,
            })?
            .ok_or_else(|| HashModuloError::MissingInput {
                drv_path: self.store_dir.display(drv_path),
                needed_by: needed_by.map_or_else(
                    || BEING_HASHED.to_owned(),
                    |p| format!("'{}'", self.store_dir.display(p)),
                ),
            })
    }

    fn hash_inner(
        &mut self,
        drv: &Derivation,
        mask_outputs: bool,
        own_path: Option<&StorePath>,
    ) -> Result<DrvHash, HashModuloError> {
        let name_for_errors =
            || own_path.map_or_else(|| BEING_HASHED.to_owned(), |p| self.store_dir.display(p));
        let drv_type = drv
            .derivation_type()
            .map_err(|source| HashModuloError::InvalidType {
                drv_path: name_for_errors(),
                source,
            })?;

        match drv_type {
            DerivationType::ContentAddressed { fixed: true } => {
                let mut hashes = BTreeMap::new();
                for (name, output) in &drv.outputs {
                    if let DerivationOutput::Fixed { method, hash, path } = output {
                        let fingerprint = format!(
                            "fixed:out:{}{}:{}:{}",
                            method.prefix(),
                            hash.algo().name(),
                            hash.encode(Encoding::Base16, false),
                            self.store_dir.display(path)
                        );
                        hashes.insert(
                            name.clone(),
                            Hash::digest(HashAlgo::Sha256, fingerprint.as_bytes()),
                        );
                    }
                }
                return Ok(DrvHash {
                    hashes,
                    kind: DrvHashKind::Regular,
                });
            }
            DerivationType::Impure => {
                let impure = Hash::digest(HashAlgo::Sha256, b"impure");
                return Ok(DrvHash {
                    hashes: drv.outputs.keys().map(|o| (o.clone(), impure)).collect(),
                    kind: DrvHashKind::Deferred,
                });
            }
            DerivationType::InputAddressed { .. } | DerivationType::ContentAddressed { .. } => {}
        }

        let mut kind = if drv_type == (DerivationType::ContentAddressed { fixed: false }) {
            DrvHashKind::Deferred
        } else {
            DrvHashKind::Regular
        };
        let mut actual_inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (input_path, input_outputs) in &drv.input_drvs {
            let input_hash = self.path_inner(input_path, own_path)?;
            if input_hash.kind == DrvHashKind::Deferred {
                kind = DrvHashKind::Deferred;
            }
            for output in input_outputs {
                let hash = input_hash.hashes.get(output).ok_or_else(|| {
                    HashModuloError::MissingOutput {
                        drv_path: self.store_dir.display(input_path),
                        output: output.clone(),
                    }
                })?;
                actual_inputs
                    .entry(hash.encode(Encoding::Base16, false))
                    .or_default()
                    .insert(output.clone());
            }
        }

        let aterm = print(
            drv,
            &self.store_dir,
            PrintOptions {
                mask_outputs,
                actual_inputs: Some(&actual_inputs),
            },
        );
        let hash = Hash::digest(HashAlgo::Sha256, &aterm);
        Ok(DrvHash {
            hashes: drv.outputs.keys().map(|o| (o.clone(), hash)).collect(),
            kind,
        })
    }
}

fn display_bytes(store_dir: &StoreDir, path: &StorePath) -> bstr::BString {
    store_dir.display(path).into()
}

impl Derivation {
    /// Fills in output paths and the environment variables named after
    /// outputs, as `derivation` does in Nix 2.8 once the rest of the
    /// derivation is built (`derivationStrict`):
    ///
    /// * fixed output: its path from its hash and `name`, and `env.out`;
    /// * floating or impure outputs: each variable set to the output's
    ///   placeholder ([`cairn_store_path::hash_placeholder`]);
    /// * input-addressed: every output blanked (deferred, `env.OUTPUT =
    ///   ""`), the masked [`ModuloHasher::hash_derivation_modulo`] taken,
    ///   and each output's path made with `make_output_path(OUTPUT, hash,
    ///   name)`, unless an input is deferred, in which case the outputs
    ///   stay deferred and the variables empty.
    pub fn fill_in_output_paths<R: DerivationResolver>(
        &mut self,
        name: &str,
        hasher: &mut ModuloHasher<R>,
    ) -> Result<(), HashModuloError> {
        let store_dir = hasher.store_dir().clone();
        let output_path_error = |output: &str, source| HashModuloError::OutputPath {
            drv_name: name.to_owned(),
            output: output.to_owned(),
            source,
        };
        let drv_type = self
            .derivation_type()
            .map_err(|source| HashModuloError::InvalidType {
                drv_path: BEING_HASHED.to_owned(),
                source,
            })?;
        match drv_type {
            DerivationType::ContentAddressed { fixed: true } => {
                for (output_name, output) in &mut self.outputs {
                    if let DerivationOutput::Fixed { method, hash, .. } = output {
                        let filled =
                            DerivationOutput::fixed(&store_dir, *method, *hash, name, output_name)
                                .map_err(|e| output_path_error(output_name, e))?;
                        if let Some(path) = filled.path() {
                            self.env.insert(
                                output_name.as_str().into(),
                                display_bytes(&store_dir, path),
                            );
                        }
                        *output = filled;
                    }
                }
            }
            DerivationType::ContentAddressed { fixed: false } | DerivationType::Impure => {
                for output_name in self.outputs.keys() {
                    self.env.insert(
                        output_name.as_str().into(),
                        cairn_store_path::hash_placeholder(output_name).into(),
                    );
                }
            }
            DerivationType::InputAddressed { .. } => {
                for (output_name, output) in &mut self.outputs {
                    *output = DerivationOutput::Deferred;
                    self.env.insert(output_name.as_str().into(), "".into());
                }
                let drv_hash = hasher.hash_derivation_modulo(self, true)?;
                if drv_hash.kind == DrvHashKind::Regular {
                    for (output_name, output) in &mut self.outputs {
                        let hash = drv_hash.hashes[output_name];
                        let path = store_dir
                            .make_output_path(output_name, &hash, name)
                            .map_err(|e| output_path_error(output_name, e))?;
                        self.env.insert(
                            output_name.as_str().into(),
                            display_bytes(&store_dir, &path),
                        );
                        *output = DerivationOutput::InputAddressed(path);
                    }
                }
            }
        }
        Ok(())
    }
}
