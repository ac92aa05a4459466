//! Running a program: output, exit status, signals, environment, working
//! directory, identity.

use cairn_sandbox::{Bind, Outcome, Sandbox, SandboxSpec};

use crate::support::{BUSYBOX, output, sh, shell};

#[test]
fn output_arrives_and_status_is_reported() {
    let (outcome, out) = sh("echo hello; echo err >&2; exit 3");
    assert_eq!(out, "hello\nerr\n");
    assert_eq!(outcome, Outcome::Exited(3));
    assert!(!outcome.success());
    assert!(sh("true").0.success());
}

#[test]
fn output_is_streamed_while_the_program_runs() {
    // The second line is only written once the first has reached the
    // caller: the program waits for a file the callback creates.
    let build = tempfile::tempdir().unwrap();
    let flag = build.path().join("flag");
    let spec = shell(
        build.path(),
        "echo first; while [ ! -e flag ]; do :; done; echo second",
    );
    let mut chunks = Vec::new();
    let outcome = cairn_sandbox::run(&spec, &mut |bytes| {
        chunks.push(String::from_utf8_lossy(bytes).into_owned());
        std::fs::write(&flag, "").unwrap();
    })
    .unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(chunks.concat(), "first\nsecond\n");
}

#[test]
fn a_killed_sandbox_reports_the_signal() {
    let build = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::spawn(&shell(build.path(), "echo started; exec sleep 1000")).unwrap();
    sandbox.kill().unwrap();
    let mut out = Vec::new();
    assert_eq!(
        sandbox.wait(&mut |b| out.extend_from_slice(b)).unwrap(),
        Outcome::Signalled(9)
    );
}

#[test]
fn environment_is_exactly_the_given_one() {
    let build = tempfile::tempdir().unwrap();
    // busybox as `env` prints its environment without adding to it.
    let mut spec = SandboxSpec::new("/bin/env", build.path());
    spec.binds.push(Bind::read_only(BUSYBOX).at("/bin/env"));
    spec.env = vec![
        ("out".into(), "/nix/store/x-out".into()),
        ("HOME".into(), "/homeless-shelter".into()),
        ("with space".into(), "a=b c\n".into()),
    ];
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(
        out,
        "out=/nix/store/x-out\nHOME=/homeless-shelter\nwith space=a=b c\n\n"
    );
}

#[test]
fn arguments_and_argv0() {
    let (outcome, out) = sh(r#"echo "$0" "$1"; printf '%s|' "$@""#);
    assert_eq!(outcome, Outcome::Exited(0));
    // printf with no arguments still prints its format once.
    assert_eq!(out, "sh \n|");
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), r#"printf '%s|' "$0" "$@""#);
    spec.args
        .extend(["x".into(), "two words".into(), "".into()]);
    assert_eq!(output(&spec).unwrap().1, "x|two words||");
}

#[test]
fn working_directory_identity_and_names_are_nix_like() {
    let (outcome, out) = sh(
        "pwd; id -u; id -g; hostname; cat /proc/sys/kernel/domainname; umask; echo $$; \
         cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; \
         grep -E '^(NoNewPrivs|CapEff)' /proc/self/status | tr -s '\t' ' '; ulimit -c",
    );
    assert_eq!(outcome, Outcome::Exited(0));
    let host_uid = rustix::process::geteuid().as_raw();
    let host_gid = rustix::process::getegid().as_raw();
    assert_eq!(
        out,
        format!(
            "/build\n1000\n100\nlocalhost\n(none)\n0022\n1\n 1000 {host_uid} 1\n 100 {host_gid} 1\n\
             CapEff: 0000000000000000\nNoNewPrivs: 1\n0\n"
        )
    );
}

#[test]
fn sandboxes_start_concurrently_from_many_threads() {
    let threads: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let (outcome, out) = sh(&format!("echo {i}"));
                assert_eq!(outcome, Outcome::Exited(0));
                assert_eq!(out, format!("{i}\n"));
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn dropping_a_sandbox_kills_it() {
    let marker = "98760001";
    let build = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::spawn(&shell(build.path(), &format!("exec sleep {marker}"))).unwrap();
    drop(sandbox);
    assert!(!crate::support::host_process_with(marker));
}

#[test]
fn signals_start_at_their_defaults() {
    // The test harness (Rust) ignores SIGPIPE; the program must not: `yes`
    // is killed by it instead of complaining about a broken pipe.
    let (outcome, out) =
        sh("grep -E '^Sig(Ign|Blk)' /proc/self/status | tr -d '\\t'; yes | head -n 1");
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "SigBlk:0000000000000000\nSigIgn:0000000000000000\ny\n");
}

#[test]
fn output_through_a_pipe_or_a_terminal() {
    let script = "test -t 1 && echo stdout-tty; test -t 2 && echo stderr-tty; \
                  test -t 0 || echo stdin-not-tty; printf 'a\\nb\\n'";
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), script);
    assert_eq!(
        output(&spec).unwrap(),
        (Outcome::Exited(0), "stdin-not-tty\na\nb\n".to_owned())
    );
    // Raw mode: no "\r\n" translation.
    spec.terminal_output = true;
    assert_eq!(
        output(&spec).unwrap(),
        (
            Outcome::Exited(0),
            "stdout-tty\nstderr-tty\nstdin-not-tty\na\nb\n".to_owned()
        )
    );
}

#[test]
fn terminal_output_written_just_before_exit_is_not_lost() {
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(
        build.path(),
        "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done",
    );
    spec.terminal_output = true;
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out.lines().count(), 2000);
    assert!(out.ends_with("line1999\n"));
}

#[test]
fn large_output_arrives_complete() {
    let build = tempfile::tempdir().unwrap();
    let spec = shell(build.path(), "yes 0123456789abcdef | head -c 5000000");
    let mut total = 0usize;
    let mut bad = 0usize;
    let outcome = cairn_sandbox::run(&spec, &mut |bytes| {
        total += bytes.len();
        bad += bytes
            .iter()
            .filter(|&&b| !b.is_ascii_hexdigit() && b != b'\n')
            .count();
    })
    .unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!((total, bad), (5_000_000, 0));
}
