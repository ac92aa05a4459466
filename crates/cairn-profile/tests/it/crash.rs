//! Crash safety: a child process creates generations in a loop and is
//! killed with SIGKILL at a random moment, over and over; after every kill
//! the profile points at a complete, existing generation, every generation
//! link is whole, and the next change cleans up what the kill left.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use cairn_profile::{Profile, ProfileTarget};
use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::child::{self, Mode};
use crate::common::{MemoryStore, Rng, entries};

const RUNS: usize = 120;

/// Checks the invariants after a kill; `context` goes into messages.
fn check(p: &Profile, targets: &[StorePath], context: &str) {
    let ProfileTarget::Generation(number) = p.target().unwrap() else {
        panic!("{context}: the profile does not point at a generation");
    };
    let current = p
        .current()
        .unwrap()
        .unwrap_or_else(|| panic!("{context}: generation {number} does not exist"));
    assert_eq!(current.number, number);
    assert!(targets.contains(&current.target), "{context}: bad target");
    let resolved = p.resolve().unwrap();
    assert_eq!(resolved.as_ref(), Some(&current.target), "{context}");
    let generations = p.generations().unwrap();
    assert_eq!(
        generations.iter().map(|g| g.number).collect::<Vec<_>>(),
        (1..=generations.len() as u64).collect::<Vec<_>>(),
        "{context}: generations are numbered without gaps"
    );
    for generation in &generations {
        assert!(targets.contains(&generation.target), "{context}");
    }
}

#[test]
fn sigkill_at_random_moments_never_breaks_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let targets = vec![store.add("env-a", &[], 1), store.add("env-b", &[], 1)];
    let profile_path = dir.path().join("p");
    let p = Profile::open(&profile_path, store.store_dir()).unwrap();
    let (mut rng, seed) = Rng::from_clock();
    let mut saw_temporary = 0;
    for run in 0..RUNS {
        let context = format!("run {run} (seed {seed})");
        let mut child = child::command(Mode::Loop, &profile_path, &targets)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child has made its first generation and is in the
        // loop, then let it run for a random while before killing it.
        let stdout = child.stdout.take().unwrap();
        let ready = BufReader::new(stdout)
            .lines()
            .map(Result::unwrap)
            .any(|line| line == "ready");
        assert!(ready, "{context}: the child never got ready");
        std::thread::sleep(Duration::from_micros(rng.below(3000)));
        child.kill().unwrap();
        child.wait().unwrap();
        check(&p, &targets, &context);
        if entries(dir.path())
            .keys()
            .any(|name| name.starts_with(".p.tmp-"))
        {
            saw_temporary += 1;
        }
    }
    // The next change removes any temporary a kill left behind.
    p.create_generation(&store, &targets[0]).unwrap();
    check(&p, &targets, "after the runs");
    let leftovers: Vec<String> = entries(dir.path())
        .into_keys()
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporaries left: {leftovers:?}");
    // Timing decides how many kills land inside a change, so this is
    // reported, not asserted (run with --nocapture to see it).
    report(&format!(
        "{RUNS} kills, {saw_temporary} left a temporary link (seed {seed})"
    ));
    assert!(
        p.generations().unwrap().len() > RUNS,
        "every run made at least one generation"
    );
}

#[expect(
    clippy::print_stderr,
    reason = "a measurement for whoever runs the test"
)]
fn report(line: &str) {
    eprintln!("{line}");
}
