//! `telecov coverage` (and the `coverage` example): the report of a
//! scenario with every map and table.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{default_out, on_pool, scenario_or_demo, Tech};
use crate::engine::raster::signal_raster;
use crate::engine::signal::{best_server_map, evaluate_signal, AntennaPattern, SignalOptions};
use crate::io::write::{write_best_server_map, write_signal_rasters};
use crate::model::{Layer, Technology};
use crate::Options;

/// `telecov coverage`: the report, every map and table of a scenario.
#[derive(Debug, Clone, Args)]
pub struct CoverageArgs {
    /// Scenario directory (default: the bundled demo city, data/demo).
    pub scenario: Option<PathBuf>,
    /// Output directory (default: out/NAME, NAME being the scenario folder's name).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Flush every file to disk before moving it into place, so that the
    /// files survive a power cut once the command has returned (slower by
    /// the wait for the disk). By default the system writes them in its
    /// own time; every file is complete and moved into place atomically
    /// either way.
    #[arg(long)]
    pub sync: bool,
    /// Print the wall time of each stage (load, with the terrain cache
    /// read beside the files; evaluate, schools, access, gaps, scorecard,
    /// pictures, each file) to standard error.
    #[arg(long)]
    pub timings: bool,
    /// Also run the signal-level mode and write signal.json.
    #[arg(long)]
    pub signal: bool,
    /// Also run the capacity study (busy-hour load per sector, throughput per
    /// resident; `[capacity]` of scenario.toml) and write capacity.json and
    /// sectors.geojson.
    #[arg(long)]
    pub capacity: bool,
    /// Sector antenna pattern in signal-level mode.
    #[arg(long, value_enum, default_value = "3gpp")]
    pub pattern: Pattern,
    /// Level thresholds for signal.json, dBm (repeatable; default −90, −80, −70).
    #[arg(long = "threshold-dbm", allow_hyphen_values = true)]
    pub thresholds_dbm: Vec<f64>,
    /// Technology layer whose SINR is computed (2G, 3G, 4G or 5G).
    #[arg(long)]
    pub sinr: Option<Tech>,
    /// Share of time interfering cells transmit, in (0, 1].
    #[arg(long, default_value_t = 1.0)]
    pub interferer_load: f64,
    /// Write the GeoTIFF rasters (level, SINR, serving site) of this
    /// technology layer: signal_level_TECH.tif, sinr_TECH.tif (when TECH is
    /// the --sinr layer), best_server_TECH.tif and best_server_TECH_sites.csv.
    #[arg(long)]
    pub best_server: Option<Tech>,
    /// Pixel size of the rasters (and grid spacing of best_server.geojson), metres.
    #[arg(long, default_value_t = 200.0)]
    pub map_resolution_m: f64,
    /// With --best-server, also write best_server.geojson (one point per cell).
    #[arg(long)]
    pub best_server_points: bool,
    /// Layer of map.png: 2G, 3G, 4G, 5G, mobile_broadband, fiber (or
    /// fibre) or wifi.
    #[arg(long, default_value = "4G")]
    pub map_layer: Layer,
    /// Folder of the terrain footprint cache (default: OUT/.telecov-cache).
    #[arg(long, value_name = "DIR")]
    pub terrain_cache: Option<PathBuf>,
    /// Use no terrain footprint cache (compute every footprint).
    #[arg(long, conflicts_with = "terrain_cache")]
    pub no_terrain_cache: bool,
}

/// Sector antenna pattern of the signal-level mode.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Pattern {
    /// 3GPP horizontal pattern, 12·(φ/φ3dB)² capped at the front-to-back ratio.
    #[value(name = "3gpp")]
    ThreeGpp,
    /// The range mode's wedge.
    HardWedge,
}

/// Runs `telecov coverage`.
pub fn run(args: CoverageArgs) -> Result<(), Box<dyn std::error::Error>> {
    on_pool(args.threads, args, run_on_pool)
}

/// [`run`], on a thread of the pool.
fn run_on_pool(args: CoverageArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    crate::io::write::set_sync_to_disk(args.sync);
    let scenario_dir = scenario_or_demo(args.scenario.clone())?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&scenario_dir, ""));
    let t0 = Instant::now();
    let cache = (!args.no_terrain_cache).then(|| {
        args.terrain_cache
            .clone()
            .unwrap_or_else(|| out_dir.join(crate::io::footprint_cache::CACHE_DIR))
    });
    let (report, scenario) = crate::report_scenario_keeping(
        &scenario_dir,
        &out_dir,
        &Options::default(),
        cache.as_deref(),
        &|name, took| {
            if args.timings {
                eprintln!("  {name:<18} {:>10.1} ms", took.as_secs_f64() * 1e3);
            }
        },
    )?;
    if args.map_layer != Layer::G4 {
        // map.png of another layer than the default
        crate::io::write::write_map_png(
            out_dir.join("map.png"),
            &scenario,
            &report,
            args.map_layer,
            crate::io::write::map_png::DEFAULT_WIDTH_PX,
        )?;
    }
    let elapsed = t0.elapsed();
    // released by the process's exit, not freed footprint by footprint
    // (thousands of terrain footprints take milliseconds to free)
    std::mem::forget(scenario);

    println!("scenario {}", scenario_dir.display());
    print!("{}", crate::io::write::summary_table(&report));
    if !report.warnings.is_empty() {
        println!("{} warning(s); the first:", report.warnings.len());
        for w in report.warnings.iter().take(5) {
            println!("  - {w}");
        }
    }
    println!(
        "loaded, evaluated and written in {:.1} ms: {}/{}",
        elapsed.as_secs_f64() * 1e3,
        out_dir.display(),
        crate::OUTPUT_FILES.join(", ")
    );

    if args.capacity {
        capacity(&args, &scenario_dir, &out_dir)?;
    }
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
            sinr_technology: args.sinr.map(Technology::from),
            interferer_load: args.interferer_load,
            ..SignalOptions::default()
        };
        let best_server = args.best_server.map(Technology::from);
        let scenario = crate::io::load_scenario(&scenario_dir)?;
        if args.signal {
            let t0 = Instant::now();
            let signal = evaluate_signal(&scenario, &options)?;
            let elapsed = t0.elapsed();
            let text = serde_json::to_vec_pretty(&signal)?;
            crate::io::write::write_atomic(&out_dir.join("signal.json"), &text)?;
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

/// `--capacity`: the capacity study, its files and a summary.
fn capacity(
    args: &CoverageArgs,
    scenario_dir: &std::path::Path,
    out_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let options = SignalOptions {
        pattern: match args.pattern {
            Pattern::ThreeGpp => AntennaPattern::ThreeGpp,
            Pattern::HardWedge => AntennaPattern::HardWedge,
        },
        interferer_load: args.interferer_load,
        ..SignalOptions::default()
    };
    let scenario = crate::io::load_scenario(scenario_dir)?;
    let t0 = Instant::now();
    let report = crate::engine::capacity::evaluate_capacity(&scenario, &options)?;
    let computed = t0.elapsed();
    crate::io::write::write_capacity(out_dir, &scenario, &report)?;
    let t = &report.totals;
    let overloaded: Vec<_> = report
        .sectors
        .iter()
        .filter(|s| s.utilisation.is_some_and(|u| u > 1.0))
        .collect();
    println!("capacity study (busy hour):");
    println!(
        "  {:.0} of {:.0} residents within capacity ({:.2} %), mean {:.2} Mbps, 10th percentile {:.2} Mbps per active user",
        t.people_within_capacity,
        t.people,
        t.pct_within_capacity.unwrap_or(f64::NAN),
        t.mean_user_throughput_mbps.unwrap_or(f64::NAN),
        t.p10_user_throughput_mbps.unwrap_or(f64::NAN),
    );
    println!(
        "  {} of {} sectors overloaded (utilisation > 1){}",
        overloaded.len(),
        report.sectors.len(),
        if overloaded.is_empty() {
            ""
        } else {
            "; the most loaded:"
        }
    );
    let mut worst = overloaded;
    worst.sort_by(|a, b| {
        b.utilisation
            .unwrap_or(0.0)
            .total_cmp(&a.utilisation.unwrap_or(0.0))
    });
    for s in worst.iter().take(5) {
        println!(
            "    site {} sector {} {}: load {:.1} / capacity {:.1} Mbps, utilisation {:.2}",
            s.site_id,
            s.sector.map_or("omni".to_owned(), |k| k.to_string()),
            s.technology,
            s.load_mbps,
            s.capacity_mbps.unwrap_or(f64::NAN),
            s.utilisation.unwrap_or(f64::NAN)
        );
    }
    println!(
        "  computed in {:.1} ms: {}/capacity.json, sectors.geojson",
        computed.as_secs_f64() * 1e3,
        out_dir.display()
    );
    Ok(())
}
