//! The scheduler: wide graphs in parallel, and two realisations of one
//! derivation at once.

use cairn_store::Store;
use std::sync::Arc;

use cairn_build::BuildOptions;

use crate::support::{Recorder, TestStore};

#[test]
fn a_diamond_of_200_builds_with_two_jobs() {
    let mut t = TestStore::new();
    let top = t.derivation("top", "echo top > $out").add();
    let mut middle = Vec::new();
    for i in 0..198 {
        middle.push(
            t.derivation(&format!("mid-{i}"), &format!("echo {i} $top > $out"))
                .env_output("top", &top, "out")
                .add(),
        );
    }
    let all: Vec<String> = middle
        .iter()
        .map(|drv| t.display(&t.output(drv, "out")))
        .collect();
    let mut bottom = t.derivation("bottom", "cat $all > $out");
    for drv in &middle {
        bottom = bottom.input(drv, "out");
    }
    let bottom = bottom.env("all", &all.join(" ")).add();
    let options = BuildOptions {
        max_jobs: Some(2),
        ..BuildOptions::default()
    };
    let mut recorder = Recorder::default();
    let done = t.realise_with(&[&bottom], &options, &mut recorder).unwrap();
    assert_eq!(done.built.len(), 200);
    assert_eq!(done.built.first(), Some(&top));
    assert_eq!(done.built.last(), Some(&bottom));
    let text = std::fs::read_to_string(t.real(&t.output(&bottom, "out"))).unwrap();
    assert_eq!(text.lines().count(), 198);
    let refs = t
        .store
        .query_path_info(&t.output(&bottom, "out"))
        .unwrap()
        .unwrap()
        .info
        .references;
    // cat copies each middle output, which mentions top.
    assert_eq!(refs, [t.output(&top, "out")].into());
}

#[test]
fn two_realisations_of_one_derivation_build_it_once() {
    let mut t = TestStore::new();
    let drv = t.derivation("once", "sleep 1; touch $out").add();
    let config = t.config();
    let store: Arc<dyn cairn_store::Store> = t.store.clone();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let builder = cairn_build::Builder::new(store.clone(), config.clone());
                let drv = drv.clone();
                scope.spawn(move || {
                    builder.realise(
                        &[cairn_build::DerivedPath::Built {
                            drv,
                            outputs: cairn_build::OutputSelection::All,
                        }],
                        &BuildOptions::default(),
                        &mut cairn_build::NoObserver,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    // Exactly one of them built it; the other either waited for the lock
    // and reused the result, or (if it planned after the first finished)
    // found it valid.
    let built: usize = results.iter().map(|r| r.built.len()).sum();
    let reused: usize = results.iter().map(|r| r.reused.len()).sum();
    assert_eq!(built, 1);
    assert!(reused <= 1);
    assert!(t.is_valid(&t.output(&drv, "out")));
    // No lock file is left behind.
    let lock = format!("{}.lock", t.real(&t.output(&drv, "out")).display());
    assert!(!std::path::Path::new(&lock).exists());
}
