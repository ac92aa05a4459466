//! Adding, registering and querying objects; failures leave nothing behind.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use cairn_hash::{Hash, HashAlgo};
use cairn_narinfo::PathInfo;
use cairn_store::{FilterFileType, Store, StoreError, ValidPathInfo};
use cairn_store_path::{ContentAddress, FileIngestionMethod, StoreDir, StorePath};

use crate::common::{store, store_entries, text};

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn mtime(path: &Path) -> i64 {
    fs::symlink_metadata(path).unwrap().mtime()
}

#[test]
fn text_round_trip() {
    let (_dir, store) = store();
    let dep = text(&store, "dep", &[]);
    let refs = BTreeSet::from([dep.clone()]);
    let path = store
        .add_text_to_store("hello.txt", b"hello\n", &refs)
        .unwrap();
    let expected = StoreDir::default()
        .text_path_for("hello.txt", b"hello\n", &refs)
        .unwrap();
    assert_eq!(path, expected);
    let real = store.real_path(&path);
    assert_eq!(fs::read(&real).unwrap(), b"hello\n");
    assert_eq!(mode(&real), 0o444);
    assert_eq!(mtime(&real), 1);

    let info = store.query_path_info(&path).unwrap().unwrap();
    let (nar_hash, nar_size) = cairn_nar::hash_path(&real, HashAlgo::Sha256).unwrap();
    assert_eq!(info.info.nar_hash, nar_hash);
    assert_eq!(info.info.nar_size, nar_size);
    assert_eq!(info.info.references, refs);
    assert_eq!(
        info.info.ca,
        Some(ContentAddress::Text(Hash::digest(
            HashAlgo::Sha256,
            b"hello\n"
        )))
    );
    assert!(info.registration_time > 0);

    assert_eq!(
        store.query_referrers(&dep).unwrap(),
        BTreeSet::from([path.clone()])
    );
    assert_eq!(
        store.query_path_from_hash_part(path.hash_part()).unwrap(),
        Some(path.clone())
    );
    assert_eq!(
        store
            .query_path_from_hash_part("00000000000000000000000000000000")
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .compute_closure(&BTreeSet::from([path.clone()]))
            .unwrap(),
        BTreeSet::from([path.clone(), dep])
    );
    // Adding again is a no-op returning the same path.
    assert_eq!(
        store
            .add_text_to_store("hello.txt", b"hello\n", &refs)
            .unwrap(),
        path
    );
    assert!(
        !store
            .real_store_dir()
            .join(format!("{}.lock", path.base_name()))
            .exists()
    );
}

#[test]
fn text_with_an_invalid_reference_leaves_nothing() {
    let (_dir, store) = store();
    let missing = StorePath::from_base_name("00000000000000000000000000000000-missing").unwrap();
    let err = store
        .add_text_to_store("x", b"x", &BTreeSet::from([missing]))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MissingReference { .. }),
        "{err:?}"
    );
    assert!(store_entries(&store).is_empty());
    assert!(store.query_all_valid_paths().unwrap().is_empty());
}

fn source_tree(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::write(src.join("a"), "a").unwrap();
    fs::write(src.join("run"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(src.join("run"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(src.join("sub/skip.o"), "object").unwrap();
    std::os::unix::fs::symlink("a", src.join("link")).unwrap();
    src
}

#[test]
fn path_recursive_round_trip() {
    let (dir, store) = store();
    let src = source_tree(dir.path());
    let path = store
        .add_path_to_store(
            "src",
            &src,
            FileIngestionMethod::Recursive,
            HashAlgo::Sha256,
            None,
        )
        .unwrap();
    let (hash, _) = cairn_nar::hash_path(&src, HashAlgo::Sha256).unwrap();
    assert_eq!(
        path,
        StoreDir::default()
            .make_source_path(FileIngestionMethod::Recursive, &hash, "src")
            .unwrap()
    );
    assert_eq!(
        store
            .hash_path_for_store(&src, FileIngestionMethod::Recursive, HashAlgo::Sha256, None)
            .unwrap(),
        hash
    );
    let real = store.real_path(&path);
    assert_eq!(
        cairn_nar::hash_path(&real, HashAlgo::Sha256).unwrap().0,
        hash
    );
    assert_eq!(mode(&real), 0o555);
    assert_eq!(mode(&real.join("run")), 0o555);
    assert_eq!(mode(&real.join("a")), 0o444);
    assert_eq!(mtime(&real.join("link")), 1);
    assert_eq!(mtime(&real.join("sub")), 1);
    let info = store.query_path_info(&path).unwrap().unwrap();
    assert_eq!(info.info.nar_hash, hash);
    assert_eq!(
        info.info.ca,
        Some(ContentAddress::Fixed {
            method: FileIngestionMethod::Recursive,
            hash
        })
    );
}

#[test]
fn path_filtered_equals_a_copy_without_the_rejected_entries() {
    let (dir, store) = store();
    let src = source_tree(dir.path());
    let mut seen = Vec::new();
    let mut filter = |p: &Path, t: FilterFileType| -> Result<bool, StoreError> {
        seen.push((p.to_owned(), t));
        Ok(p.extension().is_none_or(|e| e != "o"))
    };
    let hashed = store
        .hash_path_for_store(
            &src,
            FileIngestionMethod::Recursive,
            HashAlgo::Sha256,
            Some(&mut filter),
        )
        .unwrap();
    let path = store
        .add_path_to_store(
            "src",
            &src,
            FileIngestionMethod::Recursive,
            HashAlgo::Sha256,
            Some(&mut filter),
        )
        .unwrap();
    assert!(seen.contains(&(src.join("link"), FilterFileType::Symlink)));
    assert!(seen.contains(&(src.join("sub"), FilterFileType::Directory)));
    assert!(!store.real_path(&path).join("sub/skip.o").exists());
    assert!(store.real_path(&path).join("sub").is_dir());
    fs::remove_file(src.join("sub/skip.o")).unwrap();
    let (hash, _) = cairn_nar::hash_path(&src, HashAlgo::Sha256).unwrap();
    assert_eq!(hashed, hash);
    assert_eq!(
        path,
        StoreDir::default()
            .make_source_path(FileIngestionMethod::Recursive, &hash, "src")
            .unwrap()
    );
}

#[test]
fn filter_errors_abort_the_import() {
    let (dir, store) = store();
    let src = source_tree(dir.path());
    let mut filter = |p: &Path, _: FilterFileType| -> Result<bool, StoreError> {
        Err(StoreError::InvalidPath {
            path: p.display().to_string(),
        })
    };
    let err = store
        .add_path_to_store(
            "src",
            &src,
            FileIngestionMethod::Recursive,
            HashAlgo::Sha256,
            Some(&mut filter),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidPath { .. }), "{err:?}");
    assert!(store_entries(&store).is_empty());
}

#[test]
fn path_flat_sha1() {
    let (dir, store) = store();
    let file = dir.path().join("f");
    fs::write(&file, "flat contents").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).unwrap();
    let path = store
        .add_path_to_store("f", &file, FileIngestionMethod::Flat, HashAlgo::Sha1, None)
        .unwrap();
    let hash = Hash::digest(HashAlgo::Sha1, b"flat contents");
    assert_eq!(
        store
            .hash_path_for_store(&file, FileIngestionMethod::Flat, HashAlgo::Sha1, None)
            .unwrap(),
        hash
    );
    assert_eq!(
        path,
        StoreDir::default()
            .make_source_path(FileIngestionMethod::Flat, &hash, "f")
            .unwrap()
    );
    let real = store.real_path(&path);
    assert_eq!(fs::read(&real).unwrap(), b"flat contents");
    // A flat import is never executable.
    assert_eq!(mode(&real), 0o444);
    let info = store.query_path_info(&path).unwrap().unwrap();
    assert_eq!(
        info.info.nar_hash,
        cairn_nar::hash_path(&real, HashAlgo::Sha256).unwrap().0
    );
    // A directory cannot be imported flat.
    let err = store
        .add_path_to_store(
            "d",
            dir.path(),
            FileIngestionMethod::Flat,
            HashAlgo::Sha256,
            None,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotRegularFile { .. }), "{err:?}");
}

fn nar_of(dir: &Path) -> (Vec<u8>, Hash) {
    let src = source_tree(dir);
    let mut nar = Vec::new();
    cairn_nar::dump_path(&src, &mut nar).unwrap();
    let hash = Hash::digest(HashAlgo::Sha256, &nar);
    (nar, hash)
}

#[test]
fn nar_round_trip_and_mismatches() {
    let (dir, store) = store();
    let (nar, hash) = nar_of(dir.path());
    let path = StorePath::from_base_name("7rjj86a15146cq1d3qy068lml7n8ykzm-from-nar").unwrap();
    let good = ValidPathInfo::new(PathInfo::new(path.clone(), hash, nar.len() as u64));

    let mut bad_hash = good.clone();
    bad_hash.info.nar_hash = Hash::digest(HashAlgo::Sha256, b"other");
    let err = store
        .add_nar_to_store(&bad_hash, &mut &nar[..])
        .unwrap_err();
    assert!(matches!(err, StoreError::HashMismatch { .. }), "{err:?}");
    let mut bad_size = good.clone();
    bad_size.info.nar_size += 8;
    let err = store
        .add_nar_to_store(&bad_size, &mut &nar[..])
        .unwrap_err();
    assert!(matches!(err, StoreError::SizeMismatch { .. }), "{err:?}");
    let err = store
        .add_nar_to_store(&good, &mut &nar[..nar.len() - 16])
        .unwrap_err();
    assert!(matches!(err, StoreError::Restore { .. }), "{err:?}");
    assert!(store_entries(&store).is_empty());
    let hidden: Vec<_> = fs::read_dir(store.real_store_dir()).unwrap().collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    assert!(!store.is_valid_path(&path).unwrap());

    store.add_nar_to_store(&good, &mut &nar[..]).unwrap();
    let info = store.query_path_info(&path).unwrap().unwrap();
    assert_eq!(info.info.nar_hash, hash);
    assert_eq!(mode(&store.real_path(&path)), 0o555);
}

#[test]
fn register_outputs_with_references_in_the_batch() {
    let (_dir, store) = store();
    let drv = text(&store, "x.drv", &[]);
    let lib = StorePath::from_base_name("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a-lib").unwrap();
    let bin = StorePath::from_base_name("1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b-bin").unwrap();
    for p in [&lib, &bin] {
        store.add_temp_root(p).unwrap();
        let real = store.real_path(p);
        fs::create_dir(&real).unwrap();
        fs::write(real.join("f"), p.name()).unwrap();
    }
    let info = |p: &StorePath, refs: &[&StorePath]| {
        let real = store.real_path(p);
        let (hash, size) = cairn_nar::hash_path(&real, HashAlgo::Sha256).unwrap();
        let mut info = PathInfo::new(p.clone(), hash, size);
        info.references = refs.iter().map(|r| (*r).clone()).collect();
        info.deriver = Some(drv.clone());
        let mut v = ValidPathInfo::new(info);
        v.ultimate = true;
        v
    };
    // A reference that is neither valid nor in the batch: nothing registered.
    let ghost = StorePath::from_base_name("2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c-ghost").unwrap();
    let err = store
        .register_valid_paths(&[info(&bin, &[&lib, &ghost])])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MissingReference { .. }),
        "{err:?}"
    );
    assert!(!store.is_valid_path(&bin).unwrap());

    store
        .register_valid_paths(&[info(&bin, &[&lib, &bin]), info(&lib, &[])])
        .unwrap();
    let got = store.query_path_info(&bin).unwrap().unwrap();
    assert!(got.ultimate);
    assert_eq!(
        got.info.references,
        BTreeSet::from([lib.clone(), bin.clone()])
    );
    assert_eq!(mode(&store.real_path(&bin).join("f")), 0o444);
    // Self-references are not referrers.
    assert_eq!(store.query_referrers(&bin).unwrap(), BTreeSet::new());
    assert_eq!(
        store.query_referrers(&lib).unwrap(),
        BTreeSet::from([bin.clone()])
    );

    store.register_derivation_output(&drv, "out", &bin).unwrap();
    store.register_derivation_output(&drv, "lib", &lib).unwrap();
    assert_eq!(
        store
            .query_derivation_outputs(&drv)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![
            ("lib".to_owned(), lib.clone()),
            ("out".to_owned(), bin.clone())
        ]
    );
    assert_eq!(
        store.query_valid_derivers(&bin).unwrap(),
        BTreeSet::from([drv.clone()])
    );
    // The derivation must be valid.
    let err = store
        .register_derivation_output(&ghost, "out", &bin)
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidPath { .. }), "{err:?}");

    // Registering without content fails.
    let empty = ValidPathInfo::new(PathInfo::new(
        ghost.clone(),
        Hash::digest(HashAlgo::Sha256, b""),
        0,
    ));
    let err = store.register_valid_paths(&[empty]).unwrap_err();
    assert!(matches!(err, StoreError::MissingContent { .. }), "{err:?}");
    assert!(!store.is_valid_path(&ghost).unwrap());
}

/// The graph of `builtins.toFile` objects below; `nix-store -qR e` (Nix
/// 2.8) printed exactly these paths in exactly this order:
///
/// ```nix
/// let a = builtins.toFile "a" "a";       b = builtins.toFile "b" "b ${a}";
///     c = builtins.toFile "c" "c ${a}";  d = builtins.toFile "d" "d ${b} ${c}";
/// in builtins.toFile "e" "e ${d} ${a}"
/// ```
#[test]
fn to_file_paths_and_closure_order_match_nix() {
    let (_dir, store) = store();
    let dir = store.store_dir().clone();
    let add = |name: &str, text: String, refs: &[&StorePath]| {
        let refs: BTreeSet<StorePath> = refs.iter().map(|p| (*p).clone()).collect();
        store
            .add_text_to_store(name, text.as_bytes(), &refs)
            .unwrap()
    };
    let a = add("a", "a".to_owned(), &[]);
    let b = add("b", format!("b {}", dir.display(&a)), &[&a]);
    let c = add("c", format!("c {}", dir.display(&a)), &[&a]);
    let d = add(
        "d",
        format!("d {} {}", dir.display(&b), dir.display(&c)),
        &[&b, &c],
    );
    let e = add(
        "e",
        format!("e {} {}", dir.display(&d), dir.display(&a)),
        &[&d, &a],
    );
    let closure = store.compute_closure(&BTreeSet::from([e])).unwrap();
    let sorted: Vec<String> = store
        .topo_sort_paths(&closure)
        .unwrap()
        .iter()
        .map(|p| dir.display(p))
        .collect();
    assert_eq!(
        sorted,
        [
            "/nix/store/kmmkrxlfw7rbwdnaj9js21xg9m42q8kw-a",
            "/nix/store/68n8v3bzlqz7q2558l7y0jrxhhm8rvg2-c",
            "/nix/store/hq6x61ppciswmsrkm29vxn3dyas6g8yw-b",
            "/nix/store/n2pyqzfr1z783613wgvrvr06wkf5r81m-d",
            "/nix/store/sjsgmnaxgf5rw28ifnjxpkzqk09kqv8n-e",
        ]
    );
}

/// A tree to be moved in: `source_tree` with a link to `dep` in it.
fn env_tree(dir: &Path, dep: &StorePath) -> std::path::PathBuf {
    let src = source_tree(dir);
    std::os::unix::fs::symlink(StoreDir::default().display(dep), src.join("sub/dep")).unwrap();
    src
}

#[test]
fn tree_moved_in_equals_its_nar_added() {
    let (nar_dir, nar_store) = store();
    let (dir, store) = store();
    let dep = text(&store, "dep", &[]);
    assert_eq!(text(&nar_store, "dep", &[]), dep);
    let refs = BTreeSet::from([dep.clone()]);

    let src = env_tree(dir.path(), &dep);
    let mut nar = Vec::new();
    cairn_nar::dump_path(&src, &mut nar).unwrap();
    let nar_hash = Hash::digest(HashAlgo::Sha256, &nar);
    let expected = StoreDir::default()
        .make_fixed_output_path(
            FileIngestionMethod::Recursive,
            &nar_hash,
            "env",
            &refs,
            false,
        )
        .unwrap();
    let mut info = PathInfo::new(expected.clone(), nar_hash, nar.len() as u64);
    info.references = refs.clone();
    info.ca = Some(ContentAddress::Fixed {
        method: FileIngestionMethod::Recursive,
        hash: nar_hash,
    });
    nar_store
        .add_nar_to_store(&ValidPathInfo::new(info), &mut &nar[..])
        .unwrap();

    let path = store.add_tree_by_moving("env", &src, &refs).unwrap();
    assert_eq!(path, expected);
    assert!(!src.exists(), "the tree was moved, not copied");
    let moved = store.query_path_info(&path).unwrap().unwrap();
    let unpacked = nar_store.query_path_info(&path).unwrap().unwrap();
    assert_eq!(moved.info.nar_hash, unpacked.info.nar_hash);
    assert_eq!(moved.info.nar_size, unpacked.info.nar_size);
    assert_eq!(moved.info.references, unpacked.info.references);
    assert_eq!(moved.info.ca, unpacked.info.ca);
    let real = store.real_path(&path);
    for entry in ["", "a", "run", "sub"] {
        let (a, b) = (real.join(entry), nar_store.real_path(&path).join(entry));
        assert_eq!(mode(&a), mode(&b), "{entry}");
        assert_eq!(mtime(&a), 1, "{entry}");
    }
    assert_eq!(
        cairn_nar::hash_path(&real, HashAlgo::Sha256).unwrap().0,
        nar_hash
    );
    // Nothing left under a temporary name.
    let hidden: Vec<_> = fs::read_dir(store.real_store_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".cairn-"))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    drop(nar_dir);
}

#[test]
fn tree_already_valid_is_dropped() {
    let (dir, store) = store();
    let dep = text(&store, "dep", &[]);
    let refs = BTreeSet::from([dep.clone()]);
    let first = store
        .add_tree_by_moving("env", &env_tree(&dir.path().join("one"), &dep), &refs)
        .unwrap();
    let again_src = env_tree(&dir.path().join("two"), &dep);
    let again = store.add_tree_by_moving("env", &again_src, &refs).unwrap();
    assert_eq!(first, again);
    assert!(!again_src.exists());
    assert_eq!(store_entries(&store).len(), 2, "dep and env");
}

#[test]
fn tree_failures_leave_nothing() {
    let (dir, store) = store();
    let missing = StorePath::from_base_name("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a-gone").unwrap();
    let src = env_tree(dir.path(), &missing);
    let err = store
        .add_tree_by_moving("env", &src, &BTreeSet::from([missing]))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MissingReference { .. }),
        "{err:?}"
    );
    let err = store
        .add_tree_by_moving("bad/name", &src, &BTreeSet::new())
        .unwrap_err();
    assert!(matches!(err, StoreError::BadPath { .. }), "{err:?}");
    let fifo = dir.path().join("fifo-tree");
    fs::create_dir(&fifo).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(fifo.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    let err = store
        .add_tree_by_moving("env", &fifo, &BTreeSet::new())
        .unwrap_err();
    assert!(matches!(err, StoreError::Dump { .. }), "{err:?}");
    assert!(
        src.exists() && fifo.exists(),
        "failed adds keep the caller's tree"
    );
    assert!(store_entries(&store).is_empty());
    let hidden: Vec<_> = fs::read_dir(store.real_store_dir()).unwrap().collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
