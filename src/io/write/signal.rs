//! `best_server.geojson` of the signal-level mode.

use std::path::Path;

use geo::Point;
use geojson::{JsonObject, JsonValue};

use super::geojson_kit::{write_features, Geom};
use super::{id_json, num};
use crate::engine::signal::BestServerPoint;
use crate::model::{Scenario, Technology};
use crate::Result;

/// Writes `points` as a GeoJSON FeatureCollection of points (atomically),
/// each with `commune` (id), `site` (serving site id or null), `level_dbm`,
/// `sinr_db` and `covered`; levels rounded to 0.1 dB.
pub fn write_best_server_map(
    path: &Path,
    scenario: &Scenario,
    technology: Technology,
    points: &[BestServerPoint],
) -> Result<()> {
    let round = |v: Option<f64>| v.map_or(JsonValue::Null, |v| num((v * 10.0).round() / 10.0));
    let located: Vec<Point<f64>> = points.iter().map(|p| Point::new(p.lon, p.lat)).collect();
    let features = points.iter().zip(&located).map(|(p, at)| {
        let mut props = JsonObject::new();
        props.insert("technology".into(), technology.as_str().into());
        props.insert("commune".into(), id_json(&scenario.communes[p.commune].id));
        props.insert(
            "site".into(),
            p.site
                .map_or(JsonValue::Null, |s| id_json(&scenario.sites[s].id)),
        );
        props.insert("level_dbm".into(), round(p.level_dbm));
        props.insert("sinr_db".into(), round(p.sinr_db));
        props.insert("covered".into(), p.covered.into());
        (Some(Geom::Point(at)), props)
    });
    write_features(path, features)
}
