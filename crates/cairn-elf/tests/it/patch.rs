//! Compile tiny C programs, relocate them onto a private copy of the host
//! loader and libc, and run them. Skipped (with a message) when there is no
//! `cc` or no x86-64 glibc loader on the host.

use std::path::{Path, PathBuf};
use std::process::Command;

use cairn_elf::{Edits, Elf, Kind, RpathEdit, patch_file, rewrite, shrink_rpath};

const LOADER: &str = "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
const LIBC: &str = "/lib/x86_64-linux-gnu/libc.so.6";

/// A temp dir holding `libgreet.so`, `hello` (needs libgreet and libc) and a
/// "store" with copies of the loader and libc.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    // Skipping must say why, or a green run would hide that nothing ran.
    #[allow(clippy::print_stderr)]
    fn new() -> Option<Fixture> {
        if !Path::new(LOADER).exists() || !Path::new(LIBC).exists() {
            eprintln!("skipping: no {LOADER}");
            return None;
        }
        if Command::new("cc").arg("--version").output().is_err() {
            eprintln!("skipping: no C compiler `cc`");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let f = Fixture { dir };
        std::fs::write(
            f.path("greet.c"),
            "const char *greet(void) { return \"hello from libgreet\"; }\n",
        )
        .unwrap();
        std::fs::write(
            f.path("hello.c"),
            "#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n",
        )
        .unwrap();
        // Store layout: a long directory name forces growth.
        let store_lib = f.store_lib();
        std::fs::create_dir_all(&store_lib).unwrap();
        std::fs::create_dir_all(f.path("greet-lib")).unwrap();
        for src in [LOADER, LIBC] {
            let name = Path::new(src).file_name().unwrap();
            std::fs::copy(src, store_lib.join(name)).unwrap();
        }
        cc(&[
            "-shared",
            "-fPIC",
            "-o",
            f.path("greet-lib/libgreet.so").to_str().unwrap(),
            f.path("greet.c").to_str().unwrap(),
        ]);
        cc(&[
            "-o",
            f.path("hello").to_str().unwrap(),
            f.path("hello.c").to_str().unwrap(),
            "-L",
            f.path("greet-lib").to_str().unwrap(),
            "-lgreet",
        ]);
        Some(f)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn store_lib(&self) -> PathBuf {
        self.path(
            "store/0123456789abcdfghijklmnpqrsvwxyz-glibc-with-a-rather-long-name-2.36/lib/x86_64-linux-gnu",
        )
    }

    fn store_loader(&self) -> Vec<u8> {
        self.store_lib()
            .join("ld-linux-x86-64.so.2")
            .into_os_string()
            .into_encoded_bytes()
    }
}

fn cc(args: &[&str]) {
    let status = Command::new("cc").args(args).status().unwrap();
    assert!(status.success(), "cc {args:?} failed");
}

fn bytes(path: &Path) -> Vec<u8> {
    path.as_os_str().as_encoded_bytes().to_vec()
}

/// Runs `program` with a clean environment; returns stdout and stderr.
fn run(program: &Path, env: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(program)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn patchelf_print(flag: &str, file: &Path) -> Option<String> {
    let output = Command::new("patchelf").arg(flag).arg(file).output().ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned()
    })
}

#[test]
fn classify_host_files() {
    let Some(f) = Fixture::new() else { return };
    let kind = |p: &Path| Elf::parse(&std::fs::read(p).unwrap()).unwrap().kind();
    assert_eq!(kind(Path::new(LOADER)), Kind::DynamicLoader);
    assert_eq!(kind(Path::new(LIBC)), Kind::SharedLibrary);
    assert_eq!(kind(&f.path("hello")), Kind::DynamicExecutable);
    assert_eq!(kind(&f.path("greet-lib/libgreet.so")), Kind::SharedLibrary);
    cc(&[
        "-c",
        "-o",
        f.path("greet.o").to_str().unwrap(),
        f.path("greet.c").to_str().unwrap(),
    ]);
    assert_eq!(kind(&f.path("greet.o")), Kind::Relocatable);
    let hello = std::fs::read(f.path("hello")).unwrap();
    let elf = Elf::parse(&hello).unwrap();
    assert_eq!(elf.needed(), vec![&b"libgreet.so"[..], b"libc.so.6"]);
    assert_eq!(elf.rpath(), None);
    assert_eq!(elf.interpreter(), Some(&b"/lib64/ld-linux-x86-64.so.2"[..]));
    assert!(!cairn_elf::is_elf(b"#!/bin/sh\n"));
}

#[test]
fn relocated_binary_runs_on_the_store_loader_and_libc() {
    let Some(f) = Fixture::new() else { return };
    let hello = f.path("hello");
    let original = std::fs::read(&hello).unwrap();
    // Unpatched, the loader cannot find libgreet.so.
    let (ok, _, stderr) = run(&hello, &[]);
    assert!(!ok, "unexpectedly ran: {stderr}");
    assert!(stderr.contains("libgreet.so"), "{stderr}");

    let mut runpath = bytes(&f.path("greet-lib"));
    runpath.push(b':');
    runpath.extend(bytes(&f.store_lib()));
    let loader = f.store_loader();
    assert!(loader.len() > b"/lib64/ld-linux-x86-64.so.2".len());
    let changed = patch_file(&hello, |_| Edits {
        interpreter: Some(loader.clone()),
        rpath: RpathEdit::Set(runpath.clone()),
    })
    .unwrap();
    assert!(changed);
    let patched = std::fs::read(&hello).unwrap();
    assert!(patched.len() > original.len(), "the file grew");
    let elf = Elf::parse(&patched).unwrap();
    assert_eq!(elf.interpreter(), Some(&loader[..]));
    assert_eq!(elf.runpath(), Some(&runpath[..]));
    assert_eq!(elf.rpath_tag(), None);
    assert_eq!(elf.needed(), vec![&b"libgreet.so"[..], b"libc.so.6"]);

    let (ok, stdout, stderr) = run(&hello, &[("LD_DEBUG", "libs")]);
    assert!(ok, "patched binary failed: {stderr}");
    assert_eq!(stdout, "hello from libgreet\n");
    // libc came from the store copy, found through the RUNPATH.
    let store_libc = f.store_lib().join("libc.so.6");
    let wanted = format!("trying file={}", store_libc.display());
    assert!(stderr.contains(&wanted), "{stderr}");
    assert!(stderr.contains("search path="), "{stderr}");
    assert!(stderr.contains("(RUNPATH from file"), "{stderr}");

    // readelf agrees the file is well formed.
    if let Ok(out) = Command::new("readelf").args(["-lSdW"]).arg(&hello).output() {
        let text = String::from_utf8_lossy(&out.stdout);
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && warnings.is_empty(), "{warnings}");
        assert!(
            text.contains(&String::from_utf8_lossy(&loader).into_owned()),
            "{text}"
        );
    }
    for (flag, ours) in [
        ("--print-interpreter", loader.clone()),
        ("--print-rpath", runpath.clone()),
        ("--print-needed", b"libgreet.so\nlibc.so.6".to_vec()),
    ] {
        if let Some(theirs) = patchelf_print(flag, &hello) {
            assert_eq!(theirs.as_bytes(), &ours[..], "patchelf {flag}");
        }
    }

    // Patching again with a still longer path grows again and still runs.
    let mut longer = runpath.clone();
    longer.extend(b":/nonexistent/directory/that/is/only/there/to/make/the/string/longer");
    let changed = patch_file(&hello, |_| Edits {
        interpreter: None,
        rpath: RpathEdit::Set(longer.clone()),
    })
    .unwrap();
    assert!(changed);
    let (ok, stdout, stderr) = run(&hello, &[]);
    assert!(ok && stdout == "hello from libgreet\n", "{stderr}");

    // Shrinking drops the directory that provides nothing.
    let patched = std::fs::read(&hello).unwrap();
    let elf = Elf::parse(&patched).unwrap();
    let shrunk = shrink_rpath(&elf, |dir, name| {
        let mut p = dir.to_vec();
        p.push(b'/');
        p.extend_from_slice(name);
        Path::new(std::str::from_utf8(&p).unwrap()).exists()
    })
    .unwrap();
    assert_eq!(shrunk, runpath);
    let before = patched.len();
    patch_file(&hello, |_| Edits {
        interpreter: None,
        rpath: RpathEdit::Set(shrunk.clone()),
    })
    .unwrap();
    let patched = std::fs::read(&hello).unwrap();
    assert_eq!(patched.len(), before, "a shorter path is written in place");
    assert_eq!(Elf::parse(&patched).unwrap().rpath(), Some(&runpath[..]));
    let (ok, stdout, stderr) = run(&hello, &[]);
    assert!(ok && stdout == "hello from libgreet\n", "{stderr}");
}

#[test]
fn shared_library_gets_a_runpath_and_loads() {
    let Some(f) = Fixture::new() else { return };
    // libgreet.so has no RUNPATH and usually no spare DT_NULL: adding one
    // may move .dynamic. Then the executable (patched too) must still load it.
    let lib = f.path("greet-lib/libgreet.so");
    let store_lib = bytes(&f.store_lib());
    patch_file(&lib, |_| Edits {
        interpreter: None,
        rpath: RpathEdit::Set(store_lib.clone()),
    })
    .unwrap();
    let data = std::fs::read(&lib).unwrap();
    assert_eq!(Elf::parse(&data).unwrap().runpath(), Some(&store_lib[..]));

    let hello = f.path("hello");
    let mut runpath = bytes(&f.path("greet-lib"));
    runpath.push(b':');
    runpath.extend(&store_lib);
    patch_file(&hello, |_| Edits {
        interpreter: Some(f.store_loader()),
        rpath: RpathEdit::Set(runpath),
    })
    .unwrap();
    let (ok, stdout, stderr) = run(&hello, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "hello from libgreet\n");
}

#[test]
fn a_library_with_no_spare_dynamic_slot_moves_its_dynamic_section() {
    let Some(f) = Fixture::new() else { return };
    let lib = f.path("greet-lib/libgreet.so");
    let data = std::fs::read(&lib).unwrap();
    // Fill every spare DT_NULL by setting and removing nothing: instead,
    // make a copy whose dynamic table has no slack by adding entries until
    // it would move, then check the moved table is read back whole.
    let mut current = data;
    let mut moved = false;
    for i in 0..8 {
        let elf = Elf::parse(&current).unwrap();
        let spare =
            elf.dynamic.as_ref().unwrap().capacity - elf.dynamic.as_ref().unwrap().entries.len();
        let path = format!("/store/dir-{i}").into_bytes();
        let edits = Edits {
            interpreter: None,
            rpath: if spare > 1 || elf.rpath().is_some() {
                RpathEdit::Remove
            } else {
                RpathEdit::Set(path.clone())
            },
        };
        let next = rewrite(&current, &edits).unwrap();
        let next_elf = Elf::parse(&next).unwrap();
        if let RpathEdit::Set(_) = edits.rpath {
            assert_eq!(next_elf.runpath(), Some(&path[..]));
            moved =
                next_elf.dynamic.as_ref().unwrap().offset != elf.dynamic.as_ref().unwrap().offset;
            current = next;
            break;
        }
        // Consume the slack with a harmless entry so the next round has none.
        let dynamic = elf.dynamic.as_ref().unwrap();
        let at = (dynamic.offset as usize) + dynamic.entries.len() * 16;
        current[at..at + 8].copy_from_slice(&0x6fff_fef5_i64.to_le_bytes()); // DT_GNU_HASH again: harmless duplicate
        let gnu_hash = dynamic
            .entries
            .iter()
            .find(|e| e.tag == 0x6fff_fef5)
            .unwrap()
            .val;
        current[at + 8..at + 16].copy_from_slice(&gnu_hash.to_le_bytes());
    }
    assert!(moved, "the dynamic section should have moved");
    std::fs::write(&lib, &current).unwrap();
    let hello = f.path("hello");
    let mut runpath = bytes(&f.path("greet-lib"));
    runpath.push(b':');
    runpath.extend(bytes(&f.store_lib()));
    patch_file(&hello, |_| Edits {
        interpreter: Some(f.store_loader()),
        rpath: RpathEdit::Set(runpath),
    })
    .unwrap();
    let (ok, stdout, stderr) = run(&hello, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "hello from libgreet\n");
}

#[test]
fn remove_rpath_and_in_place_interpreter() {
    let Some(f) = Fixture::new() else { return };
    let hello = f.path("hello");
    let with_rpath = f.path("hello-rpath");
    cc(&[
        "-o",
        with_rpath.to_str().unwrap(),
        f.path("hello.c").to_str().unwrap(),
        "-L",
        f.path("greet-lib").to_str().unwrap(),
        "-lgreet",
        &format!("-Wl,-rpath,{}", f.path("greet-lib").display()),
        "-Wl,--disable-new-dtags",
    ]);
    let data = std::fs::read(&with_rpath).unwrap();
    let elf = Elf::parse(&data).unwrap();
    assert_eq!(
        elf.rpath_tag(),
        Some(bytes(&f.path("greet-lib")).as_slice())
    );
    let (ok, stdout, _) = run(&with_rpath, &[]);
    assert!(ok && stdout == "hello from libgreet\n");
    let removed = rewrite(
        &data,
        &Edits {
            interpreter: None,
            rpath: RpathEdit::Remove,
        },
    )
    .unwrap();
    assert_eq!(removed.len(), data.len());
    let elf = Elf::parse(&removed).unwrap();
    assert_eq!(elf.rpath(), None);
    assert_eq!(elf.needed().len(), 2);
    std::fs::write(&with_rpath, &removed).unwrap();
    let (ok, _, stderr) = run(&with_rpath, &[]);
    assert!(!ok && stderr.contains("libgreet.so"), "{stderr}");

    // A shorter interpreter is written in place: grow to the store loader,
    // then go back to the host path, which fits in the grown slot.
    let data = std::fs::read(&hello).unwrap();
    let short = b"/lib64/ld-linux-x86-64.so.2".to_vec();
    let same = rewrite(
        &data,
        &Edits {
            interpreter: Some(short.clone()),
            rpath: RpathEdit::Keep,
        },
    )
    .unwrap();
    assert_eq!(same, data, "rewriting with the same values changes nothing");
    let grown = rewrite(
        &data,
        &Edits {
            interpreter: Some(f.store_loader()),
            rpath: RpathEdit::Keep,
        },
    )
    .unwrap();
    assert!(grown.len() > data.len());
    let back = rewrite(
        &grown,
        &Edits {
            interpreter: Some(short.clone()),
            rpath: RpathEdit::Keep,
        },
    )
    .unwrap();
    assert_eq!(back.len(), grown.len(), "written in place");
    assert_eq!(Elf::parse(&back).unwrap().interpreter(), Some(&short[..]));
    std::fs::write(&hello, &back).unwrap();
    let mut runpath = bytes(&f.path("greet-lib"));
    runpath.push(b':');
    runpath.extend(bytes(&f.store_lib()));
    patch_file(&hello, |_| Edits {
        interpreter: None,
        rpath: RpathEdit::Set(runpath),
    })
    .unwrap();
    let (ok, stdout, stderr) = run(&hello, &[]);
    assert!(ok && stdout == "hello from libgreet\n", "{stderr}");
}
