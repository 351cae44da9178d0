//! `scorecard.json` and `scorecard.csv`: the digital-infrastructure
//! scorecard ([`crate::scorecard`]).

use std::path::Path;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::write_atomic;
use crate::model::FeatureId;
use crate::scorecard::{Indicator, Indicators, Scorecard};
use crate::{Error, Result};

struct JsonIndicator<'a>(&'a Indicator);
struct JsonIndicators<'a>(&'a Indicators);
struct JsonArea<'a>(Option<(&'a FeatureId, Option<&'a str>)>, &'a Indicators);
struct JsonCard<'a>(&'a Scorecard);

impl Serialize for JsonIndicator<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let i = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("value", &i.value)?;
        m.serialize_entry("target", &i.target)?;
        m.serialize_entry("met", &i.met)?;
        m.serialize_entry("gap", &i.gap)?;
        m.end()
    }
}

impl Serialize for JsonIndicators<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, i) in self.0 {
            m.serialize_entry(name, &JsonIndicator(i))?;
        }
        m.end()
    }
}

impl Serialize for JsonArea<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some((id, name)) = self.0 {
            m.serialize_entry("id", id)?;
            m.serialize_entry("name", &name)?;
        }
        m.serialize_entry("indicators", &JsonIndicators(self.1))?;
        m.end()
    }
}

impl Serialize for JsonCard<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("city", &JsonArea(None, &self.0.city))?;
        let communes: Vec<JsonArea<'_>> = self
            .0
            .communes
            .iter()
            .map(|c| JsonArea(Some((&c.id, c.name.as_deref())), &c.indicators))
            .collect();
        m.serialize_entry("communes", &communes)?;
        m.end()
    }
}

/// `scorecard.json`: `{"city": {"indicators": {NAME: {"value", "target",
/// "met", "gap"}}}, "communes": [{"id", "name", "indicators": {…}}]}`,
/// indicators in [`crate::model::INDICATORS`] order (absent layers
/// omitted), communes furthest behind first; `null` where a value,
/// target, verdict or gap does not exist.
///
/// ```
/// use telecov::scorecard::{Indicator, Scorecard};
/// let card = Scorecard {
///     city: vec![("fiber_households_pct", Indicator { value: Some(61.5), target: Some(60.0), met: Some(true), gap: Some(0.0) })],
///     communes: vec![],
/// };
/// let v: serde_json::Value = serde_json::from_str(&telecov::io::write::scorecard_json(&card)).unwrap();
/// assert_eq!(v["city"]["indicators"]["fiber_households_pct"]["met"], true);
/// ```
pub fn scorecard_json(card: &Scorecard) -> String {
    // plain data with string keys and finite numbers: cannot fail
    serde_json::to_string_pretty(&JsonCard(card)).unwrap_or_default()
}

/// Writes [`scorecard_json`] to `path` atomically.
pub fn write_scorecard_json(path: impl AsRef<Path>, card: &Scorecard) -> Result<()> {
    write_atomic(path.as_ref(), scorecard_json(card).as_bytes())
}

/// `scorecard.csv`: one row per area and indicator, columns `level`
/// (`city` or `commune`), `id`, `name`, `indicator`, `value`, `target`,
/// `met`, `gap` (empty where `scorecard.json` has `null`); the city first,
/// then the communes in the JSON's order.
pub fn scorecard_csv(card: &Scorecard) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("scorecard.csv: {e}"));
    w.write_record([
        "level",
        "id",
        "name",
        "indicator",
        "value",
        "target",
        "met",
        "gap",
    ])
    .map_err(csv_err)?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut rows = vec![("city", String::new(), String::new(), &card.city)];
    for c in &card.communes {
        rows.push((
            "commune",
            c.id.to_string(),
            c.name.clone().unwrap_or_default(),
            &c.indicators,
        ));
    }
    for (level, id, name, list) in rows {
        for (indicator, i) in list.iter() {
            w.write_record([
                level,
                &id,
                &name,
                indicator,
                &num(i.value),
                &num(i.target),
                &i.met.map(|m| m.to_string()).unwrap_or_default(),
                &num(i.gap),
            ])
            .map_err(csv_err)?;
        }
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("scorecard.csv: {e}")))
}

/// Writes [`scorecard_csv`] to `path` atomically.
pub fn write_scorecard_csv(path: impl AsRef<Path>, card: &Scorecard) -> Result<()> {
    write_atomic(path.as_ref(), &scorecard_csv(card)?)
}
