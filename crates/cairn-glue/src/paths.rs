//! Host files into the store: `"${./foo}"`, `builtins.path`,
//! `filterSource`, `toFile` and `storePath`.
//!
//! A tree is imported as Nix 2.8 does: its NAR (entries in byte order,
//! executables marked, symlinks kept as links) is hashed with SHA-256 and
//! named as a `source` path; a `filter` function is asked about every entry
//! below the root (never the root itself) with the entry's path and type,
//! and a rejected directory is skipped whole. In read-only mode only the
//! hash is computed, by the walker here; in read-write mode the store adds
//! the tree and the two must agree (both follow Nix's `dumpPath`).

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::rc::Rc;

use cairn_eval::{Context, ErrorKind, EvalError, EvalResult, Evaluator, NixString, Value};
use cairn_hash::{Hash, HashAlgo, Hasher};
use cairn_nar::Encoder;
use cairn_store::{FilterFileType, Store, StoreError};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

use crate::io::{GlueIo, other};

/// Decides whether an entry below an imported root is included; an error
/// (from the Nix filter function) aborts the import.
pub(crate) type HostFilter<'a> = dyn FnMut(&Path, FilterFileType) -> EvalResult<bool> + 'a;

/// A `Write` that hashes what it is given.
struct HashWriter(Hasher);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn io_err(path: &Path, what: &str, e: &io::Error) -> EvalError {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    };
    EvalError::new(ErrorKind::Io(format!(
        "{what} '{}': {text}",
        path.display()
    )))
}

fn file_type_of(meta: &std::fs::Metadata) -> FilterFileType {
    let ft = meta.file_type();
    if ft.is_symlink() {
        FilterFileType::Symlink
    } else if ft.is_dir() {
        FilterFileType::Directory
    } else if ft.is_file() {
        FilterFileType::Regular
    } else {
        FilterFileType::Unknown
    }
}

/// Writes the NAR of `path` (filtered) to `enc`, like Nix's `dumpPath`.
fn dump<W: Write>(
    path: &Path,
    enc: &mut Encoder<W>,
    filter: &mut Option<&mut HostFilter<'_>>,
) -> EvalResult<()> {
    let meta =
        std::fs::symlink_metadata(path).map_err(|e| io_err(path, "getting status of", &e))?;
    let nar = |e: cairn_nar::EncodeError| other(format!("archiving '{}': {e}", path.display()));
    match file_type_of(&meta) {
        FilterFileType::Regular => {
            let executable = meta.permissions().mode() & 0o100 != 0;
            let file = std::fs::File::open(path).map_err(|e| io_err(path, "opening file", &e))?;
            enc.regular(executable, meta.len(), file).map_err(nar)?;
        }
        FilterFileType::Symlink => {
            let target =
                std::fs::read_link(path).map_err(|e| io_err(path, "reading symbolic link", &e))?;
            enc.symlink(target.as_os_str().as_encoded_bytes())
                .map_err(nar)?;
        }
        FilterFileType::Directory => {
            let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(path)
                .map_err(|e| io_err(path, "opening directory", &e))?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()
                .map_err(|e| io_err(path, "reading directory", &e))?;
            names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
            enc.start_directory().map_err(nar)?;
            for name in names {
                let child = path.join(&name);
                if let Some(f) = filter.as_deref_mut() {
                    let meta = std::fs::symlink_metadata(&child)
                        .map_err(|e| io_err(&child, "getting status of", &e))?;
                    if !f(&child, file_type_of(&meta))? {
                        continue;
                    }
                }
                enc.entry(name.as_encoded_bytes()).map_err(nar)?;
                dump(&child, enc, filter)?;
            }
            enc.end_directory().map_err(nar)?;
        }
        FilterFileType::Unknown => {
            return Err(other(format!(
                "file '{}' has an unsupported type",
                path.display()
            )));
        }
    }
    Ok(())
}

/// The hash of `source` as the store would compute it when adding it.
pub(crate) fn hash_host_path(
    source: &Path,
    method: FileIngestionMethod,
    algo: HashAlgo,
    mut filter: Option<&mut HostFilter<'_>>,
) -> EvalResult<Hash> {
    match method {
        FileIngestionMethod::Flat => {
            let bytes = std::fs::read(source).map_err(|e| io_err(source, "opening file", &e))?;
            Ok(Hash::digest(algo, &bytes))
        }
        FileIngestionMethod::Recursive => {
            let mut enc = Encoder::new(HashWriter(Hasher::new(algo)));
            dump(source, &mut enc, &mut filter)?;
            let (w, _) = enc
                .finish()
                .map_err(|e| other(format!("archiving '{}': {e}", source.display())))?;
            Ok(w.0.finish())
        }
    }
}

/// The store path `source` gets when imported as `name`, without adding it.
pub(crate) fn compute_path_for_host(
    store_dir: &StoreDir,
    name: &str,
    source: &Path,
    method: FileIngestionMethod,
    algo: HashAlgo,
    filter: Option<&mut HostFilter<'_>>,
) -> EvalResult<StorePath> {
    let hash = hash_host_path(source, method, algo, filter)?;
    store_dir
        .make_fixed_output_path(method, &hash, name, [], false)
        .map_err(|e| other(e.to_string()))
}

/// Adds `source` to `store`; an error of the filter function comes back as
/// itself, not as a store error.
pub(crate) fn add_with_store(
    store: &dyn Store,
    name: &str,
    source: &Path,
    method: FileIngestionMethod,
    filter: Option<&mut HostFilter<'_>>,
) -> EvalResult<StorePath> {
    let mut filter_error: Option<EvalError> = None;
    let result = match filter {
        Some(f) => {
            let mut store_filter = |p: &Path, t: FilterFileType| -> Result<bool, StoreError> {
                f(p, t).map_err(|e| {
                    filter_error = Some(e);
                    StoreError::InvalidPath {
                        path: p.display().to_string(),
                    }
                })
            };
            store.add_path_to_store(
                name,
                source,
                method,
                HashAlgo::Sha256,
                Some(&mut store_filter),
            )
        }
        None => store.add_path_to_store(name, source, method, HashAlgo::Sha256, None),
    };
    match (result, filter_error) {
        (_, Some(e)) => Err(e),
        (Ok(p), None) => Ok(p),
        (Err(e), None) => Err(other(e.to_string())),
    }
}

/// The last component of a path (Nix's `baseNameOf`).
pub(crate) fn base_name(path: &str) -> &str {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// `EvalIo::copy_path_to_store`: `"${./foo}"` and friends.
pub(crate) fn copy_path_to_store(glue: &GlueIo, path: &str) -> EvalResult<String> {
    if path.ends_with(".drv") {
        return Err(other("file names are not allowed to end in '.drv'"));
    }
    if let Some(p) = glue.state.borrow().src_to_store.get(path) {
        return Ok(glue.store_dir_value().display(p));
    }
    let source = glue.host_path(path);
    let store_path = glue.add_host_path(
        base_name(path),
        &source,
        FileIngestionMethod::Recursive,
        None,
    )?;
    glue.state
        .borrow_mut()
        .src_to_store
        .insert(path.to_string(), store_path.clone());
    Ok(glue.store_dir_value().display(&store_path))
}

/// A string value of a store path, with the path as its context.
pub(crate) fn store_path_value(store_dir: &StoreDir, path: &StorePath) -> Value {
    let s = store_dir.display(path);
    let ctx: Context = [Rc::from(s.as_str())].into_iter().collect();
    Value::nix_string(NixString::with_context(s, ctx))
}

/// A string that must not carry context (Nix's `forceStringNoCtx`).
pub(crate) fn string_no_context(ev: &mut Evaluator, v: &Value) -> EvalResult<String> {
    let s = ev.expect_string(v)?;
    if let Some(c) = s.context().next() {
        return Err(other(format!(
            "the string '{}' is not allowed to refer to a store path (such as '{c}')",
            s.as_str()
        )));
    }
    Ok(s.as_str().to_string())
}

/// Nix's `coerceToPath`: a string or path that is absolute.
pub(crate) fn coerce_to_path(ev: &mut Evaluator, v: &Value) -> EvalResult<NixString> {
    let s = ev.coerce_to_string(v, false, false)?;
    if !s.as_str().starts_with('/') {
        return Err(other(format!(
            "string '{}' doesn't represent an absolute path",
            s.as_str()
        )));
    }
    Ok(s)
}

/// Parses a hash the way `builtins.path`'s `sha256` and `fetchurl` do
/// (Nix's `newHashAllowEmpty`): an empty string is a zero hash, with a
/// warning in Nix.
pub(crate) fn parse_hash_allow_empty(text: &str, algo: Option<HashAlgo>) -> EvalResult<Hash> {
    if text.is_empty() {
        return match algo {
            Some(a) => Hash::from_bytes(a, &vec![0u8; a.digest_len()])
                .ok_or_else(|| other("empty hash requires explicit hash type")),
            None => Err(other("empty hash requires explicit hash type")),
        };
    }
    Hash::parse_any(text, algo).map_err(|e| other(e.to_string()))
}

// ---- builtins -------------------------------------------------------------

/// `builtins.toFile NAME CONTENTS`.
pub(crate) fn to_file(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let io = Rc::clone(ev.io());
    let glue = GlueIo::from_io(&io)?;
    let name = string_no_context(ev, &a[0])?;
    let contents = ev.expect_string(&a[1])?;
    let mut refs = BTreeSet::new();
    for c in contents.context() {
        if !c.starts_with('/') {
            return Err(other(format!(
                "in 'toFile': the file named '{name}' must not contain a reference to a derivation but contains ({c})"
            )));
        }
        refs.insert(
            glue.store_dir_value()
                .parse_path(c)
                .map_err(|e| other(e.to_string()))?,
        );
    }
    let path = glue.add_text(&name, contents.as_str().as_bytes(), &refs)?;
    Ok(store_path_value(glue.store_dir_value(), &path))
}

/// Calls the Nix filter `f` with a path and its type name.
fn call_filter(ev: &mut Evaluator, f: &Value, path: &Path, t: FilterFileType) -> EvalResult<bool> {
    let type_name = match t {
        FilterFileType::Regular => "regular",
        FilterFileType::Directory => "directory",
        FilterFileType::Symlink => "symlink",
        FilterFileType::Unknown => "unknown",
    };
    let g = ev.apply_value(f, Value::string(path.to_string_lossy().into_owned()))?;
    let r = ev.apply_value(&g, Value::string(type_name))?;
    ev.expect_bool(&r)
}

/// Nix's `addPath`: imports `path` (already coerced) as `name`.
fn add_path(
    ev: &mut Evaluator,
    name: &str,
    path: &NixString,
    filter: Option<&Value>,
    method: FileIngestionMethod,
    expected: Option<Hash>,
) -> EvalResult<Value> {
    let io = Rc::clone(ev.io());
    let glue = GlueIo::from_io(&io)?;
    let p = path.as_str();
    let result = (|| {
        if path.has_context() {
            let ctx: Vec<Rc<str>> = path.context().cloned().collect();
            if let Some(hook) = ev.build_hook().cloned() {
                hook.realise_context(&ctx.iter().map(AsRef::as_ref).collect::<Vec<_>>())?;
            }
        }
        let source = glue.host_path(p);
        let expected_path = match &expected {
            Some(h) => Some(
                glue.store_dir_value()
                    .make_fixed_output_path(method, h, name, [], false)
                    .map_err(|e| other(e.to_string()))?,
            ),
            None => None,
        };
        if let Some(ep) = &expected_path
            && glue.is_known_path(ep)?
        {
            return Ok(store_path_value(glue.store_dir_value(), ep));
        }
        let store_path = match filter {
            Some(f) => {
                let mut nix_filter =
                    |p: &Path, t: FilterFileType| -> EvalResult<bool> { call_filter(ev, f, p, t) };
                glue.add_host_path(name, &source, method, Some(&mut nix_filter))?
            }
            None => glue.add_host_path(name, &source, method, None)?,
        };
        if let Some(ep) = expected_path
            && ep != store_path
        {
            return Err(other(format!(
                "store path mismatch in (possibly filtered) path added from '{p}'"
            )));
        }
        Ok(store_path_value(glue.store_dir_value(), &store_path))
    })();
    result.map_err(|e| e.add_trace(format!("while adding path '{p}'")))
}

/// `builtins.filterSource FILTER PATH`.
pub(crate) fn filter_source(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let path = coerce_to_path(ev, &a[1])?;
    let f = ev.force_value(&a[0])?;
    if !matches!(f, Value::Lambda(_) | Value::PrimOp(_)) {
        return Err(other(format!(
            "first argument in call to 'filterSource' is not a function but {}",
            type_with_article(&f)
        )));
    }
    let name = base_name(path.as_str()).to_string();
    add_path(
        ev,
        &name,
        &path,
        Some(&f),
        FileIngestionMethod::Recursive,
        None,
    )
}

fn type_with_article(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a Boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::Path(_) => "a path",
        Value::Attrs(_) => "a set",
        Value::List(_) => "a list",
        _ => "a function",
    }
}

/// `builtins.path { path, name ? baseName, filter ? none, recursive ? true, sha256 ? none }`.
pub(crate) fn path(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let args = ev.expect_attrs(&a[0])?;
    let mut path = None;
    let mut name = String::new();
    let mut filter = None;
    let mut method = FileIngestionMethod::Recursive;
    let mut expected = None;
    for (k, v) in args.iter() {
        match k.as_ref() {
            "path" => path = Some(coerce_to_path(ev, v)?),
            "name" => name = string_no_context(ev, v)?,
            "filter" => filter = Some(ev.force_value(v)?),
            "recursive" => {
                method = if ev.expect_bool(v)? {
                    FileIngestionMethod::Recursive
                } else {
                    FileIngestionMethod::Flat
                };
            }
            "sha256" => {
                let s = string_no_context(ev, v)?;
                expected = Some(parse_hash_allow_empty(&s, Some(HashAlgo::Sha256))?);
            }
            other_name => {
                let e = other(format!("unsupported argument '{other_name}' to 'addPath'"));
                return Err(ev.error_at_attr(e, &args, other_name));
            }
        }
    }
    let Some(path) = path.filter(|p| !p.as_str().is_empty()) else {
        return Err(other("'path' required"));
    };
    if name.is_empty() {
        name = base_name(path.as_str()).to_string();
    }
    add_path(ev, &name, &path, filter.as_ref(), method, expected)
}

/// `builtins.storePath PATH`.
pub(crate) fn store_path(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let io = Rc::clone(ev.io());
    let glue = GlueIo::from_io(&io)?;
    let s = coerce_to_path(ev, &a[0])?;
    let store_dir = glue.store_dir_value();
    let mut p = canonical(s.as_str());
    // As Nix: symlinks are resolved unless the path names a store object
    // directly (a link in the store is kept as it is).
    if store_dir.parse_path(&p).is_err() {
        p = std::fs::canonicalize(&p)
            .map_err(|e| io_err(Path::new(&p), "getting status of", &e).unpositioned())?
            .to_string_lossy()
            .into_owned();
    }
    let Ok((sp, _)) = store_dir.parse_path_within(&p) else {
        return Err(other(format!("path '{p}' is not in the Nix store")));
    };
    if glue.mode() == crate::Mode::ReadWrite && !glue.is_known_path(&sp)? {
        return Err(other(format!(
            "path '{}' does not exist and cannot be created",
            store_dir.display(&sp)
        )));
    }
    let mut ctx: Context = s.context().cloned().collect();
    ctx.insert(Rc::from(store_dir.display(&sp).as_str()));
    Ok(Value::nix_string(NixString::with_context(p, ctx)))
}

/// Removes `.`, `..` and doubled slashes (no symlink resolution).
fn canonical(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names_and_canonical_paths() {
        assert_eq!(base_name("/a/b/c"), "c");
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(canonical("/nix//store/./x/../y"), "/nix/store/y");
    }

    #[test]
    fn empty_hash_is_zero_with_an_algorithm() {
        let h = parse_hash_allow_empty("", Some(HashAlgo::Sha256)).unwrap();
        assert!(h.as_bytes().iter().all(|b| *b == 0));
        assert!(parse_hash_allow_empty("", None).is_err());
    }
}
