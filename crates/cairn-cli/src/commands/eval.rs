//! `cairn eval`: evaluate a Nix expression and print its value, like
//! `nix-instantiate --eval` (Nix 2.8): the same values, the same printing
//! and the same error messages. The evaluator setup and the printing are
//! shared with the `nix-instantiate` personality (`commands::instantiate`)
//! and `cairn repl`.

use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use cairn_eval::{EvalError, EvalOptions, EvalResult, Evaluator, Value};
use cairn_glue::{GlueIo, Mode};
use cairn_store_path::StoreDir;

use crate::args::EvalArgs;
use crate::commands::emit_line;
use crate::environment::Environment;
use crate::error::{CliError, CliResult};

/// An evaluator set up like Nix's: `-I` entries before `NIX_PATH`, `$HOME`
/// for `~/…` paths, the process environment for `getEnv`, and
/// `builtins.trace`/`warn` reporting on standard error. It has the
/// store-aware builtins in read-only mode, as `nix-instantiate --eval`:
/// store paths are computed, nothing is written.
pub(crate) fn new_evaluator(env: &Environment, include: &[String], show_trace: bool) -> Evaluator {
    let io = GlueIo::new(StoreDir::default(), None, Mode::ReadOnly);
    new_store_evaluator(env, include, show_trace, Rc::new(io))
}

/// [`new_evaluator`] with the store access of `io` (read-write for
/// `cairn instantiate` and `--read-write-mode`).
pub(crate) fn new_store_evaluator(
    env: &Environment,
    include: &[String],
    show_trace: bool,
    io: Rc<GlueIo>,
) -> Evaluator {
    // Relative search path entries are relative to the current directory
    // (Nix makes them absolute when it resolves them).
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |entry: &String| -> String {
        let (prefix, path) = match entry.split_once('=') {
            Some((prefix, path)) => (Some(prefix), path),
            None => (None, entry.as_str()),
        };
        if path.starts_with('/') || path.contains("://") || path.is_empty() {
            return entry.clone();
        }
        let path = cwd.join(path).display().to_string();
        match prefix {
            Some(prefix) => format!("{prefix}={path}"),
            None => path,
        }
    };
    let mut nix_path: Vec<String> = include.iter().map(absolute).collect();
    if let Some(value) = env.variables().get("NIX_PATH") {
        nix_path.extend(
            value
                .split(':')
                .filter(|entry| !entry.is_empty())
                .map(|entry| absolute(&entry.to_owned())),
        );
    }
    let options = EvalOptions {
        home_dir: env.home().map(|home| home.display().to_string()),
        nix_path,
        environment: env.variables().clone(),
        show_trace,
        ..EvalOptions::default()
    };
    let mut evaluator = cairn_glue::evaluator(options, io);
    #[expect(
        clippy::print_stderr,
        reason = "builtins.trace reports on standard error, filtered like Nix's logger"
    )]
    evaluator.set_trace_handler(|message| {
        eprintln!(
            "{}",
            cairn_eval::terminal_text(&format!("trace: {message}"))
        );
    });
    #[expect(
        clippy::print_stderr,
        reason = "builtins.warn reports on standard error, as in Nix"
    )]
    evaluator.set_warning_handler(|message| eprintln!("warning: {message}"));
    evaluator
}

/// The current directory, which relative paths and `-E` resolve against.
pub(crate) fn current_dir() -> CliResult<std::path::PathBuf> {
    std::env::current_dir().map_err(|err| {
        CliError::user(format!("cannot determine the current directory: {err}"))
            .with_help("run cairn from a directory that exists")
    })
}

/// How `--eval` prints values.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Output {
    /// `--strict`: force the whole value.
    pub(crate) strict: bool,
    /// `--json`.
    pub(crate) json: bool,
    /// `--xml`.
    pub(crate) xml: bool,
    /// `--no-location` (XML only).
    pub(crate) no_location: bool,
}

/// Prints `value` as `nix-instantiate --eval` does with `output`; XML
/// comes with its own final newline, the others need one. An error comes
/// with what Nix prints on standard output before reporting it: the XML
/// document up to the error (its elements closed), else nothing.
pub(crate) fn print_value(
    evaluator: &mut Evaluator,
    value: &Value,
    output: Output,
) -> Result<String, (String, EvalError)> {
    let no_partial = |e| (String::new(), e);
    if output.json {
        evaluator.print_json(value).map_err(no_partial)
    } else if output.xml {
        evaluator.print_xml_partial(value, output.strict, !output.no_location)
    } else if output.strict {
        evaluator.print_strict(value).map_err(no_partial)
    } else {
        evaluator.print_lazy(value).map_err(no_partial)
    }
}

/// The `--arg NAME EXPR` and `--argstr NAME STRING` values (each given as
/// flat `[name, value, …]` pairs) for auto-calling the result. `--arg`
/// expressions are parsed now and evaluated when used, as in Nix.
pub(crate) fn auto_args(
    evaluator: &mut Evaluator,
    args: &[String],
    argstrs: &[String],
    cwd_text: &str,
) -> EvalResult<Vec<(String, Value)>> {
    let mut auto_args = Vec::new();
    for pair in args.chunks(2) {
        let [name, expr] = pair else { continue };
        let value = evaluator.delay_source("«string»", expr, cwd_text)?;
        auto_args.push((name.clone(), value));
    }
    for pair in argstrs.chunks(2) {
        let [name, text] = pair else { continue };
        auto_args.push((name.clone(), Value::string(text.as_str())));
    }
    Ok(auto_args)
}

/// Evaluates the file at `file` (relative to `cwd`; a directory means its
/// `default.nix`).
pub(crate) fn eval_file(evaluator: &mut Evaluator, cwd: &Path, file: &Path) -> EvalResult<Value> {
    let path = if file.is_absolute() {
        file.to_path_buf()
    } else {
        cwd.join(file)
    };
    evaluator.eval_file(&path.display().to_string())
}

/// Runs `cairn eval` (read-only; `--read-write-mode` is
/// `commands::instantiation::eval_read_write`).
pub(crate) fn run(args: &EvalArgs, env: &Environment, stdout: &mut dyn Write) -> CliResult {
    run_with(
        args,
        new_evaluator(env, &args.include, args.show_trace),
        stdout,
    )
}

/// Runs `cairn eval` with `evaluator`.
pub(crate) fn run_with(
    args: &EvalArgs,
    mut evaluator: Evaluator,
    stdout: &mut dyn Write,
) -> CliResult {
    let cwd = current_dir()?;
    let show_trace = args.show_trace;
    let fail = |err: EvalError| eval_error(&err, show_trace);

    let cwd_text = cwd.display().to_string();
    let auto_args =
        auto_args(&mut evaluator, &args.args, &args.argstrs, &cwd_text).map_err(fail)?;

    let value = match (&args.expr, &args.file) {
        (Some(expr), _) => evaluator.eval_source("«string»", expr, &cwd_text),
        (None, Some(file)) => eval_file(&mut evaluator, &cwd, file),
        (None, None) => eval_file(&mut evaluator, &cwd, Path::new("default.nix")),
    }
    .map_err(fail)?;

    let attr_paths: Vec<&str> = if args.attr.is_empty() {
        vec![""]
    } else {
        args.attr.iter().map(String::as_str).collect()
    };
    let root = evaluator.auto_call(&value, &auto_args).map_err(fail)?;
    let output = Output {
        strict: args.strict,
        json: args.json,
        xml: args.xml,
        no_location: args.no_location,
    };
    for attr_path in attr_paths {
        let selected = if attr_path.is_empty() {
            root.clone()
        } else {
            let v = evaluator.select_attr_path(&root, attr_path).map_err(fail)?;
            evaluator.auto_call(&v, &auto_args).map_err(fail)?
        };
        let text = match print_value(&mut evaluator, &selected, output) {
            Ok(text) => text,
            Err((partial, err)) => {
                crate::commands::emit(stdout, partial.as_bytes())?;
                return Err(fail(err));
            }
        };
        if args.xml {
            crate::commands::emit(stdout, text.as_bytes())?;
        } else {
            emit_line(stdout, &text)?;
        }
    }
    Ok(())
}

/// An evaluation error, shown exactly as Nix shows it (with the full trace
/// under `--show-trace`, else Nix's hint when there is one), then cairn's
/// help line.
fn eval_error(err: &EvalError, show_trace: bool) -> CliError {
    let help = if err.pos.is_some() {
        "fix the expression at the position shown above"
    } else {
        "check the expression and the files it imports"
    };
    CliError::verbatim(err.render(show_trace)).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_eval::StdIo;

    #[test]
    fn errors_keep_nix_layout() {
        let mut ev = Evaluator::new(Rc::new(StdIo), EvalOptions::default());
        let err = ev.eval_source("«string»", "1 + \"x\"", "/").unwrap_err();
        let rendered = eval_error(&err, false).render(false);
        assert!(rendered.starts_with("error: "), "{rendered}");
        assert!(rendered.contains("help: "), "{rendered}");
    }

    #[test]
    fn hint_without_show_trace() {
        let mut ev = Evaluator::new(Rc::new(StdIo), EvalOptions::default());
        let err = ev
            .eval_source("«string»", "{ a = 1 + \"x\"; }.a", "/")
            .unwrap_err();
        let rendered = eval_error(&err, false).render(false);
        assert!(
            rendered.contains("\n(use '--show-trace' to show detailed location information)"),
            "{rendered}"
        );
        let rendered = eval_error(&err, true).render(false);
        assert!(
            rendered.contains("… while evaluating the attribute 'a'"),
            "{rendered}"
        );
    }
}
