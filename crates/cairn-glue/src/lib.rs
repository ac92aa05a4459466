//! The store-aware builtins of the Nix language: the layer between
//! `cairn-eval`, which knows nothing of stores, and `cairn-store`.
//!
//! The evaluator leaves a few seams open: its file access and path copying
//! go through an [`EvalIo`](cairn_eval::EvalIo), import-from-derivation
//! through a [`BuildHook`](cairn_eval::BuildHook), and builtins that need a
//! store are passed in as [`EvalOptions::extra_builtins`]. This crate fills
//! them: [`GlueIo`] is the I/O (it maps store paths to a chroot store's
//! real files, copies `"${./foo}"` into the store and keeps the state of
//! one evaluation), and [`builtins`] are `derivationStrict`, `derivation`,
//! `toFile`, `path`, `filterSource`, `storePath`, `fetchurl` and
//! `fetchTarball`, computing exactly the paths and `.drv` files Nix 2.8
//! does.
//!
//! [`evaluator`] wires them into an [`Evaluator`]; [`find_derivations`]
//! is what `nix-instantiate` does with the value it evaluated.
//!
//! | module | role |
//! |---|---|
//! | `io` | [`GlueIo`], [`Mode`], the memo of derivations and objects made in this evaluation |
//! | `derivation` | `derivationStrict` and the `derivation.nix` wrapper |
//! | `paths` | tree hashing with filters, `toFile`, `path`, `filterSource`, `storePath`, path copying |
//! | `fetch` | `fetchurl`, `fetchTarball` (`file://`, `http://`; gzip, xz, bzip2 tarballs) |
//! | `instantiate` | finding the derivations in a value (`nix-instantiate`) |
//! | `ifd` | [`StoreBuildHook`]: import from derivation through `cairn-build` |

mod derivation;
mod fetch;
mod ifd;
mod instantiate;
mod io;
mod paths;

use std::rc::Rc;

use cairn_eval::{Builtin, EvalOptions, Evaluator};

pub use fetch::{fetch_one, unpack_archive};
pub use ifd::StoreBuildHook;
pub use instantiate::{DerivationInfo, find_derivations};
pub use io::{GlueIo, Mode, StoreOpener};

static DERIVATION_STRICT: Builtin =
    Builtin::new("derivationStrict", 1, derivation::derivation_strict).plain_global();
static TO_FILE: Builtin = Builtin::new("toFile", 2, paths::to_file);
static PATH: Builtin = Builtin::new("path", 1, paths::path);
static FILTER_SOURCE: Builtin = Builtin::new("filterSource", 2, paths::filter_source);
static STORE_PATH: Builtin = Builtin::new("storePath", 1, paths::store_path);
static FETCHURL: Builtin = Builtin::new("fetchurl", 1, fetch::fetchurl);
static FETCH_TARBALL: Builtin =
    Builtin::new("fetchTarball", 1, fetch::fetch_tarball).plain_global();

/// The store-aware builtins written in Rust, to put in
/// [`EvalOptions::extra_builtins`]; [`evaluator`] adds them and defines
/// `derivation` (written in Nix) on top.
#[must_use]
pub fn builtins() -> Vec<&'static Builtin> {
    vec![
        &DERIVATION_STRICT,
        &TO_FILE,
        &PATH,
        &FILTER_SOURCE,
        &STORE_PATH,
        &FETCHURL,
        &FETCH_TARBALL,
    ]
}

/// An evaluator whose file access goes through `io` and which has the
/// store-aware builtins (added to those already in `options`). Reading a
/// path with a context (import from derivation) requires the paths to be
/// valid already; set a [`StoreBuildHook`] to build them instead.
#[must_use]
pub fn evaluator(mut options: EvalOptions, io: Rc<GlueIo>) -> Evaluator {
    options.extra_builtins.extend(builtins());
    let hook = ifd::ValidityHook { io: Rc::clone(&io) };
    let mut ev = Evaluator::new(io, options);
    ev.set_build_hook(Rc::new(hook));
    ev.define_nix_builtin(
        "derivation",
        derivation::DERIVATION_NIX_NAME,
        derivation::DERIVATION_NIX,
    )
    .expect("derivation.nix parses");
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_store_path::StoreDir;

    fn eval(expr: &str) -> String {
        let io = Rc::new(GlueIo::new(StoreDir::default(), None, Mode::ReadOnly));
        let mut ev = evaluator(EvalOptions::default(), io);
        let v = ev.eval_source("«string»", expr, "/").unwrap();
        ev.print_strict(&v).unwrap()
    }

    #[test]
    fn derivation_is_a_lambda_like_nix() {
        assert_eq!(
            eval("builtins.functionArgs derivation"),
            "{ outputs = true; }"
        );
        assert_eq!(eval("derivation"), "<LAMBDA>");
        assert_eq!(eval("builtins.typeOf builtins.derivation"), "\"lambda\"");
    }

    #[test]
    fn read_only_reads_need_valid_paths() {
        let io = Rc::new(GlueIo::new(StoreDir::default(), None, Mode::ReadOnly));
        let mut ev = evaluator(EvalOptions::default(), io);
        let err = ev
            .eval_source(
                "«string»",
                "builtins.readFile (builtins.toFile \"a\" \"b\")",
                "/",
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: path '/nix/store/g76zcpqc540lrc8i6g7xy6ip0npn2hnp-a' is not valid"
        );
    }

    #[test]
    fn a_simple_derivation_has_nix_paths() {
        assert_eq!(
            eval(
                "(derivation { name = \"hello\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; }).drvPath"
            ),
            "\"/nix/store/x0sj6ynccvc1a8kxr8fifnlf7qlxw6hd-hello.drv\""
        );
        assert_eq!(
            eval(
                "(derivation { name = \"hello\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; }).outPath"
            ),
            "\"/nix/store/pnwh4xsfs4j508bs9iw6bpkyc4zw6ryx-hello\""
        );
    }
}
