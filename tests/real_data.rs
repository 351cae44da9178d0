//! The `cantho_real` example on the real Can Tho data (../shared/data/cantho,
//! outside the repository): 83 communes totalling the 2019 census,
//! 1,235,171 people and 359,375 households, whether people are placed by
//! the WorldPop raster (reconciled to the census) or spread uniformly.
//! Skipped, with a message, when the data folder is absent.

use std::path::PathBuf;

use clap::Parser as _;
use telecov::model::Technology;

#[allow(dead_code)]
#[path = "../examples/cantho_real.rs"]
mod cantho_real;

use cantho_real::{build_scenario, CanThoOptions};

const PEOPLE: f64 = 1_235_171.0;
const HOUSEHOLDS: f64 = 359_375.0;

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cantho");
    if dir.join("communes_2020_83.geojson").is_file() {
        Some(dir)
    } else {
        println!(
            "skipped: the Can Tho data folder {} is absent",
            dir.display()
        );
        None
    }
}

#[test]
fn raster_population_reconciled_to_the_census() {
    let Some(dir) = data_dir() else { return };
    let cantho = build_scenario(&dir, &CanThoOptions::default()).unwrap();
    let s = &cantho.scenario;
    assert_eq!(s.communes.len(), 83);
    assert_eq!(s.sites.len(), 1_990);
    assert_eq!(s.fiber.len(), 1_896);
    let five_g = s
        .sites
        .iter()
        .filter(|x| x.technologies.contains(Technology::G5))
        .count();
    assert_eq!(five_g, 40);

    let report = telecov::evaluate(s).unwrap();
    assert_eq!(report.communes.len(), 83);
    assert!(
        (report.totals.population - PEOPLE).abs() < 1e-6,
        "{}",
        report.totals.population
    );
    assert!(
        (report.totals.households - HOUSEHOLDS).abs() < 1e-6,
        "{}",
        report.totals.households
    );
    assert!(report.totals.unassigned_population.abs() < 1e-9);
    // every commune holds its census figures, as the engine assigns points
    for (row, c) in report.communes.iter().zip(&s.communes) {
        let census = c.population.unwrap();
        assert!(
            (row.population - census).abs() < 1e-6,
            "{}: {} vs census {census}",
            row.id,
            row.population
        );
        assert!(
            (row.households - c.households.unwrap()).abs() < 1e-6,
            "{}",
            row.id
        );
    }

    // the raster's own figures: the README measures 1,467,022 people inside
    // the official city polygon; our 83 simplified polygons hold about as many
    let raster = cantho.raster.as_ref().unwrap();
    // the README's 79 × 54 window holds 4,263 valid cells (nodata −99999)
    let grid =
        telecov::io::read_population_raster(dir.join("worldpop_2020_1km_cantho.tif")).unwrap();
    assert_eq!((grid.width, grid.height), (79, 54));
    assert_eq!(grid.values.iter().flatten().count(), 4_263);
    assert!(
        (grid.cell_width_deg - 1.0 / 120.0).abs() < 1e-9,
        "{}",
        grid.cell_width_deg
    );
    assert!((grid.total_population() - raster.raster_total).abs() < 1e-6);
    // the georeference against the cell table published with the raster
    let mut cells = csv::Reader::from_path(dir.join("worldpop_2020_1km_cantho_cells.csv")).unwrap();
    let mut checked = 0;
    for record in cells.records() {
        let record = record.unwrap();
        let num = |i: usize| record.get(i).unwrap().parse::<f64>().unwrap();
        let (lon, lat, people) = (num(0), num(1), num(2));
        let col = ((lon - grid.west_lon_deg) / grid.cell_width_deg).floor() as usize;
        let row = ((grid.north_lat_deg - lat) / grid.cell_height_deg).floor() as usize;
        let centre = grid.cell_centre(row, col);
        assert!(
            (centre.x() - lon).abs() < 1e-5 && (centre.y() - lat).abs() < 1e-5,
            "{lon} {lat}"
        );
        let v = grid.value(row, col).unwrap();
        assert!(
            (v - people).abs() <= 1e-3 * people.max(1.0),
            "{lon} {lat}: {v} vs {people}"
        );
        checked += 1;
    }
    assert_eq!(checked, 4_263);
    assert_eq!(raster.communes.len(), 83);
    let inside: f64 = raster.communes.iter().map(|c| c.raster_population).sum();
    assert!((inside / 1_467_022.0 - 1.0).abs() < 0.03, "{inside}");
    // rural huyện are over-allocated by the raster: named in warnings
    assert!(report.warnings.iter().any(
        |w| w.contains("worldpop_2020_1km_cantho.tif") && w.contains("rescaled to the census")
    ));
}

#[test]
fn uniform_population_totals_the_census() {
    let Some(dir) = data_dir() else { return };
    let options = CanThoOptions {
        raster: false,
        ..CanThoOptions::default()
    };
    let cantho = build_scenario(&dir, &options).unwrap();
    assert!(cantho.scenario.population.is_none());
    let report = telecov::evaluate(&cantho.scenario).unwrap();
    assert_eq!(report.communes.len(), 83);
    assert!((report.totals.population - PEOPLE).abs() < 1e-6);
    assert!((report.totals.households - HOUSEHOLDS).abs() < 1e-6);
}

#[test]
fn example_writes_the_report_and_maps() {
    let Some(dir) = data_dir() else { return };
    let out = tempfile::tempdir().unwrap();
    let args = cantho_real::Args::try_parse_from([
        "cantho_real".into(),
        dir.into_os_string(),
        "--out".into(),
        out.path().as_os_str().to_owned(),
    ])
    .unwrap();
    cantho_real::run(args).unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["totals"]["communes"], 83);
    assert_eq!(report["totals"]["sites"], 1_990);
    let people = report["totals"]["population"].as_f64().unwrap();
    assert!((people - PEOPLE).abs() < 1e-6, "{people}");
    for name in ["communes.geojson", "sites.geojson"] {
        assert!(out.path().join(name).is_file(), "{name}");
    }
}
