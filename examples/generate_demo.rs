//! Writes the synthetic demo city (see `data/README.md`) as a scenario
//! directory and prints its main figures.
//!
//! ```text
//! cargo run --release --example generate_demo -- [--out data/demo] [--scale K | --vietnam] [--seed S]
//!     [--resolution-m M]
//! ```
//!
//! The geometry and the infrastructure are invented; only the totals are
//! calibrated on Cần Thơ (see [`telecov::synth`]).

use std::process::ExitCode;

use clap::Parser;

/// The `generate_demo` example: `telecov generate` under its earlier name.
#[derive(Parser)]
#[command(about)]
struct Example {
    #[command(flatten)]
    args: telecov::cli::generate::GenerateArgs,
}

fn main() -> ExitCode {
    telecov::cli::exit(telecov::cli::generate::run(Example::parse().args))
}
