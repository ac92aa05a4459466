//! The `nix-instantiate` personality: when the `cairn` binary is started
//! under the name `nix-instantiate` (a symlink), it takes Nix 2.8's
//! command line and prints exactly what Nix prints, so scripts and Nix's
//! own test harness can run cairn unchanged.
//!
//! Nix's command line does not fit clap (flags with two values, file
//! arguments that are expressions under `-E`, `-` for standard input, and
//! Nix's own error wording and exit codes), so it is parsed by hand here.
//! Errors are printed the way Nix prints them, with no `help:` line, and
//! every failure exits with status 1, as in Nix.
//!
//! Modes, as in Nix 2.8's `nix-instantiate`:
//!
//! - `--parse`: print each expression in Nix's `showExpr` form;
//! - `--eval` (`--strict`, `--json`, `--xml`, `--no-location`): print the
//!   value of each attribute path (`-A`) of each expression;
//! - neither: instantiate the derivations the expression evaluates to and
//!   print their `.drv` paths. That needs the store-aware evaluator; the
//!   seam is [`instantiate_derivations`].

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;

use cairn_eval::{EvalError, Evaluator, Value};

use crate::args::StoreLocation;
use crate::commands::eval::{Output, current_dir, eval_file, new_evaluator, print_value};
use crate::environment::Environment;
use crate::error::ExitStatus;

/// The program name that selects this personality.
pub(crate) const PROGRAM: &str = "nix-instantiate";

/// Where an expression comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// `-`: standard input.
    Stdin,
    /// A positional argument under `-E`.
    Expr(String),
    /// A positional argument: a file, a directory or `<name>`.
    File(String),
}

/// A `--arg` or `--argstr` value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AutoArg {
    Expr(String),
    Str(String),
}

/// The parsed command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Options {
    eval: bool,
    parse: bool,
    output_strict: bool,
    json: bool,
    xml: bool,
    no_location: bool,
    from_args: bool,
    read_stdin: bool,
    positional: Vec<String>,
    attr_paths: Vec<String>,
    auto_args: Vec<(String, AutoArg)>,
    include: Vec<String>,
    show_trace: bool,
    add_root: Option<String>,
    /// `--read-write-mode`: `--eval` writes what it makes to the store.
    read_write_mode: bool,
    /// `--store DIR`: the local store's root.
    store: Option<String>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Run(Box<Options>),
    Help,
    Version,
}

/// Nix's wording of a command-line error (the second line is Nix's too).
fn usage_error(message: &str) -> String {
    format!("error: {message}\nTry '{PROGRAM} --help' for more information.")
}

/// Parses Nix 2.8's `nix-instantiate` flags (the program name excluded).
fn parse_args(args: &[String]) -> Result<Request, String> {
    let mut o = Options::default();
    let mut i = 0;
    // The values of a flag taking `n` of them.
    let take = |i: &mut usize, n: usize, flag: &str| -> Result<Vec<String>, String> {
        if *i + n >= args.len() {
            return Err(usage_error(&format!(
                "flag '{flag}' requires {n} argument(s)"
            )));
        }
        let values = args[*i + 1..=*i + n].to_vec();
        *i += n;
        Ok(values)
    };
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "--help" => return Ok(Request::Help),
            "--version" => return Ok(Request::Version),
            "-" => o.read_stdin = true,
            "--expr" | "-E" => o.from_args = true,
            "--eval" | "--eval-only" => o.eval = true,
            "--parse" | "--parse-only" => {
                o.parse = true;
                o.eval = true;
            }
            "--strict" => o.output_strict = true,
            "--json" => o.json = true,
            "--xml" => o.xml = true,
            "--no-location" => o.no_location = true,
            "--show-trace" => o.show_trace = true,
            "--no-show-trace" => o.show_trace = false,
            "--read-write-mode" => o.read_write_mode = true,
            "--store" => o.store = take(&mut i, 1, arg)?.pop(),
            // Accepted for compatibility; cairn's evaluation needs neither.
            "--indirect" | "--repair" | "--dry-run" | "--impure" => {}
            "--attr" | "-A" => o.attr_paths.extend(take(&mut i, 1, arg)?),
            "--add-root" => o.add_root = take(&mut i, 1, arg)?.pop(),
            "--arg" | "--argstr" => {
                let v = take(&mut i, 2, arg)?;
                let value = if arg == "--arg" {
                    AutoArg::Expr(v[1].clone())
                } else {
                    AutoArg::Str(v[1].clone())
                };
                o.auto_args.push((v[0].clone(), value));
            }
            "--include" | "-I" => o.include.extend(take(&mut i, 1, arg)?),
            "--option" => {
                take(&mut i, 2, arg)?;
            }
            _ if arg.len() > 2 && arg.starts_with("-I") => o.include.push(arg[2..].to_string()),
            _ if arg.starts_with('-') && !arg.is_empty() => {
                return Err(usage_error(&format!("unrecognised flag '{arg}'")));
            }
            _ => o.positional.push(arg.to_string()),
        }
        i += 1;
    }
    Ok(Request::Run(Box::new(o)))
}

/// Runs `nix-instantiate ARGS…` (`args` includes the program name).
#[expect(
    clippy::print_stderr,
    reason = "this personality reports errors exactly as Nix does"
)]
pub(crate) fn main(args: Vec<OsString>, env: &Environment, stdout: &mut dyn Write) -> ExitStatus {
    let args: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let options = match parse_args(&args) {
        Ok(Request::Run(options)) => options,
        Ok(Request::Help) => {
            return write_out(stdout, HELP.as_bytes());
        }
        Ok(Request::Version) => {
            let text = format!(
                "{PROGRAM} (cairn {}) {}\n",
                env!("CARGO_PKG_VERSION"),
                cairn_eval::NIX_VERSION
            );
            return write_out(stdout, text.as_bytes());
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitStatus::UserError;
        }
    };
    match run(&options, env, stdout) {
        Ok(()) => ExitStatus::Success,
        Err(Failure::Stdout) => ExitStatus::Success,
        Err(Failure::Message(text)) => {
            eprintln!("{text}");
            ExitStatus::UserError
        }
    }
}

/// Why a run stopped.
enum Failure {
    /// Standard output was closed (`| head`): not an error.
    Stdout,
    /// An error, already worded and laid out like Nix's.
    Message(String),
}

fn write_out(stdout: &mut dyn Write, bytes: &[u8]) -> ExitStatus {
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitStatus::Success,
        Err(_) => ExitStatus::Success,
    }
}

fn run(o: &Options, env: &Environment, stdout: &mut dyn Write) -> Result<(), Failure> {
    let cwd = current_dir().map_err(|e| Failure::Message(e.render(false)))?;
    let cwd_text = cwd.display().to_string();
    // Instantiation and `--read-write-mode` write to the store; `--eval`
    // and `--parse` only compute paths, as in Nix 2.8.
    let (mut ev, store) = if o.parse || (o.eval && !o.read_write_mode) {
        (new_evaluator(env, &o.include, o.show_trace), None)
    } else {
        let location = StoreLocation {
            store: o.store.as_ref().map(std::path::PathBuf::from),
        };
        let settings = env
            .settings(&[])
            .map_err(|e| Failure::Message(e.render(false)))?;
        let ev = crate::commands::instantiation::store_evaluator(
            &location,
            &o.include,
            o.show_trace,
            &settings,
            env,
        )
        .map_err(|e| Failure::Message(e.render(false)))?;
        let store = o
            .add_root
            .as_ref()
            .map(|_| crate::commands::build::open_store(&location, &settings, env))
            .transpose()
            .map_err(|e| Failure::Message(e.render(false)))?;
        (ev, store)
    };
    let fail = |err: EvalError| Failure::Message(err.render(o.show_trace));

    // Like Nix, `--arg` values are parsed before anything else and
    // evaluated when used.
    let mut auto_args = Vec::new();
    for (name, arg) in &o.auto_args {
        let value = match arg {
            AutoArg::Expr(text) => ev.delay_source("«string»", text, &cwd_text).map_err(fail)?,
            AutoArg::Str(text) => Value::string(text.as_str()),
        };
        auto_args.push((name.clone(), value));
    }

    let mut sources = Vec::new();
    if o.read_stdin {
        sources.push(Source::Stdin);
    } else if o.positional.is_empty() && !o.from_args {
        sources.push(Source::File("./default.nix".to_string()));
    }
    for p in &o.positional {
        sources.push(if o.from_args {
            Source::Expr(p.clone())
        } else {
            Source::File(p.clone())
        });
    }

    let attr_paths: Vec<&str> = if o.attr_paths.is_empty() {
        vec![""]
    } else {
        o.attr_paths.iter().map(String::as_str).collect()
    };
    let output = Output {
        strict: o.output_strict,
        json: o.json,
        xml: o.xml,
        no_location: o.no_location,
    };
    for source in &sources {
        if o.parse {
            let text = parse_source(&mut ev, source, &cwd)?;
            emit(stdout, format!("{text}\n").as_bytes())?;
            continue;
        }
        let root = eval_source(&mut ev, source, &cwd).map_err(fail)?;
        for attr_path in &attr_paths {
            let value = if attr_path.is_empty() {
                root.clone()
            } else {
                let called = ev.auto_call(&root, &auto_args).map_err(fail)?;
                ev.select_attr_path(&called, attr_path).map_err(fail)?
            };
            if o.eval {
                // Nix calls the value only when there are arguments.
                let value = if auto_args.is_empty() {
                    value
                } else {
                    ev.auto_call(&value, &auto_args).map_err(fail)?
                };
                let text = match print_value(&mut ev, &value, output) {
                    Ok(text) => text,
                    Err((partial, err)) => {
                        emit(stdout, partial.as_bytes())?;
                        return Err(fail(err));
                    }
                };
                // Nix ends XML with a newline of its own and JSON with none.
                if o.xml || o.json {
                    emit(stdout, text.as_bytes())?;
                } else {
                    emit(stdout, format!("{text}\n").as_bytes())?;
                }
            } else {
                for line in instantiate_derivations(&mut ev, &value, &auto_args, o, store.as_ref())?
                {
                    emit(stdout, format!("{line}\n").as_bytes())?;
                }
            }
        }
    }
    Ok(())
}

fn emit(stdout: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|err| {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::Stdout
            } else {
                Failure::Message(format!("error: writing to standard output: {err}"))
            }
        })
}

/// Instantiates the derivations `value` evaluates to (`nix-instantiate`
/// without `--eval`) and returns the lines to print: the `.drv` path, with
/// `!OUTPUT` for outputs other than `out`, or, with `--add-root`, the
/// root's path (`ROOT`, `ROOT-2`, …), a link to the `.drv` registered as a
/// GC root. The `.drv` files were written while evaluating.
#[expect(
    clippy::print_stderr,
    reason = "Nix warns on standard error when no GC root is asked for"
)]
fn instantiate_derivations(
    ev: &mut Evaluator,
    value: &Value,
    auto_args: &[(String, Value)],
    options: &Options,
    store: Option<&std::sync::Arc<cairn_store::LocalStore>>,
) -> Result<Vec<String>, Failure> {
    let fail = |err: EvalError| Failure::Message(err.render(options.show_trace));
    let found = cairn_glue::find_derivations(ev, value, auto_args).map_err(fail)?;
    let mut lines = Vec::with_capacity(found.len());
    for (n, d) in found.iter().enumerate() {
        let Some(root) = &options.add_root else {
            if n == 0 {
                eprintln!(
                    "warning: you did not specify '--add-root'; the result might be removed by the garbage collector"
                );
            }
            lines.push(d.instantiate_line());
            continue;
        };
        let Some(store) = store else {
            lines.push(d.instantiate_line());
            continue;
        };
        let cwd = current_dir().map_err(|e| Failure::Message(e.render(false)))?;
        let mut name = cwd.join(root).into_os_string();
        if n > 0 {
            name.push(format!("-{}", n + 1));
        }
        let name = std::path::PathBuf::from(name);
        let drv = cairn_store::Store::store_dir(store.as_ref())
            .parse_path(&d.drv_path)
            .map_err(|e| Failure::Message(format!("error: {e}")))?;
        store
            .add_indirect_root(&drv, &name)
            .map_err(|e| Failure::Message(format!("error: {e}")))?;
        let shown = name.display().to_string();
        lines.push(if d.output_name == "out" {
            shown
        } else {
            format!("{shown}!{}", d.output_name)
        });
    }
    Ok(lines)
}

/// Reads standard input as Nix does for `-`.
fn read_stdin() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|err| Failure::Message(format!("error: reading standard input: {err}")))?;
    Ok(text)
}

/// A file argument as Nix's `lookupFileArg` resolves it: `<name>` through
/// the search path, anything else relative to the current directory.
fn file_path(ev: &mut Evaluator, arg: &str, cwd: &Path) -> Result<String, EvalError> {
    if arg.len() > 2 && arg.starts_with('<') && arg.ends_with('>') {
        let v = ev.eval_source("«string»", arg, &cwd.display().to_string())?;
        return Ok(match v {
            Value::Path(p) => p.to_string(),
            other => ev
                .coerce_to_string(&other, false, false)?
                .as_str()
                .to_string(),
        });
    }
    let path = Path::new(arg);
    Ok(if path.is_absolute() {
        arg.to_string()
    } else {
        cwd.join(path).display().to_string()
    })
}

fn eval_source(ev: &mut Evaluator, source: &Source, cwd: &Path) -> Result<Value, EvalError> {
    let cwd_text = cwd.display().to_string();
    match source {
        Source::Stdin => {
            let text = read_stdin().unwrap_or_default();
            ev.eval_source("«stdin»", &text, &cwd_text)
        }
        Source::Expr(text) => ev.eval_source("«string»", text, &cwd_text),
        Source::File(arg) => {
            let path = file_path(ev, arg, cwd)?;
            eval_file(ev, cwd, Path::new(&path))
        }
    }
}

fn parse_source(ev: &mut Evaluator, source: &Source, cwd: &Path) -> Result<String, Failure> {
    let cwd_text = cwd.display().to_string();
    let (name, text, base) = match source {
        Source::Stdin => ("«stdin»".to_string(), read_stdin()?, cwd_text),
        Source::Expr(text) => ("«string»".to_string(), text.clone(), cwd_text),
        Source::File(arg) => {
            let path = file_path(ev, arg, cwd).map_err(|e| Failure::Message(e.render(true)))?;
            let path = if Path::new(&path).is_dir() {
                format!("{}/default.nix", path.trim_end_matches('/'))
            } else {
                path
            };
            // Nix reads bytes; text that is not UTF-8 is read lossily.
            let bytes = std::fs::read(&path).map_err(|err| {
                Failure::Message(format!(
                    "error: getting status of '{path}': {}",
                    os_reason(&err)
                ))
            })?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let dir = Path::new(&path)
                .parent()
                .map_or_else(|| "/".to_string(), |d| d.display().to_string());
            (path, text, dir)
        }
    };
    ev.parse_and_show(&name, &text, &base)
        .map_err(|e| Failure::Message(e.render(true)))
}

/// An I/O error's reason without Rust's ` (os error N)` suffix, as Nix
/// words it.
fn os_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

const HELP: &str = "\
Usage: nix-instantiate [OPTION...] [FILE...]

Evaluate Nix expressions (cairn's nix-instantiate personality).

  --eval            evaluate and print the value instead of instantiating
  --strict          evaluate the whole value, not just its outermost layer
  --json, --xml     print the value as JSON or XML (--no-location: XML without positions)
  --parse           print the parsed expression
  -E, --expr        the arguments are expressions, not files
  -                 read the expression from standard input
  -A, --attr PATH   select an attribute path of the value (repeatable)
  --arg NAME EXPR   pass NAME = EXPR to a function taking a set
  --argstr NAME S   pass NAME = \"S\" to a function taking a set
  -I PATH           add a search path entry for <name> lookups
  --show-trace      show every frame of an evaluation error's trace
";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Request, String> {
        parse_args(&args.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_nix_flags() {
        let Ok(Request::Run(o)) = parse(&[
            "--eval",
            "--strict",
            "-E",
            "x",
            "--arg",
            "a",
            "1",
            "--argstr",
            "b",
            "s",
            "-A",
            "p",
            "-I",
            "n=/x",
            "-Iy",
            "-",
            "--read-write-mode",
            "--show-trace",
        ]) else {
            panic!("parse failed");
        };
        assert!(o.eval && o.output_strict && o.from_args && o.read_stdin && o.show_trace);
        assert_eq!(o.positional, ["x"]);
        assert_eq!(o.attr_paths, ["p"]);
        assert_eq!(o.include, ["n=/x", "y"]);
        assert_eq!(
            o.auto_args,
            [
                ("a".to_string(), AutoArg::Expr("1".into())),
                ("b".to_string(), AutoArg::Str("s".into()))
            ]
        );
    }

    #[test]
    fn nix_wording_of_usage_errors() {
        assert_eq!(
            parse(&["--foo"]).unwrap_err(),
            "error: unrecognised flag '--foo'\nTry 'nix-instantiate --help' for more information."
        );
        assert_eq!(
            parse(&["--eval", "--arg", "x"]).unwrap_err(),
            "error: flag '--arg' requires 2 argument(s)\nTry 'nix-instantiate --help' for more information."
        );
        assert_eq!(
            parse(&["--parse"]).map(|r| matches!(r, Request::Run(o) if o.eval)),
            Ok(true)
        );
    }
}
