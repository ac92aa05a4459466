//! `cairn eval`: evaluate a Nix expression and print its value, like
//! `nix-instantiate --eval` (Nix 2.8): the same values, the same printing
//! and the same error messages.

use std::io::Write;
use std::rc::Rc;

use cairn_eval::{EvalError, EvalOptions, Evaluator, StdIo, Value};

use crate::args::EvalArgs;
use crate::commands::emit_line;
use crate::environment::Environment;
use crate::error::{CliError, CliResult};

/// Runs `cairn eval`.
pub(crate) fn run(args: &EvalArgs, env: &Environment, stdout: &mut dyn Write) -> CliResult {
    let cwd = std::env::current_dir().map_err(|err| {
        CliError::user(format!("cannot determine the current directory: {err}"))
            .with_help("run cairn from a directory that exists")
    })?;
    let mut nix_path = args.include.clone();
    if let Some(value) = env.variables().get("NIX_PATH") {
        nix_path.extend(
            value
                .split(':')
                .filter(|entry| !entry.is_empty())
                .map(str::to_owned),
        );
    }
    let options = EvalOptions {
        home_dir: env.home().map(|home| home.display().to_string()),
        nix_path,
        environment: env.variables().clone(),
        ..EvalOptions::default()
    };
    let mut evaluator = Evaluator::new(Rc::new(StdIo), options);
    #[expect(
        clippy::print_stderr,
        reason = "builtins.trace reports on standard error, as in Nix"
    )]
    evaluator.set_trace_handler(|message| eprintln!("trace: {message}"));
    #[expect(
        clippy::print_stderr,
        reason = "builtins.warn reports on standard error, as in Nix"
    )]
    evaluator.set_warning_handler(|message| eprintln!("warning: {message}"));

    let cwd_text = cwd.display().to_string();
    let value = match (&args.expr, &args.file) {
        (Some(expr), _) => evaluator.eval_source("«string»", expr, &cwd_text),
        (None, Some(file)) => {
            let path = if file.is_absolute() {
                file.clone()
            } else {
                cwd.join(file)
            };
            evaluator.eval_file(&path.display().to_string())
        }
        (None, None) => evaluator.eval_file(&cwd.join("default.nix").display().to_string()),
    }
    .map_err(eval_error)?;

    let mut auto_args = Vec::new();
    for pair in args.args.chunks(2) {
        let [name, expr] = pair else { continue };
        let value = evaluator
            .eval_source("«string»", expr, &cwd_text)
            .map_err(|err| eval_error(err).context(format!("in the value of --arg {name}")))?;
        auto_args.push((name.clone(), value));
    }
    for pair in args.argstrs.chunks(2) {
        let [name, text] = pair else { continue };
        auto_args.push((name.clone(), Value::string(text.as_str())));
    }

    let attr_paths: Vec<&str> = if args.attr.is_empty() {
        vec![""]
    } else {
        args.attr.iter().map(String::as_str).collect()
    };
    let root = evaluator
        .auto_call(&value, &auto_args)
        .map_err(eval_error)?;
    for attr_path in attr_paths {
        let selected = if attr_path.is_empty() {
            root.clone()
        } else {
            let v = evaluator
                .select_attr_path(&root, attr_path)
                .map_err(eval_error)?;
            evaluator.auto_call(&v, &auto_args).map_err(eval_error)?
        };
        let text = if args.json {
            evaluator.print_json(&selected)
        } else if args.xml {
            evaluator.print_xml(&selected, args.strict, !args.no_location)
        } else if args.strict {
            evaluator.print_strict(&selected)
        } else {
            evaluator.print_lazy(&selected)
        }
        .map_err(eval_error)?;
        if args.xml {
            crate::commands::emit(stdout, text.as_bytes())?;
        } else {
            emit_line(stdout, &text)?;
        }
    }
    Ok(())
}

/// An evaluation error, shown exactly as Nix shows it.
fn eval_error(err: EvalError) -> CliError {
    let help = if err.pos.is_some() {
        "fix the expression at the position shown above"
    } else {
        "check the expression and the files it imports"
    };
    CliError::verbatim(err.to_string()).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_nix_layout() {
        let mut ev = Evaluator::new(Rc::new(StdIo), EvalOptions::default());
        let err = ev.eval_source("«string»", "1 + \"x\"", "/").unwrap_err();
        let rendered = eval_error(err).render(false);
        assert!(rendered.starts_with("error: "), "{rendered}");
        assert!(rendered.contains("help: "), "{rendered}");
    }
}
