//! Builders shared by the integration tests, on the model's constructors:
//!
//! - geometry in WGS 84 degrees: closed rectangular rings and rectangles
//!   from their bounds, squares around a point by half-side in degrees or
//!   by side in metres (geodesic);
//! - omni sites and scenarios at a given resolution;
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
    Commune, FeatureId, FiberRoute, Parameters, Scenario, Sector, Site, TechSet, WifiPoint,
};

// ------------------------------------------------------------- geometry

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
