//! Printing values the way `nix-instantiate --eval` does.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::rc::Rc;

use crate::value::{ThunkState, Value};

/// Prints an already forced value (unforced thunks print as `<CODE>`),
/// marking sets and lists seen before as `«repeated»` like Nix 2.8.
///
/// Nix 2.8 knows a set by its attribute array and a list by its element
/// array, which copies of the value share. But a list of one or two
/// elements keeps them inside the value itself, so each copy is a new
/// list to it: `let x = [ x ]; in x` prints `[ [ «repeated» ] ]` (the
/// result is a copy of `x`) and `[ x (head [ x ]) ]` prints `[ 1 ]` twice
/// for `x = [ 1 ]`. Nix copies a value where a thunk is overwritten with
/// its result, so such a small list is known here by the thunk it was
/// reached through, or by the place that holds it.
pub(crate) fn print_shallow(v: &Value, out: &mut String) {
    let mut seen = Seen::default();
    print_value(v, std::ptr::from_ref(v) as usize, out, &mut seen);
}

/// What has been printed already, each kind of identity apart.
#[derive(Default)]
struct Seen {
    /// Sets and lists of more than two elements: their shared storage.
    shared: HashSet<usize>,
    /// Lists of one or two elements: the place holding them.
    small: HashSet<usize>,
}

/// Prints `v`, which sits at `place` (the thunk it was reached through,
/// or its own address).
fn print_value(v: &Value, place: usize, out: &mut String, seen: &mut Seen) {
    crate::eval::with_stack(|| match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => print_string(s.as_str(), out),
        Value::Path(p) => out.push_str(p),
        Value::Attrs(a) => {
            if !a.is_empty() && !seen.shared.insert(Rc::as_ptr(a) as usize) {
                out.push_str("«repeated»");
                return;
            }
            out.push('{');
            for (k, v) in a.iter() {
                out.push(' ');
                print_attr_name(k, out);
                out.push_str(" = ");
                print_value(v, std::ptr::from_ref(v) as usize, out, seen);
                out.push(';');
            }
            out.push_str(" }");
        }
        Value::List(l) => {
            let new = match l.len() {
                0 => true,
                1 | 2 => seen.small.insert(place),
                _ => seen.shared.insert(Rc::as_ptr(l) as usize),
            };
            if !new {
                out.push_str("«repeated»");
                return;
            }
            out.push('[');
            for v in l.iter() {
                out.push(' ');
                print_value(v, std::ptr::from_ref(v) as usize, out, seen);
            }
            out.push_str(" ]");
        }
        Value::Lambda(_) => out.push_str("<LAMBDA>"),
        Value::PrimOp(p) => out.push_str(if p.args.is_empty() {
            "<PRIMOP>"
        } else {
            "<PRIMOP-APP>"
        }),
        Value::Thunk(t) => match &*t.0.borrow() {
            ThunkState::Done(v) => print_value(v, Rc::as_ptr(&t.0) as usize, out, seen),
            _ => out.push_str("<CODE>"),
        },
    });
}

/// Whether `s` can be written as a bare attribute name.
pub(crate) fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !matches!(
            s,
            // `or` is not among them: Nix 2.8 prints it bare.
            "if" | "then" | "else" | "assert" | "with" | "let" | "in" | "rec" | "inherit"
        )
}

fn print_attr_name(k: &str, out: &mut String) {
    if is_plain_identifier(k) {
        out.push_str(k);
    } else {
        print_string(k, out);
    }
}

/// Prints a string literal with Nix's escapes.
pub(crate) fn print_string(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Formats a float like C++'s default stream output (`%g`, 6 significant
/// digits), which is how Nix 2.8 prints floats.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        strip_zeros(&format!("{f:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_nix() {
        for (f, s) in [
            (2.5, "2.5"),
            (1e20, "1e+20"),
            (1_234_567.0, "1.23457e+06"),
            (0.1, "0.1"),
            (3.0, "3"),
            (100_000.0, "100000"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-1.5, "-1.5"),
            (1.0 / 3.0, "0.333333"),
        ] {
            assert_eq!(format_float(f), s, "{f}");
        }
    }

    #[test]
    fn strings_escaped() {
        let mut out = String::new();
        print_string("a\"${b}\n\t\\$x", &mut out);
        assert_eq!(out, r#""a\"\${b}\n\t\\$x""#);
    }
}
