//! Malformed input is rejected with the offset and what is wrong.

use cairn_elf::{Edits, Elf, Error, RpathEdit, rewrite};

/// A minimal ELF64 header with `phnum` program headers at offset 64.
fn header(phnum: u16) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2;
    h[5] = 1;
    h[6] = 1;
    h[16..18].copy_from_slice(&3u16.to_le_bytes());
    h[18..20].copy_from_slice(&62u16.to_le_bytes());
    h[32..40].copy_from_slice(&64u64.to_le_bytes());
    h[54..56].copy_from_slice(&56u16.to_le_bytes());
    h[56..58].copy_from_slice(&phnum.to_le_bytes());
    h
}

#[test]
fn not_elf() {
    assert_eq!(Elf::parse(b"#!/bin/sh").unwrap_err(), Error::NotElf);
    assert_eq!(
        Elf::parse(b"").unwrap_err().to_string(),
        "not an ELF file (bad magic at offset 0)"
    );
}

#[test]
fn truncated_program_headers() {
    let err = Elf::parse(&header(2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed ELF file at offset 0x40: program header table (112 bytes) extends past the end of the file (64 bytes)"
    );
}

#[test]
fn unsupported_class() {
    let mut h = header(0);
    h[4] = 1;
    assert_eq!(
        Elf::parse(&h).unwrap_err().to_string(),
        "unsupported ELF file: 32-bit (ELFCLASS32)"
    );
}

#[test]
fn interp_outside_the_file() {
    let mut h = header(1);
    let mut ph = vec![0u8; 56];
    ph[..4].copy_from_slice(&3u32.to_le_bytes()); // PT_INTERP
    ph[8..16].copy_from_slice(&0x1000u64.to_le_bytes());
    ph[32..40].copy_from_slice(&28u64.to_le_bytes());
    h.extend(ph);
    let err = Elf::parse(&h).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed ELF file at offset 0x1000: PT_INTERP (28 bytes) extends past the end of the file (120 bytes)"
    );
}

#[test]
fn dynamic_without_terminator_and_static_edits() {
    let mut h = header(1);
    let mut ph = vec![0u8; 56];
    ph[..4].copy_from_slice(&2u32.to_le_bytes()); // PT_DYNAMIC
    ph[8..16].copy_from_slice(&120u64.to_le_bytes());
    ph[32..40].copy_from_slice(&16u64.to_le_bytes());
    h.extend(ph);
    h.extend(1i64.to_le_bytes()); // DT_NEEDED, no DT_NULL
    h.extend(0u64.to_le_bytes());
    let err = Elf::parse(&h).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed ELF file at offset 0x78: dynamic section has no DT_NULL terminator"
    );
    let err = rewrite(
        &header(0),
        &Edits {
            interpreter: Some(b"/x".to_vec()),
            rpath: RpathEdit::Keep,
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot edit ELF file: it has no PT_INTERP (statically linked?)"
    );
}
