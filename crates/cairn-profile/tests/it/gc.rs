//! Profiles on a real `LocalStore`: every generation link is a garbage
//! collector root, and deleting generations lets the collector reclaim
//! what only they held.

use std::collections::BTreeSet;
use std::path::Path;

use cairn_profile::{ClosureDiff, DeleteSelector, Profile, location};
use cairn_store::{GcOptions, LocalStore, Store};
use cairn_store_path::{StoreDir, StorePath};

fn add(store: &LocalStore, name: &str, references: &[&StorePath]) -> StorePath {
    let references: BTreeSet<StorePath> = references.iter().map(|r| (*r).clone()).collect();
    store
        .add_text_to_store(name, format!("{name}\n").as_bytes(), &references)
        .unwrap()
}

fn collect(root: &Path) -> BTreeSet<String> {
    let store = LocalStore::open(root, StoreDir::default()).unwrap();
    store
        .collect_garbage(&GcOptions::default())
        .unwrap()
        .paths
        .iter()
        .map(|p| p.name().to_owned())
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn deleting_generations_lets_gc_reclaim_what_only_they_held() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let profiles = location::profiles_dir(root);
    let (first, second, third);
    {
        let store = LocalStore::open(root, StoreDir::default()).unwrap();
        let shared = add(&store, "libshared-1.0", &[]);
        let old_only = add(&store, "tool-1.0", &[&shared]);
        let new_only = add(&store, "tool-2.0", &[&shared]);
        first = add(&store, "env-1", &[&old_only, &shared]);
        second = add(&store, "env-2", &[&new_only, &shared]);
        let standalone = add(&store, "tool-3.0", &[]);
        third = add(&store, "env-3", &[&standalone]);
        add(&store, "garbage-1", &[]);
        std::fs::create_dir_all(&profiles).unwrap();
        let p = Profile::open(profiles.join("p"), store.store_dir()).unwrap();
        for env in [&first, &second, &third] {
            p.create_generation(&store, env).unwrap();
        }
        // The store handle (and its temporary roots) ends here.
    }
    // Every generation holds its closure.
    assert_eq!(collect(root), names(&["garbage-1"]));

    let p = Profile::open(profiles.join("p"), &StoreDir::default()).unwrap();
    p.delete_generations(
        &DeleteSelector::parse(&["1"]).unwrap(),
        std::time::SystemTime::now(),
        false,
    )
    .unwrap();
    assert_eq!(collect(root), names(&["env-1", "tool-1.0"]));

    p.wipe_history(false).unwrap();
    assert_eq!(
        collect(root),
        names(&["env-2", "libshared-1.0", "tool-2.0"])
    );
    let store = LocalStore::open(root, StoreDir::default()).unwrap();
    assert!(store.is_valid_path(&third).unwrap());
    assert!(!store.is_valid_path(&second).unwrap());
    assert!(!store.is_valid_path(&first).unwrap());
    assert_eq!(p.resolve().unwrap(), Some(third));
}

#[test]
fn closure_diff_on_a_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path(), StoreDir::default()).unwrap();
    let glibc = add(&store, "glibc-2.35-224", &[]);
    let glibc_bin = add(&store, "glibc-2.35-224-bin", &[&glibc]);
    let old = add(&store, "hello-2.10", &[&glibc_bin]);
    let new = add(&store, "hello-2.12", &[&glibc]);
    let diff = ClosureDiff::between(&store, &old, &new).unwrap();
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(diff.changed[0].name, "hello");
    assert!(diff.added.is_empty() && diff.removed.is_empty());
    assert_eq!((diff.before.paths, diff.after.paths), (3, 2));
    // Text objects' NARs: the sizes are the sum of real NAR sizes.
    let size = |p: &StorePath| store.query_path_info(p).unwrap().unwrap().info.nar_size;
    assert_eq!(
        diff.before.nar_size,
        size(&old) + size(&glibc_bin) + size(&glibc)
    );
    assert!(diff.after.nar_size > 0);
}
