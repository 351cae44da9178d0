//! Plans new infrastructure to reach coverage targets.
//!
//! ```text
//! cargo run --release --example plan -- [SCENARIO_DIR] [--out OUT_DIR] \
//!     --target 4G=99 --target wifi=100 [--target fiber=80] [--target mobile_broadband=100@total] \
//!     [--max-sites N] [--candidates FILE] [--tech 3G,4G] [--range-m R] [--height-m H]
//! ```
//!
//! Targets are percentages per commune: of people for `2G` … `5G` and
//! `mobile_broadband`, of households for `fiber`, and for `wifi` of the
//! communes holding at least one point; `@total` makes a target about the
//! whole scenario. With no scenario it plans the bundled demo (`data/demo`).
//!
//! Writes `OUT_DIR/gaps.geojson`, `proposed_sites.geojson`,
//! `proposed_wifi.geojson`, `proposed_fiber.geojson`, `coverage_curve.csv`
//! and `OUT_DIR/scenario_with_plan/` (the input with every proposal), then
//! re-runs the report on that scenario and prints claimed against measured
//! coverage.

use std::process::ExitCode;

#[path = "../src/bin/common/startup.rs"]
mod startup;

use clap::Parser;

/// The `plan` example: `telecov plan` under its earlier name.
#[derive(Parser)]
#[command(about)]
struct Example {
    #[command(flatten)]
    args: telecov::cli::plan::PlanArgs,
}

fn main() -> ExitCode {
    if let Err(code) = startup::start() {
        return code;
    }
    telecov::cli::exit(telecov::cli::plan::run(Example::parse().args))
}
