//! Elevation input: small GeoTIFFs (Float32, Int16, UInt16) and SRTM `.hgt`
//! tiles written here, read back, interpolated at known points; nodata,
//! tile seams, refusals naming the file, and the GeoTIFF writer's round
//! trip.

use std::fs::File;
use std::path::Path;

use telecov::io::{
    read_dem, read_dem_geotiff, read_hgt, read_hgt_folder, read_scenario_dem, write_dem_geotiff,
};
use telecov::model::{DemExtent, DemGrid, DemLayout};
use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;

/// GeoKeys: geographic model, raster type `raster_type` (1 area, 2 point),
/// WGS 84.
fn geokeys(raster_type: u16) -> [u16; 16] {
    [
        1,
        1,
        0,
        3,
        1024,
        0,
        1,
        2,
        1025,
        0,
        1,
        raster_type,
        2048,
        0,
        1,
        4326,
    ]
}

/// Georeference written with every test raster.
struct Georef {
    /// Tie point: west edge (area) or first sample (point), degrees.
    lon: f64,
    lat: f64,
    cell: f64,
    raster_type: u16,
    nodata: Option<&'static str>,
    /// GeoKey 1024: 2 geographic, 1 projected.
    model_type: u16,
}

const W: u32 = 4;
const H: u32 = 3;
const CELL: f64 = 0.01;

fn area(nodata: Option<&'static str>) -> Georef {
    Georef {
        lon: 105.0,
        lat: 10.03,
        cell: CELL,
        raster_type: 1,
        nodata,
        model_type: 2,
    }
}

macro_rules! write_tif {
    ($path:expr, $colortype:ty, $data:expr, $g:expr) => {{
        let g: &Georef = $g;
        let file = File::create($path).unwrap();
        let mut enc = TiffEncoder::new(file).unwrap();
        let mut img = enc.new_image::<$colortype>(W, H).unwrap();
        let e = img.encoder();
        let mut keys = geokeys(g.raster_type);
        keys[7] = g.model_type;
        e.write_tag(Tag::ModelPixelScaleTag, &[g.cell, g.cell, 0.0][..])
            .unwrap();
        e.write_tag(
            Tag::ModelTiepointTag,
            &[0.0, 0.0, 0.0, g.lon, g.lat, 0.0][..],
        )
        .unwrap();
        e.write_tag(Tag::GeoKeyDirectoryTag, &keys[..]).unwrap();
        if let Some(n) = g.nodata {
            e.write_tag(Tag::GdalNodata, n).unwrap();
        }
        img.write_data($data).unwrap();
    }};
}

/// Height of sample (row, col): a plane, 2 m per column and −10 m per row.
fn plane(row: u32, col: u32) -> f64 {
    100.0 + 2.0 * f64::from(col) - 10.0 * f64::from(row)
}

fn plane_samples() -> Vec<f32> {
    (0..H)
        .flat_map(|r| (0..W).map(move |c| plane(r, c) as f32))
        .collect()
}

/// Centre of cell (row, col) of the `area` rasters.
fn centre(row: u32, col: u32) -> (f64, f64) {
    (
        105.0 + (f64::from(col) + 0.5) * CELL,
        10.03 - (f64::from(row) + 0.5) * CELL,
    )
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn float32_geotiff_bilinear_between_cell_centres() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("terrain.tif");
    let mut data = plane_samples();
    data[11] = -9999.0; // (row 2, col 3): nodata
    write_tif!(&path, colortype::Gray32Float, &data, &area(Some("-9999")));
    let dem = read_dem_geotiff(&path).unwrap();
    let b = dem.bounds();
    assert!((b.min().x - 105.0).abs() < 1e-12 && (b.max().x - 105.04).abs() < 1e-12);
    assert!((b.min().y - 10.0).abs() < 1e-12 && (b.max().y - 10.03).abs() < 1e-12);
    assert_eq!(dem.cell_size_deg(), (CELL, CELL));
    assert_eq!(dem.grids()[0].layout().extent, DemExtent::CellEdges);
    // at cell centres: the samples
    for (r, c) in [(0, 0), (1, 2), (2, 0)] {
        let (lon, lat) = centre(r, c);
        assert!(close(dem.height_m(lon, lat), plane(r, c)), "({r}, {c})");
    }
    // between centres: the plane (bilinear is exact on it)
    let (lon, lat) = centre(0, 1);
    let (lon, lat) = (lon + 0.3 * CELL, lat - 0.6 * CELL);
    let want = 100.0 + 2.0 * 1.3 - 10.0 * 0.6;
    assert!(close(dem.height_m(lon, lat), want));
    // the outer half cell holds the edge sample: west of the first centre
    assert!(close(dem.height_m(105.001, centre(1, 0).1), plane(1, 0)));
    // nodata: every point whose four samples include (2, 3)
    let (lon, lat) = centre(2, 3);
    assert_eq!(dem.height_m(lon, lat), None);
    assert_eq!(dem.height_m(lon - 0.5 * CELL, lat + 0.5 * CELL), None);
    // but not one on the column west of it, on the row above
    let (lon, lat) = centre(1, 2);
    assert!(close(dem.height_m(lon, lat), plane(1, 2)));
    // outside
    assert_eq!(dem.height_m(104.999, 10.01), None);
    assert_eq!(dem.height_m(105.02, 10.031), None);
}

#[test]
fn int16_geotiff_voids_without_the_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("terrain.tif");
    // a delta below sea level in places: −5 m is a height, −32768 a void
    let mut data: Vec<i16> = vec![-5; (W * H) as usize];
    data[0] = i16::MIN;
    data[5] = 3;
    write_tif!(&path, colortype::GrayI16, &data, &area(None));
    let dem = read_dem(&path).unwrap();
    let (lon, lat) = centre(0, 0);
    assert_eq!(dem.height_m(lon, lat), None);
    assert!(close(dem.height_m(centre(2, 3).0, centre(2, 3).1), -5.0));
    assert!(close(dem.height_m(centre(1, 1).0, centre(1, 1).1), 3.0));
}

#[test]
fn uint16_geotiff_pixel_is_point() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("terrain.tif");
    let data: Vec<u16> = plane_samples().iter().map(|v| *v as u16).collect();
    // the tie point is the first sample itself
    let g = Georef {
        lon: 105.005,
        lat: 10.025,
        cell: CELL,
        raster_type: 2,
        nodata: Some("0"),
        model_type: 2,
    };
    write_tif!(&path, colortype::Gray16, &data, &g);
    let dem = read_dem_geotiff(&path).unwrap();
    for (r, c) in [(0, 0), (2, 3), (1, 1)] {
        let (lon, lat) = centre(r, c);
        assert!(close(dem.height_m(lon, lat), plane(r, c)), "({r}, {c})");
    }
}

#[test]
fn geotiff_refusals_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("terrain.tif");
    let mut g = area(None);
    g.model_type = 1;
    write_tif!(&path, colortype::Gray32Float, &plane_samples(), &g);
    let e = read_dem_geotiff(&path).unwrap_err().to_string();
    assert!(
        e.contains("terrain.tif") && e.contains("projected CRS"),
        "{e}"
    );

    std::fs::write(&path, b"not a tiff").unwrap();
    let e = read_dem_geotiff(&path).unwrap_err().to_string();
    assert!(e.contains("terrain.tif"), "{e}");
    let e = read_dem_geotiff(tmp.path().join("missing.tif")).unwrap_err();
    assert!(matches!(e, telecov::Error::Io { .. }), "{e}");
}

#[test]
fn an_absurd_geotiff_is_refused_from_its_header() {
    // a little-endian TIFF header claiming 100000 × 100000 Float32 pixels,
    // with no pixel data at all
    let mut b: Vec<u8> = b"II*\0".to_vec();
    b.extend_from_slice(&8u32.to_le_bytes());
    // (tag, type, value): type 3 SHORT, 4 LONG
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
    let path = tmp.path().join("terrain.tif");
    std::fs::write(&path, &b).unwrap();
    let err = read_dem_geotiff(&path).unwrap_err();
    assert!(matches!(err, telecov::Error::TooLarge(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("terrain.tif") && msg.contains("10000000000 cells"),
        "{msg}"
    );
}

/// Writes an SRTM tile of `side` × `side` samples whose heights are
/// `f(lon, lat)` at the sample points; `void` samples (row, col) get
/// −32768.
fn write_hgt(
    path: &Path,
    south: i32,
    west: i32,
    side: usize,
    f: impl Fn(f64, f64) -> i16,
    void: &[(usize, usize)],
) {
    let step = 1.0 / (side - 1) as f64;
    let mut bytes = Vec::with_capacity(side * side * 2);
    for r in 0..side {
        for c in 0..side {
            let lon = f64::from(west) + c as f64 * step;
            let lat = f64::from(south) + 1.0 - r as f64 * step;
            let v = if void.contains(&(r, c)) {
                i16::MIN
            } else {
                f(lon, lat)
            };
            bytes.extend_from_slice(&v.to_be_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// A plane over two 3″ tiles: 1 m per sample eastward, 2 m per sample
/// northward, from the south-west corner (105° E, 10° N).
fn plane_3s(lon: f64, lat: f64) -> f64 {
    1200.0 * (lon - 105.0) + 2400.0 * (lat - 10.0)
}

#[test]
fn hgt_tiles_meet_at_their_seam() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terrain");
    std::fs::create_dir(&dir).unwrap();
    let f = |lon: f64, lat: f64| plane_3s(lon, lat).round() as i16;
    write_hgt(&dir.join("N10E105.hgt"), 10, 105, 1201, f, &[]);
    // a void in the east tile, 10 samples east and 10 south of its corner
    write_hgt(
        &dir.join("N10E106.SRTMGL3.hgt"),
        10,
        106,
        1201,
        f,
        &[(10, 10)],
    );
    std::fs::write(dir.join("README.txt"), "ignored").unwrap();
    let dem = read_hgt_folder(&dir).unwrap();
    assert_eq!(dem.grids().len(), 2);
    assert_eq!(dem.grids()[0].layout().extent, DemExtent::SampleHull);
    let b = dem.bounds();
    assert_eq!(
        (b.min().x, b.min().y, b.max().x, b.max().y),
        (105.0, 10.0, 107.0, 11.0)
    );
    let step = 1.0 / 1200.0;
    assert_eq!(dem.cell_size_deg(), (step, step));
    // the plane everywhere, across the seam at 106° E and on it
    for (lon, lat) in [
        (105.0, 10.0),
        (105.3333, 10.777),
        (106.0 - step / 3.0, 10.5 + step / 7.0),
        (106.0, 10.5 + step / 7.0),
        (106.0 + step / 3.0, 10.5 + step / 7.0),
        (106.0, 11.0),
        (106.9, 10.001),
        (107.0, 10.0),
    ] {
        let got = dem.height_m(lon, lat);
        assert!(close(got, plane_3s(lon, lat)), "({lon}, {lat}): {got:?}");
    }
    // both tiles give the seam the same heights
    let lat = 10.4321;
    let west_tile = dem.grids()[0].height_m(106.0, lat).unwrap();
    let east_tile = dem.grids()[1].height_m(106.0, lat).unwrap();
    assert!((west_tile - east_tile).abs() < 1e-9);
    // the void and the cells around it
    let (vlon, vlat) = (106.0 + 10.0 * step, 11.0 - 10.0 * step);
    assert_eq!(dem.height_m(vlon, vlat), None);
    assert_eq!(dem.height_m(vlon - step / 2.0, vlat + step / 2.0), None);
    let west = vlon - 1.5 * step;
    assert!(close(dem.height_m(west, vlat), plane_3s(west, vlat)));
    // outside the tiles
    assert_eq!(dem.height_m(105.5, 11.2), None);
    assert_eq!(dem.height_m(104.99, 10.5), None);
}

#[test]
fn one_arc_second_tile() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("S01W061.hgt");
    // south-west corner 1° S, 61° W: covers −1…0° N, −61…−60° E
    // 1 m per sample eastward, 2 m per sample northward
    let f = |lon: f64, lat: f64| (3600.0 * (lon + 61.0) + 7200.0 * (lat + 1.0)).round() as i16;
    write_hgt(&path, -1, -61, 3601, f, &[]);
    let grid = read_hgt(&path).unwrap();
    assert_eq!((grid.layout().width, grid.layout().height), (3601, 3601));
    let step = 1.0 / 3600.0;
    assert!((grid.layout().step_lon_deg - step).abs() < 1e-15);
    assert!(close(grid.height_m(-60.5, -0.25), 1800.0 + 5400.0));
    let (lon, lat) = (-60.123_456, -0.654_321);
    let want = 3600.0 * (lon + 61.0) + 7200.0 * (lat + 1.0);
    assert!(close(grid.height_m(lon, lat), want));
    let dem = read_dem(&path).unwrap();
    assert!(close(dem.height_m(-61.0, -1.0), 0.0));
    assert!(close(dem.height_m(-60.0, 0.0), 10_800.0));
    assert_eq!(dem.height_m(-60.0, 0.001), None);
}

#[test]
fn hgt_refusals_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // a name that is no tile's
    std::fs::write(dir.join("terrain.hgt"), vec![0u8; 1201 * 1201 * 2]).unwrap();
    let e = read_hgt(dir.join("terrain.hgt")).unwrap_err().to_string();
    assert!(e.contains("terrain.hgt") && e.contains("N10E105"), "{e}");
    // a size that is no tile's
    std::fs::write(dir.join("N10E105.hgt"), vec![0u8; 1000]).unwrap();
    let e = read_hgt(dir.join("N10E105.hgt")).unwrap_err().to_string();
    assert!(e.contains("N10E105.hgt") && e.contains("1000 bytes"), "{e}");

    // folders: empty, compressed tile, the same tile twice
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = read_hgt_folder(&empty).unwrap_err().to_string();
    assert!(e.contains("empty") && e.contains("no SRTM tile"), "{e}");
    let zipped = dir.join("zipped");
    std::fs::create_dir(&zipped).unwrap();
    std::fs::write(zipped.join("N10E105.SRTMGL1.hgt.zip"), b"PK").unwrap();
    let e = read_hgt_folder(&zipped).unwrap_err().to_string();
    assert!(
        e.contains("N10E105.SRTMGL1.hgt.zip") && e.contains("extract"),
        "{e}"
    );
    let twice = dir.join("twice");
    std::fs::create_dir(&twice).unwrap();
    let tile = vec![0u8; 1201 * 1201 * 2];
    std::fs::write(twice.join("N10E105.hgt"), &tile).unwrap();
    std::fs::write(twice.join("n10e105.hgt"), &tile).unwrap();
    let e = read_hgt_folder(&twice).unwrap_err().to_string();
    assert!(
        e.contains("N10E105.hgt") && e.contains("n10e105.hgt"),
        "{e}"
    );
}

#[test]
fn scenario_terrain_is_one_of_tif_or_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(read_scenario_dem(dir).unwrap().is_none());
    write_tif!(
        &dir.join("terrain.tif"),
        colortype::Gray32Float,
        &plane_samples(),
        &area(None)
    );
    let dem = read_scenario_dem(dir).unwrap().unwrap();
    let (lon, lat) = centre(1, 1);
    assert!(close(dem.height_m(lon, lat), plane(1, 1)));
    std::fs::create_dir(dir.join("terrain")).unwrap();
    let e = read_scenario_dem(dir).unwrap_err().to_string();
    assert!(e.contains("terrain.tif") && e.contains("terrain/"), "{e}");
}

#[test]
fn the_geotiff_writer_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    for extent in [DemExtent::CellEdges, DemExtent::SampleHull] {
        let layout = DemLayout {
            width: 5,
            height: 4,
            first_lon_deg: 105.1,
            first_lat_deg: 10.2,
            step_lon_deg: 0.001,
            step_lat_deg: 0.002,
            extent,
        };
        let mut heights: Vec<f32> = (0..20).map(|i| i as f32 * 1.25 - 5.0).collect();
        heights[7] = f32::NAN;
        let grid = DemGrid::new(layout, heights.clone()).unwrap();
        let path = tmp.path().join("terrain.tif");
        write_dem_geotiff(&path, &grid).unwrap();
        let back = read_dem_geotiff(&path).unwrap();
        let g = &back.grids()[0];
        let l = g.layout();
        assert_eq!((l.width, l.height), (5, 4));
        assert!((l.first_lon_deg - 105.1).abs() < 1e-12, "{extent:?}");
        assert!((l.first_lat_deg - 10.2).abs() < 1e-12, "{extent:?}");
        assert_eq!((l.step_lon_deg, l.step_lat_deg), (0.001, 0.002));
        for (i, h) in heights.iter().enumerate() {
            let (r, c) = (i / 5, i % 5);
            if h.is_nan() {
                assert_eq!(g.sample(r, c), None);
            } else {
                assert_eq!(g.sample(r, c), Some(f64::from(*h)));
            }
        }
    }
}
