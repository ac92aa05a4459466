//! User environments on a real `LocalStore`: the merged symlink tree,
//! collisions and priorities, propagated packages, the store object and
//! its references, and install/remove as new generations.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cairn_hash::HashAlgo;
use cairn_profile::{
    ENVIRONMENT_NAME, Element, EnvironmentCache, Manifest, Profile, ProfileError, Reuse,
    add_user_environment, link_environment, location,
};
use cairn_store::{GcOptions, LocalStore, Store};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

/// Adds a package built from `files` (`path` → contents; a path ending
/// in `/` is a directory) as a source path named `name`.
fn package(store: &LocalStore, scratch: &Path, name: &str, files: &[(&str, &str)]) -> StorePath {
    let dir = scratch.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, contents) in files {
        let full = dir.join(path);
        if path.ends_with('/') {
            std::fs::create_dir_all(&full).unwrap();
            continue;
        }
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, contents).unwrap();
        if path.starts_with("bin/") {
            std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    store
        .add_path_to_store(
            name,
            &dir,
            FileIngestionMethod::Recursive,
            HashAlgo::Sha256,
            None,
        )
        .unwrap()
}

/// Every entry under `dir`, as `path -> target` for symlinks, `path/` for
/// directories and `path` for files, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = format!("{prefix}{}", path.file_name().unwrap().to_str().unwrap());
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.push(format!(
                    "{name} -> {}",
                    std::fs::read_link(&path).unwrap().display()
                ));
            } else if meta.is_dir() {
                out.push(format!("{name}/"));
                walk(&path, &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out
}

struct Setup {
    dir: tempfile::TempDir,
    store: LocalStore,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
        std::fs::create_dir(dir.path().join("scratch")).unwrap();
        Setup { dir, store }
    }

    fn package(&self, name: &str, files: &[(&str, &str)]) -> StorePath {
        package(&self.store, &self.dir.path().join("scratch"), name, files)
    }

    fn logical(&self, path: &StorePath) -> String {
        self.store.store_dir().display(path)
    }

    fn out(&self) -> PathBuf {
        let out = self.dir.path().join(format!(
            "out-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir(&out).unwrap();
        out
    }
}

#[test]
fn merges_trees_like_buildenv() {
    let s = Setup::new();
    let extra = s.package("extra-1.0", &[("lib/libextra.so", "so")]);
    let hello = s.package(
        "hello-2.12",
        &[
            ("bin/hello", "hello"),
            ("share/man/man1/hello.1", "man"),
            (".hidden", "x"),
            ("nix-support/setup-hook", "x"),
        ],
    );
    let coreutils = s.package(
        "coreutils-9.1",
        &[
            ("bin/ls", "ls"),
            ("share/man/man1/ls.1", "man"),
            ("share/info/dir", "index"),
            ("manifest.json", "{}"),
        ],
    );
    // Propagation names a store path in a text file.
    let propagating = s.package(
        "wrapper-1",
        &[(
            "nix-support/propagated-user-env-packages",
            &format!("{}\n", s.logical(&extra)),
        )],
    );
    let out = s.out();
    let report = link_environment(
        &s.store,
        &[
            (hello.clone(), 5),
            (coreutils.clone(), 5),
            (propagating.clone(), 5),
        ],
        &out,
    )
    .unwrap();
    let (h, c, e) = (s.logical(&hello), s.logical(&coreutils), s.logical(&extra));
    assert_eq!(
        tree(&out),
        [
            "bin/".to_owned(),
            format!("bin/hello -> {h}/bin/hello"),
            format!("bin/ls -> {c}/bin/ls"),
            format!("lib -> {e}/lib"),
            "share/".to_owned(),
            format!("share/info -> {c}/share/info"),
            "share/man/".to_owned(),
            "share/man/man1/".to_owned(),
            format!("share/man/man1/hello.1 -> {h}/share/man/man1/hello.1"),
            format!("share/man/man1/ls.1 -> {c}/share/man/man1/ls.1"),
        ]
    );
    assert_eq!(
        report.packages,
        BTreeSet::from([hello, coreutils, propagating, extra])
    );
    assert_eq!(report.symlinks, 6);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn collisions_and_priorities() {
    let s = Setup::new();
    let one = s.package("one-1", &[("bin/tool", "1")]);
    let two = s.package("two-1", &[("bin/tool", "2")]);
    let err =
        link_environment(&s.store, &[(one.clone(), 5), (two.clone(), 5)], &s.out()).unwrap_err();
    assert!(matches!(err, ProfileError::Collision { priority: 5, .. }));
    // The file being linked is named first, then the one already there;
    // packages go in by path within a priority.
    let (existing, file) = if s.logical(&one) < s.logical(&two) {
        (&one, &two)
    } else {
        (&two, &one)
    };
    assert_eq!(
        err.to_string(),
        format!(
            "packages '{}/bin/tool' and '{}/bin/tool' have the same priority 5",
            s.logical(file),
            s.logical(existing)
        )
    );
    // A lower number wins, whichever comes first.
    for priorities in [(4, 5), (6, 5)] {
        let out = s.out();
        link_environment(
            &s.store,
            &[(one.clone(), priorities.0), (two.clone(), priorities.1)],
            &out,
        )
        .unwrap();
        let winner = if priorities.0 < priorities.1 {
            &one
        } else {
            &two
        };
        assert_eq!(
            std::fs::read_link(out.join("bin/tool")).unwrap(),
            PathBuf::from(format!("{}/bin/tool", s.logical(winner)))
        );
    }
    // A file where another package has a directory.
    let file_bin = s.package("file-bin-1", &[("bin", "not a directory")]);
    let err = link_environment(
        &s.store,
        &[(one.clone(), 5), (file_bin.clone(), 4)],
        &s.out(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ProfileError::CollisionWithFile { .. }),
        "{err}"
    );
    // A lone file package is left out with a warning.
    let lone = s.package("lone-1", &[("x", "")]);
    let lone_file = s.store.real_path(&lone).join("x");
    let file_package = s
        .store
        .add_path_to_store(
            "just-a-file",
            &lone_file,
            FileIngestionMethod::Recursive,
            HashAlgo::Sha256,
            None,
        )
        .unwrap();
    let report = link_environment(&s.store, &[(file_package, 5)], &s.out()).unwrap();
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].contains("because it's not a directory"));
}

#[test]
fn environments_are_store_objects_that_keep_their_packages() {
    let s = Setup::new();
    let hello = s.package("hello-2.12", &[("bin/hello", "hello")]);
    let mut manifest = Manifest::default();
    manifest.install(Element::from_store_path(&hello));
    let temp = s.dir.path().join("scratch");
    let (env, _) = add_user_environment(&s.store, &manifest, &temp, Reuse::default()).unwrap();
    assert_eq!(env.name(), ENVIRONMENT_NAME);
    let info = s.store.query_path_info(&env).unwrap().unwrap();
    assert_eq!(info.info.references, BTreeSet::from([hello.clone()]));
    assert_eq!(
        Manifest::read(&s.store, &env).unwrap(),
        Some(manifest.clone())
    );
    // Deterministic: the same manifest gives the same path.
    let (again, _) = add_user_environment(&s.store, &manifest, &temp, Reuse::default()).unwrap();
    assert_eq!(again, env);
    // Nothing is left in the temporary directory's parent.
    let leftovers: Vec<_> = std::fs::read_dir(&temp)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".cairn-user-environment"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_cache_reuses_an_environment_made_from_the_same_manifest() {
    let s = Setup::new();
    let hello = s.package("hello-2.12", &[("bin/hello", "hello")]);
    let ls = s.package("coreutils-9.1", &[("bin/ls", "ls")]);
    let temp = s.dir.path().join("scratch");
    let cache = EnvironmentCache::new(s.store.state_dir().join("user-environments"));
    let cached = Reuse {
        cache: Some(&cache),
        base: None,
    };
    let mut manifest = Manifest::default();
    manifest.install(Element::from_store_path(&hello));
    let (plain, _) = add_user_environment(&s.store, &manifest, &temp, Reuse::default()).unwrap();

    // A miss builds the same path as without a cache, and records it.
    let (first, report) = add_user_environment(&s.store, &manifest, &temp, cached).unwrap();
    assert_eq!(first, plain);
    assert!(!report.reused);
    let (again, report) = add_user_environment(&s.store, &manifest, &temp, cached).unwrap();
    assert_eq!(again, plain);
    assert!(report.reused);
    assert_eq!(report.symlinks, 0);

    // Another manifest (even one differing only in priority) is another
    // entry.
    manifest.elements[0].priority = 3;
    let (other, report) = add_user_environment(&s.store, &manifest, &temp, cached).unwrap();
    assert!(!report.reused);
    assert_ne!(other, plain);
    manifest.elements[0].priority = 5;
    manifest.install(Element::from_store_path(&ls));
    let (both, report) = add_user_environment(&s.store, &manifest, &temp, cached).unwrap();
    assert!(!report.reused);
    assert_eq!(
        tree(&s.store.real_path(&both)).len(),
        4,
        "bin/, two links, manifest"
    );

    // An entry whose environment was collected is rebuilt, and one that
    // is not a store path is a miss, not an error.
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 3);
    s.store.add_permanent_root(&hello, "hello").unwrap();
    s.store.add_permanent_root(&ls, "ls").unwrap();
    // A fresh handle, without the temporary roots of the first.
    let Setup { dir, store } = s;
    drop(store);
    let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
    store.collect_garbage(&GcOptions::default()).unwrap();
    assert!(!store.is_valid_path(&both).unwrap());
    let (rebuilt, report) = add_user_environment(&store, &manifest, &temp, cached).unwrap();
    assert_eq!(rebuilt, both);
    assert!(!report.reused);
    assert!(store.is_valid_path(&both).unwrap());
    for entry in &entries {
        std::fs::remove_file(entry).unwrap();
        std::os::unix::fs::symlink("/elsewhere/not-a-store-path", entry).unwrap();
    }
    let (fresh, report) = add_user_environment(&store, &manifest, &temp, cached).unwrap();
    assert_eq!(fresh, both);
    assert!(!report.reused);
}

#[test]
fn sharing_a_base_environment_gives_the_same_tree() {
    use std::os::unix::fs::MetadataExt;
    let s = Setup::new();
    let hello = s.package(
        "hello-2.12",
        &[("bin/hello", "hello"), ("share/man/man1/hello.1", "m")],
    );
    let ls = s.package("coreutils-9.1", &[("bin/ls", "ls"), ("share/doc/x", "d")]);
    let sed = s.package(
        "sed-4.8",
        &[("bin/sed", "sed"), ("share/man/man1/sed.1", "m")],
    );
    let temp = s.dir.path().join("scratch");
    let mut manifest = Manifest::default();
    manifest.install(Element::from_store_path(&hello));
    manifest.install(Element::from_store_path(&ls));
    let (base, _) = add_user_environment(&s.store, &manifest, &temp, Reuse::default()).unwrap();

    manifest.install(Element::from_store_path(&sed));
    let sharing = Reuse {
        cache: None,
        base: Some(&base),
    };
    let (shared, _) = add_user_environment(&s.store, &manifest, &temp, sharing).unwrap();
    // Built again without the base, in another store: the same path and tree.
    let other = Setup::new();
    for (name, files) in [
        (
            "hello-2.12",
            &[("bin/hello", "hello"), ("share/man/man1/hello.1", "m")],
        ),
        ("coreutils-9.1", &[("bin/ls", "ls"), ("share/doc/x", "d")]),
        (
            "sed-4.8",
            &[("bin/sed", "sed"), ("share/man/man1/sed.1", "m")],
        ),
    ] {
        other.package(name, files);
    }
    let (fresh, _) =
        add_user_environment(&other.store, &manifest, &temp, Reuse::default()).unwrap();
    assert_eq!(shared, fresh);
    let shared_real = s.store.real_path(&shared);
    assert_eq!(tree(&shared_real), tree(&other.store.real_path(&fresh)));
    // The unchanged links are the base's inodes; the new ones are not.
    let inode = |path: PathBuf| std::fs::symlink_metadata(path).unwrap().ino();
    let base_real = s.store.real_path(&base);
    assert_eq!(
        inode(shared_real.join("bin/ls")),
        inode(base_real.join("bin/ls"))
    );
    assert_eq!(
        inode(shared_real.join("share/doc")),
        inode(base_real.join("share/doc"))
    );
    assert!(!base_real.join("bin/sed").exists());
    assert_eq!(
        std::fs::symlink_metadata(shared_real.join("bin/sed"))
            .unwrap()
            .nlink(),
        1
    );
    let verified = s.store.verify(true, false).unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

#[test]
fn install_and_remove_make_generations() {
    let s = Setup::new();
    let root = s.dir.path().join("root");
    let hello = s.package("hello-2.12", &[("bin/hello", "hello")]);
    let hello_new = s.package("hello-2.13", &[("bin/hello", "hello 2.13")]);
    let ls = s.package("coreutils-9.1", &[("bin/ls", "ls")]);
    let profiles = location::profiles_dir(&root);
    std::fs::create_dir_all(&profiles).unwrap();
    let temp = s.dir.path().join("scratch");
    let p = Profile::open(profiles.join("p"), s.store.store_dir()).unwrap();

    let install = |paths: &[&StorePath]| {
        let lock = p.lock().unwrap();
        let mut manifest = lock.current_manifest(&s.store).unwrap();
        for path in paths {
            manifest.install(Element::from_store_path(path));
        }
        lock.create_environment_generation(&s.store, &manifest, &temp, None)
            .unwrap()
            .0
    };
    assert_eq!(install(&[&hello, &ls]).to, 1);
    let names = |p: &Profile| -> Vec<String> {
        let lock = p.lock().unwrap();
        lock.current_manifest(&s.store)
            .unwrap()
            .elements
            .iter()
            .map(|e| format!("{}-{}", e.name, e.version))
            .collect()
    };
    assert_eq!(names(&p), ["hello-2.12", "coreutils-9.1"]);
    // Installing a newer hello replaces the old one.
    assert_eq!(install(&[&hello_new]).to, 2);
    assert_eq!(names(&p), ["coreutils-9.1", "hello-2.13"]);
    let env = s.store.real_path(&p.resolve().unwrap().unwrap());
    assert_eq!(
        std::fs::read_link(env.join("bin/hello")).unwrap(),
        PathBuf::from(format!("{}/bin/hello", s.logical(&hello_new)))
    );
    {
        let lock = p.lock().unwrap();
        let mut manifest = lock.current_manifest(&s.store).unwrap();
        assert_eq!(manifest.remove("coreutils").len(), 1);
        lock.create_environment_generation(&s.store, &manifest, &temp, None)
            .unwrap();
    }
    assert_eq!(names(&p), ["hello-2.13"]);

    // Generations hold their packages; after wiping history only the
    // current environment's survive a collection.
    drop(s.store);
    p.wipe_history(false).unwrap();
    let store = LocalStore::open(&root, StoreDir::default()).unwrap();
    let dead: BTreeSet<String> = store
        .collect_garbage(&GcOptions::default())
        .unwrap()
        .paths
        .iter()
        .map(|p| p.name().to_owned())
        .collect();
    assert!(
        dead.contains("hello-2.12") && dead.contains("coreutils-9.1"),
        "{dead:?}"
    );
    assert!(!dead.contains("hello-2.13"), "{dead:?}");
    assert!(store.is_valid_path(&hello_new).unwrap());

    // A profile whose generation is not a user environment has no
    // packages to change.
    let q = Profile::open(profiles.join("q"), store.store_dir()).unwrap();
    q.create_generation(&store, &hello_new).unwrap();
    let err = q.lock().unwrap().current_manifest(&store).unwrap_err();
    assert!(
        matches!(err, ProfileError::NotAnEnvironment { .. }),
        "{err}"
    );
}

/// Installs are read-modify-writes of the manifest; under the profile
/// lock, parallel installs of different packages lose none of them.
#[test]
fn parallel_installs_lose_no_package() {
    let s = Setup::new();
    let packages: Vec<StorePath> = (0..8)
        .map(|i| s.package(&format!("tool{i}-1.0"), &[(&format!("bin/tool{i}"), "x")]))
        .collect();
    let profiles = location::profiles_dir(&s.dir.path().join("root"));
    std::fs::create_dir_all(&profiles).unwrap();
    let p = Profile::open(profiles.join("p"), s.store.store_dir()).unwrap();
    let temp = s.dir.path().join("scratch");
    let barrier = std::sync::Barrier::new(packages.len());
    std::thread::scope(|scope| {
        for package in &packages {
            let (p, s, temp, barrier) = (&p, &s, &temp, &barrier);
            scope.spawn(move || {
                barrier.wait();
                let lock = p.lock().unwrap();
                let mut manifest = lock.current_manifest(&s.store).unwrap();
                manifest.install(Element::from_store_path(package));
                lock.create_environment_generation(&s.store, &manifest, temp, None)
                    .unwrap();
            });
        }
    });
    let lock = p.lock().unwrap();
    let installed: BTreeSet<StorePath> = lock
        .current_manifest(&s.store)
        .unwrap()
        .elements
        .into_iter()
        .flat_map(|e| e.store_paths)
        .collect();
    assert_eq!(installed, packages.iter().cloned().collect());
    assert_eq!(p.generations().unwrap().len(), packages.len());
    let env = s.store.real_path(&p.resolve().unwrap().unwrap());
    for i in 0..packages.len() {
        assert!(env.join(format!("bin/tool{i}")).symlink_metadata().is_ok());
    }
}
