//! Checks on a finished build's outputs, before anything is registered.
//!
//! * [`scan_output`] hashes an output's NAR (SHA-256, for `narHash`) and
//!   scans it for references in one pass.
//! * [`check_fixed_output`] requires a fixed-output derivation's output
//!   to hash to the promised value (flat: the file's contents; recursive:
//!   its NAR); `build.rs` also requires that it refer to nothing.
//! * [`check_reference_constraints`] checks `allowedReferences`,
//!   `allowedRequisites`, `disallowedReferences`, `disallowedRequisites`
//!   (as plain variables for every output, or per output in structured
//!   attributes' `outputChecks`, which also has `maxSize` and
//!   `maxClosureSize`). Items are store paths or names of the
//!   derivation's outputs. As in Nix 2.8, the plain form ignores an
//!   output's reference to itself in requisites, and every violation is
//!   reported as `output '…' is not allowed to refer to the following
//!   paths:` followed by the offending paths.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use cairn_derivation::Derivation;
use cairn_hash::{Hash, HashAlgo, Hasher};
use cairn_store::Store;
use cairn_store_path::{FileIngestionMethod, StorePath};
use serde_json::Value;

use crate::error::BuildError;
use crate::refscan::RefScanner;

/// What one pass over an output's NAR found.
#[derive(Debug, Clone)]
pub(crate) struct ScannedOutput {
    /// SHA-256 of the NAR.
    pub nar_hash: Hash,
    /// Its size.
    pub nar_size: u64,
    /// The candidates found in it.
    pub references: BTreeSet<StorePath>,
}

/// Writes to a hasher and a reference scanner at once.
struct Tee<'a> {
    hasher: &'a mut Hasher,
    scanner: &'a mut RefScanner,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        self.scanner.scan(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hashes the NAR of the tree at `real_path` and scans it for the hash
/// parts of `candidates`.
pub(crate) fn scan_output(
    real_path: &Path,
    display_path: &str,
    candidates: &BTreeSet<StorePath>,
) -> Result<ScannedOutput, BuildError> {
    let mut hasher = Hasher::new(HashAlgo::Sha256);
    let mut scanner = RefScanner::new(candidates.iter().cloned());
    let nar_size = cairn_nar::dump_path(
        real_path,
        Tee {
            hasher: &mut hasher,
            scanner: &mut scanner,
        },
    )
    .map_err(|source| BuildError::Nar {
        path: display_path.to_owned(),
        source,
    })?;
    Ok(ScannedOutput {
        nar_hash: hasher.finish(),
        nar_size,
        references: scanner.found(),
    })
}

/// Checks a fixed output against the promised hash.
pub(crate) fn check_fixed_output(
    drv_display: &str,
    method: FileIngestionMethod,
    expected: &Hash,
    real_path: &Path,
    display_path: &str,
    scanned: &ScannedOutput,
) -> Result<(), BuildError> {
    let got = match method {
        FileIngestionMethod::Flat => {
            let metadata =
                cairn_util::fs::symlink_metadata(real_path).map_err(|source| BuildError::Io {
                    drv: drv_display.to_owned(),
                    source,
                })?;
            if !metadata.is_file()
                || std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o100 != 0
            {
                return Err(BuildError::FlatOutputNotFile {
                    path: display_path.to_owned(),
                });
            }
            let mut hasher = Hasher::new(expected.algo());
            let mut file = cairn_util::fs::open(real_path).map_err(|source| BuildError::Io {
                drv: drv_display.to_owned(),
                source,
            })?;
            std::io::copy(&mut file, &mut hasher).map_err(|source| BuildError::Io {
                drv: drv_display.to_owned(),
                source: cairn_util::Error::new(cairn_util::Operation::Read, real_path, source),
            })?;
            hasher.finish()
        }
        FileIngestionMethod::Recursive if expected.algo() == HashAlgo::Sha256 => scanned.nar_hash,
        FileIngestionMethod::Recursive => {
            cairn_nar::hash_path(real_path, expected.algo())
                .map_err(|source| BuildError::Nar {
                    path: display_path.to_owned(),
                    source,
                })?
                .0
        }
    };
    if got != *expected {
        return Err(BuildError::HashMismatch {
            drv: drv_display.to_owned(),
            specified: expected.to_sri(),
            got: got.to_sri(),
        });
    }
    Ok(())
}

/// The constraints on one output.
#[derive(Debug, Default, Clone)]
struct Constraints {
    allowed_references: Option<Vec<String>>,
    allowed_requisites: Option<Vec<String>>,
    disallowed_references: Option<Vec<String>>,
    disallowed_requisites: Option<Vec<String>>,
    max_size: Option<u64>,
    max_closure_size: Option<u64>,
    ignore_self_refs: bool,
}

/// What [`check_reference_constraints`] needs to know about the build.
pub(crate) struct OutputFacts<'a> {
    /// The derivation and its path (for messages).
    pub drv: &'a Derivation,
    /// Its path, displayed.
    pub drv_display: &'a str,
    /// The store, for the closures of references outside the build.
    pub store: &'a dyn Store,
    /// Each output's path.
    pub outputs: &'a BTreeMap<String, StorePath>,
    /// What each output's scan found, by output path.
    pub scanned: &'a BTreeMap<StorePath, ScannedOutput>,
}

fn words(value: &[u8]) -> Vec<String> {
    crate::environment::words(value)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

fn json_strings(value: &Value) -> Option<Vec<String>> {
    value.as_array().map(|items| {
        items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect()
    })
}

/// The constraints for `output` of `drv`.
fn constraints_for(drv: &Derivation, output: &str) -> Constraints {
    if let Some(json) = drv.env.get(b"__json".as_slice()) {
        let attrs: Value = serde_json::from_slice(json).unwrap_or(Value::Null);
        let Some(checks) = attrs.get("outputChecks").and_then(|c| c.get(output)) else {
            return Constraints::default();
        };
        Constraints {
            allowed_references: checks.get("allowedReferences").and_then(json_strings),
            allowed_requisites: checks.get("allowedRequisites").and_then(json_strings),
            disallowed_references: checks.get("disallowedReferences").and_then(json_strings),
            disallowed_requisites: checks.get("disallowedRequisites").and_then(json_strings),
            max_size: checks.get("maxSize").and_then(Value::as_u64),
            max_closure_size: checks.get("maxClosureSize").and_then(Value::as_u64),
            ignore_self_refs: false,
        }
    } else {
        let get = |name: &str| drv.env.get(name.as_bytes()).map(|v| words(v));
        Constraints {
            allowed_references: get("allowedReferences"),
            allowed_requisites: get("allowedRequisites"),
            disallowed_references: get("disallowedReferences"),
            disallowed_requisites: get("disallowedRequisites"),
            max_size: None,
            max_closure_size: None,
            ignore_self_refs: true,
        }
    }
}

/// Resolves reference specifiers: store paths, or output names.
fn specifiers(
    facts: &OutputFacts<'_>,
    items: &[String],
) -> Result<BTreeSet<StorePath>, BuildError> {
    let store_dir = facts.store.store_dir();
    items
        .iter()
        .map(|item| {
            if let Ok(path) = store_dir.parse_path(item) {
                Ok(path)
            } else if let Some(path) = facts.outputs.get(item) {
                Ok(path.clone())
            } else {
                Err(BuildError::InvalidAttribute {
                    drv: facts.drv_display.to_owned(),
                    attribute: "allowedReferences".to_owned(),
                    reason: format!("derivation contains an illegal reference specifier '{item}'"),
                })
            }
        })
        .collect()
}

/// The closure of `path` (an output of this build) under references,
/// with NAR sizes, following outputs' scanned references and the store's
/// for everything else.
fn closure_of(
    facts: &OutputFacts<'_>,
    path: &StorePath,
) -> Result<(BTreeSet<StorePath>, u64), BuildError> {
    let mut done = BTreeSet::new();
    let mut size = 0;
    let mut todo = vec![path.clone()];
    while let Some(next) = todo.pop() {
        if !done.insert(next.clone()) {
            continue;
        }
        if let Some(scanned) = facts.scanned.get(&next) {
            size += scanned.nar_size;
            todo.extend(scanned.references.iter().cloned());
        } else {
            let info = facts
                .store
                .query_path_info(&next)
                .map_err(|source| BuildError::Store {
                    drv: facts.drv_display.to_owned(),
                    source: Box::new(source),
                })?
                .ok_or_else(|| BuildError::MissingPath {
                    path: facts.store.store_dir().display(&next),
                })?;
            size += info.info.nar_size;
            todo.extend(info.info.references.iter().cloned());
        }
    }
    Ok((done, size))
}

/// Checks every output against its reference constraints.
pub(crate) fn check_reference_constraints(facts: &OutputFacts<'_>) -> Result<(), BuildError> {
    let store_dir = facts.store.store_dir();
    for (name, path) in facts.outputs {
        let Some(scanned) = facts.scanned.get(path) else {
            continue;
        };
        let constraints = constraints_for(facts.drv, name);
        let display = store_dir.display(path);
        if let Some(limit) = constraints.max_size
            && scanned.nar_size > limit
        {
            return Err(BuildError::TooLarge {
                what: "path",
                path: display,
                size: scanned.nar_size,
                limit,
            });
        }
        let needs_closure = constraints.allowed_requisites.is_some()
            || constraints.disallowed_requisites.is_some()
            || constraints.max_closure_size.is_some();
        let closure = if needs_closure {
            Some(closure_of(facts, path)?)
        } else {
            None
        };
        if let (Some(limit), Some((_, size))) = (constraints.max_closure_size, &closure)
            && *size > limit
        {
            return Err(BuildError::TooLarge {
                what: "closure of path",
                path: display,
                size: *size,
                limit,
            });
        }
        let checks = [
            (&constraints.allowed_references, true, false),
            (&constraints.allowed_requisites, true, true),
            (&constraints.disallowed_references, false, false),
            (&constraints.disallowed_requisites, false, true),
        ];
        for (items, allowed, recursive) in checks {
            let Some(items) = items else { continue };
            let spec = specifiers(facts, items)?;
            let mut used = if recursive {
                closure.as_ref().map(|(c, _)| c.clone()).unwrap_or_default()
            } else {
                scanned.references.clone()
            };
            if recursive && constraints.ignore_self_refs {
                used.remove(path);
            }
            let bad: Vec<String> = used
                .iter()
                .filter(|used| spec.contains(*used) != allowed)
                .map(|p| store_dir.display(p))
                .collect();
            if !bad.is_empty() {
                return Err(BuildError::ForbiddenReferences {
                    output: display,
                    paths: bad,
                });
            }
        }
    }
    Ok(())
}
