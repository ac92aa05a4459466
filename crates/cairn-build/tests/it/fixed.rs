//! Fixed-output derivations and `builtin:fetchurl`.

use cairn_hash::{Hash, HashAlgo};
use cairn_store::Store;
use cairn_store_path::{ContentAddress, FileIngestionMethod};

use crate::support::TestStore;

#[test]
fn fetchurl_from_a_file_url_is_checked_and_registered_as_fixed() {
    let mut t = TestStore::new();
    let source = t.dir.path().join("hello.txt");
    std::fs::write(&source, "hello\n").unwrap();
    let hash = Hash::digest(HashAlgo::Sha256, b"hello\n");
    let drv = t
        .derivation("hello.txt", "")
        .builtin("builtin:fetchurl")
        .env("url", &format!("file://{}", source.display()))
        .env("outputHashMode", "flat")
        .env("outputHashAlgo", "sha256")
        .fixed(FileIngestionMethod::Flat, hash)
        .add();
    t.realise(&[&drv]).unwrap();
    let out = t.output(&drv, "out");
    assert_eq!(std::fs::read(t.real(&out)).unwrap(), b"hello\n");
    let info = t.store.query_path_info(&out).unwrap().unwrap();
    assert_eq!(
        info.info.ca,
        Some(ContentAddress::Fixed {
            method: FileIngestionMethod::Flat,
            hash
        })
    );
}

#[test]
fn a_hash_mismatch_says_specified_and_got_and_leaves_nothing() {
    let mut t = TestStore::new();
    let wrong = Hash::digest(HashAlgo::Sha256, b"");
    let drv = t
        .derivation("fodm", "echo hi > $out")
        .fixed(FileIngestionMethod::Flat, wrong)
        .add();
    let before = t.snapshot();
    let err = t.realise(&[&drv]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "hash mismatch in fixed-output derivation '{}':\n  specified: \
             sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n     got:    \
             sha256-mOpuTyFvL7S2n/+bOkSELDhobKaF8/VdxIxdP7EQe+Q=",
            t.display(&drv)
        )
    );
    assert_eq!(t.snapshot(), before);
}

#[test]
fn recursive_fixed_outputs_of_every_algorithm() {
    for algo in [
        HashAlgo::Md5,
        HashAlgo::Sha1,
        HashAlgo::Sha256,
        HashAlgo::Sha512,
    ] {
        let mut t = TestStore::new();
        // The expected hash: the NAR of a directory holding `file` = "x\n".
        let tree = t.dir.path().join("expected");
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(tree.join("file"), "x\n").unwrap();
        let (hash, _) = cairn_nar::hash_path(&tree, algo).unwrap();
        let drv = t
            .derivation("tree", "mkdir $out; echo x > $out/file")
            .fixed(FileIngestionMethod::Recursive, hash)
            .add();
        t.realise(&[&drv]).unwrap();
        assert!(t.is_valid(&t.output(&drv, "out")), "{algo:?}");
    }
}

#[test]
fn impure_env_vars_reach_only_fixed_output_builders() {
    let mut t = TestStore::new();
    let expected = b"proxy-value|";
    let drv = t
        .derivation(
            "impure",
            "printf '%s|%s' \"$MY_PROXY\" \"${UNSET_ONE-unset}\" > $out",
        )
        .env("impureEnvVars", "MY_PROXY UNSET_ONE")
        .fixed(
            FileIngestionMethod::Flat,
            Hash::digest(HashAlgo::Sha256, expected),
        )
        .add();
    let builder = t
        .builder()
        .with_host_environment([("MY_PROXY".to_owned(), "proxy-value".to_owned())].into());
    builder
        .realise(
            &[cairn_build::DerivedPath::Built {
                drv: drv.clone(),
                outputs: cairn_build::OutputSelection::All,
            }],
            &cairn_build::BuildOptions::default(),
            &mut cairn_build::NoObserver,
        )
        .unwrap();
    assert_eq!(
        std::fs::read(t.real(&t.output(&drv, "out"))).unwrap(),
        expected
    );
}

#[test]
fn fetchurl_over_http_from_a_loopback_server() {
    use std::io::{BufRead, BufReader, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(&stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        (&stream)
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
            .unwrap();
    });
    let mut t = TestStore::new();
    let hash = Hash::digest(HashAlgo::Sha256, b"hello\n");
    let drv = t
        .derivation("hello.txt", "")
        .builtin("builtin:fetchurl")
        .env("url", &format!("http://127.0.0.1:{port}/hello.txt"))
        .fixed(FileIngestionMethod::Flat, hash)
        .add();
    t.realise(&[&drv]).unwrap();
    server.join().unwrap();
    assert_eq!(
        std::fs::read(t.real(&t.output(&drv, "out"))).unwrap(),
        b"hello\n"
    );
}
