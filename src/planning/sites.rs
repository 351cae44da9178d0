//! New BTS sites for the mobile targets: candidates, then CELF.
//!
//! Demand units are the uncovered cells (or points) of each targeted layer
//! with their uncovered people ([`super::cells`]). A new site covers the
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

use super::cells::{gained, reached, uncovered_of, Uncovered, Unit};
use super::greedy::{run_celf, Oracle};
use super::plan::{
    fresh_id, new_site, wrapped_point, Claim, CurvePoint, PlanOptions, ProposedSite, Scope, Target,
};
use crate::engine::probe::inverse_near;
use crate::model::{Scenario, Technology};
use crate::report::{pct, Report};
use crate::{Error, Result};

/// What [`plan_sites`] returns.
pub(crate) struct SitesOutcome {
    pub sites: Vec<ProposedSite>,
    pub curve: Vec<CurvePoint>,
    pub claims: Vec<Claim>,
    pub notes: Vec<String>,
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
    trees: Vec<RTree<GeomWithData<[f64; 2], usize>>>,
    /// Group of each unit (commune, or 0 for the whole scenario).
    group: Vec<usize>,
    caps: Vec<f64>,
    got: Vec<f64>,
    /// Sub-points of each unit still uncovered.
    remaining: Vec<u64>,
    /// People newly covered per commune (uncapped).
    gained: Vec<f64>,
}

struct SiteOracle<'a> {
    demands: Vec<Demand<'a>>,
    candidates: Vec<Candidate>,
    points_mode: bool,
    resolution_m: f64,
}

impl SiteOracle<'_> {
    /// Per demand: units candidate `c` reaches, with the share of each it
    /// covers and the people that share newly brings.
    fn new_units(&self, d: usize, c: usize) -> Vec<(usize, u64, f64)> {
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
        let dist = |p: [f64; 2]| ((p[0] - cand.xy[0]).powi(2) + (p[1] - cand.xy[1]).powi(2)).sqrt();
        dem.trees[cand.strip]
            .locate_within_distance(cand.xy, (r + slack) * (r + slack))
            .filter_map(|g| {
                let u = g.data;
                if dem.remaining[u] == 0 {
                    return None;
                }
                let unit = &dem.units[u];
                let hit = reached(unit, res, dem.remaining[u], dist(unit.xy), r, dist);
                (hit != 0).then(|| (u, hit, gained(unit, unit.population, hit)))
            })
            .collect()
    }

    fn capped(&self, d: usize, units: &[(usize, u64, f64)]) -> f64 {
        let dem = &self.demands[d];
        let mut v: Vec<(usize, f64)> = units.iter().map(|&(u, _, w)| (dem.group[u], w)).collect();
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
                dem.remaining[u] &= !hit;
                dem.got[dem.group[u]] += w;
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

/// Plans new sites for the mobile `targets`.
pub(crate) fn plan_sites(
    scenario: &Scenario,
    report: &Report,
    uncovered: &Uncovered,
    targets: &[Target],
    options: &PlanOptions,
    taken: &std::collections::HashSet<String>,
) -> Result<SitesOutcome> {
    let n_communes = scenario.communes.len();
    let mut out = SitesOutcome {
        sites: Vec::new(),
        curve: Vec::new(),
        claims: Vec::new(),
        notes: Vec::new(),
    };
    if targets.is_empty() {
        return Ok(out);
    }
    let strips = uncovered.frames.len();
    let mut demands = Vec::new();
    for t in targets {
        let units = uncovered.units(t.layer);
        let mut trees = Vec::with_capacity(strips);
        for z in 0..strips {
            trees.push(RTree::bulk_load(
                units
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.strip as usize == z)
                    .map(|(k, u)| GeomWithData::new(u.xy, k))
                    .collect(),
            ));
        }
        let (group, caps): (Vec<usize>, Vec<f64>) = match t.scope {
            Scope::EachCommune => (
                units.iter().map(|u| u.commune as usize).collect(),
                (0..n_communes)
                    .map(|c| {
                        let (u, _) = uncovered_of(report, c, t.layer);
                        let pop = report.communes[c].population;
                        (t.pct / 100.0 * pop - (pop - u)).max(0.0)
                    })
                    .collect(),
            ),
            Scope::Total => {
                let pop = report.totals.population;
                let covered: f64 = (0..n_communes)
                    .map(|c| report.communes[c].population - uncovered_of(report, c, t.layer).0)
                    .sum();
                (
                    vec![0; units.len()],
                    vec![(t.pct / 100.0 * pop - covered).max(0.0)],
                )
            }
        };
        let n_groups = caps.len();
        demands.push(Demand {
            target: *t,
            units,
            trees,
            group,
            caps,
            got: vec![0.0; n_groups],
            remaining: units.iter().map(|u| u.free).collect(),
            gained: vec![0.0; n_communes],
        });
    }

    let candidates = candidates(scenario, uncovered, &demands, options)?;
    let budget = options.max_sites.unwrap_or(PlanOptions::MAX_SITES);
    let mut oracle = SiteOracle {
        demands,
        candidates,
        points_mode: uncovered.points_mode,
        resolution_m: uncovered.resolution_m,
    };
    // before any site
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
    out.curve.push(curve_point(&oracle, 0));
    // a tiny gain (a millionth of a person) is rounding, not coverage
    let picks = run_celf(&mut oracle, budget, 1e-6);
    // replay the picks for per-site figures (the oracle's state is final;
    // the curve needs each step)
    let mut replay = SiteOracle {
        demands: oracle
            .demands
            .iter()
            .map(|d| Demand {
                target: d.target,
                units: d.units,
                trees: Vec::new(),
                group: d.group.clone(),
                caps: d.caps.clone(),
                got: vec![0.0; d.caps.len()],
                remaining: d.units.iter().map(|u| u.free).collect(),
                gained: vec![0.0; n_communes],
            })
            .collect(),
        candidates: Vec::new(),
        points_mode: oracle.points_mode,
        resolution_m: oracle.resolution_m,
    };
    std::mem::swap(&mut replay.candidates, &mut oracle.candidates);
    for (d, o) in replay.demands.iter_mut().zip(oracle.demands.iter_mut()) {
        std::mem::swap(&mut d.trees, &mut o.trees);
    }
    for (order, &(c, _)) in picks.iter().enumerate() {
        let before: Vec<f64> = replay
            .demands
            .iter()
            .map(|d| d.gained.iter().sum())
            .collect();
        let gain = replay.take(c);
        let point = curve_point(&replay, order + 1);
        let cand = &replay.candidates[c];
        let site = new_site(
            fresh_id("plan-site", order + 1, taken),
            &options.template,
            // back in [−180, 180] from the continuous longitudes around 180°
            wrapped_point(cand.location),
        );
        out.sites.push(ProposedSite {
            site,
            order: order + 1,
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
    for (d, before) in replay.demands.iter().zip(&covered_before) {
        let after: Vec<f64> = before.iter().zip(&d.gained).map(|(b, g)| b + g).collect();
        let meets = |v: &[f64]| match d.target.scope {
            Scope::EachCommune => (0..n_communes)
                .filter(|&c| {
                    let pop = report.communes[c].population;
                    v[c] >= d.target.pct / 100.0 * pop - 1e-9 * pop.max(1.0)
                })
                .count(),
            Scope::Total => {
                let t: f64 = v.iter().sum();
                usize::from(t >= d.target.pct / 100.0 * report.totals.population * (1.0 - 1e-12))
                    * n_communes
            }
        };
        let unmet = d.got.iter().zip(&d.caps).filter(|(g, c)| *g < *c).count();
        if unmet > 0 {
            out.notes.push(format!(
                "{} target {} % ({}): {} not reached with {} new sites{}",
                d.target.layer,
                d.target.pct,
                match d.target.scope {
                    Scope::EachCommune => "each commune",
                    Scope::Total => "whole scenario",
                },
                if d.target.scope == Scope::EachCommune {
                    format!("{unmet} commune(s)")
                } else {
                    "the total".to_owned()
                },
                picks.len(),
                if picks.len() >= budget {
                    " (the site budget)"
                } else {
                    " (no candidate gains more)"
                }
            ));
        }
        out.claims.push(Claim {
            layer: d.target.layer,
            before_pct: pct(before.iter().sum(), report.totals.population),
            after_pct: pct(after.iter().sum(), report.totals.population),
            communes_meeting: (meets(before), meets(&after)),
            before: before.clone(),
            after,
        });
    }
    Ok(out)
}

/// Candidate locations with their ranges.
fn candidates(
    scenario: &Scenario,
    uncovered: &Uncovered,
    demands: &[Demand<'_>],
    options: &PlanOptions,
) -> Result<Vec<Candidate>> {
    let template = &options.template;
    // positions: (strip, xy)
    let mut spots: Vec<(usize, [f64; 2])> = Vec::new();
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
                return Ok(Vec::new());
            }
            let mut block = (0.5 * shortest).max(uncovered.resolution_m);
            loop {
                spots = block_centres(demands, block);
                if spots.len() <= options.max_candidates {
                    break;
                }
                block *= 1.5;
            }
        }
    }
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
    Ok(spots
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
        .collect())
}

/// Weighted centres of the uncovered demand in square blocks of `block_m`.
fn block_centres(demands: &[Demand<'_>], block_m: f64) -> Vec<(usize, [f64; 2])> {
    let mut keyed: Vec<((u32, i64, i64), [f64; 3])> = Vec::new();
    for d in demands {
        for u in d.units {
            let key = (
                u.strip,
                (u.xy[1] / block_m).floor() as i64,
                (u.xy[0] / block_m).floor() as i64,
            );
            let w = u.population.max(1e-9);
            keyed.push((key, [w * u.xy[0], w * u.xy[1], w]));
        }
    }
    keyed.sort_by_key(|a| a.0);
    let mut out: Vec<(usize, [f64; 2])> = Vec::new();
    let mut k = 0;
    while k < keyed.len() {
        let key = keyed[k].0;
        let mut acc = [0.0; 3];
        while k < keyed.len() && keyed[k].0 == key {
            for (a, v) in acc.iter_mut().zip(keyed[k].1) {
                *a += v;
            }
            k += 1;
        }
        out.push((key.0 as usize, [acc[0] / acc[2], acc[1] / acc[2]]));
    }
    out
}
