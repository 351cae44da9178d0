//! Points mode is exact: the engine's counts equal a brute-force check with
//! geodesic distances and bearings. Results do not depend on the number of
//! threads.

mod common;

use common::{omni, rect};
use geo::{Bearing, Distance, Geodesic, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use telecov::model::{Commune, PopulationPoint, Scenario, Sector, Site, TechSet, Technology};

const LON: f64 = 105.75;
const LAT: f64 = 10.03;

/// A commune on the rectangle `w`..`e` × `s`..`n` without people of its
/// own (points mode).
fn commune(id: &str, w: f64, s: f64, e: f64, n: f64) -> Commune {
    Commune {
        population: None,
        households: None,
        ..Commune::new(id, rect(w, s, e, n), 0.0, 0.0)
    }
}

struct Fixture {
    scenario: Scenario,
}

fn fixture(seed: u64) -> Fixture {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // two communes side by side sharing the meridian LON, a third overlapping the first
    let communes = vec![
        commune("a", LON - 0.05, LAT - 0.05, LON, LAT + 0.05),
        commune("b", LON, LAT - 0.05, LON + 0.05, LAT + 0.05),
        commune("c", LON - 0.02, LAT - 0.02, LON + 0.0, LAT + 0.02),
    ];
    let mut sites = Vec::new();
    for i in 0..40 {
        let at = Point::new(
            LON + rng.random_range(-0.06..0.06),
            LAT + rng.random_range(-0.06..0.06),
        );
        let techs: TechSet = Technology::ALL
            .into_iter()
            .filter(|_| rng.random_bool(0.5))
            .collect();
        let techs = if techs.is_empty() {
            [Technology::G2].into_iter().collect()
        } else {
            techs
        };
        let sectors = if rng.random_bool(0.5) {
            let az0 = rng.random_range(0.0..360.0);
            let bw = [65.0, 90.0, 120.0][rng.random_range(0..3)];
            (0..3)
                .map(|k| {
                    let sector = Sector::new((az0 + 120.0 * k as f64) % 360.0, bw);
                    if k == 0 {
                        sector.with_range_m(rng.random_range(300.0..2500.0))
                    } else {
                        sector
                    }
                })
                .collect()
        } else {
            vec![]
        };
        sites.push(omni(i, at, techs, rng.random_range(300.0..3000.0)).with_sectors(sectors));
    }
    let mut points = Vec::new();
    while points.len() < 3000 {
        let p = Point::new(
            LON + rng.random_range(-0.07..0.07),
            LAT + rng.random_range(-0.07..0.07),
        );
        if !ambiguous(&sites, p) {
            points.push(PopulationPoint::new(
                p,
                rng.random_range(1..50) as f64,
                rng.random_range(1..15) as f64,
            ));
        }
    }
    // one point exactly on the shared boundary of a and b: belongs to a (first)
    points.push(PopulationPoint::new((LON, LAT + 0.01), 7.0, 2.0));
    // one with no location: unassigned
    points.push(PopulationPoint {
        location: None,
        population: 5.0,
        households: 1.0,
    });
    Fixture {
        scenario: Scenario::new(communes)
            .with_sites(sites)
            .with_population(points),
    }
}

/// Whether `p` is too close to a range edge or wedge edge for the
/// brute-force check to be unambiguous.
fn ambiguous(sites: &[Site], p: Point<f64>) -> bool {
    sites.iter().any(|s| {
        let d = Geodesic.distance(s.location, p);
        let b = Geodesic.bearing(s.location, p);
        let range_edge = |r: f64| (d - r).abs() < 0.5;
        if s.sectors.is_empty() {
            range_edge(s.range_m.get(Technology::G2).unwrap())
        } else {
            s.sectors.iter().any(|sec| {
                let r = sec.range_m.or(s.range_m.get(Technology::G2)).unwrap();
                let off = (b - sec.azimuth_deg).rem_euclid(360.0);
                let off = off.min(360.0 - off);
                range_edge(r) || (d < r + 1.0 && (off - sec.beamwidth_deg / 2.0).abs() < 0.01)
            })
        }
    })
}

fn brute_force_covers(s: &Site, p: Point<f64>) -> bool {
    let d = Geodesic.distance(s.location, p);
    if s.sectors.is_empty() {
        return d <= s.range_m.get(Technology::G2).unwrap();
    }
    let b = Geodesic.bearing(s.location, p);
    s.sectors.iter().any(|sec| {
        let r = sec.range_m.or(s.range_m.get(Technology::G2)).unwrap();
        let off = (b - sec.azimuth_deg).rem_euclid(360.0);
        d <= r && off.min(360.0 - off) <= sec.beamwidth_deg / 2.0
    })
}

fn contains(c: &Commune, p: Point<f64>) -> bool {
    use geo::Intersects;
    c.geometry.as_ref().unwrap().intersects(&p)
}

#[test]
fn points_mode_equals_brute_force() {
    let f = fixture(7);
    let s = &f.scenario;
    let report = telecov::evaluate(s).unwrap();
    let n = s.communes.len();
    let mut pop = vec![0.0; n];
    let mut hh = vec![0.0; n];
    let mut covered = vec![[0.0f64; 5]; n];
    let (mut un_pop, mut un_hh) = (0.0, 0.0);
    for pt in s.population.as_ref().unwrap() {
        let owner = pt
            .location
            .and_then(|p| s.communes.iter().position(|c| contains(c, p)));
        let Some(c) = owner else {
            un_pop += pt.population;
            un_hh += pt.households;
            continue;
        };
        let p = pt.location.unwrap();
        pop[c] += pt.population;
        hh[c] += pt.households;
        let mut mbb = false;
        for t in Technology::ALL {
            let hit = s
                .sites
                .iter()
                .any(|site| site.technologies.contains(t) && brute_force_covers(site, p));
            if hit {
                covered[c][t.index()] += pt.population;
                mbb |= t.is_broadband();
            }
        }
        if mbb {
            covered[c][4] += pt.population;
        }
    }
    for (i, row) in report.communes.iter().enumerate() {
        assert_eq!(row.population, pop[i], "commune {i} population");
        assert_eq!(row.households, hh[i], "commune {i} households");
        for t in Technology::ALL {
            assert_eq!(
                row.population_covered.get(t),
                covered[i][t.index()],
                "commune {i} {t}"
            );
        }
        assert_eq!(row.population_covered.mobile_broadband, covered[i][4]);
    }
    assert_eq!(report.totals.unassigned_population, un_pop);
    assert_eq!(report.totals.unassigned_households, un_hh);
    // conservation
    let input: f64 = s
        .population
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.population)
        .sum();
    assert_eq!(
        report.totals.population + report.totals.unassigned_population,
        input
    );
    // the overlap commune c gets nothing: a and b come first
    assert_eq!(report.communes[2].population, 0.0);
    assert!(
        un_pop > 5.0,
        "some random points fall outside every commune"
    );
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let points = fixture(11).scenario;
    let mut uniform = points.clone();
    uniform.population = None;
    for c in &mut uniform.communes {
        c.population = Some(12_345.0);
        c.households = Some(3_456.0);
    }
    uniform.parameters.resolution_m = 100.0;
    for s in [&points, &uniform] {
        let run = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| telecov::evaluate(s).unwrap().to_json())
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(4));
    }
}

#[test]
fn boundary_point_goes_to_first_commune() {
    let s = Scenario::new(vec![
        commune("b", LON, LAT - 0.05, LON + 0.05, LAT + 0.05),
        commune("a", LON - 0.05, LAT - 0.05, LON, LAT + 0.05),
    ])
    .with_population(vec![PopulationPoint::new((LON, LAT), 3.0, 1.0)]);
    let r = telecov::evaluate(&s).unwrap();
    assert_eq!(r.communes[0].population, 3.0);
    assert_eq!(r.communes[1].population, 0.0);
}
