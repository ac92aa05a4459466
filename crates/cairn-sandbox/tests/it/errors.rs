//! Failures to set a sandbox up are errors naming the step and the path.

use std::path::PathBuf;

use cairn_sandbox::{Bind, SandboxError, SandboxSpec, SetupStep};

use crate::support::{chain, output, shell};

#[test]
fn missing_bind_source() {
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), "true");
    spec.binds.push(Bind::read_only(
        "/nix/store/00000000000000000000000000000000-missing",
    ));
    let err = output(&spec).unwrap_err();
    assert!(matches!(err, SandboxError::MissingBindSource { .. }));
    assert_eq!(
        err.to_string(),
        "cannot bind-mount '/nix/store/00000000000000000000000000000000-missing' into the \
         sandbox at '/nix/store/00000000000000000000000000000000-missing': it does not exist"
    );
}

#[test]
fn missing_optional_bind_source_is_skipped() {
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), "test -e /opt/missing || echo absent");
    spec.binds.push(
        Bind::read_only("/opt/cairn-test-missing")
            .at("/opt/missing")
            .optional(),
    );
    assert_eq!(output(&spec).unwrap().1, "absent\n");
}

#[test]
fn missing_build_directory() {
    let spec = shell(std::path::Path::new("/nonexistent-cairn-build-dir"), "true");
    let err = output(&spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot bind-mount '/nonexistent-cairn-build-dir' into the sandbox at '/build': it does not exist"
    );
}

#[test]
fn missing_program_is_reported_from_inside() {
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), "true");
    spec.program = PathBuf::from("/bin/no-such-builder");
    let err = output(&spec).unwrap_err();
    match &err {
        SandboxError::Setup {
            step: SetupStep::Exec(path),
            source,
        } => {
            assert_eq!(path, &PathBuf::from("/bin/no-such-builder"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        chain(&err),
        "cannot execute '/bin/no-such-builder' in the sandbox: No such file or directory (os error 2)"
    );
}

#[test]
fn nested_mount_point_missing_in_a_read_only_bind() {
    // A mount point inside a read-only bind must exist in its source.
    let build = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut spec = shell(build.path(), "true");
    spec.binds
        .push(Bind::read_only(store.path()).at("/nix/store"));
    spec.binds
        .push(Bind::writable(out.path()).at("/nix/store/x-out"));
    let err = output(&spec).unwrap_err();
    assert_eq!(
        chain(&err),
        "cannot create the directory '/nix/store/x-out' in the sandbox: \
         Read-only file system (os error 30)"
    );
    assert!(!store.path().join("x-out").exists());
}

#[test]
fn invalid_spec_is_refused_before_anything_runs() {
    let build = tempfile::tempdir().unwrap();
    let mut spec = SandboxSpec::new("bin/sh", build.path());
    spec.binds.push(Bind::read_only("/bin/busybox"));
    let err = output(&spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid sandbox specification: the program 'bin/sh' is not an absolute path without '.' or '..'"
    );
}
