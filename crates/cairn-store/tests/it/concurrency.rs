//! Concurrent adders and collectors.

use std::sync::{Arc, Barrier};

use cairn_store::{GcOptions, LocalStore, Store};
use cairn_store_path::StoreDir;

use crate::common::store;

/// One thread adds objects (each temp-rooted by its handle) while another
/// collects garbage in a loop with its own handle: no object the adder
/// added is ever deleted while the adder's handle lives.
#[test]
fn gc_never_deletes_what_a_live_handle_added() {
    let (dir, first) = store();
    drop(first);
    let root = dir.path().to_owned();
    let barrier = Arc::new(Barrier::new(2));
    let collector = {
        let root = root.clone();
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || {
            let store = LocalStore::open(&root, StoreDir::default()).unwrap();
            barrier.wait();
            let mut deleted = 0;
            for _ in 0..40 {
                deleted += store
                    .collect_garbage(&GcOptions::default())
                    .unwrap()
                    .paths
                    .len();
            }
            deleted
        })
    };
    let adder = LocalStore::open(&root, StoreDir::default()).unwrap();
    barrier.wait();
    let mut added = Vec::new();
    for i in 0..150 {
        let path = adder
            .add_text_to_store(
                &format!("t{i}"),
                format!("{i}").as_bytes(),
                &Default::default(),
            )
            .unwrap();
        added.push(path);
    }
    let deleted = collector.join().unwrap();
    assert_eq!(deleted, 0);
    for path in &added {
        assert!(adder.is_valid_path(path).unwrap(), "{path}");
        assert!(adder.real_path(path).exists(), "{path}");
    }
    // Once the adder is gone, everything it added is garbage.
    drop(adder);
    let store = LocalStore::open(&root, StoreDir::default()).unwrap();
    let results = store.collect_garbage(&GcOptions::default()).unwrap();
    assert_eq!(results.paths.len(), added.len());
}

/// Two handles adding the same object at the same time: one writes it,
/// both get the same valid path.
#[test]
fn concurrent_adds_of_one_path() {
    let (dir, first) = store();
    drop(first);
    let root = dir.path().to_owned();
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let root = root.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let store = LocalStore::open(&root, StoreDir::default()).unwrap();
                barrier.wait();
                let p = store
                    .add_text_to_store("same", b"same", &Default::default())
                    .unwrap();
                assert!(store.is_valid_path(&p).unwrap());
                p
            })
        })
        .collect();
    let paths: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(paths.windows(2).all(|w| w[0] == w[1]));
    let names: Vec<_> = std::fs::read_dir(dir.path().join("nix/store"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}
