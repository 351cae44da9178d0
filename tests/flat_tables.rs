//! `communes.csv` and the flat properties of `communes.geojson`: one row
//! per commune, one column per figure, equal to report.json.

use telecov::model::Technology;

#[test]
fn communes_csv_and_map_hold_the_report_figures() {
    let out = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let report = telecov::report_scenario(demo, out.path(), &telecov::Options::default()).unwrap();
    let mut rdr = csv::Reader::from_path(out.path().join("communes.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
    };
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), report.communes.len());
    let map: geojson::FeatureCollection =
        std::fs::read_to_string(out.path().join("communes.geojson"))
            .unwrap()
            .parse::<geojson::GeoJson>()
            .unwrap()
            .try_into()
            .unwrap();
    let mut with_5g = 0;
    for ((row, c), f) in rows.iter().zip(&report.communes).zip(&map.features) {
        let num = |name: &str| row[col(name)].parse::<f64>().unwrap();
        assert_eq!(&row[col("id")], c.id.to_string().trim_matches('"'));
        assert_eq!(num("population"), c.population);
        for t in Technology::ALL {
            let people = c.population_covered.get(t);
            assert!((num(&format!("people_{t}")) - people).abs() <= 0.005 + 1e-9);
            assert!((num(&format!("pct_{t}")) - c.population_covered_pct(t)).abs() <= 0.005 + 1e-9);
            assert_eq!(&row[col(&format!("has_{t}"))] == "true", people > 0.0);
        }
        assert!((num("households_fiber") - c.households_fiber_passed).abs() <= 0.005 + 1e-9);
        assert_eq!(&row[col("has_wifi")] == "true", c.wifi_points > 0);
        with_5g += usize::from(&row[col("has_5G")] == "true");
        // the map carries the same flat figures, no nested objects
        let p = f.properties.as_ref().unwrap();
        assert!(p.values().all(|v| !v.is_object() && !v.is_array()));
        assert_eq!(p["pct_4G"].as_f64().unwrap(), num("pct_4G"));
        assert_eq!(
            p["has_5G"].as_bool().unwrap(),
            &row[col("has_5G")] == "true"
        );
    }
    // the demo's 5G pilot reaches some communes, not all
    assert!(with_5g > 0 && with_5g < report.communes.len(), "{with_5g}");
}
