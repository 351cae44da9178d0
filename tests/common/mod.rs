//! Builders shared by the integration tests, on the model's constructors:
//!
//! - geometry in WGS 84 degrees: closed rectangular rings and rectangles
//!   from their bounds, squares around a point by half-side in degrees or
//!   by side in metres (geodesic);
//! - omni sites and scenarios at a given resolution;
//! - elevation grids from a height function, the box of a scenario's
//!   communes, the bundled demo over a synthetic mountain DEM (the
//!   terrain tests);
//! - a closure run on a pool of a given number of threads;
//! - the geodesic area of a commune (`geo`, independent of telecov);
//! - proptest strategies for random sites, fibre segments and wifi points
//!   scattered around a point.
//!
//! A test file uses them with `mod common;`. Builders used by one file
//! only (a commune with that file's people, its layouts) stay in the file.

// Each test binary compiles this module on its own and uses only some of
// it; the rest would be reported as dead code in every one of them.
#![allow(dead_code)]

use std::ops::Range;

use geo::{Destination, Geodesic, GeodesicArea, LineString, MultiPolygon, Point, Polygon};
use proptest::prelude::*;
use telecov::model::{
    Commune, Dem, DemExtent, DemGrid, DemLayout, FeatureId, FiberRoute, Parameters, Scenario,
    Sector, Site, TechSet, WifiPoint,
};

// ------------------------------------------------------------- geometry

/// The bounds `(w, s, e, n)` of every commune of `s` together, degrees.
pub fn communes_box(s: &Scenario) -> (f64, f64, f64, f64) {
    use geo::BoundingRect;
    let r = s
        .communes
        .iter()
        .filter_map(|c| c.geometry.as_ref()?.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        })
        .unwrap();
    (r.min().x, r.min().y, r.max().x, r.max().y)
}

// ------------------------------------------------------------- elevation

/// An elevation grid over `w..e × s..n` with `cell_deg` cells (cell
/// edges on the bounds), heights `f(lon, lat)` in metres.
pub fn dem_grid(
    w: f64,
    s: f64,
    e: f64,
    n: f64,
    cell_deg: f64,
    f: impl Fn(f64, f64) -> f64,
) -> DemGrid {
    let width = ((e - w) / cell_deg).ceil() as usize + 1;
    let height = ((n - s) / cell_deg).ceil() as usize + 1;
    let layout = DemLayout {
        width,
        height,
        first_lon_deg: w,
        first_lat_deg: n,
        step_lon_deg: cell_deg,
        step_lat_deg: cell_deg,
        extent: DemExtent::CellEdges,
    };
    let mut heights = Vec::with_capacity(width * height);
    for r in 0..height {
        for c in 0..width {
            heights.push(f(w + c as f64 * cell_deg, n - r as f64 * cell_deg) as f32);
        }
    }
    DemGrid::new(layout, heights).unwrap()
}

/// The bundled demo city (`data/demo`).
pub fn demo() -> Scenario {
    telecov::io::load_scenario(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo")).unwrap()
}

/// The demo over a fresh synthetic mountain DEM (3″ cells, seed 7, the
/// communes' box and 0.05° around): nothing shared between two calls.
pub fn demo_over_mountains() -> Scenario {
    let s = demo();
    let (w, so, e, n) = communes_box(&s);
    let grid = telecov::synth::dem::mountain_terrain(
        geo::Rect::new((w - 0.05, so - 0.05), (e + 0.05, n + 0.05)),
        3.0 / 3600.0,
        7,
    )
    .unwrap();
    s.with_terrain(Dem::from(grid))
}

/// `f` run on a pool of `threads` threads.
pub fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// The DEM of [`dem_grid`].
pub fn dem(w: f64, s: f64, e: f64, n: f64, cell_deg: f64, f: impl Fn(f64, f64) -> f64) -> Dem {
    Dem::from(dem_grid(w, s, e, n, cell_deg, f))
}

/// The closed ring of the rectangle `w`..`e` × `s`..`n` (degrees), counter-
/// clockwise from the south-west corner.
pub fn ring(w: f64, s: f64, e: f64, n: f64) -> LineString<f64> {
    LineString::from(vec![(w, s), (e, s), (e, n), (w, n), (w, s)])
}

/// The rectangle `w`..`e` × `s`..`n` (degrees) as a one-part multipolygon.
pub fn rect(w: f64, s: f64, e: f64, n: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(ring(w, s, e, n), vec![])])
}

/// The square of half-side `half_deg` degrees centred on `centre`.
pub fn square_deg(centre: Point<f64>, half_deg: f64) -> MultiPolygon<f64> {
    let (x, y) = (centre.x(), centre.y());
    rect(x - half_deg, y - half_deg, x + half_deg, y + half_deg)
}

/// The square centred on `centre` whose edges lie `side_m / 2` metres
/// (geodesic) north, south, east and west of it.
pub fn square_m(centre: Point<f64>, side_m: f64) -> MultiPolygon<f64> {
    let h = side_m / 2.0;
    let north = Geodesic.destination(centre, 0.0, h).y();
    let south = Geodesic.destination(centre, 180.0, h).y();
    let east = Geodesic.destination(centre, 90.0, h).x();
    let west = Geodesic.destination(centre, 270.0, h).x();
    rect(west, south, east, north)
}

/// Geodesic area of a commune's geometry, m² (`geo`, Karney's algorithm).
pub fn area_m2(c: &Commune) -> f64 {
    c.geometry
        .as_ref()
        .expect("a commune with a geometry")
        .geodesic_area_unsigned()
}

// ------------------------------------------------------ sites, scenarios

/// An omni site at `at` carrying `techs` with one radius `range_m` for all.
pub fn omni(
    id: impl Into<FeatureId>,
    at: impl Into<Point<f64>>,
    techs: impl Into<TechSet>,
    range_m: f64,
) -> Site {
    Site::new(id, at, techs).with_range_m(range_m)
}

/// `communes` and `sites` with default parameters but `resolution_m`.
pub fn scenario(communes: Vec<Commune>, sites: Vec<Site>, resolution_m: f64) -> Scenario {
    Scenario::new(communes)
        .with_sites(sites)
        .with_parameters(Parameters {
            resolution_m,
            ..Parameters::default()
        })
}

// ------------------------------------------------------------- proptest

/// A site with id `id` within ± `spread_deg` (longitude, latitude) of
/// `centre`: any non-empty set of technologies, one radius drawn from
/// `range_m`, and up to three sectors (any azimuth, beamwidth 10° to 360°,
/// half of them with their own radius from `sector_range_m`).
pub fn arb_site(
    id: i64,
    centre: Point<f64>,
    spread_deg: (f64, f64),
    range_m: Range<f64>,
    sector_range_m: Range<f64>,
) -> impl Strategy<Value = Site> {
    let (sx, sy) = spread_deg;
    (
        -sx..sx,
        -sy..sy,
        1u8..16,
        range_m,
        prop::collection::vec(
            (
                0.0f64..360.0,
                10.0f64..=360.0,
                prop::option::of(sector_range_m),
            ),
            0..4,
        ),
    )
        .prop_map(move |(dx, dy, bits, range_m, sectors)| {
            let at = (centre.x() + dx, centre.y() + dy);
            omni(id, at, TechSet::from_bits(bits), range_m).with_sectors(
                sectors
                    .into_iter()
                    .map(|(azimuth_deg, beamwidth_deg, range_m)| Sector {
                        azimuth_deg,
                        beamwidth_deg,
                        range_m,
                    })
                    .collect(),
            )
        })
}

/// `count` fibre routes (ids 0, 1, …), each one straight segment between
/// two points within ± `spread_deg` of `centre`.
pub fn arb_fibre(
    centre: Point<f64>,
    spread_deg: (f64, f64),
    count: Range<usize>,
) -> impl Strategy<Value = Vec<FiberRoute>> {
    let (sx, sy) = spread_deg;
    let (x, y) = (centre.x(), centre.y());
    prop::collection::vec((-sx..sx, -sy..sy, -sx..sx, -sy..sy), count).prop_map(move |segments| {
        segments
            .into_iter()
            .enumerate()
            .map(|(i, (x0, y0, x1, y1))| {
                FiberRoute::new(i as i64, vec![(x + x0, y + y0), (x + x1, y + y1)])
            })
            .collect()
    })
}

/// `count` wifi points (ids 0, 1, …) within ± `spread_deg` of `centre`,
/// each with a reach drawn from `range_m` (`None`: the scenario's).
pub fn arb_wifi(
    centre: Point<f64>,
    spread_deg: (f64, f64),
    range_m: impl Strategy<Value = Option<f64>>,
    count: Range<usize>,
) -> impl Strategy<Value = Vec<WifiPoint>> {
    let (sx, sy) = spread_deg;
    let (x, y) = (centre.x(), centre.y());
    prop::collection::vec((-sx..sx, -sy..sy, range_m), count).prop_map(move |points| {
        points
            .into_iter()
            .enumerate()
            .map(|(i, (dx, dy, range_m))| WifiPoint {
                range_m,
                ..WifiPoint::new(i as i64, (x + dx, y + dy))
            })
            .collect()
    })
}
