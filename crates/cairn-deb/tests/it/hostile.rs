//! Hostile and malformed archives are refused with errors that name the
//! file, the member and the entry, and nothing is written outside the
//! target.

use std::path::Path;

use crate::build::{Entry, ar, compress, deb, tar};

/// Unpacks `bytes` into a fresh target beside a sentinel directory and
/// returns the full error chain as text; asserts nothing escaped.
fn refused(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("a/b/out");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let err = cairn_deb::unpack(bytes, Path::new("evil.deb"), &target)
        .expect_err("hostile archive was accepted");
    // Nothing outside the target: the only thing in a/b is `out`, and
    // the temp dir holds only `a`.
    let names = |path: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(dir.path()), ["a"]);
    assert_eq!(names(&dir.path().join("a")), ["b"]);
    // The target is made only once the data member is reached.
    assert!(
        names(&dir.path().join("a/b"))
            .iter()
            .all(|name| name == "out")
    );
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn data(entries: &[Entry<'_>]) -> String {
    refused(&deb(".xz", entries))
}

#[test]
fn parent_components_are_refused() {
    assert_eq!(
        data(&[Entry::File("./usr/../../../escape", b"x", 0o644)]),
        "failed to read member 'data.tar.xz' of 'evil.deb': entry './usr/../../../escape': path escapes the target ('..' component)"
    );
    assert!(data(&[Entry::Dir("..")]).contains("'..' component"));
}

#[test]
fn absolute_paths_are_refused() {
    assert_eq!(
        data(&[Entry::File("/tmp/escape", b"x", 0o644)]),
        "failed to read member 'data.tar.xz' of 'evil.deb': entry '/tmp/escape': absolute path"
    );
}

#[test]
fn writing_through_a_symlink_is_refused() {
    // `link -> ..` then `link/escape` would write beside the target.
    let message = data(&[
        Entry::Symlink("./link", ".."),
        Entry::File("./link/escape", b"x", 0o644),
    ]);
    assert_eq!(
        message,
        "failed to read member 'data.tar.xz' of 'evil.deb': entry './link/escape': parent 'link' is a symlink, not a directory (refusing to follow it)"
    );
    // The same through an absolute symlink and a deeper path.
    let message = data(&[
        Entry::Dir("./etc/"),
        Entry::Symlink("./etc/x", "/"),
        Entry::Dir("./etc/x/tmp/"),
    ]);
    assert!(message.contains("parent 'etc/x' is a symlink"), "{message}");
    // Or through a file.
    let message = data(&[
        Entry::File("./f", b"x", 0o644),
        Entry::File("./f/g", b"x", 0o644),
    ]);
    assert!(message.contains("parent 'f' is a file"), "{message}");
}

#[test]
fn duplicate_entries_are_refused() {
    let message = data(&[
        Entry::File("./usr/a", b"1", 0o644),
        Entry::File("usr/a", b"2", 0o644),
    ]);
    assert!(
        message.ends_with("entry 'usr/a': duplicate entry (the archive already created this path)"),
        "{message}"
    );
    // A symlink replaced by a file (the classic overwrite-then-follow).
    let message = data(&[
        Entry::Symlink("./a", "/etc/passwd"),
        Entry::File("./a", b"x", 0o644),
    ]);
    assert!(message.contains("duplicate entry"), "{message}");
    let message = data(&[Entry::Dir("./d/"), Entry::Dir("./d")]);
    assert!(message.contains("duplicate entry"), "{message}");
}

#[test]
fn hard_links_must_point_at_earlier_files() {
    for target in ["../outside", "/etc/passwd", "missing", "link", "dir"] {
        let message = data(&[
            Entry::Dir("./dir/"),
            Entry::Symlink("./link", "dir"),
            Entry::HardLink("./h", target),
        ]);
        assert!(
            message.ends_with(&format!(
                "entry './h': hard link to '{target}', which is not a regular file earlier in the archive"
            )),
            "{message}"
        );
    }
}

#[test]
fn devices_fifos_and_odd_roots_are_refused() {
    assert!(data(&[Entry::Fifo("./fifo")]).ends_with(
        "entry './fifo': unsupported entry type '6' (only files, directories and links)"
    ));
    assert!(
        data(&[Entry::File("./", b"", 0o644)]).ends_with("the archive root must be a directory")
    );
    assert!(data(&[Entry::Symlink("./empty", "")]).ends_with("symlink with an empty target"));
}

#[test]
fn target_must_be_new_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("existing"), b"").unwrap();
    let err = cairn_deb::unpack(&deb("", &[])[..], Path::new("x.deb"), dir.path()).unwrap_err();
    assert!(
        std::error::Error::source(&err)
            .unwrap()
            .to_string()
            .contains("exists and is not an empty directory")
    );
}

#[test]
fn malformed_containers_are_refused() {
    let control = compress(
        &tar(&[Entry::File("./control", b"Package: x\n", 0o644)]),
        ".gz",
    );
    let data_tar = compress(&tar(&[]), ".gz");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"not an archive".to_vec(),
            "failed to read 'evil.deb': not an ar archive (no '!<arch>' magic)",
        ),
        (
            ar(&[]),
            "failed to read 'evil.deb': not a Debian binary package: empty archive",
        ),
        (
            ar(&[("control.tar.gz", control.clone())]),
            "failed to read member 'control.tar.gz' of 'evil.deb': not a Debian binary package: first member is 'control.tar.gz', expected 'debian-binary'",
        ),
        (
            ar(&[("debian-binary", b"3.0\n".to_vec())]),
            "failed to read member 'debian-binary' of 'evil.deb': unsupported package format version '3.0' (cairn reads 2.x)",
        ),
        (
            ar(&[
                ("debian-binary", b"2.0\n".to_vec()),
                ("control.tar.gz", control.clone()),
            ]),
            "failed to read 'evil.deb': not a Debian binary package: no 'data.tar' member",
        ),
        (
            ar(&[
                ("debian-binary", b"2.0\n".to_vec()),
                ("control.tar.gz", control.clone()),
                ("data.tar.lzma", data_tar.clone()),
            ]),
            "failed to read member 'data.tar.lzma' of 'evil.deb': unknown compression suffix (expected none, .gz, .xz, .zst or .bz2)",
        ),
        (
            ar(&[
                ("debian-binary", b"2.0\n".to_vec()),
                ("control.tar.gz", compress(&tar(&[]), ".gz")),
            ]),
            "failed to read member 'control.tar.gz' of 'evil.deb': control tarball has no 'control' file",
        ),
        (
            ar(&[
                ("debian-binary", b"2.0\n".to_vec()),
                ("control.tar.gz", control.clone()),
                ("data.tar.xz", data_tar.clone()),
            ]),
            "failed to read member 'data.tar.xz' of 'evil.deb': failed to decompress or read the tar stream: stream/file format not recognized",
        ),
    ];
    for (bytes, expected) in cases {
        let message = refused(&bytes);
        assert!(
            message.starts_with(expected),
            "{message}\nexpected: {expected}"
        );
    }
    // A data member cut short.
    let mut bytes = deb(".gz", &[Entry::File("./f", &[7; 5000], 0o644)]);
    bytes.truncate(bytes.len() - 100);
    let message = refused(&bytes);
    assert!(
        message.starts_with("failed to read member 'data.tar.gz' of 'evil.deb'"),
        "{message}"
    );
}
