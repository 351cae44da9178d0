//! `best_server.geojson` of the signal-level mode.

use std::path::Path;

use super::write_atomic;
use crate::engine::signal::BestServerPoint;
use crate::model::{FeatureId, Scenario, Technology};
use crate::{Error, Result};

/// Writes `points` as a GeoJSON FeatureCollection of points (atomically),
/// each with `commune` (id), `site` (serving site id or null), `level_dbm`,
/// `sinr_db` and `covered`; levels rounded to 0.1 dB.
pub fn write_best_server_map(
    path: &Path,
    scenario: &Scenario,
    technology: Technology,
    points: &[BestServerPoint],
) -> Result<()> {
    use serde_json::{json, Value};
    let round = |v: Option<f64>| v.map(|v| (v * 10.0).round() / 10.0);
    let id = |f: &FeatureId| match f {
        FeatureId::Int(i) => json!(i),
        FeatureId::Str(s) => json!(s),
    };
    let features: Vec<Value> = points
        .iter()
        .map(|p| {
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "technology": technology.as_str(),
                    "commune": id(&scenario.communes[p.commune].id),
                    "site": p.site.map(|s| id(&scenario.sites[s].id)),
                    "level_dbm": round(p.level_dbm),
                    "sinr_db": round(p.sinr_db),
                    "covered": p.covered,
                }
            })
        })
        .collect();
    let fc = json!({"type": "FeatureCollection", "features": features});
    let text = serde_json::to_vec(&fc).map_err(|e| Error::Internal(e.to_string()))?;
    write_atomic(path, &text)
}
