//! The package collection: which one the commands that look packages up
//! by name use, and what its packages are.
//!
//! A collection is a Nix file (or a directory with a `default.nix`) whose
//! value, called with no arguments when it is a function, is an attribute
//! set of packages; `import ./nix/pkgs { config = …; }` is cairn's own.
//! Which one: `-f FILE` when given, else the `collection` setting, else the
//! `nix/pkgs` of the source tree cairn was built from while it is still
//! there ([`collection_path`]). `cairn search` uses it today, and installing
//! by name is meant to use the same function.
//!
//! A *package* is an attribute whose value is a derivation with a
//! `meta.description`. That leaves out what a collection holds to build
//! packages with (`stdenv`, `fetchurl`, the bootstrap seed, the compiler
//! wrapper), which are derivations or functions but nothing anyone wants
//! installed. Sets marked `recurseForDerivations = true` are searched too,
//! their packages named by attribute path (`pythonPackages.foo`), as
//! `nix search` does.
//!
//! Listing reads names and `meta` only, never `drvPath` or `outPath`:
//! those compute the derivation (hashing sources along the way) and are
//! where the collection's policy throws for a refused package. So a
//! listing costs milliseconds and includes the packages the policy
//! refuses, which say so with `meta.available = false`. An attribute whose
//! evaluation throws (`throw` or a failed `assert`, what
//! `builtins.tryEval` catches) is skipped, as `nix-env -qa` skips it; any
//! other error skips it with a warning naming it, so one broken package
//! does not hide all the others.

use std::path::{Path, PathBuf};

use cairn_eval::{EvalError, EvalResult, Evaluator, Value};
use cairn_settings::Settings;

use crate::commands::{eval, instantiation};
use crate::error::{CliError, CliResult};

/// The repository's own collection, where it was when cairn was compiled.
const SOURCE_TREE_COLLECTION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../nix/pkgs");

/// The collection a command that looks packages up by name evaluates:
/// `file` (`-f FILE`, relative to the current directory) when given, else
/// the `collection` setting, else the `nix/pkgs` directory of the source
/// tree cairn was built from, if it still exists. The path is absolute and
/// exists; otherwise the error says which setting or flag to fix.
pub(crate) fn collection_path(file: Option<&Path>, settings: &Settings) -> CliResult<PathBuf> {
    if let Some(file) = file {
        let path = eval::current_dir()?.join(file);
        if !path.exists() {
            return Err(
                CliError::user(format!("collection '{}' does not exist", path.display()))
                    .with_help("pass `-f` a Nix file or a directory with a `default.nix`"),
            );
        }
        return Ok(path);
    }
    if let Some(path) = &settings.collection {
        if !path.exists() {
            return Err(CliError::user(format!(
                "the `collection` setting names '{}', which does not exist",
                path.display()
            ))
            .with_help(
                "fix the `collection` setting, or pass `-f FILE` to use another collection",
            ));
        }
        return Ok(path.clone());
    }
    std::fs::canonicalize(SOURCE_TREE_COLLECTION).map_err(|_| {
        CliError::user("no package collection is configured").with_help(
            "set `collection = PATH` in cairn.conf (or pass `--option collection PATH`), \
             or pass `-f FILE`",
        )
    })
}

/// One package of a collection, as its attributes and `meta` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Package {
    /// Where it is in the collection: `hello`, `pythonPackages.foo`.
    pub(crate) attr_path: String,
    /// `pname`, else the name part of `name` (`parseDrvName`).
    pub(crate) pname: String,
    /// `version`, else the version part of `name`; may be empty.
    pub(crate) version: String,
    /// `meta.description`.
    pub(crate) description: String,
    /// `meta.homepage` (the first one of a list).
    pub(crate) homepage: Option<String>,
    /// `meta.license`: each license's SPDX identifier, else its short
    /// name; empty when there is none.
    pub(crate) licenses: Vec<String>,
    /// `meta.mainProgram`.
    pub(crate) main_program: Option<String>,
    /// `meta.available`: whether the collection's policy lets it be built
    /// (true when the collection does not say).
    pub(crate) available: bool,
    /// Why it is not available, when [`Package::available`] is false.
    pub(crate) refusal: Option<Refusal>,
}

/// Why a collection's policy refuses a package, guessed from its `meta`
/// in the order `check-meta.nix` checks (the collection only says
/// `available = false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// One of its licenses has `free = false`.
    Unfree,
    /// `meta.broken = true`.
    Broken,
    /// `meta.knownVulnerabilities` is not empty.
    Insecure,
    /// Something else, such as `meta.platforms` leaving out this system.
    Other,
}

impl Refusal {
    /// How listings mark it: `unfree: not allowed`, `broken: not allowed`,
    /// `insecure: not allowed`, `not available`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Refusal::Unfree => "unfree: not allowed",
            Refusal::Broken => "broken: not allowed",
            Refusal::Insecure => "insecure: not allowed",
            Refusal::Other => "not available",
        }
    }
}

/// The packages of a collection, and the attributes skipped with a
/// warning.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// The packages, sorted by attribute path.
    pub(crate) packages: Vec<Package>,
    /// `(attribute path, error)` of attributes whose evaluation failed with
    /// an error `builtins.tryEval` would not catch.
    pub(crate) skipped: Vec<(String, String)>,
}

/// Evaluates the collection at `path` with `evaluator` (called with no
/// arguments when it is a function) and lists its packages. Only an error
/// in the collection as a whole (a syntax error, a value that is not a
/// set) fails; see the module documentation for what is skipped.
pub(crate) fn packages(evaluator: &mut Evaluator, path: &Path) -> CliResult<Listing> {
    let fail = |err: EvalError| instantiation::eval_error(&err, false);
    let value = evaluator
        .eval_file(&path.display().to_string())
        .map_err(fail)?;
    let root = evaluator.auto_call(&value, &[]).map_err(fail)?;
    let root = evaluator.force_value(&root).map_err(fail)?;
    if !matches!(root, Value::Attrs(_)) {
        return Err(CliError::user(format!(
            "the collection '{}' is {}, not a set of packages",
            path.display(),
            root.type_description()
        ))
        .with_help("a collection evaluates to an attribute set (or a function returning one)"));
    }
    let mut listing = Listing::default();
    walk(evaluator, &root, "", &mut listing);
    listing
        .packages
        .sort_by(|a, b| a.attr_path.cmp(&b.attr_path));
    Ok(listing)
}

/// Adds the packages of the set `value` (at `prefix`) to `listing`.
fn walk(evaluator: &mut Evaluator, value: &Value, prefix: &str, listing: &mut Listing) {
    let Value::Attrs(attrs) = value else { return };
    for (name, value) in attrs.iter() {
        let attr_path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        match classify(evaluator, value, &attr_path) {
            Ok(Entry::Package(package)) => listing.packages.push(*package),
            Ok(Entry::Recurse(set)) => walk(evaluator, &set, &attr_path, listing),
            Ok(Entry::Other) => {}
            Err(err) if err.is_catchable() => {}
            Err(err) => {
                let message = match &err.pos {
                    Some(pos) => format!("{} (at {pos})", err.kind),
                    None => err.kind.to_string(),
                };
                listing.skipped.push((attr_path, message));
            }
        }
    }
}

/// What an attribute of a collection holds.
enum Entry {
    /// A package.
    Package(Box<Package>),
    /// A set to search too (`recurseForDerivations = true`).
    Recurse(Value),
    /// Anything else: a function, a derivation without a description, …
    Other,
}

fn classify(evaluator: &mut Evaluator, value: &Value, attr_path: &str) -> EvalResult<Entry> {
    let value = evaluator.force_value(value)?;
    let Value::Attrs(attrs) = &value else {
        return Ok(Entry::Other);
    };
    let is_derivation = match attrs.get("type") {
        Some(kind) => string(evaluator, kind)?.as_deref() == Some("derivation"),
        None => false,
    };
    if !is_derivation {
        let recurse = match attrs.get("recurseForDerivations") {
            Some(flag) => matches!(evaluator.force_value(flag)?, Value::Bool(true)),
            None => false,
        };
        return Ok(if recurse {
            Entry::Recurse(value.clone())
        } else {
            Entry::Other
        });
    }
    let meta = match attrs.get("meta") {
        Some(meta) => evaluator.force_value(meta)?,
        None => return Ok(Entry::Other),
    };
    let Value::Attrs(meta) = &meta else {
        return Ok(Entry::Other);
    };
    let Some(description) = field(evaluator, meta.get("description"))? else {
        return Ok(Entry::Other);
    };
    let name = field(evaluator, attrs.get("name"))?.unwrap_or_default();
    let (name_part, version_part) = parse_drv_name(&name);
    let pname = field(evaluator, attrs.get("pname"))?.unwrap_or_else(|| name_part.to_owned());
    let version =
        field(evaluator, attrs.get("version"))?.unwrap_or_else(|| version_part.to_owned());
    let homepage = match meta.get("homepage") {
        Some(v) => match evaluator.force_value(v)? {
            Value::List(list) => match list.first() {
                Some(first) => string(evaluator, first)?,
                None => None,
            },
            other => string(evaluator, &other)?,
        },
        None => None,
    };
    let (licenses, unfree) = licenses(evaluator, meta.get("license"))?;
    let main_program = field(evaluator, meta.get("mainProgram"))?;
    let available = match meta.get("available") {
        Some(v) => !matches!(evaluator.force_value(v)?, Value::Bool(false)),
        None => true,
    };
    let refusal = if available {
        None
    } else if unfree {
        Some(Refusal::Unfree)
    } else if matches!(meta.get("broken"), Some(v) if matches!(evaluator.force_value(v)?, Value::Bool(true)))
    {
        Some(Refusal::Broken)
    } else if matches!(meta.get("knownVulnerabilities"), Some(v) if matches!(evaluator.force_value(v)?, Value::List(l) if !l.is_empty()))
    {
        Some(Refusal::Insecure)
    } else {
        Some(Refusal::Other)
    };
    Ok(Entry::Package(Box::new(Package {
        attr_path: attr_path.to_owned(),
        pname,
        version,
        description: description.trim().to_owned(),
        homepage,
        licenses,
        main_program,
        available,
        refusal,
    })))
}

/// `value` if it is a string.
fn string(evaluator: &mut Evaluator, value: &Value) -> EvalResult<Option<String>> {
    Ok(match evaluator.force_value(value)? {
        Value::String(s) => Some(s.as_str().to_owned()),
        _ => None,
    })
}

/// An optional attribute's value if it is a string.
fn field(evaluator: &mut Evaluator, value: Option<&Value>) -> EvalResult<Option<String>> {
    match value {
        Some(value) => string(evaluator, value),
        None => Ok(None),
    }
}

/// `meta.license` (one license or a list, each a set or a plain string)
/// as names, and whether any of them is unfree.
fn licenses(evaluator: &mut Evaluator, value: Option<&Value>) -> EvalResult<(Vec<String>, bool)> {
    let Some(value) = value else {
        return Ok((Vec::new(), false));
    };
    let items = match evaluator.force_value(value)? {
        Value::List(list) => list.to_vec(),
        one => vec![one],
    };
    let mut names = Vec::new();
    let mut unfree = false;
    for item in items {
        match evaluator.force_value(&item)? {
            Value::Attrs(license) => {
                let mut name = None;
                for key in ["spdxId", "shortName", "fullName"] {
                    name = field(evaluator, license.get(key))?;
                    if name.is_some() {
                        break;
                    }
                }
                names.push(name.unwrap_or_else(|| "unknown".to_owned()));
                if let Some(free) = license.get("free") {
                    unfree |= matches!(evaluator.force_value(free)?, Value::Bool(false));
                }
            }
            Value::String(s) => names.push(s.as_str().to_owned()),
            _ => {}
        }
    }
    Ok((names, unfree))
}

/// `builtins.parseDrvName`: the name ends at the first `-` that is not
/// followed by a letter.
fn parse_drv_name(name: &str) -> (&str, &str) {
    let split = name
        .char_indices()
        .find(|&(i, c)| {
            c == '-'
                && name[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(|next| !next.is_ascii_alphabetic())
        })
        .map(|(i, _)| i);
    match split {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drv_names_split_like_nix() {
        assert_eq!(parse_drv_name("hello-2.10"), ("hello", "2.10"));
        assert_eq!(
            parse_drv_name("unfree-greeting-1.0"),
            ("unfree-greeting", "1.0")
        );
        assert_eq!(parse_drv_name("source"), ("source", ""));
        assert_eq!(parse_drv_name("trailing-"), ("trailing-", ""));
    }
}
