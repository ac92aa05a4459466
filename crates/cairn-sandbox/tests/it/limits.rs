//! Process-count limit, timeout and silence limit: each ends with the
//! whole sandbox gone.

use std::time::{Duration, Instant};

use cairn_sandbox::{Outcome, SandboxError, SandboxSpec};

use crate::support::{host_process_with, output, shell};

/// Runs `spec`, which has a process limit; `None` (with a note) when this
/// machine cannot enforce one, so that an unlimited fork bomb never runs.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn run_limited(spec: &SandboxSpec) -> Option<(Outcome, String)> {
    match output(spec) {
        Err(err @ SandboxError::ProcessLimitUnavailable { .. }) => {
            eprintln!("skipped: {err}");
            None
        }
        other => Some(other.unwrap()),
    }
}

#[test]
fn process_count_is_capped() {
    let build = tempfile::tempdir().unwrap();
    let marker = "98760101";
    // A failed fork ends a busybox shell, so the forks happen in a
    // subshell; the survivors are counted from the top shell.
    let mut spec = shell(
        build.path(),
        &format!(
            "(i=0; while [ $i -lt 100 ]; do sleep {marker} & i=$((i+1)); done) 2>/dev/null; \
             cd /proc; set -- [0-9]*; echo $#"
        ),
    );
    spec.max_processes = Some(20);
    let Some((outcome, out)) = run_limited(&spec) else {
        return;
    };
    assert_eq!(outcome, Outcome::Exited(0), "{out}");
    let count: u32 = out.trim().parse().unwrap();
    assert!((10..=20).contains(&count), "{count} processes");
    assert!(!host_process_with(marker));
}

#[test]
fn fork_bomb_is_contained() {
    let build = tempfile::tempdir().unwrap();
    let marker = "98760102";
    let mut spec = shell(
        build.path(),
        &format!("bomb() {{ sleep {marker} & bomb | bomb & }}; bomb 2>/dev/null; wait"),
    );
    spec.max_processes = Some(64);
    spec.timeout = Some(Duration::from_millis(1000));
    let started = Instant::now();
    let Some((outcome, _)) = run_limited(&spec) else {
        return;
    };
    assert!(
        matches!(outcome, Outcome::TimedOut(_) | Outcome::Exited(_)),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!host_process_with(marker));
    // The host can still start threads and processes.
    std::thread::spawn(|| ()).join().unwrap();
}

#[test]
fn timeout_kills_everything_including_processes_ignoring_sigterm() {
    let build = tempfile::tempdir().unwrap();
    let marker = "98760103";
    let mut spec = shell(
        build.path(),
        &format!(
            "trap '' TERM HUP INT; (trap '' TERM HUP INT; exec sleep {marker}) & echo started; exec sleep {marker}"
        ),
    );
    spec.timeout = Some(Duration::from_millis(300));
    let started = Instant::now();
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::TimedOut(Duration::from_millis(300)));
    assert_eq!(out, "started\n");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    assert!(!host_process_with(marker));
}

#[test]
fn silence_kills_a_quiet_sandbox() {
    let build = tempfile::tempdir().unwrap();
    let marker = "98760104";
    let mut spec = shell(
        build.path(),
        &format!("echo one; sleep {marker} & echo two; wait"),
    );
    spec.max_silent_time = Some(Duration::from_millis(300));
    spec.timeout = Some(Duration::from_secs(60));
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Silent(Duration::from_millis(300)));
    assert_eq!(out, "one\ntwo\n");
    assert!(!host_process_with(marker));
}

#[test]
fn output_keeps_a_sandbox_alive() {
    // Total time well over the silence limit, but never silent for long.
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(
        build.path(),
        "for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done",
    );
    spec.max_silent_time = Some(Duration::from_millis(400));
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "1\n2\n3\n4\n5\n6\n");
}

#[test]
fn a_closed_stdout_does_not_end_the_wait_early() {
    // The program closes its output long before it exits.
    let (outcome, out) = crate::support::sh("echo bye; exec >&- 2>&-; sleep 0.3; exit 7");
    assert_eq!(outcome, Outcome::Exited(7));
    assert_eq!(out, "bye\n");
}
