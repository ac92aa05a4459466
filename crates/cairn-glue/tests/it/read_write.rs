//! Read-write mode: the same paths as read-only mode, and the objects are
//! really added to a `LocalStore` (`.drv` files byte for byte as Nix
//! writes them, `toFile` contents, imported sources); import from
//! derivation builds through `cairn-build`.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use cairn_eval::EvalOptions;
use cairn_glue::{GlueIo, Mode};
use cairn_store::{LocalStore, Store};
use cairn_store_path::StoreDir;

/// A chroot store under a temporary directory.
struct TestStore {
    _dir: tempfile::TempDir,
    store: Arc<LocalStore>,
}

impl TestStore {
    fn new() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Arc::new(LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap());
        TestStore { _dir: dir, store }
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Evaluates `file`'s derivations in `mode` and returns the lines
/// `nix-instantiate` prints.
fn instantiate(file: &Path, mode: Mode, store: Option<Arc<LocalStore>>) -> Vec<String> {
    let store: Option<Arc<dyn Store>> = store.map(|s| s as Arc<dyn Store>);
    let io = Rc::new(GlueIo::new(StoreDir::default(), store, mode));
    let mut ev = cairn_glue::evaluator(EvalOptions::default(), io);
    let v = ev.eval_file(file.to_str().unwrap()).unwrap();
    cairn_glue::find_derivations(&mut ev, &v, &[])
        .unwrap()
        .iter()
        .map(cairn_glue::DerivationInfo::instantiate_line)
        .collect()
}

#[test]
fn read_write_writes_what_read_only_computes() {
    let t = TestStore::new();
    let store = &t.store;
    for name in [
        "dependency",
        "to-file-references",
        "path-dir",
        "builtins-path-filter",
        "filter-source",
        "builtins-path-flat",
        "structured-paths",
        "drvpath-context",
        "fixed-as-input",
        "store-path",
    ] {
        let file = fixtures().join(format!("{name}.nix"));
        let ro = instantiate(&file, Mode::ReadOnly, None);
        let rw = instantiate(&file, Mode::ReadWrite, Some(Arc::clone(store)));
        assert_eq!(ro, rw, "{name}");
        for line in &rw {
            let drv = line.split('!').next().unwrap();
            let p = store.store_dir().parse_path(drv).unwrap();
            assert!(store.is_valid_path(&p).unwrap(), "{drv} is valid");
            let written = std::fs::read(store.real_path(&p)).unwrap();
            let nix = std::fs::read(fixtures().join("drvs").join(p.to_string())).unwrap();
            assert_eq!(written, nix, "{name}: {drv}");
        }
    }
    // The closure of a .drv holds its sources and input derivations.
    let line = &instantiate(
        &fixtures().join("to-file-references.nix"),
        Mode::ReadWrite,
        Some(Arc::clone(store)),
    )[0];
    let drv = store.store_dir().parse_path(line).unwrap();
    let closure = store.compute_closure(&[drv].into_iter().collect()).unwrap();
    let names: Vec<&str> = closure.iter().map(|p| p.name()).collect();
    assert!(names.contains(&"a") && names.contains(&"b"), "{names:?}");
    let b = closure.iter().find(|p| p.name() == "b").unwrap();
    assert_eq!(
        std::fs::read_to_string(store.real_path(b)).unwrap(),
        format!(
            "refers to {}",
            store
                .store_dir()
                .display(closure.iter().find(|p| p.name() == "a").unwrap())
        )
    );
}

#[test]
fn store_path_is_checked_in_read_write_mode() {
    let t = TestStore::new();
    let io = Rc::new(GlueIo::new(
        StoreDir::default(),
        Some(Arc::clone(&t.store) as Arc<dyn Store>),
        Mode::ReadWrite,
    ));
    let mut ev = cairn_glue::evaluator(EvalOptions::default(), io);
    let err = ev
        .eval_source(
            "«string»",
            "builtins.storePath /nix/store/00000000000000000000000000000000-missing",
            "/",
        )
        .and_then(|v| ev.force_strict(&v))
        .unwrap_err();
    assert_eq!(
        err.kind.to_string(),
        "path '/nix/store/00000000000000000000000000000000-missing' does not exist and cannot be created"
    );
    let v = ev
        .eval_source(
            "«string»",
            "builtins.storePath (builtins.unsafeDiscardStringContext (builtins.toFile \"x\" \"y\"))",
            "/",
        )
        .unwrap();
    assert!(ev.print_strict(&v).unwrap().contains("-x\""));
}

/// Imports busybox (a static binary, so the sandbox needs nothing else) as
/// `HASH-busybox/bin/{busybox,sh,echo}`.
fn add_busybox(store: &LocalStore, dir: &Path) -> String {
    let tree = dir.join("busybox");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", tree.join("bin/busybox")).unwrap();
    for applet in ["sh", "echo", "mkdir"] {
        std::os::unix::fs::symlink("busybox", tree.join("bin").join(applet)).unwrap();
    }
    let p = store
        .add_path_to_store(
            "busybox",
            &tree,
            cairn_store_path::FileIngestionMethod::Recursive,
            cairn_hash::HashAlgo::Sha256,
            None,
        )
        .unwrap();
    store.store_dir().display(&p)
}

#[test]
fn import_from_derivation_builds_with_cairn_build() {
    let t = TestStore::new();
    let work = tempfile::tempdir().unwrap();
    let busybox = add_busybox(&t.store, work.path());
    let config = cairn_build::BuildConfig {
        log_dir: work.path().join("log"),
        build_dir_parent: work.path().to_path_buf(),
        system: cairn_build::host_system(),
        max_jobs: 1,
        cores: 1,
        sandbox_paths: Vec::new(),
        max_processes: None,
        mirrors: cairn_build::Mirrors::new(),
    };
    let builder = Arc::new(cairn_build::Builder::new(
        Arc::clone(&t.store) as Arc<dyn Store>,
        config,
    ));
    let io = Rc::new(GlueIo::new(
        StoreDir::default(),
        Some(Arc::clone(&t.store) as Arc<dyn Store>),
        Mode::ReadWrite,
    ));
    let mut ev = cairn_glue::evaluator(EvalOptions::default(), io);
    ev.set_build_hook(Rc::new(cairn_glue::StoreBuildHook::new(
        builder,
        cairn_build::BuildOptions::default(),
    )));
    let expr = format!(
        r#"
        let
          bb = builtins.storePath "{busybox}";
          gen = derivation {{
            name = "generated";
            system = builtins.currentSystem;
            builder = "${{bb}}/bin/sh";
            args = [ "-c" "${{bb}}/bin/mkdir $out && ${{bb}}/bin/echo '{{ answer = 42; }}' > $out/default.nix && ${{bb}}/bin/echo hello > $out/greeting" ];
          }};
        in [ (import gen).answer (builtins.readFile "${{gen}}/greeting") ]
        "#
    );
    let v = ev.eval_source("«string»", &expr, "/").unwrap();
    assert_eq!(ev.print_strict(&v).unwrap(), "[ 42 \"hello\\n\" ]");
}
