//! Tests on the committed fuzz seeds (`fuzz/corpus/elf_rewrite`: a stripped
//! executable with `DT_RUNPATH` `/a:/b`, a shared library, an object file),
//! so they run without a C compiler: shrinking, growth, and thousands of
//! deterministic mutations that must never panic.

use std::path::PathBuf;

use cairn_elf::{Edits, Elf, Kind, RpathEdit, rewrite, shrink_rpath};

fn seed(name: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "../../fuzz/corpus/elf_rewrite",
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn seeds_classify() {
    assert_eq!(
        Elf::parse(&seed("exe")).unwrap().kind(),
        Kind::DynamicExecutable
    );
    assert_eq!(
        Elf::parse(&seed("lib.so")).unwrap().kind(),
        Kind::SharedLibrary
    );
    assert_eq!(
        Elf::parse(&seed("obj.o")).unwrap().kind(),
        Kind::Relocatable
    );
}

#[test]
fn shrink_keeps_the_first_directory_providing_each_library() {
    let data = seed("exe");
    let elf = Elf::parse(&data).unwrap();
    assert_eq!(elf.rpath(), Some(&b"/a:/b"[..]));
    assert_eq!(elf.needed(), vec![&b"libc.so.6"[..]]);
    let in_b = |dir: &[u8], name: &[u8]| dir == b"/b" && name == b"libc.so.6";
    assert_eq!(shrink_rpath(&elf, in_b).unwrap(), b"/b");
    let everywhere = |_: &[u8], _: &[u8]| true;
    assert_eq!(shrink_rpath(&elf, everywhere).unwrap(), b"/a");
    let nowhere = |_: &[u8], _: &[u8]| false;
    assert_eq!(shrink_rpath(&elf, nowhere).unwrap(), b"");
    // Setting the shrunk path writes it in place.
    let out = rewrite(
        &data,
        &Edits {
            interpreter: None,
            rpath: RpathEdit::Set(b"/b".to_vec()),
        },
    )
    .unwrap();
    assert_eq!(out.len(), data.len());
    let elf = Elf::parse(&out).unwrap();
    assert_eq!((elf.runpath(), elf.rpath_tag()), (Some(&b"/b"[..]), None));
}

#[test]
fn growth_keeps_segments_sorted_and_congruent() {
    for name in ["exe", "lib.so"] {
        let data = seed(name);
        let long = vec![b'x'; 5000];
        let out = rewrite(
            &data,
            &Edits {
                interpreter: (name == "exe").then(|| [b"/".as_slice(), &long].concat()),
                rpath: RpathEdit::Set([b"/".as_slice(), &long].concat()),
            },
        )
        .unwrap();
        let elf = Elf::parse(&out).unwrap();
        let loads: Vec<_> = elf
            .program_headers
            .iter()
            .filter(|ph| ph.p_type == 1)
            .collect();
        assert!(
            loads
                .windows(2)
                .all(|w| w[0].vaddr + w[0].memsz <= w[1].vaddr),
            "{name}"
        );
        for ph in &loads {
            assert_eq!(ph.offset % ph.align, ph.vaddr % ph.align, "{name}");
        }
        let last = loads.last().unwrap();
        assert_eq!(
            elf.header.phoff, last.offset,
            "{name}: headers at the start of the new segment"
        );
        assert_eq!(
            last.vaddr - last.offset,
            loads[0].vaddr - loads[0].offset,
            "{name}"
        );
        if let Some(phdr) = elf.program_headers.iter().find(|ph| ph.p_type == 6) {
            assert_eq!(
                (phdr.offset, phdr.vaddr),
                (last.offset, last.vaddr),
                "{name}"
            );
        }
        assert_eq!(elf.needed(), Elf::parse(&data).unwrap().needed(), "{name}");
        assert_eq!(elf.runpath().map(<[u8]>::len), Some(5001));
    }
}

/// xorshift64: deterministic, no dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn mutated_seeds_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let edits = [
        Edits {
            interpreter: Some(b"/i".to_vec()),
            rpath: RpathEdit::Remove,
        },
        Edits {
            interpreter: Some(vec![b'/'; 200]),
            rpath: RpathEdit::Set(vec![b'/'; 200]),
        },
    ];
    let mut parsed = 0;
    for name in ["exe", "lib.so", "obj.o"] {
        let original = seed(name);
        for _ in 0..700 {
            let mut data = original.clone();
            // Mutations cluster in the headers, where they matter most.
            for _ in 0..1 + next(&mut state) % 4 {
                let r = next(&mut state);
                let limit = if r.is_multiple_of(3) {
                    data.len()
                } else {
                    256.min(data.len())
                };
                let at = (next(&mut state) as usize) % limit;
                data[at] = next(&mut state) as u8;
            }
            if next(&mut state).is_multiple_of(10) {
                data.truncate((next(&mut state) as usize) % data.len());
            }
            let Ok(elf) = Elf::parse(&data) else { continue };
            parsed += 1;
            let _ = (elf.kind(), elf.interpreter(), elf.needed(), elf.rpath());
            let _ = shrink_rpath(&elf, |_, _| true);
            for edit in &edits {
                if let Ok(out) = rewrite(&data, edit) {
                    Elf::parse(&out).expect("a rewritten file parses again");
                }
            }
        }
    }
    assert!(
        parsed > 500,
        "mutations should mostly still parse ({parsed})"
    );
}
