//! Opening stores: layout, schema version, refusing another Nix's database.

use cairn_store::{LocalStore, StoreError};
use cairn_store_path::StoreDir;

#[test]
fn creates_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path(), StoreDir::default()).unwrap();
    for sub in [
        "nix/store",
        "nix/var/cairn/db/db.sqlite",
        "nix/var/cairn/gcroots/auto",
        "nix/var/cairn/temproots",
        "nix/var/cairn/profiles",
        "nix/var/cairn/log",
    ] {
        assert!(dir.path().join(sub).exists(), "{sub}");
    }
    assert_eq!(store.schema_version().unwrap(), 1);
    assert_eq!(store.real_store_dir(), dir.path().join("nix/store"));
    drop(store);
    // Reopening keeps the schema.
    let store = LocalStore::open(dir.path(), StoreDir::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
}

#[test]
fn refuses_another_nix_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("nix/var/nix/db")).unwrap();
    let err = LocalStore::open(dir.path(), StoreDir::default()).unwrap_err();
    assert!(matches!(err, StoreError::ForeignDatabase { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("nix/var/nix/db"), "{message}");
    assert!(!dir.path().join("nix/var/cairn").exists());
}

#[test]
fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    drop(LocalStore::open(dir.path(), StoreDir::default()).unwrap());
    let db = rusqlite::Connection::open(dir.path().join("nix/var/cairn/db/db.sqlite")).unwrap();
    db.pragma_update(None, "user_version", 99).unwrap();
    drop(db);
    let err = LocalStore::open(dir.path(), StoreDir::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err:?}"
    );
}

#[test]
fn a_relative_root_is_made_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let relative = pathdiff(dir.path(), &cwd);
    let store = LocalStore::open(&relative, StoreDir::default()).unwrap();
    assert!(store.root().is_absolute());
    assert_eq!(store.real_store_dir(), dir.path().join("nix/store"));
}

/// `target` relative to `base` (both absolute), with `..` as needed.
fn pathdiff(target: &std::path::Path, base: &std::path::Path) -> std::path::PathBuf {
    let target: Vec<_> = target.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &target[common..] {
        out.push(c.as_os_str());
    }
    out
}
