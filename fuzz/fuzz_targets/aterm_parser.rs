//! Fuzzes the cairn-derivation ATerm parser: arbitrary bytes as a `.drv`.
//! Nothing may panic, and whatever parses must print to bytes that parse
//! back to the same derivation and print identically. The JSON forms and
//! the derivation type must not panic either.
#![no_main]

use cairn_derivation::{Derivation, show_derivation_json};
use cairn_store_path::{StoreDir, StorePath};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let store = StoreDir::default();
    let Ok(drv) = Derivation::from_aterm(&store, data) else {
        return;
    };
    let printed = drv.to_aterm(&store);
    let again = Derivation::from_aterm(&store, &printed).unwrap_or_else(|e| {
        panic!(
            "printed derivation does not parse: {e}\n{}",
            String::from_utf8_lossy(&printed)
        )
    });
    assert_eq!(again, drv);
    assert_eq!(again.to_aterm(&store), printed);

    let _ = drv.derivation_type();
    let _ = drv.to_masked_aterm(&store);
    let path = StorePath::from_base_name("00000000000000000000000000000000-fuzz.drv")
        .expect("a valid store path");
    let _ = show_derivation_json(&store, [(&path, &drv)]);
    let _ = drv.to_json(&store).to_derivation(&store);
});
