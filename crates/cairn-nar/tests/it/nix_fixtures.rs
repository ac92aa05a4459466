//! Checks cairn against what Nix 2.8 produced for the trees built by
//! `tests/fixtures/generate.sh`: restore Nix's NAR, dump it again, compare
//! bytes; compare hashes and `nix nar ls` output.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use cairn_hash::{Encoding, HashAlgo};
use cairn_nar::LsOptions;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `name → [(algo, hash)]` from hashes.txt.
fn expected_hashes() -> BTreeMap<String, Vec<(String, String)>> {
    let text = fs::read_to_string(fixtures().join("hashes.txt")).unwrap();
    let mut map: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (name, algo, hash) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        map.entry(name.to_owned())
            .or_default()
            .push((algo.to_owned(), hash.to_owned()));
    }
    map
}

fn check_hashes(name: &str, tree: &Path, expected: &[(String, String)]) {
    for (algo, want) in expected {
        let got = if algo == "sri" {
            cairn_nar::hash_path(tree, HashAlgo::Sha256)
                .unwrap()
                .0
                .to_sri()
        } else {
            let algo: HashAlgo = algo.parse().unwrap();
            cairn_nar::hash_path(tree, algo)
                .unwrap()
                .0
                .encode(Encoding::Nix32, false)
        };
        assert_eq!(&got, want, "{name}: {algo} hash differs from Nix's");
    }
}

#[test]
fn restore_dump_and_hash_match_nix() {
    let hashes = expected_hashes();
    let temp = tempfile::tempdir().unwrap();
    let mut count = 0;
    for entry in fs::read_dir(fixtures().join("nar")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let nar = fs::read(&path).unwrap();

        let tree = temp.path().join(&name);
        cairn_nar::restore(&nar[..], &tree).unwrap_or_else(|e| panic!("{name}: {e}"));

        let mut dumped = Vec::new();
        let size = cairn_nar::dump_path(&tree, &mut dumped).unwrap();
        assert_eq!(size, dumped.len() as u64);
        assert!(dumped == nar, "{name}: cairn's NAR differs from Nix's");

        let (hash, nar_size) = cairn_nar::hash_path(&tree, HashAlgo::Sha256).unwrap();
        assert_eq!(nar_size, nar.len() as u64, "{name}");
        assert_eq!(hash, cairn_hash::Hash::digest(HashAlgo::Sha256, &nar));
        check_hashes(&name, &tree, &hashes[&name]);

        let listing = cairn_nar::list(&nar[..]).unwrap();
        let options = LsOptions {
            long: true,
            recursive: true,
            directory: false,
        };
        let text = listing.ls_text(b"/", options).unwrap();
        let nix_text = fs::read(fixtures().join("ls").join(format!("{name}.txt"))).unwrap();
        assert!(
            text == nix_text,
            "{name}: ls differs:\n{}\nNix:\n{}",
            String::from_utf8_lossy(&text),
            String::from_utf8_lossy(&nix_text)
        );
        let nix_json = fs::read(fixtures().join("json").join(format!("{name}.json"))).unwrap();
        // Nix writes names that are not UTF-8 as raw bytes (invalid JSON);
        // cairn writes U+FFFD. Compare only valid documents.
        if let Ok(nix_json) = String::from_utf8(nix_json) {
            let ours = serde_json::to_string(&listing).unwrap();
            assert_eq!(ours, nix_json.trim_end(), "{name}: JSON listing differs");
        }
        count += 1;
    }
    assert!(count >= 50, "only {count} fixtures");
}

#[test]
fn odd_names_restore_exactly() {
    let temp = tempfile::tempdir().unwrap();
    let nar = fs::read(fixtures().join("nar/non-utf8-names.nar")).unwrap();
    let tree = temp.path().join("t");
    cairn_nar::restore(&nar[..], &tree).unwrap();
    let at = |bytes: &[u8]| tree.join(OsStr::from_bytes(bytes));
    assert_eq!(fs::read(at(b"a\xff")).unwrap(), b"a");
    assert_eq!(fs::read(at(b"\x80")).unwrap(), b"b");
    assert_eq!(fs::read(at(b"\xc3\x28")).unwrap(), b"c");
    assert_eq!(fs::read(at(b"dir\xe9/\xf0\x9f")).unwrap(), b"e");
    assert_eq!(
        fs::read_link(at(b"link\xc0"))
            .unwrap()
            .as_os_str()
            .as_bytes(),
        b"target\xff"
    );

    let nar = fs::read(fixtures().join("nar/special-chars.nar")).unwrap();
    let tree = temp.path().join("s");
    cairn_nar::restore(&nar[..], &tree).unwrap();
    assert_eq!(fs::read(tree.join("new\nline")).unwrap(), b"2");
    assert_eq!(fs::read(tree.join("back\\slash")).unwrap(), b"4");

    let nar = fs::read(fixtures().join("nar/unicode-names.nar")).unwrap();
    let tree = temp.path().join("u");
    cairn_nar::restore(&nar[..], &tree).unwrap();
    // NFC and NFD spellings of é are different names.
    assert_eq!(fs::read(tree.join("\u{e9}")).unwrap(), b"a");
    assert_eq!(fs::read(tree.join("e\u{301}")).unwrap(), b"f");
}

/// The 100 MiB file of generate.sh: `yes 'cairn-nar fixture 100 MiB line'`
/// cut to 104857600 bytes, alone in a directory as `data`.
#[test]
fn hundred_mib_file_hash_matches_nix() {
    let temp = tempfile::tempdir().unwrap();
    let tree = temp.path().join("big-100mib");
    fs::create_dir(&tree).unwrap();
    let line = b"cairn-nar fixture 100 MiB line\n";
    let block: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * 4096)
        .collect();
    let mut file = std::io::BufWriter::new(fs::File::create(tree.join("data")).unwrap());
    let mut left = 104_857_600usize;
    while left > 0 {
        let n = left.min(block.len());
        file.write_all(&block[..n]).unwrap();
        left -= n;
    }
    file.into_inner().unwrap().sync_all().unwrap();
    check_hashes("big-100mib", &tree, &expected_hashes()["big-100mib"]);
}
