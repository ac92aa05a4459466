//! Import from derivation: before the evaluator reads a path whose string
//! has a context (`import (derivation …)`, `readFile "${drv}/x"`), the
//! context is realised by `cairn-build`.
//!
//! A context element names what must exist: `!OUT!DRV` one output of a
//! derivation, `=DRV` all of them, a plain path itself. The `.drv` files
//! must be in the store, so, as in Nix 2.8, this works in read-write mode
//! only; in read-only mode the `.drv` is not valid and that is the error.

use std::collections::BTreeSet;
use std::sync::Arc;

use cairn_build::{BuildOptions, Builder, DerivedPath, NoObserver, OutputSelection};
use cairn_eval::{BuildHook, ErrorKind, EvalError, EvalResult};

/// A [`BuildHook`] that realises contexts with a [`Builder`].
pub struct StoreBuildHook {
    builder: Arc<Builder>,
    options: BuildOptions,
}

impl std::fmt::Debug for StoreBuildHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreBuildHook")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl StoreBuildHook {
    /// Realises through `builder` with `options` (`-j`, `--keep-failed`…).
    #[must_use]
    pub fn new(builder: Arc<Builder>, options: BuildOptions) -> StoreBuildHook {
        StoreBuildHook { builder, options }
    }
}

fn other(msg: String) -> EvalError {
    EvalError::new(ErrorKind::Other(msg))
}

/// The targets a string context asks for.
pub(crate) fn targets(
    store_dir: &cairn_store_path::StoreDir,
    context: &[&str],
) -> EvalResult<Vec<DerivedPath>> {
    let parse = |p: &str| store_dir.parse_path(p).map_err(|e| other(e.to_string()));
    let mut out = Vec::new();
    for item in context {
        if let Some(drv) = item.strip_prefix('=') {
            out.push(DerivedPath::Built {
                drv: parse(drv)?,
                outputs: OutputSelection::All,
            });
        } else if let Some(rest) = item.strip_prefix('!') {
            let Some((output, drv)) = rest.split_once('!') else {
                return Err(other(format!("invalid context element '{item}'")));
            };
            out.push(DerivedPath::Built {
                drv: parse(drv)?,
                outputs: OutputSelection::Names(BTreeSet::from([output.to_string()])),
            });
        } else {
            out.push(DerivedPath::Opaque(parse(item)?));
        }
    }
    Ok(out)
}

/// The hook [`crate::evaluator`] installs: nothing is built, so every
/// path a context names must already be valid, as in Nix 2.8's read-only
/// mode (`path '…' is not valid`).
pub(crate) struct ValidityHook {
    pub(crate) io: std::rc::Rc<crate::GlueIo>,
}

impl BuildHook for ValidityHook {
    fn realise_context(&self, context: &[&str]) -> EvalResult<()> {
        let store_dir = self.io.store_dir_value();
        for t in targets(store_dir, context)? {
            let path = match &t {
                DerivedPath::Built { drv, .. } => drv,
                DerivedPath::Opaque(p) => p,
            };
            let valid = match self.io.store()? {
                Some(store) => store
                    .is_valid_path(path)
                    .map_err(|e| other(e.to_string()))?,
                None => std::fs::symlink_metadata(store_dir.display(path)).is_ok(),
            };
            if !valid {
                return Err(
                    other(format!("path '{}' is not valid", store_dir.display(path)))
                        .unpositioned(),
                );
            }
        }
        Ok(())
    }
}

impl BuildHook for StoreBuildHook {
    fn realise_context(&self, context: &[&str]) -> EvalResult<()> {
        let store = self.builder.store();
        let store_dir = store.store_dir();
        let targets = targets(store_dir, context)?;
        for t in &targets {
            let path = match t {
                DerivedPath::Built { drv, .. } => drv,
                DerivedPath::Opaque(p) => p,
            };
            if !store
                .is_valid_path(path)
                .map_err(|e| other(e.to_string()))?
            {
                return Err(
                    other(format!("path '{}' is not valid", store_dir.display(path)))
                        .unpositioned(),
                );
            }
        }
        self.builder
            .realise(&targets, &self.options, &mut NoObserver)
            .map(|_| ())
            .map_err(|e| {
                let mut msg = e.to_string();
                let mut cur = std::error::Error::source(&e);
                while let Some(c) = cur {
                    msg.push_str(": ");
                    msg.push_str(&c.to_string());
                    cur = c.source();
                }
                other(msg)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_become_targets() {
        let sd = cairn_store_path::StoreDir::default();
        let drv = "/nix/store/x0sj6ynccvc1a8kxr8fifnlf7qlxw6hd-hello.drv";
        let t = targets(
            &sd,
            &[
                &format!("!out!{drv}"),
                &format!("={drv}"),
                "/nix/store/pnwh4xsfs4j508bs9iw6bpkyc4zw6ryx-hello",
            ],
        )
        .unwrap();
        assert!(
            matches!(&t[0], DerivedPath::Built { outputs: OutputSelection::Names(n), .. } if n.contains("out"))
        );
        assert!(matches!(
            &t[1],
            DerivedPath::Built {
                outputs: OutputSelection::All,
                ..
            }
        ));
        assert!(matches!(&t[2], DerivedPath::Opaque(_)));
        assert!(targets(&sd, &["!bad"]).is_err());
    }
}
