//! The intermediate representation: the syntax tree with every variable
//! resolved to an environment slot (or to a dynamic `with` lookup).

use std::rc::Rc;

use crate::error::Span;
use crate::value::{Symbol, Value};

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
    /// A name known at compile time.
    Static(Symbol),
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
