//! The intermediate representation: the syntax tree with every variable
//! resolved to an environment slot (or to a dynamic `with` lookup).

use std::rc::Rc;

use crate::error::Span;
use crate::value::{Hint, Symbol, Value};

/// An expression of the IR.
#[derive(Debug)]
pub(crate) enum Expr {
    /// A constant (literals, resolved paths, global builtins).
    Lit(Value),
    /// A statically resolved variable: `depth` frames up, slot `slot`.
    Var { depth: u32, slot: u32, span: Span },
    /// A variable bound by none of the static scopes: looked up in the
    /// enclosing `with` frames, innermost first (their depths).
    WithVar {
        name: Symbol,
        withs: Box<[u32]>,
        span: Span,
        /// Where `name` was found last time (see [`Hint`]).
        hint: Hint,
    },
    /// `let … in body`: a new frame whose slots are thunks of `bindings`.
    Let {
        bindings: Vec<Rc<Expr>>,
        body: Rc<Expr>,
    },
    /// An attribute set literal.
    Attrs(Rc<AttrsDef>),
    /// A list literal.
    List(Vec<Rc<Expr>>),
    /// `e.a.b.c` with an optional `or` default.
    Select {
        expr: Rc<Expr>,
        path: Vec<AttrKey>,
        default: Option<Rc<Expr>>,
        span: Span,
    },
    /// A selection from a constant set (`builtins.length`) resolved while
    /// lowering. It is still delayed into a thunk, like the selection it
    /// replaces (lazy printing shows `<CODE>`, as in Nix).
    Selected(Value),
    /// `e ? a.b.c`.
    HasAttr { expr: Rc<Expr>, path: Vec<AttrKey> },
    /// A function literal.
    Lambda(Rc<LambdaDef>),
    /// A call with one or more arguments.
    Apply {
        func: Rc<Expr>,
        args: Vec<Rc<Expr>>,
        span: Span,
    },
    /// `with ns; body`: a one-slot frame holding `ns`.
    With { ns: Rc<Expr>, body: Rc<Expr> },
    /// `assert cond; body`; `text` is the condition's source.
    Assert {
        cond: Rc<Expr>,
        body: Rc<Expr>,
        text: Rc<str>,
        span: Span,
    },
    /// `if c then a else b`.
    If {
        cond: Rc<Expr>,
        then: Rc<Expr>,
        otherwise: Rc<Expr>,
        span: Span,
    },
    /// A binary operator.
    BinOp {
        op: BinOp,
        lhs: Rc<Expr>,
        rhs: Rc<Expr>,
        span: Span,
        /// Where the right operand is (errors of `+` point there, as in Nix).
        rhs_span: Span,
    },
    /// `!e`.
    Not(Rc<Expr>, Span),
    /// `-e`.
    Neg(Rc<Expr>, Span),
    /// An interpolated string.
    Interp { parts: Vec<Part>, span: Span },
    /// An interpolated path; `base` is the directory relative paths start in.
    PathInterp {
        parts: Vec<Part>,
        base: Option<Rc<str>>,
        span: Span,
    },
}

/// A piece of an interpolated string.
#[derive(Debug)]
pub(crate) enum Part {
    /// Literal text.
    Lit(Rc<str>),
    /// `${e}` and where it is.
    Expr(Rc<Expr>, Span),
}

/// One step of an attribute path.
#[derive(Debug)]
pub(crate) enum AttrKey {
    /// A name known at compile time, and where it was found last time
    /// (see [`Hint`]).
    Static(Symbol, Hint),
    /// `${e}` or `"…${e}…"`.
    Dynamic(Rc<Expr>),
}

/// An attribute set literal.
#[derive(Debug)]
pub(crate) struct AttrsDef {
    /// `rec { … }`: `statics` are evaluated in a new frame whose first
    /// `statics.len()` slots are the attributes themselves, then `hidden`
    /// slots (sources of `inherit (e)`).
    pub(crate) rec: bool,
    /// Attributes with static names, sorted by name, unique.
    pub(crate) statics: Vec<(Symbol, Rc<Expr>)>,
    /// Where each static attribute is defined (parallel to `statics`).
    pub(crate) spans: Vec<Span>,
    /// Extra slots of a rec frame (after the attributes).
    pub(crate) hidden: Vec<Rc<Expr>>,
    /// Attributes with dynamic names, in source order.
    pub(crate) dynamics: Vec<(Rc<Expr>, Rc<Expr>, Span)>,
}

/// A function literal.
#[derive(Debug)]
pub(crate) struct LambdaDef {
    /// The name it was bound to, for messages.
    pub(crate) name: Option<Symbol>,
    /// The parameter name of `x: …` lambdas.
    pub(crate) arg_name: Option<Symbol>,
    /// The parameter.
    pub(crate) param: Param,
    /// Number of slots in the call frame.
    pub(crate) nslots: u32,
    /// The body, evaluated in the call frame.
    pub(crate) body: Rc<Expr>,
    /// Where the lambda is.
    pub(crate) span: Span,
    /// An `x: …` lambda whose body forces `x` whenever it returns (see
    /// [`forces_slot0`]): a call may compute a cheap argument right away.
    pub(crate) strict: bool,
    /// Likewise for the parameter of the enclosing `x: …` lambda, one
    /// frame up (`x: y: body` forcing `x`), for curried calls.
    pub(crate) strict_outer: bool,
    /// An `x: …` lambda whose body is integer arithmetic or a comparison
    /// of variables and integer literals (`x: x * 3 + 1`, `a: b: a < b`,
    /// see [`is_arithmetic`]): a call on integers already known is
    /// computed without a frame.
    pub(crate) arithmetic: bool,
}

impl LambdaDef {
    /// A lambda, with its strictness computed from the body.
    pub(crate) fn new(
        name: Option<Symbol>,
        arg_name: Option<Symbol>,
        param: Param,
        nslots: u32,
        body: Rc<Expr>,
        span: Span,
    ) -> LambdaDef {
        let ident = matches!(param, Param::Ident);
        let arithmetic = ident && is_arithmetic(&body);
        LambdaDef {
            strict: ident && forces_slot0(&body, 0),
            strict_outer: forces_slot0(&body, 1),
            arithmetic,
            name,
            arg_name,
            param,
            nslots,
            body,
            span,
        }
    }
}

/// Whether `e` is built only of variables, integer literals, the integer
/// operators (`+ - * /` and comparisons) and `if … then … else …`: such
/// an expression has no effects, creates no closures and, on integers,
/// cannot fail other than by overflow or division by zero.
pub(crate) fn is_arithmetic(e: &Expr) -> bool {
    match e {
        Expr::Lit(Value::Int(_)) | Expr::Var { .. } => true,
        Expr::BinOp { op, lhs, rhs, .. } => {
            !matches!(
                op,
                BinOp::And | BinOp::Or | BinOp::Impl | BinOp::Concat | BinOp::Update
            ) && is_arithmetic(lhs)
                && is_arithmetic(rhs)
        }
        // `a: b: if a < b then a else b`.
        Expr::If {
            cond,
            then,
            otherwise,
            ..
        } => is_arithmetic(cond) && is_arithmetic(then) && is_arithmetic(otherwise),
        _ => false,
    }
}

/// Whether evaluating `e` to weak head normal form forces the variable in
/// slot 0 of the frame `depth` levels up on every path that returns a
/// value. For such a variable, a thunk and the value it would compute are
/// indistinguishable once the expression has returned, so the argument of
/// a call can be computed early when that cannot fail or have effects
/// (`fib (n - 1)` with `fib = n: if n < 2 …`): laziness is kept exactly,
/// `<CODE>` included, without allocating the thunk. Conservative: any
/// construct not listed forces nothing.
pub(crate) fn forces_slot0(e: &Expr, depth: u32) -> bool {
    match e {
        Expr::Var { depth: d, slot, .. } => *d == depth && *slot == 0,
        Expr::Let { body, .. } | Expr::With { body, .. } => forces_slot0(body, depth + 1),
        Expr::Select { expr, .. } | Expr::HasAttr { expr, .. } => forces_slot0(expr, depth),
        Expr::Apply { func, .. } => forces_slot0(func, depth),
        Expr::Assert { cond, body, .. } => forces_slot0(cond, depth) || forces_slot0(body, depth),
        Expr::If {
            cond,
            then,
            otherwise,
            ..
        } => {
            forces_slot0(cond, depth)
                || (forces_slot0(then, depth) && forces_slot0(otherwise, depth))
        }
        Expr::BinOp { op, lhs, rhs, .. } => match op {
            BinOp::And | BinOp::Or | BinOp::Impl => forces_slot0(lhs, depth),
            _ => forces_slot0(lhs, depth) || forces_slot0(rhs, depth),
        },
        Expr::Not(e, _) | Expr::Neg(e, _) => forces_slot0(e, depth),
        Expr::Interp { parts, .. } | Expr::PathInterp { parts, .. } => parts
            .iter()
            .any(|p| matches!(p, Part::Expr(e, _) if forces_slot0(e, depth))),
        Expr::Lit(_)
        | Expr::Selected(_)
        | Expr::WithVar { .. }
        | Expr::Attrs(_)
        | Expr::List(_)
        | Expr::Lambda(_) => false,
    }
}

/// A lambda's parameter.
#[derive(Debug)]
pub(crate) enum Param {
    /// `x: …` (slot 0).
    Ident,
    /// `{ a, b ? d, ... } @ args: …`: slot i is formal i, the `@` name (if
    /// any) is the last slot.
    Formals {
        formals: Vec<Formal>,
        ellipsis: bool,
        at: Option<Symbol>,
    },
}

/// One formal argument.
#[derive(Debug)]
pub(crate) struct Formal {
    pub(crate) name: Symbol,
    /// Where `name` was found in the last argument set (see [`Hint`]).
    pub(crate) hint: Hint,
    pub(crate) span: Span,
    pub(crate) default: Option<Rc<Expr>>,
}

/// Binary operators (the lazy ones short-circuit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Concat,
    Update,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    And,
    Or,
    Impl,
}
