//! What the sandbox can and cannot see or change.

use cairn_sandbox::{Bind, Outcome};

use crate::support::{output, sh, shell};

#[test]
fn root_holds_only_what_the_sandbox_made() {
    let (outcome, out) = sh("cd / && echo *; cd /dev && echo *; cd /etc && echo *");
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(
        out,
        "bin build dev etc proc tmp\n\
         fd full null ptmx pts random shm stderr stdin stdout tty urandom zero\n\
         group hosts passwd\n"
    );
}

#[test]
fn host_secrets_are_not_visible() {
    let (outcome, out) = sh(
        "for p in /etc/shadow /root /home /usr /nix/var /proc/1/root/etc/shadow; do \
           if cat $p >/dev/null 2>&1 || ls $p >/dev/null 2>&1; then echo \"$p visible\"; fi; \
         done; echo done",
    );
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "done\n");
}

#[test]
fn unbound_host_directory_is_not_visible() {
    let build = tempfile::tempdir().unwrap();
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("file"), "secret").unwrap();
    let script = format!("cat {}/file || echo hidden", secret.path().display());
    let (outcome, out) = output(&shell(build.path(), &script)).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert!(out.ends_with("hidden\n"), "{out}");
    assert!(!out.contains("secret"));
}

#[test]
fn process_table_is_private() {
    // Only the shell (pid 1) and the listing itself exist.
    let (outcome, out) = sh("cd /proc && echo [0-9]*");
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "1\n");
}

#[test]
fn read_only_and_writable_binds() {
    let build = tempfile::tempdir().unwrap();
    let ro = tempfile::tempdir().unwrap();
    let rw = tempfile::tempdir().unwrap();
    std::fs::create_dir(ro.path().join("sub")).unwrap();
    std::fs::write(ro.path().join("sub/input"), "input\n").unwrap();
    let mut spec = shell(
        build.path(),
        "cat /in/sub/input; \
         echo x > /in/new 2>/dev/null || echo ro-refused; \
         echo x > /in/sub/input 2>/dev/null || echo ro-file-refused; \
         mkdir /in/sub/dir 2>/dev/null || echo ro-mkdir-refused; \
         echo out > /out/result && echo rw-ok; \
         echo build > /build/log && echo build-ok; \
         echo tmp > /tmp/t && cat /tmp/t",
    );
    spec.binds.push(Bind::read_only(ro.path()).at("/in"));
    spec.binds.push(Bind::writable(rw.path()).at("/out"));
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(
        out,
        "input\n\
         sh: can't create /in/new: Read-only file system\nro-refused\n\
         sh: can't create /in/sub/input: Read-only file system\nro-file-refused\n\
         ro-mkdir-refused\nrw-ok\nbuild-ok\ntmp\n"
    );
    assert_eq!(
        std::fs::read_to_string(rw.path().join("result")).unwrap(),
        "out\n"
    );
    assert_eq!(
        std::fs::read_to_string(build.path().join("log")).unwrap(),
        "build\n"
    );
    assert!(!ro.path().join("new").exists());
}

#[test]
fn writable_output_inside_a_read_only_store() {
    // Nix's shape: the store read-only, the output writable inside it; the
    // mount point already exists in the store directory.
    let build = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(store.path().join("x-out")).unwrap();
    std::fs::write(store.path().join("x-dep"), "dep\n").unwrap();
    let mut spec = shell(
        build.path(),
        "cat /nix/store/x-dep; echo built > /nix/store/x-out/file; \
         touch /nix/store/other 2>/dev/null || echo store-ro",
    );
    spec.binds
        .push(Bind::read_only(store.path()).at("/nix/store"));
    spec.binds
        .push(Bind::writable(out_dir.path()).at("/nix/store/x-out"));
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "dep\nstore-ro\n");
    assert_eq!(
        std::fs::read_to_string(out_dir.path().join("file")).unwrap(),
        "built\n"
    );
}

#[test]
fn setuid_bits_do_not_apply() {
    let (outcome, out) = sh(
        "grep -c nosuid /proc/self/mountinfo; grep ' / / ' /proc/self/mountinfo | grep -c nosuid",
    );
    assert_eq!(outcome, Outcome::Exited(0));
    let counts: Vec<&str> = out.lines().collect();
    assert_eq!(counts[1], "1", "{out}");
}

#[test]
fn fixed_host_ids_own_the_files_on_the_host() {
    if !rustix::process::geteuid().is_root() {
        // Mapping to another host uid needs CAP_SETUID; nothing to test.
        return;
    }
    let build = tempfile::tempdir().unwrap();
    let (uid, gid) = (30_123, 30_456);
    std::os::unix::fs::chown(build.path(), Some(uid), Some(gid)).unwrap();
    let mut spec = shell(
        build.path(),
        "id -u; echo x > made; cat /proc/self/uid_map | tr -s ' '",
    );
    spec.host_ids = cairn_sandbox::HostIds::Fixed { uid, gid };
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0), "{out}");
    assert_eq!(out, format!("1000\n 1000 {uid} 1\n"));
    let made = std::fs::metadata(build.path().join("made")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((made.uid(), made.gid()), (uid, gid));
}

#[test]
fn builder_creates_its_output_in_a_writable_store_with_read_only_inputs() {
    // Nix's chroot layout: the store directory is a writable scratch
    // directory of the caller's; the inputs (a directory and a file) are
    // read-only binds inside it, their mount points created there; the
    // builder makes `$out` itself.
    let build = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    std::fs::create_dir(inputs.path().join("dep")).unwrap();
    std::fs::write(inputs.path().join("dep/lib"), "lib\n").unwrap();
    std::fs::write(inputs.path().join("file"), "file\n").unwrap();
    let mut spec = shell(
        build.path(),
        "mkdir /nix/store/x-out && cat /nix/store/x-dep/lib /nix/store/x-file > /nix/store/x-out/both; \
         touch /nix/store/x-dep/new 2>/dev/null || echo dep-ro; \
         echo more >> /nix/store/x-file 2>/dev/null || echo file-ro",
    );
    spec.binds
        .push(Bind::writable(scratch.path()).at("/nix/store"));
    spec.binds
        .push(Bind::read_only(inputs.path().join("dep")).at("/nix/store/x-dep"));
    spec.binds
        .push(Bind::read_only(inputs.path().join("file")).at("/nix/store/x-file"));
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0), "{out}");
    assert!(
        out.ends_with("dep-ro\n") && out.contains("file-ro\n") || out.contains("dep-ro"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("x-out/both")).unwrap(),
        "lib\nfile\n"
    );
    // The mount points are left in the scratch directory, empty.
    assert!(scratch.path().join("x-dep").is_dir());
    assert_eq!(std::fs::read(scratch.path().join("x-file")).unwrap(), b"");
    assert_eq!(
        std::fs::read_to_string(inputs.path().join("file")).unwrap(),
        "file\n"
    );
}

#[test]
fn setuid_and_setgid_modes_are_refused_like_in_nix() {
    let script = "touch f; chmod 4755 f 2>&1; chmod 2755 f 2>&1; chmod 1755 f && stat -c %a f";
    let (outcome, out) = sh(script);
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(
        out,
        "chmod: f: Operation not permitted\nchmod: f: Operation not permitted\n1755\n"
    );
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), "touch f; chmod 4755 f && stat -c %a f");
    spec.filter_syscalls = false;
    assert_eq!(output(&spec).unwrap().1, "4755\n");
}

#[test]
fn no_descriptor_of_the_caller_leaks_in() {
    // A descriptor without close-on-exec, as a careless caller might hold.
    let secret = tempfile::NamedTempFile::new().unwrap();
    let leaky = rustix::fs::open(
        secret.path(),
        rustix::fs::OFlags::RDONLY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    // The shell's (pid 1's) descriptors, listed by another process.
    // (`; :` keeps the shell from replacing itself with the last command.)
    let (outcome, out) = sh("ls /proc/1/fd; :");
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "0\n1\n2\n");
    drop(leaky);
}
