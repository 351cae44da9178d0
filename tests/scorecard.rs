//! The digital-infrastructure scorecard: school connections at the fibre
//! drop distance, access shares, counts and people per point against a
//! brute force with geodesic distances, targets and gaps, bad input, and
//! the demo's scorecard read back from the written file.

mod common;

use common::rect;
use geo::{Contains, Destination, Distance, Geodesic, Point};
use rand::{Rng, SeedableRng};
use telecov::model::{
    Commune, FeatureId, FiberRoute, PopulationPoint, Scenario, School, ServiceKind, ServicePoint,
    Site, Technology, Transmitter,
};
use telecov::scorecard::{scorecard, Indicator, Scorecard};
use telecov::Options;

fn city_indicator(card: &Scorecard, name: &str) -> Indicator {
    card.city
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

fn commune_indicator(card: &Scorecard, id: &str, name: &str) -> Indicator {
    card.communes
        .iter()
        .find(|c| c.id.key() == id)
        .unwrap()
        .indicators
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no {name} in {id}"))
        .1
}

#[test]
fn a_school_next_to_a_route_is_connected_one_metre_beyond_the_drop_is_not() {
    let commune = Commune::new("A", rect(105.0, 10.0, 105.05, 10.05), 1000.0, 250.0);
    // a route along the parallel 10.02°, from 105.01° to 105.04°
    let route = FiberRoute::new("F", vec![(105.01, 10.02), (105.04, 10.02)]);
    let on_route = Point::new(105.025, 10.02);
    let north = |d_m: f64| Geodesic.destination(on_route, 0.0, d_m);
    let drop_m = 150.0;
    let mut scenario = Scenario::new(vec![commune])
        .with_fiber(vec![route])
        .with_sites(vec![
            // a 3G-only site does not connect a school; a 4G site does
            Site::new("S3", (105.005, 10.045), [Technology::G3]).with_range_m(400.0),
            Site::new("S4", (105.045, 10.005), [Technology::G4]).with_range_m(300.0),
        ])
        .with_schools(vec![
            School::new("next", on_route),
            School::new("inside", north(drop_m - 1.0)),
            School::new("beyond", north(drop_m + 1.0)),
            School::new("by3G", (105.005, 10.045)),
            School::new("by4G", (105.045, 10.005)),
            School::new("declared", (105.005, 10.005)).with_connected(true),
            School::new("declared_not", (105.002, 10.002)).with_connected(false),
        ]);
    scenario.parameters.fiber_drop_m = drop_m;
    scenario.parameters.resolution_m = 100.0;
    scenario
        .parameters
        .targets
        .0
        .insert("schools_connected_pct".into(), 100.0);
    let beyond_m = Geodesic.distance(north(drop_m + 1.0), on_route);
    assert!((beyond_m - 151.0).abs() < 1e-6);
    let report = telecov::evaluate(&scenario).unwrap();
    let card = scorecard(&scenario, &report, &Options::default()).unwrap();
    let schools = city_indicator(&card, "schools_connected_pct");
    // connected: next, inside, by4G, declared (4 of 7)
    assert_eq!(schools.value, Some(400.0 / 7.0));
    assert_eq!(schools.met, Some(false));
    assert_eq!(schools.gap, Some(3.0));
    // the same school alone, to see each verdict separately
    for (name, connected) in [
        ("next", true),
        ("inside", true),
        ("beyond", false),
        ("by3G", false),
        ("by4G", true),
        ("declared", true),
        ("declared_not", false),
    ] {
        let mut one = scenario.clone();
        one.schools
            .as_mut()
            .unwrap()
            .retain(|s| s.id == FeatureId::Str(name.into()));
        let card = scorecard(&one, &report, &Options::default()).unwrap();
        let v = city_indicator(&card, "schools_connected_pct").value;
        assert_eq!(v, Some(if connected { 100.0 } else { 0.0 }), "{name}");
    }
}

/// A small points-mode city: 3 communes, random people, random service
/// points of every kind and two transmitters.
fn small_city(seed: u64) -> Scenario {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let communes = vec![
        Commune::new("W", rect(105.70, 10.00, 105.74, 10.04), 0.0, 0.0),
        Commune::new("C", rect(105.74, 10.00, 105.78, 10.04), 0.0, 0.0),
        Commune::new("E", rect(105.78, 10.00, 105.84, 10.03), 0.0, 0.0),
    ];
    let mut rnd = |x0: f64, x1: f64, y0: f64, y1: f64| {
        Point::new(rng.random_range(x0..x1), rng.random_range(y0..y1))
    };
    let points: Vec<PopulationPoint> = (0..600)
        .map(|i| PopulationPoint::new(rnd(105.69, 105.85, 9.99, 10.05), 1.0 + (i % 7) as f64, 1.0))
        .collect();
    let kinds = ServiceKind::ALL;
    let service: Vec<ServicePoint> = (0..25)
        .map(|i| ServicePoint::new(i, kinds[i as usize % 3], rnd(105.68, 105.86, 9.98, 10.06)))
        .collect();
    let mut s = Scenario::new(communes)
        .with_population(points)
        .with_service_points(service)
        .with_broadcast(vec![
            Transmitter::new("T1", (105.71, 10.01), 3_000.0),
            Transmitter::new("T2", (105.83, 10.03), 2_500.0),
        ]);
    s.parameters.access.telecom = 2_000.0;
    s.parameters.access.postal = 3_000.0;
    s.parameters.access.internet_agent = 1_500.0;
    s
}

#[test]
fn counts_people_per_point_and_access_shares_equal_a_brute_force() {
    for seed in [1, 2, 3] {
        let s = small_city(seed);
        let report = telecov::evaluate(&s).unwrap();
        let card = scorecard(&s, &report, &Options::default()).unwrap();
        let people = s.population.as_deref().unwrap();
        let service = s.service_points.as_deref().unwrap();
        let transmitters = s.broadcast.as_deref().unwrap();
        let commune_of = |p: Point<f64>| {
            s.communes
                .iter()
                .position(|c| c.geometry.as_ref().unwrap().contains(&p))
        };
        let mut city_pop = 0.0;
        let mut within = [[0.0f64; 3]; 4]; // per commune (last: city)
        let mut dtt = [0.0f64; 4];
        let mut pop = [0.0f64; 4];
        for pt in people {
            let loc = pt.location.unwrap();
            let Some(c) = commune_of(loc) else { continue };
            city_pop += pt.population;
            pop[c] += pt.population;
            pop[3] += pt.population;
            for k in ServiceKind::ALL {
                let range = s.parameters.access.get(k);
                if service
                    .iter()
                    .any(|p| p.kind == k && Geodesic.distance(p.location, loc) <= range)
                {
                    within[c][k.index()] += pt.population;
                    within[3][k.index()] += pt.population;
                }
            }
            if transmitters
                .iter()
                .any(|t| Geodesic.distance(t.location, loc) <= t.range_m)
            {
                dtt[c] += pt.population;
                dtt[3] += pt.population;
            }
        }
        assert_eq!(city_pop, report.totals.population);
        let mut counts = [[0usize; 3]; 4];
        for p in service {
            counts[3][p.kind.index()] += 1;
            if let Some(c) = commune_of(p.location) {
                counts[c][p.kind.index()] += 1;
            }
        }
        let names = ["telecom", "postal", "internet_agent"];
        let per = [
            "people_per_telecom_point",
            "people_per_postal_point",
            "people_per_internet_agent",
        ];
        for (a, id) in ["W", "C", "E", "city"].iter().enumerate() {
            let get = |name: &str| {
                if *id == "city" {
                    city_indicator(&card, name)
                } else {
                    commune_indicator(&card, id, name)
                }
            };
            for k in 0..3 {
                let share = get(&format!("{}_within_range_pct", names[k]))
                    .value
                    .unwrap();
                let expected = 100.0 * within[a][k] / pop[a];
                assert!(
                    (share - expected).abs() < 1e-9,
                    "seed {seed} {id} {}: {share} vs {expected}",
                    names[k]
                );
                let v = get(per[k]).value;
                let expected = (counts[a][k] > 0).then(|| pop[a] / counts[a][k] as f64);
                assert_eq!(v, expected, "seed {seed} {id} {}", per[k]);
            }
            let share = get("dtt_people_pct").value.unwrap();
            assert!((share - 100.0 * dtt[a] / pop[a]).abs() < 1e-9);
        }
        // not all or nothing: the test would miss a wrong disc otherwise
        assert!(
            within[3].iter().all(|&w| w > 0.0 && w < pop[3]),
            "{within:?}"
        );
    }
}

#[test]
fn targets_give_met_and_gaps_in_the_indicator_units_and_order_communes() {
    let mut s = small_city(4);
    let t = &mut s.parameters.targets.0;
    t.insert("postal_within_range_pct".into(), 100.0);
    t.insert("people_per_telecom_point".into(), 500.0);
    t.insert("dtt_people_pct".into(), 0.0);
    let report = telecov::evaluate(&s).unwrap();
    let card = scorecard(&s, &report, &Options::default()).unwrap();
    let postal = city_indicator(&card, "postal_within_range_pct");
    let pop = report.totals.population;
    let covered = postal.value.unwrap() / 100.0 * pop;
    assert_eq!(postal.met, Some(covered >= pop));
    assert!((postal.gap.unwrap() - (pop - covered)).abs() < 1e-6);
    let tel = city_indicator(&card, "people_per_telecom_point");
    let n = s
        .service_points
        .as_ref()
        .unwrap()
        .iter()
        .filter(|p| p.kind == ServiceKind::Telecom)
        .count() as f64;
    assert_eq!(tel.gap, Some((pop - 500.0 * n).max(0.0)));
    assert_eq!(tel.met, Some(pop <= 500.0 * n));
    let dtt = city_indicator(&card, "dtt_people_pct");
    assert_eq!((dtt.met, dtt.gap), (Some(true), Some(0.0)));
    // no target: null verdict and gap
    let agents = city_indicator(&card, "internet_agent_within_range_pct");
    assert_eq!((agents.target, agents.met, agents.gap), (None, None, None));
    // furthest behind first: unmet counts never increase down the list
    let unmet: Vec<usize> = card
        .communes
        .iter()
        .map(|c| {
            c.indicators
                .iter()
                .filter(|(_, i)| i.met == Some(false))
                .count()
        })
        .collect();
    assert!(unmet.windows(2).all(|w| w[0] >= w[1]), "{unmet:?}");
    // absent layers are omitted: no sites, fibre, wifi or schools here
    for name in [
        "fiber_households_pct",
        "mobile_broadband_people_pct",
        "mobile_broadband_communes_pct",
        "schools_connected_pct",
        "wifi_communes_pct",
    ] {
        assert!(card.city.iter().all(|(n, _)| *n != name), "{name}");
    }
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const COMMUNES: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A","population":100,"households":25},"geometry":{"type":"Polygon","coordinates":[[[105.0,10.0],[105.01,10.0],[105.01,10.01],[105.0,10.01],[105.0,10.0]]]}}]}"#;

fn point_file(props: &str) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"P1"}},"geometry":{{"type":"Point","coordinates":[105.005,10.005]}}}},{{"type":"Feature","properties":{props},"geometry":{{"type":"Point","coordinates":[105.006,10.006]}}}}]}}"#
    )
}

fn load_err(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "communes.geojson", COMMUNES);
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    telecov::io::load_scenario(dir.path())
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn unknown_indicators_and_kinds_are_refused_by_name() {
    let e = load_err(&[("scenario.toml", "[targets]\nfibre_households_pct = 60\n")]);
    assert!(
        e.contains("scenario.toml") && e.contains("targets.fibre_households_pct"),
        "{e}"
    );
    assert!(e.contains("unknown indicator"), "{e}");
    let e = load_err(&[("scenario.toml", "[targets]\nfiber_households_pct = 160\n")]);
    assert!(
        e.contains("targets.fiber_households_pct") && e.contains("<= 100"),
        "{e}"
    );
    let e = load_err(&[("scenario.toml", "[access]\npostal = -3\n")]);
    assert!(e.contains("access.postal"), "{e}");
    let e = load_err(&[("scenario.toml", "[access]\nbank = 3000\n")]);
    assert!(e.contains("access.bank"), "{e}");

    let kinds = point_file(r#"{"id":"P2","kind":"bank"}"#).replace(
        r#""properties":{"id":"P1"}"#,
        r#""properties":{"id":"P1","kind":"postal"}"#,
    );
    let e = load_err(&[("service_points.geojson", &kinds)]);
    assert!(
        e.contains("service_points.geojson") && e.contains("feature 1") && e.contains("kind"),
        "{e}"
    );
    assert!(e.contains("\"bank\""), "{e}");
    let e = load_err(&[("service_points.geojson", &point_file(r#"{"id":"P2"}"#))]);
    assert!(e.contains("kind") && e.contains("missing"), "{e}");

    let e = load_err(&[(
        "schools.geojson",
        &point_file(r#"{"id":"P2","connected":"yes"}"#),
    )]);
    assert!(
        e.contains("schools.geojson") && e.contains("connected"),
        "{e}"
    );
    let e = load_err(&[("schools.geojson", &point_file(r#"{"id":"P1"}"#))]);
    assert!(e.contains("duplicate id"), "{e}");

    let e = load_err(&[(
        "broadcast.geojson",
        &point_file(r#"{"id":"P2","erp_kw":10}"#).replace(
            r#""properties":{"id":"P1"}"#,
            r#""properties":{"id":"P1","range_m":40000}"#,
        ),
    )]);
    assert!(
        e.contains("broadcast.geojson") && e.contains("range_m") && e.contains("erp_kw"),
        "{e}"
    );
    let e = load_err(&[(
        "schools.geojson",
        &point_file(r#"{"id":"P2","students":-1}"#),
    )]);
    assert!(e.contains("students"), "{e}");
    // a near miss of a scorecard file name is refused, not ignored
    let e = load_err(&[("school.geojson", "{}")]);
    assert!(e.contains("schools.geojson"), "{e}");
}

#[test]
fn the_demo_scorecard_has_the_seed_figures_shape() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let report = telecov::report_scenario(demo, dir.path(), &Options::default()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("scorecard.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let city = &v["city"]["indicators"];
    let value = |n: &str| city[n]["value"].as_f64().unwrap_or_else(|| panic!("{n}"));
    // exactly the two members, in the documented shape
    assert_eq!(v.as_object().unwrap().len(), 2);
    assert_eq!(v["city"].as_object().unwrap().len(), 1);
    for (name, ind) in city.as_object().unwrap() {
        let keys: Vec<&String> = ind.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["gap", "met", "target", "value"], "{name}");
    }
    assert_eq!(city.as_object().unwrap().len(), 12);
    assert!((value("fiber_households_pct") - 60.0).abs() < 2.0);
    assert!(value("mobile_broadband_people_pct") > 99.5);
    assert!(value("dtt_people_pct") > 99.5);
    assert!(value("schools_connected_pct") > 90.0);
    // 32 communes with wifi against a target of all 83
    let wifi = &city["wifi_communes_pct"];
    assert_eq!(wifi["value"].as_f64().unwrap(), 100.0 * 32.0 / 83.0);
    assert_eq!(wifi["target"].as_f64(), Some(100.0));
    assert_eq!(wifi["met"].as_bool(), Some(false));
    assert_eq!(wifi["gap"].as_f64(), Some(51.0));
    assert_eq!(city["fiber_households_pct"]["target"].as_f64(), Some(60.0));
    // people per point over the city's residents
    let pop = report.totals.population;
    assert_eq!(value("people_per_postal_point"), pop / 215.0);
    assert_eq!(value("people_per_telecom_point"), pop / 300.0);
    assert_eq!(value("people_per_internet_agent"), pop / 250.0);
    let communes = v["communes"].as_array().unwrap();
    assert_eq!(communes.len(), 83);
    for c in communes {
        assert!(c["id"].is_string() || c["id"].is_number());
        assert!(c["indicators"].get("wifi_communes_pct").is_none());
        assert_eq!(c["indicators"].as_object().unwrap().len(), 10);
    }
    // the CSV holds the same rows
    let csv = std::fs::read_to_string(dir.path().join("scorecard.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 12 + 83 * 10);
    assert!(csv.starts_with("level,id,name,indicator,value,target,met,gap\n"));
    // and the page shows it
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains("<table id=\"scorecard\">"));
}

#[test]
fn the_scorecard_does_not_depend_on_the_thread_count() {
    let mut s = small_city(5);
    s.schools = Some(vec![
        School::new(1, (105.72, 10.02)),
        School::new(2, (105.80, 10.01)).with_connected(true),
    ]);
    s.parameters
        .targets
        .0
        .insert("telecom_within_range_pct".into(), 90.0);
    let report = telecov::evaluate(&s).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| scorecard(&s, &report, &Options::default()).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(5));
}
