//! `telecov plan` (and the `plan` example): new infrastructure to reach
//! coverage targets.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{default_out, on_pool, scenario_or_demo, Tech};
use crate::model::{SiteRange, TechSet, Technology};
use crate::planning::{self, PlanOptions, PlanTarget, Target};

/// `telecov plan`: new sites, wifi points and fibre to reach targets.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Scenario directory (default: the bundled demo city, data/demo).
    pub scenario: Option<PathBuf>,
    /// Output directory (default: out/plan-NAME, NAME being the scenario folder's name).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A target, LAYER=PCT (every commune) or LAYER=PCT@total (the whole
    /// scenario), repeatable. LAYER: 2G, 3G, 4G, 5G, mobile_broadband (% of
    /// people), fiber (% of households; `fibre` accepted), wifi (% of
    /// communes holding a point). `capacity=PCT[@total]`: residents
    /// served within capacity by the busy-hour capacity study (carriers,
    /// then sites; `[capacity]`, `[costs]`).
    #[arg(long = "target", required = true)]
    pub targets: Vec<PlanTarget>,
    /// Largest number of new sites.
    #[arg(long)]
    pub max_sites: Option<usize>,
    /// Candidate site locations (GeoJSON Points) instead of drawing them
    /// from the uncovered demand.
    #[arg(long)]
    pub candidates: Option<PathBuf>,
    /// Technologies of new sites, comma-separated (default 3G,4G).
    #[arg(long, value_delimiter = ',')]
    pub tech: Vec<Tech>,
    /// Range of new sites, metres (default: link budget or the `[ranges_m]` table).
    #[arg(long)]
    pub range_m: Option<f64>,
    /// Antenna height of new sites, metres (default 30).
    #[arg(long)]
    pub height_m: Option<f64>,
    /// Most site-planning rounds, each measured by the report on the
    /// scenario with the sites so far (default 4).
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Subgradient steps of the bound on the optimality gap (default 30;
    /// more gives a tighter bound, at about one pass over the instance
    /// each).
    #[arg(long)]
    pub bound_iterations: Option<usize>,
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
    /// Folder of the terrain footprint cache (default: OUT/.telecov-cache).
    #[arg(long, value_name = "DIR")]
    pub terrain_cache: Option<PathBuf>,
    /// Use no terrain footprint cache (compute every footprint).
    #[arg(long, conflicts_with = "terrain_cache")]
    pub no_terrain_cache: bool,
}

/// Runs `telecov plan`.
pub fn run(args: PlanArgs) -> Result<(), Box<dyn std::error::Error>> {
    on_pool(args.threads, args, run_on_pool)
}

/// [`run`], on a thread of the pool.
fn run_on_pool(args: PlanArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    crate::io::write::set_sync_to_disk(args.sync);
    let scenario_dir = scenario_or_demo(args.scenario)?;
    let out_dir = args
        .out
        .unwrap_or_else(|| default_out(&scenario_dir, "plan-"));
    if let (Ok(a), Ok(b)) = (scenario_dir.canonicalize(), out_dir.canonicalize()) {
        if a == b {
            return Err("the output directory is the scenario directory; write elsewhere".into());
        }
    }
    // capacity targets apart: planned on top of the coverage plan
    let mut coverage_targets: Vec<Target> = Vec::new();
    let mut capacity_target = None;
    for t in &args.targets {
        match *t {
            PlanTarget::Coverage(t) => coverage_targets.push(t),
            PlanTarget::Capacity(_) if capacity_target.is_some() => {
                return Err("more than one capacity target".into())
            }
            PlanTarget::Capacity(t) => capacity_target = Some(t),
        }
    }
    let mut options = PlanOptions {
        targets: coverage_targets,
        max_sites: args.max_sites,
        ..PlanOptions::default()
    };
    if !args.tech.is_empty() {
        options.template.technologies = args
            .tech
            .iter()
            .map(|t| Technology::from(*t))
            .collect::<TechSet>();
    }
    if let Some(r) = args.range_m {
        options.template.range_m = SiteRange::All(r);
    }
    if let Some(h) = args.height_m {
        options.template.height_m = h;
    }
    if let Some(r) = args.rounds {
        options.rounds = r;
    }
    if let Some(n) = args.bound_iterations {
        options.bound.max_iterations = n;
    }
    let t0 = Instant::now();
    let scenario = crate::io::load_scenario(&scenario_dir)?;
    if let Some(path) = &args.candidates {
        // in the scenario's CRS, as its own files
        let crs = scenario.parameters.crs.as_deref();
        options.candidates = Some(crate::io::read_candidates(path, crs)?);
    }
    // terrain: footprints of earlier runs (existing sites are not
    // recomputed), and those this plan computes kept for the next
    use crate::io::footprint_cache as fpc;
    let cache = (!args.no_terrain_cache).then(|| {
        args.terrain_cache
            .clone()
            .unwrap_or_else(|| out_dir.join(fpc::CACHE_DIR))
    });
    fpc::load_for_scenario(cache.as_deref(), &scenario)?;
    let t_load = t0.elapsed();
    let t1 = Instant::now();
    let mut plan = planning::plan(&scenario, &options)?;
    let t_plan = t1.elapsed();
    // capacity: carriers and sites on the scenario with the coverage plan
    let t_capacity = Instant::now();
    let capacity = match capacity_target {
        None => None,
        Some(target) => {
            let mut co = planning::CapacityPlanOptions::new(target);
            co.template = options.template.clone();
            co.max_sites = args.max_sites;
            if let Some(r) = args.rounds {
                co.rounds = r;
            }
            let cp = planning::plan_capacity(&plan.scenario_with_plan, &co)?;
            if !cp.sites.is_empty() {
                planning::remeasure_coverage_claims(
                    &mut plan,
                    &cp.scenario_with_plan,
                    &options.targets,
                    &options.gaps.engine,
                )?;
            } else {
                plan.scenario_with_plan = cp.scenario_with_plan.clone();
            }
            Some(cp)
        }
    };
    let t_capacity = t_capacity.elapsed();
    crate::io::write::write_plan_with(&out_dir, &scenario, &plan, capacity.as_ref())?;
    if scenario.terrain.is_some() {
        fpc::copy_terrain_input(&scenario_dir, &out_dir.join("scenario_with_plan"))?;
    }
    fpc::store_for_scenario(cache.as_deref(), &scenario)?;

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
    println!(
        "site rounds: {} (each measured by the report on the scenario with the plan); {} candidates in the first, {} refill draws",
        plan.rounds, plan.candidates, plan.refills
    );
    if let Some(o) = &plan.optimality {
        let ls = &o.local_search;
        println!(
            "local search ({}): {} -> {} sites{} ({} dropped, {} swaps, {} added, {:.2} s{})",
            o.form.as_str(),
            o.greedy_sites,
            if o.local_search_kept {
                ls.picks.len()
            } else {
                o.greedy_sites
            },
            if o.local_search_kept {
                ""
            } else {
                ", not kept: no measurable gain"
            },
            ls.dropped,
            ls.swaps,
            ls.added,
            ls.seconds,
            if ls.complete {
                ""
            } else {
                ", stopped by its limit"
            }
        );
        match (&o.bound, o.gap) {
            (Some(b), Some(gap)) => match o.form {
                planning::PlanForm::MinimumSites => println!(
                    "bound: at least {} sites on these candidates ({:?}, {:.2} s); optimality gap bound/sites = {:.4} (greedy alone {:.4})",
                    b.value,
                    b.method,
                    b.seconds,
                    gap,
                    o.greedy_gap.unwrap_or(gap)
                ),
                planning::PlanForm::Budget => println!(
                    "bound: at most {:.1} people towards the targets with {} sites ({:?}, {:.2} s); optimality gap covered/bound = {:.4} (greedy alone {:.4})",
                    b.value,
                    o.sites,
                    b.method,
                    b.seconds,
                    gap,
                    o.greedy_gap.unwrap_or(gap)
                ),
            },
            _ => println!("bound: none (targets out of reach of the candidates)"),
        }
    }
    for n in &plan.notes {
        println!("note: {n}");
    }
    for u in plan.unreached.iter().take(10) {
        println!(
            "  short: {} commune {} at {:.3} % of {} % ({})",
            u.layer,
            u.commune
                .map_or("(whole scenario)".to_owned(), |c| scenario.communes[c]
                    .id
                    .to_string()),
            u.covered_pct,
            u.target_pct,
            u.reason.as_str()
        );
    }
    if plan.unreached.len() > 10 {
        println!("  … {} more in plan.json", plan.unreached.len() - 10);
    }

    if let Some(cp) = &capacity {
        let (before, after) = cp.claim_pct();
        let (mb, ma) = cp.communes_meeting();
        println!(
            "capacity plan in {:.2} s ({} rounds): {} carriers on {} sectors, {} sites; residents within capacity {:.3} % -> {:.3} % (whole scenario); communes meeting the target {} -> {}",
            t_capacity.as_secs_f64(),
            cp.rounds,
            cp.carriers_added(),
            cp.carriers.len(),
            cp.sites.len(),
            before,
            after,
            mb,
            ma
        );
        for n in &cp.notes {
            println!("note: {n}");
        }
        for u in cp.short.iter().take(10) {
            println!(
                "  short: capacity commune {} at {:.3} % of {} % ({:.3} % unserved or in outage; {})",
                u.commune
                    .map_or("(whole scenario)".to_owned(), |c| scenario.communes[c]
                        .id
                        .to_string()),
                u.pct,
                cp.target.pct,
                u.unserved_pct,
                u.reason
            );
        }
        if cp.short.len() > 10 {
            println!("  … {} more in plan.json", cp.short.len() - 10);
        }
    }
    let cost = planning::plan_cost(&scenario.parameters.costs, &plan, capacity.as_ref());
    println!(
        "cost: {:.0} USD ({} carriers {:.0}, {} sites {:.0}, {} wifi points {:.0}, {:.2} km fibre {:.0}; [costs])",
        cost.total_usd,
        cost.carriers,
        cost.carriers_usd,
        cost.sites,
        cost.sites_usd,
        cost.wifi_points,
        cost.wifi_points_usd,
        cost.fiber_km,
        cost.fiber_usd
    );

    // check the claim: the report of the written scenario with the plan
    let t2 = Instant::now();
    let with_plan = crate::io::load_scenario(out_dir.join("scenario_with_plan"))?;
    fpc::load_for_scenario(cache.as_deref(), &with_plan)?;
    let rerun = crate::evaluate(&with_plan)?;
    fpc::store_for_scenario(cache.as_deref(), &with_plan)?;
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
    if let Some(cp) = &capacity {
        let study = crate::engine::capacity::evaluate_capacity(&with_plan, &Default::default())?;
        let (claimed, measured, worst) = cp.check(&study);
        println!(
            "  {:<17} claimed {:>8.3} %, measured {:>8.3} % (difference {:+.4} pp; worst commune {:.3} pp)",
            "capacity",
            claimed,
            measured,
            measured - claimed,
            worst
        );
    }
    crate::io::write::write_report(out_dir.join("report.json"), &rerun)?;
    // the page of the scenario with the plan, proposals in their own
    // colour, over the gaps they were chosen for
    let html_options = crate::io::write::html::HtmlOptions {
        title: format!("telecov plan for {}", scenario_dir.display()),
        layer: plan.claims.first().map_or(planning::Layer::G4, |c| c.layer),
        proposals: Some(crate::io::write::html::Proposals {
            sites_from: scenario.sites.len(),
            wifi_from: scenario.wifi.len(),
            fiber_from: scenario.fiber.len(),
        }),
        scorecard: None,
    };
    crate::io::write::html::write_report_html_with(
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
