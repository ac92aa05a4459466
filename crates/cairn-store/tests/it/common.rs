//! Helpers: a store in a temporary directory.

use std::collections::BTreeSet;

use cairn_store::{LocalStore, Store};
use cairn_store_path::{StoreDir, StorePath};

/// A fresh store under a temporary root (kept alive by the returned dir).
pub(crate) fn store() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path(), StoreDir::default()).unwrap();
    (dir, store)
}

/// Adds a text object named `name` with `references`.
pub(crate) fn text(store: &LocalStore, name: &str, refs: &[&StorePath]) -> StorePath {
    let references: BTreeSet<StorePath> = refs.iter().map(|p| (*p).clone()).collect();
    store
        .add_text_to_store(name, format!("contents of {name}").as_bytes(), &references)
        .unwrap()
}

/// Every entry of the real store directory, sorted, without dot-files.
pub(crate) fn store_entries(store: &LocalStore) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(store.real_store_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}
