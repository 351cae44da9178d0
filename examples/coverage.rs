//! Coverage report for a scenario directory.
//!
//! ```text
//! cargo run --release --example coverage -- [SCENARIO_DIR] [--out OUT_DIR] [--threads N]
//!     [--signal] [--pattern 3gpp|hard-wedge] [--threshold-dbm L]... [--sinr TECH]
//!     [--interferer-load X] [--best-server TECH] [--map-resolution-m M] [--best-server-points]
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
//! `--best-server TECH` writes GeoTIFF rasters of that layer on a WGS 84
//! grid of `--map-resolution-m` pixels (200 m by default) over the communes
//! ([`telecov::engine::raster`], [`telecov::io::write::write_signal_rasters`]):
//! `signal_level_TECH.tif` (best-server level, dBm), `sinr_TECH.tif` (when
//! TECH is the `--sinr` layer), `best_server_TECH.tif` (serving site index)
//! and `best_server_TECH_sites.csv` (index → site id). With
//! `--best-server-points` it also writes `OUT_DIR/best_server.geojson`: one
//! point per `--map-resolution-m` cell of every commune's strip grid with
//! the site id, level and SINR (a large file: 7 MB for the demo at 200 m,
//! so no longer written by default).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use telecov::engine::raster::signal_raster;
use telecov::engine::signal::{best_server_map, evaluate_signal, AntennaPattern, SignalOptions};
use telecov::io::write::{write_best_server_map, write_signal_rasters};
use telecov::model::Technology;
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
    /// Also run the signal-level mode and write signal.json.
    #[arg(long)]
    signal: bool,
    /// Sector antenna pattern in signal-level mode.
    #[arg(long, value_enum, default_value = "3gpp")]
    pattern: Pattern,
    /// Level thresholds for signal.json, dBm (repeatable; default −90, −80, −70).
    #[arg(long = "threshold-dbm", allow_hyphen_values = true)]
    thresholds_dbm: Vec<f64>,
    /// Technology layer whose SINR is computed (2G, 3G, 4G or 5G).
    #[arg(long)]
    sinr: Option<String>,
    /// Share of time interfering cells transmit, in (0, 1].
    #[arg(long, default_value_t = 1.0)]
    interferer_load: f64,
    /// Write the GeoTIFF rasters (level, SINR, serving site) of this technology layer.
    #[arg(long)]
    best_server: Option<String>,
    /// Pixel size of the rasters (and grid spacing of best_server.geojson), metres.
    #[arg(long, default_value_t = 200.0)]
    map_resolution_m: f64,
    /// With --best-server, also write best_server.geojson (one point per cell).
    #[arg(long)]
    best_server_points: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Pattern {
    /// 3GPP horizontal pattern, 12·(φ/φ3dB)² capped at the front-to-back ratio.
    #[value(name = "3gpp")]
    ThreeGpp,
    /// The range mode's wedge.
    HardWedge,
}

fn technology(name: &str) -> Result<Technology, String> {
    Technology::ALL
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("unknown technology {name:?} (expected 2G, 3G, 4G or 5G)"))
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
    let report = telecov::report_scenario(&scenario_dir, &out_dir, &Options::default())?;
    let elapsed = t0.elapsed();

    println!("scenario {}", scenario_dir.display());
    print!("{}", telecov::io::write::summary_table(&report));
    if !report.warnings.is_empty() {
        println!("{} warning(s); the first:", report.warnings.len());
        for w in report.warnings.iter().take(5) {
            println!("  - {w}");
        }
    }
    println!(
        "loaded, evaluated and written in {:.1} ms: {}/report.json, communes.geojson, sites.geojson, gaps.geojson",
        elapsed.as_secs_f64() * 1e3,
        out_dir.display()
    );

    if args.signal || args.best_server.is_some() {
        let options = SignalOptions {
            pattern: match args.pattern {
                Pattern::ThreeGpp => AntennaPattern::ThreeGpp,
                Pattern::HardWedge => AntennaPattern::HardWedge,
            },
            thresholds_dbm: if args.thresholds_dbm.is_empty() {
                SignalOptions::default().thresholds_dbm
            } else {
                args.thresholds_dbm.clone()
            },
            sinr_technology: args.sinr.as_deref().map(technology).transpose()?,
            interferer_load: args.interferer_load,
            ..SignalOptions::default()
        };
        let best_server = args.best_server.as_deref().map(technology).transpose()?;
        let scenario = telecov::io::load_scenario(&scenario_dir)?;
        if args.signal {
            let t0 = Instant::now();
            let signal = evaluate_signal(&scenario, &options)?;
            let elapsed = t0.elapsed();
            let text = serde_json::to_vec_pretty(&signal)?;
            telecov::io::write::write_atomic(&out_dir.join("signal.json"), &text)?;
            println!("signal-level mode ({:?} pattern):", options.pattern);
            println!(
                "  {:<4} {:>12} {:>12} {:>14}",
                "tech", "covered %", "served %", "mean level dBm"
            );
            let pop = signal.totals.population.max(f64::MIN_POSITIVE);
            for t in Technology::ALL {
                let l = signal.totals.layers.get(t);
                if l.population_served == 0.0 {
                    continue;
                }
                println!(
                    "  {:<4} {:>12.2} {:>12.2} {:>14.1}",
                    t.as_str(),
                    100.0 * l.population_covered / pop,
                    100.0 * l.population_served / pop,
                    l.mean_level_dbm.unwrap_or(f64::NAN)
                );
            }
            if let Some(s) = &signal.totals.sinr {
                println!(
                    "  {} SINR: mean {:.1} dB, {:.2} % of people at or above {} dB",
                    s.technology,
                    s.mean_sinr_db.unwrap_or(f64::NAN),
                    100.0 * s.population_at_required_sinr / pop,
                    s.required_sinr_db
                );
            }
            println!(
                "  computed in {:.1} ms: {}/signal.json",
                elapsed.as_secs_f64() * 1e3,
                out_dir.display()
            );
        }
        if let Some(tech) = best_server {
            let t0 = Instant::now();
            let raster = signal_raster(&scenario, &options, tech, args.map_resolution_m)?;
            let computed = t0.elapsed();
            let written = write_signal_rasters(&out_dir, &scenario, &raster)?;
            let names: Vec<String> = written
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            println!(
                "rasters of {tech}: {} × {} pixels of {} m ({:.6}° × {:.6}°), computed in {:.1} ms, written in {:.1} ms: {}/{}",
                raster.width,
                raster.height,
                args.map_resolution_m,
                raster.transform.pixel_width_deg,
                raster.transform.pixel_height_deg,
                computed.as_secs_f64() * 1e3,
                (t0.elapsed() - computed).as_secs_f64() * 1e3,
                out_dir.display(),
                names.join(", ")
            );
            if args.best_server_points {
                let points = best_server_map(&scenario, &options, tech, args.map_resolution_m)?;
                let path = out_dir.join("best_server.geojson");
                write_best_server_map(&path, &scenario, tech, &points)?;
                println!(
                    "best-server map of {tech}: {} points every {} m in {}",
                    points.len(),
                    args.map_resolution_m,
                    path.display()
                );
            }
        }
    }
    Ok(())
}
