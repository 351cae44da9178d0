//! Builders shared by the integration tests, on the model's constructors:
//!
//! - geometry in WGS 84 degrees: closed rectangular rings and rectangles
//!   from their bounds, squares around a point by half-side in degrees or
//!   by side in metres (geodesic);
//! - omni sites and scenarios at a given resolution;
//! - the geodesic area of a commune (`geo`, independent of telecov).
//!
//! A test file uses them with `mod common;`. Builders used by one file
//! only (a commune with that file's people, its layouts) stay in the file.

// Each test binary compiles this module on its own and uses only some of
// it; the rest would be reported as dead code in every one of them.
#![allow(dead_code)]

use geo::{Destination, Geodesic, GeodesicArea, LineString, MultiPolygon, Point, Polygon};
use telecov::model::{Commune, FeatureId, Parameters, Scenario, Site, TechSet};

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
