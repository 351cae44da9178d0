//! Files of plans.
//!
//! - `proposed_sites.geojson`, `proposed_wifi.geojson`,
//!   `proposed_fiber.geojson`: the proposals with their gains.
//! - `coverage_curve.csv`: coverage of the whole scenario against the
//!   number of new sites.
//! - `scenario_with_plan/`: the input scenario with every proposal added,
//!   in the scenario contract ([`crate::io::write_scenario`]).

use std::fmt::Write as _;
use std::path::Path;

use geojson::{FeatureCollection, GeometryValue, JsonObject, JsonValue};

use super::geojson_kit::{write_features, Geom};
use super::{collection, feature, id_json, num, round6, write_atomic, write_gaps};
use crate::model::{Layer, Scenario};
use crate::planning::{Plan, ProposedFiber, ProposedSite, ProposedWifi};
use crate::Result;

fn layer_map(v: &[(Layer, f64)]) -> JsonValue {
    JsonValue::Object(
        v.iter()
            .map(|(l, x)| (l.as_str().to_owned(), round6(*x)))
            .collect(),
    )
}

/// The proposed sites as GeoJSON: `id`, `order`, `technologies`,
/// `height_m`, `effective_range_m`, `people_gained` (per targeted layer),
/// `objective_gain`, `cumulative_pct` (per targeted layer), `commune`.
pub fn sites_geojson(scenario: &Scenario, plan: &Plan) -> FeatureCollection {
    let features = plan
        .sites
        .iter()
        .map(|s| {
            feature(
                Some(GeometryValue::from(&s.site.location)),
                site_properties(scenario, s),
            )
        })
        .collect();
    collection(features)
}

fn site_properties(scenario: &Scenario, s: &ProposedSite) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("id".into(), id_json(&s.site.id));
    p.insert("order".into(), s.order.into());
    p.insert(
        "technologies".into(),
        s.site
            .technologies
            .iter()
            .map(|t| JsonValue::from(t.as_str()))
            .collect(),
    );
    p.insert("height_m".into(), num(s.site.height_m));
    let ranges: JsonObject = crate::model::Technology::ALL
        .iter()
        .filter_map(|t| s.range_m[t.index()].map(|r| (t.as_str().to_owned(), num(r))))
        .collect();
    p.insert("effective_range_m".into(), JsonValue::Object(ranges));
    p.insert("people_gained".into(), layer_map(&s.people_gained));
    p.insert("objective_gain".into(), round6(s.objective_gain));
    p.insert("cumulative_pct".into(), layer_map(&s.cumulative_pct));
    p.insert(
        "commune".into(),
        s.commune
            .map_or(JsonValue::Null, |c| id_json(&scenario.communes[c].id)),
    );
    p
}

/// The proposed wifi points: `id`, `commune`, `commune_name`,
/// `people_gained`.
pub fn wifi_geojson(scenario: &Scenario, plan: &Plan) -> FeatureCollection {
    let features = plan
        .wifi
        .iter()
        .map(|w| {
            feature(
                Some(GeometryValue::from(&w.point.location)),
                wifi_properties(scenario, w),
            )
        })
        .collect();
    collection(features)
}

fn wifi_properties(scenario: &Scenario, w: &ProposedWifi) -> JsonObject {
    let c = &scenario.communes[w.commune];
    let mut p = JsonObject::new();
    p.insert("id".into(), id_json(&w.point.id));
    p.insert("commune".into(), id_json(&c.id));
    p.insert(
        "commune_name".into(),
        c.name.clone().map_or(JsonValue::Null, JsonValue::String),
    );
    p.insert("people_gained".into(), round6(w.people_gained));
    p
}

/// The proposed fibre segments: `id`, `length_km`, `households_gained`,
/// `commune`.
pub fn fiber_geojson(scenario: &Scenario, plan: &Plan) -> FeatureCollection {
    let features = plan
        .fiber
        .iter()
        .map(|f| {
            let geometry = match f.route.geometry.0.as_slice() {
                [one] => GeometryValue::from(one),
                _ => GeometryValue::from(&f.route.geometry),
            };
            feature(Some(geometry), fiber_properties(scenario, f))
        })
        .collect();
    collection(features)
}

fn fiber_properties(scenario: &Scenario, f: &ProposedFiber) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("id".into(), id_json(&f.route.id));
    p.insert("length_km".into(), num((f.length_km * 1e6).round() / 1e6));
    p.insert("households_gained".into(), round6(f.households_gained));
    p.insert("commune".into(), id_json(&scenario.communes[f.commune].id));
    p
}

/// The coverage-versus-sites curve as CSV: `sites`, one `<layer>_pct`
/// column per targeted mobile layer (whole scenario), then
/// `communes_meeting_targets`.
pub fn curve_csv(plan: &Plan) -> String {
    let mut out = String::from("sites");
    if let Some(first) = plan.curve.first() {
        for (l, _) in &first.pct {
            let _ = write!(out, ",{l}_pct");
        }
    }
    out.push_str(",communes_meeting_targets\n");
    for p in &plan.curve {
        let _ = write!(out, "{}", p.sites);
        for (_, v) in &p.pct {
            let _ = write!(out, ",{v:.6}");
        }
        let _ = writeln!(out, ",{}", p.communes_meeting_targets);
    }
    out
}

/// Writes every output of a plan into `out_dir` (created if needed):
/// `gaps.geojson`, `proposed_sites.geojson`, `proposed_wifi.geojson`,
/// `proposed_fiber.geojson`, `coverage_curve.csv` and `scenario_with_plan/`.
pub fn write_plan(out_dir: impl AsRef<Path>, scenario: &Scenario, plan: &Plan) -> Result<()> {
    let out_dir = out_dir.as_ref();
    std::fs::create_dir_all(out_dir).map_err(|e| crate::Error::io(out_dir, e))?;
    write_gaps(out_dir.join("gaps.geojson"), scenario, &plan.gaps)?;
    write_features(
        &out_dir.join("proposed_sites.geojson"),
        plan.sites.iter().map(|s| {
            (
                Some(Geom::Point(&s.site.location)),
                site_properties(scenario, s),
            )
        }),
    )?;
    write_features(
        &out_dir.join("proposed_wifi.geojson"),
        plan.wifi.iter().map(|w| {
            (
                Some(Geom::Point(&w.point.location)),
                wifi_properties(scenario, w),
            )
        }),
    )?;
    write_features(
        &out_dir.join("proposed_fiber.geojson"),
        plan.fiber.iter().map(|f| {
            (
                Some(Geom::MultiLine(&f.route.geometry)),
                fiber_properties(scenario, f),
            )
        }),
    )?;
    write_atomic(
        &out_dir.join("coverage_curve.csv"),
        curve_csv(plan).as_bytes(),
    )?;
    super::write_scenario(out_dir.join("scenario_with_plan"), &plan.scenario_with_plan)
}
