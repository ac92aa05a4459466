//! The Nix language evaluator of cairn.
//!
//! Source text is parsed with `rnix`, lowered to a compact IR in which every
//! variable is resolved statically to an environment slot (`lower` →
//! `ir`), and evaluated lazily by a tree-walking interpreter whose thunks
//! blackhole while forced, so `let x = x; in x` reports `infinite recursion
//! encountered` instead of hanging. Deep recursion grows the native stack on
//! the heap and fails with `stack overflow` past
//! [`EvalOptions::max_depth`], never with a crash.
//!
//! Main types: [`Evaluator`] (the entry point), [`Value`], [`EvalError`]
//! (with the catchable/fatal split of [`Catchable`]), and the seams
//! [`EvalIo`] (files and the store), [`BuildHook`]
//! (import-from-derivation) and [`Builtin`] (store-aware builtins passed in
//! [`EvalOptions::extra_builtins`]). The crate never prints:
//! `builtins.trace` and `builtins.warn` go to the handlers set with
//! [`Evaluator::set_trace_handler`] and [`Evaluator::set_warning_handler`].
//!
//! Module map:
//!
//! | module | role |
//! |---|---|
//! | `lower` | rnix tree → IR; scopes: one frame per `let`/`rec`/lambda/`with`; globals become constants |
//! | `ir` | the IR: `Var { depth, slot }`, `WithVar` (dynamic fallback), attrsets with merged attrpaths |
//! | `eval` | the interpreter: thunks, application, operators, `==`/`<`, coercion, depth limit |
//! | `value` | `Value` (16 bytes: every variant a thin pointer or a scalar), sorted `Attrs` with positions and lookup-site inline caches (`Hint`), `NixString` with context, `Env` frames |
//! | `symbol` | interned attribute names (`Symbol`: a `Copy` reference to one shared, never-freed copy per name) |
//! | `builtins` | the builtins table of Nix 2.8 (+ a few newer ones), JSON/TOML, XML, strings, regexes |
//! | `print`, `show` | `nix-instantiate --eval` printing; Nix 2.8's expression printer for messages |
//! | `error` | positions, snippets with a caret, catchable vs fatal errors, trace frames |
//! | `trace` | where trace frames are added as an error propagates (cold paths only) |
//! | `io` | `EvalIo`, `BuildHook`, `StdIo` |
//! | `api` | small entry points for store-aware builtins defined outside the crate |
//!
//! ```
//! use std::rc::Rc;
//! use cairn_eval::{EvalOptions, Evaluator, StdIo};
//!
//! let mut ev = Evaluator::new(Rc::new(StdIo), EvalOptions::default());
//! let v = ev.eval_source("«string»", "let f = { a, b ? 2 }: a * b; in [ (f { a = 3; }) \"x\" ]", "/")?;
//! assert_eq!(ev.print_strict(&v)?, "[ 6 \"x\" ]");
//!
//! let err = ev.eval_source("«string»", "{ a = 1; }.b", "/").unwrap_err();
//! assert_eq!(err.kind.to_string(), "attribute 'b' missing");
//! assert_eq!(err.pos.as_ref().unwrap().to_string(), "«string»:1:1");
//! # Ok::<(), cairn_eval::EvalError>(())
//! ```

mod api;
mod builtins;
mod error;
mod eval;
mod io;
mod ir;
mod lower;
mod print;
mod show;
mod symbol;
mod trace;
mod value;

use std::collections::HashMap;
use std::rc::Rc;

pub use builtins::{Builtin, BuiltinFn};
pub use error::{
    Catchable, ErrorData, ErrorKind, EvalError, EvalResult, Pos, TraceFrame, terminal_text,
};
pub use io::{BuildHook, EvalIo, FileType, StdIo};
pub use print::format_float;
pub use value::{Attrs, Context, NixList, NixString, Symbol, Value};

use error::SourceMap;
use value::Env;

/// The Nix version cairn claims to be (`builtins.nixVersion`).
pub const NIX_VERSION: &str = "2.8.0";
/// The language version (`builtins.langVersion`).
pub const LANG_VERSION: i64 = 6;

/// Settings of an [`Evaluator`].
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Maximum evaluation depth before `stack overflow` is reported.
    pub max_depth: usize,
    /// The home directory for `~/…` paths (the CLI reads `$HOME`).
    pub home_dir: Option<String>,
    /// Search path entries, `-I` first then `NIX_PATH`: `path` or `prefix=path`.
    pub nix_path: Vec<String>,
    /// `builtins.currentSystem`.
    pub current_system: String,
    /// Builtins added by the caller, replacing built-in ones of the same
    /// name (the seam for store-aware builtins such as `derivationStrict`).
    pub extra_builtins: Vec<&'static Builtin>,
    /// `builtins.currentTime` (seconds since the epoch); the default is the
    /// time the options were created.
    pub current_time: i64,
    /// The environment `builtins.getEnv` sees (the CLI passes the process
    /// environment; the library never reads it).
    pub environment: std::collections::BTreeMap<String, String>,
    /// Record a `while evaluating 'f'` / `from call site` trace frame for
    /// every function call an error propagates through, as Nix does with
    /// `--show-trace` (other frames are always recorded, on the error path
    /// only). Function bodies are then not evaluated as tail calls.
    pub show_trace: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            max_depth: 400_000,
            home_dir: None,
            nix_path: Vec::new(),
            current_system: "x86_64-linux".to_string(),
            environment: std::collections::BTreeMap::new(),
            extra_builtins: Vec::new(),
            show_trace: false,
            current_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        }
    }
}

/// A function receiving the messages of `builtins.trace` or `builtins.warn`.
pub type TraceHandler = Box<dyn FnMut(&str)>;

/// Evaluates Nix expressions. Holds the sources seen so far, the import
/// cache and the global scope.
pub struct Evaluator {
    pub(crate) sources: SourceMap,
    pub(crate) globals: HashMap<Symbol, Value>,
    pub(crate) io: Rc<dyn EvalIo>,
    pub(crate) build_hook: Option<Rc<dyn BuildHook>>,
    pub(crate) options: EvalOptions,
    pub(crate) depth: usize,
    pub(crate) import_cache: HashMap<String, Value>,
    pub(crate) trace: Option<TraceHandler>,
    pub(crate) warning: Option<TraceHandler>,
    pub(crate) regex_cache: HashMap<String, Rc<builtins::PosixRegex>>,
}

impl Evaluator {
    /// A new evaluator using `io` for all file access.
    pub fn new(io: Rc<dyn EvalIo>, options: EvalOptions) -> Self {
        let mut ev = Evaluator {
            sources: SourceMap::default(),
            globals: HashMap::new(),
            io,
            build_hook: None,
            options,
            depth: 0,
            import_cache: HashMap::new(),
            trace: None,
            warning: None,
            regex_cache: HashMap::new(),
        };
        ev.globals = builtins::globals(&ev);
        ev
    }

    /// Sets the receiver of `builtins.trace` messages (dropped by default).
    pub fn set_trace_handler(&mut self, handler: impl FnMut(&str) + 'static) {
        self.trace = Some(Box::new(handler));
    }

    /// Sets the receiver of `builtins.warn` messages (dropped by default).
    pub fn set_warning_handler(&mut self, handler: impl FnMut(&str) + 'static) {
        self.warning = Some(Box::new(handler));
    }

    /// Sets the hook that builds derivations for import-from-derivation.
    pub fn set_build_hook(&mut self, hook: Rc<dyn BuildHook>) {
        self.build_hook = Some(hook);
    }

    /// Parses and evaluates `text` to weak head normal form. `name` is used
    /// in positions (`«string»` for `-E`), `base_dir` for relative paths.
    pub fn eval_source(&mut self, name: &str, text: &str, base_dir: &str) -> EvalResult<Value> {
        let r = self.eval_source_inner(name, text, base_dir);
        r.map_err(|e| e.resolve(&self.sources))
    }

    fn eval_source_inner(&mut self, name: &str, text: &str, base_dir: &str) -> EvalResult<Value> {
        let expr = self.compile(name, text, base_dir)?;
        let env = Env::new(None, Vec::new());
        self.depth = 0;
        self.eval(&expr, &env)
    }

    /// Parses `text` and returns it unevaluated, as a thunk (how Nix passes
    /// `--arg NAME EXPR`: syntax errors now, evaluation errors when used).
    pub fn delay_source(&mut self, name: &str, text: &str, base_dir: &str) -> EvalResult<Value> {
        let r = self.compile(name, text, base_dir);
        let expr = r.map_err(|e| e.resolve(&self.sources))?;
        let env = Env::new(None, Vec::new());
        Ok(self.delay(&expr, &env))
    }

    /// Parses `text` like `nix-instantiate --parse`: syntax and
    /// undefined-variable errors as evaluation reports them, else the
    /// expression printed in Nix 2.8's `showExpr` form.
    pub fn parse_and_show(&mut self, name: &str, text: &str, base_dir: &str) -> EvalResult<String> {
        self.check_source(name, text, base_dir)?;
        Ok(show::show_source(
            &normalize_newlines(text),
            base_dir,
            self.options.home_dir.as_deref(),
        ))
    }

    /// Parses and lowers without evaluating (syntax and scope errors only).
    pub fn check_source(&mut self, name: &str, text: &str, base_dir: &str) -> EvalResult<()> {
        let r = self.compile(name, text, base_dir).map(|_| ());
        r.map_err(|e| e.resolve(&self.sources))
    }

    fn compile(&mut self, name: &str, text: &str, base_dir: &str) -> EvalResult<Rc<ir::Expr>> {
        self.compile_scoped(name, text, base_dir, Vec::new())
    }

    fn compile_scoped(
        &mut self,
        name: &str,
        text: &str,
        base_dir: &str,
        scope: Vec<Symbol>,
    ) -> EvalResult<Rc<ir::Expr>> {
        let file = self
            .sources
            .add(name.into(), normalize_newlines(text).into());
        lower::parse_and_lower(lower::LowerCtx {
            globals: &self.globals,
            sources: &self.sources,
            file,
            base_dir: base_dir.into(),
            home_dir: self.options.home_dir.as_deref().map(Into::into),
            scope,
        })
    }

    /// Parses `text` with the names of `scope` bound to their values (the
    /// REPL's variables; they shadow builtins) and returns it unevaluated,
    /// as a thunk.
    pub fn delay_source_in_scope(
        &mut self,
        name: &str,
        text: &str,
        base_dir: &str,
        scope: &[(Symbol, Value)],
    ) -> EvalResult<Value> {
        let names = scope.iter().map(|(n, _)| *n).collect();
        let r = self.compile_scoped(name, text, base_dir, names);
        let expr = r.map_err(|e| e.resolve(&self.sources))?;
        let env = Env::new(None, scope.iter().map(|(_, v)| v.clone()).collect());
        Ok(self.delay(&expr, &env))
    }

    /// The names in scope everywhere (`builtins`, `map`, `true`, …), for
    /// completion.
    pub fn global_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.globals.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    /// Where lambda `v` is defined, as Nix 2.8 writes it in messages
    /// (`(string):1:5`, `/path/f.nix:3:1`); `None` for other values.
    pub fn lambda_position(&self, v: &Value) -> Option<String> {
        match v {
            Value::Lambda(c) => Some(lower::message_pos(&self.sources.resolve(c.def.span))),
            _ => None,
        }
    }

    /// Evaluates a file (a directory means its `default.nix`), like `import`.
    pub fn eval_file(&mut self, path: &str) -> EvalResult<Value> {
        self.depth = 0;
        let r = self.import_path(path).and_then(|v| self.force(&v));
        r.map_err(|e| e.resolve(&self.sources))
    }

    /// Forces a value completely (as `--strict` does).
    pub fn force_strict(&mut self, v: &Value) -> EvalResult<Value> {
        let r = self.force_deep(v);
        r.map_err(|e| e.resolve(&self.sources))
    }

    /// Forces a value to weak head normal form.
    pub fn force_value(&mut self, v: &Value) -> EvalResult<Value> {
        let r = self.force(v);
        r.map_err(|e| e.resolve(&self.sources))
    }

    /// Forces a value completely and prints it like
    /// `nix-instantiate --eval --strict`.
    pub fn print_strict(&mut self, v: &Value) -> EvalResult<String> {
        let v = self.force_strict(v)?;
        Ok(v.to_string())
    }

    /// Prints a value like `nix-instantiate --eval` without `--strict`: it
    /// is forced to weak head normal form only, and what is still
    /// unevaluated inside prints as `<CODE>`.
    pub fn print_lazy(&mut self, v: &Value) -> EvalResult<String> {
        let v = self.force_value(v)?;
        Ok(v.to_string())
    }

    /// Prints a value as JSON like `nix-instantiate --eval --json` (and
    /// `builtins.toJSON`), forcing what it prints.
    pub fn print_json(&mut self, v: &Value) -> EvalResult<String> {
        let r = builtins::to_json_string(self, v);
        r.map(|s| s.as_str().to_string())
            .map_err(|e| e.resolve(&self.sources))
    }

    /// Prints a value as XML like `nix-instantiate --eval --xml`; `strict`
    /// forces it first, `location` adds source positions (Nix's default;
    /// `--no-location` turns them off).
    pub fn print_xml(&mut self, v: &Value, strict: bool, location: bool) -> EvalResult<String> {
        self.print_xml_partial(v, strict, location)
            .map_err(|(_, e)| e)
    }

    /// Like [`Evaluator::print_xml`], but an error comes with the document
    /// written up to it, its open elements closed: Nix 2.8 prints that
    /// before reporting the error of `--xml --strict`.
    pub fn print_xml_partial(
        &mut self,
        v: &Value,
        strict: bool,
        location: bool,
    ) -> Result<String, (String, EvalError)> {
        let r = builtins::xml::XmlWriter::new(self, strict, location).document(v);
        r.map(|s| s.as_str().to_string())
            .map_err(|(s, e)| (s.as_str().to_string(), e.resolve(&self.sources)))
    }

    /// Calls a function value with one argument.
    pub fn call(&mut self, f: &Value, arg: Value) -> EvalResult<Value> {
        let r = self.apply(f.clone(), arg, None);
        r.map_err(|e| e.resolve(&self.sources))
    }

    /// Selects an attribute path such as `a.b.0.c` (numbers index lists),
    /// as `-A` does.
    pub fn select_attr_path(&mut self, v: &Value, path: &str) -> EvalResult<Value> {
        let r = builtins::select_attr_path(self, v, path);
        r.map_err(|e| e.resolve(&self.sources))
    }

    /// Nix's automatic argument passing: a function taking a formals set
    /// is called with the matching `args` (defaults fill the rest); any
    /// other value is returned as it is.
    pub fn auto_call(&mut self, v: &Value, args: &[(String, Value)]) -> EvalResult<Value> {
        let r = builtins::auto_call(self, v, args);
        r.map_err(|e| e.resolve(&self.sources))
    }
}

/// Turns CR/LF and lone CR line ends into LF, as Nix's lexer does.
pub(crate) fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}
