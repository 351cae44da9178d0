//! The planning entry point: targets, templates, proposals.

use geo::Point;

use super::bound::{Bound, BoundOptions};
use super::cells::Uncovered;
use super::gaps::{gaps_of, GapMap, GapOptions};
use super::local_search::{Improvement, LocalSearchOptions};
use super::sites::RoundSpec;
use super::Layer;
use crate::model::{
    FeatureId, FiberRoute, RadioParams, Scenario, Site, SiteRange, TechSet, Technology, WifiPoint,
    DEFAULT_HEIGHT_M,
};
use crate::report::Report;
use crate::{Error, Options, Result};

/// Whose share a target is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every commune must reach the share on its own.
    EachCommune,
    /// The whole scenario (sum over communes) must reach it.
    Total,
}

/// A coverage target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The layer.
    pub layer: Layer,
    /// The share to reach, percent: of people for mobile layers, of
    /// households for fibre, of communes holding at least one wifi point
    /// for wifi.
    pub pct: f64,
    /// Per commune or for the whole scenario (wifi: always the share of
    /// communes).
    pub scope: Scope,
}

impl std::str::FromStr for Target {
    type Err = String;

    /// Parses `LAYER=PCT` (every commune) or `LAYER=PCT@total` (the whole
    /// scenario), e.g. `4G=99`, `mobile_broadband=100@total`, `wifi=100`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let (layer, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("target {s:?}: expected LAYER=PCT, e.g. 4G=99"))?;
        let layer: Layer = layer.parse()?;
        let (pct, scope) = share_and_scope(s, rest)?;
        Ok(Target { layer, pct, scope })
    }
}

/// The `PCT` or `PCT@total` after the `=` of target `s`: a share in
/// [0, 100] (a trailing `%` allowed) and its scope.
pub(crate) fn share_and_scope(s: &str, rest: &str) -> std::result::Result<(f64, Scope), String> {
    let (pct, scope) = match rest.split_once('@') {
        None => (rest, Scope::EachCommune),
        Some((p, "total" | "city")) => (p, Scope::Total),
        Some((_, other)) => {
            return Err(format!(
                "target {s:?}: unknown scope {other:?} (expected @total)"
            ))
        }
    };
    let pct: f64 = pct
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("target {s:?}: {pct:?} is not a number"))?;
    if !(0.0..=100.0).contains(&pct) {
        return Err(format!("target {s:?}: the share must lie in [0, 100]"));
    }
    Ok((pct, scope))
}

/// What a new site looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteTemplate {
    /// Technologies of the new site (default 3G + 4G).
    pub technologies: TechSet,
    /// Antenna height, metres (default 30).
    pub height_m: f64,
    /// Range (default: unset, so the link budget when `radio.tx_power_dbm`
    /// is set, else the scenario's `[ranges_m]`).
    pub range_m: SiteRange,
    /// Radio parameters for link-budget ranges.
    pub radio: RadioParams,
    /// Operator written on proposals.
    pub operator: Option<String>,
}

impl Default for SiteTemplate {
    fn default() -> Self {
        SiteTemplate {
            technologies: [Technology::G3, Technology::G4].into_iter().collect(),
            height_m: DEFAULT_HEIGHT_M,
            range_m: SiteRange::Unset,
            radio: RadioParams::default(),
            operator: None,
        }
    }
}

/// Planning options.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// The targets (at most one per layer and scope).
    pub targets: Vec<Target>,
    /// New sites.
    pub template: SiteTemplate,
    /// Largest number of new sites (default: no limit but
    /// [`PlanOptions::MAX_SITES`]).
    pub max_sites: Option<usize>,
    /// Largest number of candidate locations drawn from the uncovered
    /// demand (default 20,000): demand is gathered in square blocks of half
    /// the template's shortest range, widened until the count fits.
    pub max_candidates: usize,
    /// Candidate locations given by the planner (WGS 84) instead of the
    /// ones drawn from demand.
    pub candidates: Option<Vec<Point<f64>>>,
    /// Largest number of new fibre segments (default 100,000).
    pub max_fiber_segments: usize,
    /// Engine and gap-map options.
    pub gaps: GapOptions,
    /// Most site-planning rounds (default 4, at least 1): after each, the
    /// report is measured on the scenario with the sites so far, and the
    /// next round plans for what it still misses.
    pub rounds: usize,
    /// Settings of the bound on the first round's instance (default: 30
    /// subgradient steps, the LP for instances of at most 2,000 coverage
    /// entries).
    pub bound: BoundOptions,
    /// Limits of the local search after the first round's greedy (default:
    /// 300,000 evaluations, 2-for-1 swaps of neighbouring sites only).
    pub local_search: LocalSearchOptions,
}

impl PlanOptions {
    /// Hard limit on new sites and candidates: larger requests are refused.
    pub const MAX_SITES: usize = 1_000_000;
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            targets: Vec::new(),
            template: SiteTemplate::default(),
            max_sites: None,
            max_candidates: 20_000,
            candidates: None,
            max_fiber_segments: 100_000,
            gaps: GapOptions::default(),
            rounds: 4,
            bound: BoundOptions {
                max_iterations: 30,
                ..BoundOptions::default()
            },
            local_search: LocalSearchOptions {
                max_evaluations: 300_000,
                neighbour_pairs_only: true,
                ..LocalSearchOptions::default()
            },
        }
    }
}

/// A proposed site.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedSite {
    /// The site as it is added to the scenario.
    pub site: Site,
    /// Order of choice, 1 = first.
    pub order: usize,
    /// Range used per technology, metres (`Technology::index` order).
    pub range_m: [Option<f64>; 4],
    /// People newly covered, per targeted mobile layer.
    pub people_gained: Vec<(Layer, f64)>,
    /// Gain counted towards the targets (people, capped at each target).
    pub objective_gain: f64,
    /// Coverage of the whole scenario after this site, percent, per
    /// targeted mobile layer.
    pub cumulative_pct: Vec<(Layer, f64)>,
    /// Commune holding the site (index), if any.
    pub commune: Option<usize>,
}

/// A proposed wifi point.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedWifi {
    /// The point as it is added to the scenario.
    pub point: WifiPoint,
    /// The commune it serves (index).
    pub commune: usize,
    /// People newly within reach.
    pub people_gained: f64,
}

/// A proposed fibre segment.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedFiber {
    /// The segment as a route added to the scenario.
    pub route: FiberRoute,
    /// Length on the ground, km.
    pub length_km: f64,
    /// Households newly passed.
    pub households_gained: f64,
    /// The commune whose target the segment serves (index).
    pub commune: usize,
}

/// One point of the coverage-versus-sites curve.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    /// Number of new sites.
    pub sites: usize,
    /// Coverage of the whole scenario per targeted mobile layer, percent.
    pub pct: Vec<(Layer, f64)>,
    /// Communes meeting every mobile target: each per-commune target in
    /// the commune, and each whole-scenario (`@total`) target overall.
    pub communes_meeting_targets: usize,
}

/// The coverage a plan claims for one targeted layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The layer.
    pub layer: Layer,
    /// Covered people per commune before (households for fibre).
    pub before: Vec<f64>,
    /// Covered people per commune with the plan (households for fibre).
    pub after: Vec<f64>,
    /// The whole scenario before, percent (wifi: share of communes with a
    /// point).
    pub before_pct: f64,
    /// The whole scenario with the plan, percent.
    pub after_pct: f64,
    /// Communes reaching the target before and with the plan.
    pub communes_meeting: (usize, usize),
}

/// Which question the site planner answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanForm {
    /// Reach every target with the fewest sites (no `max_sites`).
    MinimumSites,
    /// Cover the most people towards the targets with at most `max_sites`.
    Budget,
}

impl PlanForm {
    /// `minimum_sites` or `budget`, as written in `plan.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanForm::MinimumSites => "minimum_sites",
            PlanForm::Budget => "budget",
        }
    }
}

/// How far the first round's sites are from the best possible on the same
/// candidates (the instance the greedy solved: its demand units, split
/// where candidates' reaches cut them, and its candidates, refills
/// included).
///
/// Minimum-sites form: the sites must reach, commune by commune, what the
/// greedy reached (its targets where it met them); the bound is a lower
/// bound on the fewest sites doing so, and `gap = bound / sites`. Budget
/// form: the bound is an upper bound on the people (capped at the targets)
/// any `max_sites` sites cover, and `gap = covered / bound`. Either way
/// `gap` is in `[0, 1]` and `1` proves the sites optimal on this instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimality {
    /// The form.
    pub form: PlanForm,
    /// Candidates of the instance.
    pub candidates: usize,
    /// Demand units of the instance: the pieces of the uncovered cells
    /// (or points) told apart by the candidates reaching them, those of the
    /// same group reached by the same candidates counted as one.
    pub units: usize,
    /// Sites the greedy chose.
    pub greedy_sites: usize,
    /// People (capped at the targets) the greedy's sites cover.
    pub greedy_value: f64,
    /// Sites kept (after the local search when it did measurably better).
    pub sites: usize,
    /// People (capped) the kept sites cover.
    pub value: f64,
    /// What the local search did.
    pub local_search: Improvement,
    /// Whether its result was kept: fewer sites for the same coverage
    /// (minimum-sites form), more coverage (budget form).
    pub local_search_kept: bool,
    /// The bound (`None`: not found, e.g. caps out of reach).
    pub bound: Option<Bound>,
    /// [`super::optimality_gap`] of the greedy's own sites.
    pub greedy_gap: Option<f64>,
    /// [`super::optimality_gap`] of the kept sites.
    pub gap: Option<f64>,
}

/// Why a commune stays below a target after planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnreachedReason {
    /// The site budget (`max_sites`) is spent.
    SiteBudget,
    /// The planner's candidate locations (a file) gain nothing more.
    CandidateFile,
    /// No location reaches its missing people (a commune without usable
    /// geometry, a template without range for the layer, a wifi or fibre
    /// target left short).
    OutOfReach,
    /// Still short after the last round (`rounds`).
    Rounds,
}

impl UnreachedReason {
    /// `max_sites`, `candidates_file`, `out_of_reach` or `rounds`, as
    /// written in `plan.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnreachedReason::SiteBudget => "max_sites",
            UnreachedReason::CandidateFile => "candidates_file",
            UnreachedReason::OutOfReach => "out_of_reach",
            UnreachedReason::Rounds => "rounds",
        }
    }
}

/// A commune (or the whole scenario) below a mobile target after planning,
/// as the report of the scenario with the plan measures it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreached {
    /// The target's layer.
    pub layer: Layer,
    /// The commune (index; `None`: a whole-scenario target).
    pub commune: Option<usize>,
    /// Measured coverage, percent.
    pub covered_pct: f64,
    /// The target, percent.
    pub target_pct: f64,
    /// Why.
    pub reason: UnreachedReason,
}

/// The result of [`plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The report of the input scenario.
    pub report: Report,
    /// Its gaps.
    pub gaps: GapMap,
    /// New sites, in order of choice.
    pub sites: Vec<ProposedSite>,
    /// New wifi points.
    pub wifi: Vec<ProposedWifi>,
    /// New fibre segments.
    pub fiber: Vec<ProposedFiber>,
    /// Coverage against the number of new sites (first point: none).
    pub curve: Vec<CurvePoint>,
    /// What the plan claims per targeted layer.
    pub claims: Vec<Claim>,
    /// The input scenario with every proposal added.
    pub scenario_with_plan: Scenario,
    /// The report measured on [`Plan::scenario_with_plan`]: the claims'
    /// figures are this report's.
    pub report_with_plan: Report,
    /// Site-planning rounds run (each measured by the report).
    pub rounds: usize,
    /// Candidate locations drawn in the first round, refills included.
    pub candidates: usize,
    /// Refill draws in all rounds.
    pub refills: usize,
    /// Mobile targets still missed, per commune, with the reason.
    pub unreached: Vec<Unreached>,
    /// The first round's sites against the bound (`None`: no sites
    /// planned).
    pub optimality: Option<Optimality>,
    /// Notes (targets not reached and why).
    pub notes: Vec<String>,
}

/// The figure of `layer` a claim is about for one commune of a report.
pub fn claimed_figure(report: &Report, c: usize, layer: Layer) -> f64 {
    let row = &report.communes[c];
    match layer {
        Layer::Fiber => row.households_fiber_passed,
        Layer::Wifi => row.population_wifi_covered,
        l => row.covered_population(l),
    }
}

impl Plan {
    /// Compares each claim with a report of [`Plan::scenario_with_plan`]:
    /// per claimed layer, `(layer, claimed pct, measured pct, largest
    /// commune difference in percentage points)`. Wifi is compared on the
    /// people within reach.
    pub fn check(&self, rerun: &Report) -> Vec<(Layer, f64, f64, f64)> {
        self.claims
            .iter()
            .map(|cl| {
                let whole = |c: usize| {
                    if cl.layer == Layer::Fiber {
                        rerun.communes[c].households
                    } else {
                        rerun.communes[c].population
                    }
                };
                let total: f64 = (0..rerun.communes.len()).map(whole).sum();
                let measured: f64 = (0..rerun.communes.len())
                    .map(|c| claimed_figure(rerun, c, cl.layer))
                    .sum();
                let claimed: f64 = cl.after.iter().sum();
                let worst = (0..rerun.communes.len())
                    .map(|c| {
                        crate::report::pct(
                            (claimed_figure(rerun, c, cl.layer) - cl.after[c]).abs(),
                            whole(c),
                        )
                    })
                    .fold(0.0, f64::max);
                (
                    cl.layer,
                    crate::report::pct(claimed, total),
                    crate::report::pct(measured, total),
                    worst,
                )
            })
            .collect()
    }
}

/// The one place new sites are built from a template.
pub(crate) fn new_site(id: FeatureId, template: &SiteTemplate, location: Point<f64>) -> Site {
    Site {
        id,
        operator: template.operator.clone(),
        technologies: template.technologies,
        height_m: template.height_m,
        range_m: template.range_m,
        sectors: Vec::new(),
        radio: template.radio,
        location,
    }
}

/// A point of planning's continuous longitudes back in [−180, 180].
pub(crate) fn wrapped_point(p: Point<f64>) -> Point<f64> {
    Point::new(crate::engine::probe::wrapped(p.x()), p.y())
}

/// An id `prefix-N` not used by `taken` (keys of existing ids).
pub(crate) fn fresh_id(
    prefix: &str,
    n: usize,
    taken: &std::collections::HashSet<String>,
) -> FeatureId {
    let mut s = format!("{prefix}-{n:05}");
    while taken.contains(&s) {
        s.push('x');
    }
    FeatureId::Str(s)
}

/// Plans new infrastructure for `scenario` to reach `options.targets`,
/// keeping every existing feature: sites by greedy maximum coverage (CELF)
/// for the mobile targets, one wifi point in each commune needed for the
/// wifi target, fibre segments for the fibre targets.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use telecov::model::*;
/// use telecov::planning::{plan, PlanOptions};
///
/// let commune = Commune {
///     id: FeatureId::Int(1), name: Some("A".into()), district: None, kind: None,
///     population: Some(5000.0), households: Some(1200.0),
///     geometry: Some(MultiPolygon(vec![polygon![
///         (x: 105.77, y: 10.02), (x: 105.80, y: 10.02), (x: 105.80, y: 10.05),
///         (x: 105.77, y: 10.05), (x: 105.77, y: 10.02),
///     ]])),
/// };
/// let mut scenario = Scenario { communes: vec![commune], ..Scenario::default() };
/// scenario.parameters.resolution_m = 100.0;
/// let options = PlanOptions {
///     targets: vec!["4G=90".parse().unwrap(), "wifi=100".parse().unwrap()],
///     ..PlanOptions::default()
/// };
/// let plan = plan(&scenario, &options)?;
/// assert!(!plan.sites.is_empty() && plan.wifi.len() == 1);
/// // the claim holds when the report is run again with the proposals
/// let rerun = telecov::evaluate(&plan.scenario_with_plan)?;
/// for (layer, claimed, measured, _) in plan.check(&rerun) {
///     assert!((claimed - measured).abs() < 0.5, "{layer}: {claimed} vs {measured}");
/// }
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn plan(scenario: &Scenario, options: &PlanOptions) -> Result<Plan> {
    validate(options)?;
    let engine: Options = options.gaps.engine;
    let report = crate::report::measure(scenario, &engine, None)?;
    // around 180°, planning works in the engine's continuous longitudes
    // (0..360) and moves what it proposes back to [−180, 180]
    let original = scenario;
    let unwrapped = crate::engine::probe::unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let gaps = gaps_of(scenario, &report, &options.gaps)?;
    let layers: Vec<Layer> = options.targets.iter().map(|t| t.layer).collect();
    let uncovered = Uncovered::measure(scenario, &report, &engine, &layers)?;
    let mut taken: std::collections::HashSet<String> = scenario
        .sites
        .iter()
        .map(|s| s.id.key())
        .chain(scenario.wifi.iter().map(|w| w.id.key()))
        .chain(scenario.fiber.iter().map(|f| f.id.key()))
        .collect();
    let mut notes = Vec::new();

    let mobile: Vec<Target> = options
        .targets
        .iter()
        .copied()
        .filter(|t| t.layer.is_mobile())
        .collect();
    let mobile_layers: Vec<Layer> = mobile.iter().map(|t| t.layer).collect();
    let budget_total = options.max_sites.unwrap_or(PlanOptions::MAX_SITES);
    let first = super::sites::plan_sites(
        scenario,
        &report,
        &uncovered,
        &mobile,
        options,
        &taken,
        &RoundSpec {
            first_order: 0,
            budget: budget_total,
            improve: true,
        },
    )?;
    for s in &first.sites {
        taken.insert(s.site.id.key());
    }
    let mut sites = first.sites;
    let mut curve = first.curve;
    let optimality = first.optimality;
    let candidates = first.candidates;
    let mut refills = first.refills;
    let mut budget_hit = first.budget_hit;
    let mut stuck = first.stuck;
    let mut rounds = usize::from(!mobile.is_empty());
    // the planner's own locations: each is built once, so later rounds
    // draw from those not yet used (by their index in the list)
    let mut unused: Vec<usize> = (0..options.candidates.as_ref().map_or(0, |c| c.len())).collect();
    let mark_used = |unused: &mut Vec<usize>, picked: &[usize]| {
        let taken: std::collections::HashSet<usize> = picked.iter().map(|&k| unused[k]).collect();
        unused.retain(|k| !taken.contains(k));
    };
    if options.candidates.is_some() {
        mark_used(&mut unused, &first.picked);
    }

    let mut wifi = Vec::new();
    let mut wifi_claim = None;
    if let Some(t) = options.targets.iter().find(|t| t.layer == Layer::Wifi) {
        let (w, claim) =
            super::wifi::plan_wifi(scenario, &report, &uncovered, t.pct, &engine, &taken)?;
        for p in &w {
            taken.insert(p.point.id.key());
        }
        wifi = w;
        wifi_claim = Some(claim);
    }
    let mut fiber = Vec::new();
    if let Some(t) = options.targets.iter().find(|t| t.layer == Layer::Fiber) {
        let (f, _claim, note) = super::fiber::plan_fiber(
            scenario,
            &report,
            &uncovered,
            t,
            options.max_fiber_segments,
            &taken,
        )?;
        fiber = f;
        notes.extend(note);
    }
    drop(uncovered);
    let build = |sites: &[ProposedSite]| {
        let mut with_plan = original.clone();
        with_plan.sites.extend(sites.iter().map(|s| s.site.clone()));
        with_plan.wifi.extend(wifi.iter().map(|w| w.point.clone()));
        with_plan
            .fiber
            .extend(fiber.iter().map(|f| f.route.clone()));
        with_plan.warnings.clear();
        with_plan
    };
    let mut with_plan = build(&sites);
    // the claims are the report's own figures on the scenario with the plan
    let mut measured = crate::report::measure(&with_plan, &engine, None)?;
    // more rounds while a commune measured short can still gain
    while rounds > 0 && rounds < options.rounds.max(1) && !budget_hit {
        let short = short_communes(&measured, &mobile);
        if short.iter().all(|s| s.is_empty()) {
            break;
        }
        let total_short = mobile
            .iter()
            .zip(&short)
            .any(|(t, s)| t.scope == Scope::Total && !s.is_empty());
        let mut only = vec![false; measured.communes.len()];
        for s in &short {
            for &c in s {
                only[c] = true;
            }
        }
        let unwrapped = crate::engine::probe::unwrapped(&with_plan);
        let here = unwrapped.as_ref().unwrap_or(&with_plan);
        let uncovered = Uncovered::measure_communes(
            here,
            &measured,
            &engine,
            &mobile_layers,
            (!total_short).then_some(only.as_slice()),
        )?;
        let round_options;
        let round_options = match &options.candidates {
            Some(all) => {
                round_options = PlanOptions {
                    candidates: Some(unused.iter().map(|&k| all[k]).collect()),
                    ..options.clone()
                };
                &round_options
            }
            None => options,
        };
        let more = super::sites::plan_sites(
            here,
            &measured,
            &uncovered,
            &mobile,
            round_options,
            &taken,
            &RoundSpec {
                first_order: sites.len(),
                budget: budget_total - sites.len(),
                improve: false,
            },
        )?;
        drop(uncovered);
        rounds += 1;
        refills += more.refills;
        budget_hit = more.budget_hit;
        stuck = more.stuck;
        if options.candidates.is_some() {
            mark_used(&mut unused, &more.picked);
        }
        if more.sites.is_empty() {
            break;
        }
        for s in &more.sites {
            taken.insert(s.site.id.key());
        }
        sites.extend(more.sites);
        curve.extend(more.curve);
        with_plan = build(&sites);
        measured = crate::report::measure(&with_plan, &engine, None)?;
    }

    // per-commune reasons for what stays short
    let mut unreached = Vec::new();
    for ((t, short), stuck) in mobile
        .iter()
        .zip(short_communes(&measured, &mobile))
        .zip(&stuck)
    {
        for c in short {
            let reason = if budget_hit {
                UnreachedReason::SiteBudget
            } else if options.candidates.is_some() {
                UnreachedReason::CandidateFile
            } else if stuck.contains(&if t.scope == Scope::Total { 0 } else { c }) {
                UnreachedReason::OutOfReach
            } else {
                UnreachedReason::Rounds
            };
            let (covered, whole) = match t.scope {
                Scope::EachCommune => (
                    claimed_figure(&measured, c, t.layer),
                    measured.communes[c].population,
                ),
                Scope::Total => (
                    (0..measured.communes.len())
                        .map(|k| claimed_figure(&measured, k, t.layer))
                        .sum(),
                    measured.totals.population,
                ),
            };
            unreached.push(Unreached {
                layer: t.layer,
                commune: (t.scope == Scope::EachCommune).then_some(c),
                covered_pct: crate::report::pct(covered, whole),
                target_pct: t.pct,
                reason,
            });
        }
    }
    for t in &mobile {
        let mine: Vec<&Unreached> = unreached
            .iter()
            .filter(|u| u.layer == t.layer && (u.commune.is_none()) == (t.scope == Scope::Total))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let count = |r: UnreachedReason| mine.iter().filter(|u| u.reason == r).count();
        let reasons: Vec<String> = [
            UnreachedReason::SiteBudget,
            UnreachedReason::CandidateFile,
            UnreachedReason::OutOfReach,
            UnreachedReason::Rounds,
        ]
        .into_iter()
        .filter(|&r| count(r) > 0)
        .map(|r| format!("{} {}", count(r), r.as_str()))
        .collect();
        notes.push(format!(
            "{} target {} % ({}): {} not reached with {} new sites ({})",
            t.layer,
            t.pct,
            match t.scope {
                Scope::EachCommune => "each commune",
                Scope::Total => "whole scenario",
            },
            match t.scope {
                Scope::EachCommune => format!("{} commune(s)", mine.len()),
                Scope::Total => "the total".to_owned(),
            },
            sites.len(),
            reasons.join(", ")
        ));
    }

    let mut claims = Vec::new();
    for t in &options.targets {
        let mut claim = measured_claim(&report, &measured, t);
        if let (Layer::Wifi, Some(w)) = (t.layer, &wifi_claim) {
            // the share of communes holding a point, as planned
            claim.before_pct = w.before_pct;
            claim.communes_meeting.0 = w.communes_meeting.0;
        }
        claims.push(claim);
    }
    Ok(Plan {
        report,
        gaps,
        sites,
        wifi,
        fiber,
        curve,
        claims,
        scenario_with_plan: with_plan,
        report_with_plan: measured,
        rounds,
        candidates,
        refills,
        unreached,
        optimality,
        notes,
    })
}

/// Per mobile target: the communes (or `[0]` for a whole-scenario target)
/// that `report` measures below it.
fn short_communes(report: &Report, targets: &[Target]) -> Vec<Vec<usize>> {
    targets
        .iter()
        .map(|t| match t.scope {
            Scope::EachCommune => (0..report.communes.len())
                .filter(|&c| {
                    let pop = report.communes[c].population;
                    claimed_figure(report, c, t.layer) < t.pct / 100.0 * pop - 1e-9 * pop.max(1.0)
                })
                .collect(),
            Scope::Total => {
                let pop = report.totals.population;
                let covered: f64 = (0..report.communes.len())
                    .map(|c| claimed_figure(report, c, t.layer))
                    .sum();
                if covered < t.pct / 100.0 * pop - 1e-9 * pop.max(1.0) {
                    vec![0]
                } else {
                    Vec::new()
                }
            }
        })
        .collect()
}

/// A target's claim: the figures of the report before and of the report
/// measured with the plan.
fn measured_claim(before: &Report, after: &Report, t: &Target) -> Claim {
    let n = before.communes.len();
    let fig = |r: &Report| -> Vec<f64> { (0..n).map(|c| claimed_figure(r, c, t.layer)).collect() };
    let (b, a) = (fig(before), fig(after));
    let whole = |r: &Report, c: usize| match t.layer {
        Layer::Fiber => r.communes[c].households,
        _ => r.communes[c].population,
    };
    let meets = |r: &Report, v: &[f64]| match t.layer {
        Layer::Wifi => r.communes.iter().filter(|c| c.wifi_points > 0).count(),
        _ => match t.scope {
            Scope::EachCommune => (0..n)
                .filter(|&c| {
                    let w = whole(r, c);
                    v[c] >= t.pct / 100.0 * w - 1e-9 * w.max(1.0)
                })
                .count(),
            Scope::Total => {
                let w: f64 = (0..n).map(|c| whole(r, c)).sum();
                usize::from(v.iter().sum::<f64>() >= t.pct / 100.0 * w * (1.0 - 1e-12)) * n
            }
        },
    };
    let total_pct = |r: &Report, v: &[f64]| match t.layer {
        Layer::Wifi => crate::report::pct(
            r.communes.iter().filter(|c| c.wifi_points > 0).count() as f64,
            n as f64,
        ),
        _ => crate::report::pct(v.iter().sum(), (0..n).map(|c| whole(r, c)).sum()),
    };
    Claim {
        layer: t.layer,
        before_pct: total_pct(before, &b),
        after_pct: total_pct(after, &a),
        communes_meeting: (meets(before, &b), meets(after, &a)),
        before: b,
        after: a,
    }
}

fn validate(options: &PlanOptions) -> Result<()> {
    for (k, t) in options.targets.iter().enumerate() {
        if !(t.pct.is_finite() && (0.0..=100.0).contains(&t.pct)) {
            return Err(Error::Parameter {
                name: "targets.pct",
                reason: format!("{} target must lie in [0, 100], got {}", t.layer, t.pct),
            });
        }
        // one target per mobile layer and scope; one fibre and one wifi target
        if options.targets[..k]
            .iter()
            .any(|o| o.layer == t.layer && (o.scope == t.scope || !t.layer.is_mobile()))
        {
            return Err(Error::Parameter {
                name: "targets",
                reason: format!("more than one {} target", t.layer),
            });
        }
        if t.layer.is_mobile()
            && t.layer.technology_bits() & options.template.technologies.bits() == 0
        {
            return Err(Error::Parameter {
                name: "template.technologies",
                reason: format!(
                    "the site template carries no technology serving the {} target",
                    t.layer
                ),
            });
        }
    }
    if options.max_candidates == 0 || options.max_candidates > PlanOptions::MAX_SITES {
        return Err(Error::Parameter {
            name: "max_candidates",
            reason: format!(
                "must lie in [1, {}], got {}",
                PlanOptions::MAX_SITES,
                options.max_candidates
            ),
        });
    }
    if let Some(c) = &options.candidates {
        if c.len() > PlanOptions::MAX_SITES {
            return Err(Error::TooLarge(format!(
                "{} candidate locations, more than the limit of {}",
                c.len(),
                PlanOptions::MAX_SITES
            )));
        }
    }
    if options
        .max_sites
        .is_some_and(|n| n > PlanOptions::MAX_SITES)
    {
        return Err(Error::Parameter {
            name: "max_sites",
            reason: format!("at most {}", PlanOptions::MAX_SITES),
        });
    }
    if options.max_fiber_segments > PlanOptions::MAX_SITES {
        return Err(Error::Parameter {
            name: "max_fiber_segments",
            reason: format!("at most {}", PlanOptions::MAX_SITES),
        });
    }
    let t = &options.template;
    if t.technologies.is_empty() || !(t.height_m.is_finite() && t.height_m > 0.0) {
        return Err(Error::Parameter {
            name: "template",
            reason: "a site template needs technologies and a finite height_m > 0".into(),
        });
    }
    for tech in Technology::ALL {
        if let Some(r) = t.range_m.get(tech) {
            if !(r.is_finite() && r > 0.0) {
                return Err(Error::Parameter {
                    name: "template.range_m",
                    reason: format!("must be a finite number > 0, got {r}"),
                });
            }
        }
    }
    Ok(())
}
