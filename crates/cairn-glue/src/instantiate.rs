//! What `nix-instantiate` does with the value it evaluated: find the
//! derivations in it (Nix's `getDerivations`) and force their `.drv` paths,
//! which writes the `.drv` files in read-write mode.
//!
//! A derivation is a set with `type = "derivation"`. The top value is
//! called with the automatic arguments if it is a function; a set's
//! attributes are searched in name order (only names Nix accepts as
//! attribute paths), descending into a non-derivation set only when it has
//! `recurseForDerivations = true`; a list's elements are all searched. The
//! same set is reported once.

use std::collections::BTreeSet;
use std::rc::Rc;

use cairn_build::{DerivedPath, OutputSelection};
use cairn_store_path::StoreDir;

use cairn_eval::{EvalResult, Evaluator, Value};

use crate::io::other;

/// One derivation found in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivationInfo {
    /// Where it was found (`a.b.0`), empty for the top value.
    pub attr_path: String,
    /// Its `.drv` path.
    pub drv_path: String,
    /// The output it stands for (`out` unless it is another output's set).
    pub output_name: String,
}

impl DerivationInfo {
    /// The line `nix-instantiate` prints: the `.drv` path, followed by
    /// `!OUTPUT` when the output is not `out`.
    #[must_use]
    pub fn instantiate_line(&self) -> String {
        if self.output_name == "out" {
            self.drv_path.clone()
        } else {
            format!("{}!{}", self.drv_path, self.output_name)
        }
    }

    /// What `nix-build` realises for it: its output of its derivation.
    ///
    /// # Errors
    /// The `.drv` path is not a store path of `store_dir`.
    pub fn derived_path(&self, store_dir: &StoreDir) -> EvalResult<DerivedPath> {
        Ok(DerivedPath::Built {
            drv: store_dir
                .parse_path(&self.drv_path)
                .map_err(|e| other(e.to_string()))?,
            outputs: OutputSelection::Names(BTreeSet::from([self.output_name.clone()])),
        })
    }
}

/// The derivations in `value` (called with `auto_args` first if it is a
/// function), as `nix-instantiate` finds them.
pub fn find_derivations(
    ev: &mut Evaluator,
    value: &Value,
    auto_args: &[(String, Value)],
) -> EvalResult<Vec<DerivationInfo>> {
    let mut found = Vec::new();
    let mut seen = Vec::new();
    walk(ev, value, "", auto_args, &mut found, &mut seen, true)?;
    Ok(found)
}

fn attr_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Adds `v` if it is a derivation; `Ok(true)` means "not a derivation,
/// look inside".
fn add_if_derivation(
    ev: &mut Evaluator,
    v: &Value,
    path: &str,
    found: &mut Vec<DerivationInfo>,
    seen: &mut Vec<*const cairn_eval::Attrs>,
) -> EvalResult<bool> {
    let v = ev.force_value(v)?;
    let Value::Attrs(a) = &v else {
        return Ok(true);
    };
    let is_drv = match a.get("type") {
        Some(t) => matches!(ev.force_value(t)?, Value::String(s) if s.as_str() == "derivation"),
        None => false,
    };
    if !is_drv {
        return Ok(true);
    }
    // Nix's `DrvInfo::queryName`, which getDerivations asks first.
    match a.get("name") {
        Some(n) => {
            crate::paths::string_no_context(ev, n)?;
        }
        None => return Err(other("derivation name missing")),
    }
    let ptr = Rc::as_ptr(a);
    if seen.contains(&ptr) {
        return Ok(false);
    }
    seen.push(ptr);
    let drv_path = match a.get("drvPath") {
        Some(p) => ev.coerce_to_string(p, false, false)?.as_str().to_string(),
        None => return Err(other("derivation lacks a 'drvPath' attribute")),
    };
    let output_name = match a.get("outputName") {
        Some(o) => ev.expect_string(o)?.as_str().to_string(),
        None => String::new(),
    };
    if output_name.is_empty() {
        return Err(other(format!(
            "derivation '{drv_path}' lacks an 'outputName' attribute"
        )));
    }
    found.push(DerivationInfo {
        attr_path: path.to_string(),
        drv_path,
        output_name,
    });
    Ok(false)
}

fn walk(
    ev: &mut Evaluator,
    value: &Value,
    path: &str,
    auto_args: &[(String, Value)],
    found: &mut Vec<DerivationInfo>,
    seen: &mut Vec<*const cairn_eval::Attrs>,
    top: bool,
) -> EvalResult<()> {
    let v = ev.auto_call(value, auto_args)?;
    if !add_if_derivation(ev, &v, path, found, seen)? {
        return Ok(());
    }
    match ev.force_value(&v)? {
        Value::Attrs(a) => {
            let combine = a.get("_combineChannels").is_some();
            for (name, item) in a.iter() {
                if !attr_name_ok(name) {
                    continue;
                }
                let sub = join(path, name);
                if combine {
                    walk(ev, item, &sub, auto_args, found, seen, false)?;
                } else if add_if_derivation(ev, item, &sub, found, seen)?
                    && let Value::Attrs(inner) = ev.force_value(item)?
                    && let Some(r) = inner.get("recurseForDerivations")
                    && ev.expect_bool(r)?
                {
                    walk(ev, item, &sub, auto_args, found, seen, false)?;
                }
            }
            Ok(())
        }
        Value::List(l) => {
            for (i, item) in l.iter().enumerate() {
                let sub = join(path, &i.to_string());
                if add_if_derivation(ev, item, &sub, found, seen)? {
                    walk(ev, item, &sub, auto_args, found, seen, false)?;
                }
            }
            Ok(())
        }
        _ if top => Err(other(
            "expression does not evaluate to a derivation (or a set or list of those)",
        )),
        _ => Err(other(
            "expression does not evaluate to a derivation (or a set or list of those)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_like_nix() {
        assert!(attr_name_ok("hello"));
        assert!(attr_name_ok("_x-1+"));
        assert!(!attr_name_ok("1abc"));
        assert!(!attr_name_ok("a.b"));
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "0"), "a.0");
    }
}
