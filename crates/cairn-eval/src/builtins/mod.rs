//! The builtins table and the builtins that deal with control flow, types,
//! attribute sets, lists, numbers and files. String builtins live in
//! [`strings`], JSON in [`json`].

mod json;
mod strings;
pub(crate) use json::to_json_string;
pub(crate) use strings::PosixRegex;
pub(crate) mod xml;

use std::collections::HashMap;
use std::rc::Rc;

use crate::Evaluator;
use crate::error::{Catchable, ErrorKind, EvalError, EvalResult, other};
use crate::eval::type_error;
use crate::ir::{BinOp, Param};
use crate::lower::canon_path;
use crate::value::{Attrs, PrimOpApp, Symbol, Thunk, ThunkState, Value};

/// The Rust function behind a builtin; receives exactly `arity` arguments,
/// unforced.
pub type BuiltinFn = fn(&mut Evaluator, &[Value]) -> EvalResult<Value>;

/// A builtin function. The store-aware layer defines its own (for example
/// `derivationStrict`) as `static`s and passes them in
/// [`EvalOptions::extra_builtins`](crate::EvalOptions::extra_builtins),
/// replacing the placeholders that report `cairn does not implement …`.
pub struct Builtin {
    /// Name in `builtins`.
    pub(crate) name: &'static str,
    /// Number of arguments.
    pub(crate) arity: usize,
    /// Also bound as a plain global (`map`, `toString`, …) rather than only
    /// as `__name`.
    pub(crate) global: bool,
    /// The implementation.
    pub(crate) func: BuiltinFn,
}

impl Builtin {
    /// A builtin reachable as `builtins.NAME` and `__NAME`.
    pub const fn new(name: &'static str, arity: usize, func: BuiltinFn) -> Builtin {
        Builtin {
            name,
            arity,
            global: false,
            func,
        }
    }

    /// Also bind it as a plain global name (like `map` or `derivation`).
    pub const fn plain_global(mut self) -> Builtin {
        self.global = true;
        self
    }

    /// Its name in `builtins`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "builtins.{}", self.name)
    }
}

const fn b(name: &'static str, arity: usize, func: BuiltinFn) -> Builtin {
    Builtin {
        name,
        arity,
        global: false,
        func,
    }
}

const fn g(name: &'static str, arity: usize, func: BuiltinFn) -> Builtin {
    Builtin {
        name,
        arity,
        global: true,
        func,
    }
}

/// Every builtin function of Nix 2.8. Those cairn cannot provide yet fail
/// with `cairn does not implement builtins.X yet` when called.
static BUILTINS: &[Builtin] = &[
    g("abort", 1, abort),
    b("add", 2, |ev, a| arith(ev, BinOp::Add, a)),
    b("addErrorContext", 2, add_error_context),
    b("all", 2, all),
    b("any", 2, any),
    b("appendContext", 2, strings::append_context),
    b("attrNames", 1, attr_names),
    b("attrValues", 1, attr_values),
    g("baseNameOf", 1, strings::base_name_of),
    b("bitAnd", 2, |ev, a| bit(ev, a, |x, y| x & y)),
    b("bitOr", 2, |ev, a| bit(ev, a, |x, y| x | y)),
    b("bitXor", 2, |ev, a| bit(ev, a, |x, y| x ^ y)),
    b("catAttrs", 2, cat_attrs),
    b("ceil", 1, |ev, a| round(ev, a, f64::ceil)),
    b("compareVersions", 2, strings::compare_versions),
    b("convertHash", 1, strings::convert_hash),
    b("concatLists", 1, concat_lists),
    b("concatMap", 2, concat_map),
    b("concatStringsSep", 2, strings::concat_strings_sep),
    b("deepSeq", 2, |ev, a| {
        ev.force_deep(&a[0])?;
        ev.force(&a[1])
    }),
    g("derivation", 1, |_, _| not_implemented("derivation")),
    b("derivationStrict", 1, |_, _| {
        not_implemented("derivationStrict")
    }),
    g("dirOf", 1, strings::dir_of),
    b("div", 2, |ev, a| arith(ev, BinOp::Div, a)),
    b("elem", 2, elem),
    b("elemAt", 2, elem_at),
    b("fetchGit", 1, |_, _| not_implemented("fetchGit")),
    g("fetchMercurial", 1, |_, _| {
        not_implemented("fetchMercurial")
    }),
    g("fetchTarball", 1, |_, _| not_implemented("fetchTarball")),
    b("fetchTree", 1, |_, _| not_implemented("fetchTree")),
    b("fetchurl", 1, |_, _| not_implemented("fetchurl")),
    b("filter", 2, filter),
    b("filterSource", 2, |_, _| not_implemented("filterSource")),
    b("findFile", 2, find_file),
    b("floor", 1, |ev, a| round(ev, a, f64::floor)),
    b("foldl'", 3, foldl),
    b("fromJSON", 1, json::from_json),
    b("fromTOML", 1, json::from_toml),
    b("functionArgs", 1, function_args),
    b("genList", 2, gen_list),
    b("genericClosure", 1, generic_closure),
    b("getAttr", 2, get_attr),
    b("getContext", 1, strings::get_context),
    b("getEnv", 1, get_env),
    b("getFlake", 1, |_, _| not_implemented("getFlake")),
    b("groupBy", 2, group_by),
    b("hasAttr", 2, has_attr),
    b("hasContext", 1, strings::has_context),
    b("hashFile", 2, strings::hash_file),
    b("hashString", 2, strings::hash_string),
    b("head", 1, head),
    g("import", 1, import),
    b("intersectAttrs", 2, intersect_attrs),
    b("isAttrs", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::Attrs(_)))
    }),
    b("isBool", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::Bool(_)))
    }),
    b("isFloat", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::Float(_)))
    }),
    b("isFunction", 1, |ev, a| is(ev, a, Value::is_function)),
    b("isInt", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::Int(_)))
    }),
    b("isList", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::List(_)))
    }),
    g("isNull", 1, |ev, a| is(ev, a, |v| matches!(v, Value::Null))),
    b("isPath", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::Path(_)))
    }),
    b("isString", 1, |ev, a| {
        is(ev, a, |v| matches!(v, Value::String(_)))
    }),
    b("length", 1, |ev, a| {
        Ok(Value::Int(
            i64::try_from(ev.expect_list(&a[0])?.len()).unwrap_or(i64::MAX),
        ))
    }),
    b("lessThan", 2, |ev, a| {
        Ok(Value::Bool(
            ev.compare(&a[0], &a[1])? == std::cmp::Ordering::Less,
        ))
    }),
    b("listToAttrs", 1, list_to_attrs),
    g("map", 2, map),
    b("mapAttrs", 2, map_attrs),
    b("match", 2, strings::regex_match),
    b("mul", 2, |ev, a| arith(ev, BinOp::Mul, a)),
    b("parseDrvName", 1, strings::parse_drv_name),
    b("partition", 2, partition),
    b("path", 1, |_, _| not_implemented("path")),
    b("pathExists", 1, path_exists),
    g("placeholder", 1, strings::placeholder),
    b("readDir", 1, read_dir),
    b("readFile", 1, read_file),
    b("readFileType", 1, read_file_type),
    g("removeAttrs", 2, remove_attrs),
    b("replaceStrings", 3, strings::replace_strings),
    g("scopedImport", 2, scoped_import),
    b("seq", 2, |ev, a| {
        ev.force(&a[0])?;
        ev.force(&a[1])
    }),
    b("sort", 2, sort),
    b("split", 2, strings::split),
    b("splitVersion", 1, strings::split_version),
    b("storePath", 1, |_, _| not_implemented("storePath")),
    b("stringLength", 1, strings::string_length),
    b("sub", 2, |ev, a| arith(ev, BinOp::Sub, a)),
    b("substring", 3, strings::substring),
    b("tail", 1, tail),
    g("throw", 1, throw),
    b("toFile", 2, |_, _| not_implemented("toFile")),
    b("toJSON", 1, json::to_json),
    b("toPath", 1, to_path),
    g("toString", 1, |ev, a| {
        Ok(Value::String(ev.coerce_to_string_rc(&a[0], true, false)?))
    }),
    b("toXML", 1, xml::to_xml),
    b("trace", 2, trace),
    b("tryEval", 1, try_eval),
    b("typeOf", 1, |ev, a| {
        Ok(Value::string(ev.force(&a[0])?.type_name()))
    }),
    b(
        "unsafeDiscardOutputDependency",
        1,
        strings::discard_output_dependency,
    ),
    b("unsafeDiscardStringContext", 1, strings::discard_context),
    b("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
    b("warn", 2, warn),
    b("zipAttrsWith", 2, zip_attrs_with),
];

fn not_implemented(name: &str) -> EvalResult<Value> {
    Err(EvalError::new(ErrorKind::NotImplemented(format!(
        "builtins.{name}"
    ))))
}

/// Builds the global scope: `builtins`, the plain globals and every
/// `__name`.
pub(crate) fn globals(ev: &Evaluator) -> HashMap<Symbol, Value> {
    let mut attrs: Vec<(Symbol, Value)> = Vec::new();
    let mut globals: HashMap<Symbol, Value> = HashMap::new();
    let overridden = |name: &str| ev.options.extra_builtins.iter().any(|b| b.name == name);
    let ops = BUILTINS
        .iter()
        .filter(|op| !overridden(op.name))
        .chain(ev.options.extra_builtins.iter().copied());
    for op in ops {
        let v = Value::PrimOp(Rc::new(PrimOpApp {
            op,
            args: Vec::new(),
        }));
        attrs.push((op.name.into(), v.clone()));
        if op.global {
            globals.insert(op.name.into(), v.clone());
        }
        globals.insert(format!("__{}", op.name).into(), v);
    }
    let nix_path = ev
        .options
        .nix_path
        .iter()
        .map(|entry| {
            let (prefix, path) = entry.split_once('=').unwrap_or(("", entry));
            Value::attrs(Attrs::from_unsorted(vec![
                ("path".into(), Value::string(path)),
                ("prefix".into(), Value::string(prefix)),
            ]))
        })
        .collect();
    let constants = [
        ("true", Value::Bool(true), true),
        ("false", Value::Bool(false), true),
        ("null", Value::Null, true),
        (
            "currentSystem",
            Value::string(ev.options.current_system.as_str()),
            false,
        ),
        ("currentTime", Value::Int(ev.options.current_time), false),
        ("langVersion", Value::Int(crate::LANG_VERSION), false),
        ("nixPath", Value::list(nix_path), false),
        ("nixVersion", Value::string(crate::NIX_VERSION), false),
        ("storeDir", Value::string(ev.io.store_dir()), false),
    ];
    for (name, v, global) in constants {
        attrs.push((name.into(), v.clone()));
        if global {
            globals.insert(name.into(), v.clone());
        }
        globals.insert(format!("__{name}").into(), v);
    }
    // `builtins.builtins` is the set itself.
    let cell = Thunk::new(ThunkState::Blackhole);
    attrs.push(("builtins".into(), Value::Thunk(cell.clone())));
    let set = Value::attrs(Attrs::from_unsorted(attrs));
    *cell.0.borrow_mut() = ThunkState::Done(set.clone());
    globals.insert("builtins".into(), set);
    globals
}

// ---- control ------------------------------------------------------------

fn abort(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let msg = ev.coerce_to_string(&a[0], false, false)?;
    // Nix reports `abort` and `throw` without a position.
    Err(EvalError::new(ErrorKind::Abort(msg.as_str().to_string())).unpositioned())
}

fn throw(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let msg = ev.coerce_to_string(&a[0], false, false)?;
    Err(EvalError::new(ErrorKind::Catchable(Catchable::Throw(
        msg.as_str().to_string(),
    )))
    .unpositioned())
}

fn try_eval(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let (value, success) = match ev.force(&a[0]) {
        Ok(v) => (v, true),
        Err(e) if e.is_catchable() => (Value::Bool(false), false),
        Err(e) => return Err(e),
    };
    Ok(Value::attrs(Attrs::from_sorted(vec![
        ("success".into(), Value::Bool(success)),
        ("value".into(), value),
    ])))
}

/// `builtins.trace`: the message is forced to weak head normal form only
/// (unevaluated parts print as `<CODE>`, as in Nix).
fn trace(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let msg = match &v {
        Value::String(s) => s.as_str().to_string(),
        v => v.to_string(),
    };
    if let Some(t) = ev.trace.as_mut() {
        t(&msg);
    }
    ev.force(&a[1])
}

/// `builtins.warn` (newer than Nix 2.8): reports the message to the
/// warning handler and returns the second argument.
fn warn(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let msg = ev.expect_string(&a[0])?;
    if let Some(w) = ev.warning.as_mut() {
        w(msg.as_str());
    }
    ev.force(&a[1])
}

fn get_env(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let name = ev.expect_string(&a[0])?;
    let value = ev
        .options
        .environment
        .get(name.as_str())
        .cloned()
        .unwrap_or_default();
    Ok(Value::string(value))
}

// ---- types and numbers --------------------------------------------------

fn is(ev: &mut Evaluator, a: &[Value], pred: fn(&Value) -> bool) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    Ok(Value::Bool(pred(&v)))
}

fn arith(ev: &mut Evaluator, op: BinOp, a: &[Value]) -> EvalResult<Value> {
    let l = ev.force(&a[0])?;
    let r = ev.force(&a[1])?;
    ev.arith(op, l, r)
}

fn bit(ev: &mut Evaluator, a: &[Value], f: fn(i64, i64) -> i64) -> EvalResult<Value> {
    Ok(Value::Int(f(ev.expect_int(&a[0])?, ev.expect_int(&a[1])?)))
}

fn round(ev: &mut Evaluator, a: &[Value], f: fn(f64) -> f64) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    match v {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(x) =>
        {
            #[expect(clippy::cast_possible_truncation, reason = "Nix casts the same way")]
            Ok(Value::Int(f(x) as i64))
        }
        other => Err(type_error(&other, "a float")),
    }
}

// ---- attribute sets -----------------------------------------------------

fn attr_names(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_attrs(&a[0])?;
    Ok(Value::list(
        s.iter().map(|(k, _)| Value::string(k.as_ref())).collect(),
    ))
}

fn attr_values(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_attrs(&a[0])?;
    Ok(Value::list(s.iter().map(|(_, v)| v.clone()).collect()))
}

fn get_attr(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let name = ev.expect_string(&a[0])?;
    let s = ev.expect_attrs(&a[1])?;
    match s.get(name.as_str()) {
        Some(v) => ev.force(v),
        None => Err(other(format!(
            "attribute '{}' missing for call to 'getAttr'",
            name.as_str()
        ))),
    }
}

fn has_attr(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let name = ev.expect_string(&a[0])?;
    let s = ev.expect_attrs(&a[1])?;
    Ok(Value::Bool(s.get(name.as_str()).is_some()))
}

fn list_to_attrs(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[0])?;
    let mut entries: Vec<(Symbol, Value, crate::error::Span)> = Vec::with_capacity(l.len());
    for item in l.iter() {
        let item = ev.expect_attrs(item)?;
        let name = item
            .get("name")
            .cloned()
            .ok_or_else(|| other("attribute 'name' missing for call to 'listToAttrs'"))?;
        let name = ev.expect_string(&name)?;
        let value = item
            .get("value")
            .cloned()
            .ok_or_else(|| other("attribute 'value' missing for call to 'listToAttrs'"))?;
        // Positioned where `value` is defined, as in Nix (trace frames).
        let pos = item.position("value").unwrap_or(crate::error::Span::NONE);
        entries.push((name.as_str().into(), value, pos));
    }
    // The first occurrence of a name wins.
    entries.reverse();
    Ok(Value::attrs(Attrs::from_unsorted_pos(entries)))
}

fn remove_attrs(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_attrs(&a[0])?;
    let l = ev.expect_list(&a[1])?;
    let mut names = std::collections::HashSet::with_capacity(l.len());
    for n in l.iter() {
        names.insert(Symbol::from(ev.expect_string(n)?.as_str()));
    }
    Ok(Value::attrs(s.filter(|k| !names.contains(k))))
}

fn intersect_attrs(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let x = ev.expect_attrs(&a[0])?;
    let y = ev.expect_attrs(&a[1])?;
    Ok(Value::attrs(y.intersect(&x)))
}

fn map_attrs(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = Thunk::of(a[0].clone());
    let s = ev.expect_attrs(&a[1])?;
    let out = s
        .iter()
        .map(|(k, v)| {
            let partial = Evaluator::delay_apply(&f, Value::string(k.as_ref()));
            let call = Evaluator::delay_apply(&partial, v.clone());
            (*k, Value::Thunk(call))
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(out)))
}

fn unsafe_get_attr_pos(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let name = ev.expect_string(&a[0])?;
    let s = ev.expect_attrs(&a[1])?;
    Ok(match s.position(name.as_str()) {
        Some(span) => {
            let pos = ev.sources.resolve(span);
            Value::attrs(Attrs::from_sorted(vec![
                ("column".into(), Value::Int(pos.column.into())),
                ("file".into(), Value::string(pos.file.as_ref())),
                ("line".into(), Value::Int(pos.line.into())),
            ]))
        }
        None => Value::Null,
    })
}

fn cat_attrs(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let name = ev.expect_string(&a[0])?;
    let l = ev.expect_list(&a[1])?;
    let mut out = Vec::new();
    for item in l.iter() {
        let s = ev.expect_attrs(item)?;
        if let Some(v) = s.get(name.as_str()) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn function_args(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    match ev.force(&a[0])? {
        Value::Lambda(c) => match &c.def.param {
            Param::Ident => Ok(Value::attrs(Attrs::default())),
            Param::Formals { formals, .. } => Ok(Value::attrs(Attrs::from_unsorted_pos(
                formals
                    .iter()
                    .map(|f| (f.name, Value::Bool(f.default.is_some()), f.span))
                    .collect(),
            ))),
        },
        Value::PrimOp(_) => Ok(Value::attrs(Attrs::default())),
        other => Err(type_error(&other, "a function")),
    }
}

fn zip_attrs_with(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = Thunk::of(expect_function(ev, &a[0])?);
    let l = ev.expect_list(&a[1])?;
    let mut groups: std::collections::BTreeMap<Symbol, Vec<Value>> =
        std::collections::BTreeMap::new();
    for item in l.iter() {
        let s = ev.expect_attrs(item)?;
        for (k, v) in s.iter() {
            groups.entry(*k).or_default().push(v.clone());
        }
    }
    let out = groups
        .into_iter()
        .map(|(k, vs)| {
            let partial = Evaluator::delay_apply(&f, Value::string(k.as_ref()));
            let call = Evaluator::delay_apply(&partial, Value::list(vs));
            (k, Value::Thunk(call))
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(out)))
}

fn generic_closure(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let args = ev.expect_attrs(&a[0])?;
    let start = args
        .get("startSet")
        .cloned()
        .ok_or_else(|| EvalError::new(ErrorKind::MissingAttr("startSet".into())))?;
    let op = args
        .get("operator")
        .cloned()
        .ok_or_else(|| EvalError::new(ErrorKind::MissingAttr("operator".into())))?;
    let mut work: std::collections::VecDeque<Value> =
        ev.expect_list(&start)?.iter().cloned().collect();
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    while let Some(item) = work.pop_front() {
        let s = ev.expect_attrs(&item)?;
        let key = s
            .get("key")
            .cloned()
            .ok_or_else(|| other("attribute 'key' required"))?;
        let key = ev.force(&key)?;
        // Keys are kept sorted with Nix's `<`, so keys that cannot be
        // compared fail as they do in Nix.
        let mut lo = 0;
        let mut hi = seen.len();
        let mut dup = false;
        while lo < hi {
            let mid = (lo + hi) / 2;
            match ev.compare(&seen[mid], &key)? {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    dup = true;
                    break;
                }
            }
        }
        if dup {
            continue;
        }
        seen.insert(lo, key);
        out.push(item.clone());
        let next = ev.apply(op.clone(), item, None)?;
        work.extend(ev.expect_list(&next)?.iter().cloned());
    }
    Ok(Value::list(out))
}

// ---- lists --------------------------------------------------------------

fn head(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[0])?;
    match l.first() {
        Some(v) => ev.force(v),
        None => Err(other("list index 0 is out of bounds")),
    }
}

fn tail(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[0])?;
    if l.is_empty() {
        return Err(other("'tail' called on an empty list"));
    }
    Ok(Value::list(l[1..].to_vec()))
}

fn elem_at(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[0])?;
    let i = ev.expect_int(&a[1])?;
    match usize::try_from(i).ok().and_then(|i| l.get(i)) {
        Some(v) => ev.force(v),
        None => Err(other(format!("list index {i} is out of bounds"))),
    }
}

/// Forces a builtin's function argument as Nix 2.8's `forceFunction` does,
/// before the builtin looks at its other arguments: `filter`, `sort`,
/// `foldl'` and their kind fail on a non-function even for an empty list
/// (`map`, `genList` and `mapAttrs` only apply it lazily and never check).
/// A set with `__functor` passes.
fn expect_function(ev: &mut Evaluator, v: &Value) -> EvalResult<Value> {
    let f = ev.force(v)?;
    match &f {
        Value::Lambda(_) | Value::PrimOp(_) => Ok(f),
        Value::Attrs(s) if s.get("__functor").is_some() => Ok(f),
        other => Err(type_error(other, "a function")),
    }
}

fn map(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[1])?;
    let f = Thunk::of(a[0].clone());
    Ok(Value::list(
        l.iter()
            .map(|x| Value::Thunk(Evaluator::delay_apply(&f, x.clone())))
            .collect(),
    ))
}

fn filter(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    let mut out = Vec::new();
    for x in l.iter() {
        let keep = ev.apply(f.clone(), x.clone(), None)?;
        if ev.expect_bool(&keep)? {
            out.push(x.clone());
        }
    }
    if out.len() == l.len() {
        return Ok(Value::List(l));
    }
    Ok(Value::list(out))
}

fn foldl(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[2])?;
    let mut acc = a[1].clone();
    for x in l.iter() {
        acc = ev.apply2(&f, acc, x.clone())?;
    }
    ev.force(&acc)
}

fn gen_list(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let n = ev.expect_int(&a[1])?;
    if n < 0 {
        return Err(other(format!("cannot create list of size {n}")));
    }
    let mut items = Vec::new();
    usize::try_from(n)
        .ok()
        .and_then(|len| items.try_reserve_exact(len).ok())
        .ok_or_else(|| other(format!("cannot create list of size {n}: out of memory")))?;
    let f = Thunk::of(a[0].clone());
    items.extend((0..n).map(|i| Value::Thunk(Evaluator::delay_apply(&f, Value::Int(i)))));
    Ok(Value::list(items))
}

fn elem(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[1])?;
    if l.is_empty() {
        return Ok(Value::Bool(false));
    }
    // Comparing forces the value first: once, here. Scalars compare
    // directly with the elements already evaluated.
    let x = ev.force(&a[0])?;
    for y in l.iter() {
        let equal = match crate::eval::equal_scalars(&x, &crate::eval::settled(y)) {
            Some(b) => b,
            None => ev.equal(&x, y, true)?,
        };
        if equal {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn concat_lists(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let l = ev.expect_list(&a[0])?;
    let mut out = Vec::new();
    for x in l.iter() {
        out.extend(ev.expect_list(x)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn concat_map(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    let mut out = Vec::new();
    for x in l.iter() {
        let r = ev.apply(f.clone(), x.clone(), None)?;
        out.extend(ev.expect_list(&r)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn all(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    for x in l.iter() {
        let r = ev.apply(f.clone(), x.clone(), None)?;
        if !ev.expect_bool(&r)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    for x in l.iter() {
        let r = ev.apply(f.clone(), x.clone(), None)?;
        if ev.expect_bool(&r)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn partition(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for x in l.iter() {
        let r = ev.apply(f.clone(), x.clone(), None)?;
        if ev.expect_bool(&r)? {
            right.push(x.clone())
        } else {
            wrong.push(x.clone())
        }
    }
    Ok(Value::attrs(Attrs::from_sorted(vec![
        ("right".into(), Value::list(right)),
        ("wrong".into(), Value::list(wrong)),
    ])))
}

fn group_by(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    let mut groups: std::collections::BTreeMap<Symbol, Vec<Value>> =
        std::collections::BTreeMap::new();
    for x in l.iter() {
        let k = ev.apply(f.clone(), x.clone(), None)?;
        let k = ev.expect_string(&k)?;
        groups.entry(k.as_str().into()).or_default().push(x.clone());
    }
    Ok(Value::attrs(Attrs::from_sorted(
        groups
            .into_iter()
            .map(|(k, v)| (k, Value::list(v)))
            .collect(),
    )))
}

fn sort(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let f = expect_function(ev, &a[0])?;
    let l = ev.expect_list(&a[1])?;
    // Elements already evaluated are compared as their values, without
    // going through their thunks each time.
    let items: Vec<Value> = l.iter().map(crate::eval::settled).collect();
    if let Some(order) = sort_ints(&f, &items) {
        return Ok(Value::list(
            order.into_iter().map(|i| l[i].clone()).collect(),
        ));
    }
    // A stable merge sort of indices (no reference counting while
    // shuffling) that can propagate errors from the comparator.
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut buf = order.clone();
    let mut err = None;
    merge_sort(&mut order, &mut buf, &mut |x, y| {
        if err.is_some() {
            return false;
        }
        match ev
            .apply2(&f, items[x].clone(), items[y].clone())
            .and_then(|r| ev.expect_bool(&r))
        {
            Ok(b) => b,
            Err(e) => {
                err = Some(e);
                false
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(Value::list(
            order.into_iter().map(|i| l[i].clone()).collect(),
        )),
    }
}

/// `sort` of integers already evaluated with a comparator that is integer
/// arithmetic (`a: b: a < b`, see [`LambdaDef::arithmetic`]): such
/// comparisons are pure, so they run on the integers directly, in the
/// same merge order as the general path. `None` (nothing observable has
/// happened) when the case does not apply or a comparison cannot be
/// computed this way (overflow, a variable that is not an integer yet):
/// the general path then sorts and reports.
///
/// [`LambdaDef::arithmetic`]: crate::ir::LambdaDef
fn sort_ints(f: &Value, items: &[Value]) -> Option<Vec<usize>> {
    use crate::ir::Expr;
    let Value::Lambda(c) = f else { return None };
    if !matches!(c.def.param, Param::Ident) {
        return None;
    }
    let Expr::Lambda(inner) = &*c.def.body else {
        return None;
    };
    if !inner.arithmetic {
        return None;
    }
    let keys = items
        .iter()
        .map(|v| match v {
            Value::Int(i) => Some(*i),
            _ => None,
        })
        .collect::<Option<Vec<i64>>>()?;
    let mut order: Vec<usize> = (0..keys.len()).collect();
    let mut buf = order.clone();
    // `a: b: a < b` and its mirror images, without even the arithmetic walk.
    if let Expr::BinOp { op, lhs, rhs, .. } = &*inner.body
        && let (
            Expr::Var {
                depth: 1, slot: 0, ..
            },
            Expr::Var {
                depth: 0, slot: 0, ..
            },
        ) = (&**lhs, &**rhs)
    {
        // `<` and `>` are strict weak orders: every stable sort gives the
        // same order, that of the pairs (key, index), which are unique (so
        // any sort of them gives it). `<=` and `>=` are not: they take the
        // merge order, as the general path would.
        let merge: Option<fn(&i64, &i64) -> bool> = match op {
            BinOp::Less | BinOp::Greater => {
                let mut pairs: Vec<(i64, usize)> = keys.iter().copied().zip(0..).collect();
                if *op == BinOp::Less {
                    pairs.sort_unstable();
                } else {
                    pairs.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
                }
                return Some(pairs.into_iter().map(|(_, i)| i).collect());
            }
            BinOp::LessEq => Some(i64::le),
            BinOp::GreaterEq => Some(i64::ge),
            _ => None,
        };
        if let Some(less) = merge {
            merge_sort(&mut order, &mut buf, &mut |x, y| less(&keys[x], &keys[y]));
            return Some(order);
        }
    }
    let mut failed = false;
    merge_sort(&mut order, &mut buf, &mut |x, y| {
        if failed {
            return false;
        }
        let (a, b) = (Value::Int(keys[x]), Value::Int(keys[y]));
        match crate::eval::arithmetic(&inner.body, &[&b, &a], &c.env) {
            Some(Value::Bool(r)) => r,
            _ => {
                failed = true;
                false
            }
        }
    });
    (!failed).then_some(order)
}

fn merge_sort(v: &mut [usize], buf: &mut [usize], less: &mut dyn FnMut(usize, usize) -> bool) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let mid = n / 2;
    merge_sort(&mut v[..mid], &mut buf[..mid], less);
    merge_sort(&mut v[mid..], &mut buf[mid..], less);
    buf[..n].copy_from_slice(v);
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if less(buf[j], buf[i]) {
            v[k] = buf[j];
            j += 1;
        } else {
            v[k] = buf[i];
            i += 1;
        }
        k += 1;
    }
    v[k..k + (mid - i)].copy_from_slice(&buf[i..mid]);
    k += mid - i;
    v[k..].copy_from_slice(&buf[j..n]);
}

// ---- files and the search path -----------------------------------------

/// The path a value denotes, for file builtins.
pub(crate) fn real_path(ev: &mut Evaluator, v: &Value) -> EvalResult<String> {
    let s = ev.coerce_to_string(v, false, false)?;
    if s.has_context() {
        let ctx: Vec<Rc<str>> = s.context().cloned().collect();
        match &ev.build_hook {
            Some(h) => h.realise_context(&ctx.iter().map(AsRef::as_ref).collect::<Vec<_>>())?,
            None => {
                return Err(EvalError::new(ErrorKind::NotImplemented(
                    "import from derivation".into(),
                )));
            }
        }
    }
    let p = s.as_str();
    if !p.starts_with('/') {
        return Err(other(format!(
            "string '{p}' doesn't represent an absolute path"
        )));
    }
    Ok(canon_path(p))
}

/// An I/O error worded like Nix's (`opening file '…': No such file or
/// directory`, without Rust's `(os error N)`).
pub(crate) fn io_error(path: &str, what: &str, e: &std::io::Error) -> EvalError {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => &text,
    };
    // Nix 2.8's system errors carry no position.
    EvalError::new(ErrorKind::Io(format!("{what} '{path}': {text}"))).unpositioned()
}

/// Where the built-in Nix files (`<nix/fetchurl.nix>`) live.
const CORE_PREFIX: &str = "/__corepkgs__/";

/// Built-in Nix files, written for cairn.
const CORE_FILES: &[(&str, &str)] = &[("fetchurl.nix", include_str!("fetchurl.nix"))];

impl Evaluator {
    /// Evaluates the file at `path` (or `path/default.nix`), cached.
    pub(crate) fn import_path(&mut self, given: &str) -> EvalResult<Value> {
        let path = self.resolve_import(given);
        if let Some(v) = self.import_cache.get(&path) {
            return Ok(v.clone());
        }
        let v = self.load_file(&path, &[], Vec::new()).map_err(|e| {
            // A path that does not exist at all fails where Nix first
            // looks at it.
            let given = canon_path(given);
            match self.io.file_type(&given) {
                Err(io) => io_error(&given, "getting status of", &io),
                Ok(_) => e,
            }
        })?;
        self.import_cache.insert(path, v.clone());
        Ok(v)
    }

    fn resolve_import(&self, path: &str) -> String {
        let path = canon_path(path);
        if !path.starts_with(CORE_PREFIX) && self.io.read_dir(&path).is_ok() {
            return format!("{path}/default.nix");
        }
        path
    }

    /// Parses a file with `scope` names bound statically to `values` (for
    /// `scopedImport`) and returns it as a thunk.
    fn load_file(&mut self, path: &str, scope: &[Symbol], values: Vec<Value>) -> EvalResult<Value> {
        let text = match path.strip_prefix(CORE_PREFIX) {
            Some(name) => match CORE_FILES.iter().find(|(n, _)| *n == name) {
                Some((_, src)) => (*src).to_string(),
                None => {
                    return Err(io_error(
                        path,
                        "opening file",
                        &std::io::ErrorKind::NotFound.into(),
                    ));
                }
            },
            None => {
                let bytes = self
                    .io
                    .read_file(path)
                    .map_err(|e| io_error(path, "opening file", &e))?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
        };
        let dir = match path.rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => path[..i].to_string(),
        };
        let file = self
            .sources
            .add(path.into(), crate::normalize_newlines(&text).into());
        let expr = crate::lower::parse_and_lower(crate::lower::LowerCtx {
            globals: &self.globals,
            sources: &self.sources,
            file,
            base_dir: dir.into(),
            home_dir: self.options.home_dir.as_deref().map(Into::into),
            scope: scope.to_vec(),
        })?;
        let env = crate::value::Env::new(None, values);
        Ok(Value::Thunk(Thunk::new(ThunkState::Suspended(expr, env))))
    }
}

fn scoped_import(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let scope = ev.expect_attrs(&a[0])?;
    let p = real_path(ev, &a[1])?;
    let p = ev.resolve_import(&p);
    let names: Vec<Symbol> = scope.iter().map(|(k, _)| *k).collect();
    let values: Vec<Value> = scope.iter().map(|(_, v)| v.clone()).collect();
    let v = ev.load_file(&p, &names, values)?;
    ev.force(&v).map_err(|e| file_frame(e, &p))
}

fn import(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let p = real_path(ev, &a[0])?;
    let v = ev.import_path(&p)?;
    ev.force(&v)
        .map_err(|e| file_frame(e, &ev.resolve_import(&p)))
}

/// The trace frame of an error while evaluating an imported file.
#[cold]
fn file_frame(err: EvalError, path: &str) -> EvalError {
    err.add_trace(format!("while evaluating the file '{path}':"))
}

/// `builtins.addErrorContext msg e`: `e`, with `msg` as a trace frame of
/// its errors.
fn add_error_context(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    match ev.force(&a[1]) {
        Ok(v) => Ok(v),
        Err(e) => match ev.coerce_to_string(&a[0], false, false) {
            Ok(msg) => Err(e.add_trace(msg.as_str())),
            Err(_) => Err(e),
        },
    }
}

fn read_file(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let p = real_path(ev, &a[0])?;
    let bytes = ev
        .io
        .read_file(&p)
        .map_err(|e| io_error(&p, "opening file", &e))?;
    Ok(Value::string(String::from_utf8_lossy(&bytes).into_owned()))
}

fn read_file_type(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let p = real_path(ev, &a[0])?;
    let t = ev
        .io
        .file_type(&p)
        .map_err(|e| io_error(&p, "getting status of", &e))?;
    Ok(Value::string(t.nix_name()))
}

fn path_exists(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let p = real_path(ev, &a[0])?;
    Ok(Value::Bool(ev.io.path_exists(&p).unwrap_or(false)))
}

fn read_dir(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let p = real_path(ev, &a[0])?;
    let entries = ev
        .io
        .read_dir(&p)
        .map_err(|e| io_error(&p, "opening directory", &e))?;
    Ok(Value::attrs(Attrs::from_unsorted(
        entries
            .into_iter()
            .map(|(n, t)| (n.into(), Value::string(t.nix_name())))
            .collect(),
    )))
}

fn to_path(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string(&a[0], false, false)?;
    if !s.as_str().starts_with('/') {
        return Err(other(format!(
            "string '{}' doesn't represent an absolute path",
            s.as_str()
        )));
    }
    let mut out = crate::value::NixString::new(canon_path(s.as_str()));
    out.merge_context_from(&s);
    Ok(Value::nix_string(out))
}

fn find_file(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let search = ev.expect_list(&a[0])?;
    let name = ev.expect_string(&a[1])?;
    let name = name.as_str();
    for entry in search.iter() {
        let entry = ev.expect_attrs(entry)?;
        let prefix = match entry.get("prefix") {
            Some(p) => ev.expect_string(p)?.as_str().to_string(),
            None => String::new(),
        };
        let path = entry
            .get("path")
            .cloned()
            .ok_or_else(|| EvalError::new(ErrorKind::MissingAttr("path".into())))?;
        let path = ev
            .coerce_to_string(&path, false, false)?
            .as_str()
            .to_string();
        let rest = if prefix.is_empty() {
            Some(name.to_string())
        } else if name == prefix {
            Some(String::new())
        } else {
            name.strip_prefix(&format!("{prefix}/")).map(str::to_string)
        };
        let Some(rest) = rest else { continue };
        let candidate = if rest.is_empty() {
            canon_path(&path)
        } else {
            canon_path(&format!("{path}/{rest}"))
        };
        if ev.io.path_exists(&candidate).unwrap_or(false) {
            return Ok(Value::Path(candidate.into()));
        }
    }
    if let Some(rest) = name.strip_prefix("nix/")
        && CORE_FILES.iter().any(|(n, _)| *n == rest)
    {
        return Ok(Value::Path(format!("{CORE_PREFIX}{rest}").into()));
    }
    // Nix throws this as a catchable error.
    Err(ErrorKind::Catchable(Catchable::Throw(format!(
        "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
    )))
    .into())
}

// ---- helpers for the public API -----------------------------------------

/// `-A a.b.0.c`.
pub(crate) fn select_attr_path(ev: &mut Evaluator, v: &Value, path: &str) -> EvalResult<Value> {
    let mut v = ev.force(v)?;
    if path.is_empty() {
        return Ok(v);
    }
    for part in path.split('.') {
        if let Ok(i) = part.parse::<usize>() {
            let l = ev.expect_list(&v)?;
            v = l.get(i).cloned().ok_or_else(|| {
                other(format!(
                    "list index {i} in selection path '{path}' is out of range"
                ))
            })?;
        } else {
            let s = ev.expect_attrs(&v)?;
            v = s.get(part).cloned().ok_or_else(|| {
                other(format!(
                    "attribute '{part}' in selection path '{path}' not found"
                ))
                .suggest(part, s.iter().map(|(k, _)| k.as_ref()))
            })?;
        }
        v = ev.force(&v)?;
    }
    Ok(v)
}

/// Nix's `autoCallFunction`.
pub(crate) fn auto_call(
    ev: &mut Evaluator,
    v: &Value,
    args: &[(String, Value)],
) -> EvalResult<Value> {
    let v = ev.force(v)?;
    if let Value::Attrs(s) = &v
        && let Some(f) = s.get("__functor")
    {
        let f = ev.apply(f.clone(), v.clone(), None)?;
        return auto_call(ev, &f, args);
    }
    let Value::Lambda(c) = &v else { return Ok(v) };
    let Param::Formals {
        formals, ellipsis, ..
    } = &c.def.param
    else {
        return Ok(v);
    };
    let chosen = args
        .iter()
        .filter(|(k, _)| *ellipsis || formals.iter().any(|f| f.name.as_ref() == k))
        .map(|(k, v)| (Symbol::from(k.as_str()), v.clone()))
        .collect();
    ev.apply(v.clone(), Value::attrs(Attrs::from_unsorted(chosen)), None)
}
