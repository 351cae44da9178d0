//! Reading back what telecov wrote: `report.json` and the commune outlines
//! of `communes.geojson`, for comparing two runs.

use std::path::Path;

use geo::MultiPolygon;

use crate::model::FeatureId;
use crate::report::{Report, SCHEMA};
use crate::{Error, Result};

/// Reads the `report.json` of an output folder (or the file itself),
/// refusing another schema by name.
pub fn read_report(path: impl AsRef<Path>) -> Result<Report> {
    let mut path = path.as_ref().to_path_buf();
    if path.is_dir() {
        path = path.join("report.json");
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.clone(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
    if schema != SCHEMA {
        return Err(Error::invalid(
            crate::error::Location::file(&path).property("schema"),
            format!("expected {SCHEMA:?}, got {schema:?}: not a telecov report"),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        Error::invalid(
            crate::error::Location::file(&path),
            format!("not a {SCHEMA} report: {e}"),
        )
    })
}

/// The commune outlines of a `communes.geojson` telecov wrote, by id (a
/// commune without geometry is left out).
pub fn read_commune_outlines(
    path: impl AsRef<Path>,
) -> Result<Vec<(FeatureId, MultiPolygon<f64>)>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let fc: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .and_then(geojson::FeatureCollection::try_from)
        .map_err(|e| Error::invalid(crate::error::Location::file(path), e.to_string()))?;
    let mut out = Vec::new();
    for (i, f) in fc.features.into_iter().enumerate() {
        let bad = |why: String| {
            Error::invalid(
                crate::error::Location::file(path)
                    .feature(i, None)
                    .property("id"),
                why,
            )
        };
        let id = match f.property("id") {
            Some(serde_json::Value::String(s)) => FeatureId::Str(s.clone()),
            Some(serde_json::Value::Number(n)) => FeatureId::Int(
                n.as_i64()
                    .ok_or_else(|| bad(format!("{n} is not an integer")))?,
            ),
            other => {
                return Err(bad(format!(
                    "expected a string or an integer, got {other:?}"
                )))
            }
        };
        let Some(g) = f.geometry else { continue };
        let g: geo::Geometry<f64> = g
            .try_into()
            .map_err(|e: geojson::Error| bad(format!("geometry: {e}")))?;
        let mp = match g {
            geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
            geo::Geometry::MultiPolygon(m) => m,
            _ => continue,
        };
        out.push((id, mp));
    }
    Ok(out)
}
