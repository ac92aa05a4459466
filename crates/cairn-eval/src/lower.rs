//! Lowering: rnix's syntax tree → [`Expr`](crate::ir::Expr), resolving
//! every variable to a frame depth and slot at compile time.
//!
//! Each `let`, `rec { }`, lambda and `with` opens one runtime frame. A name
//! found in a static scope becomes [`Expr::Var`]; a name bound nowhere
//! statically but under some `with` becomes [`Expr::WithVar`] listing the
//! depths of the enclosing `with` frames; a global (`builtins`, `map`,
//! `true`, …) becomes a constant; anything else is `undefined variable`.

use std::collections::HashMap;
use std::rc::Rc;

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use crate::error::{ErrorKind, EvalError, EvalResult, SourceMap, Span};
use crate::ir::{AttrKey, AttrsDef, BinOp, Expr, Formal, LambdaDef, Param, Part};
use crate::value::{Attrs, Hint, Symbol, Value};

/// What the lowerer needs to know about its surroundings.
pub(crate) struct LowerCtx<'a> {
    /// Global names (the base environment).
    pub(crate) globals: &'a HashMap<Symbol, Value>,
    /// The sources, for `__curPos` and error positions.
    pub(crate) sources: &'a SourceMap,
    /// The file id being lowered.
    pub(crate) file: u32,
    /// The directory relative paths resolve against.
    pub(crate) base_dir: Rc<str>,
    /// The home directory for `~/…` paths, if known.
    pub(crate) home_dir: Option<Rc<str>>,
    /// Names bound in the outermost frame (`scopedImport`), slot i = name i.
    pub(crate) scope: Vec<Symbol>,
}

enum Scope {
    Static(HashMap<Symbol, u32>),
    With,
}

struct Lowerer<'a> {
    ctx: LowerCtx<'a>,
    scopes: Vec<Scope>,
}

/// Parses `text` (already registered as `ctx.file`) and lowers it.
pub(crate) fn parse_and_lower(ctx: LowerCtx<'_>) -> EvalResult<Rc<Expr>> {
    let text = ctx.sources.file(ctx.file).text.clone();
    // rnix's parser recurses up to 512 levels; give it a stack of its own
    // that is large enough even for debug builds.
    let parsed = stacker::grow(64 * 1024 * 1024, || rnix::Root::parse(&text));
    if let Some(err) = parsed.errors().first() {
        let err = parse_error(err, ctx.file, &text);
        // Nix places an unexpected end of file at the start of the last
        // thing its lexer read, whitespace included.
        let last = parsed
            .syntax()
            .last_token()
            .map_or(0, |t| u32::from(t.text_range().start()));
        return Err(err.at(Span {
            file: ctx.file,
            offset: last,
        }));
    }
    let root = parsed.tree();
    let outer: HashMap<Symbol, u32> = ctx
        .scope
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let mut l = Lowerer {
        ctx,
        scopes: vec![Scope::Static(outer)],
    };
    let expr = root
        .expr()
        .ok_or_else(|| EvalError::new(ErrorKind::Parse("unexpected end of file".into())))?;
    l.expr(&expr)
}

fn parse_error(err: &rnix::ParseError, file: u32, text: &str) -> EvalError {
    use rnix::ParseError as P;
    let (msg, range) = match err {
        P::Unexpected(r) => ("unexpected token".to_string(), Some(*r)),
        P::UnexpectedExtra(r) => (
            "unexpected token after the expression".to_string(),
            Some(*r),
        ),
        P::UnexpectedWanted(got, r, want) => (
            format!("unexpected {got:?}, expecting one of {want:?}"),
            Some(*r),
        ),
        P::UnexpectedDoubleBind(r) => ("duplicate '@' binding".to_string(), Some(*r)),
        P::UnexpectedEOF => ("unexpected end of file".to_string(), None),
        P::UnexpectedEOFWanted(want) => match nix_token_names(want) {
            Some(names) => (format!("unexpected end of file, expecting {names}"), None),
            None => ("unexpected end of file".to_string(), None),
        },
        P::DuplicatedArgs(r, name) => (
            format!("duplicate formal function argument '{name}'"),
            Some(*r),
        ),
        P::RecursionLimitExceeded => ("expression nested too deeply".to_string(), None),
        other => (other.to_string(), None),
    };
    // A path literal ending in `/` is one error token for rnix; Nix names it.
    if let Some(r) = range {
        let start = usize::from(r.start());
        let token: &str = text
            .get(start..)
            .and_then(|t| t.split(|c: char| c.is_whitespace() || c == ';').next())
            .unwrap_or("");
        let pathlike = ["/", "./", "../", "~/"]
            .iter()
            .any(|p| token.starts_with(p));
        if pathlike && token.len() > 1 && token.ends_with('/') {
            let offset = u32::try_from(start + token.len()).unwrap_or(u32::MAX);
            return EvalError::new(ErrorKind::Other("path has a trailing slash".into()))
                .at(Span { file, offset });
        }
    }
    let e = EvalError::new(ErrorKind::Parse(msg));
    match range {
        Some(r) => e.at(Span {
            file,
            offset: r.start().into(),
        }),
        None => e,
    }
}

/// How Nix's parser names the tokens it expected (`';'`, `'then'`), when
/// cairn knows them all.
fn nix_token_names(kinds: &[rnix::SyntaxKind]) -> Option<String> {
    use rnix::SyntaxKind as K;
    let names: Option<Vec<&str>> = kinds
        .iter()
        .map(|k| match k {
            K::TOKEN_SEMICOLON => Some("';'"),
            K::TOKEN_R_PAREN => Some("')'"),
            K::TOKEN_R_BRACE => Some("'}'"),
            K::TOKEN_R_BRACK => Some("']'"),
            K::TOKEN_ASSIGN => Some("'='"),
            K::TOKEN_COLON => Some("':'"),
            K::TOKEN_THEN => Some("'then'"),
            K::TOKEN_ELSE => Some("'else'"),
            K::TOKEN_IN => Some("'in'"),
            K::TOKEN_IDENT => Some("ID"),
            K::TOKEN_STRING_END => Some("'\"'"),
            _ => None,
        })
        .collect();
    names.filter(|n| !n.is_empty()).map(|n| n.join(" or "))
}

/// An attribute binding before lowering: nested attrpaths are merged here.
enum Binding {
    Expr(ast::Expr),
    Nested(Box<Bindings>),
    /// `inherit x` (from the enclosing scope) or `inherit (src) x`.
    Inherit(Option<usize>, Span),
}

#[derive(Default)]
struct Bindings {
    rec: bool,
    statics: Vec<(Symbol, Binding)>,
    index: HashMap<Symbol, usize>,
    /// Where each static attribute was first defined.
    first: Vec<Span>,
    dynamics: Vec<(ast::Attr, Binding, Span)>,
    inherit_from: Vec<ast::Expr>,
}

enum KeyName {
    Static(Symbol),
    Dynamic(ast::Attr),
}

impl Lowerer<'_> {
    fn span(&self, node: &impl AstNode) -> Span {
        Span {
            file: self.ctx.file,
            offset: node.syntax().text_range().start().into(),
        }
    }

    fn dup_attr(&self, name: &str, span: Span, first: Span) -> EvalError {
        let first = message_pos(&self.ctx.sources.resolve(first));
        EvalError::new(ErrorKind::Other(format!(
            "attribute '{name}' already defined at {first}"
        )))
        .at(span)
    }

    fn err(&self, node: &impl AstNode, kind: ErrorKind) -> EvalError {
        EvalError::new(kind).at(self.span(node))
    }

    fn lookup(&self, name: &str, span: Span) -> EvalResult<Expr> {
        let mut withs = Vec::new();
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            let depth = u32::try_from(depth).unwrap_or(u32::MAX);
            match scope {
                Scope::Static(names) => {
                    if let Some(&slot) = names.get(name) {
                        return Ok(Expr::Var { depth, slot, span });
                    }
                }
                Scope::With => withs.push(depth),
            }
        }
        if let Some(v) = self.ctx.globals.get(name) {
            return Ok(Expr::Lit(v.clone()));
        }
        if withs.is_empty() {
            return Err(EvalError::new(ErrorKind::UndefinedVar(name.to_string())).at(span));
        }
        Ok(Expr::WithVar {
            name: name.into(),
            withs: withs.into(),
            span,
            hint: Hint::default(),
        })
    }

    fn expr(&mut self, e: &ast::Expr) -> EvalResult<Rc<Expr>> {
        Ok(Rc::new(crate::eval::with_stack(|| self.expr_inner(e))?))
    }

    fn expr_inner(&mut self, e: &ast::Expr) -> EvalResult<Expr> {
        let span = self.span(e);
        Ok(match e {
            ast::Expr::Paren(p) => return self.expr_inner(&child(p.expr(), p)?),
            ast::Expr::Root(r) => return self.expr_inner(&child(r.expr(), r)?),
            ast::Expr::Literal(lit) => match lit.kind() {
                ast::LiteralKind::Integer(i) => Expr::Lit(Value::Int(i.value().map_err(|_| {
                    self.err(
                        lit,
                        ErrorKind::Parse(format!("invalid integer '{}'", i.syntax().text())),
                    )
                })?)),
                ast::LiteralKind::Float(f) => Expr::Lit(Value::Float(f.value().map_err(|_| {
                    self.err(
                        lit,
                        ErrorKind::Parse(format!("invalid float '{}'", f.syntax().text())),
                    )
                })?)),
                ast::LiteralKind::Uri(u) => Expr::Lit(Value::string(u.syntax().text())),
            },
            ast::Expr::Ident(id) => {
                let name = ident_text(id);
                self.lookup(&name, span)?
            }
            ast::Expr::Str(s) => self.string(s, span)?,
            ast::Expr::PathAbs(_)
            | ast::Expr::PathRel(_)
            | ast::Expr::PathHome(_)
            | ast::Expr::PathSearch(_) => {
                let p = ast::Path::cast(e.syntax().clone())
                    .ok_or_else(|| self.err(e, ErrorKind::Parse("bad path".into())))?;
                self.path(&p, span)?
            }
            ast::Expr::List(l) => Expr::List(
                l.items()
                    .map(|i| self.expr(&i))
                    .collect::<EvalResult<_>>()?,
            ),
            ast::Expr::AttrSet(set) => {
                let b = self.collect_bindings(set.entries(), set.rec_token().is_some(), true)?;
                self.attrs(b)?
            }
            ast::Expr::LegacyLet(l) => {
                let b = self.collect_bindings(l.entries(), true, true)?;
                let set = Rc::new(self.attrs(b)?);
                Expr::Select {
                    expr: set,
                    path: vec![AttrKey::Static("body".into(), Hint::default())],
                    default: None,
                    span,
                }
            }
            ast::Expr::LetIn(l) => {
                let b = self.collect_bindings(l.entries(), true, false)?;
                let body = child(l.body(), l)?;
                self.let_in(b, &body)?
            }
            ast::Expr::Select(s) => {
                let expr = self.expr(&child(s.expr(), s)?)?;
                let path = self.attrpath(&child(s.attrpath(), s)?)?;
                let default = s.default_expr().map(|d| self.expr(&d)).transpose()?;
                if let (Expr::Lit(Value::Attrs(set)), [AttrKey::Static(name, _)]) =
                    (&*expr, path.as_slice())
                    && let Some(v) = set.get(name)
                    && !matches!(v, Value::Thunk(_))
                {
                    return Ok(Expr::Selected(v.clone()));
                }
                Expr::Select {
                    expr,
                    path,
                    default,
                    span,
                }
            }
            ast::Expr::HasAttr(h) => {
                let expr = self.expr(&child(h.expr(), h)?)?;
                let path = self.attrpath(&child(h.attrpath(), h)?)?;
                Expr::HasAttr { expr, path }
            }
            ast::Expr::Lambda(l) => Expr::Lambda(self.lambda(l, None)?),
            ast::Expr::Apply(a) => {
                let mut args = Vec::new();
                let mut f = ast::Expr::Apply(a.clone());
                while let ast::Expr::Apply(app) = &f {
                    args.push(child(app.argument(), app)?);
                    f = child(app.lambda(), app)?;
                }
                let func = self.expr(&f)?;
                let args = args
                    .iter()
                    .rev()
                    .map(|a| self.expr(a))
                    .collect::<EvalResult<_>>()?;
                Expr::Apply { func, args, span }
            }
            ast::Expr::With(w) => {
                let ns = self.expr(&child(w.namespace(), w)?)?;
                self.scopes.push(Scope::With);
                let body = child(w.body(), w).and_then(|b| self.expr(&b));
                self.scopes.pop();
                Expr::With { ns, body: body? }
            }
            ast::Expr::Assert(a) => {
                let c = child(a.condition(), a)?;
                let text: Rc<str> = crate::show::show(&c, &self.ctx.base_dir).into();
                Expr::Assert {
                    cond: self.expr(&c)?,
                    body: self.expr(&child(a.body(), a)?)?,
                    text,
                    span,
                }
            }
            ast::Expr::IfElse(i) => Expr::If {
                cond: self.expr(&child(i.condition(), i)?)?,
                then: self.expr(&child(i.body(), i)?)?,
                otherwise: self.expr(&child(i.else_body(), i)?)?,
                span,
            },
            ast::Expr::BinOp(b) => {
                use rnix::ast::BinOpKind as K;
                let op = match b.operator() {
                    Some(K::Add) => BinOp::Add,
                    Some(K::Sub) => BinOp::Sub,
                    Some(K::Mul) => BinOp::Mul,
                    Some(K::Div) => BinOp::Div,
                    Some(K::Concat) => BinOp::Concat,
                    Some(K::Update) => BinOp::Update,
                    Some(K::Equal) => BinOp::Eq,
                    Some(K::NotEqual) => BinOp::NotEq,
                    Some(K::Less) => BinOp::Less,
                    Some(K::LessOrEq) => BinOp::LessEq,
                    Some(K::More) => BinOp::Greater,
                    Some(K::MoreOrEq) => BinOp::GreaterEq,
                    Some(K::And) => BinOp::And,
                    Some(K::Or) => BinOp::Or,
                    Some(K::Implication) => BinOp::Impl,
                    Some(K::PipeLeft | K::PipeRight) | None => {
                        return Err(
                            self.err(b, ErrorKind::Parse("unexpected pipe operator".into()))
                        );
                    }
                };
                let lhs = self.expr(&child(b.lhs(), b)?)?;
                let rhs_node = child(b.rhs(), b)?;
                let rhs_span = self.span(&rhs_node);
                let rhs = self.expr(&rhs_node)?;
                Expr::BinOp {
                    op,
                    lhs,
                    rhs,
                    span,
                    rhs_span,
                }
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.expr(&child(u.expr(), u)?)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Expr::Not(inner, span),
                    _ => Expr::Neg(inner, span),
                }
            }
            ast::Expr::CurPos(_) => {
                let pos = self.ctx.sources.resolve(span);
                Expr::Lit(Value::attrs(Attrs::from_unsorted(vec![
                    ("column".into(), Value::Int(pos.column.into())),
                    ("file".into(), Value::string(pos.file.as_ref())),
                    ("line".into(), Value::Int(pos.line.into())),
                ])))
            }
            ast::Expr::Error(_) => {
                return Err(self.err(e, ErrorKind::Parse("unexpected token".into())));
            }
        })
    }

    fn string(&mut self, s: &ast::Str, span: Span) -> EvalResult<Expr> {
        if let Some(text) = static_str(s) {
            return Ok(Expr::Lit(Value::string(text)));
        }
        let parts = s.normalized_parts();
        let mut out = Vec::new();
        for p in parts {
            match p {
                InterpolPart::Literal(t) => out.push(Part::Lit(t.into())),
                InterpolPart::Interpolation(i) => {
                    out.push(Part::Expr(self.expr(&child(i.expr(), &i)?)?, self.span(&i)))
                }
            }
        }
        Ok(Expr::Interp { parts: out, span })
    }

    fn path(&mut self, p: &ast::Path, span: Span) -> EvalResult<Expr> {
        if let ast::Path::PathSearch(s) = p {
            let text = s
                .content()
                .map(|c| c.text().to_string())
                .unwrap_or_default();
            let name = text
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            let find = self.lookup("__findFile", span)?;
            let nix_path = self.lookup("__nixPath", span)?;
            return Ok(Expr::Apply {
                func: Rc::new(find),
                args: vec![Rc::new(nix_path), Rc::new(Expr::Lit(Value::string(name)))],
                span,
            });
        }
        let mut parts = Vec::new();
        for part in p.parts() {
            match part {
                InterpolPart::Literal(c) => parts.push(Part::Lit(c.text().into())),
                InterpolPart::Interpolation(i) => {
                    parts.push(Part::Expr(self.expr(&child(i.expr(), &i)?)?, self.span(&i)))
                }
            }
        }
        let home = matches!(p, ast::Path::PathHome(_));
        let base = if home {
            let Some(h) = self.ctx.home_dir.clone() else {
                return Err(EvalError::new(ErrorKind::Other(
                    "the home directory is not known, so '~/…' paths cannot be resolved".into(),
                ))
                .at(span));
            };
            // `~/x` → `<home>/x`: the `~` becomes the home directory (so
            // that `~/${"/x"}` is `<home>/x`, as in Nix).
            if let Some(Part::Lit(first)) = parts.first_mut() {
                *first = format!("{h}{}", first.strip_prefix('~').unwrap_or(first)).into();
            }
            None
        } else if matches!(p, ast::Path::PathRel(_)) {
            Some(self.ctx.base_dir.clone())
        } else {
            None
        };
        if let [Part::Lit(text)] = parts.as_slice() {
            return Ok(Expr::Lit(Value::Path(
                resolve_path(base.as_deref(), text).into(),
            )));
        }
        Ok(Expr::PathInterp { parts, base, span })
    }

    fn attrpath(&mut self, p: &ast::Attrpath) -> EvalResult<Vec<AttrKey>> {
        p.attrs()
            .map(|a| {
                Ok(match self.key_name(&a)? {
                    KeyName::Static(s) => AttrKey::Static(s, Hint::default()),
                    KeyName::Dynamic(d) => AttrKey::Dynamic(self.dynamic_key(&d)?),
                })
            })
            .collect()
    }

    fn key_name(&self, a: &ast::Attr) -> EvalResult<KeyName> {
        Ok(match a {
            ast::Attr::Ident(i) => KeyName::Static(ident_text(i)),
            ast::Attr::Str(s) => match static_str(s) {
                Some(t) => KeyName::Static(t.into()),
                None => KeyName::Dynamic(a.clone()),
            },
            ast::Attr::Dynamic(d) => match d.expr() {
                Some(ast::Expr::Str(s)) => match static_str(&s) {
                    Some(t) => KeyName::Static(t.into()),
                    None => KeyName::Dynamic(a.clone()),
                },
                _ => KeyName::Dynamic(a.clone()),
            },
        })
    }

    fn dynamic_key(&mut self, a: &ast::Attr) -> EvalResult<Rc<Expr>> {
        match a {
            ast::Attr::Str(s) => {
                let span = self.span(s);
                Ok(Rc::new(self.string(s, span)?))
            }
            ast::Attr::Dynamic(d) => self.expr(&child(d.expr(), d)?),
            ast::Attr::Ident(i) => Ok(Rc::new(Expr::Lit(Value::string(ident_text(i).as_ref())))),
        }
    }

    /// Gathers the entries of a set or `let`, merging nested attrpaths.
    fn collect_bindings(
        &self,
        entries: impl Iterator<Item = ast::Entry>,
        rec: bool,
        allow_dynamic: bool,
    ) -> EvalResult<Bindings> {
        let mut b = Bindings {
            rec,
            ..Bindings::default()
        };
        self.collect_into(&mut b, entries, allow_dynamic)?;
        Ok(b)
    }

    /// Adds entries to bindings being built.
    fn collect_into(
        &self,
        b: &mut Bindings,
        entries: impl Iterator<Item = ast::Entry>,
        allow_dynamic: bool,
    ) -> EvalResult<()> {
        for entry in entries {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = match inh.from() {
                        Some(f) => {
                            b.inherit_from.push(child(f.expr(), &f)?);
                            Some(b.inherit_from.len() - 1)
                        }
                        None => None,
                    };
                    for attr in inh.attrs() {
                        let span = self.span(&attr);
                        match self.key_name(&attr)? {
                            KeyName::Static(name) => {
                                self.insert(b, name, Binding::Inherit(from, span), span)?
                            }
                            KeyName::Dynamic(_) => {
                                return Err(self.err(
                                    &attr,
                                    ErrorKind::Parse(
                                        "dynamic attributes not allowed in inherit".into(),
                                    ),
                                ));
                            }
                        }
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let path = child(av.attrpath(), &av)?;
                    let value = child(av.value(), &av)?;
                    let attrs: Vec<ast::Attr> = path.attrs().collect();
                    let span = self.span(&path);
                    self.insert_path(b, &attrs, value, span, allow_dynamic)?;
                }
            }
        }
        Ok(())
    }

    fn insert_path(
        &self,
        b: &mut Bindings,
        attrs: &[ast::Attr],
        value: ast::Expr,
        span: Span,
        allow_dynamic: bool,
    ) -> EvalResult<()> {
        let (first, rest) = attrs.split_first().ok_or_else(|| {
            EvalError::new(ErrorKind::Parse("empty attribute path".into())).at(span)
        })?;
        let key = self.key_name(first)?;
        if rest.is_empty() {
            let binding = Binding::Expr(value);
            return match key {
                KeyName::Static(name) => self.insert(b, name, binding, span),
                KeyName::Dynamic(d) => {
                    if !allow_dynamic {
                        return Err(EvalError::new(ErrorKind::Parse(
                            "dynamic attributes not allowed in let".into(),
                        ))
                        .at(span));
                    }
                    b.dynamics.push((d, binding, span));
                    Ok(())
                }
            };
        }
        match key {
            KeyName::Static(name) => {
                let idx = match b.index.get(&name) {
                    Some(&i) => i,
                    None => {
                        b.statics.push((name, Binding::Nested(Box::default())));
                        b.first.push(span);
                        b.index.insert(name, b.statics.len() - 1);
                        b.statics.len() - 1
                    }
                };
                // A plain attrset literal bound earlier merges with the path.
                if let Binding::Expr(ast::Expr::AttrSet(set)) = &b.statics[idx].1 {
                    let nested =
                        self.collect_bindings(set.entries(), set.rec_token().is_some(), true)?;
                    b.statics[idx].1 = Binding::Nested(Box::new(nested));
                }
                match &mut b.statics[idx].1 {
                    Binding::Nested(nested) => self.insert_path(nested, rest, value, span, true),
                    _ => Err(self.dup_attr(&name, span, b.first[idx])),
                }
            }
            KeyName::Dynamic(d) => {
                if !allow_dynamic {
                    return Err(EvalError::new(ErrorKind::Parse(
                        "dynamic attributes not allowed in let".into(),
                    ))
                    .at(span));
                }
                let mut nested = Bindings::default();
                self.insert_path(&mut nested, rest, value, span, true)?;
                b.dynamics
                    .push((d, Binding::Nested(Box::new(nested)), span));
                Ok(())
            }
        }
    }

    fn insert(
        &self,
        b: &mut Bindings,
        name: Symbol,
        binding: Binding,
        span: Span,
    ) -> EvalResult<()> {
        if let Some(&idx) = b.index.get(&name) {
            // `a = { x = 1; }; a = { y = 2; };` merges like attrpaths do.
            if let (Binding::Expr(ast::Expr::AttrSet(new)), true) = (
                &binding,
                matches!(
                    b.statics[idx].1,
                    Binding::Nested(_) | Binding::Expr(ast::Expr::AttrSet(_))
                ),
            ) {
                if let Binding::Expr(ast::Expr::AttrSet(old)) = &b.statics[idx].1 {
                    let nested =
                        self.collect_bindings(old.entries(), old.rec_token().is_some(), true)?;
                    b.statics[idx].1 = Binding::Nested(Box::new(nested));
                }
                if let Binding::Nested(nested) = &mut b.statics[idx].1 {
                    self.collect_into(nested, new.entries(), true)?;
                    return Ok(());
                }
            }
            return Err(self.dup_attr(&name, span, b.first[idx]));
        }
        b.statics.push((name, binding));
        b.first.push(span);
        b.index.insert(name, b.statics.len() - 1);
        Ok(())
    }

    /// Lowers one binding's value. `frame_slots` is set inside a rec/let
    /// frame (its number of attribute slots, after which the `inherit (e)`
    /// sources live); there `inherit x` resolves outside the frame.
    fn binding(
        &mut self,
        binding: Binding,
        name: &Symbol,
        inherit_src: &[Rc<Expr>],
        frame_slots: Option<u32>,
    ) -> EvalResult<Rc<Expr>> {
        match binding {
            Binding::Expr(e) => {
                if let ast::Expr::Lambda(l) = &e {
                    return Ok(Rc::new(Expr::Lambda(self.lambda(l, Some(*name))?)));
                }
                self.expr(&e)
            }
            Binding::Nested(b) => Ok(Rc::new(self.attrs(*b)?)),
            Binding::Inherit(None, span) => {
                if frame_slots.is_some() {
                    // Resolve in the scope outside the rec/let frame.
                    let scope = self.scopes.pop();
                    let r = self.lookup(name, span);
                    if let Some(s) = scope {
                        self.scopes.push(s);
                    }
                    Ok(Rc::new(match r? {
                        Expr::Var { depth, slot, span } => Expr::Var {
                            depth: depth + 1,
                            slot,
                            span,
                        },
                        Expr::WithVar {
                            name, withs, span, ..
                        } => Expr::WithVar {
                            name,
                            withs: withs.iter().map(|d| d + 1).collect(),
                            span,
                            hint: Hint::default(),
                        },
                        other => other,
                    }))
                } else {
                    Ok(Rc::new(self.lookup(name, span)?))
                }
            }
            Binding::Inherit(Some(i), span) => {
                let src = match frame_slots {
                    Some(base) => Rc::new(Expr::Var {
                        depth: 0,
                        slot: base + u32::try_from(i).unwrap_or(0),
                        span,
                    }),
                    None => inherit_src[i].clone(),
                };
                Ok(Rc::new(Expr::Select {
                    expr: src,
                    path: vec![AttrKey::Static(*name, Hint::default())],
                    default: None,
                    span,
                }))
            }
        }
    }

    fn attrs(&mut self, b: Bindings) -> EvalResult<Expr> {
        let Bindings {
            rec,
            statics,
            dynamics,
            inherit_from,
            first: spans,
            ..
        } = b;
        // Sorted by name here, so evaluation builds the set without sorting.
        let mut sorted: Vec<((Symbol, Binding), Span)> = statics.into_iter().zip(spans).collect();
        sorted.sort_by_key(|a| a.0.0);
        let (statics, spans): (Vec<_>, Vec<_>) = sorted.into_iter().unzip();
        if rec {
            let n = u32::try_from(statics.len()).unwrap_or(u32::MAX);
            let names: HashMap<Symbol, u32> = statics
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (*k, u32::try_from(i).unwrap_or(0)))
                .collect();
            // Like Nix, `inherit (src)` sources see the rec bindings.
            self.scopes.push(Scope::Static(names));
            let r = inherit_from
                .iter()
                .map(|e| self.expr(e))
                .collect::<EvalResult<Vec<_>>>()
                .and_then(|hidden| Ok((hidden, self.attrs_body(statics, dynamics, &[], Some(n))?)));
            self.scopes.pop();
            let (hidden, (statics, dynamics)) = r?;
            Ok(Expr::Attrs(Rc::new(AttrsDef {
                rec: true,
                statics,
                spans,
                hidden,
                dynamics,
            })))
        } else {
            let srcs = inherit_from
                .iter()
                .map(|e| self.expr(e))
                .collect::<EvalResult<Vec<_>>>()?;
            let (statics, dynamics) = self.attrs_body(statics, dynamics, &srcs, None)?;
            Ok(Expr::Attrs(Rc::new(AttrsDef {
                rec: false,
                statics,
                spans,
                hidden: Vec::new(),
                dynamics,
            })))
        }
    }

    #[expect(clippy::type_complexity)]
    fn attrs_body(
        &mut self,
        statics: Vec<(Symbol, Binding)>,
        dynamics: Vec<(ast::Attr, Binding, Span)>,
        srcs: &[Rc<Expr>],
        frame: Option<u32>,
    ) -> EvalResult<(Vec<(Symbol, Rc<Expr>)>, Vec<(Rc<Expr>, Rc<Expr>, Span)>)> {
        let mut out = Vec::with_capacity(statics.len());
        for (name, binding) in statics {
            let e = self.binding(binding, &name, srcs, frame)?;
            out.push((name, e));
        }
        let mut dyns = Vec::with_capacity(dynamics.len());
        for (key, binding, span) in dynamics {
            let k = self.dynamic_key(&key)?;
            let v = self.binding(binding, &"".into(), srcs, frame)?;
            dyns.push((k, v, span));
        }
        Ok((out, dyns))
    }

    fn let_in(&mut self, b: Bindings, body: &ast::Expr) -> EvalResult<Expr> {
        let Bindings {
            statics,
            inherit_from,
            ..
        } = b;
        let n = u32::try_from(statics.len()).unwrap_or(u32::MAX);
        let names: HashMap<Symbol, u32> = statics
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (*k, u32::try_from(i).unwrap_or(0)))
            .collect();
        self.scopes.push(Scope::Static(names));
        let r = (|| {
            let hidden = inherit_from
                .iter()
                .map(|e| self.expr(e))
                .collect::<EvalResult<Vec<_>>>()?;
            let mut bindings = Vec::with_capacity(statics.len() + hidden.len());
            for (name, binding) in statics {
                bindings.push(self.binding(binding, &name, &[], Some(n))?);
            }
            bindings.extend(hidden);
            let body = self.expr(body)?;
            Ok(Expr::Let { bindings, body })
        })();
        self.scopes.pop();
        r
    }

    fn lambda(&mut self, l: &ast::Lambda, name: Option<Symbol>) -> EvalResult<Rc<LambdaDef>> {
        let span = self.span(l);
        let param = child(l.param(), l)?;
        let mut names = HashMap::new();
        let mut arg_name = None;
        let (param, pending) = match param {
            ast::Param::IdentParam(p) => {
                let id = ident_text(&child(p.ident(), &p)?);
                names.insert(id, 0);
                arg_name = Some(id);
                (Param::Ident, Vec::new())
            }
            ast::Param::Pattern(p) => {
                let mut formals = Vec::new();
                let mut defaults = Vec::new();
                for (i, entry) in p.pat_entries().enumerate() {
                    let id = ident_text(&child(entry.ident(), &entry)?);
                    if names.insert(id, u32::try_from(i).unwrap_or(0)).is_some() {
                        return Err(self.err(
                            &entry,
                            ErrorKind::Parse(format!("duplicate formal function argument '{id}'")),
                        ));
                    }
                    formals.push((id, self.span(&entry)));
                    defaults.push(entry.default());
                }
                let at = match p.pat_bind() {
                    Some(b) => {
                        let id = ident_text(&child(b.ident(), &b)?);
                        if names.contains_key(&id) {
                            return Err(self.err(
                                &b,
                                ErrorKind::Parse(format!(
                                    "duplicate formal function argument '{id}'"
                                )),
                            ));
                        }
                        names.insert(id, u32::try_from(formals.len()).unwrap_or(0));
                        Some(id)
                    }
                    None => None,
                };
                (
                    Param::Formals {
                        formals: formals
                            .into_iter()
                            .map(|(name, span)| Formal {
                                name,
                                hint: Hint::default(),
                                span,
                                default: None,
                            })
                            .collect(),
                        ellipsis: p.ellipsis_token().is_some(),
                        at,
                    },
                    defaults,
                )
            }
        };
        let nslots = u32::try_from(names.len()).unwrap_or(u32::MAX);
        self.scopes.push(Scope::Static(names));
        let r = (|| {
            let mut param = param;
            if let Param::Formals { formals, .. } = &mut param {
                for (f, d) in formals.iter_mut().zip(pending) {
                    f.default = d.map(|d| self.expr(&d)).transpose()?;
                }
            }
            // `f = x: y: …`: the inner lambda is named `f` too (Nix's
            // `ExprLambda::setName` passes the name on to the body).
            let body = match (&name, child(l.body(), l)?) {
                (Some(n), ast::Expr::Lambda(inner)) => {
                    Rc::new(Expr::Lambda(self.lambda(&inner, Some(*n))?))
                }
                (_, body) => self.expr(&body)?,
            };
            Ok(Rc::new(LambdaDef::new(
                name, arg_name, param, nslots, body, span,
            )))
        })();
        self.scopes.pop();
        r
    }
}

/// A position inside a message, as Nix 2.8 writes it (`(string)` for
/// command-line expressions).
pub(crate) fn message_pos(pos: &crate::error::Pos) -> String {
    if pos.file.as_ref() == "«string»" {
        format!("(string):{}:{}", pos.line, pos.column)
    } else {
        pos.to_string()
    }
}

fn child<T>(c: Option<T>, parent: &impl AstNode) -> EvalResult<T> {
    c.ok_or_else(|| {
        EvalError::new(ErrorKind::Parse(format!(
            "incomplete expression '{}'",
            parent.syntax().text()
        )))
    })
}

fn ident_text(i: &ast::Ident) -> Symbol {
    i.ident_token()
        .map(|t| t.text().to_string())
        .unwrap_or_default()
        .into()
}

/// The text of a string literal without interpolations, or `None` when it
/// has any.
pub(crate) fn static_str(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    for p in s.normalized_parts() {
        match p {
            InterpolPart::Literal(t) => out.push_str(&t),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// Joins a path literal onto `base` (when relative) and normalizes it like
/// Nix's `canonPath`: no `.`/`..` components, no double or trailing slashes.
pub(crate) fn resolve_path(base: Option<&str>, text: &str) -> String {
    let full = match base {
        Some(b) if !text.starts_with('/') => format!("{b}/{text}"),
        _ => text.to_string(),
    };
    canon_path(&full)
}

/// Nix's `canonPath` on an absolute path.
pub(crate) fn canon_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(src: &str) -> EvalResult<Rc<Expr>> {
        let mut sources = SourceMap::default();
        let file = sources.add("t.nix".into(), src.into());
        let globals = HashMap::new();
        parse_and_lower(LowerCtx {
            globals: &globals,
            sources: &sources,
            file,
            base_dir: "/d".into(),
            home_dir: None,
            scope: Vec::new(),
        })
        .map_err(|e| e.resolve(&sources))
    }

    #[test]
    fn variables_resolve_to_depth_and_slot() {
        let e = lower("let a = 1; b = 2; in x: b").unwrap();
        let Expr::Let { body, .. } = &*e else {
            panic!("{e:?}")
        };
        let Expr::Lambda(def) = &**body else {
            panic!("{body:?}")
        };
        assert!(
            matches!(
                &*def.body,
                Expr::Var {
                    depth: 1,
                    slot: 1,
                    ..
                }
            ),
            "{:?}",
            def.body
        );
    }

    #[test]
    fn unbound_names_under_with_are_dynamic() {
        let e = lower("with {}; let a = 1; in z").unwrap();
        let Expr::With { body, .. } = &*e else {
            panic!("{e:?}")
        };
        let Expr::Let { body, .. } = &**body else {
            panic!("{body:?}")
        };
        assert!(
            matches!(&**body, Expr::WithVar { withs, .. } if withs[..] == [1]),
            "{body:?}"
        );
    }

    #[test]
    fn scope_errors_at_compile_time() {
        let err = lower("let a = 1; in\n  b").unwrap_err();
        assert_eq!(err.kind, ErrorKind::UndefinedVar("b".into()));
        assert_eq!(err.pos.as_ref().unwrap().to_string(), "t.nix:2:3");
        let err = lower("{ a = 1; a = 2; }").unwrap_err();
        assert_eq!(
            err.kind.to_string(),
            "attribute 'a' already defined at t.nix:1:3"
        );
        assert!(lower("let ${\"a\"} = 1; in a").is_ok());
        assert!(lower("let ${x} = 1; in 1").is_err());
    }

    #[test]
    fn trailing_slash_in_a_path() {
        let err = lower("[ ./a/b/ ]").unwrap_err();
        assert_eq!(err.kind.to_string(), "path has a trailing slash");
        assert_eq!(err.pos.as_ref().unwrap().to_string(), "t.nix:1:9");
    }

    #[test]
    fn parse_errors_have_positions() {
        let err = lower("{ a = ; }").unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Parse(_)));
        assert_eq!(err.pos.as_ref().unwrap().line, 1);
    }

    #[test]
    fn canon() {
        assert_eq!(canon_path("/a/./b//c/../d/"), "/a/b/d");
        assert_eq!(canon_path("/.."), "/");
        assert_eq!(resolve_path(Some("/x/y"), "../z"), "/x/z");
        assert_eq!(resolve_path(Some("/x/y"), "/abs"), "/abs");
    }
}
