//! The NAR wire format: little-endian u64 lengths and zero-padded strings.
//!
//! An archive is the string `nix-archive-1` followed by one node:
//!
//! ```text
//! node      = "(" "type" ( regular | symlink | directory ) ")"
//! regular   = "regular" [ "executable" "" ] "contents" CONTENTS
//! symlink   = "symlink" "target" TARGET
//! directory = "directory" { "entry" "(" "name" NAME "node" node ")" }
//! ```
//!
//! Every string (and the contents) is a u64 little-endian length, the
//! bytes, and zero bytes up to the next multiple of 8.

/// The archive's magic string.
pub(crate) const MAGIC: &[u8] = b"nix-archive-1";

/// Size of the buffer file contents are copied through. Measured on the
/// 1 GiB tree of `bench/hash-path.sh` (CPU time of `hash_path`, SHA-256):
/// 32 and 64 KiB were about 5% faster than 256 KiB and 1 MiB, because the
/// buffer the kernel copies into stays in L1/L2 until the hash reads it.
pub(crate) const COPY_BUFFER_SIZE: usize = 64 * 1024;

/// Appends `s` as a NAR string.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
    put_padding(out, s.len() as u64);
}

/// Appends the zero padding that follows `len` bytes of data.
pub(crate) fn put_padding(out: &mut Vec<u8>, len: u64) {
    let pad = padding(len);
    out.extend_from_slice(&[0u8; 8][..pad]);
}

/// How many padding bytes follow `len` bytes of data.
pub(crate) const fn padding(len: u64) -> usize {
    ((8 - (len % 8)) % 8) as usize
}

/// Builds, at compile time, the concatenation of NAR strings.
macro_rules! nar_strings {
    ($($s:literal),* $(,)?) => {{
        const LEN: usize = 0 $(+ 8 + $s.len().div_ceil(8) * 8)*;
        const BYTES: [u8; LEN] = {
            let mut out = [0u8; LEN];
            let mut at = 0;
            $(
                let s: &[u8] = $s;
                let len = (s.len() as u64).to_le_bytes();
                let mut i = 0;
                while i < 8 { out[at + i] = len[i]; i += 1; }
                at += 8;
                let mut j = 0;
                while j < s.len() { out[at + j] = s[j]; j += 1; }
                at += s.len().div_ceil(8) * 8;
            )*
            let _ = at;
            out
        };
        &BYTES
    }};
}

/// `( type regular contents`, to be followed by the u64 size.
pub(crate) const REGULAR_PREFIX: &[u8] = nar_strings!(b"(", b"type", b"regular", b"contents");
/// `( type regular executable "" contents`, to be followed by the u64 size.
pub(crate) const REGULAR_EXECUTABLE_PREFIX: &[u8] =
    nar_strings!(b"(", b"type", b"regular", b"executable", b"", b"contents");
/// `( type symlink target`, to be followed by the target string and `)`.
pub(crate) const SYMLINK_PREFIX: &[u8] = nar_strings!(b"(", b"type", b"symlink", b"target");
/// `( type directory`.
pub(crate) const DIRECTORY_PREFIX: &[u8] = nar_strings!(b"(", b"type", b"directory");
/// `entry ( name`, to be followed by the name string and `node`.
pub(crate) const ENTRY_PREFIX: &[u8] = nar_strings!(b"entry", b"(", b"name");

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            put_str(&mut out, p);
        }
        out
    }

    #[test]
    fn constants_match_put_str() {
        assert_eq!(
            REGULAR_PREFIX,
            strings(&[b"(", b"type", b"regular", b"contents"])
        );
        assert_eq!(
            REGULAR_EXECUTABLE_PREFIX,
            strings(&[b"(", b"type", b"regular", b"executable", b"", b"contents"])
        );
        assert_eq!(
            SYMLINK_PREFIX,
            strings(&[b"(", b"type", b"symlink", b"target"])
        );
        assert_eq!(DIRECTORY_PREFIX, strings(&[b"(", b"type", b"directory"]));
        assert_eq!(ENTRY_PREFIX, strings(&[b"entry", b"(", b"name"]));
    }

    #[test]
    fn padding_rounds_to_eight() {
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 7);
        assert_eq!(padding(7), 1);
        assert_eq!(padding(8), 0);
        assert_eq!(padding(9), 7);
    }
}
