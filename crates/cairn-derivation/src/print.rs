//! Writing a [`Derivation`] as an ATerm, byte for byte as Nix 2.8's
//! `Derivation::unparse`.
//!
//! Nix escapes only some fields (`printString`: builder, arguments,
//! environment keys and values) and writes the others verbatim between
//! quotes (`printUnquotedString`: output names, paths, hash fields, input
//! output names and the system). cairn does the same, so that what it
//! writes is what Nix writes.

use std::collections::{BTreeMap, BTreeSet};

use cairn_hash::Encoding;
use cairn_store_path::StoreDir;

use crate::derivation::{Derivation, DerivationOutput};

/// Writes `s` between quotes, escaping `"`, `\`, newline, CR and tab.
fn push_escaped(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    for &byte in s {
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            other => out.push(other),
        }
    }
    out.push(b'"');
}

/// Writes `s` between quotes as it is.
fn push_verbatim(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s);
    out.push(b'"');
}

/// Writes `[S1,S2,…]`, each verbatim.
fn push_verbatim_list<'a>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'a [u8]>) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_verbatim(out, item);
    }
    out.push(b']');
}

/// How to write a derivation: as it is, or in one of the forms
/// `hashDerivationModulo` hashes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PrintOptions<'a> {
    /// Blank output paths and the environment variables named after
    /// outputs (Nix's `maskOutputs`).
    pub(crate) mask_outputs: bool,
    /// Write these (hash → output names) in place of the input
    /// derivations (Nix's `actualInputs`).
    pub(crate) actual_inputs: Option<&'a BTreeMap<String, BTreeSet<String>>>,
}

pub(crate) fn print(drv: &Derivation, store_dir: &StoreDir, options: PrintOptions<'_>) -> Vec<u8> {
    let env_len: usize = drv.env.iter().map(|(k, v)| k.len() + v.len() + 8).sum();
    let mut out = Vec::with_capacity(env_len + 1024);
    out.extend_from_slice(b"Derive([");
    for (i, (name, output)) in drv.outputs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'(');
        push_verbatim(&mut out, name.as_bytes());
        out.push(b',');
        let path = match output.path() {
            Some(path) if !options.mask_outputs => store_dir.display(path),
            _ => String::new(),
        };
        push_verbatim(&mut out, path.as_bytes());
        out.push(b',');
        push_verbatim(
            &mut out,
            output.hash_algo_field().unwrap_or_default().as_bytes(),
        );
        out.push(b',');
        let hash_field = match output {
            DerivationOutput::Fixed { hash, .. } => hash.encode(Encoding::Base16, false),
            DerivationOutput::Impure { .. } => "impure".to_owned(),
            DerivationOutput::InputAddressed(_)
            | DerivationOutput::Floating { .. }
            | DerivationOutput::Deferred => String::new(),
        };
        push_verbatim(&mut out, hash_field.as_bytes());
        out.push(b')');
    }
    out.extend_from_slice(b"],[");
    if let Some(actual) = options.actual_inputs {
        for (i, (hash, outputs)) in actual.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'(');
            push_verbatim(&mut out, hash.as_bytes());
            out.push(b',');
            push_verbatim_list(&mut out, outputs.iter().map(|o| o.as_bytes()));
            out.push(b')');
        }
    } else {
        for (i, (drv_path, outputs)) in drv.input_drvs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'(');
            push_verbatim(&mut out, store_dir.display(drv_path).as_bytes());
            out.push(b',');
            push_verbatim_list(&mut out, outputs.iter().map(|o| o.as_bytes()));
            out.push(b')');
        }
    }
    out.extend_from_slice(b"],");
    let srcs: Vec<String> = drv
        .input_srcs
        .iter()
        .map(|p| store_dir.display(p))
        .collect();
    push_verbatim_list(&mut out, srcs.iter().map(|s| s.as_bytes()));
    out.push(b',');
    push_verbatim(&mut out, &drv.system);
    out.push(b',');
    push_escaped(&mut out, &drv.builder);
    out.extend_from_slice(b",[");
    for (i, arg) in drv.args.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_escaped(&mut out, arg);
    }
    out.extend_from_slice(b"],[");
    for (i, (key, value)) in drv.env.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'(');
        push_escaped(&mut out, key);
        out.push(b',');
        let masked = options.mask_outputs
            && std::str::from_utf8(key).is_ok_and(|k| drv.outputs.contains_key(k));
        push_escaped(&mut out, if masked { b"" } else { value });
        out.push(b')');
    }
    out.extend_from_slice(b"])");
    out
}

impl Derivation {
    /// The derivation as an ATerm, exactly as Nix writes it to a `.drv`
    /// file.
    ///
    /// Like Nix, the system and output names are written without escapes;
    /// a system containing `"` or `\` gives a file that neither Nix nor
    /// cairn can read back.
    #[must_use]
    pub fn to_aterm(&self, store_dir: &StoreDir) -> Vec<u8> {
        print(self, store_dir, PrintOptions::default())
    }

    /// The ATerm with output paths blanked and every environment variable
    /// named after an output set to `""` (Nix's `unparse` with
    /// `maskOutputs`).
    #[must_use]
    pub fn to_masked_aterm(&self, store_dir: &StoreDir) -> Vec<u8> {
        print(
            self,
            store_dir,
            PrintOptions {
                mask_outputs: true,
                actual_inputs: None,
            },
        )
    }
}
