//! `derivationStrict` and `derivation`: from an attribute set to a `.drv`
//! and its output paths, as Nix 2.8's `prim_derivationStrict` does it.
//!
//! Every attribute but `__ignoreNulls` (and `args`, which becomes the
//! builder's arguments) becomes an environment variable, coerced to a
//! string that may copy paths to the store; with `__structuredAttrs` they
//! go into one JSON object in `__json` instead. The contexts of all those
//! strings become the inputs: a plain path is an input source, `!OUT!DRV`
//! one output of an input derivation, and `=DRV` (a `drvPath` used as a
//! string) the derivation's whole closure, every `.drv` in it with all its
//! outputs. Output paths come from `hashDerivationModulo` (or the fixed
//! output hash); the derivation is remembered so that derivations that use
//! it can be hashed even when nothing is written (read-only mode).
//!
//! `derivation` is the Nix-level wrapper (`derivation.nix` here, written
//! for cairn with the semantics of Nix's): it calls `derivationStrict`
//! lazily and returns one attribute set per output, sharing the inputs.

use std::collections::BTreeSet;
use std::rc::Rc;

use cairn_derivation::{Derivation, DerivationOutput};
use cairn_eval::{Attrs, Context, EvalError, EvalResult, Evaluator, NixString, Symbol, Value};
use cairn_hash::{Encoding, Hash, HashAlgo};
use cairn_store_path::{FileIngestionMethod, StorePath};

use crate::io::{GlueIo, other};
use crate::paths::{parse_hash_allow_empty, string_no_context};

/// The `derivation` wrapper, in Nix.
pub(crate) const DERIVATION_NIX: &str = include_str!("derivation.nix");

/// The name positions and messages use for the wrapper (Nix 2.8's).
pub(crate) const DERIVATION_NIX_NAME: &str = "//builtin/derivation.nix";

/// Output names, kept as Nix 2.8 keeps them (a sorted set).
fn check_outputs(names: Vec<String>) -> EvalResult<BTreeSet<String>> {
    let mut outputs = BTreeSet::new();
    for n in names {
        if outputs.contains(&n) {
            return Err(other(format!("duplicate derivation output '{n}'")));
        }
        if n == "drv" {
            return Err(other("invalid derivation output name 'drv'"));
        }
        outputs.insert(n);
    }
    if outputs.is_empty() {
        return Err(other("derivation cannot have an empty set of outputs"));
    }
    Ok(outputs)
}

fn hash_mode(s: &str) -> EvalResult<FileIngestionMethod> {
    match s {
        "recursive" => Ok(FileIngestionMethod::Recursive),
        "flat" => Ok(FileIngestionMethod::Flat),
        _ => Err(other(format!(
            "invalid value '{s}' for 'outputHashMode' attribute"
        ))),
    }
}

/// What the attributes say beyond the environment.
#[derive(Default)]
struct Collected {
    drv: Derivation,
    context: Context,
    outputs: Option<BTreeSet<String>>,
    output_hash: Option<String>,
    output_hash_algo: String,
    hash_mode: Option<FileIngestionMethod>,
    json: Option<Vec<(Symbol, String)>>,
}

/// `derivationStrict ATTRS`.
pub(crate) fn derivation_strict(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let attrs = ev.expect_attrs(&a[0])?;
    let io = Rc::clone(ev.io());
    let glue = GlueIo::from_io(&io)?;

    let Some(name_v) = attrs.get("name") else {
        return Err(other(
            "attribute 'name' missing for call to 'derivationStrict'",
        ));
    };
    let name_v = name_v.clone();
    let drv_name = string_no_context(ev, &name_v)
        .map_err(|e| e.add_trace("while evaluating the derivation attribute 'name'"))?;
    let at_name = |ev: &Evaluator, e: EvalError| ev.error_at_attr(e, &attrs, "name");

    let structured = match attrs.get("__structuredAttrs") {
        Some(v) => ev.expect_bool(v)?,
        None => false,
    };
    let ignore_nulls = match attrs.get("__ignoreNulls") {
        Some(v) => ev.expect_bool(v)?,
        None => false,
    };

    let mut c = Collected {
        json: structured.then(Vec::new),
        ..Collected::default()
    };
    for (key, value) in attrs.iter() {
        if key.as_ref() == "__ignoreNulls" {
            continue;
        }
        collect_attribute(ev, &mut c, key, value, ignore_nulls).map_err(|e| {
            // Nix shows an error of the value at the attribute, and one
            // of its own checks (outputs, hash mode) at the name.
            let e = match e {
                AttrError::Value(e) => ev.error_at_attr(e, &attrs, key),
                AttrError::Check(e) => at_name(ev, e),
                AttrError::Unpositioned(e) => e.unpositioned(),
            };
            ev.trace_at_attr(
                e,
                &attrs,
                "name",
                format!("while evaluating the attribute '{key}' of the derivation '{drv_name}'"),
            )
        })?;
    }
    if let Some(entries) = c.json.take() {
        let mut text = String::from("{");
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(ev.value_to_json(&Value::string(k.as_ref()))?.as_str());
            text.push(':');
            text.push_str(v);
        }
        text.push('}');
        c.drv.env.insert("__json".into(), text.into());
    }

    let store_dir = glue.store_dir_value().clone();
    // The inputs, from the context of every string used.
    for item in &c.context {
        if let Some(drv_path) = item.strip_prefix('=') {
            let p = parse_store_path(glue, drv_path)?;
            for member in glue.closure(&p)? {
                if member.is_derivation() {
                    let outputs = glue.read_derivation(&member)?.outputs.into_keys().collect();
                    c.drv.input_drvs.insert(member.clone(), outputs);
                }
                c.drv.input_srcs.insert(member);
            }
        } else if let Some(rest) = item.strip_prefix('!') {
            let Some((output, drv_path)) = rest.split_once('!') else {
                return Err(other(format!("invalid context element '{item}'")));
            };
            let p = parse_store_path(glue, drv_path)?;
            c.drv
                .input_drvs
                .entry(p)
                .or_default()
                .insert(output.to_string());
        } else {
            c.drv.input_srcs.insert(parse_store_path(glue, item)?);
        }
    }

    if c.drv.builder.is_empty() {
        return Err(at_name(ev, other("required attribute 'builder' missing")));
    }
    if c.drv.system.is_empty() {
        return Err(at_name(ev, other("required attribute 'system' missing")));
    }
    if drv_name.ends_with(".drv") {
        return Err(at_name(
            ev,
            other("derivation names are not allowed to end in '.drv'"),
        ));
    }

    let outputs = c
        .outputs
        .clone()
        .unwrap_or_else(|| BTreeSet::from(["out".to_string()]));
    if let Some(hash_text) = &c.output_hash {
        if outputs.len() != 1 || !outputs.contains("out") {
            return Err(at_name(
                ev,
                other("multiple outputs are not supported in fixed-output derivations"),
            ));
        }
        let algo = HashAlgo::from_name(&c.output_hash_algo);
        let hash = parse_hash_allow_empty(hash_text, algo).map_err(EvalError::unpositioned)?;
        let method = c.hash_mode.unwrap_or(FileIngestionMethod::Flat);
        let out =
            DerivationOutput::fixed(&store_dir, method, hash, &drv_name, "out").map_err(|e| {
                fixed_name_error(&store_dir, method, &hash, &drv_name, e.to_string()).unpositioned()
            })?;
        c.drv.outputs.insert("out".into(), out);
    } else {
        for o in &outputs {
            c.drv.outputs.insert(o.clone(), DerivationOutput::Deferred);
        }
    }

    check_output_names(glue, &c.drv, &drv_name).map_err(EvalError::unpositioned)?;
    let drv = {
        let mut state = glue.state.borrow_mut();
        let mut drv = c.drv;
        drv.fill_in_output_paths(&drv_name, &mut state.hasher)
            .map_err(|e| hash_error(glue, &e))?;
        drv
    };
    let drv_path = write_derivation(glue, &drv, &drv_name)?;
    let drv_path_s = store_dir.display(&drv_path);
    // Hash it now (Nix's drvHashes), which needs it remembered first.
    {
        let mut state = glue.state.borrow_mut();
        state
            .made
            .borrow_mut()
            .insert(drv_path.clone(), drv.clone());
        state
            .hasher
            .path_derivation_modulo(&drv_path)
            .map_err(|e| hash_error(glue, &e))?;
    }

    let mut result: Vec<(Symbol, Value)> = Vec::with_capacity(drv.outputs.len() + 1);
    let ctx: Context = [Rc::from(format!("={drv_path_s}").as_str())]
        .into_iter()
        .collect();
    result.push((
        "drvPath".into(),
        Value::nix_string(NixString::with_context(drv_path_s.clone(), ctx)),
    ));
    for (name, out) in &drv.outputs {
        let path = match out.path() {
            Some(p) => store_dir.display(p),
            None => cairn_store_path::hash_placeholder(name),
        };
        let ctx: Context = [Rc::from(format!("!{name}!{drv_path_s}").as_str())]
            .into_iter()
            .collect();
        result.push((
            name.as_str().into(),
            Value::nix_string(NixString::with_context(path, ctx)),
        ));
    }
    Ok(Value::attrs(Attrs::from_unsorted(result)))
}

/// Nix checks a name only when it makes a store path from it, so its
/// message names the whole base name, `HASH-NAME`, of the first output
/// path it could not make. Valid names (nearly always) cost one check.
fn check_output_names(glue: &GlueIo, drv: &Derivation, drv_name: &str) -> EvalResult<()> {
    let names_ok = drv.outputs.keys().all(|o| {
        let name = cairn_store_path::output_path_name(drv_name, o);
        cairn_store_path::check_name(&name, &name).is_ok()
    });
    if names_ok {
        return Ok(());
    }
    let store_dir = glue.store_dir_value();
    let unchecked = |path_type: &str, hash: &Hash, name: &str| {
        check_base_name(store_dir, path_type, hash, name)
    };
    let mut masked = drv.clone();
    for (name, output) in &mut masked.outputs {
        *output = DerivationOutput::Deferred;
        masked.env.insert(name.as_str().into(), "".into());
    }
    let drv_hash = glue
        .state
        .borrow_mut()
        .hasher
        .hash_derivation_modulo(&masked, true)
        .map_err(|e| hash_error(glue, &e))?;
    for (name, hash) in &drv_hash.hashes {
        unchecked(
            &format!("output:{name}"),
            hash,
            &cairn_store_path::output_path_name(drv_name, name),
        )?;
    }
    Ok(())
}

/// Checks `name` as Nix does when making the path `path_type`/`hash`/`name`,
/// naming the whole `HASH-NAME` in the error.
fn check_base_name(
    store_dir: &cairn_store_path::StoreDir,
    path_type: &str,
    hash: &Hash,
    name: &str,
) -> EvalResult<()> {
    let fingerprint = format!(
        "{path_type}:{}:{}:{name}",
        hash.encode(Encoding::Base16, true),
        store_dir.as_str()
    );
    let digest = Hash::digest(HashAlgo::Sha256, fingerprint.as_bytes()).compress(20);
    let base = format!("{}-{name}", cairn_hash::nixbase32::encode(&digest));
    cairn_store_path::check_name(&base, name).map_err(|e| other(e.to_string()))
}

/// The error Nix gives for a fixed output whose name is not valid.
fn fixed_name_error(
    store_dir: &cairn_store_path::StoreDir,
    method: FileIngestionMethod,
    hash: &Hash,
    name: &str,
    fallback: String,
) -> EvalError {
    let checked = if method == FileIngestionMethod::Recursive && hash.algo() == HashAlgo::Sha256 {
        check_base_name(store_dir, "source", hash, name)
    } else {
        let inner = format!(
            "fixed:out:{}{}:",
            method.prefix(),
            hash.encode(Encoding::Base16, true)
        );
        check_base_name(
            store_dir,
            "output:out",
            &Hash::digest(HashAlgo::Sha256, inner.as_bytes()),
            name,
        )
    };
    checked.err().unwrap_or_else(|| other(fallback))
}

/// Writes (or, read-only, names) the `.drv` file.
fn write_derivation(glue: &GlueIo, drv: &Derivation, name: &str) -> EvalResult<StorePath> {
    let store_dir = glue.store_dir_value();
    let aterm = drv.to_aterm(store_dir);
    let references: BTreeSet<StorePath> = drv.references().cloned().collect();
    glue.add_text(&format!("{name}.drv"), &aterm, &references)
}

fn parse_store_path(glue: &GlueIo, s: &str) -> EvalResult<StorePath> {
    glue.store_dir_value()
        .parse_path(s)
        .map_err(|e| other(e.to_string()))
}

/// A `hashDerivationModulo` failure as Nix reports it: a missing input
/// `.drv` is a file that could not be opened.
fn hash_error(glue: &GlueIo, e: &cairn_derivation::HashModuloError) -> EvalError {
    if let cairn_derivation::HashModuloError::MissingInput { drv_path, .. } = e {
        let host = glue.host_path(drv_path);
        return other(format!(
            "opening file '{}': No such file or directory",
            host.display()
        ))
        .unpositioned();
    }
    other(error_chain(e))
}

/// An error and its causes, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Why an attribute could not be used, which decides where Nix shows it.
enum AttrError {
    /// Evaluating or coercing the value failed: shown at the attribute.
    Value(EvalError),
    /// The value is not acceptable (outputs, hash mode): shown at `name`.
    Check(EvalError),
    /// Shown without a position (Nix's experimental-feature errors).
    Unpositioned(EvalError),
}

impl From<EvalError> for AttrError {
    fn from(e: EvalError) -> AttrError {
        AttrError::Value(e)
    }
}

/// Handles one attribute of the derivation.
fn collect_attribute(
    ev: &mut Evaluator,
    c: &mut Collected,
    key: &Symbol,
    value: &Value,
    ignore_nulls: bool,
) -> Result<(), AttrError> {
    if ignore_nulls && matches!(ev.force_value(value)?, Value::Null) {
        return Ok(());
    }
    match key.as_ref() {
        "__contentAddressed" => {
            return Err(AttrError::Unpositioned(other(
                "experimental Nix feature 'ca-derivations' is disabled; use '--extra-experimental-features ca-derivations' to override",
            )));
        }
        "__impure" => {
            return Err(AttrError::Unpositioned(other(
                "experimental Nix feature 'impure-derivations' is disabled; use '--extra-experimental-features impure-derivations' to override",
            )));
        }
        "args" => {
            let list = ev.expect_list(value)?;
            for item in list.iter() {
                let s = ev.coerce_to_string(item, true, true)?;
                c.context.extend(s.context().cloned());
                c.drv.args.push(s.as_str().into());
            }
            return Ok(());
        }
        _ => {}
    }
    if let Some(json) = &mut c.json {
        if key.as_ref() == "__structuredAttrs" {
            return Ok(());
        }
        let text = ev.value_to_json(value)?;
        c.context.extend(text.context().cloned());
        json.push((*key, text.as_str().to_string()));
        match key.as_ref() {
            "builder" => {
                let s = ev.expect_string(value)?;
                c.context.extend(s.context().cloned());
                c.drv.builder = s.as_str().into();
            }
            "system" => c.drv.system = string_no_context(ev, value)?.into(),
            "outputHash" => c.output_hash = Some(string_no_context(ev, value)?),
            "outputHashAlgo" => c.output_hash_algo = string_no_context(ev, value)?,
            "outputHashMode" => {
                let mode = string_no_context(ev, value)?;
                c.hash_mode = Some(hash_mode(&mode).map_err(AttrError::Check)?);
            }
            "outputs" => {
                let list = ev.expect_list(value)?;
                let mut names = Vec::with_capacity(list.len());
                for item in list.iter() {
                    names.push(string_no_context(ev, item)?);
                }
                c.outputs = Some(check_outputs(names).map_err(AttrError::Check)?);
            }
            _ => {}
        }
        return Ok(());
    }
    let s = ev.coerce_to_string(value, true, true)?;
    c.context.extend(s.context().cloned());
    let text = s.as_str();
    c.drv.env.insert(key.as_bytes().into(), text.into());
    match key.as_ref() {
        "builder" => c.drv.builder = text.into(),
        "system" => c.drv.system = text.into(),
        "outputHash" => c.output_hash = Some(text.to_string()),
        "outputHashAlgo" => c.output_hash_algo = text.to_string(),
        "outputHashMode" => c.hash_mode = Some(hash_mode(text).map_err(AttrError::Check)?),
        "outputs" => {
            let names = text
                .split([' ', '\t', '\n', '\r'])
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            c.outputs = Some(check_outputs(names).map_err(AttrError::Check)?);
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_checked_like_nix() {
        assert_eq!(
            check_outputs(vec!["out".into(), "out".into()])
                .unwrap_err()
                .to_string(),
            "error: duplicate derivation output 'out'"
        );
        assert!(check_outputs(vec!["drv".into()]).is_err());
        assert!(check_outputs(vec![]).is_err());
        let o = check_outputs(vec!["out".into(), "dev".into()]).unwrap();
        assert_eq!(o.into_iter().collect::<Vec<_>>(), ["dev", "out"]);
    }
}
