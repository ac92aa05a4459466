//! Reading: the file header, program and section headers, the dynamic
//! section and the strings it points at.
//!
//! Every read goes through [`Bytes`], which bounds-checks and names the
//! offset and the structure on failure, so a truncated or hostile file gives
//! an [`Error::Malformed`] and never a panic. Field offsets are those of
//! ELF64; the [`Class`] and byte order are recorded in [`Header`] so that
//! ELF32 and big-endian files can be added by teaching `Bytes` and the
//! record readers the other layouts, without touching the callers.

use crate::Error;

/// `p_type` values this crate looks at.
pub(crate) const PT_LOAD: u32 = 1;
pub(crate) const PT_DYNAMIC: u32 = 2;
pub(crate) const PT_INTERP: u32 = 3;
pub(crate) const PT_PHDR: u32 = 6;

/// `d_tag` values this crate looks at.
pub(crate) const DT_NULL: i64 = 0;
pub(crate) const DT_NEEDED: i64 = 1;
pub(crate) const DT_STRTAB: i64 = 5;
pub(crate) const DT_STRSZ: i64 = 10;
pub(crate) const DT_SONAME: i64 = 14;
pub(crate) const DT_RPATH: i64 = 15;
pub(crate) const DT_RUNPATH: i64 = 29;

pub(crate) const PHDR_SIZE: usize = 56;
pub(crate) const SHDR_SIZE: usize = 64;
pub(crate) const DYN_SIZE: usize = 16;

const ET_REL: u16 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;

/// Bounds-checked little-endian reads from the whole file.
#[derive(Clone, Copy)]
pub(crate) struct Bytes<'a>(pub(crate) &'a [u8]);

impl<'a> Bytes<'a> {
    pub(crate) fn slice(self, offset: u64, len: u64, what: &str) -> Result<&'a [u8], Error> {
        let end = offset.checked_add(len);
        match end {
            Some(end) if end <= self.0.len() as u64 => Ok(&self.0[offset as usize..end as usize]),
            _ => Err(Error::malformed(
                offset,
                format!(
                    "{what} ({len} bytes) extends past the end of the file ({} bytes)",
                    self.0.len()
                ),
            )),
        }
    }

    pub(crate) fn u16(self, offset: u64, what: &str) -> Result<u16, Error> {
        let b = self.slice(offset, 2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(self, offset: u64, what: &str) -> Result<u32, Error> {
        let b = self.slice(offset, 4, what)?;
        Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }

    pub(crate) fn u64(self, offset: u64, what: &str) -> Result<u64, Error> {
        let b = self.slice(offset, 8, what)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

/// The word size of an ELF file (`e_ident[EI_CLASS]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `ELFCLASS64`, the only class read today.
    Elf64,
}

/// What an ELF file is, as far as relocating it into a store is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An `ET_REL` object file (`.o`, members of `.a`): nothing to patch.
    Relocatable,
    /// An executable with no `PT_INTERP`, including static PIE: nothing to patch.
    StaticExecutable,
    /// An executable with a `PT_INTERP`: set its interpreter and RUNPATH.
    DynamicExecutable,
    /// A shared library (`ET_DYN` with `DT_SONAME`, or without `PT_INTERP`).
    /// Some, like glibc's `libc.so.6`, also have a `PT_INTERP` so they can
    /// be run; [`Elf::interpreter`] tells.
    SharedLibrary,
    /// The dynamic loader itself (`ld-linux-x86-64.so.2`): a shared object
    /// with no `PT_INTERP`, no `DT_NEEDED` and a `DT_SONAME` starting `ld`.
    /// It must never be given an interpreter or a RUNPATH.
    DynamicLoader,
    /// Anything else (`ET_CORE`, processor-specific types).
    Other,
}

/// The parts of the file header this crate uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Word size.
    pub class: Class,
    /// `e_type`.
    pub e_type: u16,
    /// `e_machine` (62 is x86-64, 183 is aarch64).
    pub machine: u16,
    /// `e_entry`.
    pub entry: u64,
    /// `e_phoff`.
    pub phoff: u64,
    /// `e_shoff`.
    pub shoff: u64,
    /// `e_phnum`.
    pub phnum: u16,
    /// Number of section headers (from `e_shnum`, or section 0's `sh_size`
    /// when that is zero).
    pub shnum: u64,
}

/// One program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramHeader {
    /// `p_type`.
    pub p_type: u32,
    /// `p_flags`.
    pub flags: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_paddr`.
    pub paddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_align`.
    pub align: u64,
}

impl ProgramHeader {
    fn read(bytes: Bytes<'_>, at: u64) -> Result<Self, Error> {
        let w = "program header";
        Ok(ProgramHeader {
            p_type: bytes.u32(at, w)?,
            flags: bytes.u32(at + 4, w)?,
            offset: bytes.u64(at + 8, w)?,
            vaddr: bytes.u64(at + 16, w)?,
            paddr: bytes.u64(at + 24, w)?,
            filesz: bytes.u64(at + 32, w)?,
            memsz: bytes.u64(at + 40, w)?,
            align: bytes.u64(at + 48, w)?,
        })
    }

    pub(crate) fn write(&self, out: &mut [u8]) {
        out[0..4].copy_from_slice(&self.p_type.to_le_bytes());
        out[4..8].copy_from_slice(&self.flags.to_le_bytes());
        out[8..16].copy_from_slice(&self.offset.to_le_bytes());
        out[16..24].copy_from_slice(&self.vaddr.to_le_bytes());
        out[24..32].copy_from_slice(&self.paddr.to_le_bytes());
        out[32..40].copy_from_slice(&self.filesz.to_le_bytes());
        out[40..48].copy_from_slice(&self.memsz.to_le_bytes());
        out[48..56].copy_from_slice(&self.align.to_le_bytes());
    }
}

/// One section header (only the fields relocation updates are kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionHeader {
    /// `sh_type`.
    pub sh_type: u32,
    /// `sh_addr`.
    pub addr: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
}

/// One `Elf64_Dyn` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynEntry {
    /// `d_tag`.
    pub tag: i64,
    /// `d_val` / `d_ptr`.
    pub val: u64,
}

/// The dynamic section as found through `PT_DYNAMIC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dynamic {
    /// File offset of the first entry.
    pub offset: u64,
    /// The entries before the first `DT_NULL` (that terminator excluded).
    pub entries: Vec<DynEntry>,
    /// How many entries fit in the segment (`p_filesz / 16`): the
    /// terminator and any spare `DT_NULL`s after it are `capacity -
    /// entries.len()`.
    pub capacity: usize,
    /// File offset of the string table (`DT_STRTAB` mapped through the
    /// `PT_LOAD`s), if there is one.
    pub strtab_offset: Option<u64>,
    /// `DT_STRSZ`.
    pub strsz: u64,
}

/// A parsed ELF file, borrowing its bytes.
#[derive(Debug, Clone)]
pub struct Elf<'a> {
    pub(crate) bytes: Bytes<'a>,
    /// The file header.
    pub header: Header,
    /// All program headers, in table order.
    pub program_headers: Vec<ProgramHeader>,
    /// All section headers, in table order (empty for a stripped table).
    pub section_headers: Vec<SectionHeader>,
    /// The dynamic section, if there is a `PT_DYNAMIC`.
    pub dynamic: Option<Dynamic>,
}

impl std::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

/// Whether `data` starts with the ELF magic.
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

impl<'a> Elf<'a> {
    /// Parses `data`, checking every table and string this crate will use.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        if !is_elf(data) {
            return Err(Error::NotElf);
        }
        let bytes = Bytes(data);
        let ident = bytes.slice(0, 16, "e_ident")?;
        let class = match ident[4] {
            2 => Class::Elf64,
            1 => {
                return Err(Error::Unsupported {
                    what: "32-bit (ELFCLASS32)".into(),
                });
            }
            other => return Err(Error::malformed(4, format!("invalid EI_CLASS {other}"))),
        };
        match ident[5] {
            1 => {}
            2 => {
                return Err(Error::Unsupported {
                    what: "big-endian (ELFDATA2MSB)".into(),
                });
            }
            other => return Err(Error::malformed(5, format!("invalid EI_DATA {other}"))),
        }
        let w = "ELF header";
        let e_type = bytes.u16(16, w)?;
        let machine = bytes.u16(18, w)?;
        let entry = bytes.u64(24, w)?;
        let phoff = bytes.u64(32, w)?;
        let shoff = bytes.u64(40, w)?;
        let phentsize = bytes.u16(54, w)?;
        let phnum = bytes.u16(56, w)?;
        let shentsize = bytes.u16(58, w)?;
        let e_shnum = bytes.u16(60, w)?;
        if phnum == 0xffff {
            return Err(Error::Unsupported {
                what: "more than 65534 program headers (PN_XNUM)".into(),
            });
        }
        if phnum > 0 && usize::from(phentsize) != PHDR_SIZE {
            return Err(Error::malformed(
                54,
                format!("e_phentsize is {phentsize}, expected {PHDR_SIZE}"),
            ));
        }
        let mut program_headers = Vec::with_capacity(phnum.into());
        bytes.slice(
            phoff,
            u64::from(phnum) * PHDR_SIZE as u64,
            "program header table",
        )?;
        for i in 0..u64::from(phnum) {
            program_headers.push(ProgramHeader::read(bytes, phoff + i * PHDR_SIZE as u64)?);
        }
        let mut shnum = u64::from(e_shnum);
        let mut section_headers = Vec::new();
        if shoff != 0 {
            if usize::from(shentsize) != SHDR_SIZE {
                return Err(Error::malformed(
                    58,
                    format!("e_shentsize is {shentsize}, expected {SHDR_SIZE}"),
                ));
            }
            if shnum == 0 {
                shnum = bytes.u64(shoff + 32, "section header 0")?;
            }
            let table_len = shnum.checked_mul(SHDR_SIZE as u64).ok_or_else(|| {
                Error::malformed(shoff, format!("section count {shnum} overflows"))
            })?;
            bytes.slice(shoff, table_len, "section header table")?;
            for i in 0..shnum {
                let at = shoff + i * SHDR_SIZE as u64;
                let w = "section header";
                section_headers.push(SectionHeader {
                    sh_type: bytes.u32(at + 4, w)?,
                    addr: bytes.u64(at + 16, w)?,
                    offset: bytes.u64(at + 24, w)?,
                    size: bytes.u64(at + 32, w)?,
                });
            }
        }
        let header = Header {
            class,
            e_type,
            machine,
            entry,
            phoff,
            shoff,
            phnum,
            shnum,
        };
        let mut elf = Elf {
            bytes,
            header,
            program_headers,
            section_headers,
            dynamic: None,
        };
        elf.dynamic = elf.read_dynamic()?;
        if let Some(interp) = elf.interp_header() {
            elf.string_at(interp.offset, interp.filesz, "PT_INTERP")?;
        }
        Ok(elf)
    }

    fn read_dynamic(&self) -> Result<Option<Dynamic>, Error> {
        let mut found = self
            .program_headers
            .iter()
            .filter(|ph| ph.p_type == PT_DYNAMIC);
        let Some(ph) = found.next() else {
            return Ok(None);
        };
        if found.next().is_some() {
            return Err(Error::malformed(
                self.header.phoff,
                "more than one PT_DYNAMIC program header",
            ));
        }
        let table = self
            .bytes
            .slice(ph.offset, ph.filesz, "PT_DYNAMIC segment")?;
        let capacity = table.len() / DYN_SIZE;
        let mut entries = Vec::new();
        let mut terminated = false;
        for i in 0..capacity {
            let at = ph.offset + (i * DYN_SIZE) as u64;
            let tag = self.bytes.u64(at, "dynamic entry")? as i64;
            let val = self.bytes.u64(at + 8, "dynamic entry")?;
            if tag == DT_NULL {
                terminated = true;
                break;
            }
            entries.push(DynEntry { tag, val });
        }
        if !terminated {
            return Err(Error::malformed(
                ph.offset,
                "dynamic section has no DT_NULL terminator",
            ));
        }
        let strtab = entries.iter().find(|e| e.tag == DT_STRTAB).map(|e| e.val);
        let strsz = entries
            .iter()
            .find(|e| e.tag == DT_STRSZ)
            .map_or(0, |e| e.val);
        let strtab_offset = match strtab {
            Some(vaddr) => {
                let offset = self.vaddr_to_offset(vaddr, strsz).ok_or_else(|| {
                    Error::malformed(
                        ph.offset,
                        format!(
                            "DT_STRTAB {vaddr:#x} (DT_STRSZ {strsz}) is not inside a PT_LOAD segment's file bytes"
                        ),
                    )
                })?;
                self.bytes.slice(offset, strsz, "dynamic string table")?;
                Some(offset)
            }
            None => None,
        };
        let dynamic = Dynamic {
            offset: ph.offset,
            entries,
            capacity,
            strtab_offset,
            strsz,
        };
        // Check every string the dynamic section names, once, here.
        for entry in &dynamic.entries {
            if matches!(entry.tag, DT_NEEDED | DT_SONAME | DT_RPATH | DT_RUNPATH) {
                self.dyn_string_in(&dynamic, entry.val)?;
            }
        }
        Ok(Some(dynamic))
    }

    /// The file offset of `len` bytes at virtual address `vaddr`, if one
    /// `PT_LOAD` maps them all from the file.
    pub fn vaddr_to_offset(&self, vaddr: u64, len: u64) -> Option<u64> {
        self.program_headers
            .iter()
            .filter(|ph| ph.p_type == PT_LOAD)
            .find_map(|ph| {
                let rel = vaddr.checked_sub(ph.vaddr)?;
                (rel.checked_add(len)? <= ph.filesz).then(|| ph.offset.checked_add(rel))?
            })
    }

    /// The NUL-terminated string at `offset`, within `limit` bytes.
    fn string_at(&self, offset: u64, limit: u64, what: &str) -> Result<&'a [u8], Error> {
        let area = self.bytes.slice(offset, limit, what)?;
        let end = area.iter().position(|&b| b == 0).ok_or_else(|| {
            Error::malformed(offset, format!("{what} string is not NUL-terminated"))
        })?;
        Ok(&area[..end])
    }

    fn dyn_string_in(&self, dynamic: &Dynamic, index: u64) -> Result<&'a [u8], Error> {
        let Some(strtab) = dynamic.strtab_offset else {
            return Err(Error::malformed(
                dynamic.offset,
                "dynamic section names a string but has no DT_STRTAB",
            ));
        };
        if index >= dynamic.strsz {
            return Err(Error::malformed(
                dynamic.offset,
                format!("string index {index} is past DT_STRSZ {}", dynamic.strsz),
            ));
        }
        self.string_at(strtab + index, dynamic.strsz - index, "dynamic string")
    }

    fn dyn_strings(&self, tag: i64) -> Vec<&'a [u8]> {
        let Some(dynamic) = &self.dynamic else {
            return Vec::new();
        };
        dynamic
            .entries
            .iter()
            .filter(|e| e.tag == tag)
            // Checked in `parse`.
            .filter_map(|e| self.dyn_string_in(dynamic, e.val).ok())
            .collect()
    }

    pub(crate) fn interp_header(&self) -> Option<&ProgramHeader> {
        self.program_headers
            .iter()
            .find(|ph| ph.p_type == PT_INTERP)
    }

    /// The `PT_INTERP` path (like `patchelf --print-interpreter`).
    pub fn interpreter(&self) -> Option<&'a [u8]> {
        let ph = self.interp_header()?;
        self.string_at(ph.offset, ph.filesz, "PT_INTERP").ok()
    }

    /// The `DT_NEEDED` names, in order (like `patchelf --print-needed`).
    pub fn needed(&self) -> Vec<&'a [u8]> {
        self.dyn_strings(DT_NEEDED)
    }

    /// `DT_SONAME`.
    pub fn soname(&self) -> Option<&'a [u8]> {
        self.dyn_strings(DT_SONAME).into_iter().next()
    }

    /// `DT_RUNPATH`.
    pub fn runpath(&self) -> Option<&'a [u8]> {
        self.dyn_strings(DT_RUNPATH).into_iter().next()
    }

    /// `DT_RPATH`.
    pub fn rpath_tag(&self) -> Option<&'a [u8]> {
        self.dyn_strings(DT_RPATH).into_iter().next()
    }

    /// The search path the loader uses: `DT_RUNPATH`, else `DT_RPATH`
    /// (like `patchelf --print-rpath`).
    pub fn rpath(&self) -> Option<&'a [u8]> {
        self.runpath().or_else(|| self.rpath_tag())
    }

    /// What kind of file this is; see [`Kind`].
    pub fn kind(&self) -> Kind {
        match self.header.e_type {
            ET_REL => Kind::Relocatable,
            ET_EXEC if self.interp_header().is_some() => Kind::DynamicExecutable,
            ET_EXEC => Kind::StaticExecutable,
            ET_DYN => {
                let soname = self.soname();
                if self.interp_header().is_some() {
                    if soname.is_some() {
                        Kind::SharedLibrary
                    } else {
                        Kind::DynamicExecutable
                    }
                } else if self.dynamic.is_none() {
                    Kind::StaticExecutable
                } else {
                    match soname {
                        Some(name) if name.starts_with(b"ld") && self.needed().is_empty() => {
                            Kind::DynamicLoader
                        }
                        Some(_) => Kind::SharedLibrary,
                        None if self.needed().is_empty() && self.header.entry != 0 => {
                            Kind::StaticExecutable
                        }
                        None => Kind::SharedLibrary,
                    }
                }
            }
            _ => Kind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounds_checked_with_offset_and_what() {
        let bytes = Bytes(&[1, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(bytes.u64(0, "x"), Ok(1));
        assert_eq!(bytes.u16(7, "x"), Ok(0x200));
        assert_eq!(
            bytes.u32(6, "field").unwrap_err().to_string(),
            "malformed ELF file at offset 0x6: field (4 bytes) extends past the end of the file (9 bytes)"
        );
        assert!(bytes.slice(u64::MAX, 2, "wrap").is_err());
    }

    #[test]
    fn header_only_files() {
        assert_eq!(
            Elf::parse(b"\x7fELF").unwrap_err().to_string(),
            "malformed ELF file at offset 0x0: e_ident (16 bytes) extends past the end of the file (4 bytes)"
        );
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[16] = 1; // ET_REL
        let elf = Elf::parse(&h).unwrap();
        assert_eq!(elf.kind(), Kind::Relocatable);
        assert_eq!(
            (elf.interpreter(), elf.rpath(), elf.needed().len()),
            (None, None, 0)
        );
        h[5] = 2;
        assert!(matches!(Elf::parse(&h), Err(Error::Unsupported { .. })));
    }
}
