//! Comparing two runs: a run against itself changes nothing; a run against
//! the run of its plan's `scenario_with_plan/` shows exactly what the plan
//! added; runs of different places are refused; new and gone communes are
//! named.

use telecov::model::{FeatureId, Layer, Technology};
use telecov::planning::{plan, PlanOptions, Target};
use telecov::report::compare;
use telecov::synth::{generate, CityConfig};

fn city() -> telecov::model::Scenario {
    let mut s = generate(&CityConfig {
        sites: 300,
        ..CityConfig::can_tho()
    });
    s.parameters.resolution_m = 200.0;
    s
}

#[test]
fn a_run_against_itself_changes_nothing_and_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let run = dir.path().join("run");
    telecov::report_scenario(demo, &run, &telecov::Options::default()).unwrap();
    let report = telecov::io::read_report(&run).unwrap();
    let changes = compare(&report, &report).unwrap();
    assert_eq!(changes.communes.len(), 83);
    assert!(changes.new.is_empty() && changes.gone.is_empty());
    for c in &changes.communes {
        for (name, f) in &c.figures {
            assert_eq!(f.change, 0.0, "{} {name}", c.id);
        }
    }
    let out = dir.path().join("cmp");
    telecov::cli::compare::run(telecov::cli::compare::CompareArgs {
        before: run.clone(),
        after: run,
        out: Some(out.clone()),
    })
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("changes.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "telecov.changes/1");
    assert_eq!(json["communes"].as_array().unwrap().len(), 83);
    assert_eq!(json["totals"]["pct_4G"]["change"], 0.0);
    let map: geojson::FeatureCollection = std::fs::read_to_string(out.join("changes.geojson"))
        .unwrap()
        .parse::<geojson::GeoJson>()
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(map.features.len(), 83);
    assert!(map.features.iter().all(|f| f.geometry.is_some()));
}

#[test]
fn a_run_against_its_plan_shows_the_plan_gains() {
    let scenario = city();
    let mut options = PlanOptions {
        targets: vec![
            "5G=20@total".parse::<Target>().unwrap(),
            "wifi=100".parse::<Target>().unwrap(),
        ],
        ..PlanOptions::default()
    };
    options.template.technologies = [Technology::G4, Technology::G5].into_iter().collect();
    let p = plan(&scenario, &options).unwrap();
    assert!(!p.sites.is_empty() && !p.wifi.is_empty());
    let before = telecov::evaluate(&scenario).unwrap();
    let after = telecov::evaluate(&p.scenario_with_plan).unwrap();
    let changes = compare(&before, &after).unwrap();
    let total = |name: &str| {
        changes
            .totals
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}"))
            .1
    };
    // exactly the sites and wifi points the plan added
    assert_eq!(total("sites").change, p.sites.len() as f64);
    assert_eq!(total("wifi_points").change, p.wifi.len() as f64);
    let per_commune: f64 = changes
        .communes
        .iter()
        .flat_map(|c| c.figures.iter().filter(|(n, _)| n == "wifi_points"))
        .map(|(_, f)| f.change)
        .sum();
    assert_eq!(per_commune, p.wifi.len() as f64);
    // the coverage gain is the plan's, as the report re-measures it on the
    // planned scenario (plan.check: claimed against measured)
    let claim = p.claims.iter().find(|c| c.layer == Layer::G5).unwrap();
    let (_, claimed, measured, _) = p
        .check(&after)
        .into_iter()
        .find(|(l, ..)| *l == Layer::G5)
        .unwrap();
    let gain = total("pct_5G").change;
    println!("5G: compare {gain:+.4} pp; plan claimed {claimed:.4} %, measured {measured:.4} %");
    assert!((total("pct_5G").before - claim.before_pct).abs() < 1e-9);
    assert!((total("pct_5G").after - measured).abs() < 1e-9);
    assert!((gain - (measured - claim.before_pct)).abs() < 1e-9);
    assert!(gain > 10.0, "{gain}");
    // people and households do not change
    assert_eq!(total("population").change, 0.0);
    assert_eq!(total("households").change, 0.0);
}

#[test]
fn runs_of_different_places_are_refused_and_new_or_gone_communes_named() {
    let scenario = city();
    let report = telecov::evaluate(&scenario).unwrap();
    let mut other = report.clone();
    for c in &mut other.communes {
        c.id = FeatureId::Str(format!("x{}", c.id));
    }
    let e = compare(&report, &other).unwrap_err().to_string();
    assert!(e.contains("share no commune id"), "{e}");

    // two communes merged away, one renumbered
    let mut later = scenario.clone();
    let gone_a = later.communes.remove(5).id;
    let gone_b = later.communes.remove(10).id;
    later.communes[0].id = FeatureId::Str("new-0".into());
    let after = telecov::evaluate(&later).unwrap();
    let changes = compare(&report, &after).unwrap();
    let gone: Vec<&FeatureId> = changes.gone.iter().map(|(id, _)| id).collect();
    assert_eq!(gone.len(), 3);
    assert!(gone.contains(&&gone_a) && gone.contains(&&gone_b));
    assert_eq!(changes.new.len(), 1);
    assert_eq!(changes.new[0].0, FeatureId::Str("new-0".into()));
    assert_eq!(changes.communes.len(), report.communes.len() - 3);
}

#[test]
fn written_runs_of_a_plan_show_its_additions_commune_by_commune() {
    let scenario = city();
    let options = PlanOptions {
        targets: vec!["wifi=100".parse::<Target>().unwrap()],
        ..PlanOptions::default()
    };
    let p = plan(&scenario, &options).unwrap();
    assert!(!p.wifi.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let (input, planned) = (dir.path().join("input"), dir.path().join("planned"));
    telecov::io::write_scenario(&input, &scenario).unwrap();
    telecov::io::write_scenario(&planned, &p.scenario_with_plan).unwrap();
    let (run_a, run_b) = (dir.path().join("a"), dir.path().join("b"));
    let before = telecov::report_scenario(&input, &run_a, &telecov::Options::default()).unwrap();
    let after = telecov::report_scenario(&planned, &run_b, &telecov::Options::default()).unwrap();
    let out = dir.path().join("cmp");
    telecov::cli::compare::run(telecov::cli::compare::CompareArgs {
        before: run_a,
        after: run_b,
        out: Some(out.clone()),
    })
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("changes.json")).unwrap()).unwrap();
    assert_eq!(json["new_communes"].as_array().unwrap().len(), 0);
    assert_eq!(json["gone_communes"].as_array().unwrap().len(), 0);
    assert_eq!(
        json["totals"]["wifi_points"]["change"].as_f64(),
        Some(p.wifi.len() as f64)
    );
    assert_eq!(json["totals"]["sites"]["change"].as_f64(), Some(0.0));
    // per commune: exactly the wifi points the plan put there, and the
    // wifi coverage the planned scenario's report measures
    let mut added = vec![0usize; scenario.communes.len()];
    for w in &p.wifi {
        added[w.commune] += 1;
    }
    for (i, c) in before.communes.iter().enumerate() {
        let row = json["communes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == serde_json::to_value(&c.id).unwrap())
            .unwrap();
        assert_eq!(row["wifi_points"]["change"].as_f64(), Some(added[i] as f64));
        let gain = after.communes[i].population_wifi_covered - c.population_wifi_covered;
        // compare's arithmetic on figures read back from report.json
        let change = row["covered_wifi"]["change"].as_f64().unwrap();
        assert!(
            (change - gain).abs() <= 1e-9 * gain.abs().max(1.0),
            "{}",
            c.id
        );
        assert_eq!(gain > 0.0, added[i] > 0, "{}", c.id);
        assert_eq!(row["covered_4G"]["change"].as_f64(), Some(0.0));
    }
}
