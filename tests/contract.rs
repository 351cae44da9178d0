//! The bundled demo scenario end to end, and the report's shape against the
//! contract (`telecov.report/1`).

mod common;

use common::rect;
use geo::polygon;
use serde_json::Value;
use telecov::model::Technology;

fn demo_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
}

#[test]
fn demo_city_totals_match_its_calibration() {
    let scenario = telecov::io::load_scenario(demo_dir()).unwrap();
    let report = telecov::evaluate(&scenario).unwrap();
    let t = &report.totals;
    assert_eq!(t.communes, 83);
    assert_eq!(t.population, 1_235_171.0);
    assert_eq!(t.households, 359_375.0);
    assert_eq!(t.unassigned_population, 0.0);
    assert_eq!(t.sites, 1_990);
    assert_eq!(t.wifi_points, 32);
    assert_eq!(t.communes_with_wifi, 32);
    // the calibration: broadband for (nearly) everyone, fibre near 60 %
    assert!(
        report.mobile_broadband_pct() > 99.9,
        "{}",
        report.mobile_broadband_pct()
    );
    assert!(
        (55.0..65.0).contains(&report.fiber_pct()),
        "{}",
        report.fiber_pct()
    );
    assert!(report.population_covered_pct(Technology::G5) > 0.0);
    // totals are the sums over communes
    let sum: f64 = report
        .communes
        .iter()
        .map(|c| c.population_covered.g4)
        .sum();
    assert!((sum - t.population_covered.g4).abs() < 1e-6);
}

#[test]
fn report_json_holds_every_contract_field() {
    let scenario = telecov::io::load_scenario(demo_dir()).unwrap();
    let report = telecov::evaluate(&scenario).unwrap();
    let v: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(v["schema"], "telecov.report/1");
    for key in ["resolution_m", "fiber_drop_m", "wifi_range_m"] {
        assert!(v["parameters"][key].is_number(), "parameters.{key}");
    }
    for key in ["2G", "3G", "4G", "5G"] {
        assert!(
            v["parameters"]["ranges_m"][key].is_number(),
            "ranges_m.{key}"
        );
    }
    let layers = ["2G", "3G", "4G", "5G", "mobile_broadband"];
    let totals = &v["totals"];
    for key in [
        "population",
        "households",
        "unassigned_population",
        "unassigned_households",
        "households_fiber_passed",
        "population_wifi_covered",
        "communes",
        "communes_with_wifi",
        "sites",
        "wifi_points",
    ] {
        assert!(totals[key].is_number(), "totals.{key}");
    }
    for l in layers {
        assert!(
            totals["population_covered"][l].is_number(),
            "totals.population_covered.{l}"
        );
    }
    let communes = v["communes"].as_array().unwrap();
    assert_eq!(communes.len(), 83);
    for c in communes {
        for key in ["id", "name", "district", "kind"] {
            assert!(
                c.get(key).is_some(),
                "communes[].{key} must be present (null when absent)"
            );
        }
        for key in [
            "population",
            "households",
            "area_km2",
            "households_fiber_passed",
            "population_wifi_covered",
            "wifi_points",
            "sites",
        ] {
            assert!(c[key].is_number(), "communes[].{key}");
        }
        for l in layers {
            assert!(c["population_covered"][l].is_number());
        }
    }
    assert!(v["warnings"].is_array());
    // communes in input order
    for (c, s) in communes.iter().zip(&scenario.communes) {
        assert_eq!(c["id"], serde_json::to_value(&s.id).unwrap());
    }
}

#[test]
fn missing_optional_properties_are_null() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("communes.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":7,"population":10,"households":3},
        "geometry":{"type":"Polygon","coordinates":[[[105.7,10.0],[105.71,10.0],[105.71,10.01],[105.7,10.01],[105.7,10.0]]]}}]}"#,
    )
    .unwrap();
    let s = telecov::io::load_scenario(dir.path()).unwrap();
    let r = telecov::evaluate(&s).unwrap();
    let v: Value = serde_json::from_str(&r.to_json()).unwrap();
    let c = &v["communes"][0];
    assert_eq!(c["id"], 7);
    assert!(c["name"].is_null() && c["district"].is_null() && c["kind"].is_null());
    assert_eq!(c["population_covered"]["4G"], 0.0);
    assert_eq!(v["parameters"]["ranges_m"]["2G"], 5000.0);
}

#[test]
fn communes_map_carries_figures_and_percentages() {
    let scenario = telecov::io::load_scenario(demo_dir()).unwrap();
    let report = telecov::evaluate(&scenario).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("communes.geojson");
    telecov::io::write::write_communes_map(&path, &scenario, &report).unwrap();
    let fc: geojson::FeatureCollection = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    assert_eq!(fc.features.len(), 83);
    for (f, c) in fc.features.iter().zip(&report.communes) {
        let p = f.properties.as_ref().unwrap();
        assert!(f.geometry.is_some());
        let pct = p["pct_4G"].as_f64().unwrap();
        assert!((pct - c.population_covered_pct(Technology::G4)).abs() <= 0.005 + 1e-9);
        assert!(p["pct_fiber"].as_f64().unwrap() <= 100.0);
        assert_eq!(p["population"].as_f64().unwrap(), c.population);
    }
}

/// A refused scenario writes nothing: the error names the file, and the
/// output folder stays empty.
#[test]
fn refused_scenarios_write_no_report() {
    let commune = r#"{"type":"Feature","properties":{"id":1,"population":10,"households":3},
        "geometry":{"type":"Polygon","coordinates":[[[105.7,10.0],[105.71,10.0],[105.71,10.01],[105.7,10.01],[105.7,10.0]]]}}"#;
    let communes = format!(r#"{{"type":"FeatureCollection","features":[{commune}]}}"#);
    let site = |props: &str| {
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{props},"geometry":{{"type":"Point","coordinates":[105.705,10.005]}}}}]}}"#
        )
    };
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("communes.geojson", vec![]),
        (
            "sites.geojson",
            vec![
                ("communes.geojson", communes.clone()),
                ("sites.geojson", site(r#"{"id":"a","technologies":["6G"]}"#)),
            ],
        ),
        (
            "sites.geojson",
            vec![
                ("communes.geojson", communes.clone()),
                (
                    "sites.geojson",
                    site(r#"{"id":"a","technologies":["4G"],"range_m":NaN}"#),
                ),
            ],
        ),
        (
            "communes.geojson",
            vec![(
                "communes.geojson",
                format!(r#"{{"type":"FeatureCollection","features":[{commune},{commune}]}}"#),
            )],
        ),
        (
            "scenario.toml",
            vec![
                ("communes.geojson", communes.clone()),
                ("scenario.toml", "resolution = 20\n".to_owned()),
            ],
        ),
    ];
    for (named, files) in cases {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("scenario");
        std::fs::create_dir(&scenario).unwrap();
        for (name, text) in &files {
            std::fs::write(scenario.join(name), text).unwrap();
        }
        let out = dir.path().join("out");
        let err = telecov::report_scenario(&scenario, &out, &telecov::Options::default())
            .expect_err("the scenario must be refused");
        assert!(err.to_string().contains(named), "{err} should name {named}");
        assert!(
            !out.exists(),
            "nothing may be written for a refused scenario ({err})"
        );
    }
}

/// The files of a run appear together or not at all: a run that cannot
/// write one of them (a folder named `gaps.geojson` in the way) leaves no
/// other file and no staging folder behind; a run that can leaves all nine.
#[test]
fn a_run_writes_all_its_files_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("gaps.geojson")).unwrap();
    std::fs::write(out.join("gaps.geojson").join("keep"), "x").unwrap();
    let err = telecov::report_scenario(demo_dir(), &out, &telecov::Options::default())
        .expect_err("a folder is in the way");
    assert!(err.to_string().contains("gaps.geojson"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["gaps.geojson"], "nothing else may be written");
    std::fs::remove_dir_all(out.join("gaps.geojson")).unwrap();
    telecov::report_scenario(demo_dir(), &out, &telecov::Options::default()).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "communes.csv",
            "communes.geojson",
            "gaps.geojson",
            "map.png",
            "report.html",
            "report.json",
            "scorecard.csv",
            "scorecard.json",
            "sites.geojson"
        ]
    );
}

/// A scenario built in code with absurd numbers is refused, not evaluated.
#[test]
fn api_scenarios_with_bad_numbers_are_refused() {
    use telecov::model::*;
    let commune = Commune::new(
        1,
        polygon![
            (x: 105.7, y: 10.0), (x: 105.71, y: 10.0), (x: 105.71, y: 10.01), (x: 105.7, y: 10.0)
        ],
        10.0,
        3.0,
    );
    let site = Site::new("s", (105.705, 10.005), [Technology::G4]).with_range_m(f64::NAN);
    let s = Scenario::new(vec![commune.clone()]).with_sites(vec![site.clone()]);
    let e = telecov::evaluate(&s).unwrap_err().to_string();
    assert!(
        e.contains("sites.geojson") && e.contains("range_m") && e.contains("\"s\""),
        "{e}"
    );
    let mut wide = site;
    wide.range_m = SiteRange::All(500.0);
    wide.sectors = vec![Sector::new(0.0, 400.0)];
    let s = Scenario::new(vec![commune.clone()]).with_sites(vec![wide]);
    assert!(telecov::evaluate(&s)
        .unwrap_err()
        .to_string()
        .contains("sectors[0].beamwidth_deg"));
    let mut c = commune;
    c.population = Some(-1.0);
    let s = Scenario::new(vec![c]);
    assert!(telecov::evaluate(&s)
        .unwrap_err()
        .to_string()
        .contains("population"));
}

/// An absurd demand grid is refused before any work, with a resolution
/// that would fit.
#[test]
fn absurd_resolution_is_refused_with_advice() {
    let mut scenario = telecov::io::load_scenario(demo_dir()).unwrap();
    scenario.parameters.resolution_m = 0.01; // about 1.4e13 cells
    let e = telecov::evaluate(&scenario).unwrap_err();
    assert!(matches!(e, telecov::Error::TooLarge(_)), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("resolution_m = 0.01") && msg.contains("use resolution_m = 2"),
        "{msg}"
    );
}

/// `sites.geojson` says which range the engine used for each layer and why.
#[test]
fn sites_map_audits_ranges() {
    use telecov::model::*;
    let ward = Commune::new("w1", rect(105.7, 10.0, 105.72, 10.02), 10.0, 3.0)
        .with_kind(CommuneKind::Ward);
    let mk = |id: i64, range_m, radio, sectors| {
        Site::new(id, (105.71, 10.01), [Technology::G2, Technology::G4])
            .with_operator("VNPT")
            .with_height_m(30.0)
            .with_range(range_m)
            .with_sectors(sectors)
            .with_radio(radio)
    };
    let radio = RadioParams {
        tx_power_dbm: Some(43.0),
        antenna_gain_dbi: None,
        frequency_mhz: None,
        environment: None,
    };
    let s = Scenario::new(vec![ward]).with_sites(vec![
        mk(
            1,
            SiteRange::PerTechnology([Some(1500.0), None, None, None]),
            RadioParams::default(),
            vec![],
        ),
        mk(2, SiteRange::Unset, radio, vec![]),
        mk(
            3,
            SiteRange::All(800.0),
            RadioParams::default(),
            vec![Sector::new(30.0, 65.0).with_range_m(450.0)],
        ),
    ]);
    let fc = telecov::io::write::sites_map(&s);
    let p = |i: usize| fc.features[i].properties.clone().unwrap();
    assert_eq!(p(0)["range_2G_m"], 1500.0);
    assert_eq!(p(0)["range_source_2G"], "range_m");
    assert_eq!(p(0)["range_4G_m"], 2000.0);
    assert_eq!(p(0)["range_source_4G"], "default");
    assert_eq!(p(0)["commune"], "w1");
    assert_eq!(p(1)["environment"], "urban");
    assert_eq!(p(1)["range_source_4G"], "link_budget");
    let expected = telecov::propagation::link_budget_range_m(
        Technology::G4,
        &radio,
        30.0,
        telecov::propagation::Environment::Urban,
    );
    // ranges are written to 0.1 m, budget terms to 0.01 dB
    let range = p(1)["range_4G_m"].as_f64().unwrap();
    assert!((range - expected.range_m).abs() <= 0.05, "{range}");
    assert_eq!(p(1)["link_budget"]["4G"]["model"], expected.model);
    // the terms add up: MAPL = EIRP + rx gain − sensitivity − margins − losses
    let b = &p(1)["link_budget"]["4G"];
    let f = |k: &str| {
        b[k].as_f64()
            .unwrap_or_else(|| panic!("{k} missing in {b}"))
    };
    assert_eq!(f("tx_power_dbm"), 43.0);
    assert_eq!(b["environment"], "urban");
    let mapl = f("eirp_dbm") + f("rx_antenna_gain_dbi")
        - f("sensitivity_dbm")
        - f("interference_margin_db")
        - f("shadow_margin_db")
        - f("indoor_penetration_loss_db")
        - f("body_loss_db");
    // seven terms, each within 0.005 dB of its value
    assert!((mapl - f("max_path_loss_db")).abs() < 0.04, "{mapl} vs {b}");
    assert!((f("max_path_loss_db") - expected.max_path_loss_db).abs() <= 0.005);
    assert_eq!(p(2)["sectors"][0]["effective_range_m"]["4G"], 450.0);
    assert_eq!(p(2)["range_4G_m"], 800.0);
}

/// The environment rule: the site's `environment` property, then the
/// commune override of `[environment.communes]`, then the kind rule; the
/// range and the covered people follow it.
#[test]
fn environment_rules_set_the_link_budget() {
    use telecov::model::*;
    use telecov::propagation::{link_budget_range_m, Environment};
    let ward = Commune::new("w1", rect(105.70, 10.00, 105.76, 10.06), 10_000.0, 3_000.0)
        .with_kind(CommuneKind::Ward);
    let site = |environment| {
        Site::new(1, (105.73, 10.03), [Technology::G4])
            .with_height_m(30.0)
            .with_radio(RadioParams {
                tx_power_dbm: Some(43.0),
                environment,
                ..RadioParams::default()
            })
    };
    let scenario = |environment, rules: Option<&str>| {
        let mut s = Scenario::new(vec![ward.clone()]).with_sites(vec![site(environment)]);
        s.parameters.resolution_m = 100.0;
        if let Some(text) = rules {
            s.parameters = toml::from_str(text).unwrap();
            s.parameters.resolution_m = 100.0;
        }
        s
    };
    let range = |s: &Scenario| {
        let fc = telecov::io::write::sites_map(s);
        let p = fc.features[0].properties.clone().unwrap();
        (
            p["range_4G_m"].as_f64().unwrap(),
            p["environment"].as_str().unwrap().to_owned(),
        )
    };
    // sites.geojson writes ranges to 0.1 m
    let expected = |env| {
        let r = link_budget_range_m(Technology::G4, &site(None).radio, 30.0, env).range_m;
        (r * 10.0).round() / 10.0
    };
    let covered = |s: &Scenario| {
        telecov::evaluate(s)
            .unwrap()
            .totals
            .population_covered
            .get(Technology::G4)
    };

    // ward → urban by default
    let urban = scenario(None, None);
    assert_eq!(
        range(&urban),
        (expected(Environment::Urban), "urban".into())
    );
    // the kind rule changed
    let rural = scenario(None, Some("[environment]\nward = \"rural\""));
    assert_eq!(
        range(&rural),
        (expected(Environment::Rural), "rural".into())
    );
    // the commune override wins over the kind rule
    let open = scenario(
        None,
        Some("[environment]\nward = \"rural\"\n[environment.communes]\nw1 = \"open\""),
    );
    assert_eq!(range(&open), (expected(Environment::Open), "open".into()));
    // the site's own property wins over both
    let own = scenario(
        Some(Environment::Suburban),
        Some("[environment.communes]\nw1 = \"open\""),
    );
    assert_eq!(
        range(&own),
        (expected(Environment::Suburban), "suburban".into())
    );
    // longer ranges cover more people
    assert!(expected(Environment::Urban) < expected(Environment::Rural));
    assert!(covered(&urban) < covered(&rural));
}

/// `[radio.<tech>]` defaults feed the link budget of sites that do not
/// give the value.
#[test]
fn radio_defaults_from_scenario_toml_feed_the_link_budget() {
    use telecov::model::*;
    use telecov::propagation::{link_budget_range_with, Environment, RadioConfig};
    let mut s =
        Scenario::new(vec![]).with_sites(vec![Site::new(1, (105.73, 10.03), [Technology::G4])
            .with_height_m(30.0)
            .with_radio(RadioParams {
                tx_power_dbm: Some(43.0),
                ..RadioParams::default()
            })]);
    let range = |s: &Scenario| {
        let fc = telecov::io::write::sites_map(s);
        fc.features[0].properties.clone().unwrap()["range_4G_m"]
            .as_f64()
            .unwrap()
    };
    let before = range(&s);
    s.parameters =
        toml::from_str("[radio.4G]\nantenna_gain_dbi = 21\nfrequency_mhz = 900").unwrap();
    let after = range(&s);
    let mut config = RadioConfig::default();
    config.technology_mut(Technology::G4).antenna_gain_dbi = 21.0;
    config.technology_mut(Technology::G4).frequency_mhz = 900.0;
    let expected = link_budget_range_with(
        Technology::G4,
        &s.sites[0].radio,
        30.0,
        Environment::Suburban, // a site in no commune
        &config,
    )
    .range_m;
    // sites.geojson writes ranges to 0.1 m
    assert_eq!(after, (expected * 10.0).round() / 10.0);
    assert!(after > 1.5 * before, "{before} → {after}");
}
