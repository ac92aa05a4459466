//! The evaluator core: forcing thunks, evaluating IR expressions to weak
//! head normal form, function application, operators, equality and
//! comparison.
//!
//! Stack strategy: the evaluator is a recursive tree walker. Every entry to
//! [`Evaluator::eval`] and every thunk force counts one level of depth and
//! runs under [`stacker::maybe_grow`], so the native stack grows on the heap
//! instead of overflowing; past [`EvalOptions::max_depth`] levels evaluation
//! fails with Nix's `stack overflow` error. Tail positions (`if`, `let`,
//! `with`, `assert`, the last argument of a call) loop instead of recursing.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::Evaluator;
use crate::error::{Catchable, ErrorKind, EvalError, EvalResult, Span, other};
use crate::ir::{AttrKey, BinOp, Expr, LambdaDef, Param, Part};
use crate::lower::canon_path;
use crate::trace::{attr_frame, missing_attr, primop_error};
use crate::value::{
    Attrs, Closure, Env, Hint, NixList, NixString, PrimOpApp, Symbol, Thunk, ThunkState, Value,
};

/// Stack left before growing, and the size of each new stack segment.
const RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// What an interpreter step produced: a value, or a tail call.
enum Next<'a> {
    Done(Value),
    Tail(Rc<Expr>, Rc<Env>),
    /// A tail position in the same environment (`if`, `assert`, `or`):
    /// no reference counts to take.
    Same(&'a Rc<Expr>),
}

thread_local! {
    /// The stack address above which more than [`RED_ZONE`] bytes are left
    /// on the current stack segment (`usize::MAX` when unknown): checking
    /// it is much cheaper than asking `stacker` on every call.
    static STACK_FLOOR: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Roughly the current stack pointer: the address of a local.
#[inline(always)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&raw const marker).addr()
}

/// Runs `f` with enough native stack.
#[inline]
pub(crate) fn with_stack<T>(f: impl FnOnce() -> T) -> T {
    if stack_address() > STACK_FLOOR.get() {
        return f();
    }
    with_stack_slow(f)
}

/// Restores the floor of the enclosing stack segment.
struct FloorGuard(usize);

impl Drop for FloorGuard {
    fn drop(&mut self) {
        STACK_FLOOR.set(self.0);
    }
}

#[inline(never)]
fn with_stack_slow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
        // Now on a segment with room: remember where its red zone starts,
        // for the fast check, while running `f` on it.
        let _guard = FloorGuard(STACK_FLOOR.get());
        if let Some(left) = stacker::remaining_stack() {
            STACK_FLOOR.set(
                stack_address()
                    .saturating_sub(left)
                    .saturating_add(RED_ZONE),
            );
        }
        f()
    })
}

impl Evaluator {
    fn enter(&mut self) -> EvalResult<()> {
        self.depth += 1;
        if self.depth > self.options.max_depth {
            self.depth -= 1;
            return Err(ErrorKind::StackOverflow.into());
        }
        Ok(())
    }

    /// Evaluates `expr` in `env` to weak head normal form.
    #[inline]
    pub(crate) fn eval(&mut self, expr: &Rc<Expr>, env: &Rc<Env>) -> EvalResult<Value> {
        // Leaves that cannot recurse here (forcing a thunk counts depth
        // itself) skip the depth and stack bookkeeping.
        match &**expr {
            Expr::Lit(v) | Expr::Selected(v) if !matches!(v, Value::Thunk(_)) => {
                return Ok(v.clone());
            }
            Expr::Var { depth, slot, span } => return self.eval_var(env, *depth, *slot, *span),
            _ => {}
        }
        self.eval_deep(expr, env)
    }

    #[inline(never)]
    fn eval_deep(&mut self, expr: &Rc<Expr>, env: &Rc<Env>) -> EvalResult<Value> {
        let saved = self.depth;
        self.enter()?;
        let r = with_stack(|| self.eval_loop(expr, env));
        // Tail calls in the loop count depth too (Nix has no tail calls, so
        // `(x: x x) (x: x x)` must end in `stack overflow`, not loop).
        self.depth = saved;
        r
    }

    /// Forces a value to weak head normal form (inside builtins; outside,
    /// use [`Evaluator::force_value`]).
    #[inline]
    pub fn force(&mut self, v: &Value) -> EvalResult<Value> {
        match v {
            Value::Thunk(t) => {
                if let ThunkState::Done(v) = &*t.0.borrow() {
                    return Ok(v.clone());
                }
                self.force_thunk(t)
            }
            v => Ok(v.clone()),
        }
    }

    #[inline(never)]
    fn force_thunk(&mut self, t: &Thunk) -> EvalResult<Value> {
        if let ThunkState::Done(v) = &*t.0.borrow() {
            return Ok(v.clone());
        }
        let state = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Blackhole);
        let r = match &state {
            ThunkState::Done(_) => unreachable!("checked above"),
            ThunkState::Blackhole => return Err(ErrorKind::InfiniteRecursion.into()),
            ThunkState::Suspended(e, env) => self.eval(e, env),
            ThunkState::Apply(f, a) => {
                self.enter()?;
                let r = if Rc::strong_count(&f.0) == 1 {
                    with_stack(|| self.force_apply_unshared(f, a))
                } else {
                    let (f, a) = (Value::Thunk(f.clone()), a.clone());
                    // A delayed call has no call site (Nix: `noPos`).
                    with_stack(|| self.apply(f, a, Some(Span::NONE)))
                };
                self.depth -= 1;
                r
            }
        };
        match r {
            Ok(v) => {
                let old = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Done(v.clone()));
                // Still the black hole set above (nothing to drop, and no
                // call to the general drop for it).
                if let ThunkState::Blackhole = old {
                    std::mem::forget(old);
                } else {
                    drop(old);
                }
                Ok(v)
            }
            Err(e) => {
                *t.0.borrow_mut() = state;
                Err(e)
            }
        }
    }

    /// The value of a deferred call `f a` where nothing else refers to
    /// `f`. When `f` is itself a deferred call `g b` (`mapAttrs`' `f
    /// name`) and `g` is a curried lambda `x: y: …`, `g b a` is called at
    /// once: the closure `g b` in between could not be seen by anything
    /// else, and its call can do nothing but make it.
    #[inline(never)]
    fn force_apply_unshared(&mut self, f: &Thunk, a: &Value) -> EvalResult<Value> {
        if !self.options.show_trace {
            let inner = match &*f.0.borrow() {
                ThunkState::Apply(g, b) => Some((g.clone(), b.clone())),
                _ => None,
            };
            if let Some((g, b)) = inner {
                // Forcing `f` would force `g` first, just like this.
                let g = self.force(&Value::Thunk(g))?;
                if let Value::Lambda(c) = &g
                    && matches!(c.def.param, Param::Ident)
                    && let Expr::Lambda(inner) = &*c.def.body
                    && matches!(inner.param, Param::Ident)
                {
                    return self.apply2(&g, b, a.clone());
                }
            }
        }
        // A delayed call has no call site (Nix: `noPos`).
        self.apply(Value::Thunk(f.clone()), a.clone(), Some(Span::NONE))
    }

    /// A lazy value for `expr` in `env` (no thunk for constants, lambdas and
    /// variables of outer frames).
    pub(crate) fn delay(&self, expr: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**expr {
            Expr::Lit(v) => v.clone(),
            Expr::Var { depth, slot, .. } => env.up(*depth).get(*slot),
            Expr::Lambda(def) => Value::Lambda(Rc::new(Closure {
                def: def.clone(),
                env: env.clone(),
            })),
            _ => Value::Thunk(Thunk::new(ThunkState::Suspended(expr.clone(), env.clone()))),
        }
    }

    /// The argument of a call to a lambda that is strict in it
    /// ([`LambdaDef::strict`]): an integer operation on integers already
    /// known (`f (n - 1)`) is computed right away instead of in a thunk.
    /// It cannot fail or have effects, and the callee forces its parameter
    /// before returning, so nothing can tell the difference.
    #[inline]
    fn delay_strict_arg(&self, expr: &Rc<Expr>, env: &Rc<Env>) -> Value {
        if let Expr::BinOp { op, lhs, rhs, .. } = &**expr
            && !matches!(op, BinOp::And | BinOp::Or | BinOp::Impl)
            && let Some(a) = known_int(lhs, env)
            && let Some(b) = known_int(rhs, env)
            && let Some(v) = int_binop(*op, a, b)
        {
            return v;
        }
        self.delay(expr, env)
    }

    /// Like [`Evaluator::delay`] inside a frame being filled, whose first
    /// slots are `filled`. As Nix's `maybeThunk` does, a variable of the
    /// frame whose slot is filled already shares that value (in
    /// `let a = b; b = a; in a`, `b` is the very thunk of `a`, so the
    /// infinite recursion is met at `b` in `a = b`, where Nix reports it);
    /// a later slot may still be empty and gets a thunk.
    fn delay_in_new_frame(&self, expr: &Rc<Expr>, env: &Rc<Env>, filled: &[Value]) -> Value {
        match &**expr {
            Expr::Var { depth: 0, slot, .. } => match filled.get(*slot as usize) {
                Some(v) => v.clone(),
                None => Value::Thunk(Thunk::new(ThunkState::Suspended(expr.clone(), env.clone()))),
            },
            _ => self.delay(expr, env),
        }
    }

    /// A deferred application `f a` (`f` from [`Thunk::of`], to share it
    /// between the calls a builtin defers).
    pub(crate) fn delay_apply(f: &Thunk, a: Value) -> Thunk {
        Thunk::new(ThunkState::Apply(f.clone(), a))
    }

    /// The interpreter loop: tail positions replace `expr`/`env` instead of
    /// recursing. Every arm is a separate non-inlined function so that a
    /// level of Nix recursion only costs the native frames it really uses.
    fn eval_loop(&mut self, expr: &Rc<Expr>, env: &Rc<Env>) -> EvalResult<Value> {
        // The tail call being run, once the loop has moved off the caller's.
        let mut tail: (Rc<Expr>, Rc<Env>);
        let (mut expr, mut env) = (expr, env);
        loop {
            let next = match &**expr {
                Expr::Lit(v) => return self.force(v),
                Expr::Var { depth, slot, span } => {
                    return self.eval_var(env, *depth, *slot, *span);
                }
                Expr::WithVar {
                    name,
                    withs,
                    span,
                    hint,
                } => {
                    return self
                        .with_lookup(*name, withs, hint, env)
                        .map_err(|e| e.at(*span));
                }
                Expr::Let { bindings, body } => self.eval_let(bindings, body, env),
                Expr::Attrs(def) => return self.eval_attrs(def, env),
                Expr::List(items) => return Ok(self.eval_list(items, env)),
                Expr::Select {
                    expr: e,
                    path,
                    default,
                    span,
                } => self.eval_select(e, path, default.as_ref(), *span, env)?,
                Expr::Selected(v) => return Ok(v.clone()),
                Expr::HasAttr { expr: e, path } => return self.eval_has_attr(e, path, env),
                Expr::Lambda(def) => {
                    return Ok(Value::Lambda(Rc::new(Closure {
                        def: def.clone(),
                        env: env.clone(),
                    })));
                }
                Expr::Apply { func, args, span } => {
                    self.enter().map_err(|e| e.at(*span))?;
                    self.eval_apply(func, args, *span, env)?
                }
                Expr::With { ns, body } => {
                    let v = self.delay(ns, env);
                    Next::Tail(body.clone(), Env::one(env.clone(), v))
                }
                Expr::Assert {
                    cond,
                    body,
                    text,
                    span,
                } => self.eval_assert(cond, body, text, *span, env)?,
                Expr::If {
                    cond,
                    then,
                    otherwise,
                    span,
                } => self.eval_if(cond, then, otherwise, *span, env)?,
                Expr::BinOp {
                    op,
                    lhs,
                    rhs,
                    span,
                    rhs_span,
                } => {
                    return self
                        .binop(*op, lhs, rhs, *rhs_span, env)
                        .map_err(|e| e.at(*span));
                }
                Expr::Not(e, span) => return self.eval_not(e, *span, env),
                Expr::Neg(e, span) => return self.eval_neg(e, *span, env),
                Expr::Interp { parts, span } => {
                    return self.interpolate(parts, env).map_err(|e| e.at(*span));
                }
                Expr::PathInterp { parts, base, span } => {
                    return self
                        .path_interpolate(parts, base.as_deref(), env)
                        .map_err(|e| e.at(*span));
                }
            };
            match next {
                Next::Done(v) => return Ok(v),
                Next::Same(e) => expr = e,
                Next::Tail(e, new_env) => {
                    tail = (e, new_env);
                    (expr, env) = (&tail.0, &tail.1);
                }
            }
        }
    }

    #[inline(never)]
    fn eval_var(&mut self, env: &Rc<Env>, depth: u32, slot: u32, span: Span) -> EvalResult<Value> {
        match env.up(depth).get_evaluated(slot) {
            Ok(v) => Ok(v),
            Err(t) => self.force_thunk(&t).map_err(|e| e.at(span)),
        }
    }

    #[inline(never)]
    fn eval_let(&mut self, bindings: &[Rc<Expr>], body: &Rc<Expr>, env: &Rc<Env>) -> Next<'static> {
        let new = Env::unfilled(env.clone());
        let mut vals = Vec::with_capacity(bindings.len());
        for b in bindings {
            let v = self.delay_in_new_frame(b, &new, &vals);
            vals.push(v);
        }
        new.fill(vals);
        Next::Tail(body.clone(), new)
    }

    /// The slots of a `rec { }` frame: its attributes, then the sources of
    /// its `inherit (…)`s. An attribute that is just another attribute
    /// (`b = a;`) shares that one's value when Nix 2.8 would have filled
    /// it first, i.e. when it was defined earlier (static attributes are
    /// sorted by name here, Nix fills them in the order it first saw
    /// their names); see [`Evaluator::delay_in_new_frame`]. With
    /// `__overrides`, slots may be replaced afterwards, so none shares
    /// another's value (as in Nix).
    fn rec_values(&self, def: &crate::ir::AttrsDef, new: &Rc<Env>) -> Vec<Value> {
        let mut vals = Vec::with_capacity(def.statics.len() + def.hidden.len());
        let mut aliases = Vec::new();
        for (i, (_, e)) in def.statics.iter().enumerate() {
            if let Expr::Var { depth: 0, slot, .. } = &**e {
                aliases.push((i, *slot as usize));
            }
            vals.push(self.delay_in_new_frame(e, new, &[]));
        }
        vals.extend(
            def.hidden
                .iter()
                .map(|e| self.delay_in_new_frame(e, new, &[])),
        );
        if !aliases.is_empty() && !def.statics.iter().any(|(k, _)| k.as_ref() == "__overrides") {
            // In definition order, so that chains (`c = b; b = a;`) see the
            // final value of the attribute they share.
            aliases.sort_by_key(|&(i, _)| def.spans[i].offset);
            for (i, target) in aliases {
                if target < def.statics.len() && def.spans[target].offset < def.spans[i].offset {
                    vals[i] = vals[target].clone();
                }
            }
        }
        vals
    }

    #[inline(never)]
    fn eval_list(&mut self, items: &[Rc<Expr>], env: &Rc<Env>) -> Value {
        Value::list(items.iter().map(|i| self.delay(i, env)).collect())
    }

    #[inline(never)]
    fn eval_select<'a>(
        &mut self,
        e: &Rc<Expr>,
        path: &[AttrKey],
        default: Option<&'a Rc<Expr>>,
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Next<'a>> {
        let v = self.eval(e, env)?;
        // The common case, `e.name` found in a set: no path walk.
        if let ([AttrKey::Static(name, hint)], Value::Attrs(a)) = (path, &v)
            && let Some(x) = a.get_hinted(*name, hint)
        {
            let r = match x {
                Value::Thunk(t) => match &*t.0.borrow() {
                    ThunkState::Done(x) => Ok(x.clone()),
                    _ => Err(t.clone()),
                },
                x => Ok(x.clone()),
            };
            let r = match r {
                Ok(x) => Ok(x),
                Err(t) => self.force_thunk(&t),
            };
            return match r {
                Ok(x) => Ok(Next::Done(x)),
                Err(err) => Err(self.select_frame(err.at(span), Some((v, 0)), path, env)),
            };
        }
        let mut found = None;
        let r = match self.select(v, path, default.is_some(), env, &mut found) {
            Ok(Some(v)) => self.force(&v).map(Some),
            r => r,
        };
        match r {
            Ok(Some(v)) => Ok(Next::Done(v)),
            Ok(None) => Ok(Next::Same(
                default.expect("select without default returns a value"),
            )),
            Err(err) => Err(self.select_frame(err.at(span), found, path, env)),
        }
    }

    #[inline(never)]
    fn eval_has_attr(
        &mut self,
        e: &Rc<Expr>,
        path: &[AttrKey],
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let v = self.eval(e, env)?;
        let r = self.select(v, path, true, env, &mut None);
        Ok(Value::Bool(r?.is_some()))
    }

    #[inline(never)]
    fn eval_apply(
        &mut self,
        func: &Rc<Expr>,
        args: &[Rc<Expr>],
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Next<'static>> {
        let mut f = self.eval(func, env)?;
        let mut args = args;
        // `builtins.substring 0 3 s`, `builtins.elem x l`: a built-in
        // given all its arguments at once is called with them, without the
        // partial applications in between.
        if let Value::PrimOp(p) = &f
            && p.args.is_empty()
            && (1..=args.len()).contains(&p.op.arity)
        {
            let (op, n) = (p.op, p.op.arity);
            f = self.call_builtin(op, &args[..n], span, env)?;
            if args.len() == n {
                return Ok(Next::Done(f));
            }
            args = &args[n..];
        }
        let (last, init) = args.split_last().expect("a call has arguments");
        for (i, a) in init.iter().enumerate() {
            // `f a b` with `f = x: y: …`: both frames at once, without the
            // closure `f a` in between.
            if i + 1 == init.len()
                && let Value::Lambda(c) = &f
                && matches!(c.def.param, Param::Ident)
                && let Expr::Lambda(inner) = &*c.def.body
                && matches!(inner.param, Param::Ident)
            {
                let a = if inner.strict_outer {
                    self.delay_strict_arg(a, env)
                } else {
                    self.delay(a, env)
                };
                let b = if inner.strict {
                    self.delay_strict_arg(last, env)
                } else {
                    self.delay(last, env)
                };
                if inner.arithmetic
                    && let Some(v) = self.call_arithmetic(inner, &[&b, &a], &c.env)?
                {
                    return Ok(Next::Done(v));
                }
                let frame = Env::one(Env::one(c.env.clone(), a), b);
                if self.options.show_trace {
                    return self.eval_body_traced(inner, &frame, span).map(Next::Done);
                }
                return Ok(Next::Tail(inner.body.clone(), frame));
            }
            let a = match &f {
                Value::Lambda(c) if c.def.strict => self.delay_strict_arg(a, env),
                _ => self.delay(a, env),
            };
            f = self.apply(f, a, Some(span))?;
        }
        let a = match &f {
            Value::Lambda(c) if c.def.strict => self.delay_strict_arg(last, env),
            _ => self.delay(last, env),
        };
        match f {
            Value::Lambda(c) => {
                if c.def.arithmetic
                    && let Some(v) = self.call_arithmetic(&c.def, &[&a], &c.env)?
                {
                    return Ok(Next::Done(v));
                }
                let new = self.bind_args(&c.def, &c.env, a).map_err(|e| e.at(span))?;
                if self.options.show_trace {
                    return self.eval_body_traced(&c.def, &new, span).map(Next::Done);
                }
                Ok(Next::Tail(c.def.body.clone(), new))
            }
            f => Ok(Next::Done(self.apply(f, a, Some(span))?)),
        }
    }

    /// Calls a built-in with exactly its arguments, each delayed as one
    /// at a time through [`Evaluator::apply`] would have them (except an
    /// integer operation on known integers, `toString (i * 3)`, computed
    /// right away: it cannot fail or have effects, so only the thunk it
    /// saves could tell).
    #[inline(never)]
    fn call_builtin(
        &mut self,
        op: &'static crate::builtins::Builtin,
        args: &[Rc<Expr>],
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        self.enter()?;
        let r = with_stack(|| match args {
            [a] => (op.func)(self, &[self.delay_strict_arg(a, env)]),
            [a, b] => (op.func)(
                self,
                &[self.delay_strict_arg(a, env), self.delay_strict_arg(b, env)],
            ),
            [a, b, c] => (op.func)(
                self,
                &[
                    self.delay_strict_arg(a, env),
                    self.delay_strict_arg(b, env),
                    self.delay_strict_arg(c, env),
                ],
            ),
            _ => {
                let vals: Vec<Value> = args.iter().map(|a| self.delay_strict_arg(a, env)).collect();
                (op.func)(self, &vals)
            }
        })
        .map_err(|e| primop_error(e, Some(span)));
        self.depth -= 1;
        r
    }

    #[inline(never)]
    fn eval_assert<'a>(
        &mut self,
        cond: &'a Rc<Expr>,
        body: &'a Rc<Expr>,
        text: &str,
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Next<'a>> {
        let c = self.eval(cond, env)?;
        if !self.expect_bool(&c).map_err(|e| e.at(span))? {
            return Err(
                EvalError::new(ErrorKind::Catchable(Catchable::AssertionFailed(
                    text.to_string(),
                )))
                .at(span),
            );
        }
        Ok(Next::Same(body))
    }

    #[inline(never)]
    fn eval_if<'a>(
        &mut self,
        cond: &'a Rc<Expr>,
        then: &'a Rc<Expr>,
        otherwise: &'a Rc<Expr>,
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Next<'a>> {
        // `n < 2`, `a > b` on integers already known: no evaluation.
        let known = match &**cond {
            Expr::BinOp { op, lhs, rhs, .. }
                if matches!(
                    op,
                    BinOp::Eq
                        | BinOp::NotEq
                        | BinOp::Less
                        | BinOp::LessEq
                        | BinOp::Greater
                        | BinOp::GreaterEq
                ) =>
            {
                known_int(lhs, env).and_then(|a| int_binop(*op, a, known_int(rhs, env)?))
            }
            _ => None,
        };
        let c = match known {
            Some(v) => v,
            None => self.eval(cond, env)?,
        };
        let branch = if self.expect_bool(&c).map_err(|e| e.at(span))? {
            then
        } else {
            otherwise
        };
        Ok(Next::Same(branch))
    }

    #[inline(never)]
    fn eval_not(&mut self, e: &Rc<Expr>, span: Span, env: &Rc<Env>) -> EvalResult<Value> {
        let v = self.eval(e, env)?;
        Ok(Value::Bool(!self.expect_bool(&v).map_err(|e| e.at(span))?))
    }

    #[inline(never)]
    fn eval_neg(&mut self, e: &Rc<Expr>, span: Span, env: &Rc<Env>) -> EvalResult<Value> {
        let v = self.eval(e, env)?;
        self.arith(BinOp::Sub, Value::Int(0), v)
            .map_err(|e| e.at(span))
    }

    fn with_lookup(
        &mut self,
        name: Symbol,
        withs: &[u32],
        hint: &Hint,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        for &depth in withs {
            let ns = env.up(depth).get(0);
            let ns = self.force(&ns)?;
            let attrs = self.expect_attrs(&ns)?;
            if let Some(v) = attrs.get_hinted(name, hint) {
                return self.force(v);
            }
        }
        Err(ErrorKind::UndefinedVar(name.to_string()).into())
    }

    #[inline(never)]
    fn eval_attrs(&mut self, def: &crate::ir::AttrsDef, env: &Rc<Env>) -> EvalResult<Value> {
        // Static attributes come sorted from the lowering; only `__overrides`
        // and dynamic attributes need a sort.
        let mut overridden = false;
        let (mut entries, scope) = if def.rec {
            let new = Env::unfilled(env.clone());
            let mut vals = self.rec_values(def, &new);
            let entries = def
                .statics
                .iter()
                .zip(&vals)
                .zip(&def.spans)
                .map(|(((k, _), v), s)| (*k, v.clone(), *s))
                .collect::<Vec<_>>();
            let overrides_at = def
                .statics
                .iter()
                .position(|(k, _)| k.as_ref() == "__overrides");
            // `__overrides` replaces attributes, also as seen by the set's
            // own bindings, but frames are filled once: the frame gets a
            // forwarding thunk per attribute, redirected when overridden.
            let forwards: Vec<Thunk> = match overrides_at {
                Some(_) => vals[..def.statics.len()]
                    .iter_mut()
                    .map(|v| {
                        let fwd = Thunk::new(forward_to(v.clone()));
                        *v = Value::Thunk(fwd.clone());
                        fwd
                    })
                    .collect(),
                None => Vec::new(),
            };
            new.fill(vals);
            let mut entries = entries;
            if let Some(i) = overrides_at {
                let o = entries[i].1.clone();
                let overrides = self.expect_attrs(&o)?;
                for (k, v) in overrides.iter() {
                    match def.statics.iter().position(|(n, _)| n == k) {
                        Some(j) => {
                            *forwards[j].0.borrow_mut() = forward_to(v.clone());
                            entries[j].1 = v.clone();
                        }
                        None => {
                            overridden = true;
                            entries.push((*k, v.clone(), Span::NONE));
                        }
                    }
                }
            }
            (entries, new)
        } else {
            (
                def.statics
                    .iter()
                    .zip(&def.spans)
                    .map(|((k, e), s)| (*k, self.delay(e, env), *s))
                    .collect(),
                env.clone(),
            )
        };
        if def.dynamics.is_empty() {
            return Ok(Value::attrs(if overridden {
                Attrs::from_unsorted_pos(entries)
            } else {
                Attrs::from_sorted_pos(entries)
            }));
        }
        for (k, v, span) in &def.dynamics {
            let key = self.eval(k, &scope)?;
            let key = match key {
                Value::Null => continue,
                Value::String(s) => Symbol::from(s.as_str()),
                other => return Err(type_error(&other, "a string").at(*span)),
            };
            if entries.iter().any(|(n, _, _)| *n == key) {
                return Err(other(format!("dynamic attribute '{key}' already defined")).at(*span));
            }
            entries.push((key, self.delay(v, &scope), *span));
        }
        Ok(Value::attrs(Attrs::from_unsorted_pos(entries)))
    }

    /// Walks an attribute path. With `lenient`, a missing attribute or a
    /// non-set gives `None` (for `or` and `?`); otherwise an error. `found`
    /// receives the set of the last attribute found and that attribute's
    /// index in `path` (the position of an error's trace frame; moving the
    /// set there costs nothing, it would be dropped otherwise).
    fn select(
        &mut self,
        mut v: Value,
        path: &[AttrKey],
        lenient: bool,
        env: &Rc<Env>,
        found: &mut Option<(Value, usize)>,
    ) -> EvalResult<Option<Value>> {
        for (i, key) in path.iter().enumerate() {
            let dynamic;
            let (name, hint): (&str, _) = match key {
                AttrKey::Static(s, hint) => (s, Some((*s, hint))),
                AttrKey::Dynamic(e) => {
                    let k = self.eval(e, env)?;
                    dynamic = self.expect_string(&k)?;
                    (dynamic.as_str(), None)
                }
            };
            let v2 = self.force(&v)?;
            let attrs = match &v2 {
                Value::Attrs(a) => a,
                _ if lenient => return Ok(None),
                other => return Err(type_error(other, "a set")),
            };
            let x = match hint {
                Some((s, hint)) => attrs.get_hinted(s, hint),
                None => attrs.get(name),
            };
            match x {
                Some(x) => v = x.clone(),
                None if lenient => return Ok(None),
                None => return Err(missing_attr(name, attrs)),
            }
            *found = Some((v2, i));
        }
        Ok(Some(v))
    }

    /// Calls a function value with one argument.
    pub(crate) fn apply(&mut self, f: Value, arg: Value, span: Option<Span>) -> EvalResult<Value> {
        let at = |e: EvalError| match span {
            Some(s) => e.at(s),
            None => e,
        };
        // A value already in normal form is used as it is, not copied.
        let f = if let Value::Thunk(_) = &f {
            self.force(&f)?
        } else {
            f
        };
        match f {
            Value::Lambda(c) => {
                if c.def.arithmetic
                    && let Some(v) = self.call_arithmetic(&c.def, &[&arg], &c.env)?
                {
                    return Ok(v);
                }
                let env = self.bind_args(&c.def, &c.env, arg).map_err(at)?;
                match self.eval(&c.def.body, &env) {
                    Err(e) if self.options.show_trace => Err(self.call_frames(e, &c.def, span)),
                    r => r,
                }
            }
            Value::PrimOp(p) if p.args.len() + 1 == p.op.arity && p.op.arity <= 3 => {
                // The saturating call: its arguments on the stack.
                self.enter()?;
                let func = p.op.func;
                let r = with_stack(|| match &p.args[..] {
                    [] => func(self, std::slice::from_ref(&arg)),
                    [a] => func(self, &[a.clone(), arg]),
                    [a, b, ..] => func(self, &[a.clone(), b.clone(), arg]),
                })
                .map_err(|e| primop_error(e, span));
                self.depth -= 1;
                r
            }
            Value::PrimOp(p) => {
                let mut args = Vec::with_capacity(p.args.len() + 1);
                args.extend(p.args.iter().cloned());
                args.push(arg);
                if args.len() == p.op.arity {
                    self.enter()?;
                    let r =
                        with_stack(|| (p.op.func)(self, &args)).map_err(|e| primop_error(e, span));
                    self.depth -= 1;
                    r
                } else {
                    Ok(Value::PrimOp(Rc::new(PrimOpApp { op: p.op, args })))
                }
            }
            Value::Attrs(a) if a.get("__functor").is_some() => {
                let functor = a.get("__functor").cloned().unwrap_or(Value::Null);
                let g = self.apply(functor, Value::Attrs(a), span)?;
                self.apply(g, arg, span)
            }
            other => Err(at(EvalError::new(ErrorKind::Other(format!(
                "attempt to call something which is not a function but {}",
                other.show_type()
            ))))),
        }
    }

    /// Calls a function value with two arguments (`f a b`). A curried
    /// lambda `x: y: body` gets both frames directly, without making the
    /// closure `f a` in between.
    pub(crate) fn apply2(&mut self, f: &Value, a: Value, b: Value) -> EvalResult<Value> {
        if let Value::Lambda(c) = f
            && matches!(c.def.param, Param::Ident)
            && let Expr::Lambda(inner) = &*c.def.body
            && matches!(inner.param, Param::Ident)
        {
            if inner.arithmetic
                && let Some(v) = self.call_arithmetic(inner, &[&b, &a], &c.env)?
            {
                return Ok(v);
            }
            let env = Env::one(Env::one(c.env.clone(), a), b);
            return match self.eval(&inner.body, &env) {
                Err(e) if self.options.show_trace => Err(self.call_frames(e, inner, None)),
                r => r,
            };
        }
        let g = self.apply(f.clone(), a, None)?;
        self.apply(g, b, None)
    }

    /// The value of a call of an arithmetic lambda (see [`arithmetic`])
    /// without making its frames, when it can be computed directly. When
    /// the argument the body forces next is not evaluated yet, it is
    /// forced here (exactly what the body would do next, with the error
    /// position the variable would give) and the walk resumed: `map (x:
    /// x + 1)` over unevaluated elements needs no frames either. With
    /// `--show-trace` the ordinary path keeps its call frames.
    #[inline]
    fn call_arithmetic(
        &mut self,
        def: &LambdaDef,
        args: &[&Value],
        env: &Rc<Env>,
    ) -> EvalResult<Option<Value>> {
        let r = walk_arithmetic(&def.body, args, env, &mut |t, span| {
            self.force_operand(t, span)
        })?;
        Ok(r.value())
    }

    /// Forces an argument of an arithmetic lambda (see [`call_arithmetic`])
    /// as the variable reading it would; [`Arith::Stop`] with
    /// `--show-trace`, where the ordinary path keeps its call frames.
    ///
    /// [`call_arithmetic`]: Evaluator::call_arithmetic
    #[inline(never)]
    fn force_operand(&mut self, t: &Thunk, span: Span) -> EvalResult<Arith> {
        if self.options.show_trace {
            return Ok(Arith::Stop);
        }
        Ok(match self.force_thunk(t).map_err(|e| e.at(span))? {
            Value::Int(i) => Arith::Int(i),
            _ => Arith::Stop,
        })
    }

    fn bind_args(&mut self, def: &LambdaDef, env: &Rc<Env>, arg: Value) -> EvalResult<Rc<Env>> {
        match &def.param {
            Param::Ident => Ok(Env::one(env.clone(), arg)),
            Param::Formals {
                formals,
                ellipsis,
                at,
            } => {
                let v = self.force(&arg)?;
                let attrs = self.expect_attrs(&v)?;
                let new = Env::unfilled(env.clone());
                let mut vals = Vec::with_capacity(def.nslots as usize);
                let mut used = 0;
                for f in formals {
                    match attrs.get_hinted(f.name, &f.hint) {
                        Some(v) => {
                            used += 1;
                            vals.push(v.clone());
                        }
                        None => match &f.default {
                            // Defaults never share each other's values: the
                            // order in which Nix 2.8 fills them follows its
                            // symbol addresses, which nothing here can know.
                            Some(d) => vals.push(self.delay_in_new_frame(d, &new, &[])),
                            None => {
                                return Err(other(format!(
                                    "{} called without required argument '{}'",
                                    self.describe_lambda(def),
                                    f.name
                                )));
                            }
                        },
                    }
                }
                if !ellipsis && used < attrs.len() {
                    for (k, _) in attrs.iter() {
                        if !formals.iter().any(|f| f.name == *k) {
                            return Err(other(format!(
                                "{} called with unexpected argument '{k}'",
                                self.describe_lambda(def)
                            ))
                            .suggest(k, formals.iter().map(|f| f.name.as_ref())));
                        }
                    }
                }
                if at.is_some() {
                    vals.push(v.clone());
                }
                new.fill(vals);
                Ok(new)
            }
        }
    }

    /// How Nix 2.8 names a lambda in messages.
    fn describe_lambda(&self, def: &LambdaDef) -> String {
        let pos = crate::lower::message_pos(&self.sources.resolve(def.span));
        match &def.name {
            Some(n) => format!("'{n}' at {pos}"),
            None => format!("anonymous function at {pos}"),
        }
    }

    #[inline(never)]
    fn binop(
        &mut self,
        op: BinOp,
        lhs: &Rc<Expr>,
        rhs: &Rc<Expr>,
        rhs_span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        match op {
            BinOp::And | BinOp::Or | BinOp::Impl => {
                let l = self.eval(lhs, env)?;
                let l = self.expect_bool(&l)?;
                let short = match op {
                    BinOp::And => (!l).then_some(false),
                    BinOp::Or => l.then_some(true),
                    _ => (!l).then_some(true),
                };
                if let Some(b) = short {
                    return Ok(Value::Bool(b));
                }
                let r = self.eval(rhs, env)?;
                Ok(Value::Bool(self.expect_bool(&r)?))
            }
            _ => {
                let mut l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                if let (Value::Int(a), Value::Int(b)) = (&l, &r)
                    && let Some(v) = int_binop(op, *a, *b)
                {
                    return Ok(v);
                }
                // `t == "override"`, `s < "b"`: strings compare by their
                // text (bytewise), here without the general comparison's
                // bookkeeping.
                if let (Value::String(a), Value::String(b)) = (&l, &r) {
                    let (a, b) = (a.as_str(), b.as_str());
                    match op {
                        BinOp::Eq => return Ok(Value::Bool(a == b)),
                        BinOp::NotEq => return Ok(Value::Bool(a != b)),
                        BinOp::Less => return Ok(Value::Bool(a < b)),
                        BinOp::Greater => return Ok(Value::Bool(a > b)),
                        BinOp::LessEq => return Ok(Value::Bool(a <= b)),
                        BinOp::GreaterEq => return Ok(Value::Bool(a >= b)),
                        _ => {}
                    }
                }
                if op == BinOp::Add
                    && !matches!(
                        l,
                        Value::Int(_) | Value::Float(_) | Value::Path(_) | Value::String(_)
                    )
                {
                    // String concatenation: the left operand's coercion
                    // errors point at the left operand.
                    l = Value::String(self.coerce_to_string_rc(&l, false, true)?);
                }
                let result = self.binop_values(op, l, r);
                if op == BinOp::Add {
                    return result.map_err(|e| e.at(rhs_span));
                }
                result
            }
        }
    }

    /// Applies a strict binary operator to two values.
    #[inline(never)]
    pub(crate) fn binop_values(&mut self, op: BinOp, l: Value, r: Value) -> EvalResult<Value> {
        Ok(match op {
            BinOp::Eq => Value::Bool(self.equal(&l, &r, true)?),
            BinOp::NotEq => Value::Bool(!self.equal(&l, &r, true)?),
            BinOp::Less => Value::Bool(self.compare(&l, &r)? == Ordering::Less),
            BinOp::Greater => Value::Bool(self.compare(&r, &l)? == Ordering::Less),
            BinOp::LessEq => Value::Bool(self.compare(&r, &l)? != Ordering::Less),
            BinOp::GreaterEq => Value::Bool(self.compare(&l, &r)? != Ordering::Less),
            BinOp::Concat => {
                let a = self.expect_list(&l)?;
                let b = self.expect_list(&r)?;
                let mut out = Vec::with_capacity(a.len() + b.len());
                out.extend(a.iter().cloned());
                out.extend(b.iter().cloned());
                Value::list(out)
            }
            BinOp::Update => {
                let a = self.expect_attrs(&l)?;
                let b = self.expect_attrs(&r)?;
                if b.is_empty() {
                    l
                } else if a.is_empty() {
                    r
                } else {
                    Value::attrs(a.update(&b))
                }
            }
            BinOp::Add => match (&l, &r) {
                (Value::Path(p), _) => {
                    let s = self.coerce_to_string(&r, false, false)?;
                    if s.has_context() {
                        return Err(other(
                            "a string that refers to a store path cannot be appended to a path",
                        ));
                    }
                    Value::Path(canon_path(&format!("{p}{}", s.as_str())).into())
                }
                (Value::String(_), _) => {
                    let b = match &r {
                        Value::String(b) => b.clone(),
                        _ => self.coerce_to_string_rc(&r, false, true)?,
                    };
                    let Value::String(mut a) = l else {
                        unreachable!("matched a string")
                    };
                    // `a + b + c`: the intermediate `a + b` is ours alone
                    // and grows in place.
                    if let Some(s) = Rc::get_mut(&mut a) {
                        s.push_nix(&b);
                        return Ok(Value::String(a));
                    }
                    let mut s = NixString::with_capacity(a.as_str().len() + b.as_str().len());
                    s.push_nix(&a);
                    s.push_nix(&b);
                    Value::nix_string(s)
                }
                (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                    self.arith(op, l, r)?
                }
                (Value::Int(_) | Value::Float(_), _) => {
                    return Err(other(format!(
                        "cannot add {} to {}",
                        r.show_type(),
                        l.show_type()
                    )));
                }
                _ => {
                    // Anything else concatenates as strings (sets with
                    // `outPath` or `__toString`; others fail to coerce).
                    let mut s = self.coerce_to_string(&l, false, true)?;
                    let b = self.coerce_to_string(&r, false, true)?;
                    s.push_nix(&b);
                    Value::nix_string(s)
                }
            },
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, l, r)?,
            BinOp::And | BinOp::Or | BinOp::Impl => {
                unreachable!("lazy operators are handled in binop")
            }
        })
    }

    /// Integer and float arithmetic. Integer overflow is an error (Nix 2.8
    /// wraps silently; newer Nix reports it, as cairn does).
    pub(crate) fn arith(&mut self, op: BinOp, l: Value, r: Value) -> EvalResult<Value> {
        let (l, r) = (self.force(&l)?, self.force(&r)?);
        match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => {
                let (a, b) = (*a, *b);
                let (res, verb) = match op {
                    BinOp::Add => (a.checked_add(b), "adding"),
                    BinOp::Sub => (a.checked_sub(b), "subtracting"),
                    BinOp::Mul => (a.checked_mul(b), "multiplying"),
                    _ => {
                        if b == 0 {
                            return Err(other("division by zero"));
                        }
                        match a.checked_div(b) {
                            Some(v) => return Ok(Value::Int(v)),
                            None => return Err(other("overflow in integer division")),
                        }
                    }
                };
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    _ => "*",
                };
                res.map(Value::Int)
                    .ok_or_else(|| other(format!("integer overflow in {verb} {a} {sym} {b}")))
            }
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let a = as_float(&l);
                let b = as_float(&r);
                Ok(Value::Float(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    _ => {
                        if b == 0.0 {
                            return Err(other("division by zero"));
                        }
                        a / b
                    }
                }))
            }
            (Value::Int(_) | Value::Float(_), other) | (other, _) => {
                Err(type_error(other, "an integer"))
            }
        }
    }

    fn interpolate(&mut self, parts: &[Part], env: &Rc<Env>) -> EvalResult<Value> {
        // `"${s}"` is `s` itself when `s` is a string: the same text and
        // context, so no copy.
        if let [Part::Expr(e, span)] = parts {
            return match self.eval(e, env)? {
                v @ Value::String(_) => Ok(v),
                v => Ok(Value::String(
                    self.coerce_to_string_rc(&v, false, true)
                        .map_err(|e| e.at(*span))?,
                )),
            };
        }
        // Room for the literal text and a short value in each hole (most
        // holes are names and numbers): one allocation for most strings.
        let room = parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.len(),
                Part::Expr(..) => 16,
            })
            .sum();
        let mut out = NixString::with_capacity(room);
        for p in parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e, span) => {
                    if let Some(i) = int_to_string_call(e, env) {
                        out.push_int(i);
                        continue;
                    }
                    let v = self.eval(e, env)?;
                    if let Value::String(s) = &v {
                        // No copy of the string before appending it.
                        out.push_nix(s);
                        continue;
                    }
                    let s = self
                        .coerce_to_string_rc(&v, false, true)
                        .map_err(|e| e.at(*span))?;
                    out.push_nix(&s);
                }
            }
        }
        Ok(Value::nix_string(out))
    }

    fn path_interpolate(
        &mut self,
        parts: &[Part],
        base: Option<&str>,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e, span) => {
                    let v = self.eval(e, env)?;
                    let s = self
                        .coerce_to_string(&v, false, false)
                        .map_err(|e| e.at(*span))?;
                    out.push_str(s.as_str());
                }
            }
        }
        Ok(Value::Path(crate::lower::resolve_path(base, &out).into()))
    }

    /// Nix's `coerceToString`: `more` also accepts numbers, Booleans, null
    /// and lists (as `toString` does); `copy` copies paths to the store.
    pub fn coerce_to_string(&mut self, v: &Value, more: bool, copy: bool) -> EvalResult<NixString> {
        self.coerce_to_string_rc(v, more, copy)
            .map(Rc::unwrap_or_clone)
    }

    /// [`Evaluator::coerce_to_string`] sharing the string: a string value
    /// comes back as itself (no copy of its text), which is what readers
    /// such as `stringLength` or `substring` want.
    #[inline]
    pub(crate) fn coerce_to_string_rc(
        &mut self,
        v: &Value,
        more: bool,
        copy: bool,
    ) -> EvalResult<Rc<NixString>> {
        match v {
            Value::String(s) => return Ok(s.clone()),
            Value::Thunk(t) => {
                if let ThunkState::Done(Value::String(s)) = &*t.0.borrow() {
                    return Ok(s.clone());
                }
            }
            _ => {}
        }
        self.enter()?;
        let r = with_stack(|| self.coerce_to_string_inner(v, more, copy));
        self.depth -= 1;
        r
    }

    fn coerce_to_string_inner(
        &mut self,
        v: &Value,
        more: bool,
        copy: bool,
    ) -> EvalResult<Rc<NixString>> {
        let v = self.force(v)?;
        Ok(Rc::new(match &v {
            Value::String(s) => return Ok(s.clone()),
            Value::Path(p) => {
                if copy {
                    if !self.io.path_exists(p).unwrap_or(false) {
                        return Err(other(format!(
                            "getting status of '{p}': No such file or directory"
                        )));
                    }
                    let store_path = self.io.copy_path_to_store(p)?;
                    let ctx = [Rc::from(store_path.as_str())].into_iter().collect();
                    NixString::with_context(store_path, ctx)
                } else {
                    NixString::new(p.as_ref())
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString") {
                    let f = f.clone();
                    let r = self.apply(f, v.clone(), None)?;
                    return self.coerce_to_string_rc(&r, more, copy);
                }
                if let Some(o) = a.get("outPath") {
                    let o = o.clone();
                    return self.coerce_to_string_rc(&o, more, copy);
                }
                return Err(other("cannot coerce a set to a string"));
            }
            Value::Int(i) if more => NixString::new(int_text(*i)),
            Value::Float(f) if more => NixString::new(format!("{f:.6}")),
            Value::Bool(b) if more => NixString::new(if *b { "1" } else { "" }),
            Value::Null if more => NixString::new(""),
            Value::List(l) if more => {
                let mut out = NixString::default();
                for (i, item) in l.iter().enumerate() {
                    let s = self.coerce_to_string_rc(item, more, copy)?;
                    out.push_nix(&s);
                    if i + 1 < l.len() {
                        let item = self.force(item)?;
                        if !matches!(&item, Value::List(x) if x.is_empty()) {
                            out.push_str(" ");
                        }
                    }
                }
                out
            }
            other => {
                return Err(EvalError::new(ErrorKind::Other(format!(
                    "cannot coerce {} to a string",
                    other.show_type()
                ))));
            }
        }))
    }

    /// Nix's `==`. `top` is false inside lists and sets, where two
    /// references to the same function compare equal (as in Nix).
    pub(crate) fn equal(&mut self, a: &Value, b: &Value, top: bool) -> EvalResult<bool> {
        self.enter()?;
        let r = with_stack(|| self.equal_inner(a, b, top));
        self.depth -= 1;
        r
    }

    fn equal_inner(&mut self, a: &Value, b: &Value, top: bool) -> EvalResult<bool> {
        if !top && same_ref(a, b) {
            return Ok(true);
        }
        let a = self.force(a)?;
        let b = self.force(b)?;
        if let Some(r) = equal_scalars(&a, &b) {
            return Ok(r);
        }
        Ok(match (&a, &b) {
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q, false)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if self.is_derivation(x)?
                    && self.is_derivation(y)?
                    && let (Some(p), Some(q)) = (x.get("outPath"), y.get("outPath"))
                {
                    return self.equal(p, q, false);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for ((k1, v1), (k2, v2)) in x.iter().zip(y.iter()) {
                    if k1 != k2 || !self.equal(v1, v2, false)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// Whether a set has `type = "derivation"`.
    pub(crate) fn is_derivation(&mut self, a: &Attrs) -> EvalResult<bool> {
        match a.get("type") {
            Some(t) => {
                let t = self.force(t)?;
                Ok(matches!(&t, Value::String(s) if s.as_str() == "derivation"))
            }
            None => Ok(false),
        }
    }

    /// Nix's ordering for `<` and `sort`: numbers, strings, paths, lists.
    pub(crate) fn compare(&mut self, a: &Value, b: &Value) -> EvalResult<Ordering> {
        self.enter()?;
        let r = with_stack(|| self.compare_inner(a, b));
        self.depth -= 1;
        r
    }

    fn compare_inner(&mut self, a: &Value, b: &Value) -> EvalResult<Ordering> {
        let a = self.force(a)?;
        let b = self.force(b)?;
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => Ok(as_float(&a)
                .partial_cmp(&as_float(&b))
                .unwrap_or(Ordering::Equal)),
            (Value::String(x), Value::String(y)) => Ok(x.as_str().cmp(y.as_str())),
            (Value::Path(x), Value::Path(y)) => Ok(x.cmp(y)),
            (Value::List(x), Value::List(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q, false)? {
                        return self.compare(p, q);
                    }
                }
                Ok(x.len().cmp(&y.len()))
            }
            // Nix 2.8 reports this without a position.
            _ => Err(other(format!(
                "cannot compare {} with {}",
                a.show_type(),
                b.show_type()
            ))
            .unpositioned()),
        }
    }

    /// Forces a value and everything inside it.
    pub(crate) fn force_deep(&mut self, v: &Value) -> EvalResult<Value> {
        let mut seen = std::collections::HashSet::new();
        self.force_deep_inner(v, &mut seen)
    }

    fn force_deep_inner(
        &mut self,
        v: &Value,
        seen: &mut std::collections::HashSet<usize>,
    ) -> EvalResult<Value> {
        let v = self.force(v)?;
        self.enter()?;
        let r = with_stack(|| -> EvalResult<()> {
            match &v {
                Value::Attrs(a) if seen.insert(Rc::as_ptr(a) as usize) => {
                    for (name, x) in a.iter() {
                        if let Err(e) = self.force_deep_inner(x, seen) {
                            return Err(attr_frame(e, a, name));
                        }
                    }
                }
                Value::List(l) if seen.insert(Rc::as_ptr(l) as usize) => {
                    for x in l.iter() {
                        self.force_deep_inner(x, seen)?;
                    }
                }
                _ => {}
            }
            Ok(())
        });
        self.depth -= 1;
        r?;
        Ok(v)
    }

    // Typed accessors: force and check, with Nix's error text.

    /// Forces to a Boolean.
    #[inline]
    pub fn expect_bool(&mut self, v: &Value) -> EvalResult<bool> {
        if let Value::Bool(b) = v {
            return Ok(*b);
        }
        self.expect_bool_slow(v)
    }

    #[inline(never)]
    fn expect_bool_slow(&mut self, v: &Value) -> EvalResult<bool> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            other => Err(type_error(&other, "a Boolean")),
        }
    }

    /// Forces to an attribute set.
    pub fn expect_attrs(&mut self, v: &Value) -> EvalResult<Rc<Attrs>> {
        match self.force(v)? {
            Value::Attrs(a) => Ok(a),
            other => Err(type_error(&other, "a set")),
        }
    }

    /// Forces to a list.
    pub fn expect_list(&mut self, v: &Value) -> EvalResult<Rc<NixList>> {
        match self.force(v)? {
            Value::List(l) => Ok(l),
            other => Err(type_error(&other, "a list")),
        }
    }

    /// Forces to an integer.
    pub fn expect_int(&mut self, v: &Value) -> EvalResult<i64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            other => Err(type_error(&other, "an integer")),
        }
    }

    /// Forces to a string (no coercion).
    pub fn expect_string(&mut self, v: &Value) -> EvalResult<Rc<NixString>> {
        match self.force(v)? {
            Value::String(s) => Ok(s),
            other => Err(type_error(&other, "a string")),
        }
    }
}

/// The decimal text of an integer (what `toString` gives).
pub(crate) fn int_text(i: i64) -> String {
    let mut out = String::with_capacity(20);
    crate::value::push_int(&mut out, i);
    out
}

/// `toString n` (as `builtins.toString n` too) with `n` an integer
/// already known: `n`. The interpolation `"${toString n}"` then writes
/// its digits directly, without the call and the string it would make.
#[inline]
fn int_to_string_call(e: &Expr, env: &Rc<Env>) -> Option<i64> {
    let Expr::Apply { func, args, .. } = e else {
        return None;
    };
    let (Expr::Lit(Value::PrimOp(p)) | Expr::Selected(Value::PrimOp(p))) = &**func else {
        return None;
    };
    let [arg] = &args[..] else {
        return None;
    };
    if !p.args.is_empty() || p.op.name != "toString" {
        return None;
    }
    known_int(arg, env)
}

/// The value itself for a thunk already evaluated (a copy otherwise):
/// the same value, one indirection less for a builtin that only looks at
/// it (the identity of the thunk is lost, which `==` on functions inside
/// lists can see, so results keep the original).
#[inline]
pub(crate) fn settled(v: &Value) -> Value {
    if let Value::Thunk(t) = v
        && let ThunkState::Done(x) = &*t.0.borrow()
    {
        return x.clone();
    }
    v.clone()
}

/// An operand whose integer value is already known: an integer literal,
/// or a variable holding an integer (or a thunk evaluated to one).
#[inline]
fn known_int(e: &Expr, env: &Rc<Env>) -> Option<i64> {
    match e {
        Expr::Lit(Value::Int(i)) => Some(*i),
        Expr::Var { depth, slot, .. } => env.up(*depth).peek_int(*slot),
        Expr::BinOp { op, lhs, rhs, .. } => known_int_op(*op, lhs, rhs, env),
        _ => None,
    }
}

#[inline(never)]
fn known_int_op(op: BinOp, lhs: &Expr, rhs: &Expr, env: &Rc<Env>) -> Option<i64> {
    let (a, b) = (known_int(lhs, env)?, known_int(rhs, env)?);
    match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        _ => None,
    }
}

/// The value of the body of an arithmetic lambda ([`LambdaDef::arithmetic`])
/// called with `args` (innermost first: the frames the call would make)
/// in the closure environment `env`, when every variable it reads holds
/// an integer already and no operation overflows or divides by zero.
/// `None` means "make the frames and evaluate": nothing was forced, so
/// that path sees (and reports) everything as if this one never ran.
pub(crate) fn arithmetic(e: &Expr, args: &[&Value], env: &Rc<Env>) -> Option<Value> {
    walk_arithmetic(e, args, env, &mut |_, _| Ok(Arith::Stop))
        .ok()
        .and_then(Arith::value)
}

/// The value of an arithmetic body, as far as [`walk_arithmetic`] knows it.
enum Arith {
    /// An integer.
    Int(i64),
    /// The result of a comparison of integers (the body's value only at
    /// its top: integer operators fail on it).
    Bool(bool),
    /// Unknown without the ordinary path (an operand that is no integer,
    /// an operation that would fail, a variable of the closure not
    /// evaluated yet), which then sees and reports everything.
    Stop,
}

impl Arith {
    /// The value computed, if any.
    fn value(self) -> Option<Value> {
        match self {
            Arith::Int(i) => Some(Value::Int(i)),
            Arith::Bool(b) => Some(Value::Bool(b)),
            Arith::Stop => None,
        }
    }
}

/// Computes an arithmetic body (see [`arithmetic`]) as evaluating it
/// would: operands left to right, each operation once both are known.
/// An argument of the call not evaluated yet goes to `force` (which may
/// give [`Arith::Stop`] instead of forcing): it is met after nothing
/// observable (the operands before are integers, the operations on them
/// succeed), so forcing it there is exactly what the body would do next.
fn walk_arithmetic(
    e: &Expr,
    args: &[&Value],
    env: &Rc<Env>,
    force: &mut impl FnMut(&Thunk, Span) -> EvalResult<Arith>,
) -> EvalResult<Arith> {
    let Expr::BinOp { op, lhs, rhs, .. } = e else {
        if let Expr::If {
            cond,
            then,
            otherwise,
            ..
        } = e
        {
            // The condition first, then the branch it picks (a condition
            // that is no Boolean is the ordinary path's error to report).
            return match walk_arithmetic(cond, args, env, force)? {
                Arith::Bool(true) => walk_arithmetic(then, args, env, force),
                Arith::Bool(false) => walk_arithmetic(otherwise, args, env, force),
                _ => Ok(Arith::Stop),
            };
        }
        return walk_operand(e, args, env, force);
    };
    // Leaves are read here, without a call each.
    let a = match leaf(lhs, args, env) {
        Some(a) => a,
        None => match walk_operand(lhs, args, env, force)? {
            Arith::Int(a) => a,
            _ => return Ok(Arith::Stop),
        },
    };
    let b = match leaf(rhs, args, env) {
        Some(b) => b,
        None => match walk_operand(rhs, args, env, force)? {
            Arith::Int(b) => b,
            _ => return Ok(Arith::Stop),
        },
    };
    let r = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div if b != 0 => a.checked_div(b),
        BinOp::Eq => return Ok(Arith::Bool(a == b)),
        BinOp::NotEq => return Ok(Arith::Bool(a != b)),
        BinOp::Less => return Ok(Arith::Bool(a < b)),
        BinOp::LessEq => return Ok(Arith::Bool(a <= b)),
        BinOp::Greater => return Ok(Arith::Bool(a > b)),
        BinOp::GreaterEq => return Ok(Arith::Bool(a >= b)),
        _ => None,
    };
    Ok(r.map_or(Arith::Stop, Arith::Int))
}

/// [`walk_arithmetic`] for an operand that is not an integer already
/// known: a nested operation, or an argument to force.
#[inline(never)]
fn walk_operand(
    e: &Expr,
    args: &[&Value],
    env: &Rc<Env>,
    force: &mut impl FnMut(&Thunk, Span) -> EvalResult<Arith>,
) -> EvalResult<Arith> {
    match e {
        Expr::BinOp { .. } => walk_arithmetic(e, args, env, force),
        Expr::Var { depth, span, .. } => match args.get(*depth as usize) {
            Some(Value::Thunk(t)) => {
                match &*t.0.borrow() {
                    ThunkState::Done(Value::Int(i)) => return Ok(Arith::Int(*i)),
                    ThunkState::Done(_) => return Ok(Arith::Stop),
                    _ => {}
                }
                // Not borrowed any more: forcing it takes it.
                force(t, *span)
            }
            _ => Ok(leaf(e, args, env).map_or(Arith::Stop, Arith::Int)),
        },
        _ => Ok(leaf(e, args, env).map_or(Arith::Stop, Arith::Int)),
    }
}

/// The integer an operand of an arithmetic body is already: an integer
/// literal, or a variable holding one (or a thunk evaluated to one).
#[inline(always)]
fn leaf(e: &Expr, args: &[&Value], env: &Rc<Env>) -> Option<i64> {
    match e {
        Expr::Lit(Value::Int(i)) => Some(*i),
        Expr::Var { depth, slot, .. } => match args.get(*depth as usize) {
            Some(Value::Int(i)) => Some(*i),
            Some(Value::Thunk(t)) => match &*t.0.borrow() {
                ThunkState::Done(Value::Int(i)) => Some(*i),
                _ => None,
            },
            Some(_) => None,
            None => u32::try_from(*depth as usize - args.len())
                .ok()
                .and_then(|d| env.up(d).peek_int(*slot)),
        },
        _ => None,
    }
}

/// A thunk state that evaluates to `v` (sharing it if it is a thunk): the
/// variable of a one-slot frame holding `v`.
fn forward_to(v: Value) -> ThunkState {
    let var = Rc::new(Expr::Var {
        depth: 0,
        slot: 0,
        span: Span::NONE,
    });
    ThunkState::Suspended(var, Env::new(None, vec![v]))
}

/// Integer operators without errors (overflow and division are left to
/// the general path, which reports them).
#[inline]
fn int_binop(op: BinOp, a: i64, b: i64) -> Option<Value> {
    Some(match op {
        BinOp::Add => Value::Int(a.checked_add(b)?),
        BinOp::Sub => Value::Int(a.checked_sub(b)?),
        BinOp::Mul => Value::Int(a.checked_mul(b)?),
        BinOp::Eq => Value::Bool(a == b),
        BinOp::NotEq => Value::Bool(a != b),
        BinOp::Less => Value::Bool(a < b),
        BinOp::LessEq => Value::Bool(a <= b),
        BinOp::Greater => Value::Bool(a > b),
        BinOp::GreaterEq => Value::Bool(a >= b),
        _ => return None,
    })
}

/// `a == b` for two values in normal form that are both scalars (null,
/// Booleans, numbers, strings, paths): exactly what [`Evaluator::equal`]
/// gives them, without its bookkeeping. `None` for anything else.
#[inline]
pub(crate) fn equal_scalars(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            as_float(a) == as_float(b)
        }
        (Value::String(x), Value::String(y)) => x.as_str() == y.as_str(),
        (Value::Path(x), Value::Path(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_),
        )
        | (
            Value::String(_) | Value::Path(_),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_),
        )
        | (
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_),
            Value::String(_) | Value::Path(_),
        )
        | (Value::String(_), Value::Path(_))
        | (Value::Path(_), Value::String(_)) => false,
        _ => return None,
    })
}

fn same_ref(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Thunk(x), Value::Thunk(y)) => Rc::ptr_eq(&x.0, &y.0),
        (Value::Lambda(x), Value::Lambda(y)) => Rc::ptr_eq(x, y),
        (Value::PrimOp(x), Value::PrimOp(y)) => Rc::ptr_eq(x, y),
        (Value::Attrs(x), Value::Attrs(y)) => Rc::ptr_eq(x, y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// The numeric value as a float.
pub(crate) fn as_float(v: &Value) -> f64 {
    match v {
        #[expect(
            clippy::cast_precision_loss,
            reason = "Nix converts ints to floats the same way"
        )]
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// `value is X while Y was expected`.
pub(crate) fn type_error(got: &Value, expected: &'static str) -> EvalError {
    EvalError::new(ErrorKind::Type {
        got: got.show_type().to_string(),
        expected,
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::{EvalOptions, Evaluator, NixString, StdIo, Value};

    fn ev() -> Evaluator {
        Evaluator::new(Rc::new(StdIo), EvalOptions::default())
    }

    fn eval(src: &str) -> String {
        let mut ev = ev();
        match ev.eval_source("«string»", src, "/dir") {
            Ok(v) => ev.print_strict(&v).unwrap_or_else(|e| e.to_string()),
            Err(e) => e.to_string().lines().next().unwrap_or_default().to_string(),
        }
    }

    #[test]
    fn int_text_is_decimal() {
        for i in [
            0,
            7,
            -7,
            10,
            99,
            100,
            -101,
            12345,
            1_000_000,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            assert_eq!(super::int_text(i), i.to_string());
        }
    }

    #[test]
    fn laziness() {
        assert_eq!(eval("let x = throw \"no\"; in 1"), "1");
        assert_eq!(eval("(x: 2) (throw \"no\")"), "2");
        assert_eq!(eval("builtins.length [ (throw \"a\") (abort \"b\") ]"), "2");
        assert_eq!(eval("({ a = throw \"x\"; b = 1; }).b"), "1");
        assert_eq!(eval("false && throw \"x\""), "false");
    }

    #[test]
    fn early_arguments_are_invisible() {
        // Arguments computed early for strict lambdas print like Nix's
        // thunks: `<CODE>` where the callee never forced them.
        let lazy = |src: &str| {
            let mut ev = ev();
            let v = ev.eval_source("«string»", src, "/").unwrap();
            ev.print_lazy(&v).unwrap()
        };
        assert_eq!(lazy("let f = n: [ n ]; in f (1 - 1)"), "[ <CODE> ]");
        assert_eq!(
            lazy("let f = n: if n < 2 then [ n ] else [ ]; in f (1 - 1)"),
            "[ 0 ]"
        );
        assert_eq!(
            lazy("let f = n: m: [ (n + m) n m ]; in f (1 - 1) (2 * 3)"),
            "[ <CODE> <CODE> <CODE> ]"
        );
        assert_eq!(
            lazy("let f = n: m: if n < m then [ n m ] else [ ]; in f (1 - 1) (2 * 3)"),
            "[ 0 6 ]"
        );
        assert_eq!(
            eval("let f = n: if n < 0 then n else 0; in f (9223372036854775807 + 1)"),
            "error: integer overflow in adding 9223372036854775807 + 1"
        );
    }

    #[test]
    fn arithmetic_lambdas() {
        // Computed without frames on known integers; everything else (and
        // every error) goes through ordinary evaluation.
        assert_eq!(
            eval("builtins.foldl' (a: b: a + b) 0 (map (x: x * 3 + 1) [ 1 2 3 ])"),
            "21"
        );
        assert_eq!(eval("builtins.sort (a: b: a > b) [ 3 1 2 ]"), "[ 3 2 1 ]");
        assert_eq!(eval("let k = 7; f = x: x / k - 1; in f 71"), "9");
        assert_eq!(eval("(a: b: a < b) 1 2"), "true");
        assert_eq!(eval("(x: x + 1) 1.5"), "2.5");
        assert_eq!(eval("(x: x + \"b\") \"a\""), "\"ab\"");
        assert_eq!(eval("(x: x / 0) 1"), "error: division by zero");
        assert_eq!(
            eval("(x: x * 2) 9223372036854775807"),
            "error: integer overflow in multiplying 9223372036854775807 * 2"
        );
        assert_eq!(
            eval("(a: b: (a < b) + 1) 1 2"),
            "error: cannot coerce a Boolean to a string"
        );
        assert_eq!(eval("(x: x + 1) (throw \"t\")"), "error: t");
        // Unevaluated arguments the body forces first are forced before
        // the call, with the same results, errors and laziness.
        assert_eq!(
            eval(
                "builtins.foldl' (a: b: a + b) 0 (map (x: x + 1) (builtins.genList (i: i * 2) 4))"
            ),
            "16"
        );
        assert_eq!(eval("map (x: x * 2) [ (throw \"e\") ]"), "error: e");
        assert_eq!(
            eval("builtins.sort (a: b: a < b) [ 3 (throw \"q\") ]"),
            "error: q"
        );
        assert_eq!(eval("(x: 1 + x) (throw \"r\")"), "error: r");
        // `if` on comparisons: the condition, then only the branch taken.
        let min = "let min = a: b: if a < b then a else b; in";
        assert_eq!(
            eval(&format!(
                "{min} builtins.foldl' (p: d: min p (d * 2)) 99 [ 7 3 9 ]"
            )),
            "6"
        );
        assert_eq!(eval(&format!("{min} min 1 (throw \"b\")")), "error: b");
        assert_eq!(eval(&format!("{min} min 2.5 1")), "1");
        assert_eq!(eval(&format!("{min} min \"b\" \"a\"")), "\"a\"");
        assert_eq!(
            eval("(x: y: if x > 0 then y else 0) 1 (throw \"y\")"),
            "error: y"
        );
        assert_eq!(eval("(x: y: if x > 0 then y else 0) 0 (throw \"y\")"), "0");
        assert_eq!(
            eval("(x: if x then 1 else 2) 5"),
            "error: value is an integer while a Boolean was expected"
        );
        // … and so are later operands, once those before are integers
        // and the operations on them succeed.
        assert_eq!(
            eval("builtins.foldl' (a: b: a - b * 2) 0 (builtins.genList (i: i + 1) 3)"),
            "-12"
        );
        assert_eq!(
            eval("builtins.foldl' (a: b: a + b) 0 [ 1 (throw \"s\") ]"),
            "error: s"
        );
        assert_eq!(
            eval("(a: b: (a / 0) + b) 1 (throw \"no\")"),
            "error: division by zero"
        );
        assert_eq!(
            eval("builtins.foldl' (a: b: a + b) 0 (map (x: x * 1.5) [ 2 ])"),
            "3"
        );
        assert_eq!(
            eval("builtins.foldl' (a: b: a + b) 0 (map (x: x) [ \"x\" ])"),
            "error: cannot add a string to an integer"
        );
        // Sorting evaluated integers with an arithmetic comparator runs on
        // the integers; anything it cannot compute goes the general way.
        assert_eq!(
            eval(
                "let l = [ 3 1 2 1 ]; in builtins.seq (builtins.foldl' (a: b: a + b) 0 l) (builtins.sort (a: b: a > b) l)"
            ),
            "[ 3 2 1 1 ]"
        );
        assert_eq!(
            eval("builtins.sort (a: b: a * 2 < b * 2) [ 3 1 2 ]"),
            "[ 1 2 3 ]"
        );
        assert_eq!(
            eval("builtins.sort (a: b: a * 2 < b) [ 3 9223372036854775807 ]"),
            "error: integer overflow in multiplying 9223372036854775807 * 2"
        );
    }

    #[test]
    fn list_builtin_fast_paths() {
        // `elem` compares scalars directly, forcing the value once and
        // only for a non-empty list, and elements in order.
        assert_eq!(eval("builtins.elem 1.0 [ \"a\" null 1 ]"), "true");
        assert_eq!(eval("builtins.elem (throw \"x\") [ ]"), "false");
        assert_eq!(eval("builtins.elem (throw \"x\") [ 1 ]"), "error: x");
        assert_eq!(eval("builtins.elem 2 [ 1 (throw \"y\") 2 ]"), "error: y");
        assert_eq!(eval("builtins.elem 1 [ 2 1 (throw \"y\") ]"), "true");
        assert_eq!(eval("builtins.elem [ 1 ] [ 1 [ 1 ] ]"), "true");
        assert_eq!(eval("builtins.elem \"a\" [ ./a \"a\" ]"), "true");
        // Sorting integers: `<` and `>` by (key, position), the others in
        // the merge order.
        assert_eq!(
            eval("builtins.sort (a: b: a > b) [ 3 1 2 1 5 ]"),
            "[ 5 3 2 1 1 ]"
        );
        assert_eq!(
            eval("builtins.sort (a: b: a >= b) [ 3 1 2 1 5 ]"),
            "[ 5 3 2 1 1 ]"
        );
        assert_eq!(
            eval("builtins.sort (a: b: a == b) [ 3 1 2 1 5 ]"),
            "[ 3 1 2 1 5 ]"
        );
        // A builtin called with all its arguments at once (and more).
        assert_eq!(
            eval("builtins.bitAnd 1 \"x\""),
            "error: value is a string while an integer was expected"
        );
        assert_eq!(eval("builtins.substring 0 2 \"abc\""), "\"ab\"");
        assert_eq!(
            eval("builtins.foldl' (f: g: g) (x: x) [ (y: y + 1) ] 2"),
            "3"
        );
        assert_eq!(
            eval("builtins.genList (x: x) 2 3"),
            "error: attempt to call something which is not a function but a list"
        );
    }

    #[test]
    fn deferred_curried_calls() {
        // `mapAttrs`' `f name value` calls a curried lambda at once; the
        // results and errors are those of the two calls.
        assert_eq!(
            eval("builtins.mapAttrs (k: v: k + v) { a = \"x\"; b = \"y\"; }"),
            "{ a = \"ax\"; b = \"by\"; }"
        );
        assert_eq!(
            eval("let s = builtins.mapAttrs (k: v: v * 2) { a = 1; b = 2; }; in s.a + s.b"),
            "6"
        );
        assert_eq!(
            eval("builtins.mapAttrs (k: let z = k; in v: z + v) { a = \"1\"; }"),
            "{ a = \"a1\"; }"
        );
        assert_eq!(
            eval("(builtins.mapAttrs (k: v: throw k) { a = 1; }).a"),
            "error: a"
        );
        assert_eq!(
            eval("(builtins.mapAttrs (throw \"f\") { a = 1; }).a"),
            "error: f"
        );
        assert_eq!(
            eval("(builtins.mapAttrs 5 { a = 1; }).a"),
            "error: attempt to call something which is not a function but an integer"
        );
        assert_eq!(
            eval(
                "builtins.zipAttrsWith (n: vs: builtins.length vs) [ { a = 1; } { a = 2; b = 3; } ]"
            ),
            "{ a = 2; b = 1; }"
        );
    }

    #[test]
    fn thunks_are_shared() {
        // A shared thunk is evaluated once: the trace fires once.
        let mut ev = ev();
        let count = Rc::new(RefCell::new(0));
        let c = count.clone();
        ev.set_trace_handler(move |_| *c.borrow_mut() += 1);
        let v = ev
            .eval_source(
                "«string»",
                "let x = builtins.trace \"t\" 1; in x + x + x",
                "/",
            )
            .unwrap();
        assert_eq!(ev.print_strict(&v).unwrap(), "3");
        assert_eq!(*count.borrow(), 1);
    }

    #[test]
    fn blackholing_reports_infinite_recursion() {
        assert_eq!(
            eval("let x = x; in x"),
            "error: infinite recursion encountered"
        );
        assert_eq!(
            eval("rec { a = b; b = a; }.a"),
            "error: infinite recursion encountered"
        );
        // A failed force can be retried (the thunk is restored, not left black).
        assert_eq!(
            eval(
                "let x = throw \"t\"; in [ (builtins.tryEval x).success (builtins.tryEval x).success ]"
            ),
            "[ false false ]"
        );
    }

    #[test]
    fn static_scope_beats_with() {
        assert_eq!(eval("let a = 1; in with { a = 2; }; a"), "1");
        assert_eq!(eval("with { a = 1; }; with { a = 2; }; a"), "2");
        assert_eq!(eval("with { a = 1; }; with { b = 2; }; a + b"), "3");
        assert_eq!(eval("let true = false; in true"), "false");
        assert_eq!(eval("x"), "error: undefined variable 'x'");
        assert_eq!(eval("with { }; x"), "error: undefined variable 'x'");
    }

    #[test]
    fn rec_inherit_and_nested_paths() {
        assert_eq!(eval("rec { a = 1; b = a + 1; }"), "{ a = 1; b = 2; }");
        assert_eq!(
            eval("let a = 1; in rec { inherit a; b = a; }"),
            "{ a = 1; b = 1; }"
        );
        assert_eq!(
            eval("{ a.b.c = 1; a.b.d = 2; a.e = 3; }"),
            "{ a = { b = { c = 1; d = 2; }; e = 3; }; }"
        );
        assert_eq!(
            eval("let s = { x = 1; }; in { inherit (s) x; }"),
            "{ x = 1; }"
        );
        assert_eq!(
            eval("{ ${\"a\" + \"b\"} = 1; ${null} = 2; }"),
            "{ ab = 1; }"
        );
    }

    #[test]
    fn formals() {
        assert_eq!(eval("({ a, b ? a * 2 }: b) { a = 3; }"), "6");
        assert_eq!(
            eval("(args@{ a, ... }: args) { a = 1; b = 2; }"),
            "{ a = 1; b = 2; }"
        );
        assert_eq!(
            eval("({ a }: a) { a = 1; b = 2; }").split(" called").next(),
            Some("error: anonymous function at (string):1:2")
        );
    }

    #[test]
    fn catchable_versus_fatal() {
        assert_eq!(eval("(builtins.tryEval (throw \"x\")).success"), "false");
        assert_eq!(
            eval("(builtins.tryEval (assert false; 1)).success"),
            "false"
        );
        assert!(eval("builtins.tryEval (abort \"x\")").starts_with("error: evaluation aborted"));
        assert!(eval("builtins.tryEval (1 + {})").starts_with("error: cannot add"));
    }

    #[test]
    fn operators() {
        assert_eq!(
            eval("[ (1 + 2 * 3) (7 / 2) (1 + 0.5) (\"a\" + \"b\") ([ 1 ] ++ [ 2 ]) ]"),
            "[ 7 3 1.5 \"ab\" [ 1 2 ] ]"
        );
        assert_eq!(eval("{ a = 1; b = 1; } // { b = 2; }"), "{ a = 1; b = 2; }");
        assert_eq!(
            eval("[ (1 < 2) (\"b\" < \"a\") ([ 1 2 ] < [ 1 3 ]) (2 >= 2) (1 == 1.0) ]"),
            "[ true false true true true ]"
        );
        assert_eq!(eval("/a/b + \"/c\""), "/a/b/c");
        assert_eq!(eval("./x/../y"), "/dir/y");
        assert_eq!(
            eval("9223372036854775807 + 1"),
            "error: integer overflow in adding 9223372036854775807 + 1"
        );
    }

    #[test]
    fn function_equality_quirks() {
        assert_eq!(
            eval("let f = x: x; in [ (f == f) ([ f ] == [ f ]) ({ a = f; } == { a = f; }) ]"),
            "[ false true true ]"
        );
        assert_eq!(
            eval(
                "let d = o: { type = \"derivation\"; outPath = o; x = y: y; }; in d \"/a\" == d \"/a\""
            ),
            "true"
        );
    }

    #[test]
    fn functors_and_to_string() {
        assert_eq!(eval("{ __functor = s: x: s.n + x; n = 1; } 2"), "3");
        assert_eq!(eval("\"${{ __toString = s: \"hi\"; }}\""), "\"hi\"");
        assert_eq!(eval("toString { outPath = \"/p\"; }"), "\"/p\"");
    }

    #[test]
    fn string_context_is_carried() {
        let mut ev = ev();
        let ctx = [Rc::<str>::from("/nix/store/aaaa-x")].into_iter().collect();
        let s = Value::nix_string(NixString::with_context("/nix/store/aaaa-x", ctx));
        let f = ev
            .eval_source(
                "«string»",
                "s: builtins.attrNames (builtins.getContext (builtins.substring 0 5 \"${s}-suffix\" + builtins.concatStringsSep \",\" [ s ]))",
                "/",
            )
            .unwrap();
        let v = ev.call(&f, s).unwrap();
        assert_eq!(ev.print_strict(&v).unwrap(), "[ \"/nix/store/aaaa-x\" ]");
    }
}
