//! The `telecov` command: see [`telecov::cli`].

#[path = "common/allocator.rs"]
mod allocator;

fn main() -> std::process::ExitCode {
    allocator::tune();
    telecov::cli::main()
}
