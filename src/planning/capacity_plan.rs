//! Plans for capacity: carriers and sites until enough residents are served
//! within capacity (`plan --target capacity=95`).
//!
//! The figure a capacity target is about is the capacity study's
//! `pct_within_capacity` ([`crate::engine::capacity`]): residents whose
//! serving sector has utilisation ≤ 1, percent of the commune's residents
//! (`capacity=95`, every commune) or of all residents (`capacity=95@total`).
//!
//! # Actions, cheapest first
//!
//! Each round measures the capacity study on the scenario with the actions
//! so far, then, for the overloaded sectors (utilisation > 1) serving
//! residents of a commune short of the target (any sector with `@total`):
//!
//! 1. **Carriers.** A sector of `n` carriers at utilisation `u` needs the
//!    smallest `m` with `u · n / m ≤ 1`, since its capacity is proportional
//!    to its carriers and nothing else changes (the load, the SINR and the
//!    best servers stay as they are; see [`crate::model::capacity`]). When
//!    `m ≤ max_carriers` (`[capacity] max_carriers`) the action costs
//!    `(m − n) · carrier_usd` and brings the sector's carried residents
//!    within capacity. Actions are taken in increasing cost per resident
//!    gained (residents of short communes), while the target is still
//!    missed; their effect is exact, so a round of carriers alone reaches
//!    what it predicts.
//! 2. **Sites.** A sector that even `max_carriers` cannot relieve gets a new
//!    site from the plan's template (`--tech`, `--height-m`; the sector's
//!    operator) where its load is: at the centre of the demand it carries
//!    (the people-weighted mean position of its served points,
//!    [`crate::engine::capacity::SectorCapacity::demand_centre`]), so that
//!    the new site takes the part of the load around that centre. When the
//!    centre lies within a tenth of the range from the host (an omni site amid
//!    its demand), the site goes half the range from the host towards it
//!    instead. New sites have three 65° sectors
//!    ([`CapacityPlanOptions::site_sectors`]: three times the capacity of
//!    an omni site for about the same interference, and the three-sector
//!    site `[costs] site_usd` prices) and, unless `--range-m` is given, the
//!    host's range on each technology (a cell of the size of the one it
//!    splits, rather than the scenario's `[ranges_m]`, whose louder cells
//!    would take more load than they can carry and interfere more). Two
//!    overloaded sectors whose sites would stand within 0.3 of the range of
//!    each other (a site's 3G and 4G, neighbours sharing a dense ward) get
//!    one site. Only sectors of a technology the template carries get
//!    sites. Their effect (the load they take, the interference they add)
//!    is measured by the next round's capacity study, which adds carriers
//!    or sites again where still needed. A round whose sites do not raise
//!    the residents carriers could serve (each sector's carried residents
//!    times `min(1, max_carriers / (u · n))`, the share of its load
//!    `max_carriers` carriers carry) loses its sites, the added
//!    interference cancelling the relief, and planning stops there.
//!
//! Carriers change no load, SINR or best server, so a round that adds only
//! carriers updates the study in closed form
//! ([`CapacityReport::with_carriers`], equal to a new study bit for bit);
//! a capacity study runs only after a round that adds sites. The claims are
//! therefore those of the full study of the scenario with the plan.
//!
//! Rounds stop when the target is met, when no action is left (a commune
//! short because residents are unserved or in outage, which only coverage
//! planning helps), or after [`CapacityPlanOptions::rounds`]. The claims
//! are the capacity study's figures on the scenario with every action
//! ([`CapacityPlan::after`]); `plan` writes that scenario and the command
//! re-runs the study on what it wrote.
//!
//! An added carrier is written in `scenario_with_plan/scenario.toml` as
//! `[capacity.carriers]` (site id → technology → carriers per sector); a
//! new site as a feature of `sites.geojson`.
//!
//! ```
//! use telecov::model::{FeatureId, Scenario, Sector, Site, Technology};
//! use telecov::planning::capacity_plan::{plan_capacity, CapacityPlanOptions};
//!
//! use geo::{polygon, MultiPolygon};
//! let square = MultiPolygon(vec![polygon![
//!     (x: 105.70, y: 10.00), (x: 105.71, y: 10.00), (x: 105.71, y: 10.01),
//!     (x: 105.70, y: 10.01), (x: 105.70, y: 10.00)]]);
//! // one commune of 1,000 people under one omni 4G site: 170 Mbps offered
//! // (0.85 × 0.10 × 2 Mbps each) to one 18 MHz carrier
//! let commune = telecov::model::Commune::new(1, square, 1_000.0, 300.0);
//! let site = Site::new("S", (105.705, 10.005), [Technology::G4]).with_range_m(2_000.0);
//! let mut scenario = Scenario::new(vec![commune]).with_sites(vec![site]);
//! scenario.parameters.resolution_m = 100.0;
//! scenario.parameters.capacity.technology_share = [0.0, 0.0, 1.0, 0.0];
//! let options = CapacityPlanOptions::new("capacity=95".parse().unwrap());
//! let plan = plan_capacity(&scenario, &options)?;
//! let after = plan.after.communes[0].figures.pct_within_capacity.unwrap();
//! assert!(after >= 95.0);
//! // more carriers first; the cost is the sum of the actions
//! assert!(!plan.carriers.is_empty());
//! assert_eq!(plan.cost_usd(&scenario.parameters.costs),
//!     plan.carriers_added() as f64 * 4_000.0 + plan.sites.len() as f64 * 63_500.0);
//! # Ok::<(), telecov::Error>(())
//! ```

use std::collections::{HashMap, HashSet};

use geo::{Bearing, Destination, Distance, Geodesic, Point};

use super::plan::{fresh_id, new_site, Scope, SiteTemplate, Target};
use crate::engine::capacity::SectorCapacity;
use crate::engine::capacity::{evaluate_capacity, CapacityReport};
use crate::engine::signal::SignalOptions;
use crate::model::{Costs, FeatureId, Scenario, Sector, Site, SiteRange, Technology};
use crate::{Error, Result};

/// A capacity target: residents served within capacity, percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapacityTarget {
    /// The share to reach, percent of residents.
    pub pct: f64,
    /// Per commune or for the whole scenario.
    pub scope: Scope,
}

impl std::str::FromStr for CapacityTarget {
    type Err = String;

    /// Parses `capacity=PCT` (every commune) or `capacity=PCT@total`.
    ///
    /// ```
    /// use telecov::planning::{capacity_plan::CapacityTarget, Scope};
    /// let t: CapacityTarget = "capacity=95@total".parse().unwrap();
    /// assert_eq!((t.pct, t.scope), (95.0, Scope::Total));
    /// assert!("capacity=101".parse::<CapacityTarget>().is_err());
    /// assert!("4G=95".parse::<CapacityTarget>().is_err());
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let (name, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("target {s:?}: expected capacity=PCT, e.g. capacity=95"))?;
        if !name.trim().eq_ignore_ascii_case("capacity") {
            return Err(format!("target {s:?}: not a capacity target"));
        }
        let (pct, scope) = super::plan::share_and_scope(s, rest)?;
        Ok(CapacityTarget { pct, scope })
    }
}

/// Any target of `plan`: coverage of a layer, or capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlanTarget {
    /// `LAYER=PCT[@total]`.
    Coverage(Target),
    /// `capacity=PCT[@total]`.
    Capacity(CapacityTarget),
}

impl std::str::FromStr for PlanTarget {
    type Err = String;

    /// `capacity=…` is a capacity target, anything else a coverage target.
    ///
    /// ```
    /// use telecov::planning::capacity_plan::PlanTarget;
    /// assert!(matches!("capacity=95".parse(), Ok(PlanTarget::Capacity(_))));
    /// assert!(matches!("4G=99@total".parse(), Ok(PlanTarget::Coverage(_))));
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let name = s.split_once('=').map_or(s, |(n, _)| n);
        if name.trim().eq_ignore_ascii_case("capacity") {
            s.parse().map(PlanTarget::Capacity)
        } else {
            s.parse().map(PlanTarget::Coverage)
        }
    }
}

/// Options of [`plan_capacity`].
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityPlanOptions {
    /// The target.
    pub target: CapacityTarget,
    /// New sites (technologies, height, range, radio; the operator is the
    /// relieved sector's).
    pub template: SiteTemplate,
    /// Signal-mode options of the capacity study.
    pub signal: SignalOptions,
    /// Most rounds, each measured by the capacity study (default 6).
    pub rounds: usize,
    /// Largest number of new sites (default: no limit but 100,000).
    pub max_sites: Option<usize>,
    /// Sectors of new sites (default [`three_sectors`]: three 65° sectors
    /// at 0°, 120° and 240°, the three-sector site `[costs] site_usd`
    /// prices; empty: omnidirectional).
    pub site_sectors: Vec<Sector>,
}

/// Three 65° sectors at 0°, 120° and 240°: the default of new capacity
/// sites.
pub fn three_sectors() -> Vec<Sector> {
    [0.0, 120.0, 240.0]
        .into_iter()
        .map(|az| Sector::new(az, 65.0))
        .collect()
}

/// New sites of one round stand at least this share of the relieved
/// layer's range apart.
const SPACING_OF_RANGE: f64 = 0.3;

/// A demand centre nearer the host than this share of the range does not
/// place a site (it would stand on the host).
const NEAR_HOST_OF_RANGE: f64 = 0.1;

/// Where a new site relieving sector `s` (of a site at `host`, range
/// `range_m`) goes: the centre of the load the sector carries; when that
/// centre is within [`NEAR_HOST_OF_RANGE`] of the range from the host (an
/// omni site amid its demand), half the range from the host towards it
/// (the sector's azimuth, or due east, when it has no direction).
fn site_location(host: Point<f64>, s: &SectorCapacity, range_m: f64) -> Point<f64> {
    let centre = s.demand_centre.map(|(x, y)| Point::new(wrap_lon(x), y));
    if let Some(c) = centre {
        if Geodesic.distance(host, c) >= NEAR_HOST_OF_RANGE * range_m {
            return c;
        }
    }
    let bearing = match centre {
        Some(c) if Geodesic.distance(host, c) > 1.0 => Geodesic.bearing(host, c),
        _ => s.wedge_deg.map_or(90.0, |w| w.0),
    };
    let p = Geodesic.destination(host, bearing, 0.5 * range_m);
    Point::new(wrap_lon(p.x()), p.y())
}

impl CapacityPlanOptions {
    /// Defaults around `target`.
    pub fn new(target: CapacityTarget) -> Self {
        CapacityPlanOptions {
            target,
            template: SiteTemplate::default(),
            signal: SignalOptions::default(),
            rounds: 6,
            max_sites: None,
            site_sectors: three_sectors(),
        }
    }

    /// Hard limit on new sites.
    pub const MAX_SITES: usize = 100_000;
}

/// Carriers added to one sector.
#[derive(Debug, Clone, PartialEq)]
pub struct CarrierAction {
    /// The site's id.
    pub site_id: FeatureId,
    /// Sector index in the site's `sectors` (`None`: omni).
    pub sector: Option<usize>,
    /// Technology.
    pub technology: Technology,
    /// Carriers before and after.
    pub carriers: (u32, u32),
    /// The sector's utilisation when the action was chosen.
    pub utilisation_before: f64,
    /// Residents of short communes it brings within capacity (as
    /// predicted; exact, see the module docs).
    pub people_gained: f64,
    /// Round (1 = first).
    pub round: usize,
}

/// A new site placed to relieve a sector.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitySite {
    /// The site as added.
    pub site: Site,
    /// The sector it relieves: site id, sector, technology.
    pub relieves: (FeatureId, Option<usize>, Technology),
    /// That sector's utilisation when the site was chosen.
    pub utilisation_before: f64,
    /// Round (1 = first).
    pub round: usize,
}

/// A commune (or the whole scenario) still short after planning.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityShort {
    /// Commune index (`None`: an `@total` target).
    pub commune: Option<usize>,
    /// Residents within capacity, percent.
    pub pct: f64,
    /// Residents neither served nor in outage-free service, percent: the
    /// part only coverage can raise (unserved or in outage).
    pub unserved_pct: f64,
    /// Why it stays short: `unserved` (more than `100 − target` percent of
    /// its residents unserved or in outage: a coverage target's work),
    /// `max_sites` (the site budget is spent), `interference` (the last
    /// round's sites did not raise the residents carriers could serve and
    /// were dropped), `no_action` (no carrier or site applies, e.g.
    /// overloaded sectors on a technology the template lacks) or `rounds`
    /// (`--rounds` ran out).
    pub reason: &'static str,
}

/// The result of [`plan_capacity`].
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityPlan {
    /// The target.
    pub target: CapacityTarget,
    /// The study of the input scenario.
    pub before: CapacityReport,
    /// The study of [`CapacityPlan::scenario_with_plan`]: the claims.
    pub after: CapacityReport,
    /// Carriers added, in order.
    pub carriers: Vec<CarrierAction>,
    /// Sites added, in order.
    pub sites: Vec<CapacitySite>,
    /// The input scenario with every action.
    pub scenario_with_plan: Scenario,
    /// Rounds run.
    pub rounds: usize,
    /// Communes (or the whole scenario) below the target after planning.
    pub short: Vec<CapacityShort>,
    /// Why planning stopped short, when it did.
    pub notes: Vec<String>,
}

impl CapacityPlan {
    /// Carriers added in all (a sector going from 1 to 3 counts 2).
    pub fn carriers_added(&self) -> u32 {
        self.carriers
            .iter()
            .map(|c| c.carriers.1 - c.carriers.0)
            .sum()
    }

    /// What the actions cost: carriers added × `carrier_usd` + sites ×
    /// `site_usd`.
    pub fn cost_usd(&self, costs: &Costs) -> f64 {
        f64::from(self.carriers_added()) * costs.carrier_usd
            + self.sites.len() as f64 * costs.site_usd
    }

    /// The claim, whole scenario: percent of residents within capacity
    /// before and with the plan.
    pub fn claim_pct(&self) -> (f64, f64) {
        (
            self.before.totals.pct_within_capacity.unwrap_or(0.0),
            self.after.totals.pct_within_capacity.unwrap_or(0.0),
        )
    }

    /// Communes meeting the target before and with the plan (with
    /// `@total`: 1 when the whole scenario does, else 0).
    pub fn communes_meeting(&self) -> (usize, usize) {
        (
            meeting(&self.before, &self.target),
            meeting(&self.after, &self.target),
        )
    }

    /// Compares the claim with a study of the written scenario: `(claimed
    /// pct, measured pct, largest commune difference in percentage
    /// points)`.
    pub fn check(&self, rerun: &CapacityReport) -> (f64, f64, f64) {
        let worst = self
            .after
            .communes
            .iter()
            .zip(&rerun.communes)
            .map(|(a, b)| {
                (a.figures.pct_within_capacity.unwrap_or(0.0)
                    - b.figures.pct_within_capacity.unwrap_or(0.0))
                .abs()
            })
            .fold(0.0, f64::max);
        (
            self.after.totals.pct_within_capacity.unwrap_or(0.0),
            rerun.totals.pct_within_capacity.unwrap_or(0.0),
            worst,
        )
    }
}

/// What a whole plan costs (`plan.json`'s `cost`), USD: each action's count
/// times its unit cost of `[costs]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanCost {
    /// Carriers added (capacity).
    pub carriers: u32,
    /// New sites (coverage and capacity).
    pub sites: usize,
    /// New wifi points.
    pub wifi_points: usize,
    /// New fibre, km.
    pub fiber_km: f64,
    /// carriers × `carrier_usd`.
    pub carriers_usd: f64,
    /// sites × `site_usd`.
    pub sites_usd: f64,
    /// wifi points × `wifi_point_usd`.
    pub wifi_points_usd: f64,
    /// fibre km × `fiber_usd_per_km`.
    pub fiber_usd: f64,
    /// The sum.
    pub total_usd: f64,
}

/// The cost of `plan` and of `capacity` (when planned) at `costs`.
pub fn plan_cost(costs: &Costs, plan: &super::Plan, capacity: Option<&CapacityPlan>) -> PlanCost {
    let carriers = capacity.map_or(0, CapacityPlan::carriers_added);
    let sites = plan.sites.len() + capacity.map_or(0, |c| c.sites.len());
    let wifi_points = plan.wifi.len();
    let fiber_km: f64 = plan.fiber.iter().map(|f| f.length_km).sum::<f64>() + 0.0;
    let carriers_usd = f64::from(carriers) * costs.carrier_usd;
    let sites_usd = sites as f64 * costs.site_usd;
    let wifi_points_usd = wifi_points as f64 * costs.wifi_point_usd;
    let fiber_usd = fiber_km * costs.fiber_usd_per_km;
    PlanCost {
        carriers,
        sites,
        wifi_points,
        fiber_km,
        carriers_usd,
        sites_usd,
        wifi_points_usd,
        fiber_usd,
        total_usd: carriers_usd + sites_usd + wifi_points_usd + fiber_usd,
    }
}

/// Re-measures the coverage claims of `plan` on `scenario` (the scenario
/// with the coverage plan and a capacity plan on top, whose new sites add
/// coverage), so the claims stay the report's figures on what is written:
/// `plan.report_with_plan`, `plan.scenario_with_plan`, and each mobile
/// claim's `after`, `after_pct` and communes meeting its target (of
/// `targets`).
pub fn remeasure_coverage_claims(
    plan: &mut super::Plan,
    scenario: &Scenario,
    targets: &[Target],
    engine: &crate::Options,
) -> Result<()> {
    let report = crate::report::measure(scenario, engine, None)?;
    for claim in &mut plan.claims {
        if !claim.layer.is_mobile() {
            continue; // fibre and wifi: unchanged by sites and carriers
        }
        let whole = |c: usize| report.communes[c].population;
        claim.after = (0..report.communes.len())
            .map(|c| super::claimed_figure(&report, c, claim.layer))
            .collect();
        let total: f64 = (0..report.communes.len()).map(whole).sum();
        claim.after_pct = crate::report::pct(claim.after.iter().sum(), total);
        if let Some(t) = targets.iter().find(|t| t.layer == claim.layer) {
            claim.communes_meeting.1 = match t.scope {
                Scope::Total => usize::from(claim.after_pct >= t.pct - 1e-9),
                Scope::EachCommune => (0..report.communes.len())
                    .filter(|&c| crate::report::pct(claim.after[c], whole(c)) >= t.pct - 1e-9)
                    .count(),
            };
        }
    }
    plan.report_with_plan = report;
    plan.scenario_with_plan = scenario.clone();
    Ok(())
}

/// Communes meeting `target` in `report` (`@total`: 0 or 1).
fn meeting(report: &CapacityReport, target: &CapacityTarget) -> usize {
    match target.scope {
        Scope::Total => usize::from(meets(&report.totals.pct_within_capacity, target.pct)),
        Scope::EachCommune => report
            .communes
            .iter()
            .filter(|c| meets(&c.figures.pct_within_capacity, target.pct))
            .count(),
    }
}

/// A share meets a target within 1e-9 pp; no residents meets any target.
fn meets(pct: &Option<f64>, target: f64) -> bool {
    pct.is_none_or(|p| p >= target - 1e-9)
}

/// Utilisation at or below this is within capacity (the study's own
/// tolerance).
const WITHIN: f64 = 1.0 + 1e-12;

/// Plans carriers and sites for `scenario` to reach `options.target` (see
/// the module docs). Refuses a target outside [0, 100], a template without
/// a technology of the capacity study (`technology_share`), and what
/// [`evaluate_capacity`] refuses.
pub fn plan_capacity(scenario: &Scenario, options: &CapacityPlanOptions) -> Result<CapacityPlan> {
    let target = options.target;
    if !(target.pct.is_finite() && (0.0..=100.0).contains(&target.pct)) {
        return Err(Error::Parameter {
            name: "targets.pct",
            reason: format!("capacity target must lie in [0, 100], got {}", target.pct),
        });
    }
    let share = scenario.parameters.capacity.technology_share;
    if !options
        .template
        .technologies
        .iter()
        .any(|t| share[t.index()] > 0.0)
    {
        return Err(Error::Parameter {
            name: "template.technologies",
            reason: "the site template carries no technology of the capacity study ([capacity] technology_share)".into(),
        });
    }
    let max_carriers = scenario.parameters.capacity.max_carriers;
    let site_budget = options
        .max_sites
        .unwrap_or(CapacityPlanOptions::MAX_SITES)
        .min(CapacityPlanOptions::MAX_SITES);
    let mut current = scenario.clone();
    current.warnings.clear();
    let mut taken: HashSet<String> = scenario
        .sites
        .iter()
        .map(|s| s.id.key())
        .chain(scenario.wifi.iter().map(|w| w.id.key()))
        .chain(scenario.fiber.iter().map(|f| f.id.key()))
        .collect();
    let mut carriers = Vec::new();
    let mut sites: Vec<CapacitySite> = Vec::new();
    let mut notes = Vec::new();
    let mut report = evaluate_capacity(&current, &options.signal)?;
    let before = report.clone();
    let mut rounds = 0;
    // why planning stopped short (`CapacityShort::reason`)
    let mut stop = "rounds";
    let mut budget_spent = false;
    loop {
        let short = short_communes(&report, &target);
        if short.is_empty() {
            break;
        }
        if rounds == options.rounds.max(1) {
            notes.push(format!(
                "capacity target not reached after {rounds} rounds (--rounds)"
            ));
            break;
        }
        rounds += 1;
        // people of short communes each sector carries
        let mut gain = vec![0.0; report.sectors.len()];
        let is_short = |c: usize| target.scope == Scope::Total || short.contains(&c);
        for &(k, c, people) in &report.carried_by_commune {
            if is_short(c) {
                gain[k] += people;
            }
        }
        // carriers: (cost per person, sector, carriers needed)
        let mut carrier_options = Vec::new();
        let mut site_options = Vec::new();
        // overloaded beyond carriers on a technology new sites lack
        let mut no_template = 0usize;
        for (k, s) in report.sectors.iter().enumerate() {
            let Some(u) = s.utilisation else { continue };
            if u <= WITHIN || gain[k] <= 0.0 {
                continue;
            }
            let n = s.carriers;
            let need = carriers_needed(u, n);
            if need <= max_carriers {
                carrier_options.push((f64::from(need - n) / gain[k], k, need));
            } else if options.template.technologies.contains(s.technology) {
                site_options.push(k);
            } else {
                no_template += 1;
            }
        }
        carrier_options.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        // within people per commune as they would be, for the stop test
        let mut within: Vec<f64> = report
            .communes
            .iter()
            .map(|c| c.figures.people_within_capacity)
            .collect();
        let mut per_sector: Vec<Vec<(usize, f64)>> = vec![Vec::new(); report.sectors.len()];
        for &(k, c, people) in &report.carried_by_commune {
            per_sector[k].push((c, people));
        }
        let mut acted = false;
        for &(_, k, need) in &carrier_options {
            if reached(&report, &within, &target) {
                break;
            }
            let s = &report.sectors[k];
            let site = &current.sites[s.site];
            let sectors = site.sectors.len();
            current.parameters.capacity.set_carriers(
                &site.id.key(),
                s.technology,
                sectors,
                s.sector.unwrap_or(0),
                need,
            );
            for &(c, people) in &per_sector[k] {
                within[c] += people;
            }
            carriers.push(CarrierAction {
                site_id: s.site_id.clone(),
                sector: s.sector,
                technology: s.technology,
                carriers: (s.carriers, need),
                utilisation_before: s.utilisation.unwrap_or(0.0),
                people_gained: gain[k],
                round: rounds,
            });
            acted = true;
        }
        // residents carriers alone could bring within capacity, before
        // this round's sites (its carriers do not change it)
        let reachable_before = reachable(&report, max_carriers);
        let before_sites = current.sites.len();
        let sites_before = sites.len();
        if !reached(&report, &within, &target) {
            // sectors no carrier can relieve: a site each, largest gain first
            site_options.sort_by(|&a, &b| gain[b].total_cmp(&gain[a]).then(a.cmp(&b)));
            // the range of each site layer, for new sites of the same size
            let mut layer_range: HashMap<(usize, Technology), f64> = HashMap::new();
            for sc in &report.sectors {
                if let Some(r) = sc.range_m {
                    layer_range.entry((sc.site, sc.technology)).or_insert(r);
                }
            }
            // this round's new sites: (location, spacing), so that two
            // overloaded sectors with one demand centre (a site's 3G and
            // 4G, neighbours sharing a dense ward) get one site
            let mut placed: Vec<(Point<f64>, f64)> = Vec::new();
            for k in site_options {
                if sites.len() >= site_budget {
                    budget_spent = true;
                    notes.push(format!(
                        "capacity target not reached: the site budget ({site_budget}, --max-sites) is spent"
                    ));
                    break;
                }
                let s = &report.sectors[k];
                let host = &current.sites[s.site];
                let Some(range_m) = s.range_m else { continue };
                let location = site_location(host.location, s, range_m);
                let spacing = SPACING_OF_RANGE * range_m;
                if placed
                    .iter()
                    .any(|(p, d)| Geodesic.distance(*p, location) < spacing.min(*d))
                {
                    continue;
                }
                placed.push((location, spacing));
                let id = fresh_id("capacity-site", sites.len() + 1, &taken);
                taken.insert(id.key());
                let mut template = options.template.clone();
                template.operator = host.operator.clone();
                if template.range_m == SiteRange::Unset {
                    // a cell of the size of the one it splits: the host's
                    // range on each technology it has, else the relieved
                    // layer's
                    let mut per = [None; 4];
                    for t in template.technologies.iter() {
                        per[t.index()] = Some(*layer_range.get(&(s.site, t)).unwrap_or(&range_m));
                    }
                    template.range_m = SiteRange::PerTechnology(per);
                }
                let mut site = new_site(id, &template, location);
                site.sectors.clone_from(&options.site_sectors);
                sites.push(CapacitySite {
                    site: site.clone(),
                    relieves: (s.site_id.clone(), s.sector, s.technology),
                    utilisation_before: s.utilisation.unwrap_or(0.0),
                    round: rounds,
                });
                current.sites.push(site);
                acted = true;
            }
        }
        if no_template > 0 {
            notes.push(format!(
                "round {rounds}: {no_template} overloaded sectors beyond max_carriers on technologies the site template lacks (--tech)"
            ));
        }
        if !acted {
            notes.push(
                "capacity target not reached: no action left for the communes short of it (residents unserved or in outage, which a coverage target serves; or sectors beyond max_carriers on technologies the template lacks)"
                    .into(),
            );
            stop = "no_action";
            break;
        }
        if sites.len() == sites_before {
            // carriers alone: their effect is exact, no new pass over the
            // points
            report = report.with_carriers(&current);
            continue;
        }
        let measured = evaluate_capacity(&current, &options.signal)?;
        let now = reachable(&measured, max_carriers);
        if sites.len() > sites_before && now <= reachable_before + 1e-9 * measured.totals.people {
            // the round's sites took load but added interference as much:
            // no more residents within reach of carriers than before; they
            // are dropped and planning stops
            let dropped = sites.len() - sites_before;
            sites.truncate(sites_before);
            current.sites.truncate(before_sites);
            notes.push(format!(
                "round {rounds}: its {dropped} new sites did not raise the residents max_carriers could serve (interference as much as relief); dropped, planning stops"
            ));
            // the round's carriers stay: exact from the round's study
            report = report.with_carriers(&current);
            stop = "interference";
            break;
        }
        report = measured;
    }
    let short = short_communes(&report, &target)
        .into_iter()
        .map(|c| {
            let f = if target.scope == Scope::Total {
                &report.totals
            } else {
                &report.communes[c].figures
            };
            let unserved = unserved_pct(&report, (target.scope == Scope::EachCommune).then_some(c));
            CapacityShort {
                commune: (target.scope == Scope::EachCommune).then_some(c),
                pct: f.pct_within_capacity.unwrap_or(0.0),
                unserved_pct: unserved,
                reason: if unserved > 100.0 - target.pct + 1e-9 {
                    "unserved"
                } else if budget_spent {
                    "max_sites"
                } else {
                    stop
                },
            }
        })
        .collect();
    Ok(CapacityPlan {
        target,
        before,
        after: report,
        carriers,
        sites,
        scenario_with_plan: current,
        rounds,
        short,
        notes,
    })
}

/// Residents carriers could serve: each sector's carried residents times
/// the share of its load `max_carriers` carriers carry, `min(1,
/// max_carriers / (u · n))` (1 for a sector within capacity). Unlike the
/// residents within capacity it grows when a site takes part of a heavily
/// overloaded sector's load.
fn reachable(report: &CapacityReport, max_carriers: u32) -> f64 {
    report
        .carried_by_commune
        .iter()
        .map(|&(k, _, people)| {
            let s = &report.sectors[k];
            let share = s.utilisation.map_or(0.0, |u| {
                if u <= WITHIN {
                    1.0
                } else {
                    (f64::from(max_carriers) / (u * f64::from(s.carriers))).min(1.0)
                }
            });
            people * share
        })
        .sum::<f64>()
        + 0.0
}

/// The smallest carrier count `m ≥ n` with `u · n / m` within capacity.
fn carriers_needed(u: f64, n: u32) -> u32 {
    let mut m = ((u * f64::from(n)).ceil() as u32).max(n);
    while m > n && u * f64::from(n) / f64::from(m - 1) <= WITHIN {
        m -= 1;
    }
    while u * f64::from(n) / f64::from(m) > WITHIN {
        m += 1;
    }
    m
}

/// Communes below the target (indexes; `@total`: `[0]` when the whole
/// scenario is short, as a marker).
fn short_communes(report: &CapacityReport, target: &CapacityTarget) -> Vec<usize> {
    match target.scope {
        Scope::Total => {
            if meets(&report.totals.pct_within_capacity, target.pct) {
                Vec::new()
            } else {
                vec![0]
            }
        }
        Scope::EachCommune => report
            .communes
            .iter()
            .enumerate()
            .filter(|(_, c)| !meets(&c.figures.pct_within_capacity, target.pct))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// Whether `within` (people per commune) reaches the target.
fn reached(report: &CapacityReport, within: &[f64], target: &CapacityTarget) -> bool {
    let pct = |w: f64, people: f64| (people > 0.0).then(|| 100.0 * w / people);
    match target.scope {
        Scope::Total => meets(&pct(within.iter().sum(), report.totals.people), target.pct),
        Scope::EachCommune => report
            .communes
            .iter()
            .zip(within)
            .all(|(c, &w)| meets(&pct(w, c.figures.people), target.pct)),
    }
}

/// Residents of commune `c` (or all) carried by no sector (unserved or in
/// outage), percent.
fn unserved_pct(report: &CapacityReport, c: Option<usize>) -> f64 {
    let (people, carried) = match c {
        Some(c) => (
            report.communes[c].figures.people,
            report
                .carried_by_commune
                .iter()
                .filter(|e| e.1 == c)
                .map(|e| e.2)
                .sum::<f64>(),
        ),
        None => (
            report.totals.people,
            report.carried_by_commune.iter().map(|e| e.2).sum(),
        ),
    };
    if people > 0.0 {
        100.0 * (people - carried).max(0.0) / people
    } else {
        0.0
    }
}

/// A longitude back in [−180, 180].
fn wrap_lon(x: f64) -> f64 {
    let mut x = (x + 180.0).rem_euclid(360.0) - 180.0;
    if x == -180.0 {
        x = 180.0;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_needed_is_the_smallest_count() {
        assert_eq!(carriers_needed(1.5, 1), 2);
        assert_eq!(carriers_needed(2.0, 1), 2);
        assert_eq!(carriers_needed(2.0 + 1e-9, 1), 3);
        assert_eq!(carriers_needed(1.2, 2), 3); // 2.4 → 3
        assert_eq!(carriers_needed(0.5, 2), 2);
        for n in 1..5 {
            for i in 0..200 {
                let u = 1.0 + f64::from(i) * 0.037;
                let m = carriers_needed(u, n);
                assert!(u * f64::from(n) / f64::from(m) <= WITHIN);
                assert!(m == n || u * f64::from(n) / f64::from(m - 1) > WITHIN);
            }
        }
    }

    #[test]
    fn longitudes_wrap() {
        assert_eq!(wrap_lon(181.0), -179.0);
        assert_eq!(wrap_lon(-180.0), 180.0);
        assert_eq!(wrap_lon(105.5), 105.5);
    }
}
