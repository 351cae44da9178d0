//! The digital-infrastructure scorecard (`scorecard.json`,
//! `scorecard.csv`): for the city and every commune, each indicator's
//! value, target, whether it is met and the gap to it.
//!
//! # Indicators
//!
//! | name | value | gap in | level |
//! | --- | --- | --- | --- |
//! | `fiber_households_pct` | households within `fiber_drop_m` of a route, % of households (the report's `fiber`) | households | city, commune |
//! | `mobile_broadband_people_pct` | people covered by 3G, 4G or 5G, % (the report's `mobile_broadband`) | people | city, commune |
//! | `mobile_broadband_communes_pct` | communes where mobile broadband reaches at least `mobile_broadband_commune_min_pct` (a `[targets]` key, default 90) % of the people, % of communes | communes | city |
//! | `dtt_people_pct` | people within `range_m` of a DTT transmitter (`broadcast.geojson`), % | people | city, commune |
//! | `schools_connected_pct` | connected schools, % of schools | schools | city, commune |
//! | `wifi_communes_pct` | communes holding at least one public wifi point, % of communes (the report's `communes_with_wifi`) | communes | city |
//! | `telecom_within_range_pct`, `postal_within_range_pct`, `internet_agent_within_range_pct` | people within `[access]` range (metres) of a service point of the kind, % | people | city, commune |
//! | `people_per_telecom_point`, `people_per_postal_point`, `people_per_internet_agent` | residents per service point of the kind located in the area (`null` when it has none) | people | city, commune |
//!
//! A school is *connected* when its `connected` property is `true`, or it
//! lies within `fiber_drop_m` of a fibre route, or inside 4G or 5G coverage,
//! as the engine's point tests see them (the tests of points mode; over
//! terrain, the terrain-shaped coverage of the report). A school
//! outside every commune counts for the city only, tested against the
//! infrastructure indexed for the nearest strip's communes.
//!
//! Access shares (`…_within_range_pct`) and `dtt_people_pct` are measured by
//! the same engine as wifi reach, in the same pass structure as the report:
//! every service point and transmitter is a disc on the ground (the
//! `[access]` range of its kind, the transmitter's `range_m`), one layer per
//! kind, over the report's demand (uniform rows or population points). The
//! people of a commune are the report's, so shares are comparable. When
//! `coverage` runs with uniform demand, the discs are measured on the
//! report's own strips and projected communes (the communes are not
//! projected twice); the figures are those of the pass on its own, bit for
//! bit.
//!
//! An indicator is omitted when its layer is absent: fibre, mobile and wifi
//! when the scenario has no route, no site, no wifi point; the others when
//! their file is absent (an empty file gives 0 % figures).
//!
//! # Targets
//!
//! `[targets]` gives the goal per indicator, applied to the city and to
//! each commune alike. Percentages are floors, `met` when
//! `value ≥ target`; `people_per_…` are ceilings, `met` when
//! `value ≤ target`. The gap is what is missing to meet the target, 0 when
//! met: for a percentage `target/100 × whole − part` in the indicator's
//! unit (households, people, schools, communes; for schools and communes
//! rounded up to a whole one); for people per point `people − target ×
//! points`, the residents the present points cannot serve at the target
//! ratio. Without a target, `target`, `met` and `gap` are `null`.
//! A commune without schools has `schools_connected_pct` `null` (`met`
//! `null`, gap 0); an area without a point of a kind has `people_per_…`
//! `null`, not met when it has residents.
//!
//! Communes are listed furthest behind first: by the number of indicators
//! not met, then the summed shortfall of their percentages (target − value,
//! percentage points), then input order.

use crate::engine::probe::{east, unwrapped, Probe};
use crate::engine::Options;
use crate::model::{FeatureId, Layer, Scenario, ServiceKind, Site, SiteRange, Technology};
use crate::report::{pct, Report};
use crate::Result;

/// One indicator of one area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Indicator {
    /// Percent or people; `None` where undefined (no school, no point).
    pub value: Option<f64>,
    /// The `[targets]` value, if any.
    pub target: Option<f64>,
    /// Whether the target is met (`None` without a target, or when the
    /// value is undefined and nothing is missing).
    pub met: Option<bool>,
    /// What is missing to meet the target, in the indicator's unit
    /// (households, people, schools or communes); `None` without a target.
    pub gap: Option<f64>,
}

/// The indicators of one area, in [`crate::model::INDICATORS`] order.
pub type Indicators = Vec<(&'static str, Indicator)>;

/// One commune's scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneScore {
    /// The commune's id.
    pub id: FeatureId,
    /// Its name.
    pub name: Option<String>,
    /// Its indicators (no city-only ones).
    pub indicators: Indicators,
}

/// The scorecard of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The city's indicators.
    pub city: Indicators,
    /// Every commune, furthest behind first.
    pub communes: Vec<CommuneScore>,
}

/// The raw figures of one area before targets.
#[derive(Debug, Clone, Copy, Default)]
struct Area {
    population: f64,
    households: f64,
    fiber_households: f64,
    mobile_broadband: f64,
    dtt: f64,
    schools: usize,
    schools_connected: usize,
    /// People within range, per [`ServiceKind`].
    within: [f64; 3],
    /// Points located in the area, per [`ServiceKind`].
    points: [usize; 3],
}

/// The technology bit standing for each kind's discs in the access pass,
/// and the one for DTT.
const KIND_BITS: [Technology; 3] = [Technology::G2, Technology::G3, Technology::G4];
const DTT_BIT: Technology = Technology::G5;

/// What the access pass measures: per commune the people within range of
/// each kind and of a DTT transmitter, and the commune of each service
/// point.
pub(crate) type AccessFigures = (Vec<([f64; 3], f64)>, Vec<Option<usize>>);

/// Whether the scenario has a service point or a DTT transmitter: the
/// discs of [`access_discs`].
fn has_access_discs(scenario: &Scenario) -> bool {
    scenario
        .service_points
        .as_deref()
        .is_some_and(|p| !p.is_empty())
        || scenario.broadcast.as_deref().is_some_and(|t| !t.is_empty())
}

/// The access pass's scenario: the communes, with every service point
/// (first, in input order) and DTT transmitter as an omni disc of its
/// range on its kind's technology bit; `None` without either.
pub(crate) fn access_discs(scenario: &Scenario) -> Option<Scenario> {
    if !has_access_discs(scenario) {
        return None;
    }
    let points = scenario.service_points.as_deref().unwrap_or_default();
    let transmitters = scenario.broadcast.as_deref().unwrap_or_default();
    let access = &scenario.parameters.access;
    let mut sites: Vec<Site> = points
        .iter()
        .map(|p| {
            Site::new(p.id.clone(), p.location, [KIND_BITS[p.kind.index()]])
                .with_range(SiteRange::All(access.get(p.kind)))
        })
        .collect();
    sites.extend(transmitters.iter().map(|t| {
        Site::new(t.id.clone(), t.location, [DTT_BIT]).with_range(SiteRange::All(t.range_m))
    }));
    Some(Scenario {
        communes: scenario.communes.clone(),
        sites,
        population: scenario.population.clone(),
        parameters: scenario.parameters.clone(),
        ..Scenario::default()
    })
}

/// People within range of each kind and of a DTT transmitter, per commune,
/// and where each service point lies: one engine pass where every point is
/// an omni disc of its range, on the strips and projected communes of
/// `probe` (the report's own) when given and usable, else on its own.
pub(crate) fn access_pass(
    scenario: &Scenario,
    options: &Options,
    probe: Option<&Probe<'_>>,
) -> Result<Option<AccessFigures>> {
    access_pass_measured(scenario, options, probe, None)
}

/// [`access_pass`], from `measured` when given: the evaluation of
/// [`access_discs`]`(scenario)` the report's own sweep made alongside it
/// ([`crate::report::measure_keeping`]), the same figures.
pub(crate) fn access_pass_measured(
    scenario: &Scenario,
    options: &Options,
    probe: Option<&Probe<'_>>,
    measured: Option<crate::engine::Evaluation>,
) -> Result<Option<AccessFigures>> {
    if !has_access_discs(scenario) {
        return Ok(None);
    }
    // the discs' scenario (a copy of the communes) made only when no
    // evaluation of it is at hand
    let mut evaluation = match measured {
        Some(evaluation) => evaluation,
        None => {
            let Some(discs) = access_discs(scenario) else {
                return Ok(None);
            };
            let alongside = match probe {
                Some(probe) => probe.evaluate_alongside(&discs, options)?,
                None => None,
            };
            match alongside {
                Some(evaluation) => evaluation,
                None => crate::engine::run(&discs, options, None, false)?,
            }
        }
    };
    let points = scenario.service_points.as_deref().unwrap_or_default();
    evaluation.site_commune.truncate(points.len());
    Ok(Some((
        evaluation
            .tallies
            .iter()
            .map(|t| {
                (
                    KIND_BITS.map(|b| t.population[b.index()]),
                    t.population[DTT_BIT.index()],
                )
            })
            .collect(),
        evaluation.site_commune,
    )))
}

/// Whether each school is connected, and its commune (`None`: outside
/// every commune), with an engine prepared for this alone: 4G and 5G sites
/// and fibre (with the scenario's terrain, as the report shapes them).
pub(crate) fn schools_pass(
    scenario: &Scenario,
    options: &Options,
) -> Result<Vec<(Option<usize>, bool)>> {
    if scenario.schools.as_deref().is_none_or(|s| s.is_empty()) {
        return Ok(Vec::new());
    }
    scenario.validate()?;
    // only what can connect a school: 4G / 5G sites and fibre
    let wanted = Layer::G4.technology_bits() | Layer::G5.technology_bits();
    let reduced = Scenario {
        communes: scenario.communes.clone(),
        sites: scenario
            .sites
            .iter()
            .filter(|s| s.technologies.bits() & wanted != 0)
            .cloned()
            .collect(),
        fiber: scenario.fiber.clone(),
        parameters: scenario.parameters.clone(),
        terrain: scenario.terrain.clone(),
        ..Scenario::default()
    };
    let moved = unwrapped(&reduced);
    let prepared = moved.as_ref().unwrap_or(&reduced);
    let probe = Probe::new(prepared, options)?;
    Ok(school_connections(scenario, &probe, moved.is_some()))
}

/// Whether each school of `scenario` is connected, and its commune, tested
/// against `probe`: the engine prepared for `scenario` (the report's own
/// indexes, as `telecov coverage` keeps them) or for a copy of it holding
/// at least its 4G and 5G sites and its fibre, unwrapped around 180° when
/// `unwrapped` (longitudes of the schools moved east to match). Only the
/// 4G, 5G and fibre flags are read, so both give the same answer.
pub(crate) fn school_connections(
    scenario: &Scenario,
    probe: &Probe<'_>,
    unwrapped: bool,
) -> Vec<(Option<usize>, bool)> {
    use rayon::prelude::*;
    let schools = scenario.schools.as_deref().unwrap_or_default();
    let lon = |x: f64| if unwrapped { east(x) } else { x };
    let mask = (1u8 << Layer::G4.bit()) | (1 << Layer::G5.bit()) | (1 << Layer::Fiber.bit());
    let centres: Vec<f64> = (0..probe.strips())
        .map(|z| probe.frame(z).central_meridian_deg())
        .collect();
    schools
        .par_iter()
        .with_min_len(256)
        .map(|s| {
            let p = geo::Point::new(lon(s.location.x()), s.location.y());
            let commune = probe.locate(p);
            let strip = commune.and_then(|c| probe.commune_strip(c)).or_else(|| {
                (0..centres.len()).min_by(|&a, &b| {
                    (centres[a] - p.x())
                        .abs()
                        .total_cmp(&(centres[b] - p.x()).abs())
                })
            });
            let covered = strip
                .is_some_and(|z| probe.serves_any(z, probe.frame(z).forward(p.x(), p.y()), mask));
            (commune, s.connected == Some(true) || covered)
        })
        .collect()
}

/// Builds the scorecard of `scenario` from its `report` (the same run's:
/// people, households, fibre and mobile broadband come from it), measuring
/// access, DTT and school connections with the engine under `options`.
///
/// ```
/// use telecov::model::{School, ServiceKind, ServicePoint};
/// let mut scenario = telecov::synth::generate(&telecov::synth::CityConfig { sites: 100, ..Default::default() });
/// scenario.parameters.resolution_m = 200.0;
/// let c = scenario.communes[0].geometry.as_ref().map(|g| geo::Centroid::centroid(g).unwrap()).unwrap();
/// scenario.schools = Some(vec![School::new(1, c).with_connected(true)]);
/// scenario.service_points = Some(vec![ServicePoint::new(1, ServiceKind::Postal, c)]);
/// scenario.parameters.targets.0.insert("schools_connected_pct".into(), 100.0);
/// let report = telecov::evaluate(&scenario)?;
/// let card = telecov::scorecard::scorecard(&scenario, &report, &telecov::Options::default())?;
/// let schools = card.city.iter().find(|(n, _)| *n == "schools_connected_pct").unwrap().1;
/// assert_eq!((schools.value, schools.met, schools.gap), (Some(100.0), Some(true), Some(0.0)));
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn scorecard(scenario: &Scenario, report: &Report, options: &Options) -> Result<Scorecard> {
    same_run(scenario, report)?;
    let (access, schools) = rayon::join(
        || access_pass(scenario, options, None),
        || schools_pass(scenario, options),
    );
    scorecard_of(scenario, report, access?, schools?)
}

/// Refuses a report of another scenario (another number of communes).
fn same_run(scenario: &Scenario, report: &Report) -> Result<()> {
    let n = scenario.communes.len();
    if report.communes.len() != n {
        return Err(crate::Error::Parameter {
            name: "report",
            reason: format!(
                "the report has {} communes, the scenario {n}: not the same run",
                report.communes.len()
            ),
        });
    }
    Ok(())
}

/// [`scorecard`] from the figures of its passes: the access figures
/// ([`access_pass`]) and each school's commune and connection
/// ([`schools_pass`], or [`school_connections`] against the report's own
/// indexes).
pub(crate) fn scorecard_of(
    scenario: &Scenario,
    report: &Report,
    access: Option<AccessFigures>,
    schools: Vec<(Option<usize>, bool)>,
) -> Result<Scorecard> {
    same_run(scenario, report)?;
    let n = scenario.communes.len();
    let (access, located) = access.unzip();
    let located = located.unwrap_or_default();

    let mut areas: Vec<Area> = report
        .communes
        .iter()
        .map(|c| Area {
            population: c.population,
            households: c.households,
            fiber_households: c.households_fiber_passed,
            mobile_broadband: c.population_covered.mobile_broadband,
            ..Area::default()
        })
        .collect();
    let t = &report.totals;
    let mut city = Area {
        population: t.population,
        households: t.households,
        fiber_households: t.households_fiber_passed,
        mobile_broadband: t.population_covered.mobile_broadband,
        ..Area::default()
    };
    if let Some(access) = &access {
        for (a, (within, dtt)) in areas.iter_mut().zip(access) {
            a.within = *within;
            a.dtt = *dtt;
            for (sum, w) in city.within.iter_mut().zip(within) {
                *sum += w;
            }
            city.dtt += dtt;
        }
    }
    for (commune, connected) in &schools {
        city.schools += 1;
        city.schools_connected += usize::from(*connected);
        if let Some(c) = commune {
            areas[*c].schools += 1;
            areas[*c].schools_connected += usize::from(*connected);
        }
    }
    for (p, commune) in scenario.service_points.iter().flatten().zip(&located) {
        city.points[p.kind.index()] += 1;
        if let Some(c) = commune {
            areas[*c].points[p.kind.index()] += 1;
        }
    }

    let present = Present {
        fiber: !scenario.fiber.is_empty(),
        mobile: !scenario.sites.is_empty(),
        wifi: !scenario.wifi.is_empty(),
        dtt: scenario.broadcast.is_some(),
        schools: scenario.schools.is_some(),
        service_points: scenario.service_points.is_some(),
    };
    let targets = &scenario.parameters.targets;
    let min_pct = targets.mobile_broadband_commune_min_pct();
    let mut city_ind = indicators(&city, &present, targets);
    if present.mobile {
        let served = report
            .communes
            .iter()
            .filter(|c| c.mobile_broadband_pct() >= min_pct)
            .count();
        city_ind.push((
            "mobile_broadband_communes_pct",
            share_of_count(served, n, targets.get("mobile_broadband_communes_pct")),
        ));
    }
    if present.wifi {
        city_ind.push((
            "wifi_communes_pct",
            share_of_count(
                report.communes.iter().filter(|c| c.wifi_points > 0).count(),
                n,
                targets.get("wifi_communes_pct"),
            ),
        ));
    }
    order(&mut city_ind);

    let mut communes: Vec<(usize, CommuneScore)> = areas
        .iter()
        .zip(&report.communes)
        .enumerate()
        .map(|(i, (a, c))| {
            (
                i,
                CommuneScore {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    indicators: indicators(a, &present, targets),
                },
            )
        })
        .collect();
    let behind = |s: &CommuneScore| {
        let unmet = s
            .indicators
            .iter()
            .filter(|(_, i)| i.met == Some(false))
            .count();
        let shortfall: f64 = s
            .indicators
            .iter()
            .filter(|(name, _)| name.ends_with("_pct"))
            .filter_map(|(_, i)| Some((i.target? - i.value?).max(0.0)))
            .sum();
        (unmet, shortfall)
    };
    communes.sort_by(|(i, a), (j, b)| {
        let ((ua, sa), (ub, sb)) = (behind(a), behind(b));
        ub.cmp(&ua).then(sb.total_cmp(&sa)).then(i.cmp(j))
    });
    Ok(Scorecard {
        city: city_ind,
        communes: communes.into_iter().map(|(_, s)| s).collect(),
    })
}

/// Which layers the scenario has.
struct Present {
    fiber: bool,
    mobile: bool,
    wifi: bool,
    dtt: bool,
    schools: bool,
    service_points: bool,
}

/// Puts indicators in [`crate::model::INDICATORS`] order.
fn order(list: &mut Indicators) {
    let rank = |n: &str| {
        crate::model::INDICATORS
            .iter()
            .position(|x| *x == n)
            .unwrap_or(usize::MAX)
    };
    list.sort_by_key(|(n, _)| rank(n));
}

/// Relative tolerance when comparing a measured share with its target.
const TOLERANCE: f64 = 1e-9;

/// A percentage `part / whole` against a floor `target`; gap in the unit
/// of `part`, rounded up to whole units when `whole_units`.
fn share(part: f64, whole: f64, target: Option<f64>, whole_units: bool) -> Indicator {
    let value = pct(part, whole);
    let (met, gap) = match target {
        None => (None, None),
        Some(t) => {
            let needed = t / 100.0 * whole;
            let mut gap = (needed - part).max(0.0);
            if gap <= TOLERANCE * whole.max(1.0) {
                gap = 0.0;
            }
            if whole_units {
                gap = gap.ceil();
            }
            (Some(gap == 0.0), Some(gap))
        }
    };
    Indicator {
        value: Some(value),
        target,
        met,
        gap,
    }
}

/// A share of a count of items (schools, communes).
fn share_of_count(part: usize, whole: usize, target: Option<f64>) -> Indicator {
    if whole == 0 {
        return Indicator {
            value: None,
            target,
            met: None,
            gap: target.map(|_| 0.0),
        };
    }
    share(part as f64, whole as f64, target, true)
}

/// Residents per point against a ceiling `target`.
fn per_point(people: f64, points: usize, target: Option<f64>) -> Indicator {
    let value = (points > 0).then(|| people / points as f64);
    let (met, gap) = match target {
        None => (None, None),
        Some(t) => {
            let mut gap = (people - t * points as f64).max(0.0);
            if gap <= TOLERANCE * people.max(1.0) {
                gap = 0.0;
            }
            (Some(gap == 0.0), Some(gap))
        }
    };
    Indicator {
        value,
        target,
        met,
        gap,
    }
}

/// The indicators of one area (city or commune), the city-only ones
/// excepted.
fn indicators(a: &Area, present: &Present, targets: &crate::model::Targets) -> Indicators {
    let mut out = Vec::new();
    let t = |n: &str| targets.get(n);
    if present.fiber {
        out.push((
            "fiber_households_pct",
            share(
                a.fiber_households,
                a.households,
                t("fiber_households_pct"),
                false,
            ),
        ));
    }
    if present.mobile {
        out.push((
            "mobile_broadband_people_pct",
            share(
                a.mobile_broadband,
                a.population,
                t("mobile_broadband_people_pct"),
                false,
            ),
        ));
    }
    if present.dtt {
        out.push((
            "dtt_people_pct",
            share(a.dtt, a.population, t("dtt_people_pct"), false),
        ));
    }
    if present.schools {
        out.push((
            "schools_connected_pct",
            share_of_count(a.schools_connected, a.schools, t("schools_connected_pct")),
        ));
    }
    if present.service_points {
        const WITHIN: [&str; 3] = [
            "telecom_within_range_pct",
            "postal_within_range_pct",
            "internet_agent_within_range_pct",
        ];
        const PER: [&str; 3] = [
            "people_per_telecom_point",
            "people_per_postal_point",
            "people_per_internet_agent",
        ];
        for k in ServiceKind::ALL {
            let i = k.index();
            out.push((
                WITHIN[i],
                share(a.within[i], a.population, t(WITHIN[i]), false),
            ));
        }
        for k in ServiceKind::ALL {
            let i = k.index();
            out.push((PER[i], per_point(a.population, a.points[i], t(PER[i]))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commune, ServiceKind, ServicePoint, Transmitter};

    /// Six communes of 0.02° squared in two strips' reach, service points
    /// of every kind and two transmitters, reaching parts of them.
    fn town() -> Scenario {
        let mut communes = Vec::new();
        for k in 0..6 {
            let (x, y) = (105.7 + 0.02 * (k % 3) as f64, 10.0 + 0.02 * (k / 3) as f64);
            let square = geo::Rect::new((x, y), (x + 0.02, y + 0.02)).to_polygon();
            communes.push(Commune::new(
                k as i64,
                square,
                1_000.0 * (k + 1) as f64,
                250.0,
            ));
        }
        let mut s = Scenario::new(communes);
        s.service_points = Some(vec![
            ServicePoint::new("T1", ServiceKind::Telecom, (105.705, 10.005)),
            ServicePoint::new("T2", ServiceKind::Telecom, (105.745, 10.031)),
            ServicePoint::new("P1", ServiceKind::Postal, (105.73, 10.02)),
            ServicePoint::new("I1", ServiceKind::InternetAgent, (105.752, 10.012)),
            ServicePoint::new("out", ServiceKind::Postal, (105.9, 10.5)),
        ]);
        s.broadcast = Some(vec![
            Transmitter::new("D1", (105.71, 10.03), 1_500.0),
            Transmitter::new("D2", (105.76, 10.0), 2_500.0),
        ]);
        s
    }

    /// The access discs measured on the report's own strips and projected
    /// communes, and on the report's own lines by its sweep, give the
    /// figures of a pass of their own, bit for bit, and the shared paths
    /// are the ones taken.
    #[test]
    fn access_on_the_reports_strips_equals_a_pass_of_its_own() {
        let scenario = town();
        let discs = access_discs(&scenario).expect("service points and transmitters");
        use crate::engine::{Lookup, Sampling};
        for (sampling, lookup) in [
            (Sampling::Rows, Lookup::Indexed),
            (Sampling::Rows, Lookup::Exhaustive),
            (Sampling::CellCentres, Lookup::Indexed),
        ] {
            let options = Options {
                sampling,
                lookup,
                ..Options::default()
            };
            let (_, _, probe) = crate::report::measure_keeping(&scenario, &options, None).unwrap();
            let probe = probe.expect("no unwrapping around 180°");
            assert!(probe
                .evaluate_alongside(&discs, &options)
                .unwrap()
                .is_some());
            let shared = access_pass(&scenario, &options, Some(&probe))
                .unwrap()
                .unwrap();
            let own = access_pass(&scenario, &options, None).unwrap().unwrap();
            assert_eq!(shared, own, "{sampling:?} {lookup:?}");
            // measured by the report's sweep itself
            let (_, _, probe) =
                crate::report::measure_keeping(&scenario, &options, Some(&discs)).unwrap();
            let measured = probe.expect("no unwrapping").take_alongside();
            assert!(measured.is_some(), "{sampling:?} {lookup:?}");
            let fused = access_pass_measured(&scenario, &options, None, measured)
                .unwrap()
                .unwrap();
            assert_eq!(fused, own, "{sampling:?} {lookup:?}");
        }
        let options = Options::default();
        let (_, _, probe) = crate::report::measure_keeping(&scenario, &options, None).unwrap();
        let shared = access_pass(&scenario, &options, probe.as_ref())
            .unwrap()
            .unwrap();
        // figures worth comparing: communes reached in part, by every kind
        // and by a transmitter; the points placed, the one outside not
        let partly = |figure: fn(&([f64; 3], f64), usize) -> f64, kind: usize| {
            shared
                .0
                .iter()
                .zip(&scenario.communes)
                .filter(|(a, c)| {
                    let f = figure(a, kind);
                    f > 0.0 && f < c.population.unwrap()
                })
                .count()
        };
        for kind in 0..3 {
            assert!(partly(|a, k| a.0[k], kind) > 0, "kind {kind}");
        }
        assert!(partly(|a, _| a.1, 0) > 0, "DTT");
        assert_eq!(
            shared.1,
            vec![Some(0), Some(5), Some(1), Some(2), None],
            "communes of the service points"
        );
    }

    /// Demand given as points: the report's strips are not used (the
    /// points are located by the pass itself) and the figures stay those
    /// of the pass of its own.
    #[test]
    fn access_with_demand_points_falls_back_to_a_pass_of_its_own() {
        use geo::InteriorPoint;
        let mut scenario = town();
        let points = scenario
            .communes
            .iter()
            .filter_map(|c| c.geometry.as_ref()?.interior_point())
            .map(|p| crate::model::PopulationPoint::new((p.x(), p.y()), 100.0, 25.0))
            .collect();
        scenario.population = Some(points);
        let options = Options::default();
        let discs = access_discs(&scenario).unwrap();
        let (_, _, mut probe) =
            crate::report::measure_keeping(&scenario, &options, Some(&discs)).unwrap();
        // nothing measured alongside points
        assert!(probe.as_mut().and_then(|p| p.take_alongside()).is_none());
        let probe = probe.expect("no unwrapping around 180°");
        assert!(probe
            .evaluate_alongside(&discs, &options)
            .unwrap()
            .is_none());
        assert_eq!(
            access_pass(&scenario, &options, Some(&probe)).unwrap(),
            access_pass(&scenario, &options, None).unwrap()
        );
    }
}
