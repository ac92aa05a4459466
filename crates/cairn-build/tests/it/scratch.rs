//! Scratch stores (`ROOT/nix/store/.cairn-scratch-DRV`) left behind by
//! killed builds: garbage collection deletes them, but never the scratch
//! store of a build that is running, nor that build's inputs.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use cairn_store::{GcOptions, LocalStore, Store};
use cairn_store_path::StoreDir;

use crate::support::{TestStore, read};

/// The store of `t` opened afresh, with `t`'s own handle (whose temporary
/// roots cover everything the test added) closed, as after the process
/// that wrote the derivations exited.
fn reopen(t: TestStore) -> (tempfile::TempDir, Arc<LocalStore>) {
    let TestStore { dir, store, .. } = t;
    drop(store);
    let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
    (dir, Arc::new(store))
}

/// What a killed build leaves: the scratch store with a half-written,
/// partly read-only output in it.
fn leave_stale_scratch(store: &LocalStore, name: &str) -> std::path::PathBuf {
    let scratch = store
        .real_store_dir()
        .join(format!(".cairn-scratch-{name}"));
    let half = scratch.join("0000000000000000000000000000000a-half/sub");
    std::fs::create_dir_all(&half).unwrap();
    std::fs::write(half.join("file"), "partial").unwrap();
    std::fs::set_permissions(&half, std::fs::Permissions::from_mode(0o555)).unwrap();
    scratch
}

#[test]
fn gc_deletes_the_scratch_stores_of_dead_builds() {
    let mut t = TestStore::new();
    let drv = t.derivation("killed", "touch $out").add();
    let (_dir, store) = reopen(t);
    let stale = leave_stale_scratch(&store, &drv.to_string());
    let results = store.collect_garbage(&GcOptions::default()).unwrap();
    assert!(!stale.exists());
    assert!(results.debris_deleted >= 1, "{results:?}");
}

#[test]
fn gc_keeps_the_scratch_store_of_a_running_build() {
    let mut t = TestStore::new();
    // The builder says it started through one FIFO and waits for the go
    // ahead on another; both are bound into the sandbox.
    let started = t.dir.path().join("started");
    let go = t.dir.path().join("go");
    for fifo in [&started, &go] {
        let status = std::process::Command::new("/bin/busybox")
            .arg("mkfifo")
            .arg(fifo)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let drv = t
        .derivation(
            "running",
            "mkdir $out; echo partial > $out/file; echo started > /started; cat /go >> $out/file",
        )
        .add();
    let mut config = t.config();
    config.sandbox_paths = vec![
        format!("/started={}", started.display()),
        format!("/go={}", go.display()),
    ];
    let out = t.output(&drv, "out");
    let busybox = t.busybox.clone();
    let (_dir, store) = reopen(t);
    let builder = cairn_build::Builder::new(store.clone(), config);
    let scratch = store.real_store_dir().join(format!(".cairn-scratch-{drv}"));
    let target = cairn_build::DerivedPath::Built {
        drv: drv.clone(),
        outputs: cairn_build::OutputSelection::All,
    };
    std::thread::scope(|scope| {
        let build = scope.spawn(|| {
            builder.realise(
                &[target],
                &cairn_build::BuildOptions::default(),
                &mut cairn_build::NoObserver,
            )
        });
        // Blocks until the builder is running in its scratch store.
        assert_eq!(read(&started), "started\n");
        store.collect_garbage(&GcOptions::default()).unwrap();
        assert!(scratch.join(out.to_string()).join("file").exists());
        // Nothing roots the inputs but the running build's temporary roots.
        for input in [&drv, &busybox] {
            assert!(store.is_valid_path(input).unwrap(), "{input} was collected");
            assert!(store.real_path(input).exists(), "{input} was deleted");
        }
        std::fs::write(&go, "done\n").unwrap();
        build.join().unwrap().unwrap();
    });
    assert_eq!(read(&store.real_path(&out).join("file")), "partial\ndone\n");
    assert!(!scratch.exists());
}
