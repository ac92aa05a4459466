//! Interned attribute names.
//!
//! Every attribute name, formal argument and variable name the evaluator
//! keeps is a [`Symbol`]: a reference to one shared copy of the text,
//! made once per distinct name and kept for the life of the process (as
//! Nix's symbol table does). Attribute sets copy their bindings on `//`,
//! `intersectAttrs`, `removeAttrs` and friends; with a plain `Copy`
//! reference as the name, such a copy touches neither the name's memory
//! nor a reference count, and dropping a set decrements only its values.
//!
//! Equality compares the pointers first: two symbols made from the same
//! text are the same pointer when they were interned on the same thread,
//! which is the common case and the fast one. The text is compared when
//! the pointers differ, so symbols interned on different threads (each
//! thread has its own table) still compare, order and hash by their text.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::rc::Rc;

/// An interned name. Cheap to copy and compare; dereferences to its text.
#[derive(Clone, Copy)]
pub struct Symbol(&'static str);

thread_local! {
    /// The names interned on this thread.
    static TABLE: RefCell<HashSet<&'static str, BuildHasherDefault<NameHasher>>> =
        RefCell::new(HashSet::with_capacity_and_hasher(4096, Default::default()));
}

impl Symbol {
    /// The symbol for `text`, interning it on first use.
    pub fn new(text: &str) -> Symbol {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(s) = t.get(text) {
                return Symbol(s);
            }
            let s: &'static str = Box::leak(Box::from(text));
            t.insert(s);
            Symbol(s)
        })
    }

    /// The text, for as long as the process lives.
    #[inline]
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for Symbol {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Symbol {
    #[inline]
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Borrow<str> for Symbol {
    #[inline]
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq for Symbol {
    #[inline]
    fn eq(&self, other: &Symbol) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Eq for Symbol {}

impl PartialEq<str> for Symbol {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Symbol {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialOrd for Symbol {
    fn partial_cmp(&self, other: &Symbol) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Symbol {
    fn cmp(&self, other: &Symbol) -> std::cmp::Ordering {
        self.0.cmp(other.0)
    }
}

impl Hash for Symbol {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that maps keyed by symbols find `&str` keys.
        self.0.hash(state)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl From<&str> for Symbol {
    fn from(s: &str) -> Symbol {
        Symbol::new(s)
    }
}

impl From<&String> for Symbol {
    fn from(s: &String) -> Symbol {
        Symbol::new(s)
    }
}

impl From<String> for Symbol {
    fn from(s: String) -> Symbol {
        Symbol::new(&s)
    }
}

impl From<Rc<str>> for Symbol {
    fn from(s: Rc<str>) -> Symbol {
        Symbol::new(&s)
    }
}

impl From<Box<str>> for Symbol {
    fn from(s: Box<str>) -> Symbol {
        Symbol::new(&s)
    }
}

/// The interning table's hash: a multiply-and-rotate mix of the name's
/// bytes, eight at a time. Names are short and not chosen by an attacker
/// who could gain anything from collisions in a single evaluation, so a
/// fast hash beats a keyed one here.
#[derive(Default)]
struct NameHasher(u64);

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

impl NameHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(MIX);
    }
}

impl Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The table takes its buckets from the low bits and its tags from
        // the high ones: fold the well-mixed high half down.
        self.0 ^ (self.0 >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_once_per_text() {
        let a = Symbol::new("propagatedBuildInputs");
        let b = Symbol::from(String::from("propagatedBuildInputs"));
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, b);
        assert_ne!(a, Symbol::new("propagatedBuildInput"));
        assert_eq!(&*Symbol::new(""), "");
    }

    #[test]
    fn orders_and_hashes_like_text() {
        let mut v: Vec<Symbol> = ["b", "a", "ab", "B", ""].map(Symbol::new).to_vec();
        v.sort();
        let texts: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
        assert_eq!(texts, ["", "B", "a", "ab", "b"]);
        let set: std::collections::HashMap<Symbol, u32> = [(Symbol::new("x"), 1)].into();
        assert_eq!(set.get("x"), Some(&1));
    }

    #[test]
    fn symbols_from_other_threads_compare_by_text() {
        let here = Symbol::new("shared-name");
        let there = std::thread::spawn(|| Symbol::new("shared-name").as_str())
            .join()
            .expect("thread");
        assert_eq!(here, Symbol(there));
    }
}
