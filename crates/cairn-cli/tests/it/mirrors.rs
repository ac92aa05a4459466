//! `mirror://NAME/…` URLs: `builtin:fetchurl` builds resolve them through
//! the `mirrors.NAME` setting, trying each base URL in order, and say
//! which setting to add when none is configured.

use cairn_hash::{Encoding, Hash, HashAlgo};
use insta::assert_snapshot;

use crate::common::TestContext;

/// A fixed-output `builtin:fetchurl` derivation of `url` whose flat
/// SHA-256 is that of `content`.
fn fetch_expression(url: &str, content: &[u8]) -> String {
    let hash = Hash::digest(HashAlgo::Sha256, content).encode(Encoding::Nix32, false);
    format!(
        "derivation {{ name = \"x.deb\"; builder = \"builtin:fetchurl\"; system = \"builtin\"; \
         url = \"{url}\"; outputHashMode = \"flat\"; outputHashAlgo = \"sha256\"; \
         outputHash = \"{hash}\"; }}"
    )
}

/// `cairn build --store root --no-link -E EXPRESSION` with `mirrors.test`
/// set to `mirrors`.
fn build_with_mirrors(
    context: &TestContext,
    expression: &str,
    mirrors: &str,
) -> std::process::Output {
    context.run(&[
        "build",
        "--store",
        "root",
        "--no-link",
        "-E",
        expression,
        "--option",
        "mirrors.test",
        mirrors,
    ])
}

/// Two `file://` mirror directories, `a` (empty) and `b` (holding
/// `pool/x.deb`), as the value of a `mirrors.NAME` setting.
fn two_mirrors(context: &TestContext) -> String {
    let a = context.path().join("mirror-a");
    let b = context.path().join("mirror-b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(b.join("pool")).unwrap();
    std::fs::write(b.join("pool/x.deb"), b"the deb\n").unwrap();
    format!("file://{}/ file://{}", a.display(), b.display())
}

#[test]
fn a_build_falls_back_to_the_next_mirror() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let expression = fetch_expression("mirror://test/pool/x.deb", b"the deb\n");
    let output = build_with_mirrors(&context, &expression, &mirrors);
    assert!(output.status.success(), "{}", context.transcript(&output));
    let path = String::from_utf8(output.stdout).unwrap();
    let path = path.trim().strip_prefix('/').unwrap();
    assert_eq!(
        std::fs::read(context.path().join("root").join(path)).unwrap(),
        b"the deb\n"
    );
}

#[test]
fn a_hash_mismatch_stays_fatal() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let expression = fetch_expression("mirror://test/pool/x.deb", b"another deb\n");
    let output = build_with_mirrors(&context, &expression, &mirrors);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("hash mismatch in fixed-output derivation"),
        "{stderr}"
    );
}

#[test]
fn every_mirror_failing_lists_each_url() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let expression = fetch_expression("mirror://test/pool/missing.deb", b"");
    let output = build_with_mirrors(&context, &expression, &mirrors);
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    Building 1 derivation
       Building x.deb (1/1)
    error: unable to download 'mirror://test/pool/missing.deb': no mirror has it; tried 2 URLs:
             file://[TEMP]/mirror-a/pool/missing.deb: failed to open '[TEMP]/mirror-a/pool/missing.deb': No such file or directory (os error 2)
             file://[TEMP]/mirror-b/pool/missing.deb: failed to open '[TEMP]/mirror-b/pool/missing.deb': No such file or directory (os error 2)

      help: see the error above
    ");
}

#[test]
fn an_unconfigured_mirror_names_the_setting_to_add() {
    let context = TestContext::new();
    let expression = fetch_expression("mirror://test/pool/x.deb", b"the deb\n");
    let output = context.run(&["build", "--store", "root", "--no-link", "-E", &expression]);
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    Building 1 derivation
       Building x.deb (1/1)
    error: mirror://test/pool/x.deb: no mirror is configured for 'test'

      help: add `mirrors.test = URL …` to cairn.conf, or pass `--option mirrors.test URL`
    ");
}

/// Serves `files` (URL path → body) on a loopback port, one response per
/// connection, until the test process ends; 404 for anything else.
fn serve(files: Vec<(&'static str, &'static [u8])>) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let stream = stream.unwrap();
            let mut reader = BufReader::new(&stream);
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let path = first.split(' ').nth(1).unwrap_or("");
            let mut out = &stream;
            match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => {
                    write!(
                        out,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .unwrap();
                    out.write_all(body).unwrap();
                }
                None => out
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    .unwrap(),
            }
        }
    });
    port
}

/// What `nix-prefetch-url file://…/f.txt` (Nix 2.8) prints for a file
/// holding `hello\n`: the flat SHA-256 in nix32 and the store path.
const HELLO_HASH: &str = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
const HELLO_PATH: &str = "/nix/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-f.txt";

#[test]
fn prefetch_url_prints_what_nix_prefetch_url_prints() {
    let context = TestContext::new();
    std::fs::write(context.path().join("f.txt"), "hello\n").unwrap();
    let url = format!("file://{}/f.txt", context.path().display());
    let output = context.run(&["store", "prefetch-url", "--store", "root", &url]);
    assert_eq!(
        context.transcript(&output),
        format!(
            "exit_code: 0\n----- stdout -----\n{HELLO_HASH}\n----- stderr -----\npath is '{HELLO_PATH}'\n"
        )
    );
    assert_eq!(
        std::fs::read(context.path().join("root").join(&HELLO_PATH[1..])).unwrap(),
        b"hello\n"
    );
    // --print-path: both on standard output; the expected hash of a valid
    // path needs no download (the file is gone by now).
    std::fs::remove_file(context.path().join("f.txt")).unwrap();
    let output = context.run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        "--print-path",
        &url,
        HELLO_HASH,
    ]);
    assert_eq!(
        context.transcript(&output),
        format!(
            "exit_code: 0\n----- stdout -----\n{HELLO_HASH}\n{HELLO_PATH}\n----- stderr -----\n"
        )
    );
}

#[test]
fn prefetch_url_unpacks_and_checks_the_expected_hash() {
    let context = TestContext::new();
    // A tarball of one directory `d` holding `f.txt` (`hello\n`), as
    // written by Rust's tar crate.
    let tarball = context.path().join("d.tar");
    {
        let mut builder = tar::Builder::new(std::fs::File::create(&tarball).unwrap());
        let mut header = tar::Header::new_gnu();
        header.set_size(6);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "d/f.txt", &b"hello\n"[..])
            .unwrap();
        builder.finish().unwrap();
    }
    let url = format!("file://{}", tarball.display());
    let output = context.run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        "--unpack",
        "--print-path",
        "--name",
        "d.tar.gz",
        &url,
    ]);
    // What `nix-prefetch-url --unpack --print-path file://…/d.tar.gz`
    // (Nix 2.8) prints for the same tree, compressed.
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 0
    ----- stdout -----
    089qanlb6xa05d3x7fdgjs7ddz1miqpr4vkj1l9fxpfly1x1cf8q
    /nix/store/1b07kigklj8lls9kfwwmzn21c5zsm8jl-d.tar.gz
    ----- stderr -----
    ");
    let output = context.run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        &url,
        "0000000000000000000000000000000000000000000000000000",
    ]);
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
      × hash mismatch in file downloaded from 'file://[TEMP]/d.tar':
      │   specified: sha256:0000000000000000000000000000000000000000000000000000
      │   got:       sha256:1lahqrfp0bq31cqdizwlahhb2cn14p3xn17rlvzkk6v5y4kgqrc2
      help: if the new content is right, use the 'got' hash
    ");
}

#[test]
fn prefetch_url_tries_each_http_mirror_in_order() {
    let context = TestContext::new();
    let port = serve(vec![("/security/pool/f.txt", b"hello\n")]);
    let mirrors = format!("http://127.0.0.1:{port}/main http://127.0.0.1:{port}/security/");
    let output = context.run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        "--name",
        "f.txt",
        "mirror://test/pool/f.txt",
        "--option",
        "mirrors.test",
        &mirrors,
    ]);
    assert_eq!(
        context.transcript(&output),
        format!(
            "exit_code: 0\n----- stdout -----\n{HELLO_HASH}\n----- stderr -----\npath is '{HELLO_PATH}'\n"
        )
    );
    let output = context.run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        "mirror://test/pool/missing.txt",
        "--option",
        "mirrors.test",
        &mirrors,
    ]);
    assert_snapshot!(context.transcript(&output).replace(&port.to_string(), "[PORT]"), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
      × unable to download 'mirror://test/pool/missing.txt': no mirror has it; tried 2 URLs:
      │   http://127.0.0.1:[PORT]/main/pool/missing.txt: HTTP error 404
      │   http://127.0.0.1:[PORT]/security/pool/missing.txt: HTTP error 404
      help: check the URL, or the mirror's base URLs (`cairn config show`)
    ");
}

/// Writes an apt configuration directory whose Debian archives are the
/// `file://` directories `debian` and `debian-security` under the test
/// directory, beside a third-party repository; returns its path.
fn fake_apt(context: &TestContext) -> std::path::PathBuf {
    let apt = context.path().join("apt");
    std::fs::create_dir_all(apt.join("sources.list.d")).unwrap();
    let base = context.path().display();
    std::fs::write(
        apt.join("sources.list.d/debian.sources"),
        format!(
            "Types: deb\nURIs: file://{base}/debian\nSuites: bookworm bookworm-updates\n\
             Components: main\n\nTypes: deb\nURIs: file://{base}/debian-security\n\
             Suites: bookworm-security\nComponents: main\n"
        ),
    )
    .unwrap();
    std::fs::write(
        apt.join("sources.list.d/node.sources"),
        format!("Types: deb\nURIs: file://{base}/node\nSuites: nodistro\nComponents: main\n"),
    )
    .unwrap();
    let security = context.path().join("debian-security/pool/updates/main/h");
    std::fs::create_dir_all(&security).unwrap();
    std::fs::write(security.join("f.txt"), "hello\n").unwrap();
    apt
}

#[test]
fn mirrors_debian_defaults_to_the_hosts_apt_sources() {
    let context = TestContext::new();
    let apt = fake_apt(&context);
    let run = |args: &[&str]| {
        context
            .command()
            .env("CAIRN_APT_DIR", &apt)
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&["config", "show"]);
    let shown = String::from_utf8(output.stdout).unwrap();
    let line = shown.lines().find(|l| l.starts_with("mirrors.")).unwrap();
    assert_eq!(
        line.replace(context.path().to_str().unwrap(), "[TEMP]"),
        "mirrors.debian = file://[TEMP]/debian file://[TEMP]/debian-security"
    );
    // Found in the second archive, after the first one lacks it.
    let output = run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        "--name",
        "f.txt",
        "mirror://debian/pool/updates/main/h/f.txt",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{HELLO_HASH}\n")
    );
    // A setting replaces the default; an empty one leaves no mirror.
    let output = run(&[
        "store",
        "prefetch-url",
        "--store",
        "root",
        "mirror://debian/pool/updates/main/h/f.txt",
        "--option",
        "mirrors.debian",
        "",
    ]);
    assert_snapshot!(context.transcript(&output), @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
      × mirror://debian/pool/updates/main/h/f.txt: no mirror is configured for 'debian'
      help: add `mirrors.debian = URL …` to cairn.conf, or pass `--option mirrors.debian URL`
    ");
}

#[test]
fn builtins_fetchurl_resolves_mirrors_while_evaluating() {
    let context = TestContext::new();
    let mirrors = two_mirrors(&context);
    let output = context.run(&[
        "eval",
        "--read-write-mode",
        "--store",
        "root",
        "-E",
        "builtins.readFile (builtins.fetchurl mirror://test/pool/x.deb)",
        "--option",
        "mirrors.test",
        &mirrors,
    ]);
    assert_snapshot!(context.transcript(&output), @r#"
    exit_code: 0
    ----- stdout -----
    "the deb\n"
    ----- stderr -----
    "#);
}

/// `fetchzip` (nix/pkgs/build-support/fetchzip.nix, `builtin:fetchzip`):
/// a tarball from a mirror, unpacked, its single top-level directory
/// stripped, checked against the hash of the unpacked tree, which is what
/// `cairn hash path` prints for the same tree on disk.
#[test]
fn fetchzip_unpacks_a_mirrored_tarball_checked_by_its_tree_hash() {
    let context = TestContext::new();
    let mirror = context.path().join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data, mode) in [
        ("src-1.0/README", &b"read me\n"[..], 0o644),
        ("src-1.0/bin/tool", &b"#!/bin/sh\n"[..], 0o755),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        tar.append_data(&mut header, name, data).unwrap();
    }
    std::fs::write(mirror.join("src-1.0.tar"), tar.into_inner().unwrap()).unwrap();

    // The same tree on disk gives the expected hash.
    let expected = context.path().join("expected");
    std::fs::create_dir_all(expected.join("bin")).unwrap();
    std::fs::write(expected.join("README"), b"read me\n").unwrap();
    std::fs::write(expected.join("bin/tool"), b"#!/bin/sh\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            expected.join("bin/tool"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let hashed = context.run(&["hash", "path", "--sri", expected.to_str().unwrap()]);
    assert!(hashed.status.success(), "{}", context.transcript(&hashed));
    let hash = String::from_utf8(hashed.stdout).unwrap();

    let fetchzip = [
        env!("CARGO_MANIFEST_DIR"),
        "../../nix/pkgs/build-support/fetchzip.nix",
    ]
    .iter()
    .collect::<std::path::PathBuf>();
    let expression = format!(
        "import {} {{ lib = {{ }}; }} {{ url = \"mirror://test/src-1.0.tar\"; hash = \"{}\"; }}",
        fetchzip.display(),
        hash.trim()
    );
    let mirrors = format!("file://{}", mirror.display());
    let output = build_with_mirrors(&context, &expression, &mirrors);
    assert!(output.status.success(), "{}", context.transcript(&output));
    let path = String::from_utf8(output.stdout).unwrap();
    let out = context
        .path()
        .join("root")
        .join(path.trim().trim_start_matches('/'));
    assert_eq!(std::fs::read(out.join("README")).unwrap(), b"read me\n");
    assert_eq!(std::fs::read(out.join("bin/tool")).unwrap(), b"#!/bin/sh\n");
}

/// The fetchers run with the network, so they must be fixed-output.
#[test]
fn builtin_fetchers_must_be_fixed_output() {
    let context = TestContext::new();
    let output = context.run(&[
        "build",
        "--store",
        "root",
        "--no-link",
        "-E",
        "derivation { name = \"src\"; builder = \"builtin:fetchzip\"; system = \"builtin\"; url = \"file:///nonexistent\"; }",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'builtin:fetchzip' must be a fixed-output derivation"),
        "{stderr}"
    );
}
