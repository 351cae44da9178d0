//! New BTS sites for the mobile targets: candidates, then CELF.
//!
//! Demand units are the uncovered cells (or points) of each targeted layer
//! with their uncovered people, whole cells side by side in a row being
//! one run ([`super::cells`]). A new site covers the
//! part of a unit within its range for a technology serving the layer (the
//! template is omnidirectional): a cell's people are spread over its
//! sub-points not yet covered (on the report's sampling lines), so a site
//! crossing a cell gains the share of them it reaches. Each target caps
//! what counts: per commune, the people missing to `pct` of its
//! population; for the whole scenario, the people missing in total.
//! Candidates are the weighted centres of the uncovered demand gathered in
//! square blocks of half the template's shortest range (so a site at a
//! block's centre of mass reaches the whole block), widened until at most
//! `max_candidates` remain, or the planner's own locations.

use geo::Point;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use rayon::prelude::*;

use super::bound::{budget_bound_compact, min_sites_bound_compact, optimality_gap, BoundOptions};
use super::cells::{
    gained, gained_run, reached_disc, run_chords, sub_point, uncovered_of, Remaining, RowIndex,
    Uncovered, Unit,
};
use super::greedy::{run_celf, run_celf_from, Compact, Oracle};
use super::local_search::{improve_budget_compact, improve_min_sites_compact};
use super::plan::{
    fresh_id, new_site, wrapped_point, CurvePoint, Optimality, PlanForm, PlanOptions, ProposedSite,
    Scope, Target,
};
use crate::engine::probe::inverse_near;
use crate::model::{Scenario, Technology};
use crate::report::{pct, Report};
use crate::{Error, Result};

/// What [`plan_sites`] returns.
pub(crate) struct SitesOutcome {
    pub sites: Vec<ProposedSite>,
    /// Curve points after each site (the first round also the start).
    pub curve: Vec<CurvePoint>,
    /// The greedy against its bound and the local search (first round).
    pub optimality: Option<Optimality>,
    /// Whether the site budget stopped the round.
    pub budget_hit: bool,
    /// Per target (in order): communes (or the total, group 0) the round
    /// left below their cap by its own estimate, with no candidate left to
    /// gain more.
    pub stuck: Vec<Vec<usize>>,
    /// Candidates drawn in all (first draw and refills).
    pub candidates: usize,
    /// Refill draws made.
    pub refills: usize,
    /// Candidate index of each site (with the planner's own locations: the
    /// index in their list).
    pub picked: Vec<usize>,
}

/// One round of site planning.
pub(crate) struct RoundSpec {
    /// Order number of the round's first site, minus one.
    pub first_order: usize,
    /// Most sites this round may add.
    pub budget: usize,
    /// Whether to run the local search and the bound (the first round).
    pub improve: bool,
}
struct Candidate {
    strip: usize,
    xy: [f64; 2],
    location: Point<f64>,
    commune: Option<usize>,
    /// Ground range per technology, metres.
    range_m: [Option<f64>; 4],
    /// Reach per demand (target) in strip metres.
    reach: Vec<f64>,
}

/// One target's demand and state.
struct Demand<'a> {
    target: Target,
    units: &'a [Unit],
    /// The units by strip and row (`None` until indexed).
    rows: Option<RowIndex>,
    caps: Vec<f64>,
    got: Vec<f64>,
    /// Sub-points of each unit still uncovered.
    remaining: Remaining,
    /// People newly covered per commune (uncapped).
    gained: Vec<f64>,
}

/// What a candidate reaches of a unit's free sub-points.
#[derive(Clone, Copy)]
enum Hit {
    /// Of a cell or point unit: its bits.
    Bits(u64),
    /// Of a run: per line, the sub-columns `[a, b)` (see [`run_chords`]).
    Run([(u32, u32); 3]),
}

impl Demand<'_> {
    /// Group of unit `u`: its commune, or 0 for a whole-scenario target.
    fn group(&self, u: usize) -> usize {
        match self.target.scope {
            Scope::EachCommune => self.units[u].commune as usize,
            Scope::Total => 0,
        }
    }
}

struct SiteOracle<'a> {
    demands: Vec<Demand<'a>>,
    candidates: Vec<Candidate>,
    points_mode: bool,
    resolution_m: f64,
    /// Strips of the scenario's frames.
    strips: usize,
}

impl SiteOracle<'_> {
    /// Per demand: units candidate `c` reaches, with the share of each it
    /// covers and the people that share newly brings.
    fn new_units(&self, d: usize, c: usize) -> Vec<(usize, Hit, f64)> {
        let dem = &self.demands[d];
        let cand = &self.candidates[c];
        let (r, res) = (cand.reach[d], self.resolution_m);
        self.reach_of(d, c)
            .into_iter()
            .filter_map(|(u, hit)| {
                let unit = &dem.units[u];
                match hit {
                    Some(hit) => Some((u, Hit::Bits(hit), gained(unit, unit.population, hit))),
                    None => {
                        let chords = run_chords(unit, res, cand.xy, r);
                        let counts = dem.remaining.run_count(u, &chords);
                        (counts != [0; 3]).then(|| {
                            let w = gained_run(unit.population, counts);
                            (u, Hit::Run(chords), w)
                        })
                    }
                }
            })
            .collect()
    }

    /// Units of demand `d` candidate `c` reaches among their free
    /// sub-points, with those it reaches (`None` for a run, whose
    /// sub-points the caller counts).
    fn reach_of(&self, d: usize, c: usize) -> Vec<(usize, Option<u64>)> {
        let cand = &self.candidates[c];
        let dem = &self.demands[d];
        let r = cand.reach[d];
        if r <= 0.0 {
            return Vec::new();
        }
        let res = self.resolution_m;
        let slack = if self.points_mode {
            0.0
        } else {
            res * std::f64::consts::FRAC_1_SQRT_2
        };
        let Some(rows) = &dem.rows else {
            return Vec::new();
        };
        rows.within(dem.units, cand.strip, cand.xy, r + slack)
            .filter_map(|u| {
                if dem.remaining.is_empty(u) {
                    return None;
                }
                let unit = &dem.units[u];
                if unit.cells > 1 {
                    return Some((u, None));
                }
                let free = dem.remaining.bits(u);
                let hit = reached_disc(unit, res, free, cand.xy, r);
                (hit != 0).then_some((u, Some(hit)))
            })
            .collect()
    }

    fn capped(&self, d: usize, units: &[(usize, Hit, f64)]) -> f64 {
        let dem = &self.demands[d];
        let mut v: Vec<(usize, f64)> = units.iter().map(|&(u, _, w)| (dem.group(u), w)).collect();
        v.sort_by_key(|x| x.0);
        let mut total = 0.0;
        let mut k = 0;
        while k < v.len() {
            let g = v[k].0;
            let mut w = 0.0;
            while k < v.len() && v[k].0 == g {
                w += v[k].1;
                k += 1;
            }
            total += w.min((dem.caps[g] - dem.got[g]).max(0.0));
        }
        total
    }
}

impl Oracle for SiteOracle<'_> {
    fn candidates(&self) -> usize {
        self.candidates.len()
    }
    fn gain(&self, c: usize) -> f64 {
        (0..self.demands.len())
            .map(|d| self.capped(d, &self.new_units(d, c)))
            .sum()
    }
    fn take(&mut self, c: usize) -> f64 {
        let mut gain = 0.0;
        for d in 0..self.demands.len() {
            let units = self.new_units(d, c);
            gain += self.capped(d, &units);
            let dem = &mut self.demands[d];
            for (u, hit, w) in units {
                match hit {
                    Hit::Bits(hit) => dem.remaining.take_bits(u, hit),
                    Hit::Run(chords) => dem
                        .remaining
                        .take_run(&dem.units[u], u, |free| free.remove(&chords)),
                }
                let g = dem.group(u);
                dem.got[g] += w;
                dem.gained[dem.units[u].commune as usize] += w;
            }
        }
        gain
    }
    fn done(&self) -> bool {
        self.demands
            .iter()
            .all(|d| d.got.iter().zip(&d.caps).all(|(g, c)| g >= c))
    }
}

/// Plans new sites for the mobile `targets` (one round: the first on the
/// input's report, later ones on the report of the scenario with the sites
/// so far, for what it still misses).
pub(crate) fn plan_sites(
    scenario: &Scenario,
    report: &Report,
    uncovered: &Uncovered,
    targets: &[Target],
    options: &PlanOptions,
    taken: &std::collections::HashSet<String>,
    round: &RoundSpec,
) -> Result<SitesOutcome> {
    let n_communes = scenario.communes.len();
    let mut out = SitesOutcome {
        sites: Vec::new(),
        curve: Vec::new(),
        optimality: None,
        budget_hit: false,
        stuck: vec![Vec::new(); targets.len()],
        candidates: 0,
        refills: 0,
        picked: Vec::new(),
    };
    if targets.is_empty() {
        return Ok(out);
    }
    let strips = uncovered.frames.len();
    let mut demands = Vec::new();
    for t in targets {
        let units = uncovered.units(t.layer);
        let caps: Vec<f64> = match t.scope {
            Scope::EachCommune => (0..n_communes)
                .map(|c| {
                    let (u, _) = uncovered_of(report, c, t.layer);
                    let pop = report.communes[c].population;
                    (t.pct / 100.0 * pop - (pop - u)).max(0.0)
                })
                .collect(),
            Scope::Total => {
                let pop = report.totals.population;
                let covered: f64 = (0..n_communes)
                    .map(|c| report.communes[c].population - uncovered_of(report, c, t.layer).0)
                    .sum();
                vec![(t.pct / 100.0 * pop - covered).max(0.0)]
            }
        };
        let n_groups = caps.len();
        demands.push(Demand {
            target: *t,
            units,
            // indexed below, beside the candidates' drawing
            rows: None,
            caps,
            got: vec![0.0; n_groups],
            remaining: Remaining::new(units),
            gained: vec![0.0; n_communes],
        });
    }

    // each demand's units indexed per strip, side by side, and beside the
    // first candidates (which do not need the indexes)
    let (rows, drawn) = rayon::join(
        || {
            demands
                .par_iter()
                .map(|d| RowIndex::new(d.units, strips, uncovered.resolution_m))
                .collect::<Vec<_>>()
        },
        || -> Result<_> {
            let (spots, first_block) = first_spots(scenario, uncovered, &demands, options)?;
            let candidates = make_candidates(scenario, uncovered, &demands, options, spots);
            Ok((candidates, first_block))
        },
    );
    let (candidates, first_block) = drawn?;
    for (d, rows) in demands.iter_mut().zip(rows) {
        d.rows = Some(rows);
    }
    let budget = round.budget;
    let mut oracle = SiteOracle {
        demands,
        candidates,
        points_mode: uncovered.points_mode,
        resolution_m: uncovered.resolution_m,
        strips,
    };
    // before any site of this round
    let covered_before: Vec<Vec<f64>> = oracle
        .demands
        .iter()
        .map(|d| {
            (0..n_communes)
                .map(|c| report.communes[c].population - uncovered_of(report, c, d.target.layer).0)
                .collect()
        })
        .collect();
    let curve_point = |o: &SiteOracle<'_>, sites: usize| {
        let pct_v = o
            .demands
            .iter()
            .zip(&covered_before)
            .map(|(d, before)| {
                let covered: f64 = before.iter().zip(&d.gained).map(|(b, g)| b + g).sum();
                (d.target.layer, pct(covered, report.totals.population))
            })
            .collect();
        // a commune meets its targets when each per-commune target is met
        // in it and each whole-scenario target is met (as in the claims)
        let meeting = (0..n_communes)
            .filter(|&c| {
                o.demands.iter().all(|d| match d.target.scope {
                    Scope::EachCommune => {
                        d.got[c] >= d.caps[c] - 1e-9 * report.communes[c].population.max(1.0)
                    }
                    Scope::Total => {
                        d.got[0] >= d.caps[0] - 1e-9 * report.totals.population.max(1.0)
                    }
                })
            })
            .count();
        CurvePoint {
            sites,
            pct: pct_v,
            communes_meeting_targets: meeting,
        }
    };
    if round.first_order == 0 {
        out.curve.push(curve_point(&oracle, 0));
    }
    // a tiny gain (a millionth of a person) is rounding, not coverage
    const MIN_GAIN: f64 = 1e-6;
    let mut picks = run_celf(&mut oracle, budget, MIN_GAIN);
    // candidates that cannot run out: while a group is short and the
    // budget allows, draw new candidates where its uncovered demand is
    // left, in blocks half as wide each time down to the grid spacing
    // (then again at that floor while it gains)
    if let Some(mut block) = first_block {
        let floor = uncovered.resolution_m;
        while picks.len() < budget && !oracle.done() && out.refills < MAX_REFILLS {
            block = (0.5 * block).max(floor);
            let spots = refill_spots(&oracle, block);
            if spots.is_empty() {
                break;
            }
            let new = make_candidates(scenario, uncovered, &oracle.demands, options, spots);
            let from = oracle.candidates.len();
            oracle.candidates.extend(new);
            out.refills += 1;
            let more = run_celf_from(&mut oracle, from, budget - picks.len(), MIN_GAIN);
            let none = more.is_empty();
            picks.extend(more);
            if none && block <= floor {
                break;
            }
        }
    }
    out.candidates = oracle.candidates.len();
    out.budget_hit = picks.len() >= budget;
    for (d, stuck) in oracle.demands.iter().zip(out.stuck.iter_mut()) {
        let tol = |g: usize| 1e-9 * d.caps[g].max(1.0);
        stuck.extend((0..d.caps.len()).filter(|&g| d.got[g] < d.caps[g] - tol(g)));
    }
    let mut order: Vec<usize> = picks.iter().map(|x| x.0).collect();
    if round.improve && !order.is_empty() {
        let (opt, better) = improve(&oracle, &order, options);
        if let Some(b) = better {
            order = b;
        }
        out.optimality = Some(opt);
    }
    // replay the picks for per-site figures (the oracle's state is final;
    // the curve needs each step)
    let mut replay = SiteOracle {
        demands: oracle
            .demands
            .iter()
            .map(|d| Demand {
                target: d.target,
                units: d.units,
                rows: None,
                caps: d.caps.clone(),
                got: vec![0.0; d.caps.len()],
                remaining: Remaining::new(d.units),
                gained: vec![0.0; n_communes],
            })
            .collect(),
        candidates: Vec::new(),
        points_mode: oracle.points_mode,
        resolution_m: oracle.resolution_m,
        strips: oracle.strips,
    };
    std::mem::swap(&mut replay.candidates, &mut oracle.candidates);
    for (d, o) in replay.demands.iter_mut().zip(oracle.demands.iter_mut()) {
        std::mem::swap(&mut d.rows, &mut o.rows);
    }
    drop(oracle);
    out.picked.clone_from(&order);
    for (k, &c) in order.iter().enumerate() {
        let n = round.first_order + k + 1;
        let before: Vec<f64> = replay
            .demands
            .iter()
            .map(|d| d.gained.iter().sum())
            .collect();
        let gain = replay.take(c);
        let point = curve_point(&replay, n);
        let cand = &replay.candidates[c];
        let site = new_site(
            fresh_id("plan-site", n, taken),
            &options.template,
            // back in [−180, 180] from the continuous longitudes around 180°
            wrapped_point(cand.location),
        );
        out.sites.push(ProposedSite {
            site,
            order: n,
            range_m: cand.range_m,
            people_gained: replay
                .demands
                .iter()
                .zip(&before)
                .map(|(d, b)| (d.target.layer, d.gained.iter().sum::<f64>() - b))
                .collect(),
            objective_gain: gain,
            cumulative_pct: point.pct.clone(),
            commune: cand.commune,
        });
        out.curve.push(point);
    }
    Ok(out)
}

/// Most refill draws in one round.
const MAX_REFILLS: usize = 24;

/// New candidate spots: weighted centres of the sub-points still free in
/// the units of groups below their caps, in blocks of `block_m`.
fn refill_spots(o: &SiteOracle<'_>, block_m: f64) -> Vec<(usize, [f64; 2])> {
    let res = o.resolution_m;
    // units are at most a cell from their sub-points: blocks from a corner
    // a cell beyond them
    let corner = origin(&o.demands, res);
    let corner = [corner[0] - res, corner[1] - res];
    let mut blocks = Blocks::default();
    for d in &o.demands {
        for k in 0..d.units.len() {
            let g = d.group(k);
            if d.remaining.is_empty(k) || d.got[g] >= d.caps[g] - 1e-9 * d.caps[g].max(1.0) {
                continue;
            }
            d.remaining.for_cells(&d.units[k], k, res, |u, _, rest| {
                add_free(&mut blocks, u, rest, res, corner, block_m)
            });
        }
    }
    blocks.centres()
}

/// Adds the free sub-points `rest` of cell or point unit `u` to the block
/// of their centre: their people, at their centre.
fn add_free(blocks: &mut Blocks, u: &Unit, rest: u64, res: f64, corner: [f64; 2], block_m: f64) {
    if rest == 0 {
        return;
    }
    let w = gained(u, u.population, rest).max(1e-12);
    let xy = if u.cell {
        // the centre of the free sub-points
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        let mut bits = rest;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let p = sub_point(u, res, b);
            sx += p[0];
            sy += p[1];
            n += 1.0;
        }
        [sx / n, sy / n]
    } else {
        u.xy
    };
    let key = (
        u.strip,
        ((xy[1] - corner[1]) / block_m).floor() as i64,
        ((xy[0] - corner[0]) / block_m).floor() as i64,
    );
    blocks.add(key, [w * xy[0], w * xy[1], w]);
}

/// The greedy's picks against the bound of the same instance, and the
/// local search's set when it does measurably better (fewer sites for the
/// same coverage; more coverage for the same budget).
fn improve(
    o: &SiteOracle<'_>,
    picks: &[usize],
    options: &PlanOptions,
) -> (Optimality, Option<Vec<usize>>) {
    let (problem, greedy_got) = coverage_problem(o);
    let greedy_value = problem.value(picks);
    let tol = 1e-9 * problem.caps.iter().sum::<f64>().max(1.0);
    match options.max_sites {
        None => {
            // the fewest sites reaching what the greedy reached, group by
            // group (its caps where it met them)
            // (a hair below, so sums in another order still reach them)
            let p = Compact {
                caps: problem
                    .caps
                    .iter()
                    .zip(&greedy_got)
                    .map(|(c, g)| c.min(*g) * (1.0 - 1e-9))
                    .collect(),
                ..problem
            };
            let floor = p.value(picks);
            let ls = improve_min_sites_compact(&p, picks, &options.local_search);
            let kept = ls.picks.len() < picks.len() && ls.value >= floor - tol;
            let sites = if kept { ls.picks.len() } else { picks.len() };
            let bound = min_sites_bound_compact(
                &p,
                &BoundOptions {
                    incumbent: Some(picks.len() as f64),
                    ..options.bound.clone()
                },
            )
            .ok();
            let gap = bound.as_ref().map(|b| optimality_gap(sites as f64, b));
            let greedy_gap = bound
                .as_ref()
                .map(|b| optimality_gap(picks.len() as f64, b));
            (
                Optimality {
                    form: PlanForm::MinimumSites,
                    candidates: o.candidates.len(),
                    units: p.weights.len(),
                    greedy_sites: picks.len(),
                    greedy_value,
                    sites,
                    value: if kept {
                        greedy_value - floor + ls.value
                    } else {
                        greedy_value
                    },
                    local_search: ls.clone(),
                    local_search_kept: kept,
                    bound,
                    greedy_gap,
                    gap,
                },
                kept.then(|| ls.picks.iter().map(|x| x.0).collect()),
            )
        }
        Some(k) => {
            let ls = improve_budget_compact(&problem, picks, k, &options.local_search);
            let kept = ls.value > greedy_value + tol;
            let value = if kept { ls.value } else { greedy_value };
            let bound = budget_bound_compact(
                &problem,
                k,
                &BoundOptions {
                    incumbent: Some(greedy_value),
                    ..options.bound.clone()
                },
            );
            (
                Optimality {
                    form: PlanForm::Budget,
                    candidates: o.candidates.len(),
                    units: problem.weights.len(),
                    greedy_sites: picks.len(),
                    greedy_value,
                    sites: if kept { ls.picks.len() } else { picks.len() },
                    value,
                    local_search: ls.clone(),
                    local_search_kept: kept,
                    greedy_gap: Some(optimality_gap(greedy_value, &bound)),
                    gap: Some(optimality_gap(value, &bound)),
                    bound: Some(bound),
                },
                kept.then(|| ls.picks.iter().map(|x| x.0).collect()),
            )
        }
    }
}

/// A unit's atoms reached by some candidate: the people of each and its
/// candidates (per atom: their number, then the candidates, ascending).
type UnitAtoms = (Vec<f64>, Vec<u32>);

/// The instance the greedy solved as an explicit coverage problem, in
/// compact form: a unit's free sub-points are split into atoms by the
/// candidates reaching them (each atom reached by the same candidates), an
/// atom weighing the people of its sub-points; atoms of the same group
/// reached by the same candidates are one unit of the problem (their
/// weights summed: no set of candidates tells them apart), so its size
/// follows the candidates' overlaps, not the grid's cells; atoms no
/// candidate reaches are left out. Groups are the targets' groups one after
/// the other. Also the weight the oracle's final state covers per group.
fn coverage_problem(o: &SiteOracle<'_>) -> (Compact, Vec<f64>) {
    let mut group_off = Vec::with_capacity(o.demands.len());
    let mut ng = 0usize;
    for d in &o.demands {
        group_off.push(ng);
        ng += d.caps.len();
    }
    // per strip, the candidates; per demand, the longest reach
    let strips = o.strips;
    let trees: Vec<RTree<GeomWithData<[f64; 2], u32>>> = (0..strips)
        .map(|z| {
            RTree::bulk_load(
                o.candidates
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.strip == z)
                    .map(|(k, c)| GeomWithData::new(c.xy, k as u32))
                    .collect(),
            )
        })
        .collect();
    let res = o.resolution_m;
    let slack = if o.points_mode {
        0.0
    } else {
        res * std::f64::consts::FRAC_1_SQRT_2
    };
    let mut weights: Vec<f64> = Vec::new();
    let mut groups: Vec<u32> = Vec::new();
    // the problem's units by (group, candidates), and each one's candidates
    // (unit-major rows, turned candidate-major at the end)
    let mut ids: std::collections::HashMap<Box<[u32]>, u32, Fx> =
        std::collections::HashMap::default();
    let mut unit_start: Vec<usize> = vec![0];
    let mut unit_items: Vec<u32> = Vec::new();
    let mut key: Vec<u32> = Vec::new();
    // units in chunks, in parallel within a chunk, merged in order across
    // chunks (so the problem's units are numbered the same whatever the
    // threads); nothing is kept per cell beyond a chunk
    const CHUNK: usize = 1 << 14;
    for (d, dem) in o.demands.iter().enumerate() {
        let longest = o.candidates.iter().map(|c| c.reach[d]).fold(0.0, f64::max);
        if longest <= 0.0 {
            continue;
        }
        for start in (0..dem.units.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(dem.units.len());
            let cell_atoms = |unit: &Unit, w: &mut Vec<f64>, lists: &mut Vec<u32>| {
                let z = unit.strip as usize;
                let mut hits: Vec<(u32, u64)> = trees[z]
                    .locate_within_distance(unit.xy, (longest + slack) * (longest + slack))
                    .filter_map(|g| {
                        let cand = &o.candidates[g.data as usize];
                        let r = cand.reach[d];
                        if r <= 0.0 {
                            return None;
                        }
                        let hit = reached_disc(unit, res, unit.free, cand.xy, r);
                        (hit != 0).then_some((g.data, hit))
                    })
                    .collect();
                if hits.is_empty() {
                    return;
                }
                hits.sort_unstable_by_key(|h| h.0);
                let mut atoms = vec![unit.free];
                for &(_, m) in &hits {
                    let n = atoms.len();
                    for a in 0..n {
                        let (inside, outside) = (atoms[a] & m, atoms[a] & !m);
                        if inside != 0 && outside != 0 {
                            atoms[a] = inside;
                            atoms.push(outside);
                        }
                    }
                }
                for &a in &atoms {
                    let at = lists.len();
                    lists.push(0);
                    lists.extend(hits.iter().filter(|h| a & !h.1 == 0).map(|h| h.0));
                    let n = lists.len() - at - 1;
                    if n == 0 {
                        lists.truncate(at);
                        continue;
                    }
                    lists[at] = n as u32;
                    w.push(gained(unit, unit.population, a));
                }
            };
            let chunk: Vec<UnitAtoms> = (start..end)
                .into_par_iter()
                .with_min_len(64)
                .map(|u| {
                    let unit = &dem.units[u];
                    let (mut w, mut lists) = (Vec::new(), Vec::new());
                    // a run cell by cell, each as the cell it is
                    for k in 0..unit.cells {
                        cell_atoms(&unit.cell_at(k, res, unit.free), &mut w, &mut lists);
                    }
                    (w, lists)
                })
                .collect();
            for (k, (w, lists)) in chunk.into_iter().enumerate() {
                let g = (group_off[d] + dem.group(start + k)) as u32;
                let mut at = 0;
                for wa in w {
                    let n = lists[at] as usize;
                    let cands = &lists[at + 1..at + 1 + n];
                    at += 1 + n;
                    key.clear();
                    key.push(g);
                    key.extend_from_slice(cands);
                    match ids.get(key.as_slice()) {
                        Some(&id) => weights[id as usize] += wa,
                        None => {
                            ids.insert(key.as_slice().into(), weights.len() as u32);
                            weights.push(wa);
                            groups.push(g);
                            unit_items.extend_from_slice(cands);
                            unit_start.push(unit_items.len());
                        }
                    }
                }
            }
        }
    }
    drop(ids);
    // candidate-major rows (ascending: units are visited in order)
    let m = o.candidates.len();
    let mut start = vec![0usize; m + 1];
    for &c in &unit_items {
        start[c as usize + 1] += 1;
    }
    for c in 0..m {
        start[c + 1] += start[c];
    }
    let mut next = start.clone();
    let mut items = vec![0u32; unit_items.len()];
    for u in 0..weights.len() {
        for &c in &unit_items[unit_start[u]..unit_start[u + 1]] {
            items[next[c as usize]] = u as u32;
            next[c as usize] += 1;
        }
    }
    let caps: Vec<f64> = o.demands.iter().flat_map(|d| d.caps.clone()).collect();
    let got: Vec<f64> = o.demands.iter().flat_map(|d| d.got.clone()).collect();
    (
        Compact {
            weights,
            groups,
            caps,
            start,
            items,
        },
        got,
    )
}

/// A multiply-rotate hasher for the short integer keys of
/// [`coverage_problem`] (the standard one is built against adversarial keys
/// these are not; numbering does not depend on the hasher).
#[derive(Default, Clone, Copy)]
struct Fx;

struct FxHasher(u64);

impl std::hash::BuildHasher for Fx {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// The first candidate spots (strip, strip metres) and the block size
/// they were drawn with (`None`: the planner's own locations).
#[allow(clippy::type_complexity)]
fn first_spots(
    scenario: &Scenario,
    uncovered: &Uncovered,
    demands: &[Demand<'_>],
    options: &PlanOptions,
) -> Result<(Vec<(usize, [f64; 2])>, Option<f64>)> {
    let template = &options.template;
    let mut spots: Vec<(usize, [f64; 2])> = Vec::new();
    let mut block_used = None;
    match &options.candidates {
        Some(points) => {
            for p in points {
                // the strip whose central meridian is nearest (around the
                // globe: central meridians lie beyond 180° around it)
                let apart = |z: usize| {
                    let d = (uncovered.frames[z].central_meridian_deg() - p.x()).abs();
                    if d > 180.0 {
                        360.0 - d
                    } else {
                        d
                    }
                };
                let strip = (0..uncovered.frames.len())
                    .min_by(|&a, &b| apart(a).total_cmp(&apart(b)))
                    .ok_or_else(|| Error::Parameter {
                        name: "candidates",
                        reason: "the scenario has no commune geometry to plan in".into(),
                    })?;
                spots.push((strip, uncovered.frames[strip].forward(p.x(), p.y())));
            }
        }
        None => {
            // the template's shortest range among the targeted layers
            let probe_site = new_site(
                crate::model::FeatureId::Int(0),
                template,
                Point::new(0.0, 0.0),
            );
            let mut shortest = f64::INFINITY;
            let tmp = Scenario {
                sites: vec![probe_site],
                parameters: scenario.parameters.clone(),
                ..Scenario::default()
            };
            let audit = crate::engine::audit_sites(&tmp);
            for d in demands {
                for t in Technology::ALL {
                    if d.target.layer.technology_bits() >> t.index() & 1 == 1 {
                        if let Some((r, _)) = audit[0].ranges[t.index()] {
                            shortest = shortest.min(r);
                        }
                    }
                }
            }
            if !shortest.is_finite() || shortest <= 0.0 {
                return Ok((Vec::new(), None));
            }
            let mut block = (0.5 * shortest).max(uncovered.resolution_m);
            // widened on the count of blocks alone; centres once, at the end
            while block.is_finite()
                && block_count(demands, uncovered.resolution_m, block) > options.max_candidates
            {
                block *= 1.5;
            }
            spots = block_centres(demands, uncovered.resolution_m, block);
            block_used = Some(block);
        }
    }
    Ok((spots, block_used))
}

/// Candidates at `spots` with the template's ranges there.
fn make_candidates(
    scenario: &Scenario,
    uncovered: &Uncovered,
    demands: &[Demand<'_>],
    options: &PlanOptions,
    spots: Vec<(usize, [f64; 2])>,
) -> Vec<Candidate> {
    let template = &options.template;
    // ranges of a template site at each spot (environment from its commune)
    let locations: Vec<Point<f64>> = spots
        .iter()
        .map(|(z, xy)| {
            // continuous across 180°, as the communes of an unwrapped scenario
            let (x, y) = inverse_near(&uncovered.frames[*z], *xy);
            Point::new(x, y)
        })
        .collect();
    let tmp = Scenario {
        communes: scenario.communes.clone(),
        sites: locations
            .iter()
            .map(|p| new_site(crate::model::FeatureId::Int(0), template, *p))
            .collect(),
        parameters: scenario.parameters.clone(),
        ..Scenario::default()
    };
    let audits = crate::engine::audit_sites(&tmp);
    spots
        .into_iter()
        .zip(locations)
        .zip(audits)
        .map(|(((strip, xy), location), audit)| {
            let scale = uncovered.frames[strip]
                .forward_with_distortion(location.x(), location.y())
                .scale;
            let range_m: [Option<f64>; 4] = std::array::from_fn(|t| audit.ranges[t].map(|r| r.0));
            let reach = demands
                .iter()
                .map(|d| {
                    Technology::ALL
                        .iter()
                        .filter(|t| d.target.layer.technology_bits() >> t.index() & 1 == 1)
                        .filter_map(|t| range_m[t.index()])
                        .fold(0.0, f64::max)
                        * scale
                })
                .collect();
            Candidate {
                strip,
                xy,
                location,
                commune: audit.commune,
                range_m,
                reach,
            }
        })
        .collect()
}

/// The south-west corner of all units: blocks are counted from it (so
/// one block as wide as the demand holds all of it).
fn origin(demands: &[Demand<'_>], res: f64) -> [f64; 2] {
    demands
        .iter()
        .flat_map(|d| d.units.iter())
        .fold([f64::INFINITY; 2], |o, u| {
            // a run's first cell lies furthest west
            let p = u.cell_at(0, res, u.free).xy;
            [o[0].min(p[0]), o[1].min(p[1])]
        })
}

/// Each cell of the units (a run's one by one) as its point and people.
fn unit_cells<'a>(
    demands: &'a [Demand<'_>],
    res: f64,
) -> impl Iterator<Item = (u32, [f64; 2], f64)> + 'a {
    demands
        .iter()
        .flat_map(|d| d.units.iter())
        .flat_map(move |u| {
            (0..u.cells).map(move |k| {
                let c = u.cell_at(k, res, u.free);
                (c.strip, c.xy, c.population)
            })
        })
}

/// The block of a point: strip, row and column of `block_m` squares from
/// `o`.
fn block_of(strip: u32, xy: [f64; 2], o: [f64; 2], block_m: f64) -> (u32, i64, i64) {
    (
        strip,
        ((xy[1] - o[1]) / block_m).floor() as i64,
        ((xy[0] - o[0]) / block_m).floor() as i64,
    )
}

/// The number of square blocks of `block_m` holding uncovered demand.
/// Memory follows the blocks, not the units: units are sorted by strip,
/// row and column, so a run of them in one block is one insertion.
fn block_count(demands: &[Demand<'_>], res: f64, block_m: f64) -> usize {
    let o = origin(demands, res);
    let mut keys = std::collections::HashSet::new();
    let mut last = None;
    for (strip, xy, _) in unit_cells(demands, res) {
        let key = block_of(strip, xy, o, block_m);
        if last != Some(key) {
            keys.insert(key);
            last = Some(key);
        }
    }
    keys.len()
}

/// Weighted centres of the uncovered demand in square blocks of `block_m`.
fn block_centres(demands: &[Demand<'_>], res: f64, block_m: f64) -> Vec<(usize, [f64; 2])> {
    let o = origin(demands, res);
    let mut blocks = Blocks::default();
    for (strip, xy, population) in unit_cells(demands, res) {
        let w = population.max(1e-9);
        blocks.add(block_of(strip, xy, o, block_m), [w * xy[0], w * xy[1], w]);
    }
    blocks.centres()
}

/// Weighted positions (`[w·x, w·y, w]`) summed per block (strip, row,
/// column): memory follows the blocks, not the positions added.
#[derive(Default)]
struct Blocks(std::collections::BTreeMap<(u32, i64, i64), [f64; 3]>);

impl Blocks {
    /// Adds a weighted position to its block (each block's sums in the
    /// order of its additions).
    fn add(&mut self, key: (u32, i64, i64), v: [f64; 3]) {
        let acc = self.0.entry(key).or_insert([0.0; 3]);
        for (a, x) in acc.iter_mut().zip(v) {
            *a += x;
        }
    }

    /// The weighted centre of each block, by strip, row and column.
    fn centres(self) -> Vec<(usize, [f64; 2])> {
        self.0
            .into_iter()
            .map(|(key, acc)| (key.0 as usize, [acc[0] / acc[2], acc[1] / acc[2]]))
            .collect()
    }
}
