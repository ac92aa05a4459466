//! `builtins.toJSON` and `builtins.fromJSON`.

use crate::Evaluator;
use crate::error::{EvalResult, other};
use crate::print::format_float;
use crate::value::{Attrs, NixString, Value};

pub(super) fn to_json(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    Ok(Value::nix_string(to_json_string(ev, &a[0])?))
}

/// A value as JSON text (with the context of the strings in it).
pub(crate) fn to_json_string(ev: &mut Evaluator, v: &Value) -> EvalResult<NixString> {
    let mut out = NixString::default();
    write_json(ev, v, &mut out)?;
    Ok(out)
}

fn write_json(ev: &mut Evaluator, v: &Value, out: &mut NixString) -> EvalResult<()> {
    let v = ev.force(v)?;
    crate::eval::with_stack(|| {
        match &v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&format_float(*f)),
            Value::String(s) => {
                escape_json(s.as_str(), out);
                out.merge_context_from(s);
            }
            Value::Path(_) => {
                let s = ev.coerce_to_string(&v, false, true)?;
                escape_json(s.as_str(), out);
                out.merge_context_from(&s);
            }
            Value::Attrs(s) => {
                if s.get("__toString").is_some() {
                    let str_v = ev.coerce_to_string(&v, false, true)?;
                    escape_json(str_v.as_str(), out);
                    out.merge_context_from(&str_v);
                    return Ok(());
                }
                if let Some(p) = s.get("outPath") {
                    let p = p.clone();
                    return write_json(ev, &p, out);
                }
                out.push_str("{");
                for (i, (k, x)) in s.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",");
                    }
                    escape_json(k, out);
                    out.push_str(":");
                    write_json(ev, x, out)?;
                }
                out.push_str("}");
            }
            Value::List(l) => {
                out.push_str("[");
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",");
                    }
                    write_json(ev, x, out)?;
                }
                out.push_str("]");
            }
            other_v => {
                return Err(other(format!(
                    "cannot convert {} to JSON",
                    other_v.show_type()
                )));
            }
        }
        Ok(())
    })
}

fn escape_json(s: &str, out: &mut NixString) {
    let mut buf = String::with_capacity(s.len() + 2);
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            '\u{8}' => buf.push_str("\\b"),
            '\u{c}' => buf.push_str("\\f"),
            c if (c as u32) < 0x20 => buf.push_str(&format!("\\u{:04x}", c as u32)),
            c => buf.push(c),
        }
    }
    buf.push('"');
    out.push_str(&buf);
}

pub(super) fn from_json(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_string(&a[0])?;
    let parsed: serde_json::Value =
        serde_json::from_str(s.as_str()).map_err(|e| other(format!("while parsing JSON: {e}")))?;
    Ok(from_serde(parsed))
}

fn from_serde(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::string(s),
        serde_json::Value::Array(items) => Value::list(items.into_iter().map(from_serde).collect()),
        serde_json::Value::Object(m) => Value::attrs(Attrs::from_unsorted(
            m.into_iter()
                .map(|(k, v)| (k.into(), from_serde(v)))
                .collect(),
        )),
    }
}

pub(super) fn from_toml(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_string(&a[0])?;
    let table: toml::Table = s.as_str().parse().map_err(|e: toml::de::Error| {
        other(format!("while parsing a TOML string: {}", e.message()))
    })?;
    from_toml_value(toml::Value::Table(table))
}

fn from_toml_value(v: toml::Value) -> EvalResult<Value> {
    Ok(match v {
        toml::Value::String(s) => Value::string(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(_) => {
            return Err(other(
                "while parsing a TOML string: Dates and times are not supported",
            ));
        }
        toml::Value::Array(items) => Value::list(
            items
                .into_iter()
                .map(from_toml_value)
                .collect::<EvalResult<_>>()?,
        ),
        toml::Value::Table(t) => Value::attrs(Attrs::from_unsorted(
            t.into_iter()
                .map(|(k, v)| Ok((k.into(), from_toml_value(v)?)))
                .collect::<EvalResult<_>>()?,
        )),
    })
}
