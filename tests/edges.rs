//! Numbers at the edges: communes without people or without area,
//! scenarios at the antimeridian and near the poles, and ranges of 100 km
//! and 1 m, checked against closed forms (disc share πr²/A with A the
//! geodesic area from `geo`, circular segments) and against geodesic
//! distances (`geo::Geodesic`, Karney's algorithm) for demand points.

use std::f64::consts::PI;

mod common;

use common::{area_m2, omni, rect, scenario};
use geo::{Destination, Geodesic, LineString, MultiPolygon, Point, Polygon};
use telecov::model::{
    Commune, FiberRoute, PopulationPoint, Scenario, Sector, Site, SiteRange, Technology, WifiPoint,
};
use telecov::Report;

/// A commune of 10,000 people and 2,500 households on the rectangle
/// `w`..`e` × `s`..`n`.
fn commune(id: i64, w: f64, s: f64, e: f64, n: f64) -> Commune {
    Commune::new(id, rect(w, s, e, n), 10_000.0, 2_500.0)
}

/// A 4G omni site.
fn site(id: i64, lon: f64, lat: f64, range_m: f64) -> Site {
    omni(id, (lon, lat), [Technology::G4], range_m)
}

fn g4_pct(r: &Report, i: usize) -> f64 {
    r.communes[i].population_covered_pct(Technology::G4)
}

/// Tolerance on a covered share, percentage points: ten times tighter than
/// the contract's grid accuracy (0.5 points per commune of at least 1,000
/// cells), since row integration is exact along each row. The errors seen
/// here are 0.0001 to 0.002 points, and 0.011 for the 1 m disc sampled by
/// about 44 rows.
const GRID_PTS: f64 = 0.05;

// ---------------------------------------------------------------- people

#[test]
fn commune_without_people_reports_zero_not_nan() {
    let mut c = commune(1, 105.0, 21.0, 105.01, 21.01);
    c.population = Some(0.0);
    c.households = Some(0.0);
    let s = scenario(
        vec![c, commune(2, 105.02, 21.0, 105.03, 21.01)],
        vec![site(1, 105.005, 21.005, 3000.0)],
        50.0,
    );
    let r = telecov::evaluate(&s).unwrap();
    let z = &r.communes[0];
    assert_eq!((z.population, z.households), (0.0, 0.0));
    assert_eq!(z.population_covered.g4, 0.0);
    assert_eq!(g4_pct(&r, 0), 0.0);
    assert_eq!(z.fiber_pct(), 0.0);
    assert!(
        z.area_km2 > 1.0,
        "the commune keeps its area: {}",
        z.area_km2
    );
    assert!(!r.to_json().contains("NaN"));
    assert_eq!(r.totals.population, 10_000.0);
}

#[test]
fn scenario_without_any_people_reports_zero_percentages() {
    let mut c = commune(1, 105.0, 21.0, 105.01, 21.01);
    c.population = Some(0.0);
    c.households = Some(0.0);
    let mut s = scenario(vec![c], vec![site(1, 105.005, 21.005, 3000.0)], 50.0);
    s.population = Some(vec![PopulationPoint::new((105.005, 21.005), 0.0, 0.0)]);
    for s in [
        s.clone(),
        Scenario {
            population: None,
            ..s
        },
    ] {
        let r = telecov::evaluate(&s).unwrap();
        assert_eq!(r.population_covered_pct(Technology::G4), 0.0);
        assert_eq!(r.mobile_broadband_pct(), 0.0);
        assert_eq!(r.totals.population, 0.0);
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["totals"]["population"], 0.0);
    }
}

// ------------------------------------------------------------ zero area

/// A commune whose ring is a closed but collinear path: valid GeoJSON,
/// zero area. It is loaded with a warning, keeps its people on a
/// representative point, and they are covered exactly when a site reaches
/// that point.
#[test]
fn zero_area_commune_keeps_its_people_on_one_point() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("communes.geojson"),
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":1,"population":500,"households":120},
         "geometry":{"type":"Polygon","coordinates":[[[105.0,21.0],[105.01,21.0],[105.02,21.0],[105.0,21.0]]]}},
        {"type":"Feature","properties":{"id":2,"population":100,"households":30},
         "geometry":{"type":"Polygon","coordinates":[[[105.1,21.1],[105.1,21.1],[105.1,21.1],[105.1,21.1]]]}}
        ]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("scenario.toml"), "resolution_m = 100\n").unwrap();
    let mut s = telecov::io::load_scenario(dir.path()).unwrap();
    assert!(
        s.warnings.iter().any(|w| w.contains("feature 0")),
        "{:?}",
        s.warnings
    );
    let r = telecov::evaluate(&s).unwrap();
    assert_eq!(r.totals.population, 600.0);
    assert_eq!(r.totals.households, 150.0);
    assert_eq!(r.communes[0].population, 500.0);
    assert_eq!(r.communes[0].population_covered.g4, 0.0);
    assert_eq!(r.communes[1].area_km2, 0.0);

    // a site 300 m from the segment [105.0, 105.02] × 21.0 reaches all of it
    // with 3 km and none of it with 100 m; the point commune likewise
    s.sites = vec![site(1, 105.01, 21.0027, 3000.0), site(2, 105.1, 21.1, 1.0)];
    let r = telecov::evaluate(&s).unwrap();
    assert_eq!(r.communes[0].population_covered.g4, 500.0);
    assert_eq!(r.communes[1].population_covered.g4, 100.0);
    s.sites = vec![
        site(1, 105.01, 21.0027, 100.0),
        site(2, 105.1003, 21.1, 20.0),
    ];
    let r = telecov::evaluate(&s).unwrap();
    assert_eq!(r.communes[0].population_covered.g4, 0.0);
    assert_eq!(r.communes[1].population_covered.g4, 0.0);
    assert_eq!(r.totals.population, 600.0);
}

// --------------------------------------------------------- antimeridian

/// A commune touching the antimeridian from the east (179.9° E .. 180°)
/// and one touching it from the west (180° W .. 179.9° W), each with a
/// disc well inside: the disc share πr²/A.
#[test]
fn communes_at_the_antimeridian_have_the_disc_share() {
    let east = commune(1, 179.9, -16.1, 180.0, -16.0);
    let west = commune(2, -180.0, -16.1, -179.9, -16.0);
    let r_m = 2_000.0;
    let s = scenario(
        vec![east.clone(), west.clone()],
        vec![site(1, 179.95, -16.05, r_m), site(2, -179.95, -16.05, r_m)],
        50.0,
    );
    let r = telecov::evaluate(&s).unwrap();
    for (i, c) in [east, west].iter().enumerate() {
        let expected = 100.0 * PI * r_m * r_m / area_m2(c);
        let got = g4_pct(&r, i);
        assert!(
            (got - expected).abs() < GRID_PTS,
            "commune {i}: {got} vs {expected}"
        );
        let area_km2 = area_m2(c) / 1e6;
        assert!((r.communes[i].area_km2 - area_km2).abs() < 1e-3 * area_km2);
    }
}

/// A site 0.005° east of the antimeridian with a 2 km range reaches across
/// it: the commune on the other side (180° W ..) gets the circular segment
/// beyond the line, r²·acos(d/r) − d·√(r² − d²), d the distance to the
/// line.
#[test]
fn coverage_crosses_the_antimeridian() {
    let lat = -16.05;
    let west = commune(2, -180.0, -16.1, -179.9, -16.0);
    let r_m = 2_000.0;
    let at = Point::new(179.995, lat);
    let d = geo::Distance::distance(&Geodesic, at, Point::new(180.0, lat));
    let segment = r_m * r_m * (d / r_m).acos() - d * (r_m * r_m - d * d).sqrt();
    let expected = 100.0 * segment / area_m2(&west);
    let s = scenario(vec![west], vec![site(1, at.x(), at.y(), r_m)], 50.0);
    let r = telecov::evaluate(&s).unwrap();
    let got = g4_pct(&r, 0);
    assert!(
        (got - expected).abs() < GRID_PTS,
        "covered share across the antimeridian: {got} % vs {expected} %"
    );
}

/// Demand points around a site 50 m east of the antimeridian, half of them
/// on the other side, in one commune split there (as RFC 7946 asks):
/// covered exactly within the geodesic range.
#[test]
fn points_across_the_antimeridian_follow_geodesic_distance() {
    let mut c = commune(1, 179.99, -16.01, 180.0, -15.99);
    let west = commune(2, -180.0, -16.01, -179.99, -15.99);
    let mut parts = c.geometry.take().unwrap().0;
    parts.extend(west.geometry.unwrap().0);
    c.geometry = Some(MultiPolygon(parts));
    check_ring_of_points(Point::new(179.99953, -16.0), 500.0, 0.01, c);
}

/// A commune and a fibre route cut at 180° as RFC 7946 §3.1.9 asks (a
/// MultiPolygon and a MultiLineString with parts on both sides): they are
/// measured whole, so a disc around a site at 179.999° covers the disc
/// share πr²/A and the route passes the corridor share (2·d·L + πd²)/A,
/// L the route's geodesic length and d the drop distance.
#[test]
fn geometry_cut_at_the_antimeridian_is_measured_whole() {
    let mut c = commune(1, 179.9, -16.1, 180.0, -16.0);
    let west = commune(2, -180.0, -16.1, -179.9, -16.0);
    let mut parts = c.geometry.take().unwrap().0;
    parts.extend(west.geometry.unwrap().0);
    c.geometry = Some(MultiPolygon(parts));
    let r_m = 3_000.0;
    let lat = -16.05;
    let mut s = scenario(vec![c.clone()], vec![site(1, 179.999, lat, r_m)], 50.0);
    let (a, m, b) = (
        Point::new(179.96, lat),
        Point::new(180.0, lat),
        Point::new(-179.96, lat),
    );
    s.fiber = vec![FiberRoute::new(
        1,
        geo::MultiLineString(vec![
            LineString::from(vec![a, m]),
            LineString::from(vec![Point::new(-180.0, lat), b]),
        ]),
    )];
    let r = telecov::evaluate(&s).unwrap();
    let area = area_m2(&c);
    let expected = 100.0 * PI * r_m * r_m / area;
    let got = g4_pct(&r, 0);
    assert!(
        (got - expected).abs() < GRID_PTS,
        "disc across the cut: {got} % vs {expected} %"
    );
    let d = s.parameters.fiber_drop_m;
    let len = geo::Distance::distance(&Geodesic, a, m) * 2.0;
    let expected = 100.0 * (2.0 * d * len + PI * d * d) / area;
    let got = r.communes[0].fiber_pct();
    assert!(
        (got - expected).abs() < GRID_PTS,
        "corridor across the cut: {got} % vs {expected} %"
    );
}

// ---------------------------------------------------------------- poles

/// Communes a few kilometres from either pole, with a disc inside.
#[test]
fn communes_near_the_poles_have_the_disc_share() {
    for sign in [1.0, -1.0] {
        let (s_lat, n_lat) = if sign > 0.0 {
            (89.8, 89.9)
        } else {
            (-89.9, -89.8)
        };
        let c = commune(1, 0.0, s_lat, 1.0, n_lat);
        // 0.5° of longitude at 89.85° is 146 m: a 60 m disc fits inside
        let r_m = 60.0;
        let s = scenario(vec![c.clone()], vec![site(1, 0.5, sign * 89.85, r_m)], 5.0);
        let r = telecov::evaluate(&s).unwrap();
        let expected = 100.0 * PI * r_m * r_m / area_m2(&c);
        let got = g4_pct(&r, 0);
        assert!(
            (got - expected).abs() < GRID_PTS,
            "lat {s_lat}: {got} vs {expected}"
        );
    }
}

/// A polar cap north of 89.9° drawn as RFC 7946 allows (along the
/// parallel from 180° W to 180° E, then along the pole), with a 5 km disc
/// at the pole: the disc share πr²/A.
#[test]
fn polar_cap_has_the_disc_share() {
    let mut ring: Vec<(f64, f64)> = (0..=8).map(|k| (-180.0 + 45.0 * k as f64, 89.9)).collect();
    ring.extend([(180.0, 90.0), (-180.0, 90.0), (-180.0, 89.9)]);
    let mut c = commune(1, 0.0, 0.0, 1.0, 1.0);
    c.geometry = Some(MultiPolygon(vec![Polygon::new(
        LineString::from(ring),
        vec![],
    )]));
    let r_m = 5_000.0;
    let s = scenario(vec![c.clone()], vec![site(1, 0.0, 90.0, r_m)], 100.0);
    let r = telecov::evaluate(&s).unwrap();
    let expected = 100.0 * PI * r_m * r_m / area_m2(&c);
    let got = g4_pct(&r, 0);
    assert!(
        (got - expected).abs() < GRID_PTS,
        "{got} vs {expected}, warnings {:?}",
        r.warnings
    );
}

/// Demand points at 0.99 r and 1.01 r of a site at 89.9° N, in eight
/// directions: covered exactly inside the range.
#[test]
fn points_near_the_pole_follow_geodesic_distance() {
    let centre = Point::new(10.0, 89.9);
    let r_m = 500.0;
    check_ring_of_points(centre, r_m, 0.01, commune(1, 0.0, 89.85, 20.0, 89.95));
}

// ---------------------------------------------------------------- ranges

/// Puts demand points at (1 ± `rel`)·`r_m` from `centre` in eight
/// directions (geodesic) inside `commune`, and checks that exactly the
/// inner ones are covered by an omni site of range `r_m`.
fn check_ring_of_points(centre: Point<f64>, r_m: f64, rel: f64, commune: Commune) {
    let mut points = Vec::new();
    for k in 0..8 {
        let bearing = 45.0 * k as f64 + 10.0;
        for (f, pop) in [(1.0 - rel, 1.0), (1.0 + rel, 1000.0)] {
            points.push(PopulationPoint::new(
                Geodesic.destination(centre, bearing, f * r_m),
                pop,
                0.0,
            ));
        }
    }
    let mut s = scenario(
        vec![commune],
        vec![site(1, centre.x(), centre.y(), r_m)],
        100.0,
    );
    s.population = Some(points);
    let r = telecov::evaluate(&s).unwrap();
    assert_eq!(
        r.totals.unassigned_population, 0.0,
        "all points inside the commune"
    );
    assert_eq!(
        r.communes[0].population_covered.g4, 8.0,
        "range {r_m} m at {centre:?}: the 8 inner points and none of the outer"
    );
}

#[test]
fn range_of_100_km_follows_geodesic_distance() {
    check_ring_of_points(
        Point::new(105.5, 16.0),
        100_000.0,
        0.001,
        commune(1, 104.0, 14.5, 107.0, 17.5),
    );
}

#[test]
fn range_of_1_m_follows_geodesic_distance() {
    check_ring_of_points(
        Point::new(105.5, 16.0),
        1.0,
        0.01,
        commune(1, 105.49, 15.99, 105.51, 16.01),
    );
}

/// A 100 km disc in a commune of about 320 km × 330 km spanning four
/// projection strips: the disc share πr²/A.
#[test]
fn range_of_100_km_has_the_disc_share() {
    let c = commune(1, 104.0, 14.5, 107.0, 17.5);
    let r_m = 100_000.0;
    let s = scenario(vec![c.clone()], vec![site(1, 105.5, 16.0, r_m)], 1000.0);
    let r = telecov::evaluate(&s).unwrap();
    // a geodesic disc of radius r on a sphere of radius R has area
    // 2πR²(1 − cos(r/R)) = πr²(1 − r²/12R² …): 2·10⁻⁵ smaller, negligible here
    let expected = 100.0 * PI * r_m * r_m / area_m2(&c);
    let got = g4_pct(&r, 0);
    assert!((got - expected).abs() < GRID_PTS, "{got} vs {expected}");
}

/// A 1 m disc in a 22 m square at 0.5 m resolution (about 1,900 cells):
/// πr²/A ≈ 0.65 %.
#[test]
fn range_of_1_m_has_the_disc_share() {
    let c = commune(1, 105.5, 16.0, 105.5002, 16.0002);
    let s = scenario(vec![c.clone()], vec![site(1, 105.5001, 16.0001, 1.0)], 0.5);
    let r = telecov::evaluate(&s).unwrap();
    let expected = 100.0 * PI / area_m2(&c);
    let got = g4_pct(&r, 0);
    assert!((got - expected).abs() < GRID_PTS, "{got} vs {expected}");
    assert!(got > 0.0);
}

// ------------------------------------------------------ non-finite numbers

/// A scenario built in code with a NaN or an infinity anywhere the engine
/// reads a number is refused before any work, naming file and property.
#[test]
fn non_finite_numbers_in_code_built_scenarios_are_refused() {
    let base = || {
        let mut s = scenario(
            vec![commune(1, 105.0, 21.0, 105.01, 21.01)],
            vec![site(1, 105.005, 21.005, 500.0)],
            100.0,
        );
        s.wifi = vec![WifiPoint::new(1, (105.005, 21.005)).with_range_m(50.0)];
        s.population = Some(vec![PopulationPoint::new((105.005, 21.005), 1.0, 1.0)]);
        s
    };
    telecov::evaluate(&base()).expect("the base scenario is valid");
    type Break = fn(&mut Scenario);
    let cases: [(&str, &str, Break); 12] = [
        ("communes.geojson", "population", |s| {
            s.communes[0].population = Some(f64::NAN)
        }),
        ("communes.geojson", "households", |s| {
            s.communes[0].households = Some(f64::INFINITY)
        }),
        ("communes.geojson", "geometry", |s| {
            s.communes[0] = commune(1, 105.0, f64::NAN, 105.01, 21.01)
        }),
        ("sites.geojson", "range_m", |s| {
            s.sites[0].range_m = SiteRange::All(f64::INFINITY)
        }),
        ("sites.geojson", "height_m", |s| {
            s.sites[0].height_m = f64::NAN
        }),
        ("sites.geojson", "geometry", |s| {
            s.sites[0].location = Point::new(f64::NAN, 21.0)
        }),
        ("sites.geojson", "sectors[0].azimuth_deg", |s| {
            s.sites[0].sectors = vec![Sector::new(f64::NEG_INFINITY, 60.0)]
        }),
        ("sites.geojson", "sectors[0].beamwidth_deg", |s| {
            s.sites[0].sectors = vec![Sector::new(0.0, f64::NAN)]
        }),
        ("wifi.geojson", "range_m", |s| {
            s.wifi[0].range_m = Some(f64::NAN)
        }),
        ("population.geojson", "population", |s| {
            s.population.as_mut().unwrap()[0].population = f64::INFINITY
        }),
        ("population.geojson", "geometry", |s| {
            s.population.as_mut().unwrap()[0].location = Some(Point::new(105.0, f64::NAN))
        }),
        ("scenario.toml", "fiber_drop_m", |s| {
            s.parameters.fiber_drop_m = f64::NAN
        }),
    ];
    for (file, property, break_it) in cases {
        let mut s = base();
        break_it(&mut s);
        match telecov::evaluate(&s) {
            Err(telecov::Error::Invalid { location, .. }) => {
                let msg = location.to_string();
                assert!(
                    msg.contains(file) && msg.contains(property),
                    "{file} {property}: {msg}"
                );
            }
            other => panic!("{file} {property}: expected a refusal, got {other:?}"),
        }
    }
}

/// A resolution too fine for the demand limit is refused before any work
/// with a finite resolution to use instead, even when resolution_m² underflows.
#[test]
fn too_fine_a_resolution_names_one_that_fits() {
    for res in [0.01, 1e-200, 1e-300, f64::MIN_POSITIVE] {
        let s = scenario(vec![commune(1, 105.0, 21.0, 105.1, 21.1)], vec![], res);
        let options = telecov::Options {
            max_demand_cells: 1_000_000,
            ..telecov::Options::default()
        };
        let msg = match telecov::evaluate_with(&s, &options) {
            Err(telecov::Error::TooLarge(msg)) => msg,
            other => panic!("resolution_m = {res}: expected a refusal, got {other:?}"),
        };
        let fit: f64 = msg
            .split("use resolution_m = ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no resolution in {msg:?}"));
        assert!(fit.is_finite() && fit > 0.0, "{msg}");
        let s = scenario(s.communes, vec![], fit);
        telecov::evaluate_with(&s, &options)
            .unwrap_or_else(|e| panic!("the suggested resolution_m = {fit} is refused: {e}"));
    }
}
