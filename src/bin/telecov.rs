//! The `telecov` command: see [`telecov::cli`].

#[path = "common/startup.rs"]
mod startup;

fn main() -> std::process::ExitCode {
    if let Err(code) = startup::start() {
        return code;
    }
    telecov::cli::main()
}
