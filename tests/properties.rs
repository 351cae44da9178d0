//! Property tests of the engine on random small scenarios: the indexed
//! lookup equals the exhaustive baseline, every person is counted once, and
//! adding a site never lowers coverage.

mod common;

use common::{arb_fibre, arb_wifi, rect};
use geo::Point;
use proptest::prelude::*;
use telecov::model::{Commune, PopulationPoint, Scenario, Site, Technology};
use telecov::{Lookup, Options};

const LON: f64 = 106.0;
const LAT: f64 = 20.9;

/// Commune `i`: a square of side `size` degrees from (`w`, `s`).
fn commune(i: usize, w: f64, s: f64, size: f64) -> Commune {
    Commune::new(
        i as i64,
        rect(w, s, w + size, s + size),
        1000.0 + i as f64 * 17.0,
        300.0 + i as f64 * 5.0,
    )
}

/// Sites within about 5.5 km of (LON, LAT), ranges 200 m to 4 km (sectors
/// up to 3 km).
fn arb_site(id: i64) -> impl Strategy<Value = Site> {
    common::arb_site(
        id,
        Point::new(LON, LAT),
        (0.05, 0.05),
        200.0..4000.0,
        200.0..3000.0,
    )
}

fn arb_scenario() -> impl Strategy<Value = Scenario> {
    let centre = Point::new(LON, LAT);
    (
        prop::collection::vec((-0.04f64..0.03, -0.04f64..0.03, 0.005f64..0.03), 1..5),
        prop::collection::vec(0i64..1, 0..12),
        arb_fibre(centre, (0.05, 0.05), 0..3),
        arb_wifi(centre, (0.05, 0.05), (20.0f64..600.0).prop_map(Some), 0..4),
        prop::option::of(prop::collection::vec(
            (-0.06f64..0.06, -0.06f64..0.06, 0.0f64..40.0),
            1..200,
        )),
    )
        .prop_flat_map(|(communes, sites, fibre, wifi, points)| {
            let n = sites.len();
            (
                Just((communes, fibre, wifi, points)),
                (0..n as i64).map(arb_site).collect::<Vec<_>>(),
            )
        })
        .prop_map(|((communes, fibre, wifi, points), sites)| {
            let communes = communes
                .into_iter()
                .enumerate()
                .map(|(i, (w, s, size))| commune(i, LON + w, LAT + s, size))
                .collect();
            Scenario {
                population: points.map(|pts| {
                    pts.into_iter()
                        .map(|(x, y, p)| {
                            PopulationPoint::new((LON + x, LAT + y), p, (p / 3.0).floor())
                        })
                        .collect()
                }),
                ..common::scenario(communes, sites, 150.0)
                    .with_fiber(fibre)
                    .with_wifi(wifi)
            }
        })
}

fn input_totals(s: &Scenario) -> (f64, f64) {
    match &s.population {
        Some(p) => p
            .iter()
            .fold((0.0, 0.0), |(a, b), q| (a + q.population, b + q.households)),
        None => s.communes.iter().fold((0.0, 0.0), |(a, b), c| {
            (a + c.population.unwrap(), b + c.households.unwrap())
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn indexed_equals_exhaustive_and_conserves(s in arb_scenario()) {
        let indexed = telecov::evaluate(&s).unwrap();
        let exhaustive = telecov::evaluate_with(&s, &Options { lookup: Lookup::Exhaustive, ..Options::default() }).unwrap();
        prop_assert_eq!(indexed.to_json(), exhaustive.to_json());

        let (pop, hh) = input_totals(&s);
        let t = &indexed.totals;
        prop_assert!((t.population + t.unassigned_population - pop).abs() <= 1e-9 * pop.max(1.0));
        prop_assert!((t.households + t.unassigned_households - hh).abs() <= 1e-9 * hh.max(1.0));
        for c in &indexed.communes {
            for tech in Technology::ALL {
                prop_assert!(c.population_covered.get(tech) <= c.population);
                prop_assert!(c.population_covered.get(tech) <= c.population_covered.mobile_broadband || tech == Technology::G2);
            }
            prop_assert!(c.households_fiber_passed <= c.households);
            prop_assert!(c.population_wifi_covered <= c.population);
        }
    }

    #[test]
    fn adding_a_site_never_lowers_coverage(s in arb_scenario(), extra in arb_site(999)) {
        let before = telecov::evaluate(&s).unwrap();
        let mut more = s.clone();
        more.sites.push(extra);
        let after = telecov::evaluate(&more).unwrap();
        for (b, a) in before.communes.iter().zip(&after.communes) {
            for tech in Technology::ALL {
                prop_assert!(a.population_covered.get(tech) >= b.population_covered.get(tech));
            }
            prop_assert!(a.population_covered.mobile_broadband >= b.population_covered.mobile_broadband);
        }
    }
}
