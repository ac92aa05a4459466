//! Arbitrary bytes through the NAR reader: listing, and restoring into a
//! temporary directory when the listing succeeds. Must never panic, and
//! restore must never write outside its target.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let listed = cairn_nar::list(data);
    let dir = tempfile::tempdir().expect("temporary directory");
    let target = dir.path().join("out");
    let restored = cairn_nar::restore(data, &target);
    // Listing and restoring parse the same way: what the listing rejects,
    // restore rejects too (restore can also fail on the filesystem, e.g.
    // paths longer than PATH_MAX).
    if listed.is_err() {
        assert!(restored.is_err(), "restore accepted what list rejected");
    }
    if restored.is_ok() {
        assert!(listed.is_ok());
        // A valid archive re-encodes to exactly the input.
        let mut dumped = Vec::new();
        if cairn_nar::dump_path(&target, &mut dumped).is_ok() {
            assert_eq!(dumped, data);
        }
    }
    // Nothing but `out` was created in the temporary directory.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read temporary directory")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(names.len() <= 1, "{names:?}");
});
