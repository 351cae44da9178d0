//! Signal rasters as GeoTIFF: read back through the `tiff` decoder for the
//! pixels and through a TIFF directory parser written here for the
//! georeferencing tags, then checked against the scenario: the pixel
//! holding a site is served by it at the signal mode's level, pixels
//! outside every commune are nodata, the grid is one grid across the
//! antimeridian, results do not depend on the number of threads, and
//! absurd grids are refused before anything is allocated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use geo::{Contains, Distance, Geodesic, Intersects, Point};
use telecov::engine::raster::{signal_raster, SignalRaster};
use telecov::engine::signal::{evaluate_signal, SignalOptions};
use telecov::io::write::{write_signal_rasters, FLOAT_NODATA, SITE_NODATA, SITE_NO_SERVER};
use telecov::model::{Commune, PopulationPoint, Scenario, Technology};
use telecov::synth::{generate, CityConfig};
use telecov::Error;
use tiff::decoder::{Decoder, DecodingResult};

// ---------------------------------------------------------------------
// the largest allocation made by the current thread, for the refusal test

struct Tracking;

thread_local! {
    static TRACK: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = TRACK.try_with(|t| {
            if t.get() {
                let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
            }
        });
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = TRACK.try_with(|t| {
            if t.get() {
                let _ = LARGEST.try_with(|l| l.set(l.get().max(new_size)));
            }
        });
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f`, returning its result and the largest single allocation it made
/// on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    TRACK.with(|t| t.set(true));
    let out = f();
    TRACK.with(|t| t.set(false));
    (out, LARGEST.with(Cell::get))
}

// ---------------------------------------------------------------------
// a TIFF directory parser (classic TIFF, either byte order)

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Short(Vec<u16>),
    Long(Vec<u32>),
    Double(Vec<f64>),
    Ascii(String),
    Other(u16),
}

/// The entries of the first image directory of a TIFF file, by tag.
fn first_ifd(bytes: &[u8]) -> BTreeMap<u16, Value> {
    let little = match &bytes[0..2] {
        b"II" => true,
        b"MM" => false,
        other => panic!("not a TIFF byte order: {other:?}"),
    };
    let u16_at = |o: usize| {
        let b = [bytes[o], bytes[o + 1]];
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let u32_at = |o: usize| {
        let b = [bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]];
        if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let f64_at = |o: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[o..o + 8]);
        if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        }
    };
    assert_eq!(u16_at(2), 42, "classic TIFF");
    let ifd = u32_at(4) as usize;
    let n = u16_at(ifd) as usize;
    let mut out = BTreeMap::new();
    for e in 0..n {
        let at = ifd + 2 + 12 * e;
        let (tag, ty, count) = (u16_at(at), u16_at(at + 2), u32_at(at + 4) as usize);
        let size = match ty {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 0,
        };
        let data = if size * count <= 4 {
            at + 8
        } else {
            u32_at(at + 8) as usize
        };
        let value = match ty {
            2 => Value::Ascii(
                String::from_utf8(bytes[data..data + count].to_vec())
                    .unwrap()
                    .trim_end_matches('\0')
                    .to_owned(),
            ),
            3 => Value::Short((0..count).map(|k| u16_at(data + 2 * k)).collect()),
            4 => Value::Long((0..count).map(|k| u32_at(data + 4 * k)).collect()),
            12 => Value::Double((0..count).map(|k| f64_at(data + 8 * k)).collect()),
            other => Value::Other(other),
        };
        out.insert(tag, value);
    }
    out
}

fn number(v: &Value) -> u64 {
    match v {
        Value::Short(s) if s.len() == 1 => s[0].into(),
        Value::Long(l) if l.len() == 1 => l[0].into(),
        other => panic!("not a single integer: {other:?}"),
    }
}

/// A north-up lon/lat grid read from the tags.
#[derive(Debug, Clone, Copy)]
struct Grid {
    width: usize,
    height: usize,
    west: f64,
    north: f64,
    pw: f64,
    ph: f64,
}

impl Grid {
    fn pixel_of(&self, lon: f64, lat: f64) -> Option<usize> {
        let col = ((lon - self.west) / self.pw).floor();
        let row = ((self.north - lat) / self.ph).floor();
        (col >= 0.0 && row >= 0.0 && (col as usize) < self.width && (row as usize) < self.height)
            .then(|| row as usize * self.width + col as usize)
    }

    fn centre(&self, k: usize) -> Point<f64> {
        let (row, col) = (k / self.width, k % self.width);
        Point::new(
            self.west + (col as f64 + 0.5) * self.pw,
            self.north - (row as f64 + 0.5) * self.ph,
        )
    }
}

/// Checks the GeoTIFF tags of `path` by hand (WGS 84, PixelIsArea, sample
/// format) and returns its grid and its GDAL_NODATA text.
fn georeferencing(path: &Path, sample_format: u64) -> (Grid, String) {
    let bytes = std::fs::read(path).unwrap();
    let tags = first_ifd(&bytes);
    let width = number(&tags[&256]) as usize;
    let height = number(&tags[&257]) as usize;
    assert_eq!(number(&tags[&277]), 1, "one band");
    assert_eq!(number(&tags[&258]), 32, "32 bits");
    assert_eq!(number(&tags[&339]), sample_format, "SampleFormat");
    let Value::Double(scale) = &tags[&33550] else {
        panic!("ModelPixelScaleTag: {:?}", tags.get(&33550));
    };
    let Value::Double(tie) = &tags[&33922] else {
        panic!("ModelTiepointTag: {:?}", tags.get(&33922));
    };
    let Value::Short(keys) = &tags[&34735] else {
        panic!("GeoKeyDirectoryTag: {:?}", tags.get(&34735));
    };
    let Value::Ascii(nodata) = &tags[&42113] else {
        panic!("GDAL_NODATA: {:?}", tags.get(&42113));
    };
    assert_eq!(scale.len(), 3);
    assert!(scale[0] > 0.0 && scale[1] > 0.0);
    assert_eq!(tie.len(), 6);
    // header: version 1, revision 1.0, then the keys
    assert_eq!(&keys[..3], &[1, 1, 0]);
    let n = keys[3] as usize;
    assert_eq!(keys.len(), 4 + 4 * n);
    let mut geokeys = BTreeMap::new();
    for k in keys[4..].chunks_exact(4) {
        assert_eq!(k[1], 0, "key {} stored in the directory itself", k[0]);
        assert_eq!(k[2], 1);
        geokeys.insert(k[0], k[3]);
    }
    assert_eq!(geokeys.get(&1024), Some(&2), "GTModelTypeGeoKey geographic");
    assert_eq!(
        geokeys.get(&1025),
        Some(&1),
        "GTRasterTypeGeoKey PixelIsArea"
    );
    assert_eq!(
        geokeys.get(&2048),
        Some(&4326),
        "GeographicTypeGeoKey WGS 84"
    );
    // tie point (I, J) ↦ (X, Y): the corner of pixel (0, 0)
    let grid = Grid {
        width,
        height,
        west: tie[3] - tie[0] * scale[0],
        north: tie[4] + tie[1] * scale[1],
        pw: scale[0],
        ph: scale[1],
    };
    (grid, nodata.clone())
}

fn decode(path: &Path) -> DecodingResult {
    let mut d = Decoder::new(BufReader::new(File::open(path).unwrap())).unwrap();
    d.read_image().unwrap()
}

// ---------------------------------------------------------------------

/// A small synthetic city without one inner commune (a hole of nodata),
/// and the commune taken out.
fn city_with_hole() -> (Scenario, Commune) {
    let mut s = generate(&CityConfig {
        area_km2: 60.0,
        sites: 40,
        five_g_sites: 4,
        ..CityConfig::can_tho()
    });
    // the commune nearest the middle of the city goes
    let all = s
        .communes
        .iter()
        .filter_map(|c| geo::BoundingRect::bounding_rect(c.geometry.as_ref()?))
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
        .unwrap();
    let middle = Point::from(all.center());
    let hole = s
        .communes
        .iter()
        .position(|c| c.geometry.as_ref().is_some_and(|g| g.contains(&middle)))
        .expect("a commune holds the middle of the city");
    // its sites stay (they serve the neighbours)
    let removed = s.communes.remove(hole);
    (s, removed)
}

fn sinr_options() -> SignalOptions {
    SignalOptions {
        sinr_technology: Some(Technology::G4),
        ..SignalOptions::default()
    }
}

fn write(scenario: &Scenario, raster: &SignalRaster, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let written = write_signal_rasters(dir.path(), scenario, raster).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "signal_level_4G.tif",
            "sinr_4G.tif",
            "best_server_4G.tif",
            "best_server_4G_sites.csv"
        ],
        "{name}"
    );
    let path = dir.path().to_path_buf();
    (dir, path)
}

/// What the signal mode gives one person standing at `at`: (level dBm,
/// SINR dB).
fn signal_at(scenario: &Scenario, at: Point<f64>) -> (f64, f64) {
    let mut s = scenario.clone();
    s.population = Some(vec![PopulationPoint {
        location: Some(at),
        population: 1.0,
        households: 0.0,
    }]);
    let report = evaluate_signal(&s, &sinr_options()).unwrap();
    assert_eq!(report.unassigned_population, 0.0);
    let c = report
        .communes
        .iter()
        .position(|c| c.figures.population > 0.0)
        .unwrap();
    let level = report.communes[c].figures.layers.g4.mean_level_dbm.unwrap();
    let sinr = report.totals.sinr.as_ref().unwrap().mean_sinr_db.unwrap();
    (level, sinr)
}

#[test]
fn pixels_holding_sites_are_served_by_them_at_the_signal_mode_level() {
    let (scenario, _) = city_with_hole();
    let raster = signal_raster(&scenario, &sinr_options(), Technology::G4, 50.0).unwrap();
    let (_dir, out) = write(&scenario, &raster, "4G");

    let (grid, nodata) = georeferencing(&out.join("signal_level_4G.tif"), 3);
    assert_eq!(nodata.parse::<f32>().unwrap(), FLOAT_NODATA);
    let (grid_sinr, _) = georeferencing(&out.join("sinr_4G.tif"), 3);
    let (grid_site, site_nodata) = georeferencing(&out.join("best_server_4G.tif"), 2);
    assert_eq!(site_nodata.parse::<i32>().unwrap(), SITE_NODATA);
    for g in [grid_sinr, grid_site] {
        assert_eq!(
            (g.width, g.height, g.west, g.north, g.pw, g.ph),
            (
                grid.width,
                grid.height,
                grid.west,
                grid.north,
                grid.pw,
                grid.ph
            )
        );
    }
    // pixels about 50 m square on the ground
    let c = grid.centre(grid.width * (grid.height / 2) + grid.width / 2);
    let east = Point::new(c.x() + grid.pw, c.y());
    let north = Point::new(c.x(), c.y() + grid.ph);
    assert!((Geodesic.distance(c, east) - 50.0).abs() < 0.1);
    assert!((Geodesic.distance(c, north) - 50.0).abs() < 0.1);

    let DecodingResult::F32(level) = decode(&out.join("signal_level_4G.tif")) else {
        panic!("level raster is not Float32");
    };
    let DecodingResult::F32(sinr) = decode(&out.join("sinr_4G.tif")) else {
        panic!("SINR raster is not Float32");
    };
    let DecodingResult::I32(site) = decode(&out.join("best_server_4G.tif")) else {
        panic!("site raster is not Int32");
    };
    assert_eq!(level.len(), grid.width * grid.height);

    // the sites table maps raster values to ids
    let table = std::fs::read_to_string(out.join("best_server_4G_sites.csv")).unwrap();
    let mut lines = table.lines();
    assert_eq!(
        lines.next(),
        Some("index,site_id,operator,longitude,latitude")
    );
    let ids: BTreeMap<usize, String> = lines
        .map(|l| {
            let mut f = l.split(',');
            (
                f.next().unwrap().parse().unwrap(),
                f.next().unwrap().to_owned(),
            )
        })
        .collect();

    // sites carrying 4G, inside a commune, with no other 4G site within
    // 300 m (six pixels)
    let lte: Vec<usize> = (0..scenario.sites.len())
        .filter(|&i| scenario.sites[i].technologies.contains(Technology::G4))
        .collect();
    let lonely: Vec<usize> = lte
        .iter()
        .copied()
        .filter(|&i| {
            let p = scenario.sites[i].location;
            lte.iter()
                .all(|&j| j == i || Geodesic.distance(p, scenario.sites[j].location) > 300.0)
        })
        .filter(|&i| {
            let p = scenario.sites[i].location;
            scenario
                .communes
                .iter()
                .any(|c| c.geometry.as_ref().is_some_and(|g| g.contains(&p)))
        })
        .collect();
    let mut checked = 0;
    for (n, &i) in lonely.iter().enumerate() {
        let s = &scenario.sites[i];
        let k = grid.pixel_of(s.location.x(), s.location.y()).unwrap();
        if site[k] == SITE_NODATA {
            continue; // the pixel's centre is in no commune
        }
        assert_eq!(site[k], i as i32, "site {} ({i})", s.id);
        assert_eq!(ids.get(&i), Some(&s.id.key()));
        checked += 1;
        if n >= 6 {
            continue; // the signal mode at a few of them is enough
        }
        let (want_level, want_sinr) = signal_at(&scenario, grid.centre(k));
        assert!(
            (f64::from(level[k]) - want_level).abs() < 0.01,
            "site {}: raster {} dBm, signal mode {want_level} dBm",
            s.id,
            level[k]
        );
        assert!(
            (f64::from(sinr[k]) - want_sinr).abs() < 0.01,
            "site {}: raster {} dB, signal mode {want_sinr} dB",
            s.id,
            sinr[k]
        );
    }
    assert!(checked >= 10, "only {checked} sites checked");

    // the engine's data and the file agree everywhere
    for k in 0..level.len() {
        let want = match raster.site[k] {
            telecov::engine::raster::OUTSIDE => SITE_NODATA,
            telecov::engine::raster::NO_SERVER => SITE_NO_SERVER,
            s => s as i32,
        };
        assert_eq!(site[k], want);
        let l = raster.level_dbm[k];
        assert_eq!(level[k], if l.is_nan() { FLOAT_NODATA } else { l });
    }
}

#[test]
fn pixels_outside_every_commune_are_nodata() {
    let (scenario, removed) = city_with_hole();
    let raster = signal_raster(&scenario, &sinr_options(), Technology::G4, 120.0).unwrap();
    let (_dir, out) = write(&scenario, &raster, "4G");
    let (grid, _) = georeferencing(&out.join("best_server_4G.tif"), 2);
    let DecodingResult::I32(site) = decode(&out.join("best_server_4G.tif")) else {
        panic!("site raster is not Int32");
    };
    let DecodingResult::F32(level) = decode(&out.join("signal_level_4G.tif")) else {
        panic!("level raster is not Float32");
    };
    let DecodingResult::F32(sinr) = decode(&out.join("sinr_4G.tif")) else {
        panic!("SINR raster is not Float32");
    };
    let (mut inside, mut outside) = (0, 0);
    for k in 0..site.len() {
        let p = grid.centre(k);
        let geometries = || scenario.communes.iter().filter_map(|c| c.geometry.as_ref());
        if geometries().any(|g| g.contains(&p)) {
            inside += 1;
            assert_ne!(site[k], SITE_NODATA, "pixel {k} at {p:?} is in a commune");
            assert!(site[k] >= SITE_NO_SERVER);
            assert_eq!(site[k] >= 0, level[k] != FLOAT_NODATA);
            assert_eq!(site[k] >= 0, sinr[k] != FLOAT_NODATA);
        } else if !geometries().any(|g| g.intersects(&p)) {
            outside += 1;
            assert_eq!(site[k], SITE_NODATA, "pixel {k} at {p:?} is in no commune");
            assert_eq!(level[k], FLOAT_NODATA);
            assert_eq!(sinr[k], FLOAT_NODATA);
        }
    }
    assert!(inside > 1000 && outside > 10, "{inside} in, {outside} out");

    // the commune taken out left nodata where it stood
    let hole = removed.geometry.as_ref().unwrap();
    let in_hole = (0..site.len())
        .filter(|&k| hole.contains(&grid.centre(k)))
        .inspect(|&k| assert_eq!(site[k], SITE_NODATA))
        .count();
    assert!(in_hole > 10, "{in_hole} pixels in the hole");

    // the same pixels, bit for bit, on one thread
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| signal_raster(&scenario, &sinr_options(), Technology::G4, 120.0))
        .unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
    assert_eq!(one.site, raster.site);
    assert_eq!(bits(&one.level_dbm), bits(&raster.level_dbm));
    assert_eq!(
        bits(one.sinr_db.as_ref().unwrap()),
        bits(raster.sinr_db.as_ref().unwrap())
    );
}

#[test]
fn absurd_grids_are_refused_before_any_allocation() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let scenario = telecov::io::load_scenario(&demo).unwrap();
    let options = SignalOptions::default();
    for res in [0.001, 1e-300, f64::MIN_POSITIVE] {
        let t0 = std::time::Instant::now();
        let (result, largest) =
            largest_allocation(|| signal_raster(&scenario, &options, Technology::G4, res));
        match result {
            Err(Error::TooLarge(msg)) => {
                assert!(msg.contains("WGS 84 signal raster"), "{msg}");
                assert!(msg.contains("SignalOptions::max_demand_points"), "{msg}");
                assert!(msg.contains("use resolution_m = "), "{msg}");
            }
            other => panic!("resolution_m = {res}: {other:?}"),
        }
        // nothing near the size of the grid was asked for, and no index built
        assert!(largest < 64 << 20, "largest allocation {largest} bytes");
        assert!(t0.elapsed().as_secs_f64() < 5.0);
    }
    let msg = signal_raster(&scenario, &options, Technology::G4, 0.001)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("resolution_m = 0.001"), "{msg}");
    // a grid beyond a lower limit, with the resolution that would fit
    let small = SignalOptions {
        max_demand_points: 10_000,
        ..SignalOptions::default()
    };
    let msg = signal_raster(&scenario, &small, Technology::G4, 200.0)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("limit of 10000"), "{msg}");
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            signal_raster(&scenario, &options, Technology::G4, bad),
            Err(Error::Parameter {
                name: "resolution_m",
                ..
            })
        ));
    }
}

/// Two communes either side of 180°: one grid from 179.9° E eastwards,
/// its west edge in [−180, 180), each site in the pixel it serves.
#[test]
fn a_grid_across_the_antimeridian_is_one_grid() {
    use geo::{LineString, MultiPolygon, Polygon};
    use telecov::model::{FeatureId, Parameters, Site, SiteRange, DEFAULT_HEIGHT_M};
    let rect = |id: i64, w: f64, e: f64| Commune {
        id: FeatureId::Int(id),
        name: None,
        district: None,
        kind: None,
        population: Some(1_000.0),
        households: Some(250.0),
        geometry: Some(MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (w, -16.1),
                (e, -16.1),
                (e, -16.0),
                (w, -16.0),
                (w, -16.1),
            ]),
            vec![],
        )])),
    };
    let site = |id: i64, lon: f64| Site {
        id: FeatureId::Int(id),
        operator: None,
        technologies: [Technology::G4].into_iter().collect(),
        height_m: DEFAULT_HEIGHT_M,
        range_m: SiteRange::All(3_000.0),
        sectors: vec![],
        radio: Default::default(),
        location: Point::new(lon, -16.05),
    };
    let scenario = Scenario {
        communes: vec![rect(1, 179.9, 180.0), rect(2, -180.0, -179.9)],
        sites: vec![site(1, 179.95), site(2, -179.95)],
        parameters: Parameters {
            resolution_m: 200.0,
            ..Parameters::default()
        },
        ..Scenario::default()
    };
    let raster = signal_raster(&scenario, &sinr_options(), Technology::G4, 200.0).unwrap();
    let g = raster.transform;
    assert!((g.west_lon_deg - 179.9).abs() < 1e-9, "{g:?}");
    let east_edge = g.west_lon_deg + raster.width as f64 * g.pixel_width_deg;
    assert!((180.1..180.11).contains(&east_edge), "{east_edge}");
    // both communes fill the box: every pixel centred in it is inside one
    for row in 0..raster.height {
        for col in 0..raster.width {
            let (lon, lat) = g.pixel_centre(row, col);
            if lon < 180.1 && lat > -16.1 {
                assert!(raster.pixel(row, col).is_some(), "{lon} {lat}");
            }
        }
    }
    let (_dir, out) = write(&scenario, &raster, "antimeridian");
    let (grid, _) = georeferencing(&out.join("best_server_4G.tif"), 2);
    let DecodingResult::I32(served) = decode(&out.join("best_server_4G.tif")) else {
        panic!("site raster is not Int32");
    };
    for (i, s) in scenario.sites.iter().enumerate() {
        let (row, col) = raster
            .pixel_at(s.location.x(), s.location.y())
            .expect("the site is on the grid");
        assert_eq!(raster.pixel(row, col).unwrap().site, Some(i));
        // the file, read with continuous longitudes
        let lon = if s.location.x() < grid.west {
            s.location.x() + 360.0
        } else {
            s.location.x()
        };
        let k = grid.pixel_of(lon, s.location.y()).unwrap();
        assert_eq!(k, row * grid.width + col);
        assert_eq!(served[k], i as i32);
    }
}
