//! The `cairn` binary; all logic lives in the `cairn_cli` library.
//!
//! It allocates with mimalloc (its 2.x line, selected in the workspace
//! manifest): the evaluator makes and drops millions of small objects
//! (thunks, environment frames, attribute sets), for which mimalloc's
//! per-size free lists beat the system allocator (bench/eval.sh: up to a
//! third less time), and mimalloc 2 keeps less memory than 3 (a quarter
//! less peak RSS on the attrs and strings workloads).

/// The allocator of the whole process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cairn_cli::main()
}
