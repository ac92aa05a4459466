//! Property tests: printing and parsing are inverse.

use cairn_derivation::bstr::{BString, ByteSlice};
use cairn_derivation::{Derivation, DerivationOutput};
use cairn_hash::{Hash, HashAlgo};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};
use proptest::prelude::*;

fn store_path(name_suffix: &'static str) -> impl Strategy<Value = StorePath> {
    (any::<[u8; 20]>(), "[a-zA-Z0-9+._?=-]{1,20}").prop_map(move |(digest, name)| {
        StorePath::from_digest(&digest, &format!("{name}{name_suffix}")).unwrap()
    })
}

fn algo() -> impl Strategy<Value = HashAlgo> {
    prop::sample::select(HashAlgo::ALL.to_vec())
}

fn method() -> impl Strategy<Value = FileIngestionMethod> {
    prop_oneof![
        Just(FileIngestionMethod::Flat),
        Just(FileIngestionMethod::Recursive)
    ]
}

fn output() -> impl Strategy<Value = DerivationOutput> {
    prop_oneof![
        store_path("").prop_map(DerivationOutput::InputAddressed),
        (
            method(),
            algo(),
            prop::collection::vec(any::<u8>(), 64),
            store_path("")
        )
            .prop_map(|(method, algo, bytes, path)| DerivationOutput::Fixed {
                method,
                hash: Hash::from_bytes(algo, &bytes[..algo.digest_len()]).unwrap(),
                path,
            }),
        (method(), algo()).prop_map(|(method, algo)| DerivationOutput::Floating { method, algo }),
        Just(DerivationOutput::Deferred),
        (method(), algo()).prop_map(|(method, algo)| DerivationOutput::Impure { method, algo }),
    ]
}

fn bytes() -> impl Strategy<Value = BString> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..24).prop_map(BString::from),
        "[\"\\\\\n\r\t a-z$]{0,12}".prop_map(BString::from),
    ]
}

/// Output names and the system are written without escapes, so they never
/// hold `"` or `\`.
fn verbatim_bytes() -> impl Strategy<Value = BString> {
    prop::collection::vec(any::<u8>(), 0..16).prop_map(|mut bytes| {
        bytes.retain(|b| *b != b'"' && *b != b'\\');
        BString::from(bytes)
    })
}

fn output_name() -> impl Strategy<Value = String> {
    "[^\"\\\\]{0,8}"
}

prop_compose! {
    fn derivation()(
        outputs in prop::collection::btree_map(output_name(), output(), 0..4),
        input_drvs in prop::collection::btree_map(
            store_path(".drv"),
            prop::collection::btree_set(output_name(), 0..3),
            0..4,
        ),
        input_srcs in prop::collection::btree_set(store_path(""), 0..4),
        system in verbatim_bytes(),
        builder in bytes(),
        args in prop::collection::vec(bytes(), 0..5),
        env in prop::collection::btree_map(bytes(), bytes(), 0..6),
    ) -> Derivation {
        Derivation { outputs, input_drvs, input_srcs, system, builder, args, env }
    }
}

proptest! {
    #[test]
    fn print_parse_print_is_identity(drv in derivation()) {
        let store = StoreDir::default();
        let printed = drv.to_aterm(&store);
        let parsed = Derivation::from_aterm(&store, &printed).unwrap();
        prop_assert_eq!(&parsed, &drv);
        prop_assert_eq!(parsed.to_aterm(&store), printed);
    }

    #[test]
    fn json_round_trips_utf8_derivations(mut drv in derivation()) {
        let store = StoreDir::default();
        // JSON strings are UTF-8: make every byte string valid UTF-8.
        let utf8 = |b: &BString| BString::from(b.to_str_lossy().into_owned());
        drv.system = utf8(&drv.system);
        drv.builder = utf8(&drv.builder);
        drv.args = drv.args.iter().map(utf8).collect();
        drv.env = drv.env.iter().map(|(k, v)| (utf8(k), utf8(v))).collect();
        let json = serde_json::to_string(&drv.to_json(&store)).unwrap();
        let back: cairn_derivation::DerivationJson = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.to_derivation(&store).unwrap(), drv);
    }

    #[test]
    fn damaged_fixtures_never_panic(
        index in 0usize..64,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let store = StoreDir::default();
        let dir = crate::fixtures_dir().join("drv");
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let mut bytes = std::fs::read(&files[index % files.len()]).unwrap();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        if let Ok(drv) = Derivation::from_aterm(&store, &bytes) {
            let printed = drv.to_aterm(&store);
            prop_assert_eq!(Derivation::from_aterm(&store, &printed).unwrap(), drv);
        }
    }
}
