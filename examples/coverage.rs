//! Coverage report for a scenario directory.
//!
//! ```text
//! cargo run --release --example coverage -- [SCENARIO_DIR] [--out OUT_DIR] [--threads N]
//!     [--signal] [--pattern 3gpp|hard-wedge] [--threshold-dbm L]... [--sinr TECH]
//!     [--interferer-load X] [--best-server TECH] [--map-resolution-m M]
//!     [--map-layer LAYER]
//! ```
//!
//! With no scenario it runs the bundled demo city (`data/demo`) and writes to
//! `out/demo`. It writes `OUT_DIR/report.json` (contract `telecov.report/1`),
//! `OUT_DIR/sites.geojson` (each site with the range used per technology and why),
//! `OUT_DIR/communes.geojson` (commune polygons with coverage figures
//! and percentages, for a choropleth), `OUT_DIR/gaps.geojson` (uncovered
//! regions per layer), `OUT_DIR/report.html` (interactive map and tables,
//! works offline) and `OUT_DIR/map.png` (choropleth of `--map-layer`, 4G by
//! default), and prints a per-district table.
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

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use telecov::engine::signal::{
    best_server_map, evaluate_signal, write_best_server_map, AntennaPattern, SignalOptions,
};
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
    /// Write best_server.geojson for this technology layer.
    #[arg(long)]
    best_server: Option<String>,
    /// Grid spacing of best_server.geojson, metres.
    #[arg(long, default_value_t = 200.0)]
    map_resolution_m: f64,
    /// Layer of map.png: 2G, 3G, 4G, 5G, mobile_broadband, fiber or wifi.
    #[arg(long, default_value = "4G")]
    map_layer: telecov::planning::Layer,
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
    let report =
        telecov::io::output::report_scenario(&scenario_dir, &out_dir, &Options::default())?;
    let elapsed = t0.elapsed();
    if args.map_layer != telecov::planning::Layer::G4 {
        // map.png of another layer than the default
        let scenario = telecov::io::load_scenario(&scenario_dir)?;
        telecov::io::write::write_map_png(
            out_dir.join("map.png"),
            &scenario,
            &report,
            args.map_layer,
            telecov::io::write::map_png::DEFAULT_WIDTH_PX,
        )?;
    }

    println!("scenario {}", scenario_dir.display());
    print!("{}", telecov::io::output::summary_table(&report));
    if !report.warnings.is_empty() {
        println!("{} warning(s); the first:", report.warnings.len());
        for w in report.warnings.iter().take(5) {
            println!("  - {w}");
        }
    }
    println!(
        "loaded, evaluated and written in {:.1} ms: {}/report.json, report.html, map.png, communes.geojson, sites.geojson, gaps.geojson",
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
            telecov::io::output::write_atomic(&out_dir.join("signal.json"), &text)?;
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
    Ok(())
}
