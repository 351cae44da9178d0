//! The `telecov` command: see [`telecov::cli`].

fn main() -> std::process::ExitCode {
    telecov::cli::main()
}
