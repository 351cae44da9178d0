//! `communes.geojson`: the commune polygons with the report's figures.

use std::path::Path;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use super::geojson_kit::{write_features, Geom};
use super::{num, pct2};
use crate::model::{Scenario, Technology};
use crate::report::{CommuneReport, Report};
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
        .map(|(commune, row)| Feature {
            bbox: None,
            geometry: commune
                .geometry
                .as_ref()
                .map(|g| Geometry::new(geojson::GeometryValue::from(g))),
            id: None,
            properties: Some(commune_properties(row)),
            foreign_members: None,
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// The properties of a commune's feature (see [`communes_map`]).
fn commune_properties(row: &CommuneReport) -> JsonObject {
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
    properties
}

/// Writes [`communes_map`] to `path`.
pub fn write_communes_map(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
) -> Result<()> {
    let features = scenario
        .communes
        .iter()
        .zip(&report.communes)
        .map(|(c, row)| {
            (
                c.geometry.as_ref().map(Geom::MultiPolygon),
                commune_properties(row),
            )
        });
    write_features(path.as_ref(), features)
}
