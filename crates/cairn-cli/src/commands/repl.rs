//! `cairn repl`: an interactive Nix evaluator, like `nix repl` (Nix 2.8).
//!
//! The REPL's logic lives in [`Repl`], which knows nothing about terminals:
//! it takes one line at a time and answers with text to print, a request
//! for more input (brackets still open), or the end. Completion candidates
//! come from [`Repl::complete`]. The terminal front end is rustyline,
//! chosen over reedline because its `Helper` trait plugs completion and
//! history (with a history file) into a plain `readline` loop without a
//! prompt/painter framework, and it degrades to simple line reading when
//! standard input is not a terminal. When standard input is not a terminal
//! (piped lines, tests), lines are read directly and only results are
//! printed, without prompts.
//!
//! Commands: `EXPR` (print lazily, nested values as `{ ... }` / `[ ... ]`),
//! `NAME = EXPR` (bind, lazily), `:a EXPR` (add a set's attributes to the
//! scope), `:l FILE` (same with an imported file), `:p EXPR` (print
//! strictly), `:t EXPR` (type), `:?` (help), `:q` (quit).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use cairn_eval::{EvalError, Evaluator, Symbol, Value};

use crate::commands::eval::{current_dir, new_evaluator};
use crate::environment::Environment;
use crate::error::{CliError, CliResult};

/// What a line of input led to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Print this (possibly empty) text; then prompt again.
    Print(String),
    /// The input so far is incomplete (an unclosed bracket or string):
    /// prompt for a continuation line.
    More,
    /// `:q`.
    Quit,
}

const HELP: &str = "\
The following commands are available:

  <expr>        Evaluate and print expression
  <x> = <expr>  Bind expression to variable
  :a <expr>     Add attributes from resulting set to scope
  :l <path>     Load Nix expression and add it to scope
  :p <expr>     Evaluate and print expression recursively
  :q            Exit cairn repl
  :t <expr>     Describe result of evaluation
  :?            Show this help";

/// The REPL's state: the evaluator, the variables in scope and the input
/// of an unfinished multi-line entry.
pub(crate) struct Repl {
    evaluator: Evaluator,
    cwd: String,
    scope: Vec<(Symbol, Value)>,
    pending: String,
}

impl Repl {
    /// A REPL evaluating with `evaluator`, resolving relative paths against
    /// `cwd`.
    pub(crate) fn new(evaluator: Evaluator, cwd: String) -> Repl {
        Repl {
            evaluator,
            cwd,
            scope: Vec::new(),
            pending: String::new(),
        }
    }

    /// Handles one line of input.
    pub(crate) fn feed(&mut self, line: &str) -> Reply {
        if !self.pending.is_empty() {
            self.pending.push('\n');
        }
        self.pending.push_str(line);
        let input = std::mem::take(&mut self.pending);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Reply::Print(String::new());
        }
        let result = if let Some(rest) = trimmed.strip_prefix(':') {
            let (command, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let arg = arg.trim();
            match command {
                "q" | "quit" => return Reply::Quit,
                "?" | "help" => Ok(HELP.to_string()),
                "p" | "print" => self.eval(arg).and_then(|v| self.show(&v, usize::MAX)),
                "t" | "type" => self.eval(arg).map(|v| v.type_description()),
                "a" | "add" => self.eval(arg).and_then(|v| self.add_attrs(&v)),
                "l" | "load" => {
                    let expr = format!("import {}", path_expr(arg));
                    self.eval(&expr).and_then(|v| self.add_attrs(&v))
                }
                _ => Ok(format!("error: unknown command ':{command}'")),
            }
        } else if let Some((name, expr)) = binding(trimmed) {
            self.delay(expr).map(|v| {
                self.bind(name.into(), v);
                String::new()
            })
        } else {
            self.eval(trimmed).and_then(|v| self.show(&v, 1))
        };
        match result {
            Ok(text) => Reply::Print(text),
            Err(err) if incomplete(&err) => {
                self.pending = input;
                Reply::More
            }
            Err(err) => Reply::Print(render(&err)),
        }
    }

    /// Whether a multi-line entry is being read.
    pub(crate) fn continuing(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Completion candidates for the text before the cursor: where the
    /// replaced word starts and the words. `a.b.fo` completes attributes of
    /// `a.b`; a plain word completes variables and builtins.
    pub(crate) fn complete(&mut self, before: &str) -> (usize, Vec<String>) {
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || "_-'.".contains(c)))
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        let mut out: Vec<String> = match word.rsplit_once('.') {
            Some((base, partial)) => {
                let attrs =
                    self.eval(base)
                        .ok()
                        .and_then(|v| match self.evaluator.force_value(&v) {
                            Ok(Value::Attrs(a)) => Some(a),
                            _ => None,
                        });
                attrs
                    .map(|a| {
                        a.iter()
                            .map(|(k, _)| k.to_string())
                            .filter(|k| k.starts_with(partial))
                            .map(|k| format!("{base}.{k}"))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            None => self
                .scope
                .iter()
                .map(|(k, _)| k.to_string())
                .chain(self.evaluator.global_names())
                .chain(
                    [
                        "if", "then", "else", "let", "in", "with", "rec", "inherit", "assert",
                    ]
                    .map(str::to_string),
                )
                .filter(|k| k.starts_with(word))
                .collect(),
        };
        out.sort();
        out.dedup();
        (start, out)
    }

    fn bind(&mut self, name: Symbol, value: Value) {
        match self.scope.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.scope.push((name, value)),
        }
    }

    fn delay(&mut self, text: &str) -> Result<Value, EvalError> {
        self.evaluator
            .delay_source_in_scope("«string»", text, &self.cwd, &self.scope)
    }

    fn eval(&mut self, text: &str) -> Result<Value, EvalError> {
        let v = self.delay(text)?;
        self.evaluator.force_value(&v)
    }

    fn add_attrs(&mut self, v: &Value) -> Result<String, EvalError> {
        let attrs = self.evaluator.expect_attrs(v)?;
        for (name, value) in attrs.iter() {
            self.bind(*name, value.clone());
        }
        Ok(format!("Added {} variables.", attrs.len()))
    }

    /// Prints `v` like Nix 2.8's REPL: sets and lists `depth` levels deep
    /// (then `{ ... }` / `[ ... ]`), functions as `«lambda @ POS»` and
    /// `«primop»`, errors inside as `«error: …»`.
    /// An error other than `throw` or `assert` ends the printing; what was
    /// printed before it stays, followed by the error (as in Nix, whose
    /// partial output and error meet on the terminal).
    fn show(&mut self, v: &Value, depth: usize) -> Result<String, EvalError> {
        let mut out = String::new();
        match self.show_into(v, depth, &mut out) {
            Ok(()) => Ok(out),
            Err(err) if out.is_empty() => Err(err),
            Err(err) => Ok(out + &render(&err)),
        }
    }

    fn show_into(&mut self, v: &Value, depth: usize, out: &mut String) -> Result<(), EvalError> {
        let v = self.evaluator.force_value(v)?;
        match &v {
            Value::Attrs(a) => {
                if a.get("type")
                    .map(|t| self.evaluator.force_value(t))
                    .and_then(Result::ok)
                    .is_some_and(|t| matches!(&t, Value::String(s) if s.as_str() == "derivation"))
                {
                    let drv = a
                        .get("drvPath")
                        .and_then(|d| self.evaluator.force_value(d).ok())
                        .and_then(|d| match d {
                            Value::String(s) => Some(s.as_str().to_string()),
                            _ => None,
                        })
                        .unwrap_or_else(|| "???".to_string());
                    out.push_str(&format!("«derivation {drv}»"));
                } else if depth == 0 {
                    out.push_str("{ ... }");
                } else {
                    out.push_str("{ ");
                    for (name, x) in a.iter() {
                        attr_name(name, out);
                        out.push_str(" = ");
                        self.show_element(x, depth - 1, out)?;
                        out.push_str("; ");
                    }
                    out.push('}');
                }
            }
            Value::List(l) => {
                if depth == 0 {
                    out.push_str("[ ... ]");
                } else {
                    out.push_str("[ ");
                    for x in l.iter() {
                        self.show_element(x, depth - 1, out)?;
                        out.push(' ');
                    }
                    out.push(']');
                }
            }
            Value::Lambda(_) => {
                let pos = self.evaluator.lambda_position(&v).unwrap_or_default();
                out.push_str(&format!("«lambda @ {pos}»"));
            }
            Value::PrimOp(_) => {
                if v.to_string() == "<PRIMOP>" {
                    out.push_str("«primop»");
                } else {
                    out.push_str("«primop-app»");
                }
            }
            other => out.push_str(&other.to_string()),
        }
        Ok(())
    }

    /// An element of a set or list: a `throw` or failed `assert` in it is
    /// shown in place (Nix 2.8 catches only those there).
    fn show_element(&mut self, v: &Value, depth: usize, out: &mut String) -> Result<(), EvalError> {
        let mut inner = String::new();
        match self.show_into(v, depth, &mut inner) {
            Ok(()) => out.push_str(&inner),
            Err(err) if err.is_catchable() => {
                out.push_str(&format!("«error: error: {}»", err.kind));
            }
            Err(err) => {
                out.push_str(&inner);
                return Err(err);
            }
        }
        Ok(())
    }
}

/// `NAME = EXPR` (not `==`), as Nix's REPL recognises a binding.
fn binding(line: &str) -> Option<(&str, &str)> {
    let (name, expr) = line.split_once('=')?;
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-'".contains(c));
    (valid && !expr.starts_with('=')).then_some((name, expr.trim()))
}

/// A `:l` argument as an expression: `<name>` and paths as they are,
/// anything else as a relative path.
fn path_expr(arg: &str) -> String {
    if arg.starts_with('<')
        || arg.starts_with('/')
        || arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('~')
    {
        arg.to_string()
    } else {
        format!("./{arg}")
    }
}

/// Whether the error says the input ended too early (more lines needed).
fn incomplete(err: &EvalError) -> bool {
    matches!(&err.kind, cairn_eval::ErrorKind::Parse(m) if m.starts_with("unexpected end of file"))
}

/// An error as the REPL shows it: Nix's text without trace frames and
/// without the `--show-trace` hint.
fn render(err: &EvalError) -> String {
    let mut err = err.clone();
    err.trace.clear();
    err.render(false)
}

/// An attribute name, quoted when it is not an identifier (as Nix 2.8
/// prints names; `or` is bare).
fn attr_name(name: &str, out: &mut String) {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c))
        && !matches!(
            name,
            "if" | "then" | "else" | "assert" | "with" | "let" | "in" | "rec" | "inherit"
        );
    if plain {
        out.push_str(name);
    } else {
        out.push_str(&Value::string(name).to_string());
    }
}

/// Runs `cairn repl`.
pub(crate) fn run(env: &Environment, stdout: &mut dyn Write) -> CliResult {
    let cwd = current_dir()?.display().to_string();
    let mut repl = Repl::new(new_evaluator(env, &[], false), cwd);
    if std::io::stdin().is_terminal() {
        interactive(repl, env.repl_history(), stdout)
    } else {
        piped(&mut repl, stdout)
    }
}

/// Lines from a pipe: results only, no prompts.
fn piped(repl: &mut Repl, stdout: &mut dyn Write) -> CliResult {
    for line in std::io::stdin().lock().lines() {
        let line =
            line.map_err(|err| CliError::user(format!("cannot read standard input: {err}")))?;
        match repl.feed(&line) {
            Reply::Quit => return Ok(()),
            Reply::More => {}
            Reply::Print(text) if text.is_empty() => {}
            Reply::Print(text) => {
                writeln!(stdout, "{text}").map_err(|err| CliError::stdout(&err))?;
            }
        }
    }
    Ok(())
}

/// The terminal front end.
fn interactive(repl: Repl, history: Option<PathBuf>, stdout: &mut dyn Write) -> CliResult {
    use rustyline::error::ReadlineError;

    // Like Nix's editline: the first Tab completes the common prefix, the
    // second lists the candidates.
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .max_history_size(1000)
        .map_err(|err| CliError::internal(format!("bad line editor setting: {err}")))?
        .build();
    let mut editor: rustyline::Editor<Completer, rustyline::history::DefaultHistory> =
        rustyline::Editor::with_config(config)
            .map_err(|err| CliError::user(format!("cannot start the line editor: {err}")))?;
    let completer = Completer {
        repl: std::cell::RefCell::new(None),
    };
    editor.set_helper(Some(completer));
    if let Some(file) = &history {
        // A missing history file is normal on the first run.
        let _ = editor.load_history(file);
    }
    writeln!(
        stdout,
        "Welcome to cairn {} (the Nix {} language). Type :? for help.\n",
        env!("CARGO_PKG_VERSION"),
        cairn_eval::NIX_VERSION
    )
    .map_err(|err| CliError::stdout(&err))?;
    // The completer needs the REPL while rustyline owns the helper: lend it
    // for the duration of each `readline`.
    let mut owned = Some(repl);
    loop {
        let prompt = if owned.as_ref().is_some_and(Repl::continuing) {
            "           "
        } else {
            "cairn-repl> "
        };
        if let Some(h) = editor.helper_mut() {
            *h.repl.borrow_mut() = owned.take();
        }
        let line = editor.readline(prompt);
        owned = editor.helper_mut().and_then(|h| h.repl.borrow_mut().take());
        let Some(r) = owned.as_mut() else { break };
        match line {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                match r.feed(&line) {
                    Reply::Quit => break,
                    Reply::More => continue,
                    // Nix's REPL leaves one empty line after each entry.
                    Reply::Print(text) if text.is_empty() => {
                        writeln!(stdout).map_err(|err| CliError::stdout(&err))?;
                    }
                    Reply::Print(text) => {
                        writeln!(stdout, "{text}\n").map_err(|err| CliError::stdout(&err))?;
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break,
            Err(err) => return Err(CliError::user(format!("cannot read input: {err}"))),
        }
    }
    if let Some(file) = &history {
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        editor.save_history(file).map_err(|err| {
            CliError::user(format!(
                "cannot save the REPL history to {}: {err}",
                file.display()
            ))
        })?;
    }
    Ok(())
}

/// rustyline's helper: completion through [`Repl::complete`].
struct Completer {
    repl: std::cell::RefCell<Option<Repl>>,
}

impl rustyline::completion::Completer for Completer {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let mut repl = self.repl.borrow_mut();
        Ok(match repl.as_mut() {
            Some(r) => r.complete(&line[..pos]),
            None => (pos, Vec::new()),
        })
    }
}

impl rustyline::hint::Hinter for Completer {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Completer {}
impl rustyline::validate::Validator for Completer {}
impl rustyline::Helper for Completer {}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use cairn_eval::{EvalOptions, StdIo};

    use super::*;

    fn repl() -> Repl {
        Repl::new(
            Evaluator::new(Rc::new(StdIo), EvalOptions::default()),
            "/tmp".to_string(),
        )
    }

    fn print(r: &mut Repl, line: &str) -> String {
        match r.feed(line) {
            Reply::Print(t) => t,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn evaluates_and_binds() {
        let mut r = repl();
        assert_eq!(print(&mut r, "1 + 2"), "3");
        assert_eq!(
            print(&mut r, "x = { a = 1; b = [ 1 2 ]; c = { d = 1; }; }"),
            ""
        );
        assert_eq!(print(&mut r, "x"), "{ a = 1; b = [ ... ]; c = { ... }; }");
        assert_eq!(
            print(&mut r, ":p x"),
            "{ a = 1; b = [ 1 2 ]; c = { d = 1; }; }"
        );
        assert_eq!(print(&mut r, ":t x"), "a set");
        assert_eq!(print(&mut r, "x.a == 1"), "true");
        assert_eq!(print(&mut r, "\"s\""), "\"s\"");
    }

    #[test]
    fn functions_and_errors_print_like_nix() {
        let mut r = repl();
        assert_eq!(print(&mut r, "builtins.map"), "«primop»");
        assert_eq!(print(&mut r, "map (x: x)"), "«primop-app»");
        assert_eq!(print(&mut r, "f = y: y"), "");
        assert_eq!(print(&mut r, "f"), "«lambda @ (string):1:1»");
        assert_eq!(
            print(&mut r, "[ 1 (throw \"no\") ]"),
            "[ 1 «error: error: no» ]"
        );
        assert_eq!(print(&mut r, "throw \"no\""), "error: no");
        assert_eq!(
            print(&mut r, "{ a = 1 + \"x\"; b = 2; }"),
            "{ a = error: cannot add a string to an integer\n\n       at «string»:1:11:\n\n            1| { a = 1 + \"x\"; b = 2; }\n             |           ^"
        );
        assert_eq!(
            print(&mut r, "{ \"a b\" = 1; or = 2; }"),
            "{ \"a b\" = 1; or = 2; }"
        );
        assert_eq!(print(&mut r, ":t map"), "the built-in function 'map'");
        assert_eq!(
            print(&mut r, ":t map (x: x)"),
            "the partially applied built-in function 'map'"
        );
    }

    #[test]
    fn multi_line_input_and_commands() {
        let mut r = repl();
        assert_eq!(r.feed("{ a ="), Reply::More);
        assert!(r.continuing());
        assert_eq!(print(&mut r, "1; }"), "{ a = 1; }");
        assert_eq!(
            print(&mut r, ":a { zz = 5; yy = 6; }"),
            "Added 2 variables."
        );
        assert_eq!(print(&mut r, "zz + yy"), "11");
        assert!(print(&mut r, ":?").contains(":p <expr>"));
        assert_eq!(r.feed(":q"), Reply::Quit);
    }

    #[test]
    fn loads_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.nix"), "{ fromFile = 42; }").unwrap();
        let mut r = Repl::new(
            Evaluator::new(Rc::new(StdIo), EvalOptions::default()),
            dir.path().display().to_string(),
        );
        assert_eq!(print(&mut r, ":l f.nix"), "Added 1 variables.");
        assert_eq!(print(&mut r, "fromFile"), "42");
    }

    #[test]
    fn completes_attributes_and_builtins() {
        let mut r = repl();
        print(&mut r, "pkgs = { foo = 1; fob = 2; bar = 3; }");
        assert_eq!(
            r.complete("pkgs.fo"),
            (0, vec!["pkgs.fob".to_string(), "pkgs.foo".to_string()])
        );
        let (start, words) = r.complete("1 + builtins.toJS");
        assert_eq!((start, words), (4, vec!["builtins.toJSON".to_string()]));
        let (_, words) = r.complete("pk");
        assert_eq!(words, ["pkgs"]);
        let (_, words) = r.complete("abo");
        assert_eq!(words, ["abort"]);
    }
}
