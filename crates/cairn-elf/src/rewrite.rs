//! Rewriting: interpreter and RUNPATH edits, growing the file when needed.
//!
//! # In place when it fits
//!
//! A new interpreter no longer than the old one is written over it (NUL
//! padded, `PT_INTERP` and `.interp` sizes updated). A new RUNPATH no longer
//! than the existing `DT_RUNPATH`/`DT_RPATH` string is written over that
//! string, and the entry's tag becomes `DT_RUNPATH`. Removing the search
//! path deletes its entries and pads the table with `DT_NULL`. None of these
//! moves a byte of anything else.
//!
//! # Growing: one new `PT_LOAD` at the end
//!
//! Otherwise the file grows by one read-only (read-write when it holds
//! `.dynamic`) loadable segment appended after everything else:
//!
//! ```text
//! old file (untouched except header fields) | zero pad | new segment
//!                                                       +-------------------------+
//!                                                       | program header table    |  e_phoff, PT_PHDR
//!                                                       |  (old entries + 1 LOAD) |
//!                                                       | .interp      (if moved) |  PT_INTERP
//!                                                       | .dynstr      (if grown) |  DT_STRTAB/DT_STRSZ
//!                                                       | .dynamic (if it grew)   |  PT_DYNAMIC
//!                                                       +-------------------------+
//! ```
//!
//! * **Why the program headers move.** The table needs one more entry and
//!   the bytes after it (usually `.interp`) are in use. The copy lives in the
//!   new segment, which is itself loaded, so `PT_PHDR` (updated) is covered
//!   by a `PT_LOAD` as the loader requires. The old table stays behind,
//!   unreferenced.
//! * **Where the segment goes.** Let `base` be the first `PT_LOAD`'s
//!   `p_vaddr - p_offset`. The segment is placed at a file offset `off`
//!   that is past the end of the file *and* past `max(p_vaddr + p_memsz) -
//!   base`, rounded up to the largest `p_align`, and at `p_vaddr = base +
//!   off`. So `p_offset ≡ p_vaddr (mod p_align)`, the segment maps above
//!   every existing one (and `.bss`), the `PT_LOAD`s stay sorted by
//!   address (the new entry is inserted after the last one), and the program
//!   headers sit at `base + e_phoff` — which is what kernels before 5.18
//!   assumed for `AT_PHDR` instead of reading `PT_PHDR`. The price is zero
//!   padding as large as the `.bss` tail. When that would exceed 16 MiB
//!   the segment goes at the page-aligned end of the file and of memory
//!   instead, which current kernels (they read `PT_PHDR`) and ld.so accept.
//! * **Strings.** The new `.dynstr` is the old one followed by the new
//!   string, so every existing index (`DT_NEEDED`, symbols, version
//!   records) stays valid; only `DT_STRTAB`/`DT_STRSZ` change.
//! * **`.dynamic`** moves only when a RUNPATH entry must be added and there
//!   is no spare `DT_NULL` after the terminator; the copy has one more slot.
//!   The segment is then writable, because ld.so writes `DT_DEBUG` and
//!   relocates pointers in the dynamic section in place.
//! * **Section headers** of `.interp`, `.dynstr` and `.dynamic` (found by
//!   their old offset and type) are pointed at the new copies; no section is
//!   added, so `e_shoff` and the section table do not move.
//!
//! A string written in place may in theory be the shared tail of another
//! `.dynstr` string (linkers merge suffixes). Search paths contain `/` or
//! `:` and never end another name in practice; patchelf makes the same bet.

use crate::Error;
use crate::parse::{
    DT_NEEDED, DT_NULL, DT_RPATH, DT_RUNPATH, DT_STRSZ, DT_STRTAB, DYN_SIZE, DynEntry, Elf,
    PHDR_SIZE, PT_DYNAMIC, PT_INTERP, PT_LOAD, PT_PHDR, ProgramHeader, SHDR_SIZE,
};

const SHT_STRTAB: u32 = 3;
/// The most zero padding [`rewrite`] adds to keep the new segment at
/// `base + offset` (see the module docs); past it, old kernels' `AT_PHDR`
/// guess is given up instead.
const MAX_PADDING: u64 = 16 << 20;
const SHT_DYNAMIC: u32 = 6;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// What to do with the search path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RpathEdit {
    /// Leave `DT_RPATH`/`DT_RUNPATH` alone.
    #[default]
    Keep,
    /// Set it, as `DT_RUNPATH` (an existing `DT_RPATH` is converted).
    Set(Vec<u8>),
    /// Remove both `DT_RPATH` and `DT_RUNPATH`.
    Remove,
}

/// The edits [`rewrite`] applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    /// New `PT_INTERP` path, if any.
    pub interpreter: Option<Vec<u8>>,
    /// The search path edit.
    pub rpath: RpathEdit,
}

/// The search path with only the directories that provide a `DT_NEEDED`
/// library not found in an earlier directory (like `patchelf
/// --shrink-rpath`), or `None` when the file has no search path.
///
/// `exists(dir, name)` says whether `dir/name` exists. Entries that are not
/// absolute (`$ORIGIN/…`, relative) cannot be checked and are kept.
pub fn shrink_rpath(
    elf: &Elf<'_>,
    mut exists: impl FnMut(&[u8], &[u8]) -> bool,
) -> Option<Vec<u8>> {
    let rpath = elf.rpath()?;
    let needed = elf.needed();
    let mut found = vec![false; needed.len()];
    let mut kept: Vec<&[u8]> = Vec::new();
    for dir in rpath.split(|&b| b == b':') {
        if dir.is_empty() {
            continue;
        }
        if !dir.starts_with(b"/") {
            kept.push(dir);
            continue;
        }
        let mut useful = false;
        for (i, name) in needed.iter().enumerate() {
            if !found[i] && exists(dir, name) {
                found[i] = true;
                useful = true;
            }
        }
        if useful {
            kept.push(dir);
        }
    }
    Some(kept.join(&b':'))
}

fn align_up(value: u64, align: u64) -> Option<u64> {
    if align <= 1 {
        return Some(value);
    }
    value.checked_add(align - 1).map(|v| v / align * align)
}

fn unsatisfiable(what: impl Into<String>) -> Error {
    Error::Unsatisfiable { what: what.into() }
}

fn overflow(offset: u64) -> Error {
    Error::malformed(
        offset,
        "addresses overflow while laying out the new segment",
    )
}

/// Applies `edits` to the ELF file `data` and returns the new file.
///
/// See the module documentation for the layout of a grown file.
pub fn rewrite(data: &[u8], edits: &Edits) -> Result<Vec<u8>, Error> {
    let elf = Elf::parse(data)?;
    let mut out = data.to_vec();
    let mut phdrs = elf.program_headers.clone();

    // The interpreter: in place, or moved to the new segment.
    let mut new_interp: Option<Vec<u8>> = None;
    if let Some(path) = &edits.interpreter {
        if path.contains(&0) {
            return Err(unsatisfiable("the interpreter path contains a NUL byte"));
        }
        let index = phdrs
            .iter()
            .position(|ph| ph.p_type == PT_INTERP)
            .ok_or_else(|| unsatisfiable("it has no PT_INTERP (statically linked?)"))?;
        let old = phdrs[index];
        let len = path.len() as u64 + 1;
        if len <= old.filesz {
            let area = &mut out[old.offset as usize..(old.offset + old.filesz) as usize];
            area.fill(0);
            area[..path.len()].copy_from_slice(path);
            phdrs[index].filesz = len;
            phdrs[index].memsz = len;
            set_section(
                &elf,
                &mut out,
                |s| s.offset == old.offset && s.size == old.filesz,
                None,
                None,
                Some(len),
            );
        } else {
            let mut bytes = path.clone();
            bytes.push(0);
            new_interp = Some(bytes);
        }
    }

    // The dynamic section.
    let mut new_dynstr: Option<Vec<u8>> = None;
    let mut dynamic_moves = false;
    let mut entries: Vec<DynEntry> = Vec::new();
    let mut capacity = 0;
    let mut dynamic_changed = false;
    if edits.rpath != RpathEdit::Keep {
        let dynamic = elf
            .dynamic
            .as_ref()
            .ok_or_else(|| unsatisfiable("it has no dynamic section (statically linked?)"))?;
        entries = dynamic.entries.clone();
        capacity = dynamic.capacity;
        match &edits.rpath {
            RpathEdit::Keep => {}
            RpathEdit::Remove => {
                entries.retain(|e| e.tag != DT_RPATH && e.tag != DT_RUNPATH);
                dynamic_changed = entries.len() != dynamic.entries.len();
            }
            RpathEdit::Set(path) => {
                if path.contains(&0) {
                    return Err(unsatisfiable("the search path contains a NUL byte"));
                }
                if !entries.iter().any(|e| e.tag == DT_STRSZ) {
                    return Err(unsatisfiable(
                        "its dynamic section has no string table size (DT_STRSZ)",
                    ));
                }
                let strtab = dynamic.strtab_offset.ok_or_else(|| {
                    unsatisfiable("its dynamic section has no string table (DT_STRTAB)")
                })?;
                // Keep one entry: the DT_RUNPATH, else the DT_RPATH.
                let slot = entries
                    .iter()
                    .position(|e| e.tag == DT_RUNPATH)
                    .or_else(|| entries.iter().position(|e| e.tag == DT_RPATH));
                let old_len = slot.map(|i| {
                    elf.bytes.0[(strtab + entries[i].val) as usize..]
                        .iter()
                        .position(|&b| b == 0)
                        .unwrap_or(0) as u64
                });
                let index = match (slot, old_len) {
                    (Some(i), Some(old_len)) if path.len() as u64 <= old_len => {
                        let at = (strtab + entries[i].val) as usize;
                        out[at..at + old_len as usize].fill(0);
                        out[at..at + path.len()].copy_from_slice(path);
                        entries[i].val
                    }
                    _ => {
                        let mut table = elf
                            .bytes
                            .slice(strtab, dynamic.strsz, "dynamic string table")?
                            .to_vec();
                        let index = table.len() as u64;
                        table.extend_from_slice(path);
                        table.push(0);
                        new_dynstr = Some(table);
                        index
                    }
                };
                let keep = slot.map(|i| entries[i]);
                entries.retain(|e| (e.tag != DT_RPATH && e.tag != DT_RUNPATH) || Some(*e) == keep);
                let entry = DynEntry {
                    tag: DT_RUNPATH,
                    val: index,
                };
                match entries
                    .iter_mut()
                    .find(|e| e.tag == DT_RPATH || e.tag == DT_RUNPATH)
                {
                    Some(e) => *e = entry,
                    None => {
                        // Before DT_NEEDED-free tail: put it after the last DT_NEEDED,
                        // as linkers do.
                        let at = entries
                            .iter()
                            .rposition(|e| e.tag == DT_NEEDED)
                            .map_or(0, |i| i + 1);
                        entries.insert(at, entry);
                        if entries.len() + 1 > capacity {
                            dynamic_moves = true;
                            capacity = entries.len() + 1;
                        }
                    }
                }
                dynamic_changed = true;
            }
        }
    }

    let grows = new_interp.is_some() || new_dynstr.is_some() || dynamic_moves;
    let mut dynamic_offset = elf.dynamic.as_ref().map(|d| d.offset);
    if grows {
        let loads: Vec<&ProgramHeader> = phdrs.iter().filter(|ph| ph.p_type == PT_LOAD).collect();
        let first = loads
            .first()
            .ok_or_else(|| unsatisfiable("it has no PT_LOAD segment"))?;
        let base = first.vaddr.wrapping_sub(first.offset);
        // The largest page size in use (64 KiB on some aarch64 kernels),
        // capped: the segment's own alignment only has to be a page
        // multiple, and a hostile p_align must not make the file huge.
        let align = loads
            .iter()
            .map(|ph| ph.align)
            .max()
            .unwrap_or(1)
            .clamp(4096, 2 << 20);
        if !align.is_power_of_two() {
            return Err(Error::malformed(
                elf.header.phoff,
                format!("PT_LOAD alignment {align:#x} is not a power of two"),
            ));
        }
        let mut vend = 0u64;
        for ph in &loads {
            vend = vend.max(
                ph.vaddr
                    .checked_add(ph.memsz)
                    .ok_or_else(|| overflow(ph.offset))?,
            );
        }
        let past_memory = vend
            .checked_sub(base)
            .ok_or_else(|| overflow(elf.header.phoff))?;
        let file_end = out.len() as u64;
        let (seg_off, seg_vaddr) = if past_memory <= file_end.saturating_add(MAX_PADDING) {
            let seg_off = align_up(file_end.max(past_memory), align).ok_or_else(|| overflow(0))?;
            let seg_vaddr = base.checked_add(seg_off).ok_or_else(|| overflow(seg_off))?;
            (seg_off, seg_vaddr)
        } else {
            // A huge .bss: do not pad the file to match it.
            let seg_off = align_up(file_end, align).ok_or_else(|| overflow(0))?;
            let seg_vaddr = align_up(vend, align).ok_or_else(|| overflow(seg_off))?;
            (seg_off, seg_vaddr)
        };
        if phdrs.len() + 1 >= 0xffff {
            return Err(unsatisfiable(
                "it already has the most program headers ELF allows",
            ));
        }

        // Lay out the segment's contents.
        let phnum = phdrs.len() + 1;
        let phdr_size = (phnum * PHDR_SIZE) as u64;
        let mut cursor = phdr_size;
        let interp_at = new_interp.as_ref().map(|bytes| {
            let at = cursor;
            cursor += bytes.len() as u64;
            at
        });
        let dynstr_at = new_dynstr.as_ref().map(|bytes| {
            let at = cursor;
            cursor += bytes.len() as u64;
            at
        });
        let dynamic_at = dynamic_moves.then(|| {
            let at = cursor.next_multiple_of(8);
            cursor = at + (capacity * DYN_SIZE) as u64;
            at
        });
        let seg_size = cursor;

        // Update the program headers.
        let mut flags = PF_R;
        if let (Some(at), Some(bytes)) = (interp_at, &new_interp) {
            let old = *phdrs
                .iter()
                .find(|ph| ph.p_type == PT_INTERP)
                .expect("checked above");
            for ph in phdrs.iter_mut().filter(|ph| ph.p_type == PT_INTERP) {
                ph.offset = seg_off + at;
                ph.vaddr = seg_vaddr + at;
                ph.paddr = seg_vaddr + at;
                ph.filesz = bytes.len() as u64;
                ph.memsz = bytes.len() as u64;
                ph.align = 1;
            }
            set_section(
                &elf,
                &mut out,
                |s| s.offset == old.offset && s.size == old.filesz,
                Some(seg_off + at),
                Some(seg_vaddr + at),
                Some(bytes.len() as u64),
            );
        }
        if let (Some(at), Some(bytes)) = (dynstr_at, &new_dynstr) {
            let dynamic = elf.dynamic.as_ref().expect("checked above");
            let old_offset = dynamic.strtab_offset.expect("checked above");
            for e in entries.iter_mut() {
                match e.tag {
                    DT_STRTAB => e.val = seg_vaddr + at,
                    DT_STRSZ => e.val = bytes.len() as u64,
                    _ => {}
                }
            }
            set_section(
                &elf,
                &mut out,
                |s| s.sh_type == SHT_STRTAB && s.offset == old_offset && s.size != 0,
                Some(seg_off + at),
                Some(seg_vaddr + at),
                Some(bytes.len() as u64),
            );
        }
        if let Some(at) = dynamic_at {
            flags |= PF_W;
            let old_offset = dynamic_offset.expect("checked above");
            for ph in phdrs.iter_mut().filter(|ph| ph.p_type == PT_DYNAMIC) {
                ph.offset = seg_off + at;
                ph.vaddr = seg_vaddr + at;
                ph.paddr = seg_vaddr + at;
                ph.filesz = (capacity * DYN_SIZE) as u64;
                ph.memsz = ph.filesz;
                ph.align = 8;
            }
            set_section(
                &elf,
                &mut out,
                |s| s.sh_type == SHT_DYNAMIC && s.offset == old_offset,
                Some(seg_off + at),
                Some(seg_vaddr + at),
                Some((capacity * DYN_SIZE) as u64),
            );
            dynamic_offset = Some(seg_off + at);
        }
        for ph in phdrs.iter_mut().filter(|ph| ph.p_type == PT_PHDR) {
            ph.offset = seg_off;
            ph.vaddr = seg_vaddr;
            ph.paddr = seg_vaddr;
            ph.filesz = phdr_size;
            ph.memsz = phdr_size;
        }
        let load = ProgramHeader {
            p_type: PT_LOAD,
            flags,
            offset: seg_off,
            vaddr: seg_vaddr,
            paddr: seg_vaddr,
            filesz: seg_size,
            memsz: seg_size,
            align,
        };
        let last_load = phdrs
            .iter()
            .rposition(|ph| ph.p_type == PT_LOAD)
            .expect("has a PT_LOAD");
        phdrs.insert(last_load + 1, load);

        // Write the segment.
        out.resize(seg_off as usize, 0);
        out.resize((seg_off + seg_size) as usize, 0);
        let seg = &mut out[seg_off as usize..];
        for (i, ph) in phdrs.iter().enumerate() {
            ph.write(&mut seg[i * PHDR_SIZE..(i + 1) * PHDR_SIZE]);
        }
        if let (Some(at), Some(bytes)) = (interp_at, &new_interp) {
            seg[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        }
        if let (Some(at), Some(bytes)) = (dynstr_at, &new_dynstr) {
            seg[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        }
        out[32..40].copy_from_slice(&seg_off.to_le_bytes());
        out[56..58].copy_from_slice(&(phnum as u16).to_le_bytes());
        dynamic_changed = true;
    } else {
        let phoff = elf.header.phoff as usize;
        for (i, ph) in phdrs.iter().enumerate() {
            ph.write(&mut out[phoff + i * PHDR_SIZE..phoff + (i + 1) * PHDR_SIZE]);
        }
    }

    if dynamic_changed {
        let at = dynamic_offset.expect("a changed dynamic section exists") as usize;
        for i in 0..capacity {
            let entry = entries.get(i).copied().unwrap_or(DynEntry {
                tag: DT_NULL,
                val: 0,
            });
            let slot = &mut out[at + i * DYN_SIZE..at + (i + 1) * DYN_SIZE];
            slot[..8].copy_from_slice(&entry.tag.to_le_bytes());
            slot[8..].copy_from_slice(&entry.val.to_le_bytes());
        }
    }
    verify(&elf, &out, edits)?;
    Ok(out)
}

/// Reads the rewritten file back: the edits must show and nothing else the
/// loader uses may have changed. This catches files whose structures overlap
/// (an interpreter inside the program header table, say), where writing
/// one would clobber another.
fn verify(before: &Elf<'_>, out: &[u8], edits: &Edits) -> Result<(), Error> {
    let clobbered = |what: String| {
        Error::malformed(
            0,
            format!("its structures overlap, so the edit would corrupt it ({what})"),
        )
    };
    let after = Elf::parse(out).map_err(|err| clobbered(err.to_string()))?;
    let interpreter = match &edits.interpreter {
        Some(path) => Some(&path[..]),
        None => before.interpreter(),
    };
    if after.interpreter() != interpreter {
        return Err(clobbered("the interpreter does not read back".into()));
    }
    let (runpath, rpath) = match &edits.rpath {
        RpathEdit::Keep => (before.runpath(), before.rpath_tag()),
        RpathEdit::Set(path) => (Some(&path[..]), None),
        RpathEdit::Remove => (None, None),
    };
    if after.runpath() != runpath || after.rpath_tag() != rpath {
        return Err(clobbered("the search path does not read back".into()));
    }
    if after.needed() != before.needed() || after.soname() != before.soname() {
        return Err(clobbered("DT_NEEDED or DT_SONAME changed".into()));
    }
    Ok(())
}

/// Updates the first section header matching `matches` (by its old
/// values): `sh_offset`, `sh_addr`, `sh_size`, each if given.
fn set_section(
    elf: &Elf<'_>,
    out: &mut [u8],
    matches: impl Fn(&crate::parse::SectionHeader) -> bool,
    offset: Option<u64>,
    addr: Option<u64>,
    size: Option<u64>,
) {
    let Some(index) = elf.section_headers.iter().position(matches) else {
        return;
    };
    let at = elf.header.shoff as usize + index * SHDR_SIZE;
    if let Some(addr) = addr {
        out[at + 16..at + 24].copy_from_slice(&addr.to_le_bytes());
    }
    if let Some(offset) = offset {
        out[at + 24..at + 32].copy_from_slice(&offset.to_le_bytes());
    }
    if let Some(size) = size {
        out[at + 32..at + 40].copy_from_slice(&size.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_up_rounds_to_multiples_and_reports_overflow() {
        assert_eq!(align_up(0, 4096), Some(0));
        assert_eq!(align_up(1, 4096), Some(4096));
        assert_eq!(align_up(8192, 4096), Some(8192));
        assert_eq!(align_up(5, 1), Some(5));
        assert_eq!(align_up(u64::MAX - 10, 4096), None);
    }

    #[test]
    fn edits_on_non_elf_bytes_fail_cleanly() {
        let edits = Edits {
            interpreter: Some(b"/x".to_vec()),
            rpath: RpathEdit::Remove,
        };
        assert_eq!(rewrite(b"", &edits), Err(Error::NotElf));
        assert_eq!(rewrite(b"\x7fEL", &edits), Err(Error::NotElf));
    }
}
