//! The `telecov` command: see [`telecov::cli`].

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/processor.rs"]
mod processor;

fn main() -> std::process::ExitCode {
    // before any of the crate's code: a processor without the
    // instructions the build assumes gets a message, not a crash
    if let Err(message) = processor::check() {
        eprintln!("error: {message}");
        return std::process::ExitCode::FAILURE;
    }
    allocator::tune();
    telecov::cli::main()
}
