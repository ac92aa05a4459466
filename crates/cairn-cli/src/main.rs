//! The `cairn` binary; all logic lives in the `cairn_cli` library.

fn main() -> std::process::ExitCode {
    cairn_cli::main()
}
