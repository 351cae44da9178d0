//! What every command binary does first, shared by the `telecov` binary and
//! the examples that run its commands: the processor check, then the
//! allocator's settings.

#[path = "allocator.rs"]
mod allocator;
#[path = "processor.rs"]
mod processor;

/// Checks the processor before any of the crate's code runs (a processor
/// without the instructions the build assumes gets a message on stderr and
/// the returned exit status, not a crash), then tunes the allocator.
pub fn start() -> Result<(), std::process::ExitCode> {
    if let Err(message) = processor::check() {
        eprintln!("error: {message}");
        return Err(std::process::ExitCode::FAILURE);
    }
    allocator::tune();
    Ok(())
}
