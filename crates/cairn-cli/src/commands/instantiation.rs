//! `cairn instantiate`, `cairn build` and `cairn eval --read-write-mode`:
//! evaluation that writes to the store.
//!
//! All three evaluate with `cairn-glue` in read-write mode against the
//! local store (`--store DIR`, else the default location), so `.drv`
//! files, `toFile` results and imported sources are added as Nix 2.8 adds
//! them, and import from derivation builds through `cairn-build`.
//! `instantiate` then prints the `.drv` paths of the derivations the value
//! holds (`nix-instantiate`); `build` hands them to the same realisation
//! code as `cairn store realise` and links `./result` (`nix-build`).

use std::cell::OnceCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use cairn_build::BuildOptions;
use cairn_eval::{BuildHook, EvalError, Evaluator};
use cairn_glue::{DerivationInfo, GlueIo, Mode, StoreBuildHook};
use cairn_settings::Settings;
use cairn_store::{LocalStore, Store};
use cairn_store_path::StoreDir;

use crate::args::{BuildArgs, EvalArgs, InstantiateArgs, StoreLocation};
use crate::commands::{build, emit_line, eval};
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind};

/// An evaluator that writes to the store at `location`, with import from
/// derivation through `cairn-build`. The store is opened when the
/// evaluation first needs it, so an expression that makes nothing opens
/// (and creates) no store.
pub(crate) fn store_evaluator(
    location: &StoreLocation,
    include: &[String],
    show_trace: bool,
    settings: &Settings,
    env: &Environment,
) -> CliResult<Evaluator> {
    store_evaluator_in(
        location,
        include,
        show_trace,
        settings,
        env,
        Mode::ReadWrite,
    )
}

/// [`store_evaluator`] in `mode`: read-only evaluation reads the store (an
/// input `.drv` it did not make, a path it imports) but writes and builds
/// nothing.
pub(crate) fn store_evaluator_in(
    location: &StoreLocation,
    include: &[String],
    show_trace: bool,
    settings: &Settings,
    env: &Environment,
    mode: Mode,
) -> CliResult<Evaluator> {
    let store_dir = StoreDir::new(&settings.store_dir).map_err(|err| {
        CliError::from_error(ErrorKind::User, &err).with_help("fix the store-dir setting")
    })?;
    let shared = Rc::new(SharedStore {
        location: StoreLocation {
            store: location.store.clone(),
        },
        settings: settings.clone(),
        env: env.clone(),
        cell: OnceCell::new(),
    });
    let opener = {
        let shared = Rc::clone(&shared);
        Box::new(move || shared.open().map(|s| s as Arc<dyn Store>))
    };
    let io =
        GlueIo::with_store_opener(store_dir, opener, mode).with_mirrors(settings.mirrors.clone());
    let mut evaluator = eval::new_store_evaluator(env, include, show_trace, Rc::new(io));
    if mode == Mode::ReadWrite {
        evaluator.set_build_hook(Rc::new(LazyBuildHook {
            shared,
            hook: OnceCell::new(),
        }));
    }
    Ok(evaluator)
}

/// The local store, opened on first use, shared by the evaluation's I/O
/// and its build hook.
struct SharedStore {
    location: StoreLocation,
    settings: Settings,
    env: Environment,
    cell: OnceCell<Result<Arc<LocalStore>, String>>,
}

impl SharedStore {
    fn open(&self) -> Result<Arc<LocalStore>, String> {
        self.cell
            .get_or_init(|| {
                build::open_store(&self.location, &self.settings, &self.env)
                    .map_err(|e| e.render(false).trim_end().to_string())
            })
            .clone()
    }
}

/// Import from derivation: a [`StoreBuildHook`] made when first needed.
struct LazyBuildHook {
    shared: Rc<SharedStore>,
    hook: OnceCell<Result<StoreBuildHook, String>>,
}

impl BuildHook for LazyBuildHook {
    fn realise_context(&self, context: &[&str]) -> cairn_eval::EvalResult<()> {
        let hook = self.hook.get_or_init(|| {
            let store = self.shared.open()?;
            let builder =
                build::evaluation_builder(&store, &self.shared.settings, &self.shared.env);
            Ok(StoreBuildHook::new(
                Arc::new(builder),
                BuildOptions::default(),
            ))
        });
        match hook {
            Ok(h) => h.realise_context(context),
            Err(e) => Err(EvalError::new(cairn_eval::ErrorKind::Other(e.clone()))),
        }
    }
}

pub(crate) fn eval_error(err: &EvalError, show_trace: bool) -> CliError {
    let help = if err.pos.is_some() {
        "fix the expression at the position shown above"
    } else {
        "check the expression and the files it imports"
    };
    CliError::verbatim(err.render(show_trace)).with_help(help)
}

/// The derivations `args` selects, in the order `nix-instantiate` prints
/// them: each `-A` path of the (auto-called) value, searched as
/// `nix-instantiate` searches.
fn derivations(
    evaluator: &mut Evaluator,
    args: &InstantiateArgs,
) -> CliResult<Vec<DerivationInfo>> {
    let fail = |err: EvalError| eval_error(&err, args.show_trace);
    let cwd = eval::current_dir()?;
    let cwd_text = cwd.display().to_string();
    let auto_args =
        eval::auto_args(evaluator, &args.args, &args.argstrs, &cwd_text).map_err(fail)?;
    let root = match (&args.expr, &args.file) {
        (Some(expr), _) => evaluator.eval_source("«string»", expr, &cwd_text),
        (None, Some(file)) => eval::eval_file(evaluator, &cwd, file),
        (None, None) => eval::eval_file(evaluator, &cwd, Path::new("default.nix")),
    }
    .map_err(fail)?;
    let attr_paths: Vec<&str> = if args.attr.is_empty() {
        vec![""]
    } else {
        args.attr.iter().map(String::as_str).collect()
    };
    let mut found = Vec::new();
    for attr_path in attr_paths {
        let value = if attr_path.is_empty() {
            root.clone()
        } else {
            let called = evaluator.auto_call(&root, &auto_args).map_err(fail)?;
            evaluator
                .select_attr_path(&called, attr_path)
                .map_err(fail)?
        };
        found.extend(cairn_glue::find_derivations(evaluator, &value, &auto_args).map_err(fail)?);
    }
    Ok(found)
}

/// `cairn instantiate`: prints each derivation's `.drv` path (with
/// `!OUTPUT` for another output), as `nix-instantiate` does.
pub(crate) fn instantiate(
    args: &InstantiateArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let mut evaluator =
        store_evaluator(&args.store, &args.include, args.show_trace, settings, env)?;
    for d in derivations(&mut evaluator, args)? {
        emit_line(stdout, &d.instantiate_line())?;
    }
    Ok(())
}

/// An evaluator that writes to the open `store` and builds through it
/// (import from derivation): what `cairn build` and `cairn profile
/// install -f/-E` evaluate with.
pub(crate) fn building_evaluator(
    store: &Arc<LocalStore>,
    include: &[String],
    show_trace: bool,
    settings: &Settings,
    env: &Environment,
) -> Evaluator {
    let io = GlueIo::new(
        store.store_dir().clone(),
        Some(store.clone() as Arc<dyn Store>),
        Mode::ReadWrite,
    )
    .with_mirrors(settings.mirrors.clone());
    let mut evaluator = eval::new_store_evaluator(env, include, show_trace, Rc::new(io));
    let builder = Arc::new(build::evaluation_builder(store, settings, env));
    evaluator.set_build_hook(Rc::new(StoreBuildHook::new(
        builder,
        BuildOptions::default(),
    )));
    evaluator
}

/// `cairn build`: instantiates, builds with `cairn-build`, links `result`
/// (unless `--no-link`) and prints the output paths, as `nix-build` does.
pub(crate) fn build(
    args: &BuildArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let input = &args.input;
    // Building needs the store anyway: open it now and evaluate against it.
    let store = build::open_store(&input.store, settings, env)?;
    let mut evaluator = building_evaluator(&store, &input.include, input.show_trace, settings, env);
    let found = derivations(&mut evaluator, input)?;
    let targets = found
        .iter()
        .map(|d| {
            d.derived_path(store.store_dir())
                .map_err(|err| eval_error(&err, input.show_trace))
        })
        .collect::<CliResult<Vec<_>>>()?;
    let link = if args.no_link {
        None
    } else {
        Some(
            args.out_link
                .clone()
                .unwrap_or_else(|| PathBuf::from("result")),
        )
    };
    build::realise_targets(
        &store,
        &targets,
        &args.flags,
        link.as_deref(),
        settings,
        env,
        stdout,
    )
}

/// `cairn eval --read-write-mode` (the evaluation writes what it makes)
/// and `cairn eval --store DIR` (read-only, reading that store).
pub(crate) fn eval_with_store(
    args: &EvalArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let mode = if args.read_write_mode {
        Mode::ReadWrite
    } else {
        Mode::ReadOnly
    };
    let evaluator = store_evaluator_in(
        &args.store,
        &args.include,
        args.show_trace,
        settings,
        env,
        mode,
    )?;
    eval::run_with(args, evaluator, stdout)
}
