//! Population rasters: a synthetic GeoTIFF of known shape, written here with
//! the `tiff` encoder, read back, sub-sampled and reconciled with census
//! figures; bad rasters refused.

use std::fs::File;
use std::path::Path;

mod common;

use common::rect;
use telecov::io::{load_scenario, raster_population, read_population_raster, RasterOptions};
use telecov::model::Commune;
use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;

const WEST: f64 = 105.0;
const NORTH: f64 = 10.06;
const CELL: f64 = 0.01;
const W: usize = 8;
const H: usize = 6;
/// Communes A and B split the raster at 3.5 cells from the west edge.
const SPLIT: f64 = WEST + 3.5 * CELL;
const NODATA: f32 = -99999.0;

/// People of cell (row, col); `None` for the nodata cells.
fn cell(row: usize, col: usize) -> Option<f64> {
    match (row, col) {
        (0, 0) | (5, 7) | (2, 4) => None,
        _ => Some(10.0 * (col as f64 + 1.0) + 100.0 * (row % 3) as f64),
    }
}

fn samples() -> Vec<f32> {
    let mut v = Vec::new();
    for r in 0..H {
        for c in 0..W {
            v.push(match (r, c, cell(r, c)) {
                (2, 4, _) => f32::NAN,
                (_, _, Some(x)) => x as f32,
                (_, _, None) => NODATA,
            });
        }
    }
    v
}

/// GeoKeys: geographic model, PixelIsArea, WGS 84 (or what `keys` says).
const GEOKEYS: [u16; 16] = [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326];

enum Georef<'a> {
    ScaleTie,
    Transform([f64; 16]),
    None,
    Keys(&'a [u16]),
    Tiepoints(Vec<f64>),
}

fn write_tif(path: &Path, georef: Georef<'_>) {
    let file = File::create(path).unwrap();
    let mut enc = TiffEncoder::new(file).unwrap();
    let mut img = enc
        .new_image::<colortype::Gray32Float>(W as u32, H as u32)
        .unwrap();
    let scale = [CELL, CELL, 0.0];
    let tie = [0.0, 0.0, 0.0, WEST, NORTH, 0.0];
    let e = img.encoder();
    match georef {
        Georef::ScaleTie => {
            e.write_tag(Tag::ModelPixelScaleTag, &scale[..]).unwrap();
            e.write_tag(Tag::ModelTiepointTag, &tie[..]).unwrap();
            e.write_tag(Tag::GeoKeyDirectoryTag, &GEOKEYS[..]).unwrap();
        }
        Georef::Transform(m) => {
            e.write_tag(Tag::ModelTransformationTag, &m[..]).unwrap();
        }
        Georef::None => {}
        Georef::Keys(keys) => {
            e.write_tag(Tag::ModelPixelScaleTag, &scale[..]).unwrap();
            e.write_tag(Tag::ModelTiepointTag, &tie[..]).unwrap();
            e.write_tag(Tag::GeoKeyDirectoryTag, keys).unwrap();
        }
        Georef::Tiepoints(t) => {
            e.write_tag(Tag::ModelPixelScaleTag, &scale[..]).unwrap();
            e.write_tag(Tag::ModelTiepointTag, &t[..]).unwrap();
        }
    }
    e.write_tag(Tag::GdalNodata, "-99999").unwrap();
    img.write_data(&samples()).unwrap();
}

/// C: a tiny commune inside the nodata cell (0, 0), listed first; A west of
/// the split, B east of it.
fn communes() -> Vec<Commune> {
    let south = NORTH - H as f64 * CELL;
    vec![
        Commune::new(3, rect(105.002, 10.052, 105.004, 10.054), 50.0, 13.0),
        Commune::new(1, rect(WEST, south, SPLIT, NORTH), 12_345.0, 3_456.0),
        Commune::new(
            2,
            rect(SPLIT, south, WEST + W as f64 * CELL, NORTH),
            6_789.0,
            2_001.0,
        ),
    ]
}

/// Raster people west (`west = true`) or east of the split, by the cells'
/// shares (the split cuts column 3 in half).
fn expected_raster(west: bool) -> f64 {
    let mut sum = 0.0;
    for r in 0..H {
        for c in 0..W {
            let share = match (c, west) {
                (0..=2, true) | (4.., false) => 1.0,
                (3, _) => 0.5,
                _ => 0.0,
            };
            sum += cell(r, c).unwrap_or(0.0) * share;
        }
    }
    sum
}

#[test]
fn reads_geotiff_georeference_and_nodata() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("population.tif");
    write_tif(&path, Georef::ScaleTie);
    let r = read_population_raster(&path).unwrap();
    assert_eq!((r.width, r.height), (W, H));
    assert_eq!((r.west_lon_deg, r.north_lat_deg), (WEST, NORTH));
    assert_eq!((r.cell_width_deg, r.cell_height_deg), (CELL, CELL));
    assert_eq!(r.values.iter().filter(|v| v.is_none()).count(), 3);
    for row in 0..H {
        for col in 0..W {
            assert_eq!(r.value(row, col), cell(row, col), "cell ({row}, {col})");
        }
    }
    let c = r.cell_centre(5, 7);
    assert!((c.x() - 105.075).abs() < 1e-12 && (c.y() - 10.005).abs() < 1e-12);

    // the same grid as a ModelTransformation without rotation
    write_tif(
        &path,
        Georef::Transform([
            CELL, 0.0, 0.0, WEST, 0.0, -CELL, 0.0, NORTH, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        ]),
    );
    let t = read_population_raster(&path).unwrap();
    assert_eq!(t.values, r.values);
    assert!((t.north_lat_deg - NORTH).abs() < 1e-12 && (t.west_lon_deg - WEST).abs() < 1e-12);

    // PixelIsPoint: the tie point is the first cell's centre
    let mut keys = GEOKEYS;
    keys[11] = 2;
    write_tif(&path, Georef::Keys(&keys));
    let p = read_population_raster(&path).unwrap();
    assert!((p.west_lon_deg - (WEST - CELL / 2.0)).abs() < 1e-12);
    assert!((p.north_lat_deg - (NORTH + CELL / 2.0)).abs() < 1e-12);
}

#[test]
fn reconciliation_matches_census_and_keeps_the_raster_pattern() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("population.tif");
    write_tif(&path, Georef::ScaleTie);
    let raster = read_population_raster(&path).unwrap();
    let communes = communes();
    let n = 4;
    let out = raster_population(
        &raster,
        &communes,
        &RasterOptions {
            subsamples_per_side: Some(n),
        },
    )
    .unwrap();
    assert_eq!(out.subsamples_per_side, n);
    let (a, b) = (expected_raster(true), expected_raster(false));
    assert!((out.raster_total - (a + b)).abs() < 1e-9);
    assert!(out.outside_population.abs() < 1e-9);
    assert_eq!(out.communes[0].raster_population, 0.0);
    assert!((out.communes[1].raster_population - a).abs() < 1e-9 * a);
    assert!((out.communes[2].raster_population - b).abs() < 1e-9 * b);

    // every commune's points add up to its census figures
    let census = [(50.0, 13.0), (12_345.0, 3_456.0), (6_789.0, 2_001.0)];
    let which = |p: &telecov::model::PopulationPoint| -> usize {
        let l = p.location.unwrap();
        if (105.002..=105.004).contains(&l.x()) && (10.052..=10.054).contains(&l.y()) {
            0
        } else if l.x() < SPLIT {
            1
        } else {
            2
        }
    };
    let mut sums = [(0.0, 0.0); 3];
    for p in &out.points {
        let s = &mut sums[which(p)];
        s.0 += p.population;
        s.1 += p.households;
    }
    for (i, ((people, hh), (want_p, want_h))) in sums.iter().zip(census).enumerate() {
        assert!(
            (people - want_p).abs() < 1e-6,
            "commune {i}: {people} people, census {want_p}"
        );
        assert!(
            (hh - want_h).abs() < 1e-6,
            "commune {i}: {hh} households, census {want_h}"
        );
        assert_eq!(out.communes[i].reconciled_population, want_p);
        assert_eq!(out.communes[i].reconciled_households, want_h);
    }
    // the empty commune got its people on one interior point, with a warning
    assert_eq!(out.communes[0].points, 1);
    assert!(out
        .warnings
        .iter()
        .any(|w| w.contains("(id \"3\")") && w.contains("no raster people")));

    // the pattern inside each commune is the raster's: each sub-point holds
    // its cell's value / n² times one factor per commune
    for (i, (census_people, _)) in census.iter().enumerate().skip(1) {
        let factor = census_people / out.communes[i].raster_population;
        let mut count = 0;
        for p in out.points.iter().filter(|p| which(p) == i) {
            let l = p.location.unwrap();
            let col = ((l.x() - WEST) / CELL).floor() as usize;
            let row = ((NORTH - l.y()) / CELL).floor() as usize;
            let raster_share = cell(row, col).unwrap() / f64::from(n * n);
            let ratio = p.population / raster_share;
            assert!(
                (ratio / factor - 1.0).abs() < 1e-12,
                "point {l:?}: ratio {ratio}, factor {factor}"
            );
            count += 1;
        }
        // valid cells × 16 sub-points, half of column 3 each
        let cells: usize = (0..H)
            .flat_map(|r| (0..W).map(move |c| (r, c)))
            .filter(|&(r, c)| cell(r, c).is_some())
            .map(|(_, c)| match (c, i) {
                (3, _) => 8,
                (0..=2, 1) | (4.., 2) => 16,
                _ => 0,
            })
            .sum();
        assert_eq!(count, cells);
        assert_eq!(out.communes[i].points, cells);
    }
    // A's raster total (~2,600) is far from its census: named in a warning
    assert!(out
        .warnings
        .iter()
        .any(|w| w.contains("(id \"1\")") && w.contains("rescaled to the census")));
}

#[test]
fn scenario_with_population_tif_reports_census_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = telecov::model::Scenario::new(communes());
    telecov::io::write_scenario(tmp.path(), &scenario).unwrap();
    write_tif(&tmp.path().join("population.tif"), Georef::ScaleTie);
    let loaded = load_scenario(tmp.path()).unwrap();
    let points = loaded.population.as_ref().expect("points mode");
    assert!(!points.is_empty());
    let report = telecov::evaluate(&loaded).unwrap();
    for (row, c) in report.communes.iter().zip(&scenario.communes) {
        assert!(
            (row.population - c.population.unwrap()).abs() < 1e-6,
            "{row:?}"
        );
        assert!(
            (row.households - c.households.unwrap()).abs() < 1e-6,
            "{row:?}"
        );
    }
    assert!(report.totals.unassigned_population.abs() < 1e-9);
    assert!((report.totals.population - (50.0 + 12_345.0 + 6_789.0)).abs() < 1e-6);

    // the default sub-sampling: cells of ~1.1 km → 12 × 12 sub-points
    let raster = read_population_raster(tmp.path().join("population.tif")).unwrap();
    let auto = raster_population(&raster, &scenario.communes, &RasterOptions::default()).unwrap();
    assert_eq!(auto.subsamples_per_side, 12);

    // population.geojson and population.tif together are refused
    std::fs::write(
        tmp.path().join("population.geojson"),
        r#"{"type": "FeatureCollection", "features": []}"#,
    )
    .unwrap();
    let e = load_scenario(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("population.tif") && e.contains("population.geojson"),
        "{e}"
    );
}

fn refusal(georef: Georef<'_>) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("population.tif");
    write_tif(&path, georef);
    read_population_raster(&path).unwrap_err().to_string()
}

#[test]
fn unsupported_rasters_are_refused_clearly() {
    let mut rotated = [0.0; 16];
    rotated[..8].copy_from_slice(&[CELL, 0.001, 0.0, WEST, 0.001, -CELL, 0.0, NORTH]);
    rotated[15] = 1.0;
    let e = refusal(Georef::Transform(rotated));
    assert!(e.contains("population.tif") && e.contains("rotated"), "{e}");

    let e = refusal(Georef::None);
    assert!(e.contains("not georeferenced"), "{e}");

    let projected: [u16; 12] = [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32648];
    let e = refusal(Georef::Keys(&projected));
    assert!(e.contains("EPSG:32648") && e.contains("reproject"), "{e}");

    let nad83: [u16; 12] = [1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 4269];
    let e = refusal(Georef::Keys(&nad83));
    assert!(e.contains("EPSG:4269"), "{e}");

    let e = refusal(Georef::Tiepoints(vec![0.0; 12]));
    assert!(
        e.contains("ModelTiepoint") && e.contains("2 tie points"),
        "{e}"
    );

    // off the globe: a tie point at longitude 200
    let e = refusal(Georef::Tiepoints(vec![0.0, 0.0, 0.0, 200.0, 10.0, 0.0]));
    assert!(e.contains("outside [-180, 180]"), "{e}");

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("population.tif");
    std::fs::write(&path, "id,population\n1,200\n").unwrap();
    let e = read_population_raster(&path).unwrap_err().to_string();
    assert!(e.contains("population.tif") && e.contains("TIFF"), "{e}");
}

/// A header claiming 100,000 × 100,000 float cells (40 GB) is refused
/// before any pixel is read.
#[test]
fn absurd_raster_is_refused_before_allocating() {
    let mut b: Vec<u8> = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    let entries: [(u16, u16, u32); 10] = [
        (256, 4, 100_000),
        (257, 4, 100_000),
        (258, 3, 32),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 200),
        (277, 3, 1),
        (278, 4, 100_000),
        (279, 4, 4),
        (339, 3, 3),
    ];
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, value) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&ty.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        if ty == 3 {
            b.extend_from_slice(&(value as u16).to_le_bytes());
            b.extend_from_slice(&[0, 0]);
        } else {
            b.extend_from_slice(&value.to_le_bytes());
        }
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.resize(204, 0);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("population.tif");
    std::fs::write(&path, &b).unwrap();
    let err = read_population_raster(&path).unwrap_err();
    assert!(matches!(err, telecov::Error::TooLarge(_)), "{err}");
    assert!(err.to_string().contains("10000000000 cells"), "{err}");
}
