//! `verify` and `optimise`.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use cairn_hash::HashAlgo;
use cairn_store::Store;
use cairn_store_path::FileIngestionMethod;

use crate::common::{store, text};

#[test]
fn verify_finds_and_repairs() {
    let (_dir, store) = store();
    let lib = text(&store, "lib", &[]);
    let app = text(&store, "app", &[&lib]);
    let lonely = text(&store, "lonely", &[]);
    let clean = store.verify(true, false).unwrap();
    assert!(clean.is_ok(), "{clean:?}");
    assert_eq!(clean.checked, 3);

    // Modify app, make lib writable, delete lonely.
    let app_real = store.real_path(&app);
    fs::set_permissions(&app_real, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&app_real, "tampered").unwrap();
    fs::set_permissions(&app_real, fs::Permissions::from_mode(0o444)).unwrap();
    fs::set_permissions(store.real_path(&lib), fs::Permissions::from_mode(0o644)).unwrap();
    fs::remove_file(store.real_path(&lonely)).unwrap();

    let found = store.verify(true, false).unwrap();
    assert!(!found.is_ok());
    assert_eq!(found.missing, vec![lonely.clone()]);
    assert_eq!(found.modified.len(), 1);
    assert_eq!(found.modified[0].0, app);
    // A modified path is reported as modified only.
    assert_eq!(found.non_canonical.len(), 1, "{found:?}");

    let repaired = store.verify(true, true).unwrap();
    assert_eq!(repaired.repaired.len(), 2, "{repaired:?}");
    assert_eq!(repaired.unrepairable.len(), 1, "{repaired:?}");
    assert!(!store.is_valid_path(&lonely).unwrap());
    assert_eq!(
        fs::metadata(store.real_path(&lib)).unwrap().mode() & 0o777,
        0o444
    );
}

#[test]
fn optimise_links_identical_files() {
    let (dir, store) = store();
    let make = |name: &str| {
        let src = dir.path().join(name);
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("big"), vec![7u8; 10_000]).unwrap();
        fs::write(src.join("own"), name).unwrap();
        store
            .add_path_to_store(
                name,
                &src,
                FileIngestionMethod::Recursive,
                HashAlgo::Sha256,
                None,
            )
            .unwrap()
    };
    let a = make("a");
    let b = make("b");
    let before = (
        cairn_nar::hash_path(&store.real_path(&a), HashAlgo::Sha256).unwrap(),
        cairn_nar::hash_path(&store.real_path(&b), HashAlgo::Sha256).unwrap(),
    );
    let results = store.optimise().unwrap();
    assert_eq!(results.files, 4);
    assert_eq!(results.files_linked, 1);
    assert_eq!(results.bytes_saved, 10_000);
    let ino = |p: &cairn_store_path::StorePath| {
        fs::metadata(store.real_path(p).join("big")).unwrap().ino()
    };
    assert_eq!(ino(&a), ino(&b));
    let after = (
        cairn_nar::hash_path(&store.real_path(&a), HashAlgo::Sha256).unwrap(),
        cairn_nar::hash_path(&store.real_path(&b), HashAlgo::Sha256).unwrap(),
    );
    assert_eq!(before, after);
    assert!(store.verify(true, false).unwrap().is_ok());
    // Running again finds nothing new.
    assert_eq!(store.optimise().unwrap().files_linked, 0);

    // Once both objects are garbage, the shared copy goes too.
    let links = store.real_store_dir().join(".links");
    assert_eq!(fs::read_dir(&links).unwrap().count(), 3);
    let root = store.root().to_owned();
    drop(store);
    let store =
        cairn_store::LocalStore::open(&root, cairn_store_path::StoreDir::default()).unwrap();
    let results = store
        .collect_garbage(&cairn_store::GcOptions::default())
        .unwrap();
    assert_eq!(results.paths.len(), 2);
    assert_eq!(fs::read_dir(&links).unwrap().count(), 0);
    // Each distinct file is counted once: the big one, and each small one.
    assert_eq!(results.bytes_freed, 10_000 + 1 + 1);
}
