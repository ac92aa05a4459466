//! Runtime values: the Nix types, lazily evaluated thunks, environments
//! and string contexts.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

use crate::builtins::Builtin;
use crate::error::Span;
use crate::ir::{Expr, LambdaDef};

pub use crate::symbol::Symbol;

/// The inline cache of a lookup site: where its name was found last time
/// (see [`Attrs::get_hinted`]).
#[derive(Debug, Default)]
pub(crate) struct Hint(std::cell::Cell<u32>);

/// The string context: the store paths a string refers to, in Nix's
/// encoding (`/nix/store/…` plain, `=/nix/store/….drv` all outputs,
/// `!out!/nix/store/….drv` one output). Nothing creates contexts yet but
/// [`NixString::with_context`]; every string operation carries them.
pub type Context = BTreeSet<Rc<str>>;

/// A Nix string: text and the context it carries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NixString {
    text: String,
    context: Option<Box<Context>>,
}

impl NixString {
    /// A string without context.
    pub fn new(text: impl Into<String>) -> Self {
        NixString {
            text: text.into(),
            context: None,
        }
    }

    /// An empty string without context with room for `n` bytes.
    pub(crate) fn with_capacity(n: usize) -> Self {
        NixString {
            text: String::with_capacity(n),
            context: None,
        }
    }

    /// A string with the given context (the seam for store-aware builtins).
    pub fn with_context(text: impl Into<String>, context: Context) -> Self {
        let context = if context.is_empty() {
            None
        } else {
            Some(Box::new(context))
        };
        NixString {
            text: text.into(),
            context,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The context (empty for most strings).
    pub fn context(&self) -> impl Iterator<Item = &Rc<str>> {
        self.context.iter().flat_map(|c| c.iter())
    }

    /// Whether the context is non-empty.
    pub fn has_context(&self) -> bool {
        self.context.is_some()
    }

    /// Adds every element of `other`'s context to this one's.
    #[inline]
    pub(crate) fn merge_context_from(&mut self, other: &NixString) {
        if let Some(c) = &other.context {
            self.merge_context(c);
        }
    }

    #[inline(never)]
    fn merge_context(&mut self, other: &Context) {
        self.context
            .get_or_insert_with(Default::default)
            .extend(other.iter().cloned());
    }

    /// Adds context elements.
    pub(crate) fn extend_context<'a>(&mut self, items: impl IntoIterator<Item = &'a Rc<str>>) {
        let mut items = items.into_iter().peekable();
        if items.peek().is_some() {
            self.context
                .get_or_insert_with(Default::default)
                .extend(items.cloned());
        }
    }

    /// Appends text (and the context of `other`).
    #[inline]
    pub(crate) fn push_nix(&mut self, other: &NixString) {
        self.text.push_str(&other.text);
        self.merge_context_from(other);
    }

    /// Appends the decimal text of an integer.
    pub(crate) fn push_int(&mut self, i: i64) {
        push_int(&mut self.text, i);
    }

    /// Appends plain text.
    #[inline]
    pub(crate) fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Splits into text and context.
    pub(crate) fn into_parts(self) -> (String, Context) {
        (self.text, self.context.map(|c| *c).unwrap_or_default())
    }
}

/// Appends the decimal text of an integer (what `toString` gives), two
/// digits at a time from a table of the hundred pairs, without the
/// formatting machinery of `i64::to_string`.
pub(crate) fn push_int(out: &mut String, i: i64) {
    const PAIRS: &str = "0001020304050607080910111213141516171819\
                         2021222324252627282930313233343536373839\
                         4041424344454647484950515253545556575859\
                         6061626364656667686970717273747576777879\
                         8081828384858687888990919293949596979899";
    // Base-100 digits, least significant first (ten cover every i64).
    let mut pairs = [0usize; 10];
    let mut n = i.unsigned_abs();
    let mut k = 0;
    loop {
        pairs[k] = (n % 100) as usize;
        n /= 100;
        k += 1;
        if n == 0 {
            break;
        }
    }
    out.reserve(2 * k + 1);
    if i < 0 {
        out.push('-');
    }
    let top = pairs[k - 1];
    out.push_str(&PAIRS[2 * top + usize::from(top < 10)..2 * top + 2]);
    for &p in pairs[..k - 1].iter().rev() {
        out.push_str(&PAIRS[2 * p..2 * p + 2]);
    }
}

/// An attribute set: bindings sorted by name, each with the position of
/// its definition (for `unsafeGetAttrPos`) when known.
#[derive(Clone, Debug, Default)]
pub struct Attrs {
    entries: Vec<Entry>,
}

/// One binding of an [`Attrs`]. `key` is [`name_key`] of the name: lookups
/// and merges compare these words, which sit in the entry itself, and read
/// a name's bytes (behind its pointer) only when two keys tie.
#[derive(Clone, Debug)]
struct Entry {
    key: u64,
    name: Symbol,
    value: Value,
    span: Span,
}

impl Entry {
    #[inline]
    fn new(name: Symbol, value: Value, span: Span) -> Entry {
        Entry {
            key: name_key(name.as_bytes()),
            name,
            value,
            span,
        }
    }
}

/// The first eight bytes of a name, zero-padded, as a big-endian integer.
/// Keys order like the names they come from (`key(a) < key(b)` implies
/// `a < b`, and `a < b` implies `key(a) <= key(b)`); equal keys of names
/// of equal length up to eight bytes mean equal names.
#[inline]
pub(crate) fn name_key(s: &[u8]) -> u64 {
    if let Some(head) = s.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    let mut key = 0u64;
    for (i, b) in s.iter().enumerate() {
        key |= u64::from(*b) << (56 - 8 * i);
    }
    key
}

/// The order of two names given with their [`name_key`]s.
#[inline]
fn cmp_keyed(ka: u64, a: &str, kb: u64, b: &str) -> std::cmp::Ordering {
    match ka.cmp(&kb) {
        std::cmp::Ordering::Equal if a.len() == b.len() && a.len() <= 8 => {
            std::cmp::Ordering::Equal
        }
        std::cmp::Ordering::Equal => cmp_short(a.as_bytes(), b.as_bytes()),
        o => o,
    }
}

impl Attrs {
    /// Builds a set from bindings in any order; later duplicates win.
    pub fn from_unsorted(entries: Vec<(Symbol, Value)>) -> Self {
        Self::from_entries(
            entries
                .into_iter()
                .map(|(k, v)| Entry::new(k, v, Span::NONE))
                .collect(),
        )
    }

    /// Like [`Attrs::from_unsorted`], with definition positions.
    pub(crate) fn from_unsorted_pos(entries: Vec<(Symbol, Value, Span)>) -> Self {
        Self::from_entries(
            entries
                .into_iter()
                .map(|(k, v, s)| Entry::new(k, v, s))
                .collect(),
        )
    }

    fn from_entries(mut entries: Vec<Entry>) -> Self {
        // Stable: of equal names the later stays later, and wins below.
        entries.sort_by(|a, b| cmp_keyed(a.key, &a.name, b.key, &b.name));
        entries.dedup_by(|later, earlier| {
            if later.key == earlier.key && later.name == earlier.name {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        Attrs { entries }
    }

    /// Like [`Attrs::from_sorted`], with definition positions.
    pub(crate) fn from_sorted_pos(entries: Vec<(Symbol, Value, Span)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        Attrs {
            entries: entries
                .into_iter()
                .map(|(k, v, s)| Entry::new(k, v, s))
                .collect(),
        }
    }

    /// Builds a set from bindings already sorted by name and unique.
    pub(crate) fn from_sorted(entries: Vec<(Symbol, Value)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        Attrs {
            entries: entries
                .into_iter()
                .map(|(k, v)| Entry::new(k, v, Span::NONE))
                .collect(),
        }
    }

    #[inline]
    fn index(&self, name: &str) -> Option<usize> {
        let key = name_key(name.as_bytes());
        let e = &self.entries;
        // The first entry whose key is not below `key`: a scan of the keys
        // for small sets (most of them), whose branches predict well, and a
        // halving without data-dependent branches for the others.
        let mut i = 0;
        if e.len() <= 8 {
            while i < e.len() && e[i].key < key {
                i += 1;
            }
        } else {
            let mut size = e.len();
            while size > 1 {
                let half = size / 2;
                if e[i + half].key < key {
                    i += half;
                }
                size -= half;
            }
            i += usize::from(e[i].key < key);
        }
        // Names sharing `key` (their first eight bytes) sit together, in
        // order: the first two are checked here, the rest halved.
        for (j, x) in e.iter().enumerate().skip(i).take(2) {
            if x.key != key {
                return None;
            }
            if x.name.len() == name.len()
                && (name.len() <= 8 || x.name.as_bytes() == name.as_bytes())
            {
                return Some(j);
            }
        }
        let from = (i + 2).min(e.len());
        e[from..]
            .binary_search_by(|x| cmp_keyed(x.key, &x.name, key, name))
            .ok()
            .map(|j| from + j)
    }

    /// Like [`Attrs::get`] for a name known while lowering, with `hint`
    /// the cache of the lookup site: the index where the name was found
    /// last time. Sets met at one site mostly have the same shape (made by
    /// the same code), so the name is usually there again, and comparing
    /// one interned pointer replaces the search.
    #[inline]
    pub(crate) fn get_hinted(&self, name: Symbol, hint: &Hint) -> Option<&Value> {
        let h = hint.0.get() as usize;
        if let Some(e) = self.entries.get(h)
            && std::ptr::eq(e.name.as_str(), name.as_str())
        {
            return Some(&e.value);
        }
        let i = self.index(&name)?;
        hint.0.set(u32::try_from(i).unwrap_or(0));
        Some(&self.entries[i].value)
    }

    /// Looks an attribute up.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.index(name).map(|i| &self.entries[i].value)
    }

    /// Where an attribute was defined, if known.
    pub(crate) fn position(&self, name: &str) -> Option<Span> {
        self.index(name)
            .map(|i| self.entries[i].span)
            .filter(|s| *s != Span::NONE)
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bindings in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Symbol, &Value)> {
        self.entries.iter().map(|e| (&e.name, &e.value))
    }

    /// The subset of bindings for which `keep` holds (positions kept).
    pub(crate) fn filter(&self, mut keep: impl FnMut(&Symbol) -> bool) -> Attrs {
        Attrs {
            entries: self
                .entries
                .iter()
                .filter(|e| keep(&e.name))
                .cloned()
                .collect(),
        }
    }

    /// The bindings of `self` whose names `keys` also has (positions
    /// kept), as `builtins.intersectAttrs keys self`. A small `keys` (a
    /// `callPackage`'s formals against a whole package set) is looked up
    /// name by name; sets of similar size are walked side by side.
    pub(crate) fn intersect(&self, keys: &Attrs) -> Attrs {
        let (a, b) = (&keys.entries, &self.entries);
        let mut out = Vec::with_capacity(a.len().min(b.len()));
        if a.len().saturating_mul(8) < b.len() {
            out.extend(
                a.iter()
                    .filter_map(|e| self.index(&e.name).map(|i| b[i].clone())),
            );
        } else {
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                match cmp_keyed(a[i].key, &a[i].name, b[j].key, &b[j].name) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        out.push(b[j].clone());
                        i += 1;
                        j += 1;
                    }
                }
            }
        }
        Attrs { entries: out }
    }

    /// `self // other`.
    pub(crate) fn update(&self, other: &Attrs) -> Attrs {
        let mut out = Vec::with_capacity(self.len() + other.len());
        if other.len() * 8 < self.len() {
            // A few names into a big set (`acc // { x = …; }`): each found
            // by halving, the runs of the set between them copied whole.
            let mut i = 0;
            for b in &other.entries {
                let rest = &self.entries[i..];
                let (at, replaced) =
                    match rest.binary_search_by(|e| cmp_keyed(e.key, &e.name, b.key, &b.name)) {
                        Ok(at) => (at, 1),
                        Err(at) => (at, 0),
                    };
                out.extend_from_slice(&rest[..at]);
                out.push(b.clone());
                i += at + replaced;
            }
            out.extend_from_slice(&self.entries[i..]);
            return Attrs { entries: out };
        }
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&self.entries, &other.entries);
        while i < a.len() && j < b.len() {
            match cmp_keyed(a[i].key, &a[i].name, b[j].key, &b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs { entries: out }
    }
}

/// Byte-wise order of two names, without a call to `memcmp` (names are
/// short; the call costs more than the comparison).
#[inline]
fn cmp_short(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// The elements of a list.
#[derive(Clone, Debug, Default)]
pub struct NixList(pub(crate) Vec<Value>);

impl std::ops::Deref for NixList {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

// Dropping deeply nested values recurses; these guards grow the native
// stack on the way down, like evaluation does.

impl Drop for NixList {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let items = std::mem::take(&mut self.0);
            crate::eval::with_stack(|| drop(items));
        }
    }
}

impl Drop for Attrs {
    fn drop(&mut self) {
        if !self.entries.is_empty() {
            let entries = std::mem::take(&mut self.entries);
            crate::eval::with_stack(|| drop(entries));
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Most frames die holding a scalar or a string (a call's computed
        // argument) below a parent that lives on: dropping them cannot
        // recurse, so the fields go as they are, without the stack check.
        let leaf_slots = match self.slots.get() {
            None => true,
            Some(Slots::One(v)) => v.is_leaf(),
            Some(Slots::Many(v)) => v.iter().all(Value::is_leaf),
        };
        if leaf_slots && self.parent.as_ref().is_none_or(|p| Rc::strong_count(p) > 1) {
            return;
        }
        let slots = self.slots.take();
        let parent = self.parent.take();
        crate::eval::with_stack(|| drop((slots, parent)));
    }
}

impl Drop for PrimOpApp {
    fn drop(&mut self) {
        if !self.args.is_empty() {
            let args = std::mem::take(&mut self.args);
            crate::eval::with_stack(|| drop(args));
        }
    }
}

/// The state of a lazily evaluated value.
#[derive(Debug)]
pub(crate) enum ThunkState {
    /// Not yet evaluated: an expression in an environment.
    Suspended(Rc<Expr>, Rc<Env>),
    /// A deferred function application (`map`, `genList`, …). The
    /// function is a thunk (one already evaluated, made by [`Thunk::of`],
    /// shared by all the calls a builtin defers; or a deferred call itself,
    /// as `mapAttrs`' `f name`): behind one pointer it keeps the state at
    /// three words, a thunk at 48 bytes instead of 56.
    Apply(Thunk, Value),
    /// Being evaluated right now; forcing it again is infinite recursion.
    Blackhole,
    /// Evaluated.
    Done(Value),
}

/// A shared, lazily evaluated value.
#[derive(Clone, Debug)]
pub struct Thunk(pub(crate) Rc<RefCell<ThunkState>>);

// Thunks are the most numerous objects: keep the state three words.
const _: () = assert!(std::mem::size_of::<ThunkState>() == 24);

impl Thunk {
    pub(crate) fn new(state: ThunkState) -> Self {
        Thunk(Rc::new(RefCell::new(state)))
    }

    /// A thunk for a value: the value's own thunk, else an evaluated one.
    pub(crate) fn of(v: Value) -> Self {
        match v {
            Value::Thunk(t) => t,
            v => Thunk::new(ThunkState::Done(v)),
        }
    }
}

/// The slots of an [`Env`]: one-slot frames (`x: …` lambdas, `with`)
/// keep their value inline, without a second allocation.
#[derive(Debug)]
pub(crate) enum Slots {
    /// Exactly one slot.
    One(Value),
    /// Any number of slots.
    Many(Vec<Value>),
}

/// A runtime environment frame: slots for the variables one scope binds.
///
/// The slots are set once: at creation, or for the frames of `let`, `rec`
/// and formals (whose thunks refer to the frame itself) by [`Env::fill`]
/// right after. A `OnceCell` instead of a `RefCell` has no borrow flag to
/// keep (48 bytes a frame instead of 56, and no flag updates on reads).
#[derive(Debug)]
pub(crate) struct Env {
    slots: OnceCell<Slots>,
    pub(crate) parent: Option<Rc<Env>>,
}

// Frames are made on every call: keep them at four words.
const _: () = assert!(std::mem::size_of::<Env>() == 32);

impl Env {
    pub(crate) fn new(parent: Option<Rc<Env>>, slots: Vec<Value>) -> Rc<Env> {
        Rc::new(Env {
            slots: OnceCell::from(Slots::Many(slots)),
            parent,
        })
    }

    /// A frame of one slot.
    pub(crate) fn one(parent: Rc<Env>, v: Value) -> Rc<Env> {
        Rc::new(Env {
            slots: OnceCell::from(Slots::One(v)),
            parent: Some(parent),
        })
    }

    /// A frame without slots yet, to be [`Env::fill`]ed (its thunks may
    /// refer to it before).
    pub(crate) fn unfilled(parent: Rc<Env>) -> Rc<Env> {
        Rc::new(Env {
            slots: OnceCell::new(),
            parent: Some(parent),
        })
    }

    /// Sets all slots of a frame made with [`Env::unfilled`].
    pub(crate) fn fill(&self, mut vals: Vec<Value>) {
        let slots = if vals.len() == 1 {
            Slots::One(vals.pop().expect("one value"))
        } else {
            Slots::Many(vals)
        };
        assert!(self.slots.set(slots).is_ok(), "a frame is filled once");
    }

    #[inline]
    fn slot(&self, i: u32) -> Option<&Value> {
        match self.slots.get()? {
            Slots::One(v) => Some(v),
            Slots::Many(v) => v.get(i as usize),
        }
    }

    /// The value in slot `i`.
    #[inline]
    pub(crate) fn get(&self, i: u32) -> Value {
        self.slot(i).expect("IR slot within a filled frame").clone()
    }

    /// The value in slot `i` in weak head normal form if it is known
    /// without evaluating (a thunk already evaluated gives its value),
    /// else the thunk to force: one reference count and one call fewer
    /// than [`Env::get`] and forcing for the common case.
    #[inline]
    pub(crate) fn get_evaluated(&self, i: u32) -> Result<Value, Thunk> {
        match self.slot(i).expect("IR slot within a filled frame") {
            Value::Thunk(t) => match &*t.0.borrow() {
                ThunkState::Done(x) => Ok(x.clone()),
                _ => Err(t.clone()),
            },
            v => Ok(v.clone()),
        }
    }

    /// The integer in slot `i`, if it holds one or a thunk evaluated to
    /// one (`None` for anything else, and for a slot not filled yet).
    #[inline]
    pub(crate) fn peek_int(&self, i: u32) -> Option<i64> {
        match self.slot(i)? {
            Value::Int(n) => Some(*n),
            Value::Thunk(t) => match &*t.0.borrow() {
                ThunkState::Done(Value::Int(n)) => Some(*n),
                _ => None,
            },
            _ => None,
        }
    }

    /// The frame `depth` levels up.
    #[inline]
    pub(crate) fn up(self: &Rc<Env>, depth: u32) -> &Rc<Env> {
        let mut env = self;
        for _ in 0..depth {
            env = env
                .parent
                .as_ref()
                .expect("IR depth within the environment chain");
        }
        env
    }
}

/// A lambda and the environment it closes over.
#[derive(Debug)]
pub struct Closure {
    pub(crate) def: Rc<LambdaDef>,
    pub(crate) env: Rc<Env>,
}

/// A builtin, possibly applied to some of its arguments.
#[derive(Debug)]
pub struct PrimOpApp {
    pub(crate) op: &'static Builtin,
    pub(crate) args: Vec<Value>,
}

/// A Nix value. Values other than [`Value::Thunk`] are in weak head normal form.
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string with context.
    String(Rc<NixString>),
    /// An absolute, normalized path. (An `Rc<String>`, not an `Rc<str>`:
    /// a thin pointer keeps every `Value` at 16 bytes instead of 24.)
    Path(Rc<String>),
    /// An attribute set.
    Attrs(Rc<Attrs>),
    /// A list.
    List(Rc<NixList>),
    /// A lambda.
    Lambda(Rc<Closure>),
    /// A builtin or a partial application of one.
    PrimOp(Rc<PrimOpApp>),
    /// A not yet evaluated value.
    Thunk(Thunk),
}

// Values fill lists, sets, frames and thunks: keep them two words.
const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    /// A string value without context.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(Rc::new(NixString::new(s)))
    }

    /// A string value from a [`NixString`].
    pub fn nix_string(s: NixString) -> Value {
        Value::String(Rc::new(s))
    }

    /// An attribute set value.
    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }

    /// A list value.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(NixList(v)))
    }

    /// Nix's name for the type, as `builtins.typeOf` returns it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }

    /// The type with an article, as in Nix's error messages.
    pub(crate) fn show_type(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::PrimOp(p) if p.args.is_empty() => "a built-in function",
            Value::PrimOp(_) => "a partially applied built-in function",
            Value::Thunk(_) => "a thunk",
        }
    }

    /// The type as Nix 2.8 describes a value (`:t` in the REPL): like the
    /// type in error messages, but naming builtins (`the built-in function
    /// 'map'`) and strings with context.
    pub fn type_description(&self) -> String {
        match self {
            Value::String(s) if s.has_context() => "a string with context".to_string(),
            Value::PrimOp(p) if p.args.is_empty() => {
                format!("the built-in function '{}'", p.op.name)
            }
            Value::PrimOp(p) => format!("the partially applied built-in function '{}'", p.op.name),
            other => other.show_type().to_string(),
        }
    }

    /// Whether dropping this value can drop no other value (it holds
    /// none: a scalar, a string or a path).
    #[inline]
    pub(crate) fn is_leaf(&self) -> bool {
        matches!(
            self,
            Value::Null
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::String(_)
                | Value::Path(_)
        )
    }

    /// Whether the value is callable (lambda, primop or set with `__functor`).
    pub(crate) fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::PrimOp(_))
    }
}

impl fmt::Display for Value {
    /// Prints a value without forcing anything (thunks show as `<CODE>`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        crate::print::print_shallow(self, &mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attrs_sorted_and_update() {
        let a = Attrs::from_unsorted(vec![
            ("b".into(), Value::Int(1)),
            ("a".into(), Value::Int(2)),
            ("b".into(), Value::Int(3)),
        ]);
        assert_eq!(
            a.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(matches!(a.get("b"), Some(Value::Int(3))));
        let b = Attrs::from_unsorted(vec![("c".into(), Value::Null), ("a".into(), Value::Int(9))]);
        let u = a.update(&b);
        assert_eq!(u.len(), 3);
        assert!(matches!(u.get("a"), Some(Value::Int(9))));
    }

    #[test]
    fn update_of_a_big_set_with_a_few_names() {
        // Both ways of merging give what building the set from all the
        // bindings does (later ones win), names sharing their first
        // eight bytes included.
        let names: Vec<String> = (0..40)
            .map(|i| format!("{}{i}", if i % 2 == 0 { "k" } else { "longprefix_" }))
            .collect();
        let big: Vec<(Symbol, Value)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str().into(), Value::Int(i as i64)))
            .collect();
        for few in [
            vec!["k4", "a", "zz"],
            vec!["longprefix_13", "longprefix_130", "k"],
            vec!["k0"],
            vec!["zzz", "longprefix_39"],
        ] {
            let small: Vec<(Symbol, Value)> =
                few.iter().map(|n| ((*n).into(), Value::Null)).collect();
            let shown = |s: &Attrs| {
                s.iter()
                    .map(|(k, v)| format!("{k}={}", v.type_name()))
                    .collect::<Vec<_>>()
            };
            let (a, b) = (
                Attrs::from_unsorted(big.clone()),
                Attrs::from_unsorted(small.clone()),
            );
            let a_then_b = Attrs::from_unsorted(big.iter().chain(&small).cloned().collect());
            let b_then_a = Attrs::from_unsorted(small.iter().chain(&big).cloned().collect());
            assert_eq!(shown(&a.update(&b)), shown(&a_then_b));
            assert_eq!(shown(&b.update(&a)), shown(&b_then_a));
        }
    }

    #[test]
    fn lookups_by_key_and_name() {
        // Names sharing their first eight bytes, in small and large sets.
        for n in [3, 5, 40] {
            let names: Vec<String> = (0..n)
                .map(|i| match i % 3 {
                    0 => format!("propagated{i}"),
                    1 => format!("p{i}"),
                    _ => format!("propagatedBuildInputs{i}"),
                })
                .collect();
            let a = Attrs::from_unsorted(
                names
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (Symbol::from(k.as_str()), Value::Int(i as i64)))
                    .collect(),
            );
            for (i, k) in names.iter().enumerate() {
                assert!(
                    matches!(a.get(k), Some(Value::Int(j)) if *j == i as i64),
                    "{k}"
                );
            }
            for k in [
                "propagated",
                "propagatedBuildInputs",
                "",
                "q",
                "p",
                "propagated\0",
            ] {
                assert!(a.get(k).is_none(), "{k}");
            }
        }
    }

    #[test]
    fn context_is_carried() {
        let mut s = NixString::new("a");
        let c = NixString::with_context("b", [Rc::from("/nix/store/x")].into_iter().collect());
        s.push_nix(&c);
        assert_eq!(s.as_str(), "ab");
        assert_eq!(s.context().count(), 1);
    }
}
