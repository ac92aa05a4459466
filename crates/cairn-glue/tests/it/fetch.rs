//! `builtins.fetchurl` and `fetchTarball` over `http://`, from a loopback
//! server this test starts on an ephemeral port. The paths are Nix 2.8's
//! for the same content (fixed-output paths depend only on name and
//! hash), taken from the peer with
//! `nix-instantiate --eval --strict -E 'map toString [ (fetchTarball
//! "file://…/data/pkg-1.0.tar.gz") (builtins.fetchurl "file://…/data/hello.txt") ]'`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use cairn_eval::{EvalOptions, Evaluator};
use cairn_glue::{GlueIo, Mode};
use cairn_store::{LocalStore, Store};
use cairn_store_path::StoreDir;

/// Nix 2.8's `fetchTarball "file://…/pkg-1.0.tar.gz"`.
const PKG_SOURCE: &str = "/nix/store/412s89h33krzrv6js09syrmsgvraxqlw-source";
/// Nix 2.8's `builtins.fetchurl "file://…/hello.txt"`.
const HELLO: &str = "/nix/store/z8lv0qgjn9drwvyhz0ravnppxzvxk10x-hello.txt";

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data")
}

/// Serves `files` (URL path → body) on a loopback port, one response per
/// connection, until the test process ends; 404 for anything else.
fn serve(files: HashMap<String, Vec<u8>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
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
            match files.get(path) {
                Some(body) => {
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

/// The loopback server with `hello.txt` and `pkg-1.0` as a plain,
/// gzip, xz and bzip2 tarball.
fn server() -> u16 {
    let gz = std::fs::read(data().join("pkg-1.0.tar.gz")).unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&tar).unwrap();
    let mut bz2 = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    bz2.write_all(&tar).unwrap();
    let files = HashMap::from([
        (
            "/hello.txt".to_owned(),
            std::fs::read(data().join("hello.txt")).unwrap(),
        ),
        ("/pkg-1.0.tar".to_owned(), tar.clone()),
        ("/pkg-1.0.tar.gz".to_owned(), gz),
        ("/pkg-1.0.tar.xz".to_owned(), xz.finish().unwrap()),
        ("/pkg-1.0.tar.bz2".to_owned(), bz2.finish().unwrap()),
    ]);
    serve(files)
}

/// An evaluator adding to a chroot store under `dir`.
fn evaluator(dir: &Path) -> (Evaluator, Arc<LocalStore>) {
    let store = Arc::new(LocalStore::open(&dir.join("root"), StoreDir::default()).unwrap());
    let io = Rc::new(GlueIo::new(
        StoreDir::default(),
        Some(Arc::clone(&store) as Arc<dyn Store>),
        Mode::ReadWrite,
    ));
    (cairn_glue::evaluator(EvalOptions::default(), io), store)
}

/// Evaluates `expr` to a string, or the error's message.
fn eval(ev: &mut Evaluator, expr: &str) -> Result<String, String> {
    ev.eval_source("(test)", expr, "/")
        .and_then(|v| ev.print_strict(&v))
        .map(|s| s.trim_matches('"').to_owned())
        .map_err(|e| e.to_string())
}

#[test]
fn fetchurl_over_http_gives_nix_paths() {
    let port = server();
    let dir = tempfile::tempdir().unwrap();
    let (mut ev, _store) = evaluator(dir.path());
    let url = format!("http://127.0.0.1:{port}/hello.txt");
    let got = eval(&mut ev, &format!(r#"toString (builtins.fetchurl "{url}")"#)).unwrap();
    assert_eq!(got, HELLO);
    let stored = dir.path().join("root").join(HELLO.trim_start_matches('/'));
    assert_eq!(
        std::fs::read(stored).unwrap(),
        std::fs::read(data().join("hello.txt")).unwrap()
    );
}

#[test]
fn fetch_tarball_over_http_in_every_compression() {
    let port = server();
    for ext in ["tar", "tar.gz", "tar.xz", "tar.bz2"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut ev, _store) = evaluator(dir.path());
        let url = format!("http://127.0.0.1:{port}/pkg-1.0.{ext}");
        let got = eval(&mut ev, &format!(r#"toString (fetchTarball "{url}")"#));
        assert_eq!(got.as_deref(), Ok(PKG_SOURCE), "{ext}");
    }
}

#[test]
fn a_wrong_sha256_is_nixs_hash_mismatch() {
    let port = server();
    let dir = tempfile::tempdir().unwrap();
    let (mut ev, _store) = evaluator(dir.path());
    let url = format!("http://127.0.0.1:{port}/hello.txt");
    // The hash of the empty string, not of hello.txt.
    let wrong = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";
    let err = eval(
        &mut ev,
        &format!(r#"builtins.fetchurl {{ url = "{url}"; sha256 = "{wrong}"; }}"#),
    )
    .unwrap_err();
    // Nix 2.8's wording, as in `fixtures/errors/fetchurl-hash-mismatch.err`.
    let got = "0cs5wjs2sxkwhylayiwqfywlxz4i3dkpqixas2c75h33w7zx55yx";
    assert_eq!(
        err.trim_end(),
        format!(
            "error: hash mismatch in file downloaded from '{url}':\n         \
             specified: sha256:{wrong}\n         got:       sha256:{got}"
        )
    );
}

#[test]
fn http_errors_name_the_url() {
    let port = server();
    let dir = tempfile::tempdir().unwrap();
    let (mut ev, _store) = evaluator(dir.path());
    let url = format!("http://127.0.0.1:{port}/missing");
    let err = eval(&mut ev, &format!(r#"builtins.fetchurl "{url}""#)).unwrap_err();
    assert!(
        err.contains(&format!("unable to download '{url}': HTTP error 404")),
        "{err}"
    );
}

#[test]
fn https_is_refused_naming_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ev, _store) = evaluator(dir.path());
    for expr in [
        r#"builtins.fetchurl "https://example.invalid/x.txt""#,
        r#"fetchTarball "https://example.invalid/x.tar.gz""#,
    ] {
        let err = eval(&mut ev, expr).unwrap_err();
        assert!(
            err.contains("unable to download 'https://example.invalid/x")
                && err.contains("https:// URLs yet (no TLS support)"),
            "{err}"
        );
    }
}
