//! Property tests: printing then parsing gives back the same narinfo.

use std::collections::BTreeSet;

use cairn_hash::{Hash, HashAlgo};
use cairn_narinfo::{CacheInfo, NarInfo, PathInfo};
use cairn_store_path::{ContentAddress, FileIngestionMethod, StoreDir, StorePath};
use proptest::prelude::*;

fn hash() -> impl Strategy<Value = Hash> {
    (
        prop::sample::select(HashAlgo::ALL.to_vec()),
        prop::collection::vec(any::<u8>(), 64),
    )
        .prop_map(|(algo, bytes)| Hash::from_bytes(algo, &bytes[..algo.digest_len()]).unwrap())
}

fn sha256() -> impl Strategy<Value = Hash> {
    prop::array::uniform32(any::<u8>())
        .prop_map(|bytes| Hash::from_bytes(HashAlgo::Sha256, &bytes).unwrap())
}

fn store_path() -> impl Strategy<Value = StorePath> {
    (
        prop::array::uniform20(any::<u8>()),
        "[A-Za-z0-9+._?=-][A-Za-z0-9+._?=-]{0,40}",
    )
        .prop_map(|(digest, name)| StorePath::from_digest(&digest, &name).unwrap())
}

/// A field value: no newline, and (for the required ones) non-empty.
fn value() -> impl Strategy<Value = String> {
    "[^\n]{1,40}"
}

fn content_address() -> impl Strategy<Value = ContentAddress> {
    prop_oneof![
        sha256().prop_map(ContentAddress::Text),
        (any::<bool>(), hash()).prop_map(|(recursive, hash)| ContentAddress::Fixed {
            method: if recursive {
                FileIngestionMethod::Recursive
            } else {
                FileIngestionMethod::Flat
            },
            hash,
        }),
    ]
}

fn narinfo() -> impl Strategy<Value = NarInfo> {
    (
        (
            store_path(),
            hash(),
            1..=u64::MAX,
            prop::collection::btree_set(store_path(), 0..4),
            prop::option::of(store_path()),
            prop::collection::btree_set("[^\n]{0,100}", 0..3),
            prop::option::of(content_address()),
        ),
        (
            value(),
            value(),
            prop::option::of(hash()),
            prop::option::of(any::<u64>()),
            prop::option::of(value()),
        ),
    )
        .prop_map(
            |(
                (path, nar_hash, nar_size, references, deriver, signatures, ca),
                (url, compression, file_hash, file_size, system),
            )| NarInfo {
                info: PathInfo {
                    path,
                    nar_hash,
                    nar_size,
                    references: references.into_iter().collect::<BTreeSet<_>>(),
                    deriver,
                    signatures,
                    ca,
                },
                url,
                compression,
                file_hash,
                file_size,
                system,
            },
        )
}

proptest! {
    #[test]
    fn print_parse_print(narinfo in narinfo()) {
        let store = StoreDir::default();
        let text = narinfo.to_text(&store);
        let parsed = NarInfo::parse(&store, &text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed.to_text(&store), text);
        prop_assert_eq!(parsed, narinfo);
    }

    #[test]
    fn parse_never_panics(text in "(?s).{0,400}") {
        let _ = NarInfo::parse(&StoreDir::default(), &text);
        let _ = text.parse::<CacheInfo>();
    }

    #[test]
    fn cache_info_print_parse(
        store_dir in prop::option::of("/[a-z/]{0,20}"),
        want_mass_query in prop::option::of(any::<bool>()),
        priority in prop::option::of(any::<i32>()),
    ) {
        let info = CacheInfo { store_dir, want_mass_query, priority };
        prop_assert_eq!(info.to_string().parse::<CacheInfo>().unwrap(), info);
    }
}
