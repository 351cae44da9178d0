//! `communes.geojson` and `communes.csv`: the report's figures per commune,
//! as flat columns.

use std::path::Path;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use super::geojson_kit::{write_features_indexed, Geom};
use super::{id_json, num, pct2, rounded, write_atomic_with};
use crate::model::{Scenario, Technology};
use crate::report::{CommuneReport, Report};
use crate::Result;

/// The commune polygons (WGS 84) with the report's figures as flat
/// properties ([`commune_columns`]: `pct_4G`, `people_4G`, `has_5G`, …),
/// ready for a choropleth in QGIS. Communes without geometry are written
/// with a null geometry.
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

/// The flat columns of a commune, in order: `id`, `name`, `district`,
/// `kind`, `population`, `households`, `area_km2`, `sites`, `wifi_points`,
/// then per layer `people_<L>` (households for fibre: `households_fiber`),
/// `pct_<L>` and `has_<L>` (reached at all; for wifi: holds a point) with
/// `<L>` in `2G`, `3G`, `4G`, `5G`, `mobile_broadband`, `fiber`, `wifi`, and
/// `people_uncovered_mobile_broadband`. Computed people are rounded to
/// 0.01, percentages to 0.01 points, areas to 1 m².
pub fn commune_columns(row: &CommuneReport) -> Vec<(String, JsonValue)> {
    let text = |v: &Option<String>| v.clone().map_or(JsonValue::Null, JsonValue::String);
    let mut out: Vec<(String, JsonValue)> = vec![
        ("id".into(), id_json(&row.id)),
        ("name".into(), text(&row.name)),
        ("district".into(), text(&row.district)),
        ("kind".into(), text(&row.kind)),
        ("population".into(), num(row.population)),
        ("households".into(), num(row.households)),
        ("area_km2".into(), rounded(row.area_km2, 6)),
        ("sites".into(), row.sites.into()),
        ("wifi_points".into(), row.wifi_points.into()),
    ];
    let mut layer = |name: &str, people_key: String, people: f64, pct: f64, has: bool| {
        out.push((people_key, rounded(people, 2)));
        out.push((format!("pct_{name}"), pct2(pct)));
        out.push((format!("has_{name}"), has.into()));
    };
    for t in Technology::ALL {
        let people = row.population_covered.get(t);
        layer(
            t.as_str(),
            format!("people_{t}"),
            people,
            row.population_covered_pct(t),
            people > 0.0,
        );
    }
    let mbb = row.population_covered.mobile_broadband;
    layer(
        "mobile_broadband",
        "people_mobile_broadband".into(),
        mbb,
        row.mobile_broadband_pct(),
        mbb > 0.0,
    );
    let fiber = row.households_fiber_passed;
    layer(
        "fiber",
        "households_fiber".into(),
        fiber,
        row.fiber_pct(),
        fiber > 0.0,
    );
    layer(
        "wifi",
        "people_wifi".into(),
        row.population_wifi_covered,
        row.wifi_pct(),
        row.wifi_points > 0,
    );
    out.push((
        "people_uncovered_mobile_broadband".into(),
        rounded(row.population - mbb, 2),
    ));
    out
}

/// The properties of a commune's feature: [`commune_columns`].
fn commune_properties(row: &CommuneReport) -> JsonObject {
    commune_columns(row).into_iter().collect()
}

/// Writes `communes.csv`: one row per commune, one column per figure
/// ([`commune_columns`]), for spreadsheets.
pub fn write_communes_csv(path: impl AsRef<Path>, report: &Report) -> Result<()> {
    let path = path.as_ref();
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let mut header = true;
        for row in &report.communes {
            let cols = commune_columns(row);
            if header {
                csv.write_record(cols.iter().map(|(k, _)| k.as_str()))?;
                header = false;
            }
            csv.write_record(cols.iter().map(|(_, v)| match v {
                JsonValue::Null => String::new(),
                JsonValue::String(s) => s.clone(),
                other => other.to_string(),
            }))?;
        }
        if header {
            // no commune: the header alone
            let empty = CommuneReport {
                id: crate::model::FeatureId::Int(0),
                name: None,
                district: None,
                kind: None,
                population: 0.0,
                households: 0.0,
                area_km2: 0.0,
                population_covered: Default::default(),
                households_fiber_passed: 0.0,
                population_wifi_covered: 0.0,
                wifi_points: 0,
                sites: 0,
            };
            csv.write_record(commune_columns(&empty).iter().map(|(k, _)| k.as_str()))?;
        }
        csv.flush()
    })
}

/// Writes [`communes_map`] to `path`.
pub fn write_communes_map(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
) -> Result<()> {
    let len = scenario.communes.len().min(report.communes.len());
    write_features_indexed(
        path.as_ref(),
        len,
        |k| {
            scenario.communes[k]
                .geometry
                .as_ref()
                .map(Geom::MultiPolygon)
        },
        |k| commune_properties(&report.communes[k]),
    )
}
