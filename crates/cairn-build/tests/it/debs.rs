//! `builtin:unpack-debs`: `.deb`s fetched by `builtin:fetchurl` from
//! `file://` URLs, unpacked, merged and relocated into one output.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cairn_deb::ar::ArWriter;
use cairn_hash::{Hash, HashAlgo};
use cairn_store_path::{FileIngestionMethod, StorePath, hash_placeholder};

use cairn_build::BuildOptions;

use crate::support::{Recorder, TestStore};

/// One `data.tar` entry.
enum Entry<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8], u32),
    Symlink(&'a str, &'a str),
}

fn tar(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        let (name, data): (&str, &[u8]) = match *entry {
            Entry::Dir(name) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                (name, b"")
            }
            Entry::File(name, data, mode) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(mode);
                (name, data)
            }
            Entry::Symlink(name, target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_link_name(target).unwrap();
                (name, b"")
            }
        };
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, name, data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A `.deb` of package `package` with `data` (uncompressed members).
fn deb(package: &str, data: &[Entry<'_>]) -> Vec<u8> {
    let control = format!(
        "Package: {package}\nVersion: 1.0-1\nArchitecture: amd64\n\
         Maintainer: Nobody <nobody@invalid>\nDescription: test\n"
    );
    let control = tar(&[
        Entry::Dir("./"),
        Entry::File("./control", control.as_bytes(), 0o644),
    ]);
    let mut writer = ArWriter::new(Vec::new()).unwrap();
    writer.append("debian-binary", b"2.0\n").unwrap();
    writer.append("control.tar", &control).unwrap();
    writer.append("data.tar", &tar(data)).unwrap();
    writer.into_inner()
}

/// A fixed-output `builtin:fetchurl` derivation of `bytes` (as a
/// `file://` URL); returns the `.drv`.
fn fetched(t: &mut TestStore, name: &str, bytes: &[u8]) -> StorePath {
    let source = t.dir.path().join(name);
    std::fs::write(&source, bytes).unwrap();
    t.derivation(name, "")
        .builtin("builtin:fetchurl")
        .env("url", &format!("file://{}", source.display()))
        .env("outputHashMode", "flat")
        .env("outputHashAlgo", "sha256")
        .fixed(
            FileIngestionMethod::Flat,
            Hash::digest(HashAlgo::Sha256, bytes),
        )
        .add()
}

/// An unpack-debs derivation of the fetched `debs` with `attributes`.
fn unpack(t: &mut TestStore, debs: &[&StorePath], attributes: &[(&str, &str)]) -> StorePath {
    let paths: Vec<String> = debs
        .iter()
        .map(|d| t.display(&t.output(d, "out")))
        .collect();
    let mut drv = t
        .derivation("debian-tree", "")
        .builtin("builtin:unpack-debs")
        .env("debs", &paths.join(" "));
    for deb in debs {
        drv = drv.input(deb, "out");
    }
    for (key, value) in attributes {
        drv = drv.env(key, value);
    }
    drv.add()
}

#[test]
fn debs_merge_with_excludes_links_and_relative_symlinks() {
    let mut t = TestStore::new();
    let one = deb(
        "one",
        &[
            Entry::Dir("./"),
            Entry::Dir("./usr/"),
            Entry::Dir("./usr/bin/"),
            Entry::File("./usr/bin/gawk", b"#!/bin/sh\n", 0o755),
            Entry::File("./usr/share/doc/one/copyright", b"c", 0o644),
            Entry::Symlink("./lib64/ld.so", "/lib/x86_64-linux-gnu/ld.so"),
        ],
    );
    let two = deb(
        "two",
        &[
            Entry::Dir("./"),
            Entry::Dir("./usr/"),
            Entry::Dir("./usr/bin/"),
            Entry::File("./usr/bin/bash", b"#!/bin/sh\n", 0o755),
            Entry::File("./usr/lib/x86_64-linux-gnu/data", b"d", 0o644),
            Entry::Symlink("./etc/rmt", "/usr/sbin/rmt"),
            Entry::Symlink("./usr/bin/rbash", "bash"),
        ],
    );
    let one = fetched(&mut t, "one.deb", &one);
    let two = fetched(&mut t, "two.deb", &two);
    let drv = unpack(
        &mut t,
        &[&one, &two],
        &[
            ("exclude", "usr/share/doc"),
            ("links", "bin/sh=../usr/bin/bash usr/bin/awk=gawk"),
        ],
    );
    t.realise(&[&drv]).unwrap();
    let out = t.real(&t.output(&drv, "out"));
    let link = |p: &str| std::fs::read_link(out.join(p)).unwrap();
    assert_eq!(
        link("lib64/ld.so"),
        Path::new("../lib/x86_64-linux-gnu/ld.so")
    );
    assert_eq!(link("etc/rmt"), Path::new("../usr/sbin/rmt"));
    assert_eq!(link("usr/bin/rbash"), Path::new("bash"));
    assert_eq!(link("bin/sh"), Path::new("../usr/bin/bash"));
    assert_eq!(link("usr/bin/awk"), Path::new("gawk"));
    assert!(out.join("usr/bin/gawk").is_file());
    assert_eq!(std::fs::read(out.join("usr/bin/sh")).ok(), None);
    assert!(!out.join("usr/share").exists());
    let mode = |p: &str| {
        std::fs::symlink_metadata(out.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("usr/bin/bash"), 0o555);
    assert_eq!(mode("usr/lib/x86_64-linux-gnu/data"), 0o444);
    assert_eq!(mode("usr/bin"), 0o555);

    // Same .debs, same attributes, another store: the same NAR.
    let info = |t: &TestStore, drv: &StorePath| {
        cairn_store::Store::query_path_info(&*t.store, &t.output(drv, "out"))
            .unwrap()
            .unwrap()
            .info
            .nar_hash
    };
    let mut again = TestStore::new();
    let one2 = fetched(
        &mut again,
        "one.deb",
        &std::fs::read(t.dir.path().join("one.deb")).unwrap(),
    );
    let two2 = fetched(
        &mut again,
        "two.deb",
        &std::fs::read(t.dir.path().join("two.deb")).unwrap(),
    );
    let drv2 = unpack(
        &mut again,
        &[&one2, &two2],
        &[
            ("exclude", "usr/share/doc"),
            ("links", "bin/sh=../usr/bin/bash usr/bin/awk=gawk"),
        ],
    );
    again.realise(&[&drv2]).unwrap();
    assert_eq!(info(&t, &drv), info(&again, &drv2));
}

#[test]
fn two_debs_shipping_one_file_fail_naming_both() {
    let mut t = TestStore::new();
    let one = fetched(
        &mut t,
        "one.deb",
        &deb("one", &[Entry::File("./usr/bin/x", b"1", 0o755)]),
    );
    let two = fetched(
        &mut t,
        "two.deb",
        &deb("two", &[Entry::File("./usr/bin/x", b"2", 0o755)]),
    );
    let drv = unpack(&mut t, &[&one, &two], &[]);
    let before_out = t.output(&drv, "out");
    let message = t.realise(&[&drv]).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "builtin:unpack-debs: 'usr/bin/x' is in both '{}' and '{}'",
            t.display(&t.output(&one, "out")),
            t.display(&t.output(&two, "out"))
        )
    );
    assert!(!t.is_valid(&before_out));
}

#[test]
fn a_deb_outside_the_inputs_is_refused() {
    let mut t = TestStore::new();
    let one = fetched(&mut t, "one.deb", &deb("one", &[Entry::Dir("./")]));
    t.realise(&[&one]).unwrap();
    // Built and valid, but not declared as an input.
    let path = t.display(&t.output(&one, "out"));
    let drv = t
        .derivation("debian-tree", "")
        .builtin("builtin:unpack-debs")
        .env("debs", &path)
        .add();
    let message = t.realise(&[&drv]).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "builtin:unpack-debs: '{path}' is not in the derivation's inputs \
             (list it as a dependency)"
        )
    );
}

#[test]
fn host_elf_files_get_the_interpreter_and_runpath() {
    let (Ok(true_bin), Ok(libc), Ok(loader)) = (
        std::fs::read("/bin/true"),
        std::fs::read("/lib/x86_64-linux-gnu/libc.so.6"),
        std::fs::read("/lib64/ld-linux-x86-64.so.2"),
    ) else {
        // Not an x86-64 Debian-like host: nothing to copy.
        return;
    };
    // A 32-bit (ELFCLASS32) header: left alone, not an error.
    let mut elf32 = b"\x7fELF\x01\x01\x01".to_vec();
    elf32.resize(52, 0);
    let mut t = TestStore::new();
    let bin = fetched(
        &mut t,
        "bin.deb",
        &deb(
            "bin",
            &[
                Entry::File("./usr/bin/true", &true_bin, 0o755),
                Entry::File("./lib/x86_64-linux-gnu/libc.so.6", &libc, 0o644),
                Entry::File(
                    "./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                    &loader,
                    0o755,
                ),
                Entry::File("./usr/lib32/libx.so", &elf32, 0o644),
                Entry::File("./usr/lib/empty", b"", 0o644),
            ],
        ),
    );
    let out = hash_placeholder("out");
    let interpreter = format!("{out}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    let rpath = format!("{out}/lib/x86_64-linux-gnu:/somewhere/else");
    let drv = unpack(
        &mut t,
        &[&bin],
        &[
            ("interpreter", &interpreter),
            ("rpath", &rpath),
            ("rpathExclude", "libc.so"),
        ],
    );
    let mut recorder = Recorder::default();
    t.realise_with(&[&drv], &BuildOptions::default(), &mut recorder)
        .unwrap();
    let out_path = t.output(&drv, "out");
    let out_display = t.display(&out_path);
    let real = t.real(&out_path);
    let read = |p: &str| std::fs::read(real.join(p)).unwrap();

    let data = read("usr/bin/true");
    let elf = cairn_elf::Elf::parse(&data).unwrap();
    let expected_interpreter = format!("{out_display}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    assert_eq!(elf.interpreter(), Some(expected_interpreter.as_bytes()));
    let expected_rpath = format!("{out_display}/lib/x86_64-linux-gnu:/somewhere/else");
    assert_eq!(elf.runpath(), Some(expected_rpath.as_bytes()));
    assert_eq!(elf.rpath_tag(), None);

    // libc.so.6 has a PT_INTERP (it can be run) but is excluded from RUNPATH.
    let data = read("lib/x86_64-linux-gnu/libc.so.6");
    let elf = cairn_elf::Elf::parse(&data).unwrap();
    assert_eq!(elf.interpreter(), Some(expected_interpreter.as_bytes()));
    assert_eq!(elf.runpath(), None);

    // The loader and the 32-bit library are untouched.
    assert_eq!(read("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), loader);
    assert_eq!(read("usr/lib32/libx.so"), elf32);

    let log = recorder.log.concat();
    assert!(log.contains("1 packages: bin 1.0-1"), "{log}");
    assert!(log.contains("2 interpreters and 1 RUNPATHs set"), "{log}");
    assert!(
        log.contains("left alone: usr/lib32/libx.so: unsupported ELF file"),
        "{log}"
    );
}
