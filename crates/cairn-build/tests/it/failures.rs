//! Failed builds: the error says why (with the log's tail), and the store
//! and its database are exactly as before.

use std::time::Duration;

use cairn_build::{BuildError, BuildOptions};

use crate::support::{Recorder, TestStore};

#[test]
fn a_failing_builder_reports_its_last_log_lines_and_leaves_nothing() {
    let mut t = TestStore::new();
    let drv = t
        .derivation(
            "failing",
            "mkdir $out; echo partial > $out/file; for i in $(seq 1 30); do echo line $i; done; exit 3",
        )
        .add();
    let before = t.snapshot();
    let err = t.realise(&[&drv]).unwrap_err();
    let display = t.display(&drv);
    let tail: String = (6..=30).map(|i| format!("\n> line {i}")).collect();
    assert_eq!(
        err.to_string(),
        format!(
            "builder for '{display}' failed with exit code 3;\nlast 25 log lines:{tail}\n\
             For full logs, run 'cairn store log {display}'."
        )
    );
    assert_eq!(t.snapshot(), before);
    assert!(!t.real(&t.output(&drv, "out")).exists());
    // The log is kept even so.
    let log = t.builder().logs().read(&drv).unwrap().unwrap();
    assert!(log.starts_with(b"line 1\n"));
}

#[test]
fn a_missing_output_is_an_error() {
    let mut t = TestStore::new();
    let drv = t
        .derivation("lazy", "mkdir $out")
        .outputs(&["out", "dev"])
        .add();
    let before = t.snapshot();
    let err = t.realise(&[&drv]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "builder for '{}' failed to produce output path for output 'dev' at '{}'",
            t.display(&drv),
            t.display(&t.output(&drv, "dev"))
        )
    );
    // Not even the output that was produced is registered or left behind.
    assert_eq!(t.snapshot(), before);
}

#[test]
fn timeout_and_max_silent_time_kill_the_builder() {
    let mut t = TestStore::new();
    let slow = t
        .derivation("slow", "echo started; sleep 30; touch $out")
        .add();
    let before = t.snapshot();
    let options = BuildOptions {
        timeout: Some(Duration::from_millis(300)),
        ..BuildOptions::default()
    };
    let err = t
        .realise_with(&[&slow], &options, &mut Recorder::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "building of '{}!out' from .drv file timed out after 1 seconds",
            t.display(&slow)
        )
    );
    let options = BuildOptions {
        max_silent_time: Some(Duration::from_millis(300)),
        ..BuildOptions::default()
    };
    let err = t
        .realise_with(&[&slow], &options, &mut Recorder::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("timed out after 1 seconds of silence"),
        "{err}"
    );
    assert_eq!(t.snapshot(), before);
}

#[test]
fn keep_failed_keeps_the_build_directory() {
    let mut t = TestStore::new();
    let drv = t
        .derivation("kept", "echo work > /build/state; exit 1")
        .add();
    let options = BuildOptions {
        keep_failed: true,
        ..BuildOptions::default()
    };
    let mut recorder = Recorder::default();
    t.realise_with(&[&drv], &options, &mut recorder)
        .unwrap_err();
    assert_eq!(recorder.kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(recorder.kept[0].join("state")).unwrap(),
        "work\n"
    );
}

#[test]
fn fail_fast_stops_and_keep_going_builds_what_it_can() {
    let mut t = TestStore::new();
    let bad = t.derivation("bad", "exit 1").add();
    let after_bad = t
        .derivation("after-bad", "touch $out")
        .env_output("bad", &bad, "out")
        .add();
    let good = t.derivation("good", "touch $out").add();

    // Fail-fast with one job: bad (found first) fails, good never starts.
    let err = t.realise(&[&after_bad, &good]).unwrap_err();
    assert!(matches!(err, BuildError::BuilderFailed { .. }), "{err}");
    assert!(!t.is_valid(&t.output(&good, "out")));

    let options = BuildOptions {
        keep_going: true,
        ..BuildOptions::default()
    };
    let mut recorder = Recorder::default();
    let err = t
        .realise_with(&[&after_bad, &good], &options, &mut recorder)
        .unwrap_err();
    assert!(matches!(err, BuildError::BuilderFailed { .. }), "{err}");
    assert!(t.is_valid(&t.output(&good, "out")));
    assert!(!recorder.started.contains(&after_bad));
}

#[test]
fn an_unknown_builtin_and_a_foreign_system_are_refused() {
    let mut t = TestStore::new();
    let drv = t
        .derivation("builtin", "")
        .builtin("builtin:unheard-of")
        .add();
    let err = t.realise(&[&drv]).unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::WrongSystem { .. } | BuildError::Unsupported { .. }
        ),
        "{err}"
    );
}

#[test]
fn hostile_builders_change_nothing_outside_their_outputs() {
    let mut t = TestStore::new();
    let busybox = t.display(&t.busybox);
    let scripts = [
        // Writing into an input: the closure is read-only.
        format!("echo pwned > {busybox}/bin/new; touch $out"),
        // Stray files next to the output, then a failure.
        "echo stray > /nix/store/stray; mkdir $out; exit 1".to_owned(),
        // An output holding a FIFO, which no store object may contain.
        "mkdir $out; mkfifo $out/pipe || mknod $out/pipe p".to_owned(),
    ];
    for (i, script) in scripts.iter().enumerate() {
        let drv = t.derivation(&format!("hostile-{i}"), script).add();
        let before = t.snapshot();
        let result = t.realise(&[&drv]);
        assert!(result.is_err() || i == 0, "{i}: {result:?}");
        if result.is_ok() {
            // The write into the input failed, the build went on.
            assert!(!t.real(&t.busybox).join("bin/new").exists());
            continue;
        }
        assert_eq!(t.snapshot(), before, "{i}");
        assert!(!t.store.real_store_dir().join("stray").exists());
        assert!(!t.real(&t.busybox).join("bin/new").exists());
    }
}

#[test]
fn stray_files_in_the_store_directory_do_not_leak() {
    let mut t = TestStore::new();
    let drv = t
        .derivation("stray", "echo stray > /nix/store/stray; touch $out")
        .add();
    t.realise(&[&drv]).unwrap();
    assert!(t.is_valid(&t.output(&drv, "out")));
    assert!(!t.store.real_store_dir().join("stray").exists());
    // Nothing but the objects and the database is left in the store.
    let (_, entries) = t.snapshot();
    assert!(
        entries
            .iter()
            .all(|e| !e.starts_with('.') && !e.ends_with(".lock")),
        "{entries:?}"
    );
}

#[test]
fn zero_jobs_builds_nothing_like_nix() {
    let mut t = TestStore::new();
    let drv = t.derivation("idle", "touch $out").add();
    let options = BuildOptions {
        max_jobs: Some(0),
        ..BuildOptions::default()
    };
    let err = t
        .realise_with(&[&drv], &options, &mut Recorder::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unable to start any build; either increase '--max-jobs' or enable remote builds"
    );
    // Nothing to build is fine with zero jobs.
    t.realise(&[&drv]).unwrap();
    t.realise_with(&[&drv], &options, &mut Recorder::default())
        .unwrap();
}
