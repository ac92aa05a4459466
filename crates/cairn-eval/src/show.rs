//! Printing expressions the way Nix 2.8 shows them in messages (for
//! example the condition of a failed `assert`): fully parenthesized, with
//! operators written as the builtins they desugar to.

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use std::collections::BTreeMap;

use crate::print::{format_float, is_plain_identifier};

/// Shows `e`; `base_dir` resolves relative paths.
pub(crate) fn show(e: &ast::Expr, base_dir: &str) -> String {
    let mut out = String::new();
    Shower {
        base_dir,
        home_dir: None,
    }
    .expr(e, &mut out);
    out
}

/// Parses `src` (known to be valid) and shows its expression.
/// `home_dir` resolves `~/…` paths (`None` shows them as written).
pub(crate) fn show_source(src: &str, base_dir: &str, home_dir: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(e) = rnix::Root::parse(src).tree().expr() {
        Shower { base_dir, home_dir }.expr(&e, &mut out);
    }
    out
}

struct Shower<'a> {
    base_dir: &'a str,
    home_dir: Option<&'a str>,
}

fn ident(i: Option<ast::Ident>) -> String {
    i.and_then(|i| i.ident_token())
        .map(|t| t.text().to_string())
        .unwrap_or_default()
}

impl Shower<'_> {
    fn opt(&self, e: Option<ast::Expr>, out: &mut String) {
        if let Some(e) = e {
            self.expr(&e, out);
        }
    }

    fn expr(&self, e: &ast::Expr, out: &mut String) {
        crate::eval::with_stack(|| self.expr_inner(e, out));
    }

    fn expr_inner(&self, e: &ast::Expr, out: &mut String) {
        match e {
            ast::Expr::Paren(p) => self.opt(p.expr(), out),
            ast::Expr::Root(r) => self.opt(r.expr(), out),
            ast::Expr::Literal(l) => match l.kind() {
                ast::LiteralKind::Integer(i) => out.push_str(i.syntax().text()),
                ast::LiteralKind::Float(f) => out.push_str(&format_float(f.value().unwrap_or(0.0))),
                ast::LiteralKind::Uri(u) => show_string(u.syntax().text(), out),
            },
            ast::Expr::Ident(i) => out.push_str(&ident(Some(i.clone()))),
            ast::Expr::Str(s) => self.string(s, out),
            ast::Expr::PathSearch(p) => {
                let text = p
                    .content()
                    .map(|c| c.text().to_string())
                    .unwrap_or_default();
                out.push_str("(__findFile __nixPath ");
                show_string(text.trim_start_matches('<').trim_end_matches('>'), out);
                out.push(')');
            }
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                let text = e.syntax().text().to_string();
                if let Some(p) = ast::Path::cast(e.syntax().clone())
                    && text.contains("${")
                    && (self.home_dir.is_some() || !text.starts_with('~'))
                {
                    self.interpolated_path(&p, &text, out);
                } else if let Some(rest) = text.strip_prefix('~') {
                    match self.home_dir {
                        Some(home) => out
                            .push_str(&crate::lower::resolve_path(None, &format!("{home}{rest}"))),
                        None => out.push_str(&text),
                    }
                } else {
                    let base = if text.starts_with('/') {
                        None
                    } else {
                        Some(self.base_dir)
                    };
                    out.push_str(&crate::lower::resolve_path(base, &text));
                }
            }
            ast::Expr::List(l) => {
                out.push_str("[ ");
                for item in l.items() {
                    out.push('(');
                    self.expr(&item, out);
                    out.push_str(") ");
                }
                out.push(']');
            }
            ast::Expr::AttrSet(s) => {
                if s.rec_token().is_some() {
                    out.push_str("rec ");
                }
                out.push_str("{ ");
                self.entries(s.entries(), out);
                out.push('}');
            }
            ast::Expr::LetIn(l) => {
                out.push_str("(let ");
                self.entries(l.entries(), out);
                out.push_str("in ");
                self.opt(l.body(), out);
                out.push(')');
            }
            ast::Expr::LegacyLet(l) => {
                // Nix desugars `let { … }` to `(rec { … }).body`.
                out.push_str("(rec { ");
                self.entries(l.entries(), out);
                out.push_str("}).body");
            }
            ast::Expr::Select(s) => {
                out.push('(');
                self.opt(s.expr(), out);
                out.push_str(").");
                if let Some(p) = s.attrpath() {
                    self.attrpath(&p, out);
                }
                if let Some(d) = s.default_expr() {
                    out.push_str(" or (");
                    self.expr(&d, out);
                    out.push(')');
                }
            }
            ast::Expr::HasAttr(h) => {
                out.push_str("((");
                self.opt(h.expr(), out);
                out.push_str(") ? ");
                if let Some(p) = h.attrpath() {
                    self.attrpath(&p, out);
                }
                out.push(')');
            }
            ast::Expr::Apply(_) => {
                let mut args = Vec::new();
                let mut f = e.clone();
                while let ast::Expr::Apply(a) = &f {
                    args.push(a.argument());
                    match a.lambda() {
                        Some(l) => f = l,
                        None => break,
                    }
                }
                out.push('(');
                self.expr(&f, out);
                for a in args.into_iter().rev() {
                    out.push(' ');
                    self.opt(a, out);
                }
                out.push(')');
            }
            ast::Expr::Lambda(l) => {
                out.push('(');
                match l.param() {
                    Some(ast::Param::IdentParam(p)) => out.push_str(&ident(p.ident())),
                    Some(ast::Param::Pattern(p)) => {
                        out.push_str("{ ");
                        let mut formals: Vec<(String, Option<ast::Expr>)> = p
                            .pat_entries()
                            .map(|e| (ident(e.ident()), e.default()))
                            .collect();
                        // Nix 2.8 orders formals and attributes by the
                        // addresses of their symbols, which cannot be
                        // reproduced; name order matches it most often.
                        formals.sort_by(|a, b| a.0.cmp(&b.0));
                        let mut first = true;
                        for (name, default) in formals {
                            if !first {
                                out.push_str(", ");
                            }
                            first = false;
                            out.push_str(&name);
                            if let Some(d) = default {
                                out.push_str(" ? ");
                                self.expr(&d, out);
                            }
                        }
                        if p.ellipsis_token().is_some() {
                            out.push_str(if first { "..." } else { ", ..." });
                        }
                        out.push_str(" }");
                        if let Some(b) = p.pat_bind() {
                            out.push_str(" @ ");
                            out.push_str(&ident(b.ident()));
                        }
                    }
                    None => {}
                }
                out.push_str(": ");
                self.opt(l.body(), out);
                out.push(')');
            }
            ast::Expr::With(w) => {
                out.push_str("(with ");
                self.opt(w.namespace(), out);
                out.push_str("; ");
                self.opt(w.body(), out);
                out.push(')');
            }
            ast::Expr::Assert(a) => {
                out.push_str("assert ");
                self.opt(a.condition(), out);
                out.push_str("; ");
                self.opt(a.body(), out);
            }
            ast::Expr::IfElse(i) => {
                out.push_str("(if ");
                self.opt(i.condition(), out);
                out.push_str(" then ");
                self.opt(i.body(), out);
                out.push_str(" else ");
                self.opt(i.else_body(), out);
                out.push(')');
            }
            ast::Expr::UnaryOp(u) => match u.operator() {
                Some(ast::UnaryOpKind::Invert) => {
                    out.push_str("(! ");
                    self.opt(u.expr(), out);
                    out.push(')');
                }
                _ => {
                    out.push_str("(__sub 0 ");
                    self.opt(u.expr(), out);
                    out.push(')');
                }
            },
            ast::Expr::BinOp(b) => self.binop(b, out),
            ast::Expr::CurPos(_) => out.push_str("__curPos"),
            ast::Expr::Error(_) => out.push_str(&e.syntax().text().to_string()),
        }
    }

    /// `./a-${x}-b` as Nix shows it: `(/base/a- + x + "-b")`, the literal
    /// start resolved as a path (keeping its final `/`), the rest strings.
    fn interpolated_path(&self, p: &ast::Path, text: &str, out: &mut String) {
        out.push('(');
        for (i, part) in p.parts().into_iter().enumerate() {
            if i > 0 {
                out.push_str(" + ");
            }
            match part {
                InterpolPart::Literal(c) if i == 0 => {
                    let lit = c.text();
                    let full = match (lit.strip_prefix('~'), self.home_dir) {
                        (Some(rest), Some(home)) => format!("{home}{rest}"),
                        _ if text.starts_with('/') => lit.to_string(),
                        _ => format!("{}/{lit}", self.base_dir),
                    };
                    let mut resolved = crate::lower::canon_path(&full);
                    if lit.ends_with('/') && !resolved.ends_with('/') {
                        resolved.push('/');
                    }
                    out.push_str(&resolved);
                }
                InterpolPart::Literal(c) => show_string(c.text(), out),
                InterpolPart::Interpolation(e) => self.opt(e.expr(), out),
            }
        }
        out.push(')');
    }

    fn binop(&self, b: &ast::BinOp, out: &mut String) {
        use rnix::ast::BinOpKind as K;
        let (l, r) = (b.lhs(), b.rhs());
        let call = |name: &str, x: Option<ast::Expr>, y: Option<ast::Expr>, out: &mut String| {
            out.push('(');
            out.push_str(name);
            out.push(' ');
            self.opt(x, out);
            out.push(' ');
            self.opt(y, out);
            out.push(')');
        };
        let infix = |op: &str, out: &mut String| {
            out.push('(');
            self.opt(l.clone(), out);
            out.push(' ');
            out.push_str(op);
            out.push(' ');
            self.opt(r.clone(), out);
            out.push(')');
        };
        match b.operator() {
            Some(K::Sub) => call("__sub", l, r, out),
            Some(K::Mul) => call("__mul", l, r, out),
            Some(K::Div) => call("__div", l, r, out),
            Some(K::Less) => call("__lessThan", l, r, out),
            Some(K::More) => call("__lessThan", r, l, out),
            Some(K::LessOrEq) => {
                out.push_str("(! ");
                call("__lessThan", r, l, out);
                out.push(')');
            }
            Some(K::MoreOrEq) => {
                out.push_str("(! ");
                call("__lessThan", l, r, out);
                out.push(')');
            }
            Some(K::Add) => infix("+", out),
            Some(K::Concat) => infix("++", out),
            Some(K::Update) => infix("//", out),
            Some(K::Equal) => infix("==", out),
            Some(K::NotEqual) => infix("!=", out),
            Some(K::And) => infix("&&", out),
            Some(K::Or) => infix("||", out),
            Some(K::Implication) => infix("->", out),
            Some(K::PipeLeft) => infix("<|", out),
            Some(K::PipeRight) => infix("|>", out),
            None => out.push_str(&b.syntax().text().to_string()),
        }
    }

    fn string(&self, s: &ast::Str, out: &mut String) {
        let indented = s
            .syntax()
            .first_token()
            .is_some_and(|t| t.text().starts_with("''"));
        if indented {
            self.indented_string(s, out);
            return;
        }
        if let Some(text) = crate::lower::static_str(s) {
            show_string(&text, out);
            return;
        }
        let parts = s.normalized_parts();
        out.push('(');
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_str(" + ");
            }
            match p {
                InterpolPart::Literal(t) => show_string(&t, out),
                InterpolPart::Interpolation(e) => self.opt(e.expr(), out),
            }
        }
        out.push(')');
    }

    /// An indented string as Nix 2.8's parser builds it: its lexer makes a
    /// separate part of every escape (`''$`, `'''`, `''\n`) and of a lone
    /// `$` or `'`, and indentation is stripped part by part, so the parts
    /// show as a concatenation.
    fn indented_string(&self, s: &ast::Str, out: &mut String) {
        let mut parts: Vec<IndPart> = Vec::new();
        for (i, part) in s.parts().enumerate() {
            match part {
                InterpolPart::Literal(c) => {
                    let mut text = c.syntax().text();
                    // The opening `''` takes spaces and a newline after it.
                    if i == 0
                        && let Some(nl) = text.find('\n')
                        && text[..nl].bytes().all(|b| b == b' ')
                    {
                        text = &text[nl + 1..];
                    }
                    lex_indented(text, &mut parts);
                }
                InterpolPart::Interpolation(e) => {
                    let mut shown = String::new();
                    let expr = e.expr();
                    let literal = matches!(&expr, Some(ast::Expr::Str(s)) if crate::lower::static_str(s).is_some());
                    self.opt(expr, &mut shown);
                    parts.push(IndPart::Expr(shown, literal));
                }
            }
        }
        let parts = strip_indentation(parts);
        match parts.as_slice() {
            [] => show_string("", out),
            [IndPart::Str(t)] => show_string(t, out),
            // `''${"y"}''` is the string literal itself.
            [IndPart::Expr(e, true)] => out.push_str(e),
            _ => {
                out.push('(');
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" + ");
                    }
                    match p {
                        IndPart::Text(t) | IndPart::Str(t) => show_string(t, out),
                        IndPart::Expr(e, _) => out.push_str(e),
                    }
                }
                out.push(')');
            }
        }
    }

    fn attrpath(&self, p: &ast::Attrpath, out: &mut String) {
        for (i, a) in p.attrs().enumerate() {
            if i > 0 {
                out.push('.');
            }
            match a {
                ast::Attr::Ident(i) => out.push_str(&ident(Some(i))),
                ast::Attr::Str(s) => match crate::lower::static_str(&s) {
                    Some(name) => show_attr_name(&name, out),
                    // `"${a}b"` is a dynamic name whose expression is the
                    // string.
                    None => {
                        out.push_str("\"${");
                        self.string(&s, out);
                        out.push_str("}\"");
                    }
                },
                ast::Attr::Dynamic(d) => match d.expr() {
                    Some(ast::Expr::Str(s)) => {
                        // `${"y"}` is a static name.
                        let mut tmp = String::new();
                        self.string(&s, &mut tmp);
                        out.push_str(tmp.trim_matches('"'));
                    }
                    e => {
                        out.push_str("\"${");
                        self.opt(e, out);
                        out.push_str("}\"");
                    }
                },
            }
        }
    }

    /// The bindings of a set or `let`, merged as Nix's parser merges them
    /// (`a.b = 1; a.c = 2;` is `a = { b = 1; c = 2; };`), static names in
    /// name order, then dynamic ones in source order.
    fn entries(&self, entries: impl Iterator<Item = ast::Entry>, out: &mut String) {
        let mut set = ShowSet::default();
        self.collect(entries, &mut set);
        set.write(out);
    }

    /// Adds the bindings of `entries` to `set`.
    fn collect(&self, entries: impl Iterator<Item = ast::Entry>, set: &mut ShowSet) {
        for entry in entries {
            match entry {
                ast::Entry::Inherit(inh) => {
                    for a in inh.attrs() {
                        // `inherit ${"a"}` names `a`; other dynamic names
                        // are syntax errors.
                        let Key::Static(name) = self.key(&a) else {
                            continue;
                        };
                        let mut key = String::new();
                        show_attr_name(&name, &mut key);
                        let text = match inh.from() {
                            Some(from) => {
                                let mut src = String::new();
                                self.opt(from.expr(), &mut src);
                                format!("{key} = ({src}).{key}; ")
                            }
                            None => format!("inherit {key} ; "),
                        };
                        set.statics.insert(name, Node::Line(text));
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let keys: Vec<Key> = av
                        .attrpath()
                        .map(|p| p.attrs().map(|a| self.key(&a)).collect())
                        .unwrap_or_default();
                    if let Some(value) = av.value() {
                        self.insert(set, &keys, &value);
                    }
                }
            }
        }
    }

    /// An attribute name: static, or the shown expression of a dynamic one.
    fn key(&self, a: &ast::Attr) -> Key {
        let static_name = match a {
            ast::Attr::Ident(i) => Some(ident(Some(i.clone()))),
            ast::Attr::Str(s) => crate::lower::static_str(s),
            ast::Attr::Dynamic(d) => match d.expr() {
                Some(ast::Expr::Str(s)) => crate::lower::static_str(&s),
                _ => None,
            },
        };
        match static_name {
            Some(n) => Key::Static(n),
            None => {
                let mut text = String::new();
                match a {
                    ast::Attr::Dynamic(d) => {
                        text.push_str("\"${");
                        self.opt(d.expr(), &mut text);
                        text.push_str("}\"");
                    }
                    ast::Attr::Str(s) => {
                        text.push_str("\"${");
                        self.string(s, &mut text);
                        text.push_str("}\"");
                    }
                    ast::Attr::Ident(_) => {}
                }
                Key::Dynamic(text)
            }
        }
    }

    /// Adds `keys = value` to `set`, creating or extending nested sets.
    fn insert(&self, set: &mut ShowSet, keys: &[Key], value: &ast::Expr) {
        let Some((first, rest)) = keys.split_first() else {
            return;
        };
        let (node, whole) = if rest.is_empty() {
            (self.node(value), true)
        } else {
            let mut inner = ShowSet::default();
            self.insert(&mut inner, rest, value);
            (Node::Set(inner), false)
        };
        match first {
            Key::Static(name) => match (set.statics.get_mut(name), node) {
                // `a = { b = 1; }; a = { c = 2; };`: Nix 2.8 copies the
                // second set's static attributes into the first (its
                // dynamic ones are lost).
                (Some(Node::Set(existing)), Node::Set(new)) if whole => {
                    existing.statics.extend(new.statics);
                }
                // `a = { b = 1; }; a.c = 2;`: the path goes into the set.
                (Some(Node::Set(existing)), Node::Set(new)) => existing.merge(new),
                (_, node) => {
                    set.statics.insert(name.clone(), node);
                }
            },
            Key::Dynamic(text) => set.dynamics.push((text.clone(), node)),
        }
    }

    /// A binding's value: a set literal (`rec` or not) stays open for
    /// merging; anything else is shown now.
    fn node(&self, value: &ast::Expr) -> Node {
        if let ast::Expr::AttrSet(s) = value {
            let mut inner = ShowSet {
                rec: s.rec_token().is_some(),
                ..ShowSet::default()
            };
            self.collect(s.entries(), &mut inner);
            return Node::Set(inner);
        }
        let mut text = String::new();
        self.expr(value, &mut text);
        Node::Value(text)
    }
}

/// A part of an indented string, as Nix 2.8's lexer cuts it.
enum IndPart {
    /// Text whose leading spaces count as indentation.
    Text(String),
    /// An escape (`''\n`): ends the indentation of its line.
    Str(String),
    /// An interpolation, shown; whether it is a plain string literal.
    Expr(String, bool),
}

/// Cuts the raw text of an indented string (between interpolations) like
/// Nix 2.8's lexer: runs of plain text; `''$` and a lone `$` as `$`; `'''`
/// as `''`; a lone `'`; `''\X` as the escaped character.
fn lex_indented(text: &str, parts: &mut Vec<IndPart>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut run = String::new();
    let flush = |run: &mut String, parts: &mut Vec<IndPart>| {
        if !run.is_empty() {
            parts.push(IndPart::Text(std::mem::take(run)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('\'', Some('\'')) => {
                flush(&mut run, parts);
                match chars.get(i + 2).copied() {
                    Some('$') => parts.push(IndPart::Text("$".into())),
                    Some('\\') => {
                        let unescaped = match chars.get(i + 3).copied() {
                            Some('n') => '\n',
                            Some('r') => '\r',
                            Some('t') => '\t',
                            Some(other) => other,
                            None => '\\',
                        };
                        parts.push(IndPart::Str(unescaped.to_string()));
                        i += 1;
                    }
                    _ => parts.push(IndPart::Text("''".into())),
                }
                i += 3;
            }
            ('$', Some(n)) if n != '{' && n != '\'' => {
                run.push(c);
                run.push(n);
                i += 2;
            }
            ('\'', Some(n)) if n != '$' => {
                run.push(c);
                run.push(n);
                i += 2;
            }
            ('$' | '\'', _) => {
                flush(&mut run, parts);
                parts.push(IndPart::Text(c.to_string()));
                i += 1;
            }
            _ => {
                run.push(c);
                i += 1;
            }
        }
    }
    flush(&mut run, parts);
}

/// Nix 2.8's `stripIndentation`: the smallest indentation of the lines
/// (lines of only spaces do not count; escapes and interpolations end a
/// line's indentation) is removed from every text part, and a last part
/// whose final line holds only spaces loses that line. Text parts become
/// plain strings.
fn strip_indentation(parts: Vec<IndPart>) -> Vec<IndPart> {
    let mut at_start = true;
    let mut min_indent = usize::MAX;
    let mut cur = 0;
    for p in &parts {
        let IndPart::Text(t) = p else {
            if at_start {
                at_start = false;
                min_indent = min_indent.min(cur);
            }
            continue;
        };
        for c in t.chars() {
            if at_start {
                match c {
                    ' ' => cur += 1,
                    '\n' => cur = 0,
                    _ => {
                        at_start = false;
                        min_indent = min_indent.min(cur);
                    }
                }
            } else if c == '\n' {
                at_start = true;
                cur = 0;
            }
        }
    }
    let mut out = Vec::with_capacity(parts.len());
    let mut at_start = true;
    let mut dropped = 0;
    let n = parts.len();
    for (i, p) in parts.into_iter().enumerate() {
        let t = match p {
            IndPart::Text(t) => t,
            other => {
                at_start = false;
                dropped = 0;
                out.push(other);
                continue;
            }
        };
        let mut s2 = String::new();
        for c in t.chars() {
            if at_start {
                match c {
                    ' ' => {
                        if dropped >= min_indent {
                            s2.push(c);
                        }
                        dropped += 1;
                    }
                    '\n' => {
                        dropped = 0;
                        s2.push(c);
                    }
                    _ => {
                        at_start = false;
                        dropped = 0;
                        s2.push(c);
                    }
                }
            } else {
                s2.push(c);
                if c == '\n' {
                    at_start = true;
                }
            }
        }
        if i + 1 == n
            && let Some(nl) = s2.rfind('\n')
            && s2[nl + 1..].bytes().all(|b| b == b' ')
        {
            s2.truncate(nl + 1);
        }
        out.push(IndPart::Str(s2));
    }
    out
}

/// An attribute name in a binding.
enum Key {
    Static(String),
    /// Shown as `"${expr}"`.
    Dynamic(String),
}

/// A binding's right-hand side while a set is being merged.
enum Node {
    /// A shown value.
    Value(String),
    /// A whole shown line (`inherit x ; `).
    Line(String),
    /// A nested set, still open for merging.
    Set(ShowSet),
}

/// A set being merged for showing.
#[derive(Default)]
struct ShowSet {
    rec: bool,
    statics: BTreeMap<String, Node>,
    dynamics: Vec<(String, Node)>,
}

impl ShowSet {
    fn merge(&mut self, other: ShowSet) {
        for (name, node) in other.statics {
            match (self.statics.get_mut(&name), node) {
                (Some(Node::Set(existing)), Node::Set(new)) => existing.merge(new),
                (_, node) => {
                    self.statics.insert(name, node);
                }
            }
        }
        self.dynamics.extend(other.dynamics);
    }

    /// The bindings, each followed by `; ` (without braces).
    fn write(&self, out: &mut String) {
        let statics = self.statics.iter().map(|(name, node)| {
            let mut key = String::new();
            show_attr_name(name, &mut key);
            (key, node)
        });
        let dynamics = self.dynamics.iter().map(|(key, node)| (key.clone(), node));
        for (key, node) in statics.chain(dynamics) {
            match node {
                Node::Line(text) => out.push_str(text),
                Node::Value(text) => {
                    out.push_str(&key);
                    out.push_str(" = ");
                    out.push_str(text);
                    out.push_str("; ");
                }
                Node::Set(inner) => {
                    out.push_str(&key);
                    out.push_str(if inner.rec { " = rec { " } else { " = { " });
                    inner.write(out);
                    out.push_str("}; ");
                }
            }
        }
    }
}

/// An attribute name as Nix 2.8 shows it: plain when it is an identifier,
/// else quoted.
fn show_attr_name(name: &str, out: &mut String) {
    if is_plain_identifier(name) {
        out.push_str(name);
    } else {
        show_string(name, out);
    }
}

/// A string literal as Nix 2.8's expression printer writes it: unlike
/// value printing, every `$` is escaped.
fn show_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show_src(src: &str) -> String {
        let root = rnix::Root::parse(src).tree();
        show(&root.expr().unwrap(), "/tmp")
    }

    #[test]
    fn like_nix_2_8() {
        for (src, want) in [
            ("x == 1", "(x == 1)"),
            ("f x y", "(f x y)"),
            ("!true", "(! true)"),
            ("x && y || z", "((x && y) || z)"),
            ("builtins.isInt x", "((builtins).isInt x)"),
            ("x ? a", "((x) ? a)"),
            (
                "({ a, b ? 1, ... }@c: a) { a = false; }",
                "(({ a, b ? 1, ... } @ c: a) { a = false; })",
            ),
            ("(let a = false; in a)", "(let a = false; in a)"),
            ("(rec { a = false; }).a", "(rec { a = false; }).a"),
            (
                "({ a = false; inherit x; inherit (c) d; }).a",
                "({ a = false; d = (c).d; inherit x ; }).a",
            ),
            (
                r#"[1 "a\n\${b}" 2.5 null true ./a <nixpkgs> ] == []"#,
                r#"([ (1) ("a\n\${b}") (2.5) (null) (true) (/tmp/a) ((__findFile __nixPath "nixpkgs")) ] == [ ])"#,
            ),
            (
                r#""a${toString 1}b" == """#,
                r#"(("a" + (toString 1) + "b") == "")"#,
            ),
            (r#"x.${"y"} or false"#, "(x).y or (false)"),
            ("-1 == 2", "((__sub 0 1) == 2)"),
            (
                "1 - 2 == 3 * 4 / 5",
                "((__sub 1 2) == (__div (__mul 3 4) 5))",
            ),
            ("(assert true; false)", "assert true; false"),
            ("1 <= 0", "(! (__lessThan 0 1))"),
            ("1 >= 2", "(! (__lessThan 1 2))"),
            ("2 > 3", "(__lessThan 3 2)"),
            ("1.5 == 2.0", "(1.5 == 2)"),
            ("(with x; false)", "(with x; false)"),
            // Nix's parser merges attribute paths and desugars `let { }`.
            ("{ a.b = 1; a.c = 2; }", "{ a = { b = 1; c = 2; }; }"),
            ("{ a = { b = 1; }; a.c = 2; }", "{ a = { b = 1; c = 2; }; }"),
            (
                "{ a.${x} = 1; ${x} = 2; \"b c\" = 3; \"${x}y\" = 4; }",
                "{ a = { \"${x}\" = 1; }; \"b c\" = 3; \"${x}\" = 2; \"${(x + \"y\")}\" = 4; }",
            ),
            ("let { body = 1; }", "(rec { body = 1; }).body"),
            // Every `$` is escaped in expressions (not only before `{`).
            (r#""a$b""#, r#""a\$b""#),
            (
                "[ ./a-${x}-b /${x} ]",
                r#"[ ((/tmp/a- + x + "-b")) ((/ + x)) ]"#,
            ),
        ] {
            assert_eq!(show_src(src), want, "{src}");
        }
    }
}
