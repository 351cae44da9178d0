//! Coverage report for a scenario directory.
//!
//! ```text
//! cargo run --release --example coverage -- [SCENARIO_DIR] [--out OUT_DIR] [--threads N]
//! ```
//!
//! With no scenario it runs the bundled demo city (`data/demo`) and writes to
//! `out/demo`. It writes `OUT_DIR/report.json` (contract `telecov.report/1`)
//! and `OUT_DIR/communes.geojson` (commune polygons with coverage figures
//! and percentages, for a choropleth), and prints a per-district table.
//! A refused scenario prints the error (file, feature, property) and exits
//! with status 1 without writing anything.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

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
    if out_dir.exists() && same_dir(&out_dir, &scenario_dir) {
        return Err("the output directory is the scenario directory: choose another --out".into());
    }

    let t0 = Instant::now();
    let scenario = telecov::io::load_scenario(&scenario_dir)?;
    let t_load = t0.elapsed();
    let t1 = Instant::now();
    let report = telecov::evaluate(&scenario)?;
    let t_eval = t1.elapsed();

    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    telecov::io::output::write_report(out_dir.join("report.json"), &report)?;
    telecov::io::output::write_communes_map(out_dir.join("communes.geojson"), &scenario, &report)?;

    println!("scenario {}", scenario_dir.display());
    print!("{}", telecov::io::output::summary_table(&report));
    if !report.warnings.is_empty() {
        println!("{} warning(s); the first:", report.warnings.len());
        for w in report.warnings.iter().take(5) {
            println!("  - {w}");
        }
    }
    println!(
        "loaded in {:.1} ms, evaluated in {:.1} ms; wrote {}/report.json and communes.geojson",
        t_load.as_secs_f64() * 1e3,
        t_eval.as_secs_f64() * 1e3,
        out_dir.display()
    );
    Ok(())
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
