//! The `cairn` binary; all logic lives in the `cairn_cli` library.
//!
//! It allocates with mimalloc: the evaluator makes and drops millions of
//! small objects (thunks, environment frames, attribute sets), for which
//! mimalloc's per-size free lists are markedly faster than the system
//! allocator (bench/eval.sh: about a fifth less time on every workload).

/// The allocator of the whole process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cairn_cli::main()
}
