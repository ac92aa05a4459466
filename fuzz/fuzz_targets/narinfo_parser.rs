//! Fuzzes the cairn-narinfo parsers: arbitrary bytes as a `.narinfo`, a
//! `nix-cache-info`, a secret key, a public key and a signature. None may
//! panic, and whatever parses must print to text that parses back to the
//! same value and prints identically.
#![no_main]

use cairn_narinfo::{CacheInfo, NarInfo, PublicKey, SecretKey, Signature, TrustedKeys};
use cairn_store_path::StoreDir;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let store = StoreDir::default();

    if let Ok(narinfo) = NarInfo::parse(&store, text) {
        let printed = narinfo.to_text(&store);
        let again = NarInfo::parse(&store, &printed)
            .unwrap_or_else(|e| panic!("printed narinfo does not parse: {e}\n{printed}"));
        assert_eq!(again, narinfo);
        assert_eq!(again.to_text(&store), printed);
        let _ = narinfo.fingerprint(&store);
        let _ = narinfo.info.is_content_addressed(&store);
    }

    if let Ok(info) = text.parse::<CacheInfo>() {
        let printed = info.to_string();
        let again: CacheInfo = printed.parse().expect("printed nix-cache-info parses");
        assert_eq!(again, info);
        assert_eq!(again.to_string(), printed);
    }

    if let Ok(key) = text.parse::<SecretKey>() {
        let printed = key.to_string();
        let again: SecretKey = printed.parse().expect("printed secret key parses");
        assert_eq!(again.to_string(), printed);
        assert_eq!(again.to_public(), key.to_public());
    }
    if let Ok(key) = text.parse::<PublicKey>() {
        let again: PublicKey = key.to_string().parse().expect("printed public key parses");
        assert_eq!(again, key);
    }
    if let Ok(signature) = text.parse::<Signature>() {
        let again: Signature = signature
            .to_string()
            .parse()
            .expect("printed signature parses");
        assert_eq!(again, signature);
    }
    // Checking arbitrary text as a signature never panics.
    let trusted: TrustedKeys = SecretKey::from_seed("k", &[7; 32])
        .map(|key| key.to_public())
        .into_iter()
        .collect();
    let _ = trusted.verify(b"fingerprint", text);
});
