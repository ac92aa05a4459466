//! `builtins.toXML` and `--xml` output, in Nix's XML format.

use std::collections::HashSet;

use crate::Evaluator;
use crate::error::{EvalError, EvalResult, Span};
use crate::ir::Param;
use crate::print::format_float;
use crate::value::{NixString, ThunkState, Value};

/// Writes values as XML. `strict` forces values (otherwise unforced
/// thunks print as `<unevaluated />`); `location` adds source positions.
pub(crate) struct XmlWriter<'a> {
    ev: &'a mut Evaluator,
    strict: bool,
    location: bool,
    out: NixString,
    drvs_seen: HashSet<String>,
    /// The elements opened and not closed yet, with their depths.
    open: Vec<(usize, &'static str)>,
}

impl<'a> XmlWriter<'a> {
    pub(crate) fn new(ev: &'a mut Evaluator, strict: bool, location: bool) -> Self {
        XmlWriter {
            ev,
            strict,
            location,
            out: NixString::default(),
            drvs_seen: HashSet::new(),
            open: Vec::new(),
        }
    }

    /// Writes a whole document for `v`. On an error, also gives the
    /// document written up to it with its open elements closed, which
    /// `nix-instantiate --eval --xml --strict` prints before the error
    /// (Nix's XML writer closes them as the error unwinds it).
    pub(crate) fn document(mut self, v: &Value) -> Result<NixString, (NixString, EvalError)> {
        self.out
            .push_str("<?xml version='1.0' encoding='utf-8'?>\n<expr>\n");
        let r = self.value(v, 1);
        while let Some((depth, name)) = self.open.pop() {
            self.indent(depth);
            self.out.push_str(&format!("</{name}>\n"));
        }
        self.out.push_str("</expr>\n");
        match r {
            Ok(()) => Ok(self.out),
            Err(e) => Err((self.out, e)),
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn element(&mut self, depth: usize, name: &'static str, attrs: &[(&str, String)], empty: bool) {
        if !empty {
            self.open.push((depth, name));
        }
        self.indent(depth);
        self.out.push_str("<");
        self.out.push_str(name);
        let mut attrs = attrs.to_vec();
        attrs.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", escape(&v)));
        }
        self.out.push_str(if empty { " />\n" } else { ">\n" });
    }

    fn close(&mut self, depth: usize, name: &str) {
        self.open.pop();
        self.indent(depth);
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn pos_attrs(&self, span: Option<Span>, attrs: &mut Vec<(&'static str, String)>) {
        if !self.location {
            return;
        }
        if let Some(span) = span {
            let pos = self.ev.sources.resolve(span);
            attrs.push(("column", pos.column.to_string()));
            attrs.push(("line", pos.line.to_string()));
            attrs.push(("path", pos.file.to_string()));
        }
    }

    fn value(&mut self, v: &Value, depth: usize) -> EvalResult<()> {
        let v = if self.strict {
            self.ev.force(v)?
        } else {
            match v {
                Value::Thunk(t) => match &*t.0.borrow() {
                    ThunkState::Done(v) => v.clone(),
                    _ => {
                        self.element(depth, "unevaluated", &[], true);
                        return Ok(());
                    }
                },
                v => v.clone(),
            }
        };
        crate::eval::with_stack(|| self.forced(&v, depth))
    }

    fn forced(&mut self, v: &Value, depth: usize) -> EvalResult<()> {
        match v {
            Value::Null => self.element(depth, "null", &[], true),
            Value::Bool(b) => self.element(depth, "bool", &[("value", b.to_string())], true),
            Value::Int(i) => self.element(depth, "int", &[("value", i.to_string())], true),
            Value::Float(f) => self.element(depth, "float", &[("value", format_float(*f))], true),
            Value::String(s) => {
                self.out.merge_context_from(s);
                self.element(depth, "string", &[("value", s.as_str().to_string())], true);
            }
            Value::Path(p) => self.element(depth, "path", &[("value", p.to_string())], true),
            Value::List(l) => {
                self.element(depth, "list", &[], false);
                for x in l.iter() {
                    self.value(x, depth + 1)?;
                }
                self.close(depth, "list");
            }
            Value::Attrs(a) => {
                let is_drv = self.ev.is_derivation(a)?;
                let name = if is_drv { "derivation" } else { "attrs" };
                let mut attrs = Vec::new();
                let mut repeated = false;
                if is_drv {
                    for key in ["drvPath", "outPath"] {
                        if let Some(p) = a.get(key) {
                            let p = self.ev.coerce_to_string(p, false, false)?;
                            if key == "drvPath" && !self.drvs_seen.insert(p.as_str().to_string()) {
                                repeated = true;
                            }
                            attrs.push((key, p.as_str().to_string()));
                        }
                    }
                }
                self.element(depth, name, &attrs, false);
                if repeated {
                    self.element(depth + 1, "repeated", &[], true);
                } else {
                    let entries: Vec<_> = a.iter().map(|(k, v)| (*k, v.clone())).collect();
                    for (k, x) in entries {
                        let mut attrs = vec![("name", k.to_string())];
                        self.pos_attrs(a.position(&k), &mut attrs);
                        self.element(depth + 1, "attr", &attrs, false);
                        self.value(&x, depth + 2)?;
                        self.close(depth + 1, "attr");
                    }
                }
                self.close(depth, name);
            }
            Value::Lambda(c) => {
                let mut attrs = Vec::new();
                self.pos_attrs(Some(c.def.span), &mut attrs);
                self.element(depth, "function", &attrs, false);
                match &c.def.param {
                    Param::Ident => {
                        let name = c.def.arg_name.as_deref().unwrap_or("").to_string();
                        self.element(depth + 1, "varpat", &[("name", name)], true);
                    }
                    Param::Formals {
                        formals,
                        ellipsis,
                        at,
                    } => {
                        let mut attrs = Vec::new();
                        if *ellipsis {
                            attrs.push(("ellipsis", "1".to_string()));
                        }
                        if let Some(at) = at {
                            attrs.push(("name", at.to_string()));
                        }
                        self.element(depth + 1, "attrspat", &attrs, false);
                        let mut names: Vec<&str> =
                            formals.iter().map(|f| f.name.as_ref()).collect();
                        names.sort_unstable();
                        for n in names {
                            self.element(depth + 2, "attr", &[("name", n.to_string())], true);
                        }
                        self.close(depth + 1, "attrspat");
                    }
                }
                self.close(depth, "function");
            }
            Value::PrimOp(_) | Value::Thunk(_) => self.element(depth, "unevaluated", &[], true),
        }
        Ok(())
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn to_xml(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = XmlWriter::new(ev, true, false)
        .document(&a[0])
        .map_err(|(_, e)| e)?;
    Ok(Value::nix_string(s))
}
