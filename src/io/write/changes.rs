//! `changes.json` and `changes.geojson`: what changed between two runs
//! ([`crate::report::compare`]).

use std::path::Path;

use geo::MultiPolygon;
use geojson::{JsonObject, JsonValue};

use super::geojson_kit::{write_features, Geom};
use super::{id_json, num, write_atomic};
use crate::model::FeatureId;
use crate::report::{Change, Changes};
use crate::Result;

/// The schema tag of `changes.json`.
pub const CHANGES_SCHEMA: &str = "telecov.changes/1";

fn change_json(c: &Change) -> JsonValue {
    serde_json::json!({"before": num(c.before), "after": num(c.after), "change": num(c.change)})
}

fn figures_json(figures: &[(String, Change)]) -> JsonObject {
    figures
        .iter()
        .map(|(k, c)| (k.clone(), change_json(c)))
        .collect()
}

fn units_json(units: &[(FeatureId, Option<String>)]) -> JsonValue {
    units
        .iter()
        .map(|(id, name)| serde_json::json!({"id": id_json(id), "name": name}))
        .collect()
}

/// `changes.json`: `{"schema", "before", "after", "totals": {FIGURE:
/// {"before", "after", "change"}}, "communes": [{"id", "name", FIGURE: …}],
/// "new_communes": [{"id", "name"}], "gone_communes": […]}`.
pub fn changes_json(changes: &Changes, before: &str, after: &str) -> JsonValue {
    let communes: Vec<JsonValue> = changes
        .communes
        .iter()
        .map(|c| {
            let mut o = JsonObject::new();
            o.insert("id".into(), id_json(&c.id));
            o.insert(
                "name".into(),
                c.name.clone().map_or(JsonValue::Null, JsonValue::String),
            );
            o.extend(figures_json(&c.figures));
            JsonValue::Object(o)
        })
        .collect();
    serde_json::json!({
        "schema": CHANGES_SCHEMA,
        "before": before,
        "after": after,
        "totals": figures_json(&changes.totals),
        "communes": communes,
        "new_communes": units_json(&changes.new),
        "gone_communes": units_json(&changes.gone),
    })
}

/// Writes `changes.json` (see [`changes_json`]).
pub fn write_changes(
    path: impl AsRef<Path>,
    changes: &Changes,
    before: &str,
    after: &str,
) -> Result<()> {
    let text = serde_json::to_vec_pretty(&changes_json(changes, before, after))
        .map_err(|e| crate::Error::Internal(e.to_string()))?;
    write_atomic(path.as_ref(), &text)
}

/// Writes `changes.geojson`: the outlines of the later run's communes with
/// flat properties `id`, `name`, `status` (`changed` or `new`) and, for
/// communes in both runs, `change_<FIGURE>` (e.g. `change_pct_4G`, in
/// points) and `<FIGURE>` (the later value).
pub fn write_changes_map(
    path: impl AsRef<Path>,
    changes: &Changes,
    outlines: &[(FeatureId, MultiPolygon<f64>)],
) -> Result<()> {
    use std::collections::HashMap;
    let shapes: HashMap<String, &MultiPolygon<f64>> =
        outlines.iter().map(|(id, g)| (id.key(), g)).collect();
    let mut features = Vec::new();
    for c in &changes.communes {
        let mut p = JsonObject::new();
        p.insert("id".into(), id_json(&c.id));
        p.insert(
            "name".into(),
            c.name.clone().map_or(JsonValue::Null, JsonValue::String),
        );
        p.insert("status".into(), "changed".into());
        for (k, f) in &c.figures {
            p.insert(format!("change_{k}"), num(f.change));
            p.insert(k.clone(), num(f.after));
        }
        features.push((shapes.get(&c.id.key()).copied(), p));
    }
    for (id, name) in &changes.new {
        let mut p = JsonObject::new();
        p.insert("id".into(), id_json(id));
        p.insert(
            "name".into(),
            name.clone().map_or(JsonValue::Null, JsonValue::String),
        );
        p.insert("status".into(), "new".into());
        features.push((shapes.get(&id.key()).copied(), p));
    }
    write_features(
        path.as_ref(),
        features
            .into_iter()
            .map(|(g, p)| (g.map(Geom::MultiPolygon), p)),
    )
}
