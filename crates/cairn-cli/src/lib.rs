//! The `cairn` command line: the one crate that parses arguments, reads the
//! environment and configuration files, prints, and chooses exit codes.
//!
//! # Brief overview
//!
//! A run goes through three steps, each in its own module:
//!
//! 1. `args`: clap derive types; their doc comments are the `--help` text.
//! 2. `environment`: the only place that reads environment variables
//!    (`CAIRN_*`, `NO_COLOR`, `HOME`, `XDG_CONFIG_HOME`); they are turned
//!    into plain values and passed on.
//! 3. `commands::<group>`: one module per command group (`hash`, `store`,
//!    `nar`, `derivation`, `key`, `config`, `eval`, `repl`), each a thin layer over a library crate.
//!
//! Started under the name `nix-instantiate` (a symlink to the binary),
//! `run` skips clap and hands Nix's command line to
//! `commands::instantiate`, which prints and exits exactly as Nix 2.8 does;
//! under the name `nix-env`, to `commands::nix_env`, Nix's profile
//! commands over the operations of `cairn profile`.
//!
//! Errors from the libraries are sorted into user and internal errors by
//! [`CliError`] and rendered with miette, with a `help:` line that says what
//! to do next. Exit codes: 0 success, 1 user error, 2 usage error, 101
//! internal error (also what a panic gives).
//!
//! # File overview
//!
//! | File | Read or written by |
//! |---|---|
//! | `/etc/cairn/cairn.conf`, `~/.config/cairn/cairn.conf` | `environment` → `cairn-settings` |
//! | `/etc/apt/sources.list{,.d/*.list,.d/*.sources}` (default `mirrors.debian`, `pkgs lock`) | `apt` → `cairn-deb` |
//! | NAR archives (`store dump`, `store restore`, `nar ls`) | `commands::store`, `commands::nar` → `cairn-nar` |
//! | `.drv` files (`derivation show`) | `commands::derivation` → `cairn-derivation` |
//! | `.nix` files (`eval`, `import`, `<name>` lookups) | `commands::eval` → `cairn-eval` |
//! | the package collection (`-f FILE`, the `collection` setting, else the source tree's `nix/pkgs`; `search`) | `commands::collection` → `cairn-glue` |
//! | secret and public key files (`key generate`) | `commands::key` → `cairn-narinfo` |
//! | `~/.local/state/cairn/repl-history` (`repl`) | `commands::repl` (rustyline) |
//! | profiles (`P`, `P-N-link`, `P.lock`), `~/.local/state/cairn/profile`, user environments (`profile …`) | `commands::profile` → `cairn-profile` |
//!
//! # Example
//!
//! The library entry point takes the arguments and streams explicitly, so it
//! can be driven in-process:
//!
//! ```
//! let mut stdout = Vec::new();
//! let status = cairn_cli::run(
//!     ["cairn", "hash", "convert", "--to", "nix32",
//!      "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM="],
//!     &mut stdout,
//! );
//! assert_eq!(status, cairn_cli::ExitStatus::Success);
//! assert_eq!(stdout, b"00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq\n");
//! ```

#![expect(
    clippy::print_stderr,
    reason = "the CLI is the one crate that reports to the user"
)]

mod apt;
pub mod args;
mod commands;
mod environment;
mod error;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

pub use error::{CliError, CliResult, ErrorKind, ExitStatus};

use args::{Cli, Command, StoreCommand};

/// Runs `cairn` with the process's arguments and standard streams.
#[must_use]
pub fn main() -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    run(std::env::args_os(), &mut stdout).into()
}

/// Runs `cairn` with `args` (the first being the program name), writing
/// results to `stdout` and diagnostics to the process's standard error.
pub fn run<I, T>(args: I, stdout: &mut dyn Write) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Multi-call: started as `nix-instantiate` (a symlink to cairn), take
    // Nix's command line and behave like Nix.
    if args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        == Some(std::ffi::OsStr::new(commands::instantiate::PROGRAM))
    {
        let env = environment::Environment::capture();
        return commands::instantiate::main(args, &env, stdout);
    }
    // Likewise `nix-env`: Nix's profile commands over `cairn profile`.
    if args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        == Some(std::ffi::OsStr::new(commands::nix_env::PROGRAM))
    {
        let env = environment::Environment::capture();
        return commands::nix_env::main(args, &env, stdout);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with status 0; real usage
            // errors go to stderr with status 2.
            let _ = err.print();
            return if err.exit_code() == 0 {
                ExitStatus::Success
            } else {
                ExitStatus::Usage
            };
        }
    };
    let env = environment::Environment::capture();
    let result = dispatch(cli, &env, stdout)
        .and_then(|()| stdout.flush().map_err(|err| CliError::stdout(&err)));
    match result {
        Ok(()) => ExitStatus::Success,
        Err(err) if err.kind() == ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(err) => {
            let color = env.color() && std::io::stderr().is_terminal();
            eprint!("{}", err.render(color));
            err.exit_status()
        }
    }
}

fn dispatch(cli: Cli, env: &environment::Environment, stdout: &mut dyn Write) -> CliResult {
    let options = environment::option_pairs(&cli.options);
    match cli.command {
        Command::Eval(args) if args.read_write_mode || args.store.store.is_some() => {
            let settings = env.settings(&options)?;
            commands::instantiation::eval_with_store(&args, &settings, env, stdout)
        }
        Command::Eval(args) => commands::eval::run(&args, env, stdout),
        Command::Instantiate(args) => {
            let settings = env.settings(&options)?;
            commands::instantiation::instantiate(&args, &settings, env, stdout)
        }
        Command::Build(args) => {
            let settings = env.settings(&options)?;
            commands::instantiation::build(&args, &settings, env, stdout)
        }
        Command::Repl => commands::repl::run(env, stdout),
        Command::Hash(command) => commands::hash::run(command, stdout),
        Command::Store(StoreCommand::Realise(args)) => {
            let settings = env.settings(&options)?;
            commands::build::realise(&args, &settings, env, stdout)
        }
        Command::Store(StoreCommand::Log(args)) => {
            let settings = env.settings(&options)?;
            commands::build::log(&args, &settings, env, stdout)
        }
        Command::Store(
            command @ (StoreCommand::Add(_)
            | StoreCommand::PathInfo(_)
            | StoreCommand::Query(_)
            | StoreCommand::Gc(_)
            | StoreCommand::Delete(_)
            | StoreCommand::Verify(_)
            | StoreCommand::Optimise(_)
            | StoreCommand::WhyDepends(_)
            | StoreCommand::WhyAlive(_)
            | StoreCommand::Ls(_)
            | StoreCommand::Cat(_)),
        ) => {
            let settings = env.settings(&options)?;
            commands::store_ops::run(command, &settings, env, stdout)
        }
        Command::Store(StoreCommand::PrefetchUrl(args)) => {
            let settings = env.settings(&options)?;
            commands::prefetch::prefetch_url(&args, &settings, env, stdout)
        }
        Command::Store(command) => commands::store::run(command, stdout),
        Command::Nar(command) => commands::nar::run(command, stdout),
        Command::Derivation(command) => {
            let settings = env.settings(&options)?;
            commands::derivation::run(command, &settings, stdout)
        }
        Command::Key(command) => commands::key::run(command, stdout),
        Command::Elf(command) => commands::elf::run(command, stdout),
        Command::Config(command) => {
            let settings = env.settings(&options)?;
            commands::config::run(command, &settings, stdout)
        }
        Command::Profile(args) => {
            let settings = env.settings(&options)?;
            commands::profile::run(args, &settings, env, stdout)
        }
        Command::Pkgs(command) => commands::pkgs::run(command, stdout),
        Command::System(args) => {
            let settings = env.settings(&options)?;
            commands::system::run(args, &settings, env, stdout)
        }
        Command::Search(args) => {
            let settings = env.settings(&options)?;
            commands::search::run(&args, &settings, env, stdout)
        }
    }
}
