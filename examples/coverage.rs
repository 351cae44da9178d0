//! Coverage report for a scenario directory.
//!
//! ```text
//! cargo run --release --example coverage -- [SCENARIO_DIR] [--out OUT_DIR] [--threads N]
//! ```
//!
//! With no scenario it runs the bundled demo city (`data/demo`) and writes to
//! `out/demo`. It writes `OUT_DIR/report.json` (contract `telecov.report/1`),
//! `OUT_DIR/sites.geojson` (each site with the range used per technology and why)
//! and `OUT_DIR/communes.geojson` (commune polygons with coverage figures
//! and percentages, for a choropleth), and prints a per-district table.
//! A refused scenario prints the error (file, feature, property) and exits
//! with status 1 without writing anything.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use telecov::Options;

#[derive(Parser)]
#[command(about = "Population and household coverage per commune for a telecov scenario")]
struct Args {
    /// Scenario directory (default: the bundled demo city, data/demo).
    scenario: Option<PathBuf>,
    /// Output directory (default: out/<scenario folder name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let scenario_dir = args
        .scenario
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo"));
    let out_dir = args.out.unwrap_or_else(|| {
        let name = scenario_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        PathBuf::from("out").join(name)
    });
    let t0 = Instant::now();
    let report =
        telecov::io::output::report_scenario(&scenario_dir, &out_dir, &Options::default())?;
    let elapsed = t0.elapsed();

    println!("scenario {}", scenario_dir.display());
    print!("{}", telecov::io::output::summary_table(&report));
    if !report.warnings.is_empty() {
        println!("{} warning(s); the first:", report.warnings.len());
        for w in report.warnings.iter().take(5) {
            println!("  - {w}");
        }
    }
    println!(
        "loaded, evaluated and written in {:.1} ms: {}/report.json, communes.geojson, sites.geojson",
        elapsed.as_secs_f64() * 1e3,
        out_dir.display()
    );
    Ok(())
}
