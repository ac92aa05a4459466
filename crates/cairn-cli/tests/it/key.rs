//! `cairn key generate` and `cairn key public`.

use std::os::unix::fs::PermissionsExt;

use insta::assert_snapshot;

use crate::common::{TestContext, nix_fixtures, stdout_of};

#[test]
fn public_key_of_a_nix_secret_key_matches_nix() {
    let context = TestContext::new();
    let secret = std::fs::read(nix_fixtures().join("key.sec")).unwrap();
    let expected = std::fs::read_to_string(nix_fixtures().join("key.pub")).unwrap();
    let output = context.run_with_stdin(&["key", "public"], &secret);
    assert_eq!(stdout_of(&output), format!("{expected}\n"));
    // A trailing newline, as `echo` or an editor leaves, is accepted.
    let mut with_newline = secret.clone();
    with_newline.push(b'\n');
    let output = context.run_with_stdin(&["key", "public"], &with_newline);
    assert_eq!(stdout_of(&output), format!("{expected}\n"));
}

#[test]
fn generate_to_stdout_then_convert() {
    let context = TestContext::new();
    let secret = stdout_of(&context.run(&["key", "generate", "--name", "test-1"]));
    let (name, data) = secret.trim_end().split_once(':').unwrap();
    assert_eq!(name, "test-1");
    assert_eq!(data.len(), 88, "64 bytes of base64");
    let public = stdout_of(&context.run_with_stdin(&["key", "public"], secret.as_bytes()));
    assert!(public.starts_with("test-1:") && public.trim_end().len() == "test-1:".len() + 44);
}

#[test]
fn generate_to_files() {
    let context = TestContext::new();
    let output = context.run(&[
        "key",
        "generate",
        "--name",
        "c-1",
        "--out-secret",
        "c.sec",
        "--out-public",
        "c.pub",
    ]);
    assert_eq!(stdout_of(&output), "");
    let secret_path = context.path().join("c.sec");
    let mode = std::fs::metadata(&secret_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let secret = std::fs::read(&secret_path).unwrap();
    let public = std::fs::read_to_string(context.path().join("c.pub")).unwrap();
    let converted = stdout_of(&context.run_with_stdin(&["key", "public"], &secret));
    assert_eq!(converted, format!("{public}\n"));

    // Only the secret in a file: the public key goes to stdout.
    let output = context.run(&["key", "generate", "--name", "c-2", "--out-secret", "c2.sec"]);
    assert!(stdout_of(&output).starts_with("c-2:"));
}

#[test]
fn generate_refuses_to_overwrite() {
    let context = TestContext::new();
    std::fs::write(context.path().join("c.sec"), "precious").unwrap();
    let output = context.run(&["key", "generate", "--name", "c-1", "--out-secret", "c.sec"]);
    assert_snapshot!(context.transcript(&output));
    assert_eq!(
        std::fs::read_to_string(context.path().join("c.sec")).unwrap(),
        "precious"
    );
}

#[test]
fn generate_bad_name() {
    let context = TestContext::new();
    let output = context.run(&["key", "generate", "--name", "a:b"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn public_of_garbage() {
    let context = TestContext::new();
    let output = context.run_with_stdin(&["key", "public"], b"garbage\n");
    assert_snapshot!(context.transcript(&output));
    let output = context.run_with_stdin(&["key", "public"], b"name:AAAA\n");
    assert_snapshot!(context.transcript(&output));
}
