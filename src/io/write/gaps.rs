//! `gaps.geojson`: one Polygon / MultiPolygon feature per gap with `layer`,
//! `rank`, `population`, `households`, `area_km2`, `cells`, `commune_ids`,
//! `commune_names`, `nearest_m` and `nearest_id` (nearest site of the
//! layer, fibre route or wifi point; `nearest_kind` says which).

use std::path::Path;

use geojson::{FeatureCollection, GeometryValue, JsonObject, JsonValue};

use super::geojson_kit::{write_features_indexed, Geom};
use super::{collection, feature, id_json, num, round6};
use crate::model::{Layer, Scenario};
use crate::planning::{Gap, GapMap};
use crate::Result;

/// The gap map as GeoJSON (WGS 84), layer by layer, each by rank.
pub fn gaps_geojson(scenario: &Scenario, gaps: &GapMap) -> FeatureCollection {
    let features = gaps
        .gaps
        .iter()
        .map(|g| {
            let geometry = match g.geometry.0.as_slice() {
                [one] => GeometryValue::from(one),
                _ => GeometryValue::from(&g.geometry),
            };
            feature(Some(geometry), gap_properties(scenario, g))
        })
        .collect();
    collection(features)
}

/// The properties of a gap's feature (see the module docs).
fn gap_properties(scenario: &Scenario, g: &Gap) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("layer".into(), g.layer.as_str().into());
    p.insert("rank".into(), g.rank.into());
    p.insert("population".into(), round6(g.population));
    p.insert("households".into(), round6(g.households));
    p.insert("area_km2".into(), num((g.area_km2 * 1e6).round() / 1e6));
    p.insert("cells".into(), g.cells.into());
    p.insert(
        "commune_ids".into(),
        g.communes
            .iter()
            .map(|&c| id_json(&scenario.communes[c].id))
            .collect(),
    );
    p.insert(
        "commune_names".into(),
        g.communes
            .iter()
            .map(|&c| {
                scenario.communes[c]
                    .name
                    .clone()
                    .map_or(JsonValue::Null, JsonValue::String)
            })
            .collect(),
    );
    p.insert(
        "nearest_kind".into(),
        match g.layer {
            Layer::Fiber => "fiber_route",
            Layer::Wifi => "wifi_point",
            _ => "site",
        }
        .into(),
    );
    p.insert(
        "nearest_m".into(),
        g.nearest_m.map_or(JsonValue::Null, |d| num(d.round())),
    );
    p.insert(
        "nearest_id".into(),
        g.nearest_id.as_ref().map_or(JsonValue::Null, id_json),
    );
    p
}

/// Writes [`gaps_geojson`] to `path`.
pub fn write_gaps(path: impl AsRef<Path>, scenario: &Scenario, gaps: &GapMap) -> Result<()> {
    write_features_indexed(path.as_ref(), gaps.gaps.len(), |k| {
        let g = &gaps.gaps[k];
        (
            Some(Geom::MultiPolygon(&g.geometry)),
            gap_properties(scenario, g),
        )
    })
}
