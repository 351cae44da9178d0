//! `sites.csv`: a cell export gives the same report as the equivalent
//! `sites.geojson`; bad rows are named by file, line and column.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use telecov::io::{load_scenario, read_sites_csv, write_scenario};
use telecov::model::{Scenario, Site, SiteRange, Technology};
use telecov::Error;

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
}

fn num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One row per cell (sector × technology) of every site, with exports'
/// header names, in an order different from the contract's.
fn cell_export(sites: &[Site]) -> String {
    let mut out = String::from(
        "Cell_ID,Site_ID,RAT,LNG,LAT,Azimuth,HBW,Antenna Height,Cell_Radius,Operator,TX_Power,Gain,Freq\n",
    );
    for s in sites {
        let sectors: Vec<Option<(f64, f64)>> = if s.sectors.is_empty() {
            vec![None]
        } else {
            s.sectors
                .iter()
                .map(|x| Some((x.azimuth_deg, x.beamwidth_deg)))
                .collect()
        };
        for (k, sector) in sectors.iter().enumerate() {
            for t in s.technologies.iter() {
                let range = match s.range_m {
                    SiteRange::Unset => None,
                    r => r.get(t),
                };
                let rat = match t {
                    Technology::G2 => "GSM",
                    Technology::G3 => "WCDMA",
                    Technology::G4 => "LTE",
                    Technology::G5 => "NR",
                };
                writeln!(
                    out,
                    "{id}-{k}-{t},{id},{rat},{lon},{lat},{az},{bw},{h},{r},{op},{p},{g},{f}",
                    id = s.id,
                    lon = s.location.x(),
                    lat = s.location.y(),
                    az = num(sector.map(|x| x.0)),
                    bw = num(sector.map(|x| x.1)),
                    h = s.height_m,
                    r = num(range),
                    op = s.operator.as_deref().unwrap_or_default(),
                    p = num(s.radio.tx_power_dbm),
                    g = num(s.radio.antenna_gain_dbi),
                    f = num(s.radio.frequency_mhz),
                )
                .unwrap();
            }
        }
    }
    out
}

/// A scenario written twice: with sites.geojson, and with `csv` instead.
fn twin_dirs(name: &str, scenario: &Scenario, csv: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::Builder::new().prefix(name).tempdir().unwrap();
    let geo = tmp.path().join("geojson");
    let csv_dir = tmp.path().join("csv");
    write_scenario(&geo, scenario).unwrap();
    write_scenario(&csv_dir, scenario).unwrap();
    std::fs::remove_file(csv_dir.join("sites.geojson")).unwrap();
    std::fs::write(csv_dir.join("sites.csv"), csv).unwrap();
    (tmp, geo, csv_dir)
}

#[test]
fn demo_cell_export_gives_the_same_report_as_geojson() {
    let scenario = load_scenario(demo_dir()).unwrap();
    assert_eq!(scenario.sites.len(), 1990);
    let csv = cell_export(&scenario.sites);
    let rows = csv.lines().count() - 1;
    assert!(rows > 3 * 1990, "{rows} rows: several cells per site");
    let (_tmp, geo, csv_dir) = twin_dirs("telecov-csv-demo", &scenario, &csv);

    let from_geojson = load_scenario(&geo).unwrap();
    let from_csv = load_scenario(&csv_dir).unwrap();
    assert_eq!(from_csv.sites.len(), from_geojson.sites.len());
    for (a, b) in from_csv.sites.iter().zip(&from_geojson.sites) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.technologies, b.technologies, "site {}", a.id);
        assert_eq!(a.sectors.len(), b.sectors.len(), "site {}", a.id);
        assert_eq!(a.location, b.location);
    }
    same_report(&from_geojson, &from_csv);
}

/// Three rows per site, one per sector; the technologies are split between
/// the rows (their union is the site's); one site has a range per sector.
#[test]
fn three_rows_per_site_give_the_same_report_as_geojson() {
    let mut scenario = load_scenario(demo_dir()).unwrap();
    scenario.sites.truncate(400);
    let mut csv = String::from(
        "site_id;longitude;latitude;technology;azimuth_deg;beamwidth_deg;height_m;range_m\n",
    );
    for (i, s) in scenario.sites.iter_mut().enumerate() {
        s.radio = Default::default();
        let base = (i * 37 % 360) as f64;
        s.sectors = (0..3)
            .map(|k| telecov::model::Sector {
                azimuth_deg: (base + 120.0 * k as f64) % 360.0,
                beamwidth_deg: if i % 2 == 0 { 65.0 } else { 120.0 },
                range_m: (i % 5 == 0).then_some(300.0 + 100.0 * k as f64),
            })
            .collect();
        s.range_m = if i % 5 == 0 {
            SiteRange::Unset
        } else {
            SiteRange::All(400.0 + (i % 7) as f64 * 50.0)
        };
        let techs: Vec<Technology> = s.technologies.iter().collect();
        for (k, sector) in s.sectors.iter().enumerate() {
            // row k carries technology k (and the last row the rest)
            let mine: Vec<&str> = techs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j == k || (k == 2 && *j > 2) || (techs.len() <= k && *j == 0))
                .map(|(_, t)| t.as_str())
                .collect();
            let range = sector
                .range_m
                .or(s.range_m.get(Technology::G2))
                .map(|r| r.to_string())
                .unwrap_or_default();
            writeln!(
                csv,
                "{};{};{};{};{};{};{};{}",
                s.id,
                s.location.x(),
                s.location.y(),
                mine.join("/"),
                sector.azimuth_deg,
                sector.beamwidth_deg,
                s.height_m,
                range
            )
            .unwrap();
        }
    }
    assert_eq!(csv.lines().count(), 1 + 3 * 400);
    let (_tmp, geo, csv_dir) = twin_dirs("telecov-csv-3rows", &scenario, &csv);
    let from_geojson = load_scenario(&geo).unwrap();
    let from_csv = load_scenario(&csv_dir).unwrap();
    for (a, b) in from_csv.sites.iter().zip(&from_geojson.sites) {
        assert_eq!(a.technologies, b.technologies, "site {}", a.id);
    }
    same_report(&from_geojson, &from_csv);
}

/// The two scenarios' reports are identical, byte for byte.
fn same_report(a: &Scenario, b: &Scenario) {
    let ra = telecov::evaluate(a).unwrap().to_json();
    let rb = telecov::evaluate(b).unwrap().to_json();
    if let Some((k, (x, y))) = ra
        .lines()
        .zip(rb.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        panic!(
            "reports differ at line {}: {x:?} (sites.geojson) vs {y:?} (sites.csv)",
            k + 1
        );
    }
    assert_eq!(ra.len(), rb.len());
}

fn parse(text: &str) -> Result<(Vec<Site>, Vec<String>), Error> {
    telecov::io::parse_sites_csv(Path::new("sites.csv"), text.as_bytes())
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn conflicting_rows_of_one_site_name_both_lines() {
    let e =
        err("id,lon,lat,tech,azimuth,beamwidth\nA,105.1,10.0,LTE,0,65\nA,105.2,10.0,LTE,120,65\n");
    assert!(e.starts_with("sites.csv: line 3, column 3:"), "{e}");
    assert!(e.contains("line 2"), "{e}");

    let e = err(
        "id,lon,lat,tech,height_m\nA,105.1,10.0,LTE,30\nB,105.1,10.0,LTE,30\nA,105.1,10.0,GSM,45\n",
    );
    assert!(e.starts_with("sites.csv: line 4, column 18:"), "{e}");
    assert!(e.contains("\"height_m\"") && e.contains("line 2"), "{e}");

    let e = err("id,lon,lat,tech,azimuth,beamwidth\nA,105.1,10.0,LTE,0,65\nA,105.1,10.0,LTE,,\n");
    assert!(e.contains("line 3") && e.contains("azimuth"), "{e}");

    // ranges differing by technology and by sector: the model holds one or the other
    let e = err("id,lon,lat,tech,azimuth,beamwidth,range\nA,105.1,10.0,LTE,0,65,500\nA,105.1,10.0,LTE,120,65,600\nA,105.1,10.0,GSM,0,65,900\n");
    assert!(
        e.contains("line 3") && e.contains("line 2") && e.contains("range_m"),
        "{e}"
    );
}

#[test]
fn bad_values_are_named_by_line_and_column() {
    let e = err("id,lon,lat,tech\nA,105.7,10.0,6G\n");
    assert_eq!(
        e,
        "sites.csv: line 2, column 14: column \"technology\": unknown technology \"6G\" (expected 2G/GSM, 3G/UMTS/WCDMA, 4G/LTE or 5G/NR)"
    );
    let e = err("id,lon,lat,tech\nA,\"105,7\",10.0,LTE\n");
    assert!(
        e.starts_with("sites.csv: line 2, column 3: column \"longitude\""),
        "{e}"
    );
    let e = err("id,lon,lat,tech\nA,190,10.0,LTE\n");
    assert!(e.contains("outside [-180, 180]"), "{e}");
    let e = err("id,lon,lat,tech,beamwidth,azimuth\nA,105,10.0,LTE,400,10\n");
    assert!(e.starts_with("sites.csv: line 2, column 16:"), "{e}");
    let e = err("id,lon,lat,tech,range_m\nA,105,10.0,LTE,-5\n");
    assert!(e.contains("must be > 0"), "{e}");
    let e = err("id,lon,lat,tech,azimuth\nA,105,10.0,LTE,10\n");
    assert!(e.contains("beamwidth"), "{e}");
    let e = err("id,lon,tech\nA,105,LTE\n");
    assert!(
        e.starts_with("sites.csv: line 1, column 1:") && e.contains("latitude"),
        "{e}"
    );
    let e = err("id,lon,lng,lat,tech\n");
    assert!(e.contains("column 8") && e.contains("\"lng\""), "{e}");
    let e = err("id,lon,lat,tech\nA,105,10,LTE,\"unterminated\n");
    assert!(e.starts_with("sites.csv: line 2, column 14:"), "{e}");
    let e = err("id,lon,lat,tech\nA,105,7,10,LTE\n");
    assert!(
        e.starts_with("sites.csv: line 2, column 12:") && e.contains("5 fields"),
        "{e}"
    );
    // trailing empty fields are fine
    assert!(parse("id,lon,lat,tech\nA,105,10,LTE,,\n").is_ok());
    assert!(err("").contains("empty file"));
    let e = err("id,lon,lat,tech,environment\nA,105,10,LTE,jungle\n");
    assert!(e.contains("unknown environment"), "{e}");
}

#[test]
fn aliases_semicolons_and_unknown_columns() {
    let (sites, warnings) = parse(
        "\u{feff}eNodeB ID;Long;Lat;Radio;Bearing;Beam Width;AGL;Radius;Carrier;Colour\n\
         17;105.5;10.1;LTE+;90;65;25;800;Viettel;red\n\
         17;105.5;10.1;5G NR;90;65;25;800;;blue\n\
         017;105.6;10.1;GSM;;;;;;\n",
    )
    .unwrap();
    assert_eq!(sites.len(), 2);
    let a = &sites[0];
    assert_eq!(a.id, telecov::model::FeatureId::Int(17));
    assert_eq!(a.sectors.len(), 1);
    assert_eq!(a.height_m, 25.0);
    assert_eq!(a.range_m, SiteRange::All(800.0));
    assert_eq!(a.operator.as_deref(), Some("Viettel"));
    assert!(a.technologies.contains(Technology::G4) && a.technologies.contains(Technology::G5));
    let b = &sites[1];
    assert_eq!(b.id, telecov::model::FeatureId::Str("017".into()));
    assert!(b.sectors.is_empty());
    assert_eq!(b.height_m, telecov::model::DEFAULT_HEIGHT_M);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("\"Colour\""), "{warnings:?}");
}

#[test]
fn cell_id_alone_makes_one_site_per_row() {
    let (sites, _) = parse("cell_id,lat,lon,tech\nC1,10,105,LTE\nC2,10,105,LTE\n").unwrap();
    assert_eq!(sites.len(), 2);
}

#[test]
fn scenario_with_both_site_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut scenario = load_scenario(demo_dir()).unwrap();
    scenario.sites.truncate(3);
    write_scenario(tmp.path(), &scenario).unwrap();
    std::fs::write(tmp.path().join("sites.csv"), cell_export(&scenario.sites)).unwrap();
    let e = load_scenario(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("sites.csv") && e.contains("sites.geojson"),
        "{e}"
    );
    // the file alone reads through the API
    let (sites, warnings) = read_sites_csv(tmp.path().join("sites.csv")).unwrap();
    assert_eq!(sites.len(), 3);
    assert!(warnings.is_empty(), "{warnings:?}");
}
