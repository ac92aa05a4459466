//! The `cairn` binary; all logic lives in the `cairn_cli` library.
//!
//! It allocates with mimalloc (its 2.x line, selected in the workspace
//! manifest): the evaluator makes and drops millions of small objects
//! (thunks, environment frames, attribute sets), for which mimalloc's
//! per-size free lists beat the system allocator (bench/eval.sh: up to a
//! third less time), and mimalloc 2 keeps less memory than 3 (a quarter
//! less peak RSS on the attrs and strings workloads).
//!
//! The allocator is a thin wrapper over mimalloc's C functions rather than
//! the `mimalloc` crate's `MiMalloc`, which sends every request through
//! `mi_malloc_aligned`: almost all of the evaluator's objects need no more
//! than 8-byte alignment, which every mimalloc block has (block sizes are
//! multiples of 8 in 8-aligned pages), so they take plain `mi_malloc`,
//! a shorter path.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has.
const MIN_ALIGN: usize = 8;

/// mimalloc, with plain `mi_malloc` for requests that need no more than
/// [`MIN_ALIGN`].
struct Allocator;

// SAFETY: each function forwards to the mimalloc function with the same
// contract; `mi_malloc`/`mi_zalloc`/`mi_realloc` return blocks aligned to at
// least MIN_ALIGN, and larger alignments go to the `_aligned` variants.
// Blocks from either family are released by `mi_free`.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= MIN_ALIGN {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= MIN_ALIGN {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe {
            if layout.align() <= MIN_ALIGN {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

/// The allocator of the whole process.
#[global_allocator]
static GLOBAL: Allocator = Allocator;

fn main() -> std::process::ExitCode {
    cairn_cli::main()
}
