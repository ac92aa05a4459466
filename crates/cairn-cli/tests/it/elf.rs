//! `cairn elf`: print and edit on the committed fuzz seed (a stripped
//! executable with `DT_RUNPATH` `/a:/b`), so no C compiler is needed.

use std::path::PathBuf;

use crate::common::{TestContext, stdout_of};

fn seed_copy(context: &TestContext) -> PathBuf {
    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/elf_rewrite/exe");
    let copy = context.path().join("exe");
    std::fs::copy(seed, &copy).unwrap();
    copy
}

#[test]
fn print_then_edit() {
    let context = TestContext::new();
    let exe = seed_copy(&context);
    let file = exe.to_str().unwrap();
    let print = || stdout_of(&context.run(&["elf", "print", file]));
    assert_eq!(
        print(),
        "kind: dynamic executable\ninterpreter: /lib64/ld-linux-x86-64.so.2\nrunpath: /a:/b\nneeded: libc.so.6\n"
    );
    let long = format!("/{}/ld.so", "x".repeat(100));
    stdout_of(&context.run(&["elf", "set-interpreter", file, &long]));
    stdout_of(&context.run(&["elf", "set-rpath", file, "/nowhere:/lib/x86_64-linux-gnu"]));
    assert_eq!(
        print(),
        format!(
            "kind: dynamic executable\ninterpreter: {long}\nrunpath: /nowhere:/lib/x86_64-linux-gnu\nneeded: libc.so.6\n"
        )
    );
    stdout_of(&context.run(&["elf", "remove-rpath", file]));
    assert_eq!(
        print(),
        format!("kind: dynamic executable\ninterpreter: {long}\nneeded: libc.so.6\n")
    );
}

#[test]
fn not_an_elf_file() {
    let context = TestContext::new();
    let path = context.path().join("script");
    std::fs::write(&path, "#!/bin/sh\n").unwrap();
    let output = context.run(&["elf", "print", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = context.scrub(&String::from_utf8_lossy(&output.stderr));
    assert!(
        stderr.contains("not an ELF file (bad magic at offset 0)"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
}
