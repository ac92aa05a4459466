//! Well-formed `.deb`s unpack to the expected tree in every compression.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use cairn_deb::{Compression, UnpackStats};

use crate::build::{Entry, ar, compress, deb, tar};

const TREE: &[Entry<'static>] = &[
    Entry::Dir("./"),
    Entry::Dir("./usr/"),
    Entry::Dir("./usr/bin/"),
    Entry::File("./usr/bin/hello", b"#!/bin/sh\necho hi\n", 0o755),
    Entry::File("./usr/bin/setuid", b"x", 0o4755),
    Entry::Symlink("./usr/bin/hi", "hello"),
    Entry::Symlink("./usr/bin/abs", "/usr/bin/hello"),
    // The parent `usr/share/doc/hello` is not listed.
    Entry::File("./usr/share/doc/hello/copyright", b"GPL\n", 0o600),
    Entry::HardLink("./usr/bin/hello-again", "./usr/bin/hello"),
    Entry::File("./usr/lib/empty", b"", 0o644),
];

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn check_tree(root: &Path) {
    let bin = root.join("usr/bin");
    assert_eq!(
        fs::read(bin.join("hello")).unwrap(),
        b"#!/bin/sh\necho hi\n"
    );
    assert_eq!(mode(&bin.join("hello")), 0o755);
    // setuid dropped, execute kept.
    assert_eq!(mode(&bin.join("setuid")), 0o755);
    assert_eq!(fs::read_link(bin.join("hi")).unwrap(), Path::new("hello"));
    // Absolute targets are kept as written (relocation is a later step).
    assert_eq!(
        fs::read_link(bin.join("abs")).unwrap(),
        Path::new("/usr/bin/hello")
    );
    let copyright = root.join("usr/share/doc/hello/copyright");
    assert_eq!(fs::read(&copyright).unwrap(), b"GPL\n");
    assert_eq!(mode(&copyright), 0o644);
    assert_eq!(mode(&root.join("usr/share/doc")), 0o755);
    let again = fs::metadata(bin.join("hello-again")).unwrap();
    assert_eq!(again.ino(), fs::metadata(bin.join("hello")).unwrap().ino());
    assert_eq!(fs::read(root.join("usr/lib/empty")).unwrap(), b"");
}

#[test]
fn every_compression_unpacks_the_same_tree() {
    for suffix in ["", ".gz", ".xz", ".zst", ".bz2"] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let bytes = deb(suffix, TREE);
        let unpacked = cairn_deb::unpack(&bytes[..], Path::new("hello.deb"), &target)
            .unwrap_or_else(|err| panic!("{suffix}: {err}: {:?}", err.kind));
        check_tree(&target);
        assert_eq!(unpacked.control.package(), Some("hello"));
        assert_eq!(unpacked.control.version(), Some("2.10-3"));
        assert_eq!(unpacked.control.architecture(), Some("amd64"));
        assert_eq!(
            unpacked.control.field("description"),
            Some("example\n a test package")
        );
        assert_eq!(
            unpacked.stats,
            UnpackStats {
                files: 4,
                // usr, usr/bin, usr/share, usr/share/doc, usr/share/doc/hello, usr/lib
                directories: 6,
                symlinks: 2,
                hard_links: 1,
                bytes: 18 + 1 + 4,
            },
            "{suffix}"
        );
        let control = cairn_deb::read_control(&bytes[..], Path::new("hello.deb")).unwrap();
        assert_eq!(control, unpacked.control);
    }
}

#[test]
fn existing_empty_target_is_used_and_signature_members_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let control = tar(&[Entry::File(
        "control",
        crate::build::CONTROL.as_bytes(),
        0o644,
    )]);
    let bytes = ar(&[
        ("debian-binary", b"2.0\n".to_vec()),
        ("_gpgorigin", b"signature".to_vec()),
        ("control.tar.xz", compress(&control, ".xz")),
        ("data.tar.gz", compress(&tar(TREE), ".gz")),
        ("trailing-member", b"ignored".to_vec()),
    ]);
    cairn_deb::unpack(&bytes[..], Path::new("x.deb"), dir.path()).unwrap();
    check_tree(dir.path());
}

#[test]
fn compression_is_chosen_by_member_suffix() {
    assert_eq!(
        Compression::from_member("data.tar.zst", "data.tar"),
        Some(Compression::Zstd)
    );
    assert_eq!(
        Compression::from_member("control.tar", "control.tar"),
        Some(Compression::None)
    );
    assert_eq!(
        Compression::from_member("control.tar.bz2", "control.tar"),
        None
    );
    assert_eq!(Compression::from_member("data.tar.lzma", "data.tar"), None);
}

#[test]
fn several_debs_merge_into_one_tree_with_filters_and_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    let mut tree = cairn_deb::Tree::new(&target).unwrap();
    let first = deb(
        ".xz",
        &[
            Entry::Dir("./"),
            Entry::Dir("./usr/"),
            Entry::File("./usr/a", b"a", 0o644),
            Entry::File("./usr/share/doc/a/copyright", b"c", 0o644),
        ],
    );
    let second = deb(
        "",
        &[
            Entry::Dir("./"),
            Entry::Dir("./usr/"),
            Entry::Dir("./usr/share/"),
            Entry::Dir("./usr/share/doc/"),
            Entry::Dir("./usr/share/doc/b/"),
            Entry::File("./usr/share/doc/b/copyright", b"c", 0o644),
            Entry::File("./usr/b", b"b", 0o755),
        ],
    );
    let mut keep = |path: &Path| !path.starts_with("usr/share/doc/b");
    let one = cairn_deb::unpack_into(&first[..], Path::new("a.deb"), &mut tree, &mut keep).unwrap();
    let two =
        cairn_deb::unpack_into(&second[..], Path::new("b.deb"), &mut tree, &mut keep).unwrap();
    assert_eq!((one.stats.files, two.stats.files), (2, 1));
    assert_eq!(fs::read(target.join("usr/a")).unwrap(), b"a");
    assert_eq!(fs::read(target.join("usr/b")).unwrap(), b"b");
    assert!(target.join("usr/share/doc/a/copyright").exists());
    assert!(!target.join("usr/share/doc/b").exists());

    // A third archive shipping a file the first one did: named both ways.
    let third = deb("", &[Entry::File("./usr/a", b"other", 0o644)]);
    let err =
        cairn_deb::unpack_into(&third[..], Path::new("c.deb"), &mut tree, &mut keep).unwrap_err();
    let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(chain.contains("'c.deb'"), "{chain}");
    assert!(
        chain.ends_with("entry './usr/a': 'a.deb' already provides this path"),
        "{chain}"
    );
    assert_eq!(fs::read(target.join("usr/a")).unwrap(), b"a");
}
