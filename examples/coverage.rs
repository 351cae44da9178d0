//! Coverage report for a scenario directory.
//!
//! ```text
//! cargo run --release --example coverage -- [SCENARIO_DIR] [--out OUT_DIR] [--threads N]
//!     [--signal] [--pattern 3gpp|hard-wedge] [--threshold-dbm L]... [--sinr TECH]
//!     [--interferer-load X] [--best-server TECH] [--map-resolution-m M]
//! ```
//!
//! With no scenario it runs the bundled demo city (`data/demo`) and writes to
//! `out/demo`. It writes `OUT_DIR/report.json` (contract `telecov.report/1`),
//! `OUT_DIR/sites.geojson` (each site with the range used per technology and why),
//! `OUT_DIR/communes.geojson` (commune polygons with coverage figures
//! and percentages, for a choropleth) and `OUT_DIR/gaps.geojson` (uncovered
//! regions per layer), and prints a per-district table.
//! A refused scenario prints the error (file, feature, property) and exits
//! with status 1 without writing anything.
//!
//! `--signal` also runs the signal-level mode ([`telecov::engine::signal`])
//! and writes `OUT_DIR/signal.json`: per commune and technology, the people
//! covered at the design level, the mean best-server level and the people
//! above each `--threshold-dbm`, and SINR figures for the `--sinr` layer.
//! `--best-server TECH` writes `OUT_DIR/best_server.geojson`: the best server
//! of that layer (site id, level, SINR when it is the `--sinr` layer) at the
//! centre of every `--map-resolution-m` cell (200 m by default).

use std::process::ExitCode;

#[path = "../src/bin/common/startup.rs"]
mod startup;

use clap::Parser;

/// The `coverage` example: `telecov coverage` under its earlier name.
#[derive(Parser)]
#[command(about)]
struct Example {
    #[command(flatten)]
    args: telecov::cli::coverage::CoverageArgs,
}

fn main() -> ExitCode {
    if let Err(code) = startup::start() {
        return code;
    }
    telecov::cli::exit(telecov::cli::coverage::run(Example::parse().args))
}
