//! Trace frames: the `… while evaluating …` lines of an error.
//!
//! Nix 2.8 builds an error's trace as the C++ exception unwinds: each
//! `catch` on the way out adds a frame. cairn does the same with `Result`:
//! the functions here are only called on the `Err` path (they are `#[cold]`),
//! so an evaluation that succeeds never builds, allocates or formats
//! anything for them.
//!
//! Frames recorded always (as Nix 2.8 does, whatever `--show-trace` says;
//! their presence makes the CLI print Nix's `use '--show-trace'` hint):
//!
//! - `while evaluating the attribute 'a.b'` when forcing `e.a.b` fails, at
//!   the definition of the last attribute found;
//! - `while evaluating the attribute 'x'` when forcing a set deeply
//!   (`--strict`, `deepSeq`) fails inside attribute `x`;
//! - `while evaluating the file 'F':` when `import` of `F` fails;
//! - the message of `builtins.addErrorContext`.
//!
//! Frames recorded only with [`crate::EvalOptions::show_trace`]: for every
//! function call the error leaves, `while evaluating 'f'` (or `anonymous
//! lambda`) at the lambda, then `from call site` at the call. Nix catches
//! there only with `--show-trace` because catching makes calls non-tail;
//! cairn likewise evaluates function bodies as tail calls only without it.
//! A call made by a builtin (`foldl'`, `sort`, …) is positioned at the
//! builtin's own call site, filled in when the error leaves the builtin
//! ([`primop_error`]); a delayed call (the elements `map` returns) has no
//! call site, as in Nix.

use std::rc::Rc;

use crate::Evaluator;
use crate::error::{EvalError, EvalResult, Span};
use crate::ir::{AttrKey, LambdaDef};
use crate::value::{Attrs, Env, Value};

/// The file Nix 2.8 defines `derivation` in: selections of its attributes
/// get no frame (Nix skips them so that users see their own code).
const DERIVATION_NIX: &str = "//builtin/derivation.nix";

impl Evaluator {
    /// The frames of an error leaving the body of lambda `def`, called at
    /// `call_site` (`None`: by a builtin; `Some(Span::NONE)`: delayed).
    #[cold]
    #[inline(never)]
    pub(crate) fn call_frames(
        &self,
        err: EvalError,
        def: &LambdaDef,
        call_site: Option<Span>,
    ) -> EvalError {
        let what = match &def.name {
            Some(name) => format!("while evaluating '{name}'"),
            None => "while evaluating anonymous lambda".to_string(),
        };
        err.add_trace_at(def.span, what).add_call_site(call_site)
    }

    /// Evaluates the body of a lambda as a plain (non-tail) call, adding
    /// the call's frames to an error; used with `show_trace`.
    #[inline(never)]
    pub(crate) fn eval_body_traced(
        &mut self,
        def: &Rc<LambdaDef>,
        env: &Rc<Env>,
        call_site: Span,
    ) -> EvalResult<Value> {
        // The call already counted one level of depth; the body's own
        // evaluation counts the next.
        self.depth = self.depth.saturating_sub(1);
        let r = self.eval(&def.body, env);
        self.depth += 1;
        r.map_err(|e| self.call_frames(e, def, Some(call_site)))
    }

    /// The frame of a failed attribute selection `e.a.b…`: `found` is the
    /// set holding the last attribute found and that attribute's index in
    /// `path` (`None` when the error came before any attribute was found,
    /// which gets no frame, as in Nix).
    #[cold]
    #[inline(never)]
    pub(crate) fn select_frame(
        &mut self,
        err: EvalError,
        found: Option<(Value, usize)>,
        path: &[AttrKey],
        env: &Rc<Env>,
    ) -> EvalError {
        let Some((Value::Attrs(attrs), index)) = found else {
            return err;
        };
        let names: Vec<String> = path.iter().map(|k| self.key_name(k, env)).collect();
        let span = attrs.position(&names[index]).unwrap_or(Span::NONE);
        if span != Span::NONE && self.sources.file(span.file).name.as_ref() == DERIVATION_NIX {
            return err;
        }
        err.add_trace_at(
            span,
            format!("while evaluating the attribute '{}'", names.join(".")),
        )
    }

    /// An attribute name of a path as Nix's `showAttrPath` prints it: a
    /// dynamic name is evaluated again (this is the error path), and shown
    /// as `"${…}"` when that fails.
    fn key_name(&mut self, key: &AttrKey, env: &Rc<Env>) -> String {
        match key {
            AttrKey::Static(s, _) => s.to_string(),
            AttrKey::Dynamic(e) => match self.eval(e, env) {
                Ok(Value::String(s)) => s.as_str().to_string(),
                _ => "\"${…}\"".to_string(),
            },
        }
    }

    /// Adds a frame `message` at the definition of attribute `name` of
    /// `attrs` (no position when it has none). For store-aware builtins,
    /// e.g. `derivationStrict`'s `while evaluating the attribute 'builder'
    /// of the derivation 'hello'`.
    pub fn trace_at_attr(
        &self,
        err: EvalError,
        attrs: &Attrs,
        name: &str,
        message: impl Into<String>,
    ) -> EvalError {
        let span = attrs.position(name).unwrap_or(Span::NONE);
        err.add_trace_at(span, message.into())
    }
}

/// `attribute 'NAME' missing`, with the names of `attrs` that are close.
#[cold]
#[inline(never)]
pub(crate) fn missing_attr(name: &str, attrs: &Attrs) -> EvalError {
    EvalError::new(crate::error::ErrorKind::MissingAttr(name.to_string()))
        .suggest(name, attrs.iter().map(|(k, _)| k.as_ref()))
}

/// The frame of an error leaving the deep forcing of attribute `name`.
#[cold]
#[inline(never)]
pub(crate) fn attr_frame(err: EvalError, attrs: &Attrs, name: &str) -> EvalError {
    let span = attrs.position(name).unwrap_or(Span::NONE);
    err.add_trace_at(span, format!("while evaluating the attribute '{name}'"))
}

/// An error leaving a builtin called at `span`: positioned there when it
/// has no position yet, and pending `from call site` frames of the calls
/// the builtin made get that position.
#[cold]
#[inline(never)]
pub(crate) fn primop_error(err: EvalError, span: Option<Span>) -> EvalError {
    match span {
        Some(span) => err.at(span).fill_call_sites(span),
        None => err,
    }
}
