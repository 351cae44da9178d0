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
//! re-runs the report on that scenario, prints claimed against measured
//! coverage and writes `OUT_DIR/report.html`: that report's map (first
//! targeted layer shown first) with the proposals in their own colour over
//! the gaps of the input.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use telecov::model::{SiteRange, TechSet, Technology};
use telecov::planning::{self, PlanOptions, Target};

#[derive(Parser)]
#[command(about = "Propose sites, wifi points and fibre to reach coverage targets")]
struct Args {
    /// Scenario directory (default: the bundled demo city, data/demo).
    scenario: Option<PathBuf>,
    /// Output directory (default: out/plan-<scenario folder name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A target, LAYER=PCT or LAYER=PCT@total (repeatable).
    #[arg(long = "target", required = true)]
    targets: Vec<Target>,
    /// Largest number of new sites.
    #[arg(long)]
    max_sites: Option<usize>,
    /// Candidate site locations (GeoJSON Points) instead of drawing them
    /// from the uncovered demand.
    #[arg(long)]
    candidates: Option<PathBuf>,
    /// Technologies of new sites, comma-separated (default 3G,4G).
    #[arg(long, value_delimiter = ',')]
    tech: Vec<Technology>,
    /// Range of new sites, metres (default: link budget or [ranges_m]).
    #[arg(long)]
    range_m: Option<f64>,
    /// Antenna height of new sites, metres (default 30).
    #[arg(long)]
    height_m: Option<f64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
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
        PathBuf::from("out").join(format!("plan-{name}"))
    });
    if let (Ok(a), Ok(b)) = (scenario_dir.canonicalize(), out_dir.canonicalize()) {
        if a == b {
            return Err("the output directory is the scenario directory; write elsewhere".into());
        }
    }
    let mut options = PlanOptions {
        targets: args.targets,
        max_sites: args.max_sites,
        ..PlanOptions::default()
    };
    if !args.tech.is_empty() {
        options.template.technologies = args.tech.iter().copied().collect::<TechSet>();
    }
    if let Some(r) = args.range_m {
        options.template.range_m = SiteRange::All(r);
    }
    if let Some(h) = args.height_m {
        options.template.height_m = h;
    }
    if let Some(path) = &args.candidates {
        options.candidates = Some(planning::read_candidates(path)?);
    }

    let t0 = Instant::now();
    let scenario = telecov::io::load_scenario(&scenario_dir)?;
    let t_load = t0.elapsed();
    let t1 = Instant::now();
    let plan = planning::plan(&scenario, &options)?;
    let t_plan = t1.elapsed();
    planning::output::write_plan(&out_dir, &scenario, &plan)?;

    println!("scenario {}", scenario_dir.display());
    println!(
        "loaded in {:.2} s; report, gaps and plan in {:.2} s",
        t_load.as_secs_f64(),
        t_plan.as_secs_f64()
    );
    println!(
        "gaps: {} regions over {} layers",
        plan.gaps.gaps.len(),
        planning::Layer::ALL.len()
    );
    println!(
        "proposed: {} sites, {} wifi points, {} fibre segments ({:.1} km)",
        plan.sites.len(),
        plan.wifi.len(),
        plan.fiber.len(),
        plan.fiber.iter().fold(0.0, |km, f| km + f.length_km)
    );
    for c in &plan.claims {
        println!(
            "  {:<17} {:>8.3} % -> {:>8.3} % (whole scenario); communes meeting the target {} -> {}",
            c.layer.as_str(),
            c.before_pct,
            c.after_pct,
            c.communes_meeting.0,
            c.communes_meeting.1
        );
    }
    if plan.curve.len() > 1 {
        let n = plan.curve.len() - 1;
        println!(
            "coverage curve ({} points, every {}th shown):",
            n + 1,
            (n / 10).max(1)
        );
        for p in plan
            .curve
            .iter()
            .step_by((n / 10).max(1))
            .chain(plan.curve.last())
        {
            let v: Vec<String> = p.pct.iter().map(|(l, x)| format!("{l} {x:.3} %")).collect();
            println!(
                "  {:>6} sites: {}; communes meeting {}",
                p.sites,
                v.join(", "),
                p.communes_meeting_targets
            );
        }
    }
    for n in &plan.notes {
        println!("note: {n}");
    }

    // check the claim: the report of the written scenario with the plan
    let t2 = Instant::now();
    let with_plan = telecov::io::load_scenario(out_dir.join("scenario_with_plan"))?;
    let rerun = telecov::evaluate(&with_plan)?;
    println!(
        "re-run of scenario_with_plan in {:.2} s:",
        t2.elapsed().as_secs_f64()
    );
    for (layer, claimed, measured, worst) in plan.check(&rerun) {
        println!(
            "  {:<17} claimed {:>8.3} %, measured {:>8.3} % (difference {:+.4} pp; worst commune {:.3} pp)",
            layer.as_str(),
            claimed,
            measured,
            measured - claimed,
            worst
        );
    }
    // the page of the scenario with the plan, proposals in their own
    // colour, over the gaps they were chosen for
    let html_options = telecov::io::write::html::HtmlOptions {
        title: format!("telecov plan for {}", scenario_dir.display()),
        layer: plan.claims.first().map_or(planning::Layer::G4, |c| c.layer),
        proposals: Some(telecov::io::write::html::Proposals {
            sites_from: scenario.sites.len(),
            wifi_from: scenario.wifi.len(),
            fiber_from: scenario.fiber.len(),
        }),
    };
    telecov::io::write::html::write_report_html_with(
        out_dir.join("report.html"),
        &with_plan,
        &rerun,
        Some(&plan.gaps),
        &html_options,
    )?;
    println!(
        "written to {} (report.html: the scenario with the plan)",
        out_dir.display()
    );
    Ok(())
}
