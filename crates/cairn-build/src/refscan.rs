//! Finding which store paths an output refers to.
//!
//! Nix decides an output's references by scanning its NAR serialisation
//! (file contents, names and symlink targets alike) for the 32-character
//! nixbase32 hash part of every path that *could* be a reference: the
//! build's input closure and the derivation's own outputs. Anything else
//! cannot be a reference, since the builder could not have seen it.
//!
//! [`RefScanner`] is an [`std::io::Write`] sink, so the NAR of an output is
//! hashed and scanned in one pass (see `build.rs`, which chains it behind
//! the hasher). The search skips ahead like Boyer–Moore: it looks at the
//! last byte of each 32-byte window first, and a byte outside the
//! nixbase32 alphabet at window offset `j` lets it skip `j + 1` bytes, so
//! ordinary binary data is crossed at close to 32 bytes per comparison.
//! A reference split between two writes is found by carrying the last 31
//! bytes of one write over to the next.

use std::collections::{BTreeSet, HashMap};
use std::io;

use cairn_store_path::{HASH_PART_LEN, StorePath};

/// The nixbase32 alphabet (`0-9a-z` without `e o u t`), as a lookup table.
const IS_NIX32: [bool; 256] = {
    let mut table = [false; 256];
    let alphabet = b"0123456789abcdfghijklmnpqrsvwxyz";
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = true;
        i += 1;
    }
    table
};

/// A sink that records which candidate store paths occur, by hash part,
/// in the bytes written to it.
///
/// ```
/// use std::io::Write;
/// use cairn_build::RefScanner;
/// use cairn_store_path::StorePath;
///
/// let dep = StorePath::from_base_name("z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep").unwrap();
/// let other = StorePath::from_base_name("6rngw9z5ry0d864jzi14cjvyn5x6g8dh-other").unwrap();
/// let mut scanner = RefScanner::new([dep.clone(), other]);
/// scanner.write_all(b"#!/bin/sh\nexec /nix/store/z4asv3j07d89ywj").unwrap();
/// scanner.write_all(b"f8fxkn7sg6mf5s9q5-dep/bin/x\n").unwrap();
/// assert_eq!(scanner.found(), [dep].into());
/// ```
#[derive(Debug)]
pub struct RefScanner {
    /// Hash part → index into `candidates`.
    by_hash: HashMap<[u8; HASH_PART_LEN], usize>,
    candidates: Vec<StorePath>,
    seen: Vec<bool>,
    /// The last `HASH_PART_LEN - 1` bytes written so far.
    tail: Vec<u8>,
}

impl RefScanner {
    /// A scanner looking for the hash parts of `candidates`.
    pub fn new(candidates: impl IntoIterator<Item = StorePath>) -> RefScanner {
        let candidates: Vec<StorePath> = candidates.into_iter().collect();
        let mut by_hash = HashMap::with_capacity(candidates.len());
        for (index, path) in candidates.iter().enumerate() {
            let mut key = [0u8; HASH_PART_LEN];
            key.copy_from_slice(path.hash_part().as_bytes());
            by_hash.insert(key, index);
        }
        RefScanner {
            seen: vec![false; candidates.len()],
            by_hash,
            candidates,
            tail: Vec::with_capacity(2 * HASH_PART_LEN),
        }
    }

    /// The candidates seen so far.
    #[must_use]
    pub fn found(&self) -> BTreeSet<StorePath> {
        self.candidates
            .iter()
            .zip(&self.seen)
            .filter(|(_, seen)| **seen)
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// Scans `data` for whole hash parts.
    fn search(&mut self, data: &[u8]) {
        let mut i = 0;
        'window: while i + HASH_PART_LEN <= data.len() {
            for j in (0..HASH_PART_LEN).rev() {
                if !IS_NIX32[data[i + j] as usize] {
                    i += j + 1;
                    continue 'window;
                }
            }
            let mut key = [0u8; HASH_PART_LEN];
            key.copy_from_slice(&data[i..i + HASH_PART_LEN]);
            if let Some(&index) = self.by_hash.get(&key) {
                self.seen[index] = true;
            }
            i += 1;
        }
    }

    /// Scans `data`, including hash parts that start in earlier writes.
    pub fn scan(&mut self, data: &[u8]) {
        if self.by_hash.is_empty() || data.is_empty() {
            return;
        }
        // Windows that straddle the previous writes and this one: the kept
        // tail followed by the first HASH_PART_LEN - 1 bytes of `data`.
        // Afterwards `tail` holds the old tail and that head of `data`.
        let head = data.len().min(HASH_PART_LEN - 1);
        let mut joined = std::mem::take(&mut self.tail);
        joined.extend_from_slice(&data[..head]);
        if joined.len() > head {
            self.search(&joined);
        }
        self.tail = joined;
        self.search(data);
        // Keep the last HASH_PART_LEN - 1 bytes seen.
        let keep = HASH_PART_LEN - 1;
        if data.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - keep..]);
        } else {
            let joined_len = self.tail.len();
            if joined_len > keep {
                self.tail.drain(..joined_len - keep);
            }
        }
    }
}

impl io::Write for RefScanner {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scan(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn path(hash: &str, name: &str) -> StorePath {
        StorePath::from_base_name(&format!("{hash}-{name}")).unwrap()
    }

    fn candidates() -> Vec<StorePath> {
        vec![
            path("z4asv3j07d89ywjf8fxkn7sg6mf5s9q5", "dep"),
            path("6rngw9z5ry0d864jzi14cjvyn5x6g8dh", "out"),
            path("hq4fw3kr94b3csiakfxiscnl0skmy03w", "dev"),
        ]
    }

    #[test]
    fn finds_only_the_paths_present() {
        let mut scanner = RefScanner::new(candidates());
        scanner
            .write_all(b"\0\x01binary /nix/store/6rngw9z5ry0d864jzi14cjvyn5x6g8dh-out/lib\xff")
            .unwrap();
        assert_eq!(
            scanner.found(),
            [path("6rngw9z5ry0d864jzi14cjvyn5x6g8dh", "out")].into()
        );
    }

    #[test]
    fn hash_parts_inside_longer_base32_runs_are_found() {
        // Nix slides a window one byte at a time over base32 runs.
        let mut scanner = RefScanner::new(candidates());
        scanner
            .write_all(b"aaaz4asv3j07d89ywjf8fxkn7sg6mf5s9q5aaa")
            .unwrap();
        assert_eq!(scanner.found().len(), 1);
    }

    #[test]
    fn a_hash_part_split_over_every_boundary_is_found() {
        let text = b"xx/nix/store/hq4fw3kr94b3csiakfxiscnl0skmy03w-dev yy";
        for split_a in 0..text.len() {
            for split_b in split_a..text.len() {
                let mut scanner = RefScanner::new(candidates());
                scanner.scan(&text[..split_a]);
                scanner.scan(&text[split_a..split_b]);
                scanner.scan(&text[split_b..]);
                assert_eq!(scanner.found().len(), 1, "splits {split_a} {split_b}");
            }
        }
    }

    #[test]
    fn byte_at_a_time_finds_everything() {
        let text = b"6rngw9z5ry0d864jzi14cjvyn5x6g8dh:z4asv3j07d89ywjf8fxkn7sg6mf5s9q5";
        let mut scanner = RefScanner::new(candidates());
        for byte in text {
            scanner.scan(std::slice::from_ref(byte));
        }
        assert_eq!(scanner.found().len(), 2);
    }

    #[test]
    fn near_misses_are_not_references() {
        let mut scanner = RefScanner::new(candidates());
        // One character changed, and a truncated hash.
        scanner
            .write_all(b"z4asv3j07d89ywjf8fxkn7sg6mf5s9q6 6rngw9z5ry0d864jzi14cjvyn5x6g8d")
            .unwrap();
        assert!(scanner.found().is_empty());
    }
}
