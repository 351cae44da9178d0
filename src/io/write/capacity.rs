//! `capacity.json` and `sectors.geojson` of a capacity study
//! ([`crate::engine::capacity`]).
//!
//! `capacity.json`:
//!
//! ```text
//! {"sectors": [{"site_id", "sector", "operator", "technology", "served_people",
//!               "active_users", "load_mbps", "capacity_mbps", "utilisation",
//!               "mean_sinr_db", "mean_spectral_efficiency", "user_throughput_mbps"}],
//!  "communes": [{"id", "people", "people_within_capacity", "pct_within_capacity",
//!                "mean_user_throughput_mbps", "p10_user_throughput_mbps",
//!                "people_at_least_mbps": {"5": …, "10": …, "25": …}}],
//!  "totals": {same fields as a commune but "id"},
//!  "coverage_by_operator": {"union": {...}, "operators": [...]}}
//! ```
//!
//! `sector` is the index in the site's `sectors` array, `null` for an omni
//! site. Figures without a value (a sector serving nobody) are `null`.
//! `coverage_by_operator` appears only when sites name operators: people
//! covered (`2G` … `5G`, `mobile_broadband`) by each operator's sites alone,
//! in total and per commune, and by all sites together (`union`).
//!
//! `sectors.geojson`: one feature per sector with the fields of
//! `capacity.json`'s `sectors`; a sector is drawn as a wedge (its azimuth ±
//! half its beamwidth, out to its range-mode radius, 16 arcs steps), an
//! omni layer as the site's point.

use std::path::Path;

use geo::{Destination, Geodesic, LineString, Point, Polygon};
use geojson::{JsonObject, JsonValue};

use super::geojson_kit::{write_features, Geom};
use super::write_atomic;
use crate::engine::capacity::{CapacityReport, SectorCapacity};
use crate::model::Scenario;
use crate::{Error, Result};

/// Steps of a wedge's arc.
const ARC_STEPS: usize = 16;

/// `capacity.json` as bytes (pretty-printed).
pub fn capacity_json(report: &CapacityReport) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(report)
        .map_err(|e| Error::invalid(crate::error::Location::file("capacity.json"), e.to_string()))
}

/// Writes `capacity.json` into `out_dir` and `sectors.geojson` beside it
/// (atomically each).
pub fn write_capacity(out_dir: &Path, scenario: &Scenario, report: &CapacityReport) -> Result<()> {
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    write_atomic(&out_dir.join("capacity.json"), &capacity_json(report)?)?;
    write_sectors_map(&out_dir.join("sectors.geojson"), scenario, report)
}

/// The shape of one sector: a wedge, or the site's point.
enum Shape {
    Wedge(Polygon<f64>),
    Point(Point<f64>),
}

/// Writes `sectors.geojson` (see the module docs).
pub fn write_sectors_map(path: &Path, scenario: &Scenario, report: &CapacityReport) -> Result<()> {
    let shapes: Vec<Shape> = report
        .sectors
        .iter()
        .map(|s| sector_shape(scenario, s))
        .collect();
    let features = report.sectors.iter().zip(&shapes).map(|(s, shape)| {
        let props = match serde_json::to_value(s) {
            Ok(JsonValue::Object(o)) => o,
            _ => JsonObject::new(),
        };
        let geom = match shape {
            Shape::Wedge(p) => Geom::Polygon(p),
            Shape::Point(p) => Geom::Point(p),
        };
        (Some(geom), props)
    });
    write_features(path, features)
}

fn sector_shape(scenario: &Scenario, s: &SectorCapacity) -> Shape {
    let at = scenario.sites[s.site].location;
    match (s.wedge_deg, s.range_m) {
        (Some((azimuth, beamwidth)), Some(r)) if beamwidth < 360.0 && r > 0.0 => {
            let mut ring = vec![at.0];
            for i in 0..=ARC_STEPS {
                // counter-clockwise (RFC 7946): bearings decreasing
                let bearing = azimuth + beamwidth / 2.0 - beamwidth * i as f64 / ARC_STEPS as f64;
                let p = Geodesic.destination(at, bearing.rem_euclid(360.0), r);
                ring.push(p.0);
            }
            ring.push(at.0);
            Shape::Wedge(Polygon::new(LineString::new(ring), vec![]))
        }
        _ => Shape::Point(at),
    }
}
