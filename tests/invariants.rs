//! Invariants of the engine on random small scenarios (proptest), beyond
//! those of `tests/properties.rs`:
//!
//! - conservation in uniform and points mode, with an independent
//!   point-in-polygon assignment of the points;
//! - monotonicity: widening a range or a beamwidth never lowers a commune's
//!   coverage, removing a site never raises it, adding a site in points
//!   mode never lowers it;
//! - a 360° sector is an omni site, and sectors that tile the circle
//!   (3 × 120°, 4 × 90°, 6 × 60°) are one omni site;
//! - reordering sites, wifi, fibre or (non-overlapping) communes changes
//!   nothing but the order of the communes in the report;
//! - results are bit-identical with 1, 2 and 4 threads.
//!
//! Scenarios are small (at most 6 communes of about 1 km², a dozen sites,
//! at most 120 demand points) on a coarse 150 m resolution, around 106° E
//! so that they straddle two projection strips. Each property runs
//! [`CASES`] cases.

mod common;

use common::{arb_fibre, arb_wifi, omni};
use geo::{Intersects, LineString, Point, Polygon};
use proptest::prelude::*;
use telecov::model::{
    Commune, FeatureId, PopulationPoint, Scenario, Sector, Site, SiteRange, Technology,
};
use telecov::report::CommuneReport;
use telecov::Report;

/// Cases per property.
const CASES: u32 = 512;

const LON: f64 = 106.0;
const LAT: f64 = 20.9;
/// Side of a cell of the commune layout, degrees (about 1.1 km).
const CELL: f64 = 0.01;

/// Relative tolerance for comparisons where the compared runs sum or merge
/// floating-point numbers in a different order or compute the same edge by
/// different trigonometry (sectors tiling a circle): the work is a few
/// thousand additions of terms up to 10⁴, so rounding stays many orders of
/// magnitude below 10⁻⁹ of the commune's people, while any real difference
/// of coverage (one grid line, one demand point) is far above it.
const REL_TOL: f64 = 1e-9;

/// A commune in cell (`col`, `row`) of a 3 × 2 layout: a quadrilateral whose
/// corners are pulled inwards by `inset` (fractions of a cell, each
/// < 0.45), so communes never touch or overlap.
fn commune(i: usize, col: usize, row: usize, inset: [f64; 4], pop: f64, hh: f64) -> Commune {
    let w = LON - 1.5 * CELL + col as f64 * CELL;
    let s = LAT - CELL + row as f64 * CELL;
    let corners = [
        (w + inset[0] * CELL, s + inset[0] * CELL),
        (w + CELL - inset[1] * CELL, s + inset[1] * CELL),
        (w + CELL - inset[2] * CELL, s + CELL - inset[2] * CELL),
        (w + inset[3] * CELL, s + CELL - inset[3] * CELL),
    ];
    let mut ring: Vec<(f64, f64)> = corners.to_vec();
    ring.push(corners[0]);
    Commune::new(
        i as i64,
        Polygon::new(LineString::from(ring), vec![]),
        pop,
        hh,
    )
}

/// Sites within about 2.8 km × 1.7 km of (LON, LAT), ranges 100 m to
/// 1.5 km (sectors up to 1.2 km).
fn arb_site(id: i64) -> impl Strategy<Value = Site> {
    common::arb_site(
        id,
        Point::new(LON, LAT),
        (0.025, 0.015),
        100.0..1500.0,
        100.0..1200.0,
    )
}

/// Random scenarios with non-overlapping communes (one in ten without
/// geometry: its people stay, uncovered), in uniform mode or (with
/// `points`) in points mode.
fn arb_scenario(points: bool) -> impl Strategy<Value = Scenario> {
    let cells = prop::sample::subsequence((0..6usize).collect::<Vec<_>>(), 1..=6);
    (
        cells,
        prop::collection::vec(
            (
                prop::array::uniform4(0.0f64..0.4),
                0.0f64..50_000.0,
                0.0f64..15_000.0,
                prop::bool::weighted(0.1),
            ),
            6,
        ),
        arb_fibre(Point::new(LON, LAT), (0.03, 0.02), 0..3),
        arb_wifi(
            Point::new(LON, LAT),
            (0.03, 0.02),
            prop::option::of(20.0f64..400.0),
            0..5,
        ),
        prop::collection::vec(
            (
                prop::option::of((-0.032f64..0.032, -0.022f64..0.022)),
                0.0f64..40.0,
                0.0f64..12.0,
            ),
            if points { 1..120 } else { 0..1 },
        ),
        0usize..12,
    )
        .prop_flat_map(|(cells, shapes, fibre, wifi, pts, n_sites)| {
            (
                Just((cells, shapes, fibre, wifi, pts)),
                (0..n_sites as i64).map(arb_site).collect::<Vec<_>>(),
            )
        })
        .prop_map(move |((cells, shapes, fibre, wifi, pts), sites)| {
            let communes = cells
                .iter()
                .enumerate()
                .map(|(i, &cell)| {
                    let (inset, pop, hh, no_geometry) = shapes[cell];
                    let mut c = commune(i, cell % 3, cell / 3, inset, pop, hh);
                    if no_geometry {
                        c.geometry = None;
                    }
                    c
                })
                .collect();
            Scenario {
                population: points.then(|| {
                    pts.into_iter()
                        .map(|(at, population, households)| PopulationPoint {
                            location: at.map(|(x, y)| Point::new(LON + x, LAT + y)),
                            population,
                            households,
                        })
                        .collect()
                }),
                ..common::scenario(communes, sites, 150.0)
                    .with_fiber(fibre)
                    .with_wifi(wifi)
            }
        })
}

fn arb_any_scenario() -> impl Strategy<Value = Scenario> {
    prop_oneof![arb_scenario(false), arb_scenario(true)]
}

fn eval(s: &Scenario) -> Report {
    telecov::evaluate(s).expect("a valid scenario evaluates")
}

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= REL_TOL * scale.abs().max(1.0)
}

/// Every coverage figure of a commune, with its name.
fn figures(c: &CommuneReport) -> [(&'static str, f64); 7] {
    [
        ("2G", c.population_covered.g2),
        ("3G", c.population_covered.g3),
        ("4G", c.population_covered.g4),
        ("5G", c.population_covered.g5),
        ("mobile_broadband", c.population_covered.mobile_broadband),
        ("fiber", c.households_fiber_passed),
        ("wifi", c.population_wifi_covered),
    ]
}

/// `after` covers at least what `before` covers in every commune and layer
/// (`grow`), or at most (`!grow`), up to [`REL_TOL`].
fn assert_monotone(before: &Report, after: &Report, grow: bool) -> Result<(), TestCaseError> {
    for (b, a) in before.communes.iter().zip(&after.communes) {
        for ((name, vb), (_, va)) in figures(b).into_iter().zip(figures(a)) {
            let slack = REL_TOL * b.population.max(b.households).max(1.0);
            let ok = if grow {
                va >= vb - slack
            } else {
                va <= vb + slack
            };
            prop_assert!(ok, "commune {:?} {name}: {vb} then {va}", b.id);
        }
    }
    Ok(())
}

/// Same figures (up to [`REL_TOL`]) in the same communes.
fn assert_same(a: &Report, b: &Report) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.communes.len(), b.communes.len());
    for (x, y) in a.communes.iter().zip(&b.communes) {
        prop_assert_eq!(&x.id, &y.id);
        prop_assert_eq!(x.population, y.population);
        prop_assert_eq!(x.households, y.households);
        for ((name, vx), (_, vy)) in figures(x).into_iter().zip(figures(y)) {
            prop_assert!(
                close(vx, vy, x.population.max(x.households)),
                "commune {:?} {name}: {vx} vs {vy}",
                x.id
            );
        }
    }
    Ok(())
}

/// The first commune (input order) whose polygon holds `p`, boundary
/// included: the contract's rule, by brute force with `geo`.
fn owner(s: &Scenario, p: Point<f64>) -> Option<usize> {
    s.communes
        .iter()
        .position(|c| c.geometry.as_ref().is_some_and(|g| g.intersects(&p)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, .. ProptestConfig::default() })]

    /// covered + uncovered + unassigned = input, for people and households;
    /// in points mode each commune holds exactly the points inside it.
    #[test]
    fn conservation(s in arb_any_scenario()) {
        let r = eval(&s);
        let t = &r.totals;
        let mut people = 0.0;
        let mut households = 0.0;
        for (c, input) in r.communes.iter().zip(&s.communes) {
            if input.geometry.is_none() {
                prop_assert!(figures(c).iter().all(|(_, v)| *v == 0.0), "{:?} has no geometry", c.id);
            }
            for (name, v) in figures(c) {
                let whole = if name == "fiber" { c.households } else { c.population };
                prop_assert!(v >= 0.0 && v <= whole + REL_TOL * whole.max(1.0), "{name}: {v} of {whole}");
            }
            // uncovered = population − covered is what the report implies:
            // the three parts add up to the input only if covered ≤ whole
            // (checked above) and the communes and unassigned add up.
            people += c.population;
            households += c.households;
        }
        prop_assert!(close(t.population, people, people));
        prop_assert!(close(t.households, households, households));
        match &s.population {
            None => {
                let pop: f64 = s.communes.iter().map(|c| c.population.unwrap()).sum();
                let hh: f64 = s.communes.iter().map(|c| c.households.unwrap()).sum();
                prop_assert!(close(t.population, pop, pop));
                prop_assert!(close(t.households, hh, hh));
                prop_assert_eq!(t.unassigned_population, 0.0);
                prop_assert_eq!(t.unassigned_households, 0.0);
                for (c, input) in r.communes.iter().zip(&s.communes) {
                    prop_assert_eq!(c.population, input.population.unwrap());
                    prop_assert_eq!(c.households, input.households.unwrap());
                }
            }
            Some(points) => {
                let mut expected = vec![(0.0, 0.0); s.communes.len()];
                let mut unassigned = (0.0, 0.0);
                for p in points {
                    let slot = match p.location.and_then(|l| owner(&s, l)) {
                        Some(i) => &mut expected[i],
                        None => &mut unassigned,
                    };
                    slot.0 += p.population;
                    slot.1 += p.households;
                }
                for (c, (pop, hh)) in r.communes.iter().zip(expected) {
                    prop_assert!(close(c.population, pop, pop), "{:?}: {} vs {pop}", c.id, c.population);
                    prop_assert!(close(c.households, hh, hh));
                }
                prop_assert!(close(t.unassigned_population, unassigned.0, unassigned.0));
                prop_assert!(close(t.unassigned_households, unassigned.1, unassigned.1));
                let pop: f64 = points.iter().map(|p| p.population).sum();
                let hh: f64 = points.iter().map(|p| p.households).sum();
                prop_assert!(close(t.population + t.unassigned_population, pop, pop));
                prop_assert!(close(t.households + t.unassigned_households, hh, hh));
            }
        }
    }

    /// Multiplying one site's ranges (site and sectors) by a factor ≥ 1
    /// never lowers coverage; dividing them never raises it.
    #[test]
    fn widening_a_range_never_lowers_coverage(
        s in arb_any_scenario(), pick in any::<prop::sample::Index>(), factor in 1.0f64..3.0,
    ) {
        prop_assume!(!s.sites.is_empty());
        let i = pick.index(s.sites.len());
        let mut wide = s.clone();
        let site = &mut wide.sites[i];
        if let SiteRange::All(r) = &mut site.range_m {
            *r *= factor;
        }
        for sec in &mut site.sectors {
            sec.range_m = sec.range_m.map(|r| r * factor);
        }
        let before = eval(&s);
        let after = eval(&wide);
        assert_monotone(&before, &after, true)?;
    }

    /// Widening one sector's beamwidth (up to 360°) never lowers coverage.
    #[test]
    fn widening_a_beamwidth_never_lowers_coverage(
        s in arb_any_scenario(), pick in any::<prop::sample::Index>(), extra in 0.0f64..200.0,
    ) {
        let sectors: Vec<(usize, usize)> = s.sites.iter().enumerate()
            .flat_map(|(i, site)| (0..site.sectors.len()).map(move |k| (i, k)))
            .collect();
        prop_assume!(!sectors.is_empty());
        let (i, k) = sectors[pick.index(sectors.len())];
        let mut wide = s.clone();
        let sec = &mut wide.sites[i].sectors[k];
        sec.beamwidth_deg = (sec.beamwidth_deg + extra).min(360.0);
        assert_monotone(&eval(&s), &eval(&wide), true)?;
    }

    /// Removing a site never raises coverage; adding one (points mode here,
    /// uniform mode in tests/properties.rs) never lowers it.
    #[test]
    fn removing_a_site_never_raises_coverage(
        s in arb_any_scenario(), pick in any::<prop::sample::Index>(), extra in arb_site(1000),
    ) {
        let full = eval(&s);
        if !s.sites.is_empty() {
            let mut fewer = s.clone();
            fewer.sites.remove(pick.index(s.sites.len()));
            assert_monotone(&full, &eval(&fewer), false)?;
        }
        if s.population.is_some() {
            let mut more = s.clone();
            more.sites.push(extra);
            assert_monotone(&full, &eval(&more), true)?;
        }
    }

    /// A site with one 360° sector (any azimuth) covers what the same site
    /// without sectors covers; sectors that tile the circle (n × 360/n°,
    /// any rotation) do too, up to [`REL_TOL`] (the wedge edges of adjacent
    /// sectors are computed separately, so a row's covered length may differ
    /// in the last bits).
    #[test]
    fn full_circle_sectors_equal_an_omni_site(
        s in arb_any_scenario(), site in arb_site(2000), n in prop::sample::select(vec![1usize, 3, 4, 6]),
        rotation in 0.0f64..360.0,
    ) {
        let mut with_omni = s.clone();
        let mut site = site;
        site.sectors.clear();
        with_omni.sites.push(site.clone());
        let mut sectored = s.clone();
        site.sectors = (0..n)
            .map(|k| Sector::new((rotation + k as f64 * 360.0 / n as f64) % 360.0, 360.0 / n as f64))
            .collect();
        sectored.sites.push(site);
        assert_same(&eval(&with_omni), &eval(&sectored))?;
    }

    /// Reversing or rotating the order of sites, wifi points and fibre
    /// routes changes nothing; reordering the communes (which never
    /// overlap here, so "first commune in input order" never decides)
    /// reorders the report's communes and changes nothing else.
    #[test]
    fn reordering_features_changes_only_output_order(
        s in arb_any_scenario(), rot in 0usize..12, perm in any::<u64>(),
    ) {
        let base = eval(&s);

        let mut shuffled = s.clone();
        shuffled.sites.reverse();
        let n = shuffled.wifi.len().max(1);
        shuffled.wifi.rotate_left(rot % n);
        shuffled.fiber.reverse();
        let r = eval(&shuffled);
        assert_same(&base, &r)?;
        prop_assert_eq!(base.totals.sites, r.totals.sites);
        prop_assert_eq!(base.totals.wifi_points, r.totals.wifi_points);
        prop_assert_eq!(base.totals.communes_with_wifi, r.totals.communes_with_wifi);
        for (a, b) in base.communes.iter().zip(&r.communes) {
            prop_assert_eq!(a.sites, b.sites);
            prop_assert_eq!(a.wifi_points, b.wifi_points);
        }

        // a permutation of the communes drawn from `perm`
        let mut order: Vec<usize> = (0..s.communes.len()).collect();
        let mut state = perm;
        for i in (1..order.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, (state >> 33) as usize % (i + 1));
        }
        let mut moved = s.clone();
        moved.communes = order.iter().map(|&i| s.communes[i].clone()).collect();
        let r = eval(&moved);
        let expected = Report {
            communes: order.iter().map(|&i| base.communes[i].clone()).collect(),
            ..base.clone()
        };
        assert_same(&expected, &r)?;
        for (a, b) in expected.communes.iter().zip(&r.communes) {
            prop_assert_eq!(a.sites, b.sites);
            prop_assert_eq!(a.wifi_points, b.wifi_points);
        }
        let t = (&base.totals, &r.totals);
        prop_assert!(close(t.0.population, t.1.population, t.0.population));
        prop_assert!(close(t.0.households, t.1.households, t.0.households));
        prop_assert_eq!(t.0.unassigned_population, t.1.unassigned_population);
        prop_assert!(close(t.0.population_covered.mobile_broadband, t.1.population_covered.mobile_broadband, t.0.population));
        prop_assert!(close(t.0.households_fiber_passed, t.1.households_fiber_passed, t.0.households));
        prop_assert!(close(t.0.population_wifi_covered, t.1.population_wifi_covered, t.0.population));
    }

    /// The report (all of report.json) is bit-identical with 1, 2 and 4
    /// worker threads.
    #[test]
    fn bit_identical_with_1_2_and_4_threads(s in arb_any_scenario()) {
        let run = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| eval(&s).to_json())
        };
        let one = run(1);
        prop_assert_eq!(&one, &run(2));
        prop_assert_eq!(&one, &run(4));
    }
}

/// The communes of the generator never overlap or touch, so the
/// reordering property above has no "first commune in input order" rule
/// to respect; overlapping communes are the counter-case, checked here:
/// the point goes to whichever comes first.
#[test]
fn reordering_overlapping_communes_follows_the_first_commune_rule() {
    let a = commune(0, 0, 0, [0.0; 4], 100.0, 10.0);
    let mut b = commune(1, 0, 0, [0.0; 4], 100.0, 10.0);
    b.id = FeatureId::Int(1);
    let p = PopulationPoint::new((LON - CELL, LAT - 0.5 * CELL), 7.0, 2.0);
    let mut s = Scenario::new(vec![a, b]).with_population(vec![p]);
    let r = eval(&s);
    assert_eq!(
        (r.communes[0].population, r.communes[1].population),
        (7.0, 0.0)
    );
    s.communes.reverse();
    let r = eval(&s);
    assert_eq!(r.communes[0].id, FeatureId::Int(1));
    assert_eq!(
        (r.communes[0].population, r.communes[1].population),
        (7.0, 0.0)
    );
}

/// Sanity check of the layout: six separate communes; a 600 m site in the
/// middle of commune 4 (about 620 m × 660 m) covers it and no other.
#[test]
fn generator_layout_is_as_documented() {
    let communes: Vec<Commune> = (0..6)
        .map(|i| commune(i, i % 3, i / 3, [0.2; 4], 1000.0, 100.0))
        .collect();
    let centre = |i: usize| {
        (
            LON - 1.5 * CELL + (i % 3) as f64 * CELL + 0.5 * CELL,
            LAT - CELL + (i / 3) as f64 * CELL + 0.5 * CELL,
        )
    };
    let (x, y) = centre(4);
    let s = common::scenario(
        communes,
        vec![omni(1, (x, y), [Technology::G4], 600.0)],
        150.0,
    );
    let r = eval(&s);
    for (i, c) in r.communes.iter().enumerate() {
        let pct = c.population_covered_pct(Technology::G4);
        if i == 4 {
            assert!((pct - 100.0).abs() < 1e-9, "{pct}");
        } else {
            assert_eq!(pct, 0.0, "commune {i}");
        }
    }
    assert_eq!(r.communes[4].sites, 1);
}
