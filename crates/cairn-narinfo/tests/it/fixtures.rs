//! Tests against the files Nix 2.8 wrote in `tests/fixtures/` (made by
//! `tests/fixtures/generate.sh`, which also records in `peer-verify.txt`
//! that Nix accepts the narinfos cairn signed).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use cairn_hash::Hash;
use cairn_narinfo::{CacheInfo, NarInfo, PublicKey, SecretKey, SignatureStatus, TrustedKeys};
use cairn_store_path::StoreDir;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> String {
    fs::read_to_string(fixtures().join(name)).unwrap()
}

/// The narinfos of one cache directory, by file name, as text.
fn narinfos(cache: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(fixtures().join(cache)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "narinfo") {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            out.insert(name, fs::read_to_string(&path).unwrap());
        }
    }
    assert_eq!(out.len(), 5, "{cache} should hold the fixture closure");
    out
}

fn keys(public: &str) -> TrustedKeys {
    [read(public).parse::<PublicKey>().unwrap()]
        .into_iter()
        .collect()
}

/// `fingerprints.txt`: absolute path, tab, the fingerprint built by the
/// script from `nix path-info --json`.
fn expected_fingerprints() -> BTreeMap<String, String> {
    read("fingerprints.txt")
        .lines()
        .map(|line| {
            let (path, fingerprint) = line.split_once('\t').unwrap();
            (path.to_owned(), fingerprint.to_owned())
        })
        .collect()
}

#[test]
fn narinfos_round_trip_byte_for_byte() {
    let store = StoreDir::default();
    for cache in ["cache-none", "cache-xz", "cache-cairn"] {
        for (name, text) in narinfos(cache) {
            let narinfo =
                NarInfo::parse(&store, &text).unwrap_or_else(|e| panic!("{cache}/{name}: {e}"));
            assert_eq!(narinfo.to_text(&store), text, "{cache}/{name}");
            assert_eq!(
                format!("{}.narinfo", narinfo.info.path.hash_part()),
                name,
                "{cache}/{name}"
            );
        }
    }
}

#[test]
fn compression_and_file_hashes() {
    let store = StoreDir::default();
    for (name, text) in narinfos("cache-none") {
        let narinfo = NarInfo::parse(&store, &text).unwrap();
        assert_eq!(narinfo.compression, "none", "{name}");
        assert_eq!(narinfo.file_hash, Some(narinfo.info.nar_hash), "{name}");
        assert_eq!(narinfo.file_size, Some(narinfo.info.nar_size), "{name}");
        assert_eq!(
            NarInfo::uncompressed(narinfo.info.clone(), narinfo.url.clone()),
            narinfo
        );
    }
    for (name, text) in narinfos("cache-xz") {
        let narinfo = NarInfo::parse(&store, &text).unwrap();
        assert_eq!(narinfo.compression, "xz", "{name}");
        assert!(narinfo.url.ends_with(".nar.xz"), "{name}");
        assert_ne!(narinfo.file_hash, Some(narinfo.info.nar_hash), "{name}");
    }
}

#[test]
fn cache_info_round_trips() {
    for cache in ["cache-none", "cache-xz", "cache-cairn", "cache-sha512"] {
        let text = read(&format!("{cache}/nix-cache-info"));
        let info: CacheInfo = text.parse().unwrap();
        assert_eq!(info, CacheInfo::for_store_dir("/nix/store"));
        assert_eq!(info.to_string(), text);
    }
}

#[test]
fn nix_key_pair_reads_and_prints_identically() {
    let secret: SecretKey = read("nix.sec").parse().unwrap();
    let public: PublicKey = read("nix.pub").parse().unwrap();
    assert_eq!(secret.name(), "nix-fixture-1");
    assert_eq!(secret.to_string(), read("nix.sec"));
    assert_eq!(public.to_string(), read("nix.pub"));
    assert_eq!(secret.to_public(), public);
    let cairn: SecretKey = read("cairn.sec").parse().unwrap();
    assert_eq!(cairn.to_public().to_string(), read("cairn.pub"));
}

#[test]
fn fingerprints_match_nix() {
    let store = StoreDir::default();
    let expected = expected_fingerprints();
    assert_eq!(expected.len(), 5);
    for cache in ["cache-none", "cache-xz"] {
        for (name, text) in narinfos(cache) {
            let narinfo = NarInfo::parse(&store, &text).unwrap();
            let path = store.display(&narinfo.info.path);
            assert_eq!(
                narinfo.fingerprint(&store).unwrap(),
                expected[&path],
                "{cache}/{name}"
            );
        }
    }
}

#[test]
fn nix_signatures_verify_and_cairn_reproduces_them() {
    let store = StoreDir::default();
    let secret: SecretKey = read("nix.sec").parse().unwrap();
    let trusted = keys("nix.pub");
    for cache in ["cache-none", "cache-xz"] {
        for (name, text) in narinfos(cache) {
            let narinfo = NarInfo::parse(&store, &text).unwrap();
            let checks = narinfo.info.check_signatures(&store, &trusted).unwrap();
            assert_eq!(checks.len(), 1, "{cache}/{name}");
            assert_eq!(checks[0].1, SignatureStatus::Valid, "{cache}/{name}");
            let nix_sig = checks[0].0;
            let ours = secret.sign(narinfo.fingerprint(&store).unwrap().as_bytes());
            assert_eq!(ours.to_string(), nix_sig, "{cache}/{name}");
            // Signing again through the narinfo adds nothing new.
            let mut again = narinfo.clone();
            again.sign(&store, &secret).unwrap();
            assert_eq!(again, narinfo, "{cache}/{name}");
        }
    }
}

#[test]
fn cairn_signatures_verify_only_with_cairn_key() {
    let store = StoreDir::default();
    let cairn = keys("cairn.pub");
    let wrong = keys("wrong.pub");
    let nix = keys("nix.pub");
    let secret: SecretKey = read("cairn.sec").parse().unwrap();
    for (name, text) in narinfos("cache-cairn") {
        let narinfo = NarInfo::parse(&store, &text).unwrap();
        assert_eq!(
            narinfo.valid_signatures(&store, &cairn).unwrap().len(),
            1,
            "{name}"
        );
        let checks = narinfo.info.check_signatures(&store, &wrong).unwrap();
        assert_eq!(checks[0].1, SignatureStatus::Invalid, "{name}");
        let checks = narinfo.info.check_signatures(&store, &nix).unwrap();
        assert_eq!(checks[0].1, SignatureStatus::UntrustedKey, "{name}");
        // Re-signing the Nix-made narinfo reproduces cairn's file.
        let mut unsigned = NarInfo::parse(&store, &narinfos("cache-none")[&name]).unwrap();
        unsigned.info.signatures.clear();
        unsigned.sign(&store, &secret).unwrap();
        assert_eq!(unsigned.to_text(&store), text, "{name}");
    }
}

#[test]
fn content_addressed_paths_are_trusted_without_signatures() {
    let store = StoreDir::default();
    let nobody = TrustedKeys::new();
    let mut seen = BTreeSet::new();
    for (_, text) in narinfos("cache-none") {
        let narinfo = NarInfo::parse(&store, &text).unwrap();
        let name = narinfo.info.path.name().to_owned();
        let content_addressed = narinfo.info.is_content_addressed(&store);
        // toFile paths (text:) and the source tree (fixed:r:) are; the
        // derivation outputs are not, and Nix refuses them unsigned (see
        // peer-verify.txt).
        let expected = !name.ends_with("-lib") && !name.ends_with("-app");
        assert_eq!(content_addressed, expected, "{name}");
        assert_eq!(
            narinfo.info.is_trusted(&store, &nobody).unwrap(),
            expected,
            "{name}"
        );
        seen.insert(name);
    }
    assert_eq!(seen.len(), 5);
}

#[test]
fn narinfos_agree_with_nix_path_info_json() {
    let store = StoreDir::default();
    let json: serde_json::Value = serde_json::from_str(&read("path-info.json")).unwrap();
    let by_path: BTreeMap<&str, &serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["path"].as_str().unwrap(), entry))
        .collect();
    let strings = |value: &serde_json::Value| -> BTreeSet<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    for (name, text) in narinfos("cache-none") {
        let info = NarInfo::parse(&store, &text).unwrap().info;
        let entry = by_path[store.display(&info.path).as_str()];
        let nar_hash = Hash::parse_sri(entry["narHash"].as_str().unwrap()).unwrap();
        assert_eq!(info.nar_hash, nar_hash, "{name}");
        assert_eq!(info.nar_size, entry["narSize"].as_u64().unwrap(), "{name}");
        let references: BTreeSet<String> =
            info.references.iter().map(|r| store.display(r)).collect();
        assert_eq!(references, strings(&entry["references"]), "{name}");
        assert_eq!(
            info.deriver.as_ref().map(|d| store.display(d)),
            entry.get("deriver").map(|d| d.as_str().unwrap().to_owned()),
            "{name}"
        );
        assert_eq!(
            info.ca.map(|ca| ca.to_string()),
            entry.get("ca").map(|c| c.as_str().unwrap().to_owned()),
            "{name}"
        );
        assert_eq!(info.signatures, strings(&entry["signatures"]), "{name}");
    }
}

#[test]
fn peer_accepted_cairn_signatures() {
    // generate.sh fails unless Nix accepted the cairn-signed cache and
    // refused it with the wrong key; the record must say so.
    let report = read("peer-verify.txt");
    assert!(report.contains("verifies with cairn's key"));
    assert!(report.contains("lacks a valid signature"));
    assert!(report.contains("is untrusted"));
}

#[test]
fn sha512_nar_hash_is_signed_like_any_other() {
    // Nix 2.8 verified this cache with cairn.pub (peer-verify.txt).
    let store = StoreDir::default();
    let cairn = keys("cairn.pub");
    let mut seen_sha512 = 0;
    for (name, text) in narinfos("cache-sha512") {
        let narinfo = NarInfo::parse(&store, &text).unwrap();
        if narinfo.info.nar_hash.algo() == cairn_hash::HashAlgo::Sha512 {
            seen_sha512 += 1;
            assert!(
                narinfo.fingerprint(&store).unwrap().contains(";sha512:"),
                "{name}"
            );
        }
        assert_eq!(
            narinfo.valid_signatures(&store, &cairn).unwrap().len(),
            1,
            "{name}"
        );
    }
    assert_eq!(seen_sha512, 1);
}

#[test]
fn missing_compression_means_bzip2() {
    // Nix 2.8 imported this narinfo with a bzip2-compressed NAR, and not
    // with a plain one (peer-verify.txt).
    let store = StoreDir::default();
    let text = read("no-compression.narinfo");
    assert!(!text.contains("Compression"));
    let narinfo = NarInfo::parse(&store, &text).unwrap();
    assert_eq!(narinfo.compression, "bzip2");
    assert_eq!((narinfo.file_hash, narinfo.file_size), (None, None));
    let printed = narinfo.to_text(&store);
    assert!(printed.contains("\nCompression: bzip2\n"));
    assert_eq!(NarInfo::parse(&store, &printed).unwrap(), narinfo);
}
