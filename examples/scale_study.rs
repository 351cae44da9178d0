//! How far telecov scales: the synthetic Can Tho–like city at 1×, 4×, 16×
//! and 64×, and a Vietnam-sized country, with time per stage, demand points
//! per second and peak memory.
//!
//! ```text
//! cargo run --release --example scale_study -- [--scales 1,4,16,64] [--vietnam]
//!     [--resolution-m 100] [--threads N]
//! ```
//!
//! Each case runs in its own child process, so that its peak memory (the
//! kernel's high-water mark of resident memory, `VmHWM`) is its own. Stages:
//! *generate* (the synthetic scenario, [`telecov::synth::generate`]: not part
//! of a report, shown for reference), *index* (the spatial indexes alone,
//! [`telecov::engine::build_indexes`], timed on their own for reference),
//! *evaluate* (validation, projection, indexes, demand, coverage per
//! commune, the report; [`telecov::evaluate_with_progress`], with a
//! progress bar on standard error), *write* (`report.json` and
//! `communes.geojson` into a temporary folder), *gaps* (the gap map of every
//! layer, [`telecov::planning::find_gaps`]), *maps* (`sites.geojson` and
//! `gaps.geojson` written). *report* = evaluate + write, *command* = every
//! stage the `coverage` command runs after loading (evaluate, gaps, all
//! files): the time from a scenario in memory to the files on disk.
//!
//! The Vietnam-sized case: 128 copies of the city (10,624 communes) of
//! 2,586 km² each (331,000 km²), 96.2 million people, 26.9 million
//! households, 100,000 BTS sites, at 100 m (about 33 million demand cells).
//! The copies' fibre passes 60 % of households, as in Can Tho.

use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::Parser;
use telecov::synth::{generate, CityConfig};

#[derive(Parser)]
#[command(about = "Scale study of the telecov engine on synthetic cities")]
struct Args {
    /// Copies of the Can Tho–like city to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1u32, 4, 16, 64])]
    scales: Vec<u32>,
    /// Also run the Vietnam-sized case.
    #[arg(long)]
    vietnam: bool,
    /// Demand grid spacing, metres.
    #[arg(long, default_value_t = 100.0)]
    resolution_m: f64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Run one case in this process: a scale, or 0 for the Vietnam case.
    #[arg(long, hide = true)]
    case: Option<u32>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.case {
        Some(case) => run_case(&args, case),
        None => drive(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The configuration of a case: `scale` copies of Can Tho, or (0) the
/// Vietnam-sized country.
fn config(case: u32) -> CityConfig {
    if case == 0 {
        CityConfig::vietnam()
    } else {
        CityConfig::scaled(case)
    }
}

fn drive(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let mut cases: Vec<u32> = args.scales.clone();
    if args.vietnam {
        cases.push(0);
    }
    println!(
        "{:<10} {:>8} {:>10} {:>8} {:>12} {:>10} {:>8} {:>10} {:>8} {:>9} {:>8} {:>8} {:>10} {:>13} {:>9}",
        "case",
        "communes",
        "km²",
        "sites",
        "demand cells",
        "generate s",
        "index s",
        "evaluate s",
        "write s",
        "report s",
        "gaps s",
        "maps s",
        "command s",
        "cells/s (eval)",
        "peak MiB"
    );
    for case in cases {
        let mut cmd = Command::new(&exe);
        cmd.arg("--case")
            .arg(case.to_string())
            .arg("--resolution-m")
            .arg(args.resolution_m.to_string());
        if let Some(n) = args.threads {
            cmd.arg("--threads").arg(n.to_string());
        }
        let out = cmd.output()?;
        if !out.status.success() {
            return Err(format!(
                "case {case} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(())
}

fn run_case(args: &Args, case: u32) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let config = config(case);
    let t0 = Instant::now();
    eprintln!("[{:>7.1} s] generating {} copies", 0.0, config.scale);
    let mut scenario = generate(&config);
    scenario.parameters.resolution_m = args.resolution_m;
    let generate_s = t0.elapsed().as_secs_f64();

    let area_km2: f64 = {
        use geo::GeodesicArea;
        scenario
            .communes
            .iter()
            .filter_map(|c| c.geometry.as_ref())
            .map(|g| g.geodesic_area_unsigned())
            .sum::<f64>()
            / 1e6
    };
    let cells = telecov::demand::estimate_cells(area_km2 * 1e6, args.resolution_m);
    eprintln!(
        "[{:>7.1} s] evaluating {} communes, {} sites, {:.1e} demand cells",
        t0.elapsed().as_secs_f64(),
        scenario.communes.len(),
        scenario.sites.len(),
        cells
    );
    let options = telecov::Options::default();
    let ti = Instant::now();
    let summary = telecov::engine::build_indexes(&scenario, &options)?;
    let index_s = ti.elapsed().as_secs_f64();
    eprintln!(
        "[{:>7.1} s] indexes: {} strips, {} shapes, {} wifi discs, {} fibre segments in {index_s:.2} s",
        t0.elapsed().as_secs_f64(),
        summary.strips,
        summary.shapes.iter().sum::<usize>(),
        summary.wifi_discs,
        summary.fiber_segments
    );
    let bar = indicatif::ProgressBar::new(scenario.communes.len() as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} evaluating [{wide_bar}] {pos}/{len} communes, {eta} left",
        )?,
    );
    let t1 = Instant::now();
    let report = telecov::evaluate_with_progress(&scenario, &options, &|done, _| {
        bar.set_position(done as u64)
    })?;
    let evaluate_s = t1.elapsed().as_secs_f64();
    bar.finish_and_clear();

    eprintln!("[{:>7.1} s] writing", t0.elapsed().as_secs_f64());
    let t2 = Instant::now();
    let dir = std::env::temp_dir().join(format!("telecov-scale-{}-{case}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    telecov::io::write::write_report(dir.join("report.json"), &report)?;
    telecov::io::write::write_communes_map(dir.join("communes.geojson"), &scenario, &report)?;
    let write_s = t2.elapsed().as_secs_f64();
    eprintln!("[{:>7.1} s] gap maps", t0.elapsed().as_secs_f64());
    let t3 = Instant::now();
    let gap_options = telecov::planning::GapOptions {
        engine: options,
        ..Default::default()
    };
    let gaps = telecov::planning::find_gaps(&scenario, &report, &gap_options)?;
    let gaps_s = t3.elapsed().as_secs_f64();
    let t4 = Instant::now();
    telecov::io::write::write_sites_map(dir.join("sites.geojson"), &scenario)?;
    telecov::io::write::write_gaps(dir.join("gaps.geojson"), &scenario, &gaps)?;
    let maps_s = t4.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir).ok();

    let name = if case == 0 {
        "vietnam".to_owned()
    } else {
        format!("{case}×")
    };
    let peak = peak_memory_mib().map_or("n/a".to_owned(), |m| format!("{m:.0}"));
    println!(
        "{:<10} {:>8} {:>10.0} {:>8} {:>12.3e} {:>10.2} {:>8.2} {:>10.2} {:>8.2} {:>9.2} {:>8.2} {:>8.2} {:>10.2} {:>13.3e} {:>9}",
        name,
        scenario.communes.len(),
        area_km2,
        scenario.sites.len(),
        cells,
        generate_s,
        index_s,
        evaluate_s,
        write_s,
        evaluate_s + write_s,
        gaps_s,
        maps_s,
        evaluate_s + write_s + gaps_s + maps_s,
        cells / evaluate_s,
        peak
    );
    Ok(())
}

/// Peak resident memory of this process, MiB (Linux `VmHWM`; `None`
/// elsewhere).
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
