//! `communes.geojson`: the commune polygons with the report's figures.

use std::path::Path;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use super::{num, pct2, write_atomic};
use crate::model::{Scenario, Technology};
use crate::report::Report;
use crate::Result;

/// The commune polygons (WGS 84) with the report's figures as properties:
/// every field of the commune's report entry, plus `pct_2G` … `pct_5G`,
/// `pct_mobile_broadband`, `pct_fiber` (households), `pct_wifi`, and
/// `population_uncovered_mobile_broadband`. Communes without geometry are
/// written with a null geometry.
pub fn communes_map(scenario: &Scenario, report: &Report) -> FeatureCollection {
    let features = scenario
        .communes
        .iter()
        .zip(&report.communes)
        .map(|(commune, row)| {
            let mut properties = match serde_json::to_value(row) {
                Ok(JsonValue::Object(m)) => m,
                _ => JsonObject::new(),
            };
            for t in Technology::ALL {
                properties.insert(format!("pct_{t}"), pct2(row.population_covered_pct(t)));
            }
            properties.insert(
                "pct_mobile_broadband".into(),
                pct2(row.mobile_broadband_pct()),
            );
            properties.insert("pct_fiber".into(), pct2(row.fiber_pct()));
            properties.insert("pct_wifi".into(), pct2(row.wifi_pct()));
            properties.insert(
                "population_uncovered_mobile_broadband".into(),
                num(row.population - row.population_covered.mobile_broadband),
            );
            Feature {
                bbox: None,
                geometry: commune
                    .geometry
                    .as_ref()
                    .map(|g| Geometry::new(geojson::GeometryValue::from(g))),
                id: None,
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// Writes [`communes_map`] to `path`.
pub fn write_communes_map(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
) -> Result<()> {
    let fc = communes_map(scenario, report);
    write_atomic(path.as_ref(), fc.to_string().as_bytes())
}
