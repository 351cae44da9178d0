//! The coverage report (`report.json`, schema `telecov.report/1`).
//!
//! Field names and meanings follow the scenario contract exactly; counts are
//! people and households (fractional in uniform mode, where a commune's
//! people are spread over its area). The coverage figures and the
//! `population` / `households` of [`Totals`] are sums over the communes, so
//! they exclude the unassigned; `totals.sites` and `totals.wifi_points` count
//! every loaded feature, inside a commune or not.

use serde::{Deserialize, Serialize};

use crate::geodesy::commune_area_m2;
use crate::model::{FeatureId, Layer, Parameters, Technology};

/// The schema tag written in every report.
pub const SCHEMA: &str = "telecov.report/1";

pub use crate::model::LayerFigures;

/// The city-wide (scenario-wide) figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Residents of all communes (excludes the unassigned).
    pub population: f64,
    /// Households of all communes (excludes the unassigned).
    pub households: f64,
    /// Residents of demand points that lie in no commune (points mode).
    pub unassigned_population: f64,
    /// Households of demand points that lie in no commune (points mode).
    pub unassigned_households: f64,
    /// Residents covered, per layer.
    pub population_covered: LayerFigures,
    /// Households within `fiber_drop_m` of a fibre route.
    pub households_fiber_passed: f64,
    /// Residents within reach of a public wifi access point.
    pub population_wifi_covered: f64,
    /// Number of communes.
    pub communes: usize,
    /// Number of communes holding at least one wifi access point.
    pub communes_with_wifi: usize,
    /// Number of sites in the scenario, inside a commune or not.
    pub sites: usize,
    /// Number of wifi access points in the scenario, inside a commune or not.
    pub wifi_points: usize,
}

/// The figures of one commune.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommuneReport {
    /// The commune's id, in its input JSON type.
    pub id: FeatureId,
    /// Display name (`null` when absent).
    pub name: Option<String>,
    /// Parent unit (`null` when absent).
    pub district: Option<String>,
    /// `ward`, `commune`, `town` (Vietnamese names normalised to these), or
    /// another value as given; `null` when absent.
    pub kind: Option<String>,
    /// Residents.
    pub population: f64,
    /// Households.
    pub households: f64,
    /// Geodesic area of the boundary, km².
    pub area_km2: f64,
    /// Residents covered, per layer.
    pub population_covered: LayerFigures,
    /// Households within `fiber_drop_m` of a fibre route.
    pub households_fiber_passed: f64,
    /// Residents within reach of a public wifi access point.
    pub population_wifi_covered: f64,
    /// Wifi access points located inside the commune.
    pub wifi_points: usize,
    /// Sites located inside the commune.
    pub sites: usize,
}

impl CommuneReport {
    /// Share of the population covered by mobile `layer`, in percent
    /// (0 when the commune has no people).
    pub fn population_covered_pct(&self, tech: Technology) -> f64 {
        pct(self.population_covered.get(tech), self.population)
    }

    /// Share of the population covered by mobile broadband, percent.
    pub fn mobile_broadband_pct(&self) -> f64 {
        pct(self.population_covered.mobile_broadband, self.population)
    }

    /// Share of households passed by fibre, percent.
    pub fn fiber_pct(&self) -> f64 {
        pct(self.households_fiber_passed, self.households)
    }

    /// Share of the population within wifi reach, percent.
    pub fn wifi_pct(&self) -> f64 {
        pct(self.population_wifi_covered, self.population)
    }

    /// People of the commune covered by `layer` (for fibre, the people of
    /// the passed households: the population times the households' share).
    pub fn covered_population(&self, layer: Layer) -> f64 {
        match layer {
            Layer::MobileBroadband => self.population_covered.mobile_broadband,
            Layer::Wifi => self.population_wifi_covered,
            Layer::Fiber => {
                if self.households > 0.0 {
                    self.population * self.households_fiber_passed / self.households
                } else {
                    0.0
                }
            }
            t => t
                .technology()
                .map_or(0.0, |tech| self.population_covered.get(tech)),
        }
    }
}

/// `part / whole` in percent, 0 when `whole` is 0.
pub fn pct(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

/// How demand was modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemandMode {
    /// People spread uniformly over each commune, sampled on a grid.
    Uniform,
    /// People at the points of `population.geojson`.
    Points,
}

/// A coverage report: the contract's `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Every parameter in effect, `ranges_m` included.
    pub parameters: Parameters,
    /// How demand was modelled (an addition to the contract's fields).
    pub demand: DemandMode,
    /// Scenario-wide figures.
    pub totals: Totals,
    /// One entry per commune, in input order.
    pub communes: Vec<CommuneReport>,
    /// Odd but accepted input, and notes on how it was handled.
    pub warnings: Vec<String>,
}

impl Report {
    /// Mobile-layer coverage of the whole scenario, percent of the assigned
    /// population.
    pub fn population_covered_pct(&self, tech: Technology) -> f64 {
        pct(
            self.totals.population_covered.get(tech),
            self.totals.population,
        )
    }

    /// Mobile broadband coverage of the whole scenario, percent.
    pub fn mobile_broadband_pct(&self) -> f64 {
        pct(
            self.totals.population_covered.mobile_broadband,
            self.totals.population,
        )
    }

    /// Share of households passed by fibre in the whole scenario, percent.
    pub fn fiber_pct(&self) -> f64 {
        pct(self.totals.households_fiber_passed, self.totals.households)
    }

    /// Share of the population within wifi reach, percent.
    pub fn wifi_pct(&self) -> f64 {
        pct(self.totals.population_wifi_covered, self.totals.population)
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // serialising plain data with string keys cannot fail
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Relative tolerance of the conservation check (floating-point sums).
const CONSERVATION_TOLERANCE: f64 = 1e-9;

/// Runs the engine on `scenario` and assembles its report: the one place
/// that composes the two (the facade's `evaluate*` and the planner call it).
pub(crate) fn measure(
    scenario: &crate::model::Scenario,
    options: &crate::engine::Options,
    progress: Option<crate::engine::Progress<'_>>,
) -> crate::Result<Report> {
    let evaluation = crate::engine::run(scenario, options, progress, false)?;
    assemble(scenario, evaluation)
}

/// [`measure`] with each site's audit from the same engine pass.
pub(crate) fn measure_audited(
    scenario: &crate::model::Scenario,
    options: &crate::engine::Options,
) -> crate::Result<(Report, Vec<crate::engine::SiteAudit>)> {
    let mut evaluation = crate::engine::run(scenario, options, None, true)?;
    let audits = std::mem::take(&mut evaluation.site_audits);
    Ok((assemble(scenario, evaluation)?, audits))
}

/// [`measure_audited`], also handing back the engine's prepared indexes
/// (when the scenario did not need unwrapping around 180°) for the gap
/// maps of the same run; `alongside` (the same communes, other sites) is
/// measured on the same lines, its evaluation kept in the probe.
pub(crate) fn measure_keeping<'s>(
    scenario: &'s crate::model::Scenario,
    options: &crate::engine::Options,
    alongside: Option<&crate::model::Scenario>,
) -> crate::Result<(
    Report,
    Vec<crate::engine::SiteAudit>,
    Option<crate::engine::probe::Probe<'s>>,
)> {
    let (mut evaluation, probe) =
        crate::engine::run_keeping(scenario, options, None, true, true, alongside)?;
    let audits = std::mem::take(&mut evaluation.site_audits);
    Ok((assemble(scenario, evaluation)?, audits, probe))
}

/// Builds the report from the engine's tallies and checks conservation:
/// every person and household of the input is counted once, in a commune
/// or as unassigned, and no covered figure exceeds its commune's total.
fn assemble(
    scenario: &crate::model::Scenario,
    evaluation: crate::engine::Evaluation,
) -> crate::Result<Report> {
    let mut site_counts = vec![0usize; scenario.communes.len()];
    for c in evaluation.site_commune.iter().flatten() {
        site_counts[*c] += 1;
    }
    let mut wifi_counts = vec![0usize; scenario.communes.len()];
    for c in evaluation.wifi_commune.iter().flatten() {
        wifi_counts[*c] += 1;
    }
    let mut totals = Totals {
        unassigned_population: evaluation.unassigned_population,
        unassigned_households: evaluation.unassigned_households,
        communes: scenario.communes.len(),
        sites: scenario.sites.len(),
        wifi_points: scenario.wifi.len(),
        ..Totals::default()
    };
    // geodesic areas, the costly part, in parallel
    let areas_km2: Vec<f64> = {
        use rayon::prelude::*;
        scenario
            .communes
            .par_iter()
            .map(|c| c.geometry.as_ref().map_or(0.0, commune_area_m2) / 1e6)
            .collect()
    };
    let mut communes = Vec::with_capacity(scenario.communes.len());
    for (i, (commune, tally)) in scenario
        .communes
        .iter()
        .zip(&evaluation.tallies)
        .enumerate()
    {
        let covered = LayerFigures {
            g2: tally.population[Technology::G2.index()],
            g3: tally.population[Technology::G3.index()],
            g4: tally.population[Technology::G4.index()],
            g5: tally.population[Technology::G5.index()],
            mobile_broadband: tally.population[Layer::MobileBroadband.bit()],
        };
        let row = CommuneReport {
            id: commune.id.clone(),
            name: commune.name.clone(),
            district: commune.district.clone(),
            kind: commune.kind.as_ref().map(|k| k.as_str().to_owned()),
            population: tally.population_total,
            households: tally.households_total,
            area_km2: areas_km2[i],
            population_covered: covered,
            households_fiber_passed: tally.households[Layer::Fiber.bit()],
            population_wifi_covered: tally.population[Layer::Wifi.bit()],
            wifi_points: wifi_counts[i],
            sites: site_counts[i],
        };
        for (what, part, whole) in [
            (
                "mobile coverage",
                covered
                    .g2
                    .max(covered.g3)
                    .max(covered.g4)
                    .max(covered.g5)
                    .max(covered.mobile_broadband),
                row.population,
            ),
            ("fibre", row.households_fiber_passed, row.households),
            ("wifi", row.population_wifi_covered, row.population),
        ] {
            if part > whole * (1.0 + CONSERVATION_TOLERANCE) {
                return Err(crate::Error::Internal(format!(
                    "conservation broken in commune {:?}: {what} {part} exceeds the total {whole}",
                    commune.id.key()
                )));
            }
        }
        totals.population += row.population;
        totals.households += row.households;
        totals.population_covered.add(&row.population_covered);
        totals.households_fiber_passed += row.households_fiber_passed;
        totals.population_wifi_covered += row.population_wifi_covered;
        if row.wifi_points > 0 {
            totals.communes_with_wifi += 1;
        }
        communes.push(row);
    }
    // every person of the input is in a commune or unassigned, once
    let (input_pop, input_hh) = match &scenario.population {
        Some(points) => points.iter().fold((0.0, 0.0), |(p, h), pt| {
            (p + pt.population, h + pt.households)
        }),
        None => scenario.communes.iter().fold((0.0, 0.0), |(p, h), c| {
            (
                p + c.population.unwrap_or(0.0),
                h + c.households.unwrap_or(0.0),
            )
        }),
    };
    for (what, input, counted) in [
        (
            "population",
            input_pop,
            totals.population + totals.unassigned_population,
        ),
        (
            "households",
            input_hh,
            totals.households + totals.unassigned_households,
        ),
    ] {
        if (input - counted).abs() > CONSERVATION_TOLERANCE * input.max(1.0) {
            return Err(crate::Error::Internal(format!(
                "conservation broken: input {what} {input} but the report counts {counted}"
            )));
        }
    }
    let mut warnings = scenario.warnings.clone();
    warnings.extend(evaluation.warnings);
    Ok(Report {
        schema: SCHEMA.to_owned(),
        parameters: scenario.parameters.clone(),
        demand: if scenario.population.is_some() {
            DemandMode::Points
        } else {
            DemandMode::Uniform
        },
        totals,
        communes,
        warnings,
    })
}

/// One figure of two runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Its value in the earlier run.
    pub before: f64,
    /// Its value in the later run.
    pub after: f64,
    /// `after − before`.
    pub change: f64,
}

impl Change {
    fn of(before: f64, after: f64) -> Change {
        Change {
            before,
            after,
            change: after - before,
        }
    }
}

/// The figures compared, per commune and for the totals, in this order:
/// `population`, `households`, `sites`, `wifi_points`, then per layer `L`
/// (`2G` … `5G`, `mobile_broadband`, `fiber`, `wifi`) `covered_L` (people;
/// households for fibre) and `pct_L` (percent of people; of households for
/// fibre).
fn figures(
    population: f64,
    households: f64,
    sites: usize,
    wifi_points: usize,
    covered: impl Fn(Layer) -> f64,
) -> Vec<(String, f64)> {
    let mut out = vec![
        ("population".to_owned(), population),
        ("households".to_owned(), households),
        ("sites".to_owned(), sites as f64),
        ("wifi_points".to_owned(), wifi_points as f64),
    ];
    for layer in Layer::ALL {
        let c = covered(layer);
        let whole = if layer == Layer::Fiber {
            households
        } else {
            population
        };
        out.push((format!("covered_{layer}"), c));
        out.push((format!("pct_{layer}"), pct(c, whole)));
    }
    out
}

fn commune_figures(c: &CommuneReport) -> Vec<(String, f64)> {
    figures(c.population, c.households, c.sites, c.wifi_points, |l| {
        if l == Layer::Fiber {
            c.households_fiber_passed
        } else {
            c.covered_population(l)
        }
    })
}

fn total_figures(r: &Report) -> Vec<(String, f64)> {
    let t = &r.totals;
    figures(
        t.population,
        t.households,
        t.sites,
        t.wifi_points,
        |l| match l {
            Layer::MobileBroadband => t.population_covered.mobile_broadband,
            Layer::Fiber => t.households_fiber_passed,
            Layer::Wifi => t.population_wifi_covered,
            other => other
                .technology()
                .map_or(0.0, |tech| t.population_covered.get(tech)),
        },
    )
}

/// What changed in one commune present in both runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneChanges {
    /// The commune's id.
    pub id: FeatureId,
    /// Its name in the later run.
    pub name: Option<String>,
    /// Every figure (see [`compare`]) before, after and the change.
    pub figures: Vec<(String, Change)>,
}

/// What changed between two runs (two years, or before and after a plan).
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    /// The totals of the two runs, figure by figure.
    pub totals: Vec<(String, Change)>,
    /// Communes in both runs, in the later run's order.
    pub communes: Vec<CommuneChanges>,
    /// Communes of the later run only (new or renumbered units).
    pub new: Vec<(FeatureId, Option<String>)>,
    /// Communes of the earlier run only (merged or dissolved units).
    pub gone: Vec<(FeatureId, Option<String>)>,
}

/// Compares two reports commune by commune (matched by id) and in total:
/// `population`, `households`, `sites`, `wifi_points`, and per layer `L`
/// (`2G` … `5G`, `mobile_broadband`, `fiber`, `wifi`) `covered_L` (people;
/// households for fibre) and `pct_L`. Communes in one run only are listed as
/// new or gone (Vietnam merges and renumbers communes between years).
///
/// Refused when the runs share no commune id: they are not two runs of the
/// same place, and every figure would be "new" or "gone".
///
/// ```
/// let scenario = telecov::synth::generate(&telecov::synth::CityConfig { sites: 100, ..Default::default() });
/// let report = telecov::evaluate(&scenario)?;
/// let same = telecov::report::compare(&report, &report)?;
/// assert!(same.communes.iter().all(|c| c.figures.iter().all(|(_, f)| f.change == 0.0)));
/// assert!(same.new.is_empty() && same.gone.is_empty());
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn compare(before: &Report, after: &Report) -> crate::Result<Changes> {
    use std::collections::HashMap;
    let key = |id: &FeatureId| id.key();
    let earlier: HashMap<String, &CommuneReport> =
        before.communes.iter().map(|c| (key(&c.id), c)).collect();
    let later: HashMap<String, &CommuneReport> =
        after.communes.iter().map(|c| (key(&c.id), c)).collect();
    let mut communes = Vec::new();
    let mut new = Vec::new();
    for c in &after.communes {
        match earlier.get(&key(&c.id)) {
            Some(b) => communes.push(CommuneChanges {
                id: c.id.clone(),
                name: c.name.clone(),
                figures: commune_figures(b)
                    .into_iter()
                    .zip(commune_figures(c))
                    .map(|((name, x), (_, y))| (name, Change::of(x, y)))
                    .collect(),
            }),
            None => new.push((c.id.clone(), c.name.clone())),
        }
    }
    let gone: Vec<(FeatureId, Option<String>)> = before
        .communes
        .iter()
        .filter(|c| !later.contains_key(&key(&c.id)))
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    if communes.is_empty() && !(before.communes.is_empty() && after.communes.is_empty()) {
        return Err(crate::Error::Parameter {
            name: "runs",
            reason: format!(
                "the two runs share no commune id ({} and {} communes): they are not runs of the same place",
                before.communes.len(),
                after.communes.len()
            ),
        });
    }
    let totals = total_figures(before)
        .into_iter()
        .zip(total_figures(after))
        .map(|((name, x), (_, y))| (name, Change::of(x, y)))
        .collect();
    Ok(Changes {
        totals,
        communes,
        new,
        gone,
    })
}

/// The figures of a group of communes (a district, or all of them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupFigures {
    /// The group's name (a district; `None` for communes without one, and
    /// for the total).
    pub name: Option<String>,
    /// Communes in the group.
    pub communes: usize,
    /// Residents.
    pub population: f64,
    /// Households.
    pub households: f64,
    /// Covered per layer, [`Layer::ALL`] order: people, households for
    /// fibre.
    pub covered: [f64; 7],
    /// Communes holding at least one wifi point.
    pub communes_with_wifi: usize,
}

impl GroupFigures {
    /// The covered share of `layer`, percent (of households for fibre).
    pub fn pct(&self, layer: Layer) -> f64 {
        let whole = if layer == Layer::Fiber {
            self.households
        } else {
            self.population
        };
        pct(self.covered[layer.bit()], whole)
    }
}

/// Covered per layer of a commune: people, households for fibre.
fn covered_by_layer(c: &CommuneReport) -> [f64; 7] {
    Layer::ALL.map(|l| {
        if l == Layer::Fiber {
            c.households_fiber_passed
        } else {
            c.covered_population(l)
        }
    })
}

impl Report {
    /// The figures of each district in order of first appearance (communes
    /// without a district in one group named `None`), then the total: the
    /// district tables of the terminal and of `report.html`.
    pub fn district_figures(&self) -> (Vec<GroupFigures>, GroupFigures) {
        let mut groups: Vec<GroupFigures> = Vec::new();
        for c in &self.communes {
            let idx = match groups.iter().position(|g| g.name == c.district) {
                Some(i) => i,
                None => {
                    groups.push(GroupFigures {
                        name: c.district.clone(),
                        ..GroupFigures::default()
                    });
                    groups.len() - 1
                }
            };
            let g = &mut groups[idx];
            g.communes += 1;
            g.population += c.population;
            g.households += c.households;
            for (s, v) in g.covered.iter_mut().zip(covered_by_layer(c)) {
                *s += v;
            }
            g.communes_with_wifi += usize::from(c.wifi_points > 0);
        }
        let t = &self.totals;
        let total = GroupFigures {
            name: None,
            communes: t.communes,
            population: t.population,
            households: t.households,
            covered: Layer::ALL.map(|l| match l {
                Layer::MobileBroadband => t.population_covered.mobile_broadband,
                Layer::Fiber => t.households_fiber_passed,
                Layer::Wifi => t.population_wifi_covered,
                other => other
                    .technology()
                    .map_or(0.0, |tech| t.population_covered.get(tech)),
            }),
            communes_with_wifi: t.communes_with_wifi,
        };
        (groups, total)
    }
}
