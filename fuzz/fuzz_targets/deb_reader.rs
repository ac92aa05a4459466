//! Arbitrary bytes through the `.deb` reader: the `ar` member listing, the
//! control file, and unpacking into a temporary directory. Must never
//! panic, and unpacking must never create anything outside its target.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = Path::new("fuzz.deb");
    let _ = cairn_deb::deb::members(data, name);
    let control = cairn_deb::read_control(data, name);
    let dir = tempfile::tempdir().expect("temporary directory");
    let target = dir.path().join("out");
    let unpacked = cairn_deb::unpack(data, name, &target);
    // Unpacking reads the control file first: it cannot succeed where
    // reading the control file alone failed.
    if control.is_err() {
        assert!(unpacked.is_err(), "unpack accepted what read_control rejected");
    }
    // Nothing but `out` was created in the temporary directory.
    for entry in std::fs::read_dir(dir.path()).expect("read temporary directory") {
        assert_eq!(entry.expect("entry").file_name(), "out");
    }
});
