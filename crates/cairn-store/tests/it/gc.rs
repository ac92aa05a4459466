//! Roots and garbage collection, including a property test over random
//! reference graphs.

use std::collections::{BTreeSet, HashSet};
use std::fs;

use cairn_store::{GcAction, GcOptions, LocalStore, Store, StoreError};
use cairn_store_path::StorePath;
use proptest::prelude::*;

use crate::common::{store, store_entries, text};

fn gc(store: &LocalStore) -> Vec<StorePath> {
    store.collect_garbage(&GcOptions::default()).unwrap().paths
}

/// A new handle on the same store, with no temporary roots.
fn fresh(store: &LocalStore) -> LocalStore {
    LocalStore::open(store.root(), store.store_dir().clone()).unwrap()
}

#[test]
fn temp_roots_protect_until_the_handle_is_dropped() {
    let (_dir, store) = store();
    let a = text(&store, "a", &[]);
    let other = fresh(&store);
    // `store` still holds a temporary root on `a`.
    assert!(gc(&other).is_empty());
    assert!(store.is_valid_path(&a).unwrap());
    drop(store);
    assert_eq!(gc(&other), vec![a.clone()]);
    assert!(!other.is_valid_path(&a).unwrap());
    assert!(store_entries(&other).is_empty());
    // The stale temp-roots file is gone too.
    let left: Vec<_> = fs::read_dir(other.state_dir().join("temproots"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn permanent_and_indirect_roots() {
    let (dir, store) = store();
    let lib = text(&store, "lib", &[]);
    let app = text(&store, "app", &[&lib]);
    let tool = text(&store, "tool", &[]);
    let junk = text(&store, "junk", &[&lib]);
    store.add_permanent_root(&app, "per-user/me/app").unwrap();
    let result = dir.path().join("work/result");
    fs::create_dir_all(result.parent().unwrap()).unwrap();
    store.add_indirect_root(&tool, &result).unwrap();
    assert_eq!(fs::read_link(&result).unwrap(), store.real_path(&tool));
    drop(store);
    let store = fresh(&dir_store(&dir));
    let roots = store.find_roots().unwrap();
    let rooted: BTreeSet<_> = roots.iter().map(|r| r.path.clone()).collect();
    assert_eq!(rooted, BTreeSet::from([app.clone(), tool.clone()]));
    assert!(roots.iter().any(|r| r.link == result));

    let chain = store.why_alive(&lib).unwrap().unwrap();
    assert!(chain[0].ends_with("gcroots/per-user/me/app"), "{chain:?}");
    assert_eq!(
        chain[1..],
        [
            store.store_dir().display(&app),
            store.store_dir().display(&lib)
        ]
    );
    assert_eq!(store.why_alive(&junk).unwrap(), None);
    assert_eq!(
        store.why_depends(&app, &lib).unwrap(),
        Some(vec![app.clone(), lib.clone()])
    );
    assert_eq!(store.why_depends(&lib, &app).unwrap(), None);

    // Print actions change nothing.
    let dead = store
        .collect_garbage(&GcOptions {
            action: GcAction::PrintDead,
            ..GcOptions::default()
        })
        .unwrap();
    assert_eq!(dead.paths, vec![junk.clone()]);
    let live = store
        .collect_garbage(&GcOptions {
            action: GcAction::PrintLive,
            ..GcOptions::default()
        })
        .unwrap()
        .paths;
    assert_eq!(
        live.into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([app.clone(), lib.clone(), tool.clone()])
    );
    assert!(store.is_valid_path(&junk).unwrap());

    let freed = store.collect_garbage(&GcOptions::default()).unwrap();
    assert_eq!(freed.paths, vec![junk.clone()]);
    assert_eq!(freed.bytes_freed, "contents of junk".len() as u64);

    // Removing the result link makes `tool` dead, and the auto link goes.
    fs::remove_file(&result).unwrap();
    assert_eq!(gc(&store), vec![tool.clone()]);
    let auto: Vec<_> = fs::read_dir(store.gcroots_dir().join("auto"))
        .unwrap()
        .collect();
    assert!(auto.is_empty(), "{auto:?}");
}

/// Drops `store` (and its temporary roots) and opens it again.
fn reopen(store: LocalStore) -> LocalStore {
    let again = fresh(&store);
    drop(store);
    again
}

fn dir_store(dir: &tempfile::TempDir) -> LocalStore {
    LocalStore::open(dir.path(), cairn_store_path::StoreDir::default()).unwrap()
}

#[test]
fn deleting_specific_paths() {
    let (_dir, store) = store();
    let lib = text(&store, "lib", &[]);
    let app = text(&store, "app", &[&lib]);
    let kept = text(&store, "kept", &[]);
    store.add_permanent_root(&kept, "kept").unwrap();
    let store = reopen(store);
    let delete = |paths: &[&StorePath]| {
        store.collect_garbage(&GcOptions {
            action: GcAction::DeleteSpecific(paths.iter().map(|p| (*p).clone()).collect()),
            ..GcOptions::default()
        })
    };
    match delete(&[&kept]).unwrap_err() {
        StoreError::StillAlive { chain, .. } => {
            assert!(chain[0].ends_with("gcroots/kept"), "{chain:?}");
        }
        other => panic!("{other:?}"),
    }
    match delete(&[&lib]).unwrap_err() {
        StoreError::Referenced { referrer, .. } => {
            assert_eq!(referrer, store.store_dir().display(&app));
        }
        other => panic!("{other:?}"),
    }
    assert!(store.is_valid_path(&lib).unwrap());
    let done = delete(&[&lib, &app]).unwrap();
    assert_eq!(done.paths.len(), 2);
    assert_eq!(store_entries(&store), vec![kept.base_name()]);
}

#[test]
fn max_freed_stops_early_and_debris_is_removed() {
    let (_dir, store) = store();
    let paths: Vec<_> = (0..5)
        .map(|i| text(&store, &format!("p{i}"), &[]))
        .collect();
    let store = reopen(store);
    // Debris: an unregistered object and a half-written temporary.
    let debris = store
        .real_store_dir()
        .join("3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d-debris");
    fs::write(&debris, "x").unwrap();
    fs::write(store.real_store_dir().join(".cairn-add-1-1"), "y").unwrap();
    let results = store
        .collect_garbage(&GcOptions {
            max_freed: Some(1),
            ..GcOptions::default()
        })
        .unwrap();
    assert_eq!(results.paths.len(), 1);
    assert!(debris.exists());
    let results = store.collect_garbage(&GcOptions::default()).unwrap();
    assert_eq!(results.paths.len(), paths.len() - 1);
    assert_eq!(results.debris_deleted, 2);
    assert!(
        fs::read_dir(store.real_store_dir())
            .unwrap()
            .next()
            .is_none()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Over random DAGs and random roots (permanent and temporary): what is
    /// reachable from a root survives, everything else is deleted.
    #[test]
    fn gc_keeps_exactly_the_reachable(
        edges in proptest::collection::vec(proptest::collection::vec(any::<prop::sample::Index>(), 0..4), 1..24),
        roots in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        temp in proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
    ) {
        let (_dir, adder) = store();
        // Node i may refer to nodes < i, so the graph is a DAG.
        let mut paths: Vec<StorePath> = Vec::new();
        let mut refs: Vec<Vec<usize>> = Vec::new();
        for (i, out) in edges.iter().enumerate() {
            let mut targets: Vec<usize> = if i == 0 { Vec::new() } else { out.iter().map(|x| x.index(i)).collect() };
            targets.sort_unstable();
            targets.dedup();
            let ref_paths: Vec<&StorePath> = targets.iter().map(|t| &paths[*t]).collect();
            let p = text(&adder, &format!("n{i}"), &ref_paths);
            paths.push(p);
            refs.push(targets);
        }
        let n = paths.len();
        let root_ids: Vec<usize> = roots.iter().map(|r| r.index(n)).collect();
        let temp_ids: Vec<usize> = temp.iter().map(|r| r.index(n)).collect();
        for (k, r) in root_ids.iter().enumerate() {
            adder.add_permanent_root(&paths[*r], &format!("r{k}")).unwrap();
        }
        let root = adder.root().to_owned();
        drop(adder);
        let holder = LocalStore::open(&root, cairn_store_path::StoreDir::default()).unwrap();
        for t in &temp_ids {
            holder.add_temp_root(&paths[*t]).unwrap();
        }
        let collector = LocalStore::open(&root, cairn_store_path::StoreDir::default()).unwrap();
        collector.collect_garbage(&GcOptions::default()).unwrap();

        let mut reachable = HashSet::new();
        let mut todo: Vec<usize> = root_ids.iter().chain(&temp_ids).copied().collect();
        while let Some(i) = todo.pop() {
            if reachable.insert(i) {
                todo.extend(&refs[i]);
            }
        }
        for (i, p) in paths.iter().enumerate() {
            let valid = collector.is_valid_path(p).unwrap();
            let exists = collector.real_path(p).exists();
            prop_assert_eq!(valid, reachable.contains(&i), "node {} validity", i);
            prop_assert_eq!(exists, reachable.contains(&i), "node {} content", i);
        }
        drop(holder);
    }
}

#[test]
fn stale_temp_roots_files_protect_nothing() {
    let (_dir, store) = store();
    let a = text(&store, "a", &[]);
    let store = reopen(store);
    // A temp-roots file left by a process that died: nobody holds its lock.
    let stale = store.state_dir().join("temproots/999999-0");
    fs::write(&stale, format!("{}\n", store.store_dir().display(&a))).unwrap();
    assert!(store.find_roots().unwrap().is_empty());
    assert_eq!(store.why_alive(&a).unwrap(), None);
    assert!(stale.exists());
    assert_eq!(gc(&store), vec![a]);
    assert!(!stale.exists());
}
