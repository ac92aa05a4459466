//! Parses arbitrary bytes as ELF and, when they parse, applies every kind of
//! edit: nothing may panic, and a rewritten file must parse again with the
//! values that were set.

#![no_main]

use cairn_elf::{Edits, Elf, RpathEdit, rewrite, shrink_rpath};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(elf) = Elf::parse(data) else { return };
    let _ = (elf.kind(), elf.interpreter(), elf.needed(), elf.rpath(), elf.soname());
    let shrunk = shrink_rpath(&elf, |dir, name| (dir.len() + name.len()) % 2 == 0);
    let long = vec![b'/'; 300];
    let cases = [
        Edits { interpreter: Some(b"/x".to_vec()), rpath: RpathEdit::Remove },
        Edits { interpreter: Some(long.clone()), rpath: RpathEdit::Set(long.clone()) },
        Edits { interpreter: None, rpath: RpathEdit::Set(shrunk.unwrap_or_default()) },
    ];
    for edits in cases {
        let Ok(out) = rewrite(data, &edits) else { continue };
        let again = Elf::parse(&out).expect("a rewritten file parses");
        if let Some(interp) = &edits.interpreter {
            assert_eq!(again.interpreter(), Some(&interp[..]));
        }
        if let RpathEdit::Set(path) = &edits.rpath {
            assert_eq!(again.runpath(), Some(&path[..]));
        }
    }
});
