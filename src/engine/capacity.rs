//! Capacity study: busy-hour load per sector against what the sector can
//! carry, throughput per resident, and coverage per operator, on the
//! signal-level mode's demand points and best servers.
//!
//! # Model
//!
//! Demand ([`crate::model::CapacityConfig`], `[capacity]`): each resident
//! counts `subscribers_per_resident × busy_hour_active_share` active users
//! in the busy hour, each asking `busy_hour_mbps` (or the rate derived from
//! `monthly_gb`). The traffic of a demand point (the signal mode's points:
//! grid-cell centres carrying an equal share of the commune's people, or
//! population points) is shared:
//!
//! * among operators by market share (`[capacity.operators]`; without it,
//!   one network made of every site);
//! * among technologies by `technology_share`, renormalised over the
//!   technologies whose best server *of that operator* covers the point
//!   (level at least the design level, the signal mode's "covered"); a
//!   point no technology of the operator covers is unserved.
//!
//! Supply: each share goes to the best server (sector, or omni site layer)
//! of its operator and technology. Its SINR is that of the signal mode,
//! against the other site layers of the same operator and technology
//! (different operators transmit on different carriers; one network:
//! every site layer of the technology), with interferers transmitting
//! [`SignalOptions::interferer_load`] of the time. The SINR gives a
//! spectral efficiency by the TR 36.942 attenuated Shannon bound
//! ([`crate::propagation::spectral_efficiency`]).
//!
//! Per sector, with `d_i` the people of served point `i` and `SE_i` its
//! efficiency, the usual equal-resource-sharing approximation (every
//! active user gets the same share of time and frequency) gives
//!
//! ```text
//! capacity_mbps = bandwidth_mhz × mimo_layers × (1 − overhead) × Σ d_i / Σ (d_i / SE_i)
//! load_mbps     = Σ d_i × active users per resident × user demand
//! utilisation   = load_mbps / capacity_mbps
//! user_throughput_mbps = min(user demand, capacity_mbps / active users)
//! ```
//!
//! (`bandwidth_mhz`, `mimo_layers`, `overhead` of `[radio.<tech>]`). A
//! covered point whose SINR is below the mapping's SINR_min (efficiency 0)
//! is *in outage*: it counts in the sector's `served_people` but carries no
//! load, gets a throughput of 0, and is left out of the harmonic mean. A
//! sector that serves no point with a positive efficiency has no capacity
//! (`null`).
//!
//! Per commune and in total: `people_within_capacity` are the residents
//! whose serving sector has utilisation ≤ 1 (outage and unserved residents
//! are not); the mean, 10th percentile and the people at or above each
//! throughput threshold are over *all* residents, the unserved and those in
//! outage counting 0 Mbps. A user's throughput never exceeds the demand
//! (`min(demand, …)`), so a threshold above `busy_hour_mbps` counts nobody.
//! Each figure is the people-weighted sum over the
//! resident's operator and technology shares, so every person is counted
//! exactly once.
//!
//! Per operator (the sites' `operator` property, whether or not
//! `[capacity.operators]` is given): the people covered by that operator's
//! sites alone on each technology and on mobile broadband, beside the union
//! of all sites.
//!
//! Memory: accumulators per commune and per sector (never per point), in
//! one pass over the points like the signal mode. Results do not depend on
//! the number of threads (fixed chunks, sums in input order).
//!
//! ```
//! use telecov::engine::capacity::evaluate_capacity;
//! use telecov::engine::signal::SignalOptions;
//! use telecov::synth::{generate, CityConfig};
//!
//! let mut scenario = generate(&CityConfig {
//!     area_km2: 60.0,
//!     sites: 40,
//!     five_g_sites: 4,
//!     ..CityConfig::can_tho()
//! });
//! scenario.parameters.resolution_m = 200.0;
//! let report = evaluate_capacity(&scenario, &SignalOptions::default()).unwrap();
//! let t = &report.totals;
//! assert!(t.people_within_capacity <= t.people + 1e-6);
//! assert!(report.sectors.iter().all(|s| s.load_mbps >= 0.0));
//! ```

use std::collections::BTreeMap;

use geo::InteriorPoint;
use rayon::prelude::*;
use serde::Serialize;

use super::signal::{
    commune_points, refuse_large, GroupReception, SignalIndex, SignalOptions, POINTS_PER_QUERY,
};
use super::{site_environment, site_ranges};
use crate::model::{FeatureId, LayerFigures, Scenario, Technology};
use crate::propagation::spectral_efficiency::ShannonMapping;
use crate::Result;

/// Schema name of [`CapacityReport`] (not written in `capacity.json`,
/// whose shape is fixed).
pub const CAPACITY_SCHEMA: &str = "telecov.capacity/1";

/// Points of a population file evaluated together (fixed, so sums do not
/// depend on the number of threads).
const POINTS_PER_CHUNK: usize = 1024;

/// One sector (or omni site layer) of one technology.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectorCapacity {
    /// Site index in the scenario.
    #[serde(skip)]
    pub site: usize,
    /// Site id.
    pub site_id: FeatureId,
    /// Sector index in the site's `sectors` (`None`: omnidirectional).
    pub sector: Option<usize>,
    /// The site's operator.
    pub operator: Option<String>,
    /// Technology layer.
    pub technology: Technology,
    /// Carriers of `bandwidth_mhz` on this sector (`[capacity.carriers]`,
    /// 1 by default); the capacity is proportional. Not written in
    /// `capacity.json`, whose shape is fixed (the scenario's
    /// `[capacity.carriers]` holds it).
    #[serde(skip)]
    pub carriers: u32,
    /// Residents served (outage included).
    pub served_people: f64,
    /// Active users in the busy hour (outage excluded).
    pub active_users: f64,
    /// Offered busy-hour load, Mbps.
    pub load_mbps: f64,
    /// What the sector carries, Mbps (`None`: it serves no point with a
    /// positive spectral efficiency).
    pub capacity_mbps: Option<f64>,
    /// load / capacity.
    pub utilisation: Option<f64>,
    /// Mean SINR over the people served, dB.
    pub mean_sinr_db: Option<f64>,
    /// Mean spectral efficiency (per layer) over the people served,
    /// bit/s/Hz.
    pub mean_spectral_efficiency: Option<f64>,
    /// Busy-hour throughput of one active user, Mbps.
    pub user_throughput_mbps: Option<f64>,
    /// Boresight azimuth (degrees from true north) and beamwidth of the
    /// sector, for maps.
    #[serde(skip)]
    pub wedge_deg: Option<(f64, f64)>,
    /// The layer's range-mode radius, metres (for maps).
    #[serde(skip)]
    pub range_m: Option<f64>,
    /// Centre of the load the sector carries: the mean WGS 84 position
    /// (lon, lat) of its served points with a positive spectral efficiency,
    /// weighted by their people (`None`: it carries none). Where a planner
    /// puts a site to take the load.
    #[serde(skip)]
    pub demand_centre: Option<(f64, f64)>,
    /// The sums the figures come from (served, outage, Σ d/SE, Σ d·SINR,
    /// Σ d·SE over its points), kept so that
    /// [`CapacityReport::with_carriers`] recomputes the figures exactly.
    #[serde(skip)]
    pub sums: [f64; 5],
}

/// Capacity figures over some residents (a commune, or all).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaCapacity {
    /// Residents.
    pub people: f64,
    /// Residents whose serving sector has utilisation ≤ 1.
    pub people_within_capacity: f64,
    /// 100 × within / people (`None` without people).
    pub pct_within_capacity: Option<f64>,
    /// Mean busy-hour throughput per resident's active user, Mbps.
    pub mean_user_throughput_mbps: Option<f64>,
    /// 10th percentile of that throughput, Mbps.
    pub p10_user_throughput_mbps: Option<f64>,
    /// Residents whose throughput reaches each threshold, keyed by the
    /// threshold as written (`"5"`, `"10"`, `"25"`).
    pub people_at_least_mbps: BTreeMap<String, f64>,
}

/// One commune's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommuneCapacity {
    /// Commune id.
    pub id: FeatureId,
    /// The figures.
    #[serde(flatten)]
    pub figures: AreaCapacity,
}

/// People covered per technology and on mobile broadband, from the
/// sums in layer order (2G, 3G, 4G, 5G, mobile broadband).
fn layer_people(a: &[f64; 5]) -> LayerFigures {
    LayerFigures {
        g2: a[0],
        g3: a[1],
        g4: a[2],
        g5: a[3],
        mobile_broadband: a[4],
    }
}

/// One operator's coverage alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorCoverage {
    /// Operator name (sites' `operator`).
    pub operator: String,
    /// People covered by its sites (design level), in total.
    pub population_covered: LayerFigures,
    /// Per commune, in input order.
    pub communes: Vec<CommuneCoverage>,
}

/// One commune's covered people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommuneCoverage {
    /// Commune id.
    pub id: FeatureId,
    /// People covered.
    pub population_covered: LayerFigures,
}

/// Coverage of each operator alone, beside the union of all sites.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageByOperator {
    /// Every site together, in total.
    pub union: LayerFigures,
    /// One entry per operator, in order of first appearance in the sites.
    pub operators: Vec<OperatorCoverage>,
}

/// Result of [`evaluate_capacity`] (written as `capacity.json` and
/// `sectors.geojson`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityReport {
    /// Every sector (or omni layer) of every site on a technology with a
    /// positive `technology_share`, in site order, then technology, then
    /// sector.
    pub sectors: Vec<SectorCapacity>,
    /// One entry per commune, in input order.
    pub communes: Vec<CommuneCapacity>,
    /// Over all communes.
    pub totals: AreaCapacity,
    /// Per-operator coverage, when sites name operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_by_operator: Option<CoverageByOperator>,
    /// People in no commune (points mode), not in the totals.
    #[serde(skip)]
    pub unassigned_population: f64,
    /// Where each sector's carried residents (served, not in outage) live:
    /// `(sector index in `sectors`, commune index, people)`, in commune
    /// order then sector order. A sector's entries sum to its
    /// `served_people` minus its outage.
    #[serde(skip)]
    pub carried_by_commune: Vec<(usize, usize, f64)>,
    /// Per commune (input order): its people, its unserved people, and
    /// `(sector index, served, outage)` of each sector serving it, in
    /// sector key order (what the commune figures are made of).
    #[serde(skip)]
    pub commune_sums: Vec<CommuneSums>,
    /// Notes, as in `report.json`.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// What one commune's figures are made of ([`CapacityReport::commune_sums`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommuneSums {
    /// Residents.
    pub people: f64,
    /// Residents no technology serves.
    pub unserved: f64,
    /// `(sector index in `sectors`, served, outage)`, people.
    pub sectors: Vec<(usize, f64, f64)>,
}

/// (site, sector index or 0, technology index).
type SectorKey = (u32, u32, u8);

/// Sums of one sector within one commune: served, outage, Σ d/SE,
/// Σ d·SINR, Σ d·SE, and Σ d·x, Σ d·y over the points with SE > 0 (grid
/// metres of the commune's strip).
type SectorSums = [f64; 7];

/// What a commune (or a piece of it) accumulates.
#[derive(Debug, Clone, Default)]
struct Acc {
    /// Residents counted.
    people: f64,
    /// Residents no technology serves (per network share).
    unserved: f64,
    sectors: BTreeMap<SectorKey, SectorSums>,
    /// Per operator group: covered people per technology and broadband.
    covered: Vec<[f64; 5]>,
    /// Union of all sites.
    union: [f64; 5],
}

impl Acc {
    fn new(groups: usize) -> Self {
        Acc {
            covered: vec![[0.0; 5]; groups],
            ..Acc::default()
        }
    }

    fn add(&mut self, o: &Acc) {
        self.people += o.people;
        self.unserved += o.unserved;
        for (k, v) in &o.sectors {
            let e = self.sectors.entry(*k).or_insert([0.0; 7]);
            add_n(e, v);
        }
        for (a, b) in self.covered.iter_mut().zip(&o.covered) {
            add5(a, b);
        }
        add5(&mut self.union, &o.union);
    }

    fn scale(&mut self, k: f64) {
        self.people *= k;
        self.unserved *= k;
        for v in self.sectors.values_mut() {
            for x in v.iter_mut() {
                *x *= k;
            }
        }
        for a in &mut self.covered {
            for x in a.iter_mut() {
                *x *= k;
            }
        }
        for x in &mut self.union {
            *x *= k;
        }
    }
}

/// The fixed inputs of the per-point work.
struct Study<'s, 'a> {
    index: &'s SignalIndex<'a>,
    /// Operator group of each site (last group: no operator).
    group_of_site: Vec<usize>,
    groups: usize,
    /// Capacity networks: (operator group or `None` for one network of
    /// every site, market share).
    networks: Vec<(Option<usize>, f64)>,
    share: [f64; 4],
    mappings: [ShannonMapping; 4],
}

impl Study<'_, '_> {
    /// Adds the points (of strip `strip`, each of weight `w`) into `acc`.
    fn tally(&self, strip: usize, points: &[[f64; 2]], w: f64, acc: &mut Acc) {
        acc.people += w * points.len() as f64;
        let mut near = Vec::new();
        // per technology, per point, per group
        let mut rx: [Vec<GroupReception>; 4] = Default::default();
        let mut present = [false; 4];
        for tech in Technology::ALL {
            let t = tech.index();
            self.index.candidates(strip, t, points, &mut near);
            if near.is_empty() {
                continue;
            }
            present[t] = true;
            rx[t] = vec![GroupReception::default(); points.len() * self.groups];
            for (i, &p) in points.iter().enumerate() {
                let out = &mut rx[t][i * self.groups..(i + 1) * self.groups];
                self.index
                    .receive_groups(&near, p, &self.group_of_site, out);
            }
        }
        for (i, &p) in points.iter().enumerate() {
            self.tally_point(i, p, &rx, &present, w, acc);
        }
    }

    fn tally_point(
        &self,
        i: usize,
        p: [f64; 2],
        rx: &[Vec<GroupReception>; 4],
        present: &[bool; 4],
        w: f64,
        acc: &mut Acc,
    ) {
        let g0 = i * self.groups;
        let design = |t: usize| self.index.levels[t].design_dbm - 1e-9;
        // coverage per operator group and union
        let mut union_mbb = false;
        let mut group_mbb = vec![false; self.groups];
        for t in 0..4 {
            if !present[t] {
                continue;
            }
            let mut any = false;
            for g in 0..self.groups {
                if rx[t][g0 + g].best.is_some_and(|(l, _, _)| l >= design(t)) {
                    acc.covered[g][t] += w;
                    any = true;
                    if t > 0 {
                        group_mbb[g] = true;
                    }
                }
            }
            if any {
                acc.union[t] += w;
                union_mbb |= t > 0;
            }
        }
        for (g, mbb) in group_mbb.iter().enumerate() {
            if *mbb {
                acc.covered[g][4] += w;
            }
        }
        if union_mbb {
            acc.union[4] += w;
        }
        // capacity, network by network
        for &(network, market) in &self.networks {
            if market == 0.0 {
                continue;
            }
            // best server, SINR per technology
            let mut served: [Option<(SectorKey, f64)>; 4] = [None; 4];
            let mut share_sum = 0.0;
            for t in 0..4 {
                if !present[t] || self.share[t] == 0.0 {
                    continue;
                }
                let here = &rx[t][g0..g0 + self.groups];
                let (best, total_mw) = match network {
                    Some(g) => (here[g].best, here[g].total_mw),
                    None => {
                        let mut best: Option<(f64, usize, usize)> = None;
                        let mut total = 0.0;
                        for r in here {
                            total += r.total_mw;
                            if let Some((l, s, k)) = r.best {
                                let better = match best {
                                    None => true,
                                    Some((b, bs, _)) => l > b || (l == b && s < bs),
                                };
                                if better {
                                    best = Some((l, s, k));
                                }
                            }
                        }
                        (best, total)
                    }
                };
                let Some((level, site, sector)) = best else {
                    continue;
                };
                if level < design(t) {
                    continue;
                }
                let sinr = self.index.sinr_db(t, level, total_mw);
                served[t] = Some(((site as u32, sector as u32, t as u8), sinr));
                share_sum += self.share[t];
            }
            if share_sum == 0.0 {
                acc.unserved += w * market;
                continue;
            }
            for (t, here) in served.iter().enumerate() {
                let Some((key, sinr)) = *here else {
                    continue;
                };
                let q = w * market * self.share[t] / share_sum;
                let se = self.mappings[t].spectral_efficiency(sinr);
                let e = acc.sectors.entry(key).or_insert([0.0; 7]);
                e[0] += q;
                e[3] += q * sinr;
                if se > 0.0 {
                    e[2] += q / se;
                    e[4] += q * se;
                    e[5] += q * p[0];
                    e[6] += q * p[1];
                } else {
                    e[1] += q;
                }
            }
        }
    }
}

/// Runs the capacity study on `scenario` (see the module docs), with the
/// signal mode's `options` (pattern, interferer load, largest grid; its
/// thresholds and SINR layer are not used).
///
/// Refuses what [`super::signal::evaluate_signal`] refuses, and
/// `[capacity.operators]` with a site whose `operator` is missing or not
/// listed. Results do not depend on the number of threads.
pub fn evaluate_capacity(scenario: &Scenario, options: &SignalOptions) -> Result<CapacityReport> {
    scenario.validate()?;
    let unwrapped = super::antimeridian::unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let config = &scenario.parameters.capacity;
    let share = config.technology_share;
    let interference = Technology::ALL.map(|t| share[t.index()] > 0.0);
    let index = SignalIndex::with_interference(scenario, options, interference)?;
    let prepared = &index.prepared;
    let res = scenario.parameters.resolution_m;

    // operator groups: names in order of first appearance, then "none"
    let mut names: Vec<String> = Vec::new();
    let group_of_site: Vec<usize> = scenario
        .sites
        .iter()
        .map(|s| match s.operator.as_deref() {
            Some(o) => names.iter().position(|n| n == o).unwrap_or_else(|| {
                names.push(o.to_owned());
                names.len() - 1
            }),
            None => usize::MAX,
        })
        .collect();
    let groups = names.len() + 1;
    let group_of_site: Vec<usize> = group_of_site
        .into_iter()
        .map(|g| if g == usize::MAX { names.len() } else { g })
        .collect();
    let networks: Vec<(Option<usize>, f64)> = if config.operators.is_empty() {
        vec![(None, 1.0)]
    } else {
        config
            .operators
            .iter()
            .map(|(o, m)| (names.iter().position(|n| n == o), *m))
            // an operator without sites: its residents are unserved
            .map(|(g, m)| (Some(g.unwrap_or(names.len())), m))
            .collect()
    };
    // an operator listed without sites maps to the "none" group, which is
    // empty since every site has a listed operator
    let study = Study {
        index: &index,
        group_of_site,
        groups,
        networks,
        share,
        mappings: Technology::ALL.map(ShannonMapping::of),
    };

    let mut warnings = prepared.warnings.clone();
    let mut unassigned_population = 0.0;
    let accs: Vec<Acc> = match &scenario.population {
        None => {
            refuse_large(scenario, prepared, res, options.max_demand_points)?;
            let results: Vec<(Acc, Option<String>)> = (0..scenario.communes.len())
                .into_par_iter()
                .map(|c| {
                    let commune = &scenario.communes[c];
                    let pop = commune.population.unwrap_or(0.0);
                    let mut acc = Acc::new(groups);
                    let Some((_, polygon)) = prepared.project(c) else {
                        acc.people = pop;
                        acc.unserved = pop;
                        return (acc, None);
                    };
                    let strip = prepared.commune_strip[c].unwrap_or(0);
                    let rows = commune_points(&polygon, res);
                    let n: usize = rows.iter().map(Vec::len).sum();
                    if n == 0 {
                        let Some(p) = polygon.interior_point() else {
                            acc.people = pop;
                            acc.unserved = pop;
                            return (acc, None);
                        };
                        study.tally(strip, &[[p.x(), p.y()]], pop, &mut acc);
                        let note = format!(
                            "communes.geojson: commune {:?} has no measurable area at resolution_m = {res}; its people are placed on one representative point",
                            commune.id.key()
                        );
                        return (acc, Some(note));
                    }
                    let per_row: Vec<Acc> = rows
                        .par_iter()
                        .with_min_len(4)
                        .map(|row| {
                            let mut a = Acc::new(groups);
                            for piece in row.chunks(POINTS_PER_QUERY) {
                                study.tally(strip, piece, 1.0, &mut a);
                            }
                            a
                        })
                        .collect();
                    for a in &per_row {
                        acc.add(a);
                    }
                    acc.scale(pop / n as f64);
                    acc.people = pop;
                    (acc, None)
                })
                .collect();
            let mut accs = Vec::with_capacity(results.len());
            for (a, note) in results {
                accs.push(a);
                warnings.extend(note);
            }
            accs
        }
        Some(points) => {
            let chunks: Vec<(Vec<(usize, Acc)>, f64)> = points
                .par_chunks(POINTS_PER_CHUNK)
                .map(|chunk| {
                    let mut per_commune: BTreeMap<usize, Acc> = BTreeMap::new();
                    let mut unassigned = 0.0;
                    for pt in chunk {
                        let located = pt.location.and_then(|loc| {
                            let c = prepared.locator.locate(loc)?;
                            let z = prepared.commune_strip[c]?;
                            Some((c, z, prepared.indexes[z].frame.forward(loc.x(), loc.y())))
                        });
                        match located {
                            Some((c, z, p)) => {
                                let acc = per_commune.entry(c).or_insert_with(|| Acc::new(groups));
                                study.tally(z, &[p], pt.population, acc);
                            }
                            None => unassigned += pt.population,
                        }
                    }
                    (per_commune.into_iter().collect(), unassigned)
                })
                .collect();
            let mut accs: Vec<Acc> = (0..scenario.communes.len())
                .map(|_| Acc::new(groups))
                .collect();
            for (per_commune, unassigned) in chunks {
                unassigned_population += unassigned;
                for (c, a) in per_commune {
                    accs[c].add(&a);
                }
            }
            accs
        }
    };

    Ok(assemble(
        scenario,
        &study,
        &names,
        accs,
        unassigned_population,
        warnings,
    ))
}

/// Sector, commune and total figures from the per-commune sums.
fn assemble(
    scenario: &Scenario,
    study: &Study<'_, '_>,
    names: &[String],
    accs: Vec<Acc>,
    unassigned_population: f64,
    warnings: Vec<String>,
) -> CapacityReport {
    let config = &scenario.parameters.capacity;
    let radio = &scenario.parameters.radio;
    let prepared = &study.index.prepared;

    // sector sums over communes, in commune order; the demand centre as
    // the people-weighted mean of each commune's centre in WGS 84
    let mut sums: BTreeMap<SectorKey, SectorSums> = BTreeMap::new();
    let mut centres: BTreeMap<SectorKey, [f64; 3]> = BTreeMap::new();
    for (c, a) in accs.iter().enumerate() {
        for (k, v) in &a.sectors {
            let e = sums.entry(*k).or_insert([0.0; 7]);
            add_n(e, v);
            let carried = v[0] - v[1];
            if carried > 0.0 {
                let z = prepared.commune_strip[c].unwrap_or(0);
                let (lon, lat) = prepared.indexes[z]
                    .frame
                    .inverse([v[5] / carried, v[6] / carried]);
                let e = centres.entry(*k).or_insert([0.0; 3]);
                e[0] += carried * lon;
                e[1] += carried * lat;
                e[2] += carried;
            }
        }
    }
    // every sector of every site layer on a technology with demand
    let mut sectors = Vec::new();
    let mut position: BTreeMap<SectorKey, usize> = BTreeMap::new();
    let mut scratch = Vec::new();
    let carrier_table = config.carrier_table();
    for (s, site) in scenario.sites.iter().enumerate() {
        let site_key = site.id.key();
        let env = site_environment(scenario, site, prepared.site_commune[s]);
        let ranges = site_ranges(site, &scenario.parameters, env, &mut scratch);
        for tech in site.technologies.iter() {
            let t = tech.index();
            if study.share[t] == 0.0 {
                continue;
            }
            let count = site.sectors.len().max(1);
            let site_carriers = carrier_table.get(&(site_key.as_str(), t));
            for k in 0..count {
                let carriers = site_carriers.map_or(1, |c| c.of_sector(k));
                let key = (s as u32, k as u32, t as u8);
                let v = sums.get(&key).copied().unwrap_or([0.0; 7]);
                let sector = site.sectors.get(k);
                position.insert(key, sectors.len());
                let mut sc = SectorCapacity {
                    site: s,
                    site_id: site.id.clone(),
                    sector: sector.map(|_| k),
                    operator: site.operator.clone(),
                    technology: tech,
                    carriers,
                    served_people: 0.0,
                    active_users: 0.0,
                    load_mbps: 0.0,
                    capacity_mbps: None,
                    utilisation: None,
                    mean_sinr_db: None,
                    mean_spectral_efficiency: None,
                    user_throughput_mbps: None,
                    wedge_deg: sector.map(|x| (x.azimuth_deg, x.beamwidth_deg)),
                    range_m: sector.and_then(|x| x.range_m).or(ranges[t].map(|r| r.0)),
                    demand_centre: centres.get(&key).map(|e| (e[0] / e[2], e[1] / e[2])),
                    sums: [v[0], v[1], v[2], v[3], v[4]],
                };
                sector_figures(&mut sc, config, radio);
                sectors.push(sc);
            }
        }
    }

    let mut commune_sums = Vec::with_capacity(accs.len());
    let mut carried_by_commune = Vec::new();
    for (ci, a) in accs.iter().enumerate() {
        let mut cs = CommuneSums {
            people: a.people,
            unserved: a.unserved,
            sectors: Vec::with_capacity(a.sectors.len()),
        };
        for (k, v) in &a.sectors {
            carried_by_commune.push((position[k], ci, v[0] - v[1]));
            cs.sectors.push((position[k], v[0], v[1]));
        }
        commune_sums.push(cs);
    }
    let (communes, totals) = area_results(scenario, &sectors, &commune_sums);

    let coverage_by_operator = (!names.is_empty()).then(|| {
        let mut union = [0.0; 5];
        for a in &accs {
            add5(&mut union, &a.union);
        }
        CoverageByOperator {
            union: layer_people(&union),
            operators: names
                .iter()
                .enumerate()
                .map(|(g, name)| {
                    let mut total = [0.0; 5];
                    let communes = scenario
                        .communes
                        .iter()
                        .zip(&accs)
                        .map(|(c, a)| {
                            add5(&mut total, &a.covered[g]);
                            CommuneCoverage {
                                id: c.id.clone(),
                                population_covered: layer_people(&a.covered[g]),
                            }
                        })
                        .collect();
                    OperatorCoverage {
                        operator: name.clone(),
                        population_covered: layer_people(&total),
                        communes,
                    }
                })
                .collect(),
        }
    });

    CapacityReport {
        sectors,
        communes,
        totals,
        coverage_by_operator,
        unassigned_population,
        carried_by_commune,
        commune_sums,
        warnings,
    }
}

/// A sector's figures from its sums and carriers (`sc.sums`,
/// `sc.carriers`): the one place they are computed, so a study and
/// [`CapacityReport::with_carriers`] agree to the last bit.
fn sector_figures(
    sc: &mut SectorCapacity,
    config: &crate::model::CapacityConfig,
    radio: &crate::model::RadioConfig,
) {
    let active_per_resident = config.active_users_per_resident();
    let demand_mbps = config.user_demand_mbps();
    let tr = radio.technology(sc.technology);
    let per_hz = tr.bandwidth_mhz * tr.mimo_layers * (1.0 - tr.overhead);
    let per_hz = per_hz * f64::from(sc.carriers);
    let [served, outage, inv_se, sinr_sum, se_sum] = sc.sums;
    let carried = served - outage;
    let active_users = carried.max(0.0) * active_per_resident;
    let load_mbps = active_users * demand_mbps;
    let capacity_mbps = (carried > 0.0 && inv_se > 0.0).then(|| per_hz * carried / inv_se);
    sc.served_people = served;
    sc.active_users = active_users;
    sc.load_mbps = load_mbps;
    sc.capacity_mbps = capacity_mbps;
    sc.utilisation = capacity_mbps.map(|c| load_mbps / c);
    sc.user_throughput_mbps =
        capacity_mbps.and_then(|c| (active_users > 0.0).then(|| demand_mbps.min(c / active_users)));
    sc.mean_sinr_db = (served > 0.0).then(|| sinr_sum / served);
    sc.mean_spectral_efficiency = (served > 0.0).then(|| se_sum / served);
}

/// Commune and total figures from the sectors' figures and the communes'
/// sums.
fn area_results(
    scenario: &Scenario,
    sectors: &[SectorCapacity],
    commune_sums: &[CommuneSums],
) -> (Vec<CommuneCapacity>, AreaCapacity) {
    // per commune: (throughput, people, within) samples
    let thresholds = &scenario.parameters.capacity.throughput_thresholds_mbps;
    let mut all_samples: Vec<(f64, f64, bool)> = Vec::new();
    let mut communes = Vec::with_capacity(commune_sums.len());
    let mut total_people = 0.0;
    for (c, a) in scenario.communes.iter().zip(commune_sums) {
        let mut samples = vec![(0.0, a.unserved, false)];
        for &(k, served, outage) in &a.sectors {
            let sc = &sectors[k];
            let within = sc.utilisation.is_some_and(|u| u <= 1.0 + 1e-12);
            samples.push((0.0, outage, false));
            samples.push((
                sc.user_throughput_mbps.unwrap_or(0.0),
                served - outage,
                within,
            ));
        }
        communes.push(CommuneCapacity {
            id: c.id.clone(),
            figures: area_figures(a.people, &mut samples, thresholds),
        });
        total_people += a.people;
        all_samples.extend(samples);
    }
    let totals = area_figures(total_people, &mut all_samples, thresholds);
    (communes, totals)
}

impl CapacityReport {
    /// The study of `scenario` when it differs from the one studied only
    /// by its carriers (`[capacity.carriers]`), computed from this
    /// report's sums without a new pass over the points: carriers change a
    /// sector's capacity, never its load, SINR or served points (see
    /// [`crate::model::capacity`]), so the result equals a new study of
    /// `scenario` exactly (tested bit for bit). `scenario` must have the
    /// same sites, communes and demand as the studied one.
    ///
    /// ```
    /// use telecov::engine::capacity::evaluate_capacity;
    /// use telecov::engine::signal::SignalOptions;
    /// use telecov::synth::{generate, CityConfig};
    ///
    /// let mut scenario = generate(&CityConfig { area_km2: 60.0, sites: 40, five_g_sites: 4,
    ///     ..CityConfig::can_tho() });
    /// scenario.parameters.resolution_m = 250.0;
    /// let before = evaluate_capacity(&scenario, &SignalOptions::default()).unwrap();
    /// // two carriers on the first sector that carries load
    /// let k = before.sectors.iter().position(|s| s.capacity_mbps.is_some()).unwrap();
    /// let sc = &before.sectors[k];
    /// let site = &scenario.sites[sc.site];
    /// let (id, n) = (site.id.key(), site.sectors.len());
    /// scenario.parameters.capacity.set_carriers(&id, sc.technology, n, sc.sector.unwrap_or(0), 2);
    /// let quick = before.with_carriers(&scenario);
    /// let full = evaluate_capacity(&scenario, &SignalOptions::default()).unwrap();
    /// assert_eq!(quick.sectors, full.sectors);
    /// assert_eq!(quick.totals, full.totals);
    /// let twice = 2.0 * before.sectors[k].capacity_mbps.unwrap();
    /// assert!((quick.sectors[k].capacity_mbps.unwrap() - twice).abs() < 1e-9 * twice);
    /// ```
    pub fn with_carriers(&self, scenario: &Scenario) -> CapacityReport {
        let config = &scenario.parameters.capacity;
        let radio = &scenario.parameters.radio;
        let table = config.carrier_table();
        let mut out = self.clone();
        for sc in &mut out.sectors {
            let site_key = sc.site_id.key();
            let carriers = table
                .get(&(site_key.as_str(), sc.technology.index()))
                .map_or(1, |c| c.of_sector(sc.sector.unwrap_or(0)));
            if carriers != sc.carriers {
                sc.carriers = carriers;
                sector_figures(sc, config, radio);
            }
        }
        let (communes, totals) = area_results(scenario, &out.sectors, &out.commune_sums);
        out.communes = communes;
        out.totals = totals;
        out
    }
}

/// a += b, element by element (any length).
fn add_n<const N: usize>(a: &mut [f64; N], b: &[f64; N]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// a += b, element by element.
fn add5(a: &mut [f64; 5], b: &[f64; 5]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// The figures of residents `people` given (throughput, people, within
/// capacity) samples (sorted here).
fn area_figures(people: f64, samples: &mut [(f64, f64, bool)], thresholds: &[f64]) -> AreaCapacity {
    // `+ 0.0`: an empty sum of f64 is −0.0
    let within: f64 = samples.iter().filter(|s| s.2).map(|s| s.1).sum::<f64>() + 0.0;
    let weighted: f64 = samples.iter().map(|s| s.0 * s.1).sum::<f64>() + 0.0;
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let p10 = (people > 0.0).then(|| {
        let target = 0.1 * people;
        let mut cum = 0.0;
        for s in samples.iter() {
            cum += s.1;
            if cum >= target - 1e-9 * people {
                return s.0;
            }
        }
        samples.last().map_or(0.0, |s| s.0)
    });
    let people_at_least_mbps = thresholds
        .iter()
        .map(|&th| {
            let n: f64 = samples
                .iter()
                .filter(|s| s.0 >= th)
                .map(|s| s.1)
                .sum::<f64>()
                + 0.0;
            (threshold_key(th), n)
        })
        .collect();
    AreaCapacity {
        people,
        people_within_capacity: within,
        pct_within_capacity: (people > 0.0).then(|| 100.0 * within / people),
        mean_user_throughput_mbps: (people > 0.0).then(|| weighted / people),
        p10_user_throughput_mbps: p10,
        people_at_least_mbps,
    }
}

/// A threshold as a key: `5` → `"5"`, `2.5` → `"2.5"`.
fn threshold_key(th: f64) -> String {
    if th.fract() == 0.0 && th.abs() < 1e15 {
        format!("{}", th as i64)
    } else {
        format!("{th}")
    }
}
