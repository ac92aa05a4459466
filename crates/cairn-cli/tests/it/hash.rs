//! `cairn hash convert` and the hash commands' own behaviour (their output
//! for Nix 2.8's cases is checked in `reference.rs`).

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

const SRI: &str = "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=";
const NIX32: &str = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
const BASE16: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const BASE64: &str = "WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=";

#[test]
fn convert_between_every_pair_of_encodings() {
    let context = TestContext::new();
    let forms = [
        ("base16", BASE16),
        ("nix32", NIX32),
        ("base64", BASE64),
        ("sri", SRI),
    ];
    for (from_name, from) in forms {
        for (to_name, to) in forms {
            let input = if from_name == "sri" {
                from.to_owned()
            } else {
                format!("sha256:{from}")
            };
            let output = context.run(&[
                "hash", "convert", "--from", from_name, "--to", to_name, &input,
            ]);
            assert_eq!(
                stdout_of(&output),
                format!("{to}\n"),
                "{from_name} -> {to_name}"
            );
        }
    }
}

#[test]
fn convert_defaults_to_sri_and_takes_type_for_bare_hashes() {
    let context = TestContext::new();
    let output = context.run(&["hash", "convert", "--type", "sha256", BASE16, NIX32]);
    assert_eq!(stdout_of(&output), format!("{SRI}\n{SRI}\n"));
    let output = context.run(&[
        "hash",
        "convert",
        "--hash-algo",
        "sha256",
        "--to",
        "base32",
        BASE64,
    ]);
    assert_eq!(stdout_of(&output), format!("{NIX32}\n"));
}

#[test]
fn convert_rejects_the_wrong_from_encoding() {
    let context = TestContext::new();
    let output = context.run(&["hash", "convert", "--from", "base16", SRI]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn convert_bad_hashes() {
    let context = TestContext::new();
    for args in [
        &["hash", "convert", BASE16][..],
        &["hash", "convert", "sha256:xyz"],
        &["hash", "convert", "foo:abc"],
        &[
            "hash",
            "convert",
            "--type",
            "sha1",
            &format!("sha256:{NIX32}"),
        ],
        &["hash", "convert", "sha1-XKxXs6FCMdl6mKDeL4VG2g=="],
        &["hash", "convert", &format!("sha256:{}e", &NIX32[1..])],
    ] {
        let output = context.run(args);
        assert_snapshot!(context.transcript(&output));
    }
}

#[test]
fn hash_path_missing_file() {
    let context = TestContext::new();
    let output = context.run(&["hash", "path", "missing"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn hash_file_of_a_directory_points_at_hash_path() {
    let context = TestContext::new();
    context.make_tree();
    let output = context.run(&["hash", "file", "tree"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn hash_file_missing_file_after_good_ones() {
    let context = TestContext::new();
    context.make_tree();
    let output = context.run(&["hash", "file", "tree/hello.txt", "nope.txt"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn hash_path_unknown_algorithm_is_a_usage_error() {
    let context = TestContext::new();
    let output = context.run(&["hash", "path", "--type", "sha3", "."]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn hash_path_socket_is_unsupported() {
    let context = TestContext::new();
    let _socket = std::os::unix::net::UnixListener::bind(context.path().join("sock")).unwrap();
    let output = context.run(&["hash", "path", "sock"]);
    assert_snapshot!(context.transcript(&output));
}
