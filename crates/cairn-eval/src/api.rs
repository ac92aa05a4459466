//! Entry points for builtins defined outside this crate.
//!
//! The store-aware layer (`cairn-glue`) adds builtins such as
//! `derivationStrict` through [`EvalOptions::extra_builtins`](crate::EvalOptions::extra_builtins).
//! Those are plain `fn(&mut Evaluator, &[Value])`, so everything they need
//! from the evaluator goes through the few methods here: reaching their own
//! state behind [`Evaluator::io`], evaluating a Nix-language helper (the
//! `derivation` wrapper) without disturbing the depth accounting of the
//! evaluation that called them, turning values into JSON with their string
//! context, and pointing an error at the attribute that caused it.
//!
//! Unlike the top-level entry points in `lib.rs`, these do not resolve
//! error positions: they run inside an evaluation, and the outermost entry
//! point resolves once.

use std::rc::Rc;

use crate::error::EvalResult;
use crate::value::{Attrs, Env, NixString, Value};
use crate::{BuildHook, EvalError, EvalIo, Evaluator};

impl Evaluator {
    /// The [`EvalIo`] this evaluator was made with. A layer that added
    /// builtins finds its own state here with [`EvalIo::as_any`].
    pub fn io(&self) -> &Rc<dyn EvalIo> {
        &self.io
    }

    /// The import-from-derivation hook, if one was set.
    pub fn build_hook(&self) -> Option<&Rc<dyn BuildHook>> {
        self.build_hook.as_ref()
    }

    /// Parses and evaluates `text` (named `name` in positions, relative
    /// paths resolved against `base_dir`) to weak head normal form from
    /// inside a running evaluation: the depth of the caller is kept, unlike
    /// [`Evaluator::eval_source`], which starts a new evaluation.
    pub fn eval_nested_source(
        &mut self,
        name: &str,
        text: &str,
        base_dir: &str,
    ) -> EvalResult<Value> {
        let expr = self.compile(name, text, base_dir)?;
        let env = Env::new(None, Vec::new());
        self.eval(&expr, &env)
    }

    /// Applies a function value to one argument from inside a running
    /// evaluation (errors keep their unresolved positions).
    pub fn apply_value(&mut self, f: &Value, arg: Value) -> EvalResult<Value> {
        self.apply(f.clone(), arg, None)
    }

    /// `v` as JSON text, as `builtins.toJSON` writes it, with the context of
    /// every string in it (paths are copied to the store).
    pub fn value_to_json(&mut self, v: &Value) -> EvalResult<NixString> {
        crate::builtins::to_json_string(self, v)
    }

    /// Defines the builtin `name` as the value of the Nix expression
    /// `source` (named `file_name` in positions), evaluated lazily on
    /// first use in the global scope: bound as a plain global and as
    /// `builtins.NAME`, replacing a builtin of that name. This is how a
    /// builtin written in Nix, such as `derivation` (a function of the
    /// attribute set, wrapping `derivationStrict`), is provided: it is a
    /// real lambda, so `builtins.functionArgs` and printing see it as Nix's.
    /// Call it before evaluating anything that uses the name.
    pub fn define_nix_builtin(
        &mut self,
        name: &str,
        file_name: &str,
        source: &str,
    ) -> EvalResult<()> {
        let expr = self.compile(file_name, source, "/")?;
        let value = Value::Thunk(crate::value::Thunk::new(
            crate::value::ThunkState::Suspended(expr, Env::new(None, Vec::new())),
        ));
        let name: crate::Symbol = name.into();
        self.globals.insert(name, value.clone());
        if let Some(Value::Attrs(builtins)) = self.globals.get("builtins") {
            let one = Attrs::from_unsorted(vec![(name, value)]);
            let updated = Value::attrs(builtins.update(&one));
            // `builtins.builtins` is the set itself: point it at the new one.
            if let Some(Value::Thunk(cell)) = builtins.get("builtins") {
                *cell.0.borrow_mut() = crate::value::ThunkState::Done(updated.clone());
            }
            self.globals.insert("builtins".into(), updated);
        }
        Ok(())
    }

    /// Points `err` at the definition of attribute `name` of `attrs` (when
    /// it has a known position and `err` has none yet), as Nix reports
    /// errors of `derivation` at the `name` attribute.
    pub fn error_at_attr(&self, err: EvalError, attrs: &Attrs, name: &str) -> EvalError {
        match attrs.position(name) {
            Some(span) => err.at(span).resolve(&self.sources),
            None => err,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use crate::{ErrorKind, EvalError, EvalOptions, Evaluator, StdIo, Value};

    #[test]
    fn nested_source_keeps_depth_and_errors_point_at_attributes() {
        let mut ev = Evaluator::new(Rc::new(StdIo), EvalOptions::default());
        let f = ev
            .eval_nested_source("helper.nix", "x: x * 2", "/")
            .unwrap();
        let r = ev.apply_value(&f, Value::Int(21)).unwrap();
        assert!(matches!(ev.force_value(&r).unwrap(), Value::Int(42)));
        assert_eq!(ev.depth, 0);

        let set = ev.eval_source("«string»", "{\n  a = 1;\n}", "/").unwrap();
        let set = ev.expect_attrs(&set).unwrap();
        let err = ev.error_at_attr(EvalError::new(ErrorKind::Other("bad".into())), &set, "a");
        assert_eq!(err.pos.as_ref().unwrap().to_string(), "«string»:2:3");
        let json = ev.value_to_json(&Value::attrs((*set).clone())).unwrap();
        assert_eq!(json.as_str(), "{\"a\":1}");
        assert!(ev.io().as_any().is_none());

        ev.define_nix_builtin("twice", "//builtin/twice.nix", "{ x ? 1 }: x * 2")
            .unwrap();
        let v = ev
            .eval_source(
                "«string»",
                "[ (twice { x = 4; }) (builtins.twice {}) (builtins.functionArgs twice) (builtins.builtins.twice {}) ]",
                "/",
            )
            .unwrap();
        assert_eq!(ev.print_strict(&v).unwrap(), "[ 8 2 { x = true; } 2 ]");
        assert!(ev.build_hook().is_none());
    }
}
