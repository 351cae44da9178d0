//! `gaps.geojson`: one Polygon / MultiPolygon feature per gap with `layer`,
//! `rank`, `population`, `households`, `area_km2`, `cells`, `commune_ids`,
//! `commune_names`, `nearest_m` and `nearest_id` (nearest site of the
//! layer, fibre route or wifi point; `nearest_kind` says which).

use std::path::Path;

use geojson::{FeatureCollection, GeometryValue, JsonObject, JsonValue};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::geojson_kit::{write_features_indexed, Geom};
use super::{collection, feature, num, round6};
use crate::model::{FeatureId, Layer, Scenario};
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

/// The properties of a gap's feature (see the module docs) as a JSON
/// object: [`GapProperties`]' own keys and figures.
fn gap_properties(scenario: &Scenario, gap: &Gap) -> JsonObject {
    match serde_json::to_value(GapProperties { scenario, gap }) {
        Ok(JsonValue::Object(object)) => object,
        // a map of strings, ids, options and finite numbers always serialises
        _ => JsonObject::new(),
    }
}

/// The properties of a gap's feature, serialised straight to the file's
/// text: keys in sorted order (the order a [`JsonObject`] keeps, so the
/// file's text is that of [`gaps_geojson`]'s objects), figures rounded to
/// the digits they carry.
struct GapProperties<'a> {
    scenario: &'a Scenario,
    gap: &'a Gap,
}

impl Serialize for GapProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (g, communes) = (self.gap, &self.scenario.communes);
        let ids: Vec<&FeatureId> = g.communes.iter().map(|&c| &communes[c].id).collect();
        let names: Vec<&Option<String>> = g.communes.iter().map(|&c| &communes[c].name).collect();
        let nearest_kind = match g.layer {
            Layer::Fiber => "fiber_route",
            Layer::Wifi => "wifi_point",
            _ => "site",
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("area_km2", &num((g.area_km2 * 1e6).round() / 1e6))?;
        map.serialize_entry("cells", &g.cells)?;
        map.serialize_entry("commune_ids", &ids)?;
        map.serialize_entry("commune_names", &names)?;
        map.serialize_entry("households", &round6(g.households))?;
        map.serialize_entry("layer", g.layer.as_str())?;
        map.serialize_entry("nearest_id", &g.nearest_id)?;
        map.serialize_entry("nearest_kind", nearest_kind)?;
        map.serialize_entry(
            "nearest_m",
            &g.nearest_m.map_or(JsonValue::Null, |d| num(d.round())),
        )?;
        map.serialize_entry("population", &round6(g.population))?;
        map.serialize_entry("rank", &g.rank)?;
        map.end()
    }
}

/// Writes [`gaps_geojson`] to `path`.
pub fn write_gaps(path: impl AsRef<Path>, scenario: &Scenario, gaps: &GapMap) -> Result<()> {
    write_features_indexed(
        path.as_ref(),
        gaps.gaps.len(),
        |k| Some(Geom::MultiPolygon(&gaps.gaps[k].geometry)),
        |k| GapProperties {
            scenario,
            gap: &gaps.gaps[k],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Commune;
    use geo::MultiPolygon;

    /// The properties written straight to the file are the text of the
    /// properties object of [`gaps_geojson`], byte for byte (keys written in
    /// the object's sorted order, values kept through it): ids of both
    /// kinds, names missing, quoted or not Latin, no nearest feature, and
    /// figures that round or do not.
    #[test]
    fn written_properties_are_the_text_of_the_object() {
        let named = |id: FeatureId, name: Option<&str>| Commune {
            id,
            name: name.map(str::to_owned),
            district: None,
            kind: None,
            population: Some(1.0),
            households: Some(1.0),
            geometry: None,
        };
        let scenario = Scenario {
            communes: vec![
                named(FeatureId::Int(31117), Some("Phường Thạnh Đông")),
                named(FeatureId::Str("A \"7\"\\b".into()), None),
                named(FeatureId::Int(-4), Some("tab\there")),
            ],
            ..Scenario::default()
        };
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(23);
        let mut next = || rng.random::<u64>();
        for k in 0..300 {
            let gap = Gap {
                layer: Layer::ALL[k % Layer::ALL.len()],
                rank: k + 1,
                population: (next() % 10_000_000) as f64 / 7.0,
                households: (next() % 1000) as f64 / 3.0,
                area_km2: (next() % 100_000) as f64 / 9.0e4,
                cells: (next() % 5000) as usize,
                communes: (0..3).filter(|_| next() % 2 == 0).collect(),
                nearest_m: (k % 5 != 0).then(|| (next() % 100_000) as f64 / 3.0),
                nearest_id: match k % 3 {
                    0 => None,
                    1 => Some(FeatureId::Int((next() % 1000) as i64)),
                    _ => Some(FeatureId::Str(format!("BTS{k:05}"))),
                },
                geometry: MultiPolygon(vec![]),
            };
            let written = serde_json::to_string(&GapProperties {
                scenario: &scenario,
                gap: &gap,
            })
            .expect("text");
            let object = serde_json::to_string(&gap_properties(&scenario, &gap)).expect("text");
            assert_eq!(written, object, "gap {k}");
        }
    }
}
