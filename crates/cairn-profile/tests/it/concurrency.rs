//! Concurrent changes to one profile serialise on its lock: ten parallel
//! `create_generation` calls, from threads or from processes, make ten
//! new generations, none lost and none half-written.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use cairn_profile::Profile;
use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::child::{self, Mode};
use crate::common::{MemoryStore, entries};

const PARALLEL: usize = 10;

/// Checks that `p` has generations 1..=10 whose targets are exactly
/// `targets`, points at one of them, and has no temporaries left.
fn check_ten_generations(p: &Profile, dir: &Path, targets: &[StorePath]) {
    let generations = p.generations().unwrap();
    assert_eq!(
        generations.iter().map(|g| g.number).collect::<Vec<_>>(),
        (1..=PARALLEL as u64).collect::<Vec<_>>()
    );
    let seen: BTreeSet<&StorePath> = generations.iter().map(|g| &g.target).collect();
    let wanted: BTreeSet<&StorePath> = targets.iter().collect();
    assert_eq!(seen, wanted, "every change made its own generation");
    let current = p
        .current()
        .unwrap()
        .expect("the profile points at a generation");
    assert!(wanted.contains(&current.target));
    let names = entries(dir);
    assert_eq!(
        names.len(),
        PARALLEL + 1,
        "only the profile and its links: {names:?}"
    );
}

#[test]
fn ten_threads() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let targets: Vec<StorePath> = (0..PARALLEL)
        .map(|i| store.add(&format!("env-{i}"), &[], 1))
        .collect();
    let p = Profile::open(dir.path().join("p"), store.store_dir()).unwrap();
    let barrier = std::sync::Barrier::new(PARALLEL);
    std::thread::scope(|scope| {
        for target in &targets {
            let (p, store, barrier) = (&p, &store, &barrier);
            scope.spawn(move || {
                barrier.wait();
                let switch = p.create_generation(store, target).unwrap();
                assert!(switch.created);
            });
        }
    });
    check_ten_generations(&p, dir.path(), &targets);
}

#[test]
fn ten_processes() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let targets: Vec<StorePath> = (0..PARALLEL)
        .map(|i| store.add(&format!("env-{i}"), &[], 1))
        .collect();
    let profile_path = dir.path().join("p");
    // Each child waits for the end of its standard input, so closing them
    // all at once starts them together.
    let mut children: Vec<_> = targets
        .iter()
        .map(|target| {
            child::command(
                Mode::CreateOnce,
                &profile_path,
                std::slice::from_ref(target),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in &mut children {
        drop(child.stdin.take());
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let p = Profile::open(&profile_path, store.store_dir()).unwrap();
    check_ten_generations(&p, dir.path(), &targets);
}

/// The child side is the test binary itself; make sure it runs at all, so
/// a broken spawn fails here with a clear message rather than as a
/// mysterious count mismatch.
#[test]
fn child_process_runs() {
    let dir = tempfile::tempdir().unwrap();
    let target = StorePath::from_base_name("00000000000000000000000000000000-x").unwrap();
    let profile_path = dir.path().join("p");
    let output = child::command(Mode::CreateOnce, &profile_path, &[target])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_link(&profile_path).unwrap(),
        Path::new("p-1-link")
    );
}
