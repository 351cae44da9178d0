//! `sites.geojson`: every site with what the engine made of it.

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use std::path::Path;

use super::geojson_kit::{write_features_indexed, Geom};
use super::{num, rounded};
use crate::engine::{audit_sites, RangeSource, SiteAudit};
use crate::model::{Scenario, Site};
use crate::Result;

/// The sites (WGS 84 points) with what the engine made of them, for a
/// planner to audit, as flat properties a GIS can style by: `id`,
/// `operator`, `technologies` (`"3G,4G"`), `height_m`, `commune` (id of the
/// commune holding it, or null), `environment`, per technology `T` it
/// carries `range_T_m` (metres, to 0.1 m), `range_source_T` (`range_m`,
/// `link_budget` or `default`) and, in link-budget mode,
/// `max_path_loss_T_db`; nested where a record adds something:
/// `link_budget` (technology →
/// every term of the budget for link-budget layers: `model`,
/// `environment`, `frequency_mhz`, `tx_power_dbm`, `antenna_gain_dbi`,
/// `feeder_loss_db`, `eirp_dbm`, `rx_antenna_gain_dbi`, `bandwidth_mhz`,
/// `noise_figure_db`, `required_sinr_db`, `sensitivity_dbm`,
/// `interference_margin_db`, `shadow_sigma_db`, `cell_edge_probability`,
/// `shadow_margin_db`, `indoor_penetration_loss_db`, `body_loss_db`,
/// `mobile_height_m`, `radio_horizon_m`, `max_path_loss_db`) and `sectors` (each
/// with its `azimuth_deg`, `beamwidth_deg` and `effective_range_m`).
pub fn sites_map(scenario: &Scenario) -> FeatureCollection {
    let audits = audit_sites(scenario);
    let features = scenario
        .sites
        .iter()
        .zip(&audits)
        .map(|(site, audit)| Feature {
            bbox: None,
            geometry: Some(Geometry::new(geojson::GeometryValue::from(&site.location))),
            id: None,
            properties: Some(site_properties(scenario, site, audit)),
            foreign_members: None,
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// Writes [`sites_map`] to `path`.
pub fn write_sites_map(path: impl AsRef<Path>, scenario: &Scenario) -> Result<()> {
    write_sites_audit(path, scenario, &audit_sites(scenario))
}

/// Writes `sites.geojson` from the audits an evaluation already made
/// ([`crate::evaluate_with_sites`]), one per site in input order.
pub fn write_sites_audit(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    audits: &[SiteAudit],
) -> Result<()> {
    let len = scenario.sites.len().min(audits.len());
    write_features_indexed(path.as_ref(), len, |k| {
        let site = &scenario.sites[k];
        (
            Some(Geom::Point(&site.location)),
            site_properties(scenario, site, &audits[k]),
        )
    })
}

/// The properties of a site's feature (see [`sites_map`]).
fn site_properties(scenario: &Scenario, site: &Site, audit: &SiteAudit) -> JsonObject {
    let mut effective = JsonObject::new();
    let mut source = JsonObject::new();
    let mut budget = JsonObject::new();
    let mut flat_budget = Vec::new();
    for t in site.technologies.iter() {
        let Some((range_m, how)) = audit.ranges[t.index()] else {
            continue;
        };
        effective.insert(t.to_string(), rounded(range_m, 1));
        let label = match how {
            RangeSource::SiteRange => "range_m",
            RangeSource::Default => "default",
            RangeSource::LinkBudget {
                model,
                max_path_loss_db,
                environment,
            } => {
                let mut terms = serde_json::json!({
                    "model": model,
                    "environment": environment.as_str(),
                    "max_path_loss_db": rounded(max_path_loss_db, 2),
                });
                // the terms the engine solved the range with
                if let (Some(link), Some(obj)) = (&audit.links[t.index()], terms.as_object_mut()) {
                    let b = &link.budget;
                    for (key, value, decimals) in [
                        ("frequency_mhz", link.frequency_mhz, 3),
                        ("tx_power_dbm", b.tx_power_dbm, 2),
                        ("antenna_gain_dbi", b.antenna_gain_dbi, 2),
                        ("feeder_loss_db", b.feeder_loss_db, 2),
                        ("eirp_dbm", b.eirp_dbm(), 2),
                        ("rx_antenna_gain_dbi", b.rx_antenna_gain_dbi, 2),
                        ("bandwidth_mhz", b.bandwidth_mhz, 3),
                        ("noise_figure_db", b.noise_figure_db, 2),
                        ("required_sinr_db", b.required_sinr_db, 2),
                        ("sensitivity_dbm", b.sensitivity_dbm(), 2),
                        ("interference_margin_db", b.interference_margin_db, 2),
                        ("shadow_sigma_db", b.shadow_sigma_db, 2),
                        ("cell_edge_probability", b.cell_edge_probability, 4),
                        ("shadow_margin_db", b.shadow_margin_db(), 2),
                        (
                            "indoor_penetration_loss_db",
                            b.indoor_penetration_loss_db,
                            2,
                        ),
                        ("body_loss_db", b.body_loss_db, 2),
                        ("mobile_height_m", link.mobile_height_m, 2),
                        ("radio_horizon_m", link.horizon_m, 1),
                    ] {
                        obj.insert(key.into(), rounded(value, decimals));
                    }
                }
                if let Some(mapl) = terms.get("max_path_loss_db") {
                    flat_budget.push((format!("max_path_loss_{t}_db"), mapl.clone()));
                }
                budget.insert(t.to_string(), terms);
                "link_budget"
            }
        };
        source.insert(t.to_string(), label.into());
    }
    let sectors: Vec<JsonValue> = site
        .sectors
        .iter()
        .map(|sec| {
            let ranges: JsonObject = site
                .technologies
                .iter()
                .map(|t| {
                    let site_range = audit.ranges[t.index()].map_or(0.0, |r| r.0);
                    (t.to_string(), rounded(sec.range_m.unwrap_or(site_range), 1))
                })
                .collect();
            serde_json::json!({
                "azimuth_deg": num(sec.azimuth_deg),
                "beamwidth_deg": num(sec.beamwidth_deg),
                "effective_range_m": ranges,
            })
        })
        .collect();
    let mut properties = JsonObject::new();
    properties.insert(
        "id".into(),
        serde_json::to_value(&site.id).unwrap_or(JsonValue::Null),
    );
    properties.insert(
        "operator".into(),
        site.operator
            .clone()
            .map_or(JsonValue::Null, JsonValue::String),
    );
    let names: Vec<&str> = site.technologies.iter().map(|t| t.as_str()).collect();
    properties.insert("technologies".into(), names.join(",").into());
    properties.insert("height_m".into(), num(site.height_m));
    properties.insert(
        "commune".into(),
        audit
            .commune
            .and_then(|c| serde_json::to_value(&scenario.communes[c].id).ok())
            .unwrap_or(JsonValue::Null),
    );
    properties.insert("environment".into(), audit.environment.as_str().into());
    // flat, one column per layer (a GIS styles by `range_4G_m`)
    for (t, range) in effective {
        properties.insert(format!("range_{t}_m"), range);
    }
    for (t, how) in source {
        properties.insert(format!("range_source_{t}"), how);
    }
    properties.extend(flat_budget);
    // every term of each link budget: nested, as a record of its own
    if !budget.is_empty() {
        properties.insert("link_budget".into(), JsonValue::Object(budget));
    }
    if !sectors.is_empty() {
        properties.insert("sectors".into(), JsonValue::Array(sectors));
    }
    properties
}
