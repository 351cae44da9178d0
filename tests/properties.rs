//! Property tests of the engine on random small scenarios: the indexed
//! lookup equals the exhaustive baseline, every person is counted once, and
//! adding a site never lowers coverage.

use geo::{LineString, MultiLineString, MultiPolygon, Point, Polygon};
use proptest::prelude::*;
use telecov::model::{
    Commune, FeatureId, FiberRoute, Parameters, PopulationPoint, Scenario, Sector, Site, SiteRange,
    TechSet, Technology, WifiPoint, DEFAULT_HEIGHT_M,
};
use telecov::{Lookup, Options};

const LON: f64 = 106.0;
const LAT: f64 = 20.9;

fn commune(i: usize, w: f64, s: f64, size: f64) -> Commune {
    let (e, n) = (w + size, s + size);
    Commune {
        id: FeatureId::Int(i as i64),
        name: None,
        district: None,
        kind: None,
        population: Some(1000.0 + i as f64 * 17.0),
        households: Some(300.0 + i as f64 * 5.0),
        geometry: Some(MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(w, s), (e, s), (e, n), (w, n), (w, s)]),
            vec![],
        )])),
    }
}

prop_compose! {
    fn arb_site(id: i64)(
        dx in -0.05f64..0.05, dy in -0.05f64..0.05,
        bits in 1u8..16,
        range_m in 200.0f64..4000.0,
        sectors in prop::collection::vec((0.0f64..360.0, 10.0f64..=360.0, prop::option::of(200.0f64..3000.0)), 0..4),
    ) -> Site {
        Site {
            id: FeatureId::Int(id),
            operator: None,
            technologies: TechSet::from_bits(bits),
            height_m: DEFAULT_HEIGHT_M,
            range_m: SiteRange::All(range_m),
            sectors: sectors.into_iter().map(|(azimuth_deg, beamwidth_deg, range_m)| Sector { azimuth_deg, beamwidth_deg, range_m }).collect(),
            radio: Default::default(),
            location: Point::new(LON + dx, LAT + dy),
        }
    }
}

fn arb_scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec((-0.04f64..0.03, -0.04f64..0.03, 0.005f64..0.03), 1..5),
        prop::collection::vec(0i64..1, 0..12),
        prop::collection::vec(
            (
                -0.05f64..0.05,
                -0.05f64..0.05,
                -0.05f64..0.05,
                -0.05f64..0.05,
            ),
            0..3,
        ),
        prop::collection::vec((-0.05f64..0.05, -0.05f64..0.05, 20.0f64..600.0), 0..4),
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
        .prop_map(|((communes, fibre, wifi, points), sites)| Scenario {
            communes: communes
                .into_iter()
                .enumerate()
                .map(|(i, (w, s, size))| commune(i, LON + w, LAT + s, size))
                .collect(),
            sites,
            fiber: fibre
                .into_iter()
                .enumerate()
                .map(|(i, (x0, y0, x1, y1))| FiberRoute {
                    id: FeatureId::Int(i as i64),
                    operator: None,
                    geometry: MultiLineString(vec![LineString::from(vec![
                        (LON + x0, LAT + y0),
                        (LON + x1, LAT + y1),
                    ])]),
                })
                .collect(),
            wifi: wifi
                .into_iter()
                .enumerate()
                .map(|(i, (x, y, r))| WifiPoint {
                    id: FeatureId::Int(i as i64),
                    range_m: Some(r),
                    location: Point::new(LON + x, LAT + y),
                })
                .collect(),
            population: points.map(|pts| {
                pts.into_iter()
                    .map(|(x, y, p)| PopulationPoint {
                        location: Some(Point::new(LON + x, LAT + y)),
                        population: p,
                        households: (p / 3.0).floor(),
                    })
                    .collect()
            }),
            parameters: Parameters {
                resolution_m: 150.0,
                ..Parameters::default()
            },
            warnings: vec![],
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
